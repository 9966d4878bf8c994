//! Deviation lists (9303-12 §10) signed with the testkit PKI: verification of the list
//! and its signer, and the waivers it gives to the documents of the synthetic corpus.
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
use std::path::Path;

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, OctetString, PrintableString, SetOfVec};
use dongpo_crypto::{HashAlgorithm, SigningKey, Verifier};
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::deviation_list::{
    self, DeviationListError, DscIdentifier, VerifiedDeviationList, Waiver, asn1, deviation_oid,
};
use dongpo_icao::oid;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::Crl;
use dongpo_testkit::passport::csca_certificate;
use dongpo_testkit::pki::{self, CertRequest, Role};
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::signed_data::{SignedDataRequest, sign};
use dongpo_testkit::time::Timeline;
use dongpo_testkit::{KeyStore, Profile};
use synthetic::{at, read, vectors};
use x509_cert::Certificate;

/// A CSCA of the corpus, regenerated with its key.
struct Csca {
    cert: Certificate,
    key: std::sync::Arc<SigningKey>,
    profile: Profile,
}

fn csca(name: &str) -> Csca {
    let profile = Profile::from_name(name).unwrap();
    let (cert, key) =
        csca_certificate(profile, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
    Csca { cert, key, profile }
}

/// A signer certificate and key issued by `csca`.
struct Signer {
    cert: Certificate,
    key: std::sync::Arc<SigningKey>,
    profile: Profile,
}

fn dl_signer(csca: &Csca) -> Signer {
    signer(
        csca,
        Role::DeviationListSigner,
        "dls",
        "CN=dongpo Test Deviation List Signer,O=dongpo test PKI,C=KR",
    )
}

/// A signer certificate of `role` issued by `csca` with the testkit.
fn signer(csca: &Csca, role: Role, label: &str, subject: &str) -> Signer {
    let key = KeyStore::default()
        .get(
            1,
            &format!("{}/{label}", csca.profile),
            csca.profile.key_spec(),
        )
        .unwrap();
    let name = csca.cert.tbs_certificate().subject().to_string();
    let t = Timeline::CURRENT;
    let cert = pki::issue(
        &CertRequest {
            role,
            subject,
            issuer: &name,
            subject_key: key.public_key(),
            explicit_ec_parameters: false,
            issuer_key: &csca.key,
            algorithm: csca.profile.signature_algorithm(),
            not_before: t.dsc_not_before,
            not_after: t.dsc_not_after,
            key_usage_end: t.dsc_key_usage_end,
        },
        &[0x44, 0x55],
        &mut SeededRng::new(1, &format!("{label}-cert")),
    )
    .unwrap();
    Signer {
        cert,
        key,
        profile: csca.profile,
    }
}

/// A master-list signer (EKU 2.23.136.1.1.3 only) issued by `csca` with the testkit.
fn ml_signer(csca: &Csca) -> Signer {
    signer(
        csca,
        Role::MasterListSigner,
        "mls",
        "CN=dongpo Test MLS,O=dongpo test PKI,C=KR",
    )
}

fn defect(kind: ObjectIdentifier, dg: Option<u8>, text: Option<&str>) -> Any {
    Any::encode_from(&asn1::DeviationDescription {
        description: text.map(|t| PrintableString::new(t).unwrap()),
        deviation_type: kind,
        parameters: dg.map(|n| Any::encode_from(&n).unwrap()),
        national_use: None,
    })
    .unwrap()
}

fn deviation(dsc: Option<asn1::DocumentSignerIdentifier>, defects: Vec<Any>) -> Any {
    let mut descriptions = SetOfVec::new();
    for d in defects {
        descriptions.insert(d).unwrap();
    }
    Any::encode_from(&asn1::Deviation {
        documents: asn1::DeviationDocuments {
            document_type: None,
            dsc_identifier: dsc,
            issuing_date: None,
            document_numbers: None,
        },
        descriptions,
    })
    .unwrap()
}

fn content(deviations: Vec<Any>) -> Vec<u8> {
    let mut set = SetOfVec::new();
    for d in deviations {
        set.insert(d).unwrap();
    }
    asn1::DeviationList {
        version: 0,
        digest_algorithm: None,
        deviations: set,
    }
    .to_der()
    .unwrap()
}

fn by_issuer_serial(dsc: &Cert) -> asn1::DocumentSignerIdentifier {
    let tbs = dsc.cert.tbs_certificate();
    asn1::DocumentSignerIdentifier::IssuerAndSerialNumber(cms::cert::IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    })
}

