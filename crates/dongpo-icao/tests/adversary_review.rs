//! Adversarial review of the issue-15 fixes (two rounds): bypasses found by running crafted input
//! against the fixed code. Each test failed before its fix (SECURITY.md §5 names them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::BTreeMap;
use std::sync::Arc;

use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, SigningKey, Verifier};
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::oid;
use dongpo_icao::passive_auth::{self, Document, Options, TimeModel};
use dongpo_testkit::deviation_list::{Defect, Target, content, sign_list};
use dongpo_testkit::passport::csca_certificate;
use dongpo_testkit::pki::{self, CertRequest, CrlRequest, Revocation, Role};
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::sod::{self, SodRequest};
use dongpo_testkit::time::{Instant, Timeline};
use dongpo_testkit::{KeyStore, Profile};
use synthetic::{at, read, vectors};
use x509_cert::Certificate;

const P256: Profile = Profile::P256;

fn key(label: &str) -> Arc<SigningKey> {
    KeyStore::default()
        .get(1, &format!("atk/{label}"), P256.key_spec())
        .unwrap()
}

fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

#[allow(clippy::too_many_arguments)]
fn issue(
    role: Role,
    subject: &str,
    issuer: &str,
    subject_key: &SigningKey,
    issuer_key: &SigningKey,
    not_before: Instant,
    not_after: Instant,
    serial: &[u8],
) -> Certificate {
    pki::issue(
        &CertRequest {
            role,
            subject,
            issuer,
            subject_key: subject_key.public_key(),
            explicit_ec_parameters: false,
            issuer_key,
            algorithm: P256.signature_algorithm(),
            not_before,
            not_after,
            key_usage_end: not_after,
        },
        serial,
        &mut SeededRng::new(1, &format!("atk/{subject}/{serial:?}")),
    )
    .unwrap()
}

fn genuine_data_groups() -> BTreeMap<u8, Vec<u8>> {
    let dir = vectors("p256/genuine");
    [1u8, 2, 14, 15]
        .into_iter()
        .map(|n| (n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap()))
        .collect()
}

fn verify(document: &Document, trust: &TrustStore, policy: Policy) -> Outcome {
    passive_auth::verify(
        document,
        trust,
        &Options {
            policy,
            ..Options::at(at())
        },
        &Verifier::new(),
    )
}

/// Finding 1 (high, default policy). A trusted CSCA of another State (here `C=JP`)
/// issues a DSC whose issuer *name* is the Korean CSCA's and whose
/// authorityKeyIdentifier is its own key id. `TrustStore::issuer_candidates` tries
/// candidates by key id first without comparing names, `DscChain::compute` accepts the
/// first whose key verifies, and the default policy tolerates the country mismatch as a
/// profile deviation: the JP CSCA forges a KR passport (any DG1) that is `valid`, and the
/// Korean CRL is never consulted for it.
#[test]

fn dsc_signed_by_another_states_csca_under_a_copied_issuer_name_is_not_valid() {
    let (kr_csca, _) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let jp_key = key("jp-csca");
    let jp_name = "CN=Other State CSCA,O=Other State,C=JP";
    let t = Timeline::CURRENT;
    let jp_csca = issue(
        Role::Csca,
        jp_name,
        jp_name,
        &jp_key,
        &jp_key,
        t.csca_not_before,
        t.csca_not_after,
        &[0x77],
    );
    let dsc_key = key("forged-dsc");
    let dsc = issue(
        Role::Dsc,
        "CN=dongpo Test DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        &subject(&kr_csca),
        &dsc_key,
        &jp_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x42],
    );
    // The holder's name in DG1 changed (the check digits do not cover it).
    let mut data_groups = genuine_data_groups();
    let dg1 = data_groups.get_mut(&1).unwrap();
    let at_name = dg1.windows(2).position(|w| w == b"<<").unwrap() + 2;
    dg1[at_name..at_name + 7].copy_from_slice(b"MALLORY");
    let listed: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &listed,
            lds_v1: true,
            dsc: &dsc,
            dsc_key: &dsc_key,
            algorithm: P256.signature_algorithm(),
            signing_time: t.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "atk/forged-sod"),
    )
    .unwrap();
    let document = Document {
        sod: sod::wrap(&signed.content_info),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "kr-csca.der")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "kr-csca.crl")
        .unwrap();
    trust
        .add_csca(&jp_csca.to_der().unwrap(), "jp-csca.der")
        .unwrap();
    for policy in [Policy::default_policy(), Policy::strict()] {
        let report = verify(&document, &trust, policy.clone());
        assert!(
            !report.valid,
            "{}: a JP CSCA made a KR document valid: {:?}",
            policy.name,
            report.check("dsc.chain")
        );
        assert_eq!(
            report.check("dsc.chain").unwrap().status,
            Status::Fail,
            "{}",
            policy.name
        );
    }
}

