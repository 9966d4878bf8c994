//! Active Authentication against a real chip's response, the BSI TR-03105-5 test keys and
//! every profile of the synthetic corpus (signed here by the testkit's chip stand-in).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use dongpo_crypto::{EcdsaEncoding, EcdsaSignature, HashAlgorithm, PublicKey};
use dongpo_icao::active_auth::{self, AaAlgorithm, AaError, AaOutcome, SignatureEncoding, Trailer};
use dongpo_icao::lds::Dg15;
use dongpo_testkit::active_auth as testkit_aa;
use num_bigint::BigUint;

const CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = vectors().join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Active Authentication with the key of `dg15`, the DG15 file or a bare
/// SubjectPublicKeyInfo, as `dongpo aa verify` reads it.
fn verify(
    dg15: &[u8],
    hash: Option<HashAlgorithm>,
    challenge: &[u8],
    signature: &[u8],
) -> Result<AaOutcome, AaError> {
    let dg15 = Dg15::parse_file_or_spki(dg15)?;
    active_auth::verify(&dg15, hash, challenge, signature)
}

/// Every single-byte change of `bytes` that `check` must refuse: each byte XOR 0x01,
/// and each byte XOR 0x80.
fn assert_every_flip_fails(bytes: &[u8], check: impl Fn(&[u8]) -> Result<(), AaError>) {
    for i in 0..bytes.len() {
        for mask in [0x01, 0x80] {
            let mut flipped = bytes.to_vec();
            flipped[i] ^= mask;
            assert!(check(&flipped).is_err(), "byte {i} ^ {mask:#04x} accepted");
        }
    }
}

#[test]
fn real_chip_response_verifies() {
    let dg15 = read("real/active-auth/EF_DG15.bin");
    let challenge = read("real/active-auth/challenge.bin");
    let signature = read("real/active-auth/signature.bin");
    let outcome = verify(&dg15, None, &challenge, &signature).unwrap();
    assert_eq!(outcome.algorithm, AaAlgorithm::RsaIso9796_2);
    assert_eq!(outcome.algorithm.name(), "rsa-iso9796-2");
    assert_eq!(outcome.hash, HashAlgorithm::Sha256);
    assert_eq!(outcome.key, "rsa:1792");
    assert_eq!(
        outcome.signature_encoding,
        SignatureEncoding::Iso9796_2 {
            trailer: Trailer::Explicit(0x34),
            partial_recovery: true,
            complemented: false,
            // 224-byte block: 1 header + 189 M1 + 32 SHA-256 + 2 trailer
            recovered_len: 189,
        }
    );
    // the bare SubjectPublicKeyInfo works as well as the DG15 file; a DG14 hash is
    // irrelevant for RSA (the trailer names the hash)
    let spki = &dg15[4..];
    let bare = verify(spki, Some(HashAlgorithm::Sha1), &challenge, &signature);
    assert_eq!(bare, Ok(outcome));
}

#[test]
fn real_chip_response_fails_after_any_byte_flip() {
    let dg15 = read("real/active-auth/EF_DG15.bin");
    let challenge = read("real/active-auth/challenge.bin");
    let signature = read("real/active-auth/signature.bin");
    assert_every_flip_fails(&signature, |sig| {
        verify(&dg15, None, &challenge, sig).map(|_| ())
    });
    assert_every_flip_fails(&challenge, |ch| {
        verify(&dg15, None, ch, &signature).map(|_| ())
    });
    // the challenge changed by length, the signature truncated or extended
    let err = |ch: &[u8], sig: &[u8]| verify(&dg15, None, ch, sig).unwrap_err();
    assert_eq!(
        err(&challenge[..7], &signature),
        AaError::DigestMismatch(HashAlgorithm::Sha256)
    );
    assert_eq!(
        err(&[&challenge[..], &[0]].concat(), &signature),
        AaError::DigestMismatch(HashAlgorithm::Sha256)
    );
    assert_eq!(err(&[], &signature), AaError::EmptyChallenge);
    assert_eq!(
        err(&challenge, &signature[1..]),
        AaError::SignatureLength {
            got: 223,
            expected: 224
        }
    );
    assert!(matches!(
        err(&challenge, &[&[0][..], &signature].concat()),
        AaError::SignatureLength { .. }
    ));
    // s >= n
    let PublicKey::Rsa(key) = PublicKey::from_spki_der(&dg15[4..]).unwrap() else {
        panic!("not RSA");
    };
    assert_eq!(err(&challenge, &key.modulus), AaError::SignatureOutOfRange);
    assert!(!AaError::SignatureOutOfRange.is_input_error());
}