#[derive(Default)]
struct Flaws {
    corrupt_signature: bool,
    wrong_message_digest: bool,
    content_type: Option<ObjectIdentifier>,
}

fn signed(signer: &Signer, content: &[u8], flaws: &Flaws) -> Vec<u8> {
    sign(
        &SignedDataRequest {
            content_type: flaws.content_type.unwrap_or(oid::DEVIATION_LIST),
            content,
            hash: HashAlgorithm::Sha256,
            signer: &signer.cert,
            key: &signer.key,
            algorithm: signer.profile.signature_algorithm(),
            certificates: &[&signer.cert],
            signing_time: Timeline::CURRENT.signing_time,
            wrong_message_digest: flaws.wrong_message_digest,
            corrupt_signature: flaws.corrupt_signature,
        },
        &mut SeededRng::new(1, "dl-sign"),
    )
    .unwrap()
    .content_info
}

fn p256_crl() -> Crl {
    Crl::parse(&read("p256/genuine/csca.crl")).unwrap()
}

/// `deviation_list::verify` with the p256 CSCA and its (fresh) CRL.
fn verify_p256(bytes: &[u8], at: UnixTime) -> Result<VerifiedDeviationList, DeviationListError> {
    let crl = p256_crl();
    deviation_list::verify(bytes, &[p256_csca_cert()], &[&crl], at, &Verifier::new())
}

fn p256_csca_cert() -> Cert {
    Cert::parse(&read("p256/genuine/csca.der")).unwrap()
}

fn dsc(variant: &str) -> Cert {
    Cert::parse(&read(&format!("{variant}/dsc.der"))).unwrap()
}

/// A valid p256 list: the p256 DSC by issuer and serial, DG2 hash wrong.
fn dg2_list() -> (Vec<u8>, VerifiedDeviationList) {
    let csca = csca("p256");
    let signer = dl_signer(&csca);
    let dsc = dsc("p256/tampered-dg");
    let bytes = signed(
        &signer,
        &content(vec![deviation(
            Some(by_issuer_serial(&dsc)),
            vec![defect(
                deviation_oid::DG_HASH_WRONG,
                Some(2),
                Some("DG2 hash wrong"),
            )],
        )]),
        &Flaws::default(),
    );
    let verified = verify_p256(&bytes, at()).unwrap();
    (bytes, verified)
}

fn document(dir: &Path) -> Document {
    let mut data_groups = BTreeMap::new();
    for n in [1u8, 2, 14, 15] {
        data_groups.insert(n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap());
    }
    Document {
        sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
        data_groups,
        com: Some(std::fs::read(dir.join("EF_COM.bin")).unwrap()),
        active_auth: None,
        chip_authentication: None,
    }
}

fn passive_auth(variant: &str) -> dongpo_icao::Outcome {
    let dir = vectors(variant);
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    trust
        .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
        .unwrap();
    passive_auth::verify(
        &document(&dir),
        &trust,
        &Options::at(at()),
        &Verifier::new(),
    )
}

#[test]
fn regenerated_csca_is_the_checked_in_one() {
    assert_eq!(
        csca("p256").cert.to_der().unwrap(),
        read("p256/genuine/csca.der")
    );
}

