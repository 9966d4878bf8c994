//! The documents batch and single verification are compared on: every synthetic
//! document under several policies, time models and trust stores, and every real sample
//! as `test-vectors/real/README.md` describes it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dongpo_crypto::Verifier;
use dongpo_icao::Policy;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options, TimeModel};
use dongpo_icao::{KnownCertificates, Sod, sod_fast};
use dongpo_pki::{Cert, UnixTime};

/// Whether the fast path answered; panics where it disagrees with `Sod::parse` (whenever
/// it answers, the full parser must give the same value).
pub fn agrees(file: &[u8], known: &KnownCertificates, what: &str) -> bool {
    match sod_fast::parse(file, known) {
        None => false,
        Some(fast) => {
            let full = Sod::parse(file).unwrap_or_else(|e| {
                panic!("{what}: fast parser accepted what Sod::parse refuses: {e}")
            });
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{what}");
            true
        }
    }
}

/// One document with what it is verified against.
pub struct Case {
    pub name: String,
    pub document: Document,
    pub trust: Arc<TrustStore>,
    pub options: Options,
}

pub fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The synthetic corpus: `(profile/variant, directory)`, sorted.
pub fn synthetic_dirs() -> Vec<(String, PathBuf)> {
    let root = vectors().join("synthetic");
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

pub fn synthetic_document(dir: &Path) -> Document {
    let mut data_groups = BTreeMap::new();
    for n in [1u8, 2, 14, 15] {
        data_groups.insert(n, read(&dir.join(format!("DG{n}.bin"))));
    }
    Document {
        sod: read(&dir.join("EF_SOD.bin")),
        data_groups,
        com: Some(read(&dir.join("EF_COM.bin"))),
        active_auth: None,
        chip_authentication: None,
    }
}

fn options(at: UnixTime, policy: Policy, time_model: TimeModel) -> Options {
    Options {
        at,
        policy,
        time_model,
    }
}

/// Every synthetic document with its CSCA and CRL, without the CRL, under the default
/// and strict policies, at its manifest's `verify_at` and ten years later, in both time
/// models.
pub fn synthetic_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (name, dir) in synthetic_dirs() {
        let manifest: serde_json::Value =
            serde_json::from_slice(&read(&dir.join("manifest.json"))).unwrap();
        let at = UnixTime::parse_rfc3339(manifest["verify_at"].as_str().unwrap()).unwrap();
        let mut without_crl = TrustStore::new();
        without_crl
            .add_csca(&read(&dir.join("csca.der")), "csca.der")
            .unwrap();
        let mut with_crl = without_crl.clone();
        with_crl
            .add_crl(&read(&dir.join("csca.crl")), "csca.crl")
            .unwrap();
        let (with_crl, without_crl) = (Arc::new(with_crl), Arc::new(without_crl));
        let document = synthetic_document(&dir);
        let later = UnixTime(at.0 + 10 * 365 * 86_400);
        for (label, trust, when, policy, model) in [
            (
                "default",
                &with_crl,
                at,
                Policy::default_policy(),
                TimeModel::VerificationTime,
            ),
            (
                "strict",
                &with_crl,
                at,
                Policy::strict(),
                TimeModel::VerificationTime,
            ),
            (
                "no-crl",
                &without_crl,
                at,
                Policy::default_policy(),
                TimeModel::VerificationTime,
            ),
            (
                "later",
                &with_crl,
                later,
                Policy::default_policy(),
                TimeModel::VerificationTime,
            ),
            (
                "later-signing-time",
                &with_crl,
                later,
                Policy::default_policy(),
                TimeModel::SigningTime,
            ),
        ] {
            out.push(Case {
                name: format!("{name}/{label}"),
                document: document.clone(),
                trust: trust.clone(),
                options: options(when, policy, model),
            });
        }
    }
    out
}

/// Every real sample, verified as `dongpo-cli/tests/real_vectors.rs` does, plus every
/// SOD against one store holding all the real CSCAs and the Dutch master list.
pub fn real_cases() -> Vec<Case> {
    let real = vectors().join("real");
    let at = UnixTime::parse_rfc3339("2026-11-27T00:00:00Z").unwrap();
    let verifier = Verifier::new();
    let mut all = TrustStore::new();
    let anchor = Cert::parse(&read(&real.join("masterlist/NL_ROOT_CA.cer"))).unwrap();
    all.add_master_list(
        &read(&real.join("masterlist/NL_ML_2026-07-22.ml")),
        &[anchor],
        at,
        &verifier,
        "NL_ML_2026-07-22.ml",
    )
    .unwrap();
    let mut out = Vec::new();
    let countries = ["AT", "AU", "DE", "FR", "SG", "US"];
    for country in countries {
        all.add_csca(
            &read(&real.join(format!("sod/{country}/CSCA.cer"))),
            country,
        )
        .unwrap();
    }
    let all = Arc::new(all);
    for country in countries {
        let dir = real.join(format!("sod/{country}"));
        let mut trust = TrustStore::new();
        trust
            .add_csca(&read(&dir.join("CSCA.cer")), "CSCA.cer")
            .unwrap();
        let trust = Arc::new(trust);
        let document = Document {
            sod: read(&dir.join("EF_SOD.bin")),
            ..Document::default()
        };
        for (label, trust, policy) in [
            ("default", &trust, Policy::default_policy()),
            ("strict", &trust, Policy::strict()),
            ("all-cscas", &all, Policy::default_policy()),
        ] {
            out.push(Case {
                name: format!("real/{country}/{label}"),
                document: document.clone(),
                trust: trust.clone(),
                options: options(at, policy, TimeModel::VerificationTime),
            });
        }
    }
    for (set, prefix) in [
        ("bsi-tr03105-5", "Datagroup"),
        ("jmrtd-bsi2008", "Datagroup"),
    ] {
        let dir = real.join(set);
        let mut data_groups = BTreeMap::new();
        for n in [1u8, 2, 3, 4, 14, 15] {
            data_groups.insert(n, read(&dir.join(format!("{prefix}{n}.bin"))));
        }
        let document = Document {
            sod: read(&dir.join("EF_SOD.bin")),
            data_groups,
            com: Some(read(&dir.join("EF_COM.bin"))),
            active_auth: None,
            chip_authentication: None,
        };
        for (label, policy) in [
            ("default", Policy::default_policy()),
            ("strict", Policy::strict()),
        ] {
            out.push(Case {
                name: format!("real/{set}/{label}"),
                document: document.clone(),
                trust: all.clone(),
                options: options(at, policy, TimeModel::SigningTime),
            });
        }
    }
    // Garbage where the SOD belongs: the parse failure is reported the same way.
    out.push(Case {
        name: "real/garbage-sod".into(),
        document: Document {
            sod: read(&real.join("sod/FR/CSCA.cer")),
            ..Document::default()
        },
        trust: all.clone(),
        options: options(at, Policy::default_policy(), TimeModel::VerificationTime),
    });
    out
}