const SIGNER_SERIAL: [u8; 2] = [0x15, 0x02];

/// Finding 2 (medium). `deviation_list::revocation_status` returns the status on the
/// *first* usable CRL of the CSCA, not the newest: with an older CRL (cRLNumber 1, still
/// fresh) loaded before the newest one (cRLNumber 2, revoking the signer), the revoked
/// deviation-list signer's list is admitted and its waivers apply.
#[test]

fn deviation_list_signer_revoked_on_the_newest_crl_is_refused_whatever_the_order() {
    let (csca, csca_key) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let t = Timeline::CURRENT;
    let signer_key = key("dls");
    let signer = issue(
        Role::DeviationListSigner,
        "CN=atk Deviation List Signer,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &signer_key,
        &csca_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &SIGNER_SERIAL,
    );
    let list = sign_list(
        &signer,
        &signer_key,
        P256.signature_algorithm(),
        &content(&[(
            Target::AllOfCsca,
            vec![Defect {
                kind: dongpo_icao::deviation_list::deviation_oid::SOD_SIGNATURE_WRONG,
                parameter: None,
                description: None,
            }],
        )])
        .unwrap(),
        t.signing_time,
        &mut SeededRng::new(1, "atk/dl"),
    )
    .unwrap();
    let ski = pki::ski(&csca);
    let crl = |number: u64, this_update: Instant, next_update: Instant, revoked: &[Revocation]| {
        pki::crl_with(
            &CrlRequest {
                issuer: csca.tbs_certificate().subject(),
                authority_key_id: Some(&ski),
                key: &csca_key,
                algorithm: P256.signature_algorithm(),
                number,
                this_update,
                next_update,
                revoked,
            },
            &mut SeededRng::new(1, &format!("atk/crl/{number}")),
        )
        .unwrap()
        .to_der()
        .unwrap()
    };
    // Both fresh at 2026-06-01.
    let old = crl(
        1,
        Instant(2026, 2, 1, 0, 0, 0),
        Instant(2026, 9, 1, 0, 0, 0),
        &[],
    );
    let new = crl(
        2,
        Instant(2026, 4, 1, 0, 0, 0),
        Instant(2026, 10, 1, 0, 0, 0),
        &[Revocation {
            serial: SIGNER_SERIAL.to_vec(),
            at: Instant(2026, 3, 1, 0, 0, 0),
            reason: None,
        }],
    );
    for (first, second) in [(&new, &old), (&old, &new)] {
        let mut trust = TrustStore::new();
        trust.add_csca(&csca.to_der().unwrap(), "csca").unwrap();
        trust.add_crl(first, "first.crl").unwrap();
        trust.add_crl(second, "second.crl").unwrap();
        let outcome = trust.add_deviation_list(&list, at(), &Verifier::new(), "dl");
        assert!(
            outcome.is_err(),
            "a deviation list of a signer revoked on CRL 2 was admitted (CRL 1 loaded first)"
        );
    }
}

/// Finding 4 (low). `strict` refuses BER in the CMS structure, yet an EF.SOD whose 0x77
/// wrapper has the indefinite length form (or a non-minimal long-form length) is
/// `valid` under strict, with another evidence hash than the DER file.
#[test]