#[test]
fn complemented_signature_is_accepted_and_reported() {
    let dg15 = read("real/active-auth/EF_DG15.bin");
    let challenge = read("real/active-auth/challenge.bin");
    let signature = read("real/active-auth/signature.bin");
    let PublicKey::Rsa(key) = PublicKey::from_spki_der(&dg15[4..]).unwrap() else {
        panic!("not RSA");
    };
    let n = BigUint::from_bytes_be(&key.modulus);
    let complement = (n - BigUint::from_bytes_be(&signature)).to_bytes_be();
    let mut padded = vec![0u8; 224 - complement.len()];
    padded.extend_from_slice(&complement);
    let outcome = verify(&dg15, None, &challenge, &padded).unwrap();
    assert!(matches!(
        outcome.signature_encoding,
        SignatureEncoding::Iso9796_2 {
            complemented: true,
            ..
        }
    ));
}

#[test]
fn bsi_reference_aa_key_signs_and_verifies() {
    let dg15 = read("real/bsi-tr03105-5/Datagroup15.bin");
    let spki = read("real/bsi-tr03105-5/DG15_pk.bin");
    let key = read("real/bsi-tr03105-5/DG15_sk.pkcs8");
    for hash in HashAlgorithm::ALL {
        let signature = testkit_aa::sign(&key, &CHALLENGE, hash).unwrap();
        for file in [&dg15, &spki] {
            let outcome = verify(file, None, &CHALLENGE, &signature).unwrap();
            assert_eq!(outcome.hash, hash);
            assert_eq!(outcome.key, "rsa:1024");
        }
    }
}

#[test]
fn malformed_inputs_are_named() {
    let sig = [0u8; 64];
    let e = verify(&[], None, &CHALLENGE, &sig).unwrap_err();
    assert!(
        matches!(e, AaError::MalformedDg15(_)) && e.is_input_error(),
        "{e}"
    );
    let e = verify(&[0x6f, 2, 0x30, 0], None, &CHALLENGE, &sig).unwrap_err();
    assert!(matches!(e, AaError::Key(_)) && e.is_input_error(), "{e}");
    // an EC key without the DG14 hash
    let dg15 = read("synthetic/p256/genuine/DG15.bin");
    let e = verify(&dg15, None, &CHALLENGE, &sig).unwrap_err();
    assert_eq!(e, AaError::EcdsaHashRequired);
    assert!(e.is_input_error());
    assert!(e.to_string().contains("DG14"));
    // an RSA key handed to the ECDSA verifier
    let rsa = PublicKey::from_spki_der(&read("real/bsi-tr03105-5/DG15_pk.bin")).unwrap();
    let e = active_auth::verify_ecdsa(&rsa, HashAlgorithm::Sha256, &CHALLENGE, &sig).unwrap_err();
    assert!(matches!(e, AaError::UnsuitableKey(_)), "{e}");
}

/// The synthetic corpus's genuine passports: (profile directory, aa_signature name).
fn genuine_passports() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(vectors().join("synthetic")).unwrap() {
        let dir = entry.unwrap().path().join("genuine");
        let Ok(manifest) = std::fs::read(dir.join("manifest.json")) else {
            continue;
        };
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        let alg = manifest["algorithms"]["aa_signature"].as_str().unwrap();
        out.push((dir, alg.to_string()));
    }
    out.sort();
    out
}

