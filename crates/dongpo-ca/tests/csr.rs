#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! A subscriber's CSR from bytes to an accepted or refused key, as the RA sees it.

use std::str::FromStr;

use der::Encode;
use dongpo_ca::{CsrError, parse_csr};
use dongpo_ca::{KeyPolicy, KeyRejection, spki_sha256};
use dongpo_crypto::x509::{CertSigner, SignatureBytes};
use dongpo_crypto::{
    Curve, EcdsaEncoding, HashAlgorithm, KeySpec, PublicKey, RsaPublicKey, SignatureAlgorithm,
    SigningKey,
};
use num_bigint::BigUint;
use x509_cert::builder::{Builder, RequestBuilder};
use x509_cert::name::Name;

fn algorithm_for(spec: KeySpec) -> SignatureAlgorithm {
    match spec {
        KeySpec::Rsa(_) => SignatureAlgorithm::RsaPkcs1 {
            hash: HashAlgorithm::Sha256,
        },
        KeySpec::Ec(Curve::P384) => SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha384,
            encoding: EcdsaEncoding::Der,
        },
        KeySpec::Ec(_) => SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        },
    }
}

/// A CSR as the phone app would send it: DER, signed by the subscriber's key.
fn csr_der(spec: KeySpec) -> Vec<u8> {
    let key = SigningKey::generate(spec).unwrap();
    let signer = CertSigner::new(&key, algorithm_for(spec));
    RequestBuilder::new(Name::from_str("CN=Subscriber,C=KR").unwrap())
        .unwrap()
        .build::<_, SignatureBytes>(&signer)
        .unwrap()
        .to_der()
        .unwrap()
}

fn policy_of(profile: &str) -> KeyPolicy {
    let profiles = dongpo_profiles::builtin().unwrap();
    let profile = profiles.iter().find(|p| p.name == profile).unwrap();
    KeyPolicy::new(profile.key_algorithms.clone())
}

#[test]
fn shipped_profiles_accept_their_keys_and_refuse_others() {
    let p256 = parse_csr(&csr_der(KeySpec::Ec(Curve::P256))).unwrap();
    let rsa = parse_csr(&csr_der(KeySpec::Rsa(2048))).unwrap();
    for profile in ["shinhan", "kb", "woori", "hana"] {
        assert_eq!(
            policy_of(profile).check(&p256.public_key),
            Ok(()),
            "{profile}"
        );
        assert_eq!(
            policy_of(profile).check(&rsa.public_key),
            Ok(()),
            "{profile}"
        );
    }
    // toss allows RSA-2048 only.
    assert_eq!(policy_of("toss").check(&rsa.public_key), Ok(()));
    assert_eq!(
        policy_of("toss").check(&p256.public_key),
        Err(KeyRejection::NotAllowed {
            found: "ec:P-256".into(),
            allowed: "rsa:2048".into()
        })
    );
}

#[test]
fn valid_proof_of_possession_does_not_make_a_key_acceptable() {
    let rsa1024 = parse_csr(&csr_der(KeySpec::Rsa(1024))).unwrap();
    assert!(matches!(
        policy_of("kb").check(&rsa1024.public_key),
        Err(KeyRejection::NotAllowed { found, .. }) if found == "rsa:1024"
    ));
    let p384 = parse_csr(&csr_der(KeySpec::Ec(Curve::P384))).unwrap();
    let p256_only = KeyPolicy::new(vec![KeySpec::Ec(Curve::P256)]);
    let err = p256_only.check(&p384.public_key).unwrap_err();
    assert_eq!(
        err.to_string(),
        "key ec:P-384 is not allowed by the profile (allowed: ec:P-256)"
    );
}

#[test]
fn key_identity_is_the_same_from_pem_and_der() {
    let der = csr_der(KeySpec::Ec(Curve::P256));
    let pem =
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &der).unwrap();
    let from_der = parse_csr(&der).unwrap();
    let from_pem = parse_csr(pem.as_bytes()).unwrap();
    assert_eq!(
        spki_sha256(&from_der.public_key),
        spki_sha256(&from_pem.public_key)
    );
    // and equal to the SHA-256 of the SPKI the request carried (named curve form)
    let expected = dongpo_crypto::HashAlgorithm::Sha256.digest(&from_der.spki_der);
    assert_eq!(spki_sha256(&from_der.public_key).to_vec(), expected);
    let other = parse_csr(&csr_der(KeySpec::Ec(Curve::P256))).unwrap();
    assert_ne!(
        spki_sha256(&other.public_key),
        spki_sha256(&from_der.public_key)
    );
}

#[test]
fn rsa_modulus_with_a_small_factor_is_refused() {
    // 997 * 1009^202 * m with m free of factors below 1000, sized to exactly 2048 bits.
    let base = BigUint::from(1009u32).pow(202) * 997u32;
    let mut m = (BigUint::from(1u32) << 2047u32) / &base + 1u32;
    while (2u32..1000).any(|d| (&m % d) == BigUint::ZERO) {
        m += 1u32;
    }
    let n = base * m;
    assert_eq!(n.bits(), 2048);
    let key = PublicKey::Rsa(RsaPublicKey {
        modulus: n.to_bytes_be(),
        exponent: vec![1, 0, 1],
        pss_restriction: None,
    });
    assert_eq!(
        policy_of("toss").check(&key),
        Err(KeyRejection::RsaSmallFactor(997))
    );
}

#[test]
fn refusals_say_what_was_wrong() {
    let mut der = csr_der(KeySpec::Ec(Curve::P256));
    let mut trailing = der.clone();
    trailing.extend_from_slice(b"xx");
    let message = parse_csr(&trailing).unwrap_err().to_string();
    assert!(
        message.starts_with("not a PKCS#10 certification request: ")
            && message.contains(&format!("byte {}", der.len())),
        "{message}"
    );
    *der.last_mut().unwrap() ^= 0x80;
    let err = parse_csr(&der).unwrap_err();
    assert_eq!(err, CsrError::BadSignature);
    assert!(err.to_string().starts_with("proof of possession failed"));
    let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap();
    assert_eq!(
        parse_csr(pem.as_bytes()).unwrap_err().to_string(),
        "not a PKCS#10 certification request: PEM label \"PRIVATE KEY\", expected \"CERTIFICATE REQUEST\""
    );
}

#[test]
fn every_single_bit_flip_is_refused() {
    // What the fuzz target does, on every one-bit corruption of a valid request and of
    // its key: each must be refused (the signature covers the request, parsing or the
    // policy the key), and none may panic.
    let der = csr_der(KeySpec::Ec(Curve::P256));
    let csr = parse_csr(&der).unwrap();
    let policy = policy_of("kb");
    assert_eq!(policy.check(&csr.public_key), Ok(()));
    for (bytes, is_csr) in [(&der, true), (&csr.spki_der, false)] {
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut mutated = bytes.clone();
                mutated[i] ^= 1 << bit;
                let refused = if is_csr {
                    parse_csr(&mutated).is_err()
                } else {
                    PublicKey::from_spki_der(&mutated).map_or(true, |k| policy.check(&k).is_err())
                };
                assert!(refused, "byte {i} bit {bit} (csr: {is_csr})");
            }
        }
    }
}
