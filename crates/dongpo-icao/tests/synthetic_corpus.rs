//! Every synthetic document gives its manifest's outcome: valid or not, exactly the
//! failing checks named, the named quirks, under `strict` and without the CRL too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::Policy;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, Options, TimeModel};
use dongpo_pki::UnixTime;

fn corpus() -> Vec<(String, PathBuf)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic");
    let mut out = Vec::new();
    for profile in std::fs::read_dir(&root).unwrap() {
        let profile = profile.unwrap().path();
        if !profile.is_dir() || profile.ends_with("masterlist") {
            continue;
        }
        for variant in std::fs::read_dir(&profile).unwrap() {
            let dir = variant.unwrap().path();
            let name = format!(
                "{}/{}",
                profile.file_name().unwrap().to_string_lossy(),
                dir.file_name().unwrap().to_string_lossy()
            );
            out.push((name, dir));
        }
    }
    out.sort();
    out
}

fn document(dir: &std::path::Path) -> Document {
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

#[test]
fn every_document_gives_its_manifest_outcome() {
    let verifier = Verifier::new();
    let docs = corpus();
    assert_eq!(docs.len(), 96);
    for (name, dir) in docs {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let expected = &manifest["expected"];
        let at = UnixTime::parse_rfc3339(manifest["verify_at"].as_str().unwrap()).unwrap();
        let doc = document(&dir);
        let mut trust = TrustStore::new();
        trust
            .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
            .unwrap();
        let without_crl = trust.clone();
        trust
            .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
            .unwrap();

        let report = passive_auth::verify(
            &doc,
            &trust,
            &Options {
                at,
                policy: Policy::default_policy(),
                time_model: TimeModel::VerificationTime,
            },
            &verifier,
        );
        let failing: Vec<String> = expected["failing_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            report.failed(),
            failing,
            "{name}: failing checks\n{report:#?}"
        );
        assert_eq!(
            report.valid,
            expected["valid"].as_bool().unwrap(),
            "{name}: valid"
        );
        for quirk in expected["quirks"].as_array().unwrap() {
            let quirk = quirk.as_str().unwrap();
            assert!(
                report.checks.iter().any(|c| c.detail.contains(quirk)),
                "{name}: quirk {quirk} not reported"
            );
        }
        // Every contract check id is present.
        for id in [
            "sod.parse",
            "sod.content_type",
            "sod.signer_certificate",
            "sod.message_digest",
            "sod.signature",
            "dsc.chain",
            "dsc.profile",
            "dsc.validity",
            "csca.validity",
            "dsc.revocation",
            "mrz.check_digits",
        ] {
            assert!(report.check(id).is_some(), "{name}: {id} missing");
        }
        for n in [1, 2, 14, 15] {
            assert!(
                report.check(format!("dg.{n}.hash")).is_some()
                    && report.check(format!("dg.{n}.covered")).is_some(),
                "{name}: dg.{n}"
            );
        }

        let strict = passive_auth::verify(
            &doc,
            &trust,
            &Options {
                at,
                policy: Policy::strict(),
                time_model: TimeModel::VerificationTime,
            },
            &verifier,
        );
        assert_eq!(
            strict.valid,
            expected["valid_under_strict"].as_bool().unwrap(),
            "{name}: strict\n{strict:#?}"
        );

        let no_crl = passive_auth::verify(
            &doc,
            &without_crl,
            &Options {
                at,
                policy: Policy::default_policy(),
                time_model: TimeModel::VerificationTime,
            },
            &verifier,
        );
        assert_eq!(
            no_crl.valid,
            expected["valid_without_crl"].as_bool().unwrap(),
            "{name}: without CRL"
        );
        assert_eq!(
            no_crl.check("dsc.revocation").map(|c| c.status),
            Some(Status::Skipped),
            "{name}"
        );
        let mut required = Policy::default_policy();
        required.require_revocation = true;
        let demanding = passive_auth::verify(
            &doc,
            &without_crl,
            &Options {
                at,
                policy: required,
                time_model: TimeModel::VerificationTime,
            },
            &verifier,
        );
        assert!(
            !demanding.valid,
            "{name}: --require-revocation without a CRL must be invalid"
        );
    }
}

#[test]
fn wrong_input_never_panics_and_names_the_problem() {
    let verifier = Verifier::new();
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic/p256/genuine");
    let good = document(&dir);
    let csca = std::fs::read(dir.join("csca.der")).unwrap();
    let mut trust = TrustStore::new();
    trust.add_csca(&csca, "csca.der").unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let options = Options {
        at,
        policy: Policy::default_policy(),
        time_model: TimeModel::VerificationTime,
    };
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("certificate instead of SOD".into(), csca.clone()),
        ("garbage".into(), b"this is not a passport".to_vec()),
        ("huge".into(), vec![0x77; 50 * 1024 * 1024]),
    ];
    for cut in [1, 2, 3, 10, 100, good.sod.len() / 2, good.sod.len() - 1] {
        inputs.push((format!("truncated at {cut}"), good.sod[..cut].to_vec()));
    }
    for (what, sod) in inputs {
        let doc = Document {
            sod,
            ..good.clone()
        };
        let report = passive_auth::verify(&doc, &trust, &options, &verifier);
        assert!(!report.valid, "{what}");
        let parse = report.check("sod.parse").unwrap();
        assert_eq!(parse.status, Status::Fail, "{what}");
        assert!(!parse.detail.is_empty(), "{what}");
    }
}

