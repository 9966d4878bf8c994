//! Trust decisions that fail closed (issue 15): DSC revocation is judged at the
//! verification time by the newest CRL, CRLs of a rolled-over CSCA key count, names are
//! compared as RFC 5280 §7.1 says, and an issuing state that does not map is a problem.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use der::Encode;
use der::Tag;
use dongpo_crypto::Verifier;
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Options, TimeModel};
use dongpo_pki::UnixTime;
use dongpo_testkit::KeyStore;
use dongpo_testkit::pki::{self, ski};
use dongpo_testkit::time::Instant;
use dongpo_testkit::trust_cases::Case;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::name::Name;

/// 2026-06-01: the CSCA and DSC are valid, the document was signed 2025-07-01.
const NOW: &str = "2026-06-01T00:00:00Z";
/// A CRL issued 2026-01-01 (fresh for a year).
const JAN_2026: Instant = Instant(2026, 1, 1, 0, 0, 0);
const MAR_2026: Instant = Instant(2026, 3, 1, 0, 0, 0);

fn csca_name() -> Name {
    "CN=trust case CSCA,O=dongpo test PKI,C=KR".parse().unwrap()
}

fn case(subject: &Name, state: &str) -> Case {
    Case::new(subject, state, 15, &mut KeyStore::default()).unwrap()
}

fn verify(case: &Case, trust: &TrustStore, model: TimeModel, policy: Policy) -> Outcome {
    let options = Options {
        at: UnixTime::parse_rfc3339(NOW).unwrap(),
        policy,
        time_model: model,
    };
    passive_auth::verify(&case.document, trust, &options, &Verifier::new())
}

fn trust(case: &Case, crls: &[(&[u8], &str)]) -> TrustStore {
    let mut trust = TrustStore::new();
    trust
        .add_csca(&case.csca.to_der().unwrap(), "csca.der")
        .unwrap();
    for (crl, source) in crls {
        trust.add_crl(crl, source).unwrap();
    }
    trust
}

fn revocation(report: &Outcome) -> (Status, String) {
    let check = report.check("dsc.revocation").unwrap();
    (check.status, check.detail.clone())
}

#[test]
fn signing_time_model_judges_crl_freshness_now_and_fails_a_compromised_dsc() {
    let case = case(&csca_name(), "KOR");
    let aki = ski(&case.csca);
    // Revoked for key compromise after the document was signed (2025-07-01): a
    // backdated signingTime must not save it.
    let crl = case
        .crl(
            &case.csca_key,
            None,
            Some(&aki),
            1,
            JAN_2026,
            &[case.revoked(
                Instant(2025, 12, 1, 0, 0, 0),
                Some(CrlReason::KeyCompromise),
            )],
        )
        .unwrap();
    let trust = trust(&case, &[(&crl, "compromise.crl")]);
    for model in [TimeModel::SigningTime, TimeModel::VerificationTime] {
        let report = verify(&case, &trust, model, Policy::default_policy());
        let (status, detail) = revocation(&report);
        assert_eq!(status, Status::Fail, "{model:?}: {detail}");
        assert!(detail.contains("KeyCompromise"), "{detail}");
        assert!(!report.valid);
    }
}