#[test]
fn dg2_defect_waives_exactly_dg2_hash_of_tampered_dg() {
    let (bytes, verified) = dg2_list();
    let parsed = deviation_list::parse(&bytes).unwrap();
    assert_eq!(parsed, verified.list);
    assert_eq!(verified.csca.sha256, p256_csca_cert().sha256);
    assert!(verified.signing_time.is_some());

    let waivers = verified.waivers_for(&dsc("p256/tampered-dg"));
    assert_eq!(
        waivers,
        vec![Waiver {
            check_id: "dg.2.hash".parse().unwrap(),
            defect: deviation_oid::DG_HASH_WRONG,
            description: Some("DG2 hash wrong".into()),
        }]
    );

    let mut report = passive_auth("p256/tampered-dg");
    assert_eq!(report.failed(), vec!["dg.2.hash"]);
    let before = report.checks.clone();
    deviation_list::apply(&mut report.checks, &waivers, "KR-DL-test");
    assert!(report.failed().is_empty());
    let waived = report.check("dg.2.hash").unwrap();
    assert_eq!(waived.status, Status::Pass);
    assert!(
        waived
            .detail
            .starts_with("waived by deviation list KR-DL-test: DG2 hash wrong (was: "),
        "{}",
        waived.detail
    );
    for (old, new) in before.iter().zip(&report.checks) {
        if old.id != "dg.2.hash" {
            assert_eq!(old, new);
        }
    }
}

#[test]
fn dg2_defect_does_not_waive_another_check() {
    let (_, verified) = dg2_list();
    // Same DSC, but the SOD signature is broken: nothing waives sod.signature.
    let mut report = passive_auth("p256/bad-signature");
    let failed_before: Vec<String> = report.failed().iter().map(|s| s.to_string()).collect();
    assert!(failed_before.contains(&"sod.signature".to_string()));
    let waivers = verified.waivers_for(&dsc("p256/bad-signature"));
    deviation_list::apply(&mut report.checks, &waivers, "KR-DL-test");
    let failed_after: Vec<String> = report.failed().iter().map(|s| s.to_string()).collect();
    assert_eq!(failed_before, failed_after);
}

#[test]
fn dg2_defect_does_not_apply_to_other_dscs() {
    let (_, verified) = dg2_list();
    assert!(verified.waivers_for(&dsc("p384/tampered-dg")).is_empty());
    assert!(verified.waivers_for(&dsc("p256/unknown-csca")).is_empty());
    let mut report = passive_auth("p384/tampered-dg");
    let waivers = verified.waivers_for(&dsc("p384/tampered-dg"));
    deviation_list::apply(&mut report.checks, &waivers, "KR-DL-test");
    assert_eq!(report.failed(), vec!["dg.2.hash"]);
}

#[test]
fn key_id_digest_and_all_of_csca_identification() {
    let csca = csca("p256");
    let signer = dl_signer(&csca);
    let target = dsc("p256/tampered-dg");
    let digest = HashAlgorithm::Sha256.digest(&target.der);
    let bytes = signed(
        &signer,
        &content(vec![
            deviation(
                Some(asn1::DocumentSignerIdentifier::SubjectKeyIdentifier(
                    OctetString::new(target.ski.clone().unwrap()).unwrap(),
                )),
                vec![defect(deviation_oid::MRZ_WRONG_CHECK_DIGIT, Some(3), None)],
            ),
            deviation(
                Some(asn1::DocumentSignerIdentifier::CertificateDigest(
                    OctetString::new(digest).unwrap(),
                )),
                vec![
                    defect(deviation_oid::DS_SIGNATURE, None, None),
                    defect(deviation_oid::AA_KEY_COMPROMISED, None, None),
                ],
            ),
            deviation(
                None,
                vec![defect(deviation_oid::COM_INCONSISTENT, None, Some("COM"))],
            ),
        ]),
        &Flaws::default(),
    );
    let verified = verify_p256(&bytes, at()).unwrap();
    let kinds: Vec<&DscIdentifier> = verified
        .list
        .deviations
        .iter()
        .map(|d| &d.documents.dsc)
        .collect();
    assert!(kinds.contains(&&DscIdentifier::AllOfCsca));
    let mut ids: Vec<String> = verified
        .waivers_for(&target)
        .into_iter()
        .map(|w| w.check_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["com.consistency", "dsc.chain", "mrz.check_digits"]
    );
    // The expired-dsc DSC is another certificate of the same CSCA with the same key
    // (hence the same key id) but other bytes: the digest-named deviation (dsc.chain)
    // does not apply to it.
    let other = dsc("p256/expired-dsc");
    assert_ne!(other.sha256, target.sha256);
    assert_eq!(other.ski, target.ski);
    let mut ids: Vec<String> = verified
        .waivers_for(&other)
        .into_iter()
        .map(|w| w.check_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["com.consistency", "mrz.check_digits"]);
    // Another profile's DSC: nothing.
    assert!(verified.waivers_for(&dsc("p384/genuine")).is_empty());
}

