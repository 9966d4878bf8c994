//! A CA that stays consistent: certificates never outlive their issuing CA, an expired CA
//! issues nothing, a delta CRL lists every revocation its base lacks whatever its
//! timestamp and whichever node wrote it, and a name the certificate cannot carry is
//! refused without burning a serial.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, applicant, new_ca};
use der::Decode;
use dongpo_ca::CrlScope;
use dongpo_ca::IssueError;
use dongpo_ca::RevocationReason;
use dongpo_ca::{Ca, Overrides};
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::ValidityBeyondIssuer;
use dongpo_testkit::Variant;
use x509_cert::Certificate;

const PROFILE: &str = "woori";

fn validity(der: &[u8]) -> (u64, u64) {
    let cert = Certificate::from_der(der).unwrap();
    let v = cert.tbs_certificate().validity();
    (
        v.not_before.to_unix_duration().as_secs(),
        v.not_after.to_unix_duration().as_secs(),
    )
}

fn serial_count(ca: &mut Ca) -> usize {
    ca.issuer().store().serials().unwrap().len()
}

/// A CA with a registered applicant, and a function approving a CSR of `seed` at NOW.
fn ca_with_applicant(label: &str) -> (std::path::PathBuf, Ca, common::Applicant) {
    let (dir, mut ca) = new_ca(label, None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    (dir, ca, person)
}

fn approve(ca: &mut Ca, person: &common::Applicant, seed: u64) -> dongpo_ca::Approval {
    common::approve_p256(ca, person, PROFILE, seed)
}

fn issue(
    ca: &mut Ca,
    person: &common::Applicant,
    seed: u64,
    at: UnixTime,
) -> Result<dongpo_ca::Issued, IssueError> {
    let approval = approve(ca, person, seed);
    ca.issue(&approval, at)
}

#[test]
fn certificates_never_outlive_the_issuing_ca_and_an_expired_ca_issues_nothing() {
    let (_dir, mut ca, person) = ca_with_applicant("ca-validity");
    let (ca_not_before, ca_not_after) = {
        let issuing = ca.issuer().ca_for(PROFILE).unwrap();
        (issuing.not_before(), issuing.not_after())
    };
    let days = u64::from(ca.profile(PROFILE).unwrap().validity_days);

    // Early in the CA's life: the profile's full validity.
    let early = issue(&mut ca, &person, 1, NOW).unwrap();
    let (nb, na) = validity(&early.der);
    assert_eq!((nb, na), (NOW.0, NOW.0 + days * 86_400 - 1));

    // A hundred days before the CA expires: capped at the CA's notAfter (the default).
    let late = UnixTime(ca_not_after.0 - 100 * 86_400);
    let capped = issue(&mut ca, &person, 2, late).unwrap();
    assert_eq!(validity(&capped.der), (late.0, ca_not_after.0));
    let stored = ca
        .issuer()
        .store()
        .certificate(capped.serial.as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(stored.cert.not_after, ca_not_after);

    // A profile that says "refuse" refuses instead.
    let mut refusing = ca.profile(PROFILE).unwrap().clone();
    refusing.validity_beyond_issuer = ValidityBeyondIssuer::Refuse;
    let issuing = ca.issuer().ca_for(PROFILE).unwrap();
    let err = issuing.subscriber_not_after(&refusing, late).unwrap_err();
    assert!(
        matches!(&err, IssueError::IssuerValidity { .. }) && err.to_string().contains("refuse"),
        "{err}"
    );
    assert_eq!(
        issuing.subscriber_not_after(&refusing, NOW).unwrap().0,
        NOW.0 + days * 86_400 - 1
    );

    // After the CA's notAfter, and before its notBefore: nothing is issued, no serial burnt.
    let before = serial_count(&mut ca);
    for at in [UnixTime(ca_not_after.0 + 1), UnixTime(ca_not_before.0 - 1)] {
        let err = issue(&mut ca, &person, 3, at).unwrap_err();
        assert!(matches!(err, IssueError::IssuerValidity { .. }), "{err}");
    }
    assert_eq!(
        serial_count(&mut ca),
        before,
        "a refused issuance burnt a serial"
    );
}

#[test]
fn a_delta_crl_lists_every_revocation_its_base_lacks_across_writers() {
    let (dir, mut a, person) = ca_with_applicant("delta-two-writers");
    let first = issue(&mut a, &person, 11, NOW).unwrap();
    let second = issue(&mut a, &person, 12, NOW).unwrap();
    let issuer = first.issuer.clone();

    // Writer A revokes the first certificate and builds the base at T.
    let t = UnixTime(NOW.0 + 1_000);
    a.revoke(
        &first.serial,
        RevocationReason::KeyCompromise,
        UnixTime(t.0 - 10),
    )
    .unwrap();
    let base = a.crl(&issuer, CrlScope::Full, t).unwrap();

    // Writer B (another node, its clock 60 s behind, or a slow commit) records a
    // revocation timed before the base's thisUpdate, after the base was built.
    let mut b = Ca::open_with(
        &dir,
        Some(dongpo_ca::keys::Passphrase::new(
            b"test passphrase".to_vec(),
        )),
        &Overrides {
            node: Some("second-writer".into()),
            ..Overrides::default()
        },
    )
    .unwrap();
    b.revoke(
        &second.serial,
        RevocationReason::Superseded,
        UnixTime(t.0 - 60),
    )
    .unwrap();

    // The delta over that base, built by either node, lists it; not what the base has.
    for ca in [&mut a, &mut b] {
        let scope = CrlScope::delta_over(&base).unwrap();
        let delta = ca.crl(&issuer, scope, UnixTime(t.0 + 5)).unwrap();
        let delta = dongpo_revocation::Crl::parse(&delta).unwrap();
        let listed: Vec<Serial> = delta
            .revoked()
            .filter_map(|e| Serial::from_bytes(e.serial_number.as_bytes()))
            .collect();
        assert_eq!(
            listed,
            std::slice::from_ref(&second.serial),
            "delta lists what the base lacks"
        );
        assert!(delta.delta_base_hex().is_some());
    }
    // A delta cannot be a base.
    let scope = CrlScope::delta_over(&base).unwrap();
    let delta = a.crl(&issuer, scope, UnixTime(t.0 + 6)).unwrap();
    assert!(CrlScope::delta_over(&delta).is_err());
}

#[test]
fn a_name_the_certificate_cannot_carry_never_burns_a_serial() {
    let (_dir, mut ca, person) = ca_with_applicant("name-no-burn");
    // A record stored before import validation existed: a 65-character Hangul name.
    let person_id = ca.person_id(person.rrn()).unwrap();
    let mut record = ca.registry_record(&person_id).unwrap().unwrap();
    record.name_hangul = "김".repeat(65);
    ca.import_records(&[record], NOW).unwrap();

    let before = serial_count(&mut ca);
    for seed in [21, 22] {
        let err = issue(&mut ca, &person, seed, NOW).unwrap_err();
        match &err {
            IssueError::Subject(e) => assert_eq!(e.attribute, "commonName", "{err}"),
            other => panic!("expected a subject refusal, got {other}"),
        }
        assert!(!err.to_string().contains('김'), "{err}");
    }
    assert_eq!(
        serial_count(&mut ca),
        before,
        "a refused name burnt a serial"
    );
}
