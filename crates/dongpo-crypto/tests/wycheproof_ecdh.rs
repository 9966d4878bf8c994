//! Wycheproof ECDH vectors through `dongpo_crypto::agreement`: brainpool curves with the
//! public key as SubjectPublicKeyInfo (as DG14 carries a Chip Authentication key), NIST
//! curves with the public key as a SEC1 point (as the protocols send it). Pass rule in
//! test-vectors/wycheproof/SOURCE.md.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{AgreementPublicKey, Domain, KeyPair, SharedSecret};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/wycheproof/testvectors_v1")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn curve(name: &str) -> Curve {
    match name {
        "secp224r1" => Curve::P224,
        "secp256r1" => Curve::P256,
        "secp384r1" => Curve::P384,
        "secp521r1" => Curve::P521,
        other => Curve::ALL
            .into_iter()
            .find(|c| c.name() == other)
            .unwrap_or_else(|| panic!("curve {other}")),
    }
}

/// The shared secret dongpo derives for one vector, or `None` when it refuses.
fn derive(domain: &Domain, public: &[u8], private: &[u8], spki: bool) -> Option<SharedSecret> {
    let key = if spki {
        AgreementPublicKey::from_spki_der(public).ok()?
    } else {
        AgreementPublicKey::from_bytes(domain, public).ok()?
    };
    let start = private
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(private.len());
    let pair = KeyPair::from_private_bytes(domain, &private[start..]).ok()?;
    pair.agree(&key).ok()
}

fn run(file: &str, spki: bool) -> (usize, usize) {
    let text = std::fs::read_to_string(dir().join(file)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut valid, mut refused) = (0, 0);
    // Wycheproof lists some inputs twice, once `invalid` and once `acceptable` (brainpool
    // "no cofactor": explicit parameters without the optional cofactor); identical inputs
    // cannot have two outcomes, so those count as acceptable.
    let acceptable: std::collections::HashSet<(String, String)> = json["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap())
        .filter(|t| t["result"] == "acceptable")
        .map(|t| (t["public"].to_string(), t["private"].to_string()))
        .collect();
    for group in json["testGroups"].as_array().unwrap() {
        let domain = Domain::ec(curve(group["curve"].as_str().unwrap()));
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let public = hex(test["public"].as_str().unwrap());
            let private = hex(test["private"].as_str().unwrap());
            let shared = hex(test["shared"].as_str().unwrap());
            let mut result = test["result"].as_str().unwrap();
            if acceptable.contains(&(test["public"].to_string(), test["private"].to_string())) {
                result = "acceptable";
            }
            let got = derive(&domain, &public, &private, spki);
            match (result, &got) {
                ("valid", Some(secret)) => {
                    assert_eq!(secret.as_bytes(), shared, "{file} tcId {id}");
                    valid += 1;
                }
                ("valid", None) => panic!("{file} tcId {id}: valid vector refused"),
                ("invalid", Some(_)) => panic!("{file} tcId {id}: invalid vector agreed"),
                ("acceptable", Some(secret)) => {
                    assert_eq!(secret.as_bytes(), shared, "{file} tcId {id}");
                }
                (_, None) => refused += 1,
                (other, _) => panic!("{file} tcId {id}: result {other}"),
            }
        }
    }
    (valid, refused)
}

#[test]
fn wycheproof_ecdh_brainpool_spki() {
    for bits in ["224", "256", "320", "384", "512"] {
        let file = format!("ecdh_brainpoolP{bits}r1_test.json");
        let (valid, refused) = run(&file, true);
        assert!(
            valid > 400 && refused > 40,
            "{file}: {valid} valid, {refused} refused"
        );
    }
}

#[test]
fn wycheproof_ecdh_nist_points() {
    for name in ["secp224r1", "secp256r1", "secp384r1", "secp521r1"] {
        let file = format!("ecdh_{name}_ecpoint_test.json");
        let (valid, refused) = run(&file, false);
        assert!(
            valid > 200 && refused > 10,
            "{file}: {valid} valid, {refused} refused"
        );
    }
}
