//! ECDSA Active Authentication when no covered DG14 names the hash (a chip without
//! ActiveAuthenticationInfo): under `default` the hash as long as the curve order is used
//! and named as quirk `aa-hash-by-curve`; `strict` fails the check.
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
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, Options};
use dongpo_icao::{CheckId, Policy, Status, TrustStore};
use dongpo_pki::UnixTime;

const CHALLENGE: [u8; 8] = [9, 8, 7, 6, 5, 4, 3, 2];

fn vector(profile: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic")
        .join(profile)
        .join("genuine")
}

/// `aa.signature` of the vector read without DG14, the chip signing with `signed_with`.
fn aa_without_dg14(profile: &str, signed_with: HashAlgorithm, policy: Policy) -> (Status, String) {
    let dir = vector(profile);
    let file = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let data_groups: BTreeMap<u8, Vec<u8>> = [1u8, 2, 15]
        .into_iter()
        .map(|n| (n, file(&format!("DG{n}.bin"))))
        .collect();
    let signature =
        dongpo_testkit::active_auth::sign(&file("aa_key.p8"), &CHALLENGE, signed_with).unwrap();
    let document = Document {
        sod: file("EF_SOD.bin"),
        data_groups,
        com: None,
        active_auth: Some(ActiveAuthResponse {
            challenge: CHALLENGE.to_vec(),
            signature,
        }),
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust.add_csca(&file("csca.der"), "csca.der").unwrap();
    let mut options = Options::at(UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap());
    options.policy = policy;
    let outcome = passive_auth::verify(&document, &trust, &options, &Verifier::new());
    let check = outcome.check(CheckId::AaSignature).unwrap();
    (check.status, check.detail.clone())
}

#[test]
fn the_hash_is_taken_from_the_curve_and_named_as_a_quirk() {
    for (profile, curve, hash) in [
        ("p256", "P-256", HashAlgorithm::Sha256),
        ("p384", "P-384", HashAlgorithm::Sha384),
        ("p521", "P-521", HashAlgorithm::Sha512),
        ("bp256", "brainpoolP256r1", HashAlgorithm::Sha256),
        ("bp384", "brainpoolP384r1", HashAlgorithm::Sha384),
        ("bp512", "brainpoolP512r1", HashAlgorithm::Sha512),
    ] {
        let (status, detail) = aa_without_dg14(profile, hash, Policy::default());
        assert_eq!(status, Status::Pass, "{profile}: {detail}");
        assert!(
            detail.starts_with("quirk aa-hash-by-curve: ")
                && detail.contains(&format!("{hash} taken for the {curve} key")),
            "{profile}: {detail}"
        );
        // A chip that signed with another hash does not verify: the curve decides.
        let other = if hash == HashAlgorithm::Sha256 {
            HashAlgorithm::Sha384
        } else {
            HashAlgorithm::Sha256
        };
        let (status, detail) = aa_without_dg14(profile, other, Policy::default());
        assert_eq!(status, Status::Fail, "{profile}: {detail}");
    }
}

#[test]
fn strict_refuses_to_take_the_hash_from_the_curve() {
    let (status, detail) = aa_without_dg14("p256", HashAlgorithm::Sha256, Policy::strict());
    assert_eq!(status, Status::Fail, "{detail}");
    assert!(detail.contains("aa-hash-by-curve"), "{detail}");
    assert!(!detail.starts_with("quirk"), "{detail}");
}

#[test]
fn a_hash_named_by_a_covered_dg14_is_no_quirk() {
    let dir = vector("p256");
    let file = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let data_groups: BTreeMap<u8, Vec<u8>> = [1u8, 2, 14, 15]
        .into_iter()
        .map(|n| (n, file(&format!("DG{n}.bin"))))
        .collect();
    let signature =
        dongpo_testkit::active_auth::sign(&file("aa_key.p8"), &CHALLENGE, HashAlgorithm::Sha256)
            .unwrap();
    let document = Document {
        sod: file("EF_SOD.bin"),
        data_groups,
        com: None,
        active_auth: Some(ActiveAuthResponse {
            challenge: CHALLENGE.to_vec(),
            signature,
        }),
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust.add_csca(&file("csca.der"), "csca.der").unwrap();
    let mut options = Options::at(UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap());
    options.policy = Policy::strict();
    let outcome = passive_auth::verify(&document, &trust, &options, &Verifier::new());
    let check = outcome.check(CheckId::AaSignature).unwrap();
    assert_eq!(check.status, Status::Pass, "{}", check.detail);
    assert!(!check.detail.contains("quirk"), "{}", check.detail);
}