#[test]
fn signing_time_model_accepts_the_expired_dsc_and_says_so() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic/rsa2048/expired-dsc");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let options = Options {
        at,
        policy: Policy::default_policy(),
        time_model: TimeModel::SigningTime,
    };
    let report = passive_auth::verify(&document(&dir), &trust, &options, &Verifier::new());
    assert_eq!(report.check("dsc.validity").unwrap().status, Status::Pass);
    assert_eq!(report.report().evidence.time_model, "signing-time");
    assert!(
        report
            .check("dsc.validity")
            .unwrap()
            .detail
            .contains("2015-03-01")
    );
}

#[test]
fn active_authentication_counts_only_on_a_passing_chip_with_covered_dg15() {
    let verifier = Verifier::new();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let challenge = b"\x01\x23\x45\x67\x89\xab\xcd\xef".to_vec();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic");
    for (profile, hash) in [
        ("rsa2048", HashAlgorithm::Sha256),
        ("p256", HashAlgorithm::Sha256),
        ("bp384", HashAlgorithm::Sha384),
    ] {
        for (variant, expect) in [
            ("genuine", Status::Pass),
            ("uncovered-dg", Status::Fail),
            ("tampered-dg", Status::Fail),
        ] {
            let dir = root.join(profile).join(variant);
            let key = std::fs::read(dir.join("aa_key.p8")).unwrap();
            let signature = dongpo_testkit::active_auth::sign(&key, &challenge, hash).unwrap();
            let mut trust = TrustStore::new();
            trust
                .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
                .unwrap();
            let mut doc = document(&dir);
            doc.active_auth = Some(ActiveAuthResponse {
                challenge: challenge.clone(),
                signature: signature.clone(),
            });
            let report = passive_auth::verify(&doc, &trust, &Options::at(at), &verifier);
            let aa = report.check("aa.signature").unwrap();
            assert_eq!(aa.status, expect, "{profile}/{variant}: {}", aa.detail);
            if variant == "genuine" {
                assert!(report.valid, "{profile}");
                let mut wrong = signature.clone();
                *wrong.last_mut().unwrap() ^= 1;
                doc.active_auth = Some(ActiveAuthResponse {
                    challenge: challenge.clone(),
                    signature: wrong,
                });
                let report = passive_auth::verify(&doc, &trust, &Options::at(at), &verifier);
                assert_eq!(
                    report.check("aa.signature").unwrap().status,
                    Status::Fail,
                    "{profile}: flipped"
                );
                assert!(!report.valid);
            }
        }
    }
}

#[test]
fn ef_com_is_compared_with_the_sod_and_strict_refuses_a_mismatch() {
    let verifier = Verifier::new();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic/p256");
    let mut trust = TrustStore::new();
    trust
        .add_csca(
            &std::fs::read(root.join("genuine/csca.der")).unwrap(),
            "csca.der",
        )
        .unwrap();
    let genuine = passive_auth::verify(
        &document(&root.join("genuine")),
        &trust,
        &Options::at(at),
        &verifier,
    );
    assert_eq!(
        genuine.check("com.consistency").unwrap().status,
        Status::Pass
    );
    let uncovered = document(&root.join("uncovered-dg"));
    let options = Options {
        at,
        policy: Policy::strict(),
        time_model: TimeModel::VerificationTime,
    };
    let strict = passive_auth::verify(&uncovered, &trust, &options, &verifier);
    assert_eq!(
        strict.check("com.consistency").unwrap().status,
        Status::Fail
    );
    let lenient = passive_auth::verify(&uncovered, &trust, &Options::at(at), &verifier);
    assert!(
        lenient
            .check("com.consistency")
            .unwrap()
            .detail
            .contains("deviation tolerated")
    );
}