fn strict_refuses_a_non_der_0x77_wrapper() {
    let genuine = read("p256/genuine/EF_SOD.bin");
    let inner = dongpo_icao::tlv::TlvReader::ber(&genuine).read().unwrap();
    let content_info = inner.value;
    let mut indefinite = vec![0x77, 0x80];
    indefinite.extend_from_slice(content_info);
    indefinite.extend_from_slice(&[0, 0]);
    let mut long_form = vec![0x77, 0x84];
    long_form.extend_from_slice(&u32::try_from(content_info.len()).unwrap().to_be_bytes());
    long_form.extend_from_slice(content_info);
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "csca.der")
        .unwrap();
    for sod in [indefinite, long_form] {
        let document = Document {
            sod,
            data_groups: genuine_data_groups(),
            com: None,
            active_auth: None,
            chip_authentication: None,
        };
        let report = verify(&document, &trust, Policy::strict());
        assert!(!report.valid, "strict accepted a BER 0x77 wrapper");
    }
}

/// Finding 2b (medium). The DSSignature waiver path (`apply_deviation_lists`) judges the
/// revocation of the waived DSC with the same first-CRL-wins `revocation_status`, and
/// at the *validity* time: under `--time-model signing` a CRL that was stale long before
/// the verification (fresh only at the SOD's signingTime) decides. Either way a DSC
/// revoked on the newest fresh CRL is reported `dsc.revocation: pass`.
#[test]

fn ds_signature_waived_dsc_revoked_on_the_newest_fresh_crl_is_not_valid() {
    let (csca, csca_key) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let t = Timeline::CURRENT;
    // A DSC whose certificate signature is broken (the listed DSSignature defect).
    let dsc_key = key("ds-signature-dsc");
    let dsc_serial = [0x15, 0x44];
    let good = issue(
        Role::Dsc,
        "CN=atk DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &dsc_key,
        &csca_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &dsc_serial,
    );
    let mut dsc_der = good.to_der().unwrap();
    let last = dsc_der.len() - 1;
    dsc_der[last] ^= 0x01;
    let broken = Certificate::from_der(&dsc_der).unwrap();
    let data_groups = genuine_data_groups();
    let listed: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &listed,
            lds_v1: false,
            dsc: &broken,
            dsc_key: &dsc_key,
            algorithm: P256.signature_algorithm(),
            signing_time: t.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "atk/ds-sod"),
    )
    .unwrap();
    let document = Document {
        sod: sod::wrap(&signed.content_info),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let signer_key = key("dls-2b");
    let signer = issue(
        Role::DeviationListSigner,
        "CN=atk Deviation List Signer 2b,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &signer_key,
        &csca_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x15, 0x45],
    );
    let list = sign_list(
        &signer,
        &signer_key,
        P256.signature_algorithm(),
        &content(&[(
            Target::Digest(HashAlgorithm::Sha256.digest(&dsc_der)),
            vec![Defect {
                kind: dongpo_icao::deviation_list::deviation_oid::DS_SIGNATURE,
                parameter: None,
                description: None,
            }],
        )])
        .unwrap(),
        t.signing_time,
        &mut SeededRng::new(1, "atk/dl-2b"),
    )
    .unwrap();
    let ski = pki::ski(&csca);
    let crl = |number: u64, this_update: Instant, next_update: Instant, revoked: &[Revocation]| {
        pki::crl_with(
            &CrlRequest {
                issuer: csca.tbs_certificate().subject(),
                authority_key_id: Some(&ski),
                key: &csca_key,
                algorithm: P256.signature_algorithm(),
                number,
                this_update,
                next_update,
                revoked,
            },
            &mut SeededRng::new(1, &format!("atk/crl2b/{number}")),
        )
        .unwrap()
        .to_der()
        .unwrap()
    };
    let revoking = crl(
        3,
        Instant(2026, 4, 1, 0, 0, 0),
        Instant(2026, 10, 1, 0, 0, 0),
        &[Revocation {
            serial: dsc_serial.to_vec(),
            at: Instant(2025, 6, 15, 0, 0, 0),
            reason: None,
        }],
    );
    // (b) signing-time model; an older CRL stale at `at` but fresh at signingTime, first.
    // (a) verification time model; an older CRL, fresh at `at`, first.
    let cases = [
        (
            TimeModel::SigningTime,
            crl(
                2,
                Instant(2025, 6, 1, 0, 0, 0),
                Instant(2025, 8, 1, 0, 0, 0),
                &[],
            ),
        ),
        (
            TimeModel::VerificationTime,
            crl(
                1,
                Instant(2026, 2, 1, 0, 0, 0),
                Instant(2026, 9, 1, 0, 0, 0),
                &[],
            ),
        ),
    ];
    for (time_model, older) in cases {
        let mut trust = TrustStore::new();
        trust.add_csca(&csca.to_der().unwrap(), "csca").unwrap();
        trust.add_crl(&older, "older.crl").unwrap();
        trust.add_crl(&revoking, "newest.crl").unwrap();
        trust
            .add_deviation_list(&list, at(), &Verifier::new(), "ds.dl")
            .unwrap();
        let report = passive_auth::verify(
            &document,
            &trust,
            &Options {
                time_model,
                ..Options::at(at())
            },
            &Verifier::new(),
        );
        let revocation = report.check("dsc.revocation").unwrap();
        assert!(
            !report.valid && revocation.status == Status::Fail,
            "{time_model:?}: DSC revoked on CRL 3 (fresh) judged {:?}: {}",
            revocation.status,
            revocation.detail
        );
    }
}