#[test]
fn every_synthetic_profile_signs_and_verifies() {
    let passports = genuine_passports();
    assert_eq!(passports.len(), 9, "{passports:?}");
    for (dir, alg) in passports {
        let name = dir.display().to_string();
        let dg15 = std::fs::read(dir.join("DG15.bin")).unwrap();
        let key = std::fs::read(dir.join("aa_key.p8")).unwrap();
        if alg == "rsa-iso9796-2" {
            for hash in HashAlgorithm::ALL {
                let signature = testkit_aa::sign(&key, &CHALLENGE, hash).unwrap();
                assert_eq!(
                    signature,
                    testkit_aa::sign(&key, &CHALLENGE, hash).unwrap(),
                    "deterministic"
                );
                let outcome = verify(&dg15, None, &CHALLENGE, &signature)
                    .unwrap_or_else(|e| panic!("{name} {hash}: {e}"));
                assert_eq!(outcome.hash, hash, "{name}");
                let trailer = match hash {
                    HashAlgorithm::Sha1 => Trailer::Implicit,
                    HashAlgorithm::Sha256 => Trailer::Explicit(0x34),
                    HashAlgorithm::Sha224 => Trailer::Explicit(0x38),
                    HashAlgorithm::Sha384 => Trailer::Explicit(0x36),
                    HashAlgorithm::Sha512 => Trailer::Explicit(0x35),
                };
                assert!(
                    matches!(
                        outcome.signature_encoding,
                        SignatureEncoding::Iso9796_2 { trailer: t, partial_recovery: true, complemented: false, .. } if t == trailer
                    ),
                    "{name} {hash}: {:?}",
                    outcome.signature_encoding
                );
                if matches!(hash, HashAlgorithm::Sha1 | HashAlgorithm::Sha256) {
                    assert_every_flip_fails(&signature, |sig| {
                        verify(&dg15, None, &CHALLENGE, sig).map(|_| ())
                    });
                    assert_every_flip_fails(&CHALLENGE, |ch| {
                        verify(&dg15, None, ch, &signature).map(|_| ())
                    });
                }
            }
        } else {
            let hash = alg
                .strip_prefix("ecdsa-plain-")
                .and_then(HashAlgorithm::from_name)
                .unwrap_or_else(|| panic!("{name}: aa_signature {alg}"));
            let signature = testkit_aa::sign(&key, &CHALLENGE, hash).unwrap();
            assert_eq!(signature, testkit_aa::sign(&key, &CHALLENGE, hash).unwrap());
            let outcome = verify(&dg15, Some(hash), &CHALLENGE, &signature)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(outcome.algorithm, AaAlgorithm::Ecdsa, "{name}");
            assert_eq!(outcome.algorithm.name(), "ecdsa");
            assert_eq!(outcome.hash, hash);
            assert_eq!(
                outcome.signature_encoding,
                SignatureEncoding::Ecdsa(EcdsaEncoding::Plain)
            );
            // the same signature in DER, as some cards send it
            let half = signature.len() / 2;
            let der = EcdsaSignature::from_plain(&signature, half)
                .unwrap()
                .to_der();
            let outcome = verify(&dg15, Some(hash), &CHALLENGE, &der).unwrap();
            assert_eq!(outcome.signature_encoding.name(), "der");
            // the wrong hash from DG14
            let other = if hash == HashAlgorithm::Sha256 {
                HashAlgorithm::Sha384
            } else {
                HashAlgorithm::Sha256
            };
            assert_eq!(
                verify(&dg15, Some(other), &CHALLENGE, &signature),
                Err(AaError::EcdsaInvalid),
                "{name}"
            );
            assert_every_flip_fails(&signature, |sig| {
                verify(&dg15, Some(hash), &CHALLENGE, sig).map(|_| ())
            });
            assert_every_flip_fails(&CHALLENGE, |ch| {
                verify(&dg15, Some(hash), ch, &signature).map(|_| ())
            });
            assert!(matches!(
                verify(&dg15, Some(hash), &CHALLENGE, &signature[1..]),
                Err(AaError::MalformedSignature(_))
            ));
        }
    }
}