#[test]
fn broken_signature_is_refused() {
    let csca = csca("p256");
    let signer = dl_signer(&csca);
    let bytes = signed(
        &signer,
        &content(vec![]),
        &Flaws {
            corrupt_signature: true,
            ..Flaws::default()
        },
    );
    let err = verify_p256(&bytes, at()).unwrap_err();
    assert!(matches!(err, DeviationListError::Signature(_)), "{err}");
}

#[test]
fn wrong_message_digest_is_refused() {
    let csca = csca("p256");
    let signer = dl_signer(&csca);
    let bytes = signed(
        &signer,
        &content(vec![]),
        &Flaws {
            wrong_message_digest: true,
            ..Flaws::default()
        },
    );
    let err = verify_p256(&bytes, at()).unwrap_err();
    assert_eq!(err, DeviationListError::MessageDigest);
}

#[test]
fn master_list_signer_lacks_the_eku() {
    let csca = csca("p256");
    let signer = ml_signer(&csca);
    let bytes = signed(&signer, &content(vec![]), &Flaws::default());
    let err = verify_p256(&bytes, at()).unwrap_err();
    assert!(matches!(err, DeviationListError::SignerEku { .. }), "{err}");
    assert!(err.to_string().contains("2.23.136.1.1.8"));
}

#[test]
fn signer_under_an_untrusted_csca_is_refused() {
    // Signed by the p384 CSCA; only the p256 CSCA is trusted.
    let signer = dl_signer(&csca("p384"));
    let bytes = signed(&signer, &content(vec![]), &Flaws::default());
    let err = verify_p256(&bytes, at()).unwrap_err();
    assert!(
        matches!(err, DeviationListError::UntrustedSigner { .. }),
        "{err}"
    );
    let err = deviation_list::verify(&bytes, &[], &[], at(), &Verifier::new()).unwrap_err();
    assert!(matches!(err, DeviationListError::UntrustedSigner { .. }));
}

#[test]
fn signer_outside_its_validity_is_refused() {
    let (bytes, _) = dg2_list();
    let later = UnixTime::parse_rfc3339("2037-01-01T00:00:00Z").unwrap();
    let err = verify_p256(&bytes, later).unwrap_err();
    assert!(
        matches!(err, DeviationListError::SignerNotValid { .. }),
        "{err}"
    );
}

#[test]
fn other_content_type_is_refused() {
    let signer = dl_signer(&csca("p256"));
    let bytes = signed(
        &signer,
        &content(vec![]),
        &Flaws {
            content_type: Some(oid::CSCA_MASTER_LIST),
            ..Flaws::default()
        },
    );
    assert_eq!(
        deviation_list::parse(&bytes).unwrap_err(),
        DeviationListError::ContentType(oid::CSCA_MASTER_LIST)
    );
    // A master list of the corpus is not a deviation list either.
    if let Ok(entries) = std::fs::read_dir(vectors("masterlist")) {
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(deviation_list::parse(&bytes).is_err());
        }
    }
}