/// Finding 5 (medium, default policy). Master-list entries are accepted when they are
/// self-signed *or signed by another entry* (`masterlist::check_entries`), with no
/// requirement that an entry be a CA certificate with keyCertSign; and `DscChain`
/// chains a DSC to any trusted "CSCA", reporting "CSCA is not marked CA" / "lacks
/// keyCertSign" only as `dsc.profile` deviations, which the default policy tolerates.
/// So a Document Signer certificate listed in a master list becomes a trust anchor, and
/// whoever holds that DSC's key mints DSCs (and passports) that are `valid`.
#[test]

fn a_dsc_listed_in_a_master_list_cannot_certify_dscs() {
    let (csca, csca_key) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let t = Timeline::CURRENT;
    let ml_signer_key = key("ml-signer");
    let ml_signer = issue(
        Role::MasterListSigner,
        "CN=atk Master List Signer,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &ml_signer_key,
        &csca_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x15, 0x50],
    );
    // A genuine DSC of the State (digitalSignature only, not a CA), listed as an entry.
    let listed_key = key("listed-dsc");
    let listed_name = "CN=atk Listed DSC,OU=testkit p256,O=dongpo test PKI,C=KR";
    let listed = issue(
        Role::Dsc,
        listed_name,
        &subject(&csca),
        &listed_key,
        &csca_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x15, 0x51],
    );
    let ml = dongpo_testkit::masterlist::sign_entries(
        &[csca.clone(), listed.clone()],
        &ml_signer,
        &ml_signer_key,
        P256.signature_algorithm(),
        &mut SeededRng::new(1, "atk/ml"),
    )
    .unwrap();
    // The holder of the listed DSC's key mints a DSC and signs a passport.
    let minted_key = key("minted-dsc");
    let minted = issue(
        Role::Dsc,
        "CN=atk Minted DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        listed_name,
        &minted_key,
        &listed_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x15, 0x52],
    );
    let mut data_groups = genuine_data_groups();
    let dg1 = data_groups.get_mut(&1).unwrap();
    let at_name = dg1.windows(2).position(|w| w == b"<<").unwrap() + 2;
    dg1[at_name..at_name + 7].copy_from_slice(b"MALLORY");
    let groups: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &groups,
            lds_v1: true,
            dsc: &minted,
            dsc_key: &minted_key,
            algorithm: P256.signature_algorithm(),
            signing_time: t.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "atk/minted-sod"),
    )
    .unwrap();
    let document = Document {
        sod: sod::wrap(&signed.content_info),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let anchor = dongpo_pki::Cert::parse(&csca.to_der().unwrap()).unwrap();
    let mut trust = TrustStore::new();
    let report = trust
        .add_master_list(&ml, &[anchor], at(), &Verifier::new(), "atk.ml")
        .unwrap();
    let report_doc = verify(&document, &trust, Policy::default_policy());
    assert!(
        !report_doc.valid,
        "a passport under a DSC minted by a listed DSC is valid: {:?} / {:?}",
        report_doc.check("dsc.chain"),
        report_doc.check("dsc.profile")
    );
    let listed_sha = HashAlgorithm::Sha256.digest(&listed.to_der().unwrap());
    assert!(
        !report.accepted.iter().any(|c| c.sha256 == listed_sha),
        "the non-CA entry was accepted as a CSCA"
    );
}