#[test]
fn signing_time_model_keeps_documents_signed_before_a_retirement() {
    let case = case(&csca_name(), "KOR");
    let aki = ski(&case.csca);
    let superseded = |at| {
        let crl = case
            .crl(
                &case.csca_key,
                None,
                Some(&aki),
                1,
                JAN_2026,
                &[case.revoked(at, Some(CrlReason::Superseded))],
            )
            .unwrap();
        trust(&case, &[(&crl, "superseded.crl")])
    };
    // Retired after signing: the document stays good under the signing-time model only.
    let after = superseded(Instant(2025, 12, 1, 0, 0, 0));
    let report = verify(
        &case,
        &after,
        TimeModel::SigningTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(status, Status::Pass, "{detail}");
    assert!(
        detail.contains("a retirement, signatures made before stay good"),
        "{detail}"
    );
    let report = verify(
        &case,
        &after,
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    assert_eq!(revocation(&report).0, Status::Fail);
    // Retired before signing: fails under both.
    let before = superseded(Instant(2025, 6, 15, 0, 0, 0));
    let report = verify(
        &case,
        &before,
        TimeModel::SigningTime,
        Policy::default_policy(),
    );
    assert_eq!(revocation(&report).0, Status::Fail);
}

#[test]
fn the_newest_crl_decides_whatever_the_order_given() {
    let case = case(&csca_name(), "KOR");
    let aki = ski(&case.csca);
    let old = case
        .crl(&case.csca_key, None, Some(&aki), 1, JAN_2026, &[])
        .unwrap();
    let new = case
        .crl(
            &case.csca_key,
            None,
            Some(&aki),
            2,
            MAR_2026,
            &[case.revoked(Instant(2026, 2, 1, 0, 0, 0), Some(CrlReason::KeyCompromise))],
        )
        .unwrap();
    for crls in [
        [(&old[..], "a-old.crl"), (&new[..], "b-new.crl")],
        [(&new[..], "b-new.crl"), (&old[..], "a-old.crl")],
    ] {
        let report = verify(
            &case,
            &trust(&case, &crls),
            TimeModel::VerificationTime,
            Policy::default_policy(),
        );
        let (status, detail) = revocation(&report);
        assert_eq!(status, Status::Fail, "{detail}");
        assert!(detail.contains("b-new.crl"), "{detail}");
        assert!(detail.contains("CRL number 02"), "{detail}");
        assert_eq!(report.evidence.crl_numbers, vec!["02".to_string()]);
    }
}

#[test]
fn a_crl_signed_by_the_rolled_over_key_of_the_csca_counts() {
    let case = case(&csca_name(), "KOR");
    let mut keys = KeyStore::default();
    let (new_csca, new_key) = case.rolled_over("new-key", &mut keys).unwrap();
    let revoked = [case.revoked(Instant(2026, 2, 1, 0, 0, 0), Some(CrlReason::KeyCompromise))];
    let crl = case
        .crl(&new_key, None, Some(&ski(&new_csca)), 3, JAN_2026, &revoked)
        .unwrap();
    let mut trust = trust(&case, &[(&crl, "rollover.crl")]);
    trust
        .add_csca(&new_csca.to_der().unwrap(), "csca-new.der")
        .unwrap();
    let report = verify(
        &case,
        &trust,
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(status, Status::Fail, "{detail}");
    assert!(detail.contains("rollover.crl"), "{detail}");

    // The same CRL signed by a key nobody trusts, under the CSCA's name: not used.
    let (rogue, rogue_key) = case.rolled_over("rogue-key", &mut keys).unwrap();
    let forged = case
        .crl(&rogue_key, None, Some(&ski(&rogue)), 9, JAN_2026, &[])
        .unwrap();
    let good = case
        .crl(
            &case.csca_key,
            None,
            Some(&ski(&case.csca)),
            1,
            JAN_2026,
            &revoked,
        )
        .unwrap();
    let trust = self::trust(&case, &[(&good, "good.crl"), (&forged, "forged.crl")]);
    let report = verify(
        &case,
        &trust,
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(
        status,
        Status::Fail,
        "the forged newer CRL must not win: {detail}"
    );
    assert!(detail.contains("good.crl"), "{detail}");
    // Alone, the forged CRL leaves the status undetermined (and names why).
    let trust = self::trust(&case, &[(&forged, "forged.crl")]);
    let report = verify(
        &case,
        &trust,
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(status, Status::Skipped, "{detail}");
    assert!(detail.contains("no trusted key"), "{detail}");
}

#[test]
fn a_teletex_csca_name_matches_its_crl_in_printable_string() {
    let cn = const_oid::db::rfc4519::CN;
    let c = const_oid::db::rfc4519::C;
    let teletex = pki::name(&[
        (c, Tag::PrintableString, "KR"),
        (cn, Tag::TeletexString, "Teletex CSCA"),
    ])
    .unwrap();
    let printable = pki::name(&[
        (c, Tag::PrintableString, "KR"),
        (cn, Tag::PrintableString, "Teletex CSCA"),
    ])
    .unwrap();
    let case = case(&teletex, "KOR");
    // No authorityKeyIdentifier: the CRL is found by its issuer name alone.
    let crl = case
        .crl(
            &case.csca_key,
            Some(&printable),
            None,
            1,
            JAN_2026,
            &[case.revoked(
                Instant(2025, 12, 1, 0, 0, 0),
                Some(CrlReason::KeyCompromise),
            )],
        )
        .unwrap();
    let report = verify(
        &case,
        &trust(&case, &[(&crl, "printable.crl")]),
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(status, Status::Fail, "{detail}");

    // A UTF8String of the TeletexString's hex text is another name.
    let hex_text = pki::name(&[
        (c, Tag::PrintableString, "KR"),
        (cn, Tag::Utf8String, &hex::encode("Teletex CSCA")),
    ])
    .unwrap();
    let crl = case
        .crl(&case.csca_key, Some(&hex_text), None, 1, JAN_2026, &[])
        .unwrap();
    let report = verify(
        &case,
        &trust(&case, &[(&crl, "hex.crl")]),
        TimeModel::VerificationTime,
        Policy::default_policy(),
    );
    let (status, detail) = revocation(&report);
    assert_eq!(status, Status::Skipped, "{detail}");
    assert!(detail.contains("no CRL of the CSCA"), "{detail}");
}

#[test]
fn an_issuing_state_that_does_not_map_fails_strict_and_is_named_by_default() {
    for (state, named) in [
        ("ZZZ", "ZZZ"),
        ("XXA", "nationality code"),
        ("XOM", "Sovereign Military Order of Malta"),
        ("EUE", "issuing state EU differs"),
    ] {
        let case = case(&csca_name(), state);
        let trust = trust(&case, &[]);
        let strict = verify(&case, &trust, TimeModel::VerificationTime, Policy::strict());
        let profile = strict.check("dsc.profile").unwrap();
        assert_eq!(profile.status, Status::Fail, "{state}: {}", profile.detail);
        assert!(
            profile.detail.contains(named),
            "{state}: {}",
            profile.detail
        );
        let default = verify(
            &case,
            &trust,
            TimeModel::VerificationTime,
            Policy::default_policy(),
        );
        let profile = default.check("dsc.profile").unwrap();
        assert_eq!(profile.status, Status::Pass, "{state}");
        assert!(profile.detail.contains("deviation tolerated"), "{state}");
        assert!(
            profile.detail.contains(named),
            "{state}: {}",
            profile.detail
        );
    }
    // The State of the CSCA still passes under strict.
    let case = case(&csca_name(), "KOR");
    let strict = verify(
        &case,
        &trust(&case, &[]),
        TimeModel::VerificationTime,
        Policy::strict(),
    );
    assert_eq!(strict.check("dsc.profile").unwrap().status, Status::Pass);
}

#[test]
fn two_crls_of_one_number_that_disagree_fail_closed() {
    let case = case(&csca_name(), "KOR");
    let aki = ski(&case.csca);
    let empty = case
        .crl(&case.csca_key, None, Some(&aki), 1, JAN_2026, &[])
        .unwrap();
    let listing = case
        .crl(
            &case.csca_key,
            None,
            Some(&aki),
            1,
            JAN_2026,
            &[case.revoked(Instant(2025, 12, 1, 0, 0, 0), Some(CrlReason::Superseded))],
        )
        .unwrap();
    for crls in [
        [(&empty[..], "a.crl"), (&listing[..], "b.crl")],
        [(&listing[..], "b.crl"), (&empty[..], "a.crl")],
    ] {
        let report = verify(
            &case,
            &trust(&case, &crls),
            TimeModel::VerificationTime,
            Policy::default_policy(),
        );
        let (status, detail) = revocation(&report);
        assert_eq!(status, Status::Fail, "{detail}");
        assert!(
            detail.contains("b.crl") && detail.contains("share its number"),
            "{detail}"
        );
    }
}