#[test]
fn truncated_and_garbage_input_are_errors() {
    let (bytes, _) = dg2_list();
    let verifier = Verifier::new();
    let anchors = [p256_csca_cert()];
    let crl = p256_crl();
    for cut in 0..bytes.len() {
        let part = &bytes[..cut];
        assert!(deviation_list::parse(part).is_err(), "cut {cut}");
        assert!(deviation_list::verify(part, &anchors, &[&crl], at(), &verifier).is_err());
    }
    let mut rng = SeededRng::new(7, "garbage");
    for len in [0usize, 1, 2, 16, 300] {
        let junk = rng.bytes(len);
        assert!(deviation_list::parse(&junk).is_err());
    }
    // Flip every byte once: never a panic (the result may be Ok or Err).
    for i in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[i] ^= 0xff;
        let _ = deviation_list::parse(&flipped);
        let _ = deviation_list::verify(&flipped, &anchors, &[&crl], at(), &verifier);
    }
}

#[test]
fn trust_store_deviation_list_waives_inside_the_verifier() {
    let (bytes, _) = dg2_list();
    let dir = vectors("p256/tampered-dg");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    trust
        .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
        .unwrap();
    trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "p256.dl")
        .unwrap();
    let report = passive_auth::verify(
        &document(&dir),
        &trust,
        &Options::at(at()),
        &Verifier::new(),
    );
    assert!(report.valid, "{report:#?}");
    let waived = report.check("dg.2.hash").unwrap();
    assert!(
        waived
            .detail
            .starts_with("waived by deviation list p256.dl"),
        "{}",
        waived.detail
    );
    // The same list does nothing for a document of another DSC.
    let other = vectors("p384/tampered-dg");
    let mut trust = TrustStore::new();
    trust
        .add_csca(
            &std::fs::read(vectors("p256/genuine/csca.der")).unwrap(),
            "p256",
        )
        .unwrap();
    trust
        .add_csca(&std::fs::read(other.join("csca.der")).unwrap(), "p384")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "p256.crl")
        .unwrap();
    trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "p256.dl")
        .unwrap();
    let report = passive_auth::verify(
        &document(&other),
        &trust,
        &Options::at(at()),
        &Verifier::new(),
    );
    assert!(!report.valid);
    // A list nobody trusted the signer of is refused at load.
    let mut empty = TrustStore::new();
    assert!(
        empty
            .add_deviation_list(&bytes, at(), &Verifier::new(), "p256.dl")
            .is_err()
    );
}

#[test]
fn document_level_restrictions_apply_only_to_the_documents_they_name() {
    use dongpo_icao::deviation_list::{DeviationDocuments, DocumentFacts, DscIdentifier};
    let restricted = DeviationDocuments {
        document_type: Some("P".into()),
        dsc: DscIdentifier::AllOfCsca,
        issuing_period: Some((UnixTime(1_700_000_000), UnixTime(1_800_000_000))),
        document_numbers: Some(vec!["M01458361".into()]),
    };
    let facts = DocumentFacts {
        document_type: Some("P<".into()),
        document_number: Some("M01458361".into()),
        issued: Some(UnixTime(1_751_360_400)),
    };
    assert!(restricted.covers(&facts));
    assert!(!restricted.covers(&DocumentFacts {
        document_number: Some("M99999999".into()),
        ..facts.clone()
    }));
    assert!(!restricted.covers(&DocumentFacts {
        document_type: Some("ID".into()),
        ..facts.clone()
    }));
    assert!(!restricted.covers(&DocumentFacts {
        issued: Some(UnixTime(1_900_000_000)),
        ..facts.clone()
    }));
    assert!(
        !restricted.covers(&DocumentFacts::default()),
        "unknown facts never match"
    );
    let open = DeviationDocuments {
        document_type: None,
        dsc: DscIdentifier::AllOfCsca,
        issuing_period: None,
        document_numbers: None,
    };
    assert!(open.covers(&DocumentFacts::default()));
}