/// Finding 1b (critical: strict, with revocation required). The same missing name
/// chaining admits a *link certificate*: trusted CSCA JP signs a CA certificate whose
/// issuer and subject are the Korean CSCA's name (AKI = JP's key id).
/// `TrustStore::add_link_certificate` finds JP through `issuer_candidates` (key id, name
/// not compared) and trusts it as a CSCA named like KR's, with a key JP holds. JP's DSCs
/// under it then pass every check under `strict`, revocation included (the genuine KR CRL
/// speaks for the name). A PKD LDIF hands such a link over by itself
/// (`pkd_ldif::load_into` returns non-self-signed CA certificates as links).
#[test]

fn link_certificate_signed_by_another_states_csca_is_refused() {
    let (kr_csca, _) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let kr_name = subject(&kr_csca);
    let t = Timeline::CURRENT;
    let jp_key = key("jp-csca-1b");
    let jp_name = "CN=Other State CSCA,O=Other State,C=JP";
    let jp_csca = issue(
        Role::Csca,
        jp_name,
        jp_name,
        &jp_key,
        &jp_key,
        t.csca_not_before,
        t.csca_not_after,
        &[0x78],
    );
    let link_key = key("kr-named-link");
    let link = issue(
        Role::Link,
        &kr_name,
        &kr_name,
        &link_key,
        &jp_key,
        t.csca_not_before,
        t.csca_not_after,
        &[0x79],
    );
    let dsc_key = key("forged-dsc-1b");
    let dsc = issue(
        Role::Dsc,
        "CN=dongpo Test DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        &kr_name,
        &dsc_key,
        &link_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x43],
    );
    let mut data_groups = genuine_data_groups();
    let dg1 = data_groups.get_mut(&1).unwrap();
    let at_name = dg1.windows(2).position(|w| w == b"<<").unwrap() + 2;
    dg1[at_name..at_name + 7].copy_from_slice(b"MALLORY");
    let groups: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &groups,
            lds_v1: true,
            dsc: &dsc,
            dsc_key: &dsc_key,
            algorithm: P256.signature_algorithm(),
            signing_time: t.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "atk/forged-sod-1b"),
    )
    .unwrap();
    let document = Document {
        sod: sod::wrap(&signed.content_info),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "kr-csca.der")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "kr-csca.crl")
        .unwrap();
    trust
        .add_csca(&jp_csca.to_der().unwrap(), "jp-csca.der")
        .unwrap();
    // Refusing the link is one way to hold; the document must not be valid either way.
    let _ = trust.add_link_certificate(&link.to_der().unwrap(), &Verifier::new(), "link.der");
    let mut policy = Policy::strict();
    policy.require_revocation = true;
    let report = verify(&document, &trust, policy);
    assert!(
        !report.valid,
        "strict: a JP-held key named like the KR CSCA made a KR document valid: {:?}",
        report.check("dsc.chain")
    );
}