#[test]
fn dsc_document_type_list_is_checked_against_dg1() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic/rsa2048/genuine");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let mut doc = document(&dir);
    // The DSC lists document type "P"; present a DG1 of an "I" (identity card) document.
    let dg1 = doc.data_groups.get_mut(&1).unwrap();
    let at_code = dg1.windows(2).position(|w| w == b"P<").unwrap();
    dg1[at_code] = b'I';
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let options = Options {
        at,
        policy: Policy::strict(),
        time_model: TimeModel::VerificationTime,
    };
    let report = passive_auth::verify(&doc, &trust, &options, &Verifier::new());
    let profile = report.check("dsc.profile").unwrap();
    assert_eq!(profile.status, Status::Fail);
    assert!(
        profile.detail.contains("document types"),
        "{}",
        profile.detail
    );
}

#[test]
fn a_sod_without_its_dsc_is_verified_with_a_known_dsc_from_the_trust_store() {
    use der::{Decode, Encode};
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic/p256/genuine");
    let mut doc = document(&dir);
    // Rebuild the SOD without its certificates (a DER re-encode keeps the signed bytes).
    let header = if doc.sod[1] < 0x80 {
        2
    } else {
        2 + usize::from(doc.sod[1] & 0x7f)
    };
    let content = &doc.sod[header..];
    let mut info = cms::content_info::ContentInfo::from_der(content).unwrap();
    let mut signed: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    signed.certificates = None;
    info.content = der::Any::encode_from(&signed).unwrap();
    doc.sod = dongpo_icao::tlv::encode(&[0x77], &info.to_der().unwrap());
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let report = passive_auth::verify(&doc, &trust, &Options::at(at), &Verifier::new());
    assert_eq!(
        report.check("sod.signer_certificate").unwrap().status,
        Status::Fail
    );
    trust
        .add_dsc(&std::fs::read(dir.join("dsc.der")).unwrap(), "dsc.der")
        .unwrap();
    let report = passive_auth::verify(&doc, &trust, &Options::at(at), &Verifier::new());
    assert!(report.valid, "{report:#?}");
    assert!(
        report
            .check("sod.signer_certificate")
            .unwrap()
            .detail
            .contains("trust store")
    );
}

#[test]
fn dg1_issuing_state_must_be_the_dsc_country() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic/bp256/genuine");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let mut doc = document(&dir);
    let dg1 = doc.data_groups.get_mut(&1).unwrap();
    let at_state = dg1.windows(5).position(|w| w == b"P<KOR").unwrap() + 2;
    dg1[at_state..at_state + 3].copy_from_slice(b"JPN");
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let options = Options {
        at,
        policy: Policy::strict(),
        time_model: TimeModel::VerificationTime,
    };
    let report = passive_auth::verify(&doc, &trust, &options, &Verifier::new());
    let profile = report.check("dsc.profile").unwrap();
    assert_eq!(profile.status, Status::Fail);
    assert!(
        profile.detail.contains("issuing state JP"),
        "{}",
        profile.detail
    );
}

#[test]
fn pss_signature_labelled_pkcs1_is_a_named_quirk() {
    use der::{Decode, Encode};
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic/rsapss3072/genuine");
    let mut doc = document(&dir);
    let header = if doc.sod[1] < 0x80 {
        2
    } else {
        2 + usize::from(doc.sod[1] & 0x7f)
    };
    let mut info = cms::content_info::ContentInfo::from_der(&doc.sod[header..]).unwrap();
    let mut signed: cms::signed_data::SignedData = info.content.decode_as().unwrap();
    let mut signer = signed.signer_infos.0.iter().next().unwrap().clone();
    signer.signature_algorithm = dongpo_crypto::SignatureAlgorithm::RsaPkcs1 {
        hash: HashAlgorithm::Sha256,
    }
    .to_identifier();
    let mut infos = der::asn1::SetOfVec::new();
    infos.insert(signer).unwrap();
    signed.signer_infos = cms::signed_data::SignerInfos(infos);
    info.content = der::Any::encode_from(&signed).unwrap();
    doc.sod = dongpo_icao::tlv::encode(&[0x77], &info.to_der().unwrap());
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let report = passive_auth::verify(&doc, &trust, &Options::at(at), &Verifier::new());
    let check = report.check("sod.signature").unwrap();
    assert_eq!(check.status, Status::Pass, "{}", check.detail);
    assert!(
        check.detail.contains("mislabelled-rsa-padding"),
        "{}",
        check.detail
    );
    let options = Options {
        at,
        policy: Policy::strict(),
        time_model: TimeModel::VerificationTime,
    };
    let strict = passive_auth::verify(&doc, &trust, &options, &Verifier::new());
    assert_eq!(strict.check("sod.signature").unwrap().status, Status::Fail);
}