/// atk2 finding A (high, default policy; the server's policy). Name chaining compares
/// names after Unicode case folding, so a trusted CSCA of another State whose subject
/// is the Korean CSCA's name with `C` written as the UTF8String "\u{212A}R" (KELVIN SIGN
/// and R, which lower-cases to "kr") is "the same name" as `C=KR`
/// (`dongpo_pki::name::same_name` -> Exact). `country()` reads only PrintableString, so
/// the lookalike CSCA has no country; the DSC it signs (issuer = the genuine KR name,
/// PrintableString) yields only the profile deviation "DSC issuer country Some(\"KR\")
/// differs from CSCA country None", which the default policy tolerates: a forged KR
/// passport (DG1 holder name changed) is `valid`.
#[test]

fn a_csca_named_with_a_unicode_lookalike_country_cannot_vouch_for_that_state() {
    use const_oid::db::rfc4519::{C, CN, O, OU};
    let (kr_csca, _) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let jp_key = key("jp-csca-kelvin");
    let lookalike = pki::name(&[
        (C, der::Tag::Utf8String, "\u{212A}R"),
        (O, der::Tag::Utf8String, "dongpo test PKI"),
        (OU, der::Tag::Utf8String, "testkit p256"),
        (CN, der::Tag::Utf8String, "dongpo Test CSCA"),
    ])
    .unwrap();
    // The name comparison is the root cause; the full forgery follows.
    let name_match = dongpo_pki::name::same_name(&lookalike, kr_csca.tbs_certificate().subject());
    let t = Timeline::CURRENT;
    let request = CertRequest {
        role: Role::Csca,
        subject: "",
        issuer: "",
        subject_key: jp_key.public_key(),
        explicit_ec_parameters: false,
        issuer_key: &jp_key,
        algorithm: P256.signature_algorithm(),
        not_before: t.csca_not_before,
        not_after: t.csca_not_after,
        key_usage_end: t.csca_not_after,
    };
    let jp_csca = pki::issue_named(
        &request,
        lookalike.clone(),
        lookalike,
        &[0x7a],
        &mut SeededRng::new(1, "atk2/kelvin-csca"),
    )
    .unwrap();
    let dsc_key = key("kelvin-dsc");
    let dsc = issue(
        Role::Dsc,
        "CN=dongpo Test DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        &subject(&kr_csca),
        &dsc_key,
        &jp_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x43],
    );
    let document = forged_document(&dsc, &dsc_key);
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "kr-csca.der")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "kr-csca.crl")
        .unwrap();
    trust
        .add_csca(&jp_csca.to_der().unwrap(), "jp-kelvin-csca.der")
        .unwrap();
    let report = verify(&document, &trust, Policy::default_policy());
    assert!(
        !report.valid,
        "a CSCA named C=\\u{{212A}}R made a KR document valid (same_name: {name_match:?}): chain {:?} profile {:?}",
        report.check("dsc.chain"),
        report.check("dsc.profile")
    );
}

/// A SOD over the genuine data groups with DG1's holder name changed to MALLORY, signed
/// by `dsc_key` for `dsc`.
fn forged_document(dsc: &Certificate, dsc_key: &SigningKey) -> Document {
    let t = Timeline::CURRENT;
    let mut data_groups = genuine_data_groups();
    let dg1 = data_groups.get_mut(&1).unwrap();
    let at_name = dg1.windows(2).position(|w| w == b"<<").unwrap() + 2;
    dg1[at_name..at_name + 7].copy_from_slice(b"MALLORY");
    let listed: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &listed,
            lds_v1: true,
            dsc,
            dsc_key,
            algorithm: P256.signature_algorithm(),
            signing_time: t.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "atk2/forged-sod"),
    )
    .unwrap();
    Document {
        sod: sod::wrap(&signed.content_info),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    }
}

/// atk2 finding B (low): `pkd_ldif::filed_under_dsc` recognises the PKD's Document
/// Signer branch only when one comma-separated piece of the DN reads exactly `o=dsc`
/// (ASCII case ignored). The same branch written as RFC 4514 allows — the attribute by
/// OID or long name, a hex-escaped value, a multi-valued RDN — or with spaces around
/// `=` (RFC 2253 parsers accept them) is not recognised, and a self-signed CA
/// certificate in it becomes a trust anchor.
#[test]

fn a_ca_filed_under_o_dsc_in_any_spelling_is_never_an_anchor() {
    use base64ct::{Base64, Encoding};
    use dongpo_icao::pkd_ldif;
    let csca = read("p256/genuine/csca.der");
    let mut bypassed = Vec::new();
    for branch in [
        "o=dsc",
        "O=DSC",
        "o = dsc",
        "o=dsc+ou=x",
        "o=ds\\63",
        "2.5.4.10=dsc",
        "organizationName=dsc",
        "o=\"dsc\"",
        "o=dsc\\20",
    ] {
        let ldif = format!(
            "dn: cn=x,{branch},c=KR,dc=data,dc=download,dc=pkd,dc=icao,dc=int\nobjectClass: top\nuserCertificate;binary:: {}\n\n",
            Base64::encode_string(&csca)
        );
        let mut store = TrustStore::new();
        let (import, _) =
            pkd_ldif::load_into(&mut store, ldif.as_bytes(), "x", &Verifier::new()).unwrap();
        if import.cscas != 0 || !store.cscas().is_empty() {
            bypassed.push(branch);
        }
    }
    assert!(
        bypassed.is_empty(),
        "a self-signed CA under these spellings of o=dsc became a trust anchor: {bypassed:?}"
    );
}

/// atk2 finding C (critical: strict + require_revocation; CLI `--link`, `--pkd-ldif`,
/// master lists' link entries go through the same admission). The first-round fix makes
/// a link's *issuer* chain by name, but never compares the link's *subject* with its
/// issuer: trusted CSCA `C=JP` signs a link certificate whose issuer is JP's own name
/// (so name chaining finds JP) and whose subject is the Korean CSCA's name, with a key L
/// that JP holds. `TrustStore::add_link_certificate` admits L as a trusted CSCA named
/// like KR's. A DSC under L (issuer = the KR name) signs a KR passport with DG1 changed:
/// `dsc.chain` passes "signed by trusted CSCA ...C=KR", `dsc.profile` passes (DSC and
/// CSCA countries agree), and `dsc.revocation` passes on the genuine KR CRL.
#[test]

fn link_certificate_renaming_its_issuer_into_another_state_is_refused() {
    let (kr_csca, _) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let kr_name = subject(&kr_csca);
    let t = Timeline::CURRENT;
    let jp_key = key("jp-csca-c");
    let jp_name = "CN=Other State CSCA,O=Other State,C=JP";
    let jp_csca = issue(
        Role::Csca,
        jp_name,
        jp_name,
        &jp_key,
        &jp_key,
        t.csca_not_before,
        t.csca_not_after,
        &[0x7b],
    );
    let link_key = key("renaming-link");
    let link = issue(
        Role::Link,
        &kr_name,
        jp_name,
        &link_key,
        &jp_key,
        t.csca_not_before,
        t.csca_not_after,
        &[0x7c],
    );
    let dsc_key = key("forged-dsc-c");
    let dsc = issue(
        Role::Dsc,
        "CN=dongpo Test DSC,OU=testkit p256,O=dongpo test PKI,C=KR",
        &kr_name,
        &dsc_key,
        &link_key,
        t.dsc_not_before,
        t.dsc_not_after,
        &[0x44],
    );
    let document = forged_document(&dsc, &dsc_key);
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "kr-csca.der")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "kr-csca.crl")
        .unwrap();
    trust
        .add_csca(&jp_csca.to_der().unwrap(), "jp-csca.der")
        .unwrap();
    // Refusing the link is one way to hold; the document must not be valid either way.
    let admitted = trust
        .add_link_certificate(&link.to_der().unwrap(), &Verifier::new(), "link.der")
        .is_ok();
    let mut policy = Policy::strict();
    policy.require_revocation = true;
    let report = verify(&document, &trust, policy);
    assert!(
        !report.valid,
        "strict+require_revocation: a link from JP renamed to the KR CSCA (admitted: {admitted}) made a KR document valid: chain {:?} profile {:?} revocation {:?}",
        report.check("dsc.chain"),
        report.check("dsc.profile"),
        report.check("dsc.revocation")
    );
}

/// atk2 finding D (low; needs the CSCA's own CRL): `Crl::delta_base_hex` returns `None`
/// when the deltaCRLIndicator's value does not decode as an unsigned INTEGER
/// (`extension_uint_hex` -> `.ok()?`), so such a delta CRL is taken for a complete CRL,
/// and, being the newest number, it decides: a DSC revoked on base CRL #1 passes on
/// delta #2 that does not relist it. A CRL carrying a deltaCRLIndicator that cannot be
/// read must be unusable.
#[test]

fn a_delta_crl_with_an_unreadable_indicator_is_not_a_complete_crl() {
    use der::asn1::OctetString;
    use x509_cert::crl::CertificateList;
    use x509_cert::ext::Extension;
    let (csca, csca_key) =
        csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    let dsc = Certificate::from_der(&read("p256/genuine/dsc.der")).unwrap();
    let serial = dsc.tbs_certificate().serial_number().as_bytes().to_vec();
    let ski = pki::ski(&csca);
    let crl = |number: u64, this_update: Instant, next_update: Instant, revoked: &[Revocation]| {
        pki::crl_with(
            &CrlRequest {
                issuer: csca.tbs_certificate().subject(),
                authority_key_id: Some(&ski),
                key: &csca_key,
                algorithm: P256.signature_algorithm(),
                number,
                this_update,
                next_update,
                revoked,
            },
            &mut SeededRng::new(1, &format!("atk2/crl/{number}")),
        )
        .unwrap()
    };
    let base = crl(
        1,
        Instant(2026, 4, 1, 0, 0, 0),
        Instant(2026, 9, 1, 0, 0, 0),
        &[Revocation {
            serial,
            at: Instant(2026, 3, 1, 0, 0, 0),
            reason: None,
        }],
    );
    let mut delta: CertificateList = crl(
        2,
        Instant(2026, 5, 1, 0, 0, 0),
        Instant(2026, 9, 1, 0, 0, 0),
        &[],
    );
    // deltaCRLIndicator (critical) whose BaseCRLNumber is written non-minimally
    // (02 02 00 01): not DER, so `UintRef::from_der` fails.
    delta
        .tbs_cert_list
        .crl_extensions
        .get_or_insert_with(Vec::new)
        .push(Extension {
            extn_id: const_oid::db::rfc5280::ID_CE_DELTA_CRL_INDICATOR,
            critical: true,
            extn_value: OctetString::new(vec![0x02, 0x02, 0x00, 0x01]).unwrap(),
        });
    let tbs = delta.tbs_cert_list.to_der().unwrap();
    let signature = csca_key
        .sign_with_rng(
            &P256.signature_algorithm(),
            &tbs,
            &mut SeededRng::new(1, "atk2/delta-sig"),
        )
        .unwrap();
    delta.signature = der::asn1::BitString::from_bytes(&signature).unwrap();
    let document = Document {
        sod: read("p256/genuine/EF_SOD.bin"),
        data_groups: genuine_data_groups(),
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "kr-csca.der")
        .unwrap();
    trust
        .add_crl(&base.to_der().unwrap(), "base-1.crl")
        .unwrap();
    let base_only = verify(&document, &trust, Policy::default_policy());
    assert_eq!(
        base_only.check("dsc.revocation").unwrap().status,
        Status::Fail,
        "the base CRL revokes the DSC: {:?}",
        base_only.check("dsc.revocation")
    );
    let added = trust.add_crl(&delta.to_der().unwrap(), "delta-2.crl");
    let report = verify(&document, &trust, Policy::default_policy());
    assert!(
        !report.valid,
        "a delta CRL (add_crl: {:?}) hid the base CRL's revocation: {:?}",
        added.err(),
        report.check("dsc.revocation")
    );
}
