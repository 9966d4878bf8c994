//! Sealing to certified public keys (`dongpo_crypto::seal`): round trips for every suite,
//! refusals for keys without one, and tampered or misaddressed values that must not open.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use dongpo_crypto::seal::{self, MIN_RSA_SEAL_BITS, SealError, SealSuite, VID_RANDOM_INFO};
use dongpo_crypto::{Curve, EcPublicKey, KeySpec, PublicKey, SigningKey};

/// A KISA VID random: 20 bytes.
const R: [u8; 20] = [
    0x79, 0xea, 0x75, 0x68, 0xa2, 0xd3, 0x77, 0x66, 0x04, 0xe1, 0x8b, 0xcd, 0x3a, 0x1b, 0x1b, 0x85,
    0xb7, 0xda, 0x08, 0x72,
];

fn key(spec: KeySpec) -> (PublicKey, Vec<u8>) {
    let key = SigningKey::generate(spec).unwrap();
    (
        key.public_key().clone(),
        key.to_pkcs8_der().unwrap().to_vec(),
    )
}

#[test]
fn every_suite_round_trips_with_the_expected_length() {
    let cases = [
        (KeySpec::Ec(Curve::P256), SealSuite::HpkeP256, 65 + 20 + 16),
        (KeySpec::Ec(Curve::P384), SealSuite::HpkeP384, 97 + 20 + 16),
        (KeySpec::Ec(Curve::P521), SealSuite::HpkeP521, 133 + 20 + 16),
        (KeySpec::Rsa(2048), SealSuite::RsaOaepSha256, 256),
        (KeySpec::Rsa(3072), SealSuite::RsaOaepSha256, 384),
    ];
    for (spec, suite, len) in cases {
        let (public, private) = key(spec);
        let (got_suite, sealed) = seal::seal(&public, VID_RANDOM_INFO, &R).unwrap();
        assert_eq!(got_suite, suite, "{spec:?}");
        assert_eq!(sealed.len(), len, "{spec:?}");
        assert!(
            !sealed.windows(R.len()).any(|w| w == R),
            "{spec:?}: R must not appear in the sealed value"
        );
        let opened = seal::open(&private, VID_RANDOM_INFO, &sealed).unwrap();
        assert_eq!(opened.as_slice(), R.as_slice(), "{spec:?}");
        // Randomised: sealing twice gives two different values that both open.
        let (_, again) = seal::seal(&public, VID_RANDOM_INFO, &R).unwrap();
        assert_ne!(again, sealed, "{spec:?}");
        assert_eq!(
            seal::open(&private, VID_RANDOM_INFO, &again)
                .unwrap()
                .as_slice(),
            R.as_slice()
        );
    }
}

#[test]
fn tampered_misaddressed_or_truncated_values_do_not_open() {
    for spec in [KeySpec::Ec(Curve::P256), KeySpec::Rsa(2048)] {
        let (public, private) = key(spec);
        let (suite, sealed) = seal::seal(&public, VID_RANDOM_INFO, &R).unwrap();
        // A flipped bit anywhere: in `enc` (the front for HPKE), the ciphertext or the tag.
        let positions = match suite.enc_len() {
            Some(enc) => vec![0, 1, enc / 2, enc - 1, enc, enc + 5, sealed.len() - 1],
            None => vec![0, 1, sealed.len() / 2, sealed.len() - 1],
        };
        for at in positions {
            let mut forged = sealed.clone();
            forged[at] ^= 0x01;
            assert_eq!(
                seal::open(&private, VID_RANDOM_INFO, &forged),
                Err(SealError::Open),
                "{spec:?}: byte {at} flipped"
            );
        }
        // Another key of the same kind.
        let (_, other) = key(spec);
        assert_eq!(
            seal::open(&other, VID_RANDOM_INFO, &sealed),
            Err(SealError::Open),
            "{spec:?}: another key"
        );
        // Lengths that cannot be a value of the suite are malformed, not an open failure.
        assert!(matches!(
            seal::open(&private, VID_RANDOM_INFO, &sealed[..sealed.len() - 1]),
            Err(SealError::Malformed(_) | SealError::Open)
        ));
        assert!(matches!(
            seal::open(&private, VID_RANDOM_INFO, &[]),
            Err(SealError::Malformed(_))
        ));
        if suite != SealSuite::RsaOaepSha256 {
            // HPKE binds `info`: a value sealed for another purpose does not open as R.
            let (_, elsewhere) = seal::seal(&public, b"another purpose", &R).unwrap();
            assert_eq!(
                seal::open(&private, VID_RANDOM_INFO, &elsewhere),
                Err(SealError::Open)
            );
        }
    }
}

#[test]
fn keys_without_a_suite_are_refused_by_type() {
    for curve in [Curve::BrainpoolP256r1, Curve::BrainpoolP384r1, Curve::P224] {
        let (public, private) = key(KeySpec::Ec(curve));
        let refused = seal::seal(&public, VID_RANDOM_INFO, &R);
        assert!(
            matches!(&refused, Err(SealError::UnsupportedKey(d)) if d.contains(curve.name())),
            "{curve:?}: {refused:?}"
        );
        assert!(matches!(
            SealSuite::for_key(&public),
            Err(SealError::UnsupportedKey(_))
        ));
        assert!(matches!(
            seal::open(&private, VID_RANDOM_INFO, &[0u8; 120]),
            Err(SealError::UnsupportedKey(_))
        ));
    }
    // An RSA key restricted to RSASSA-PSS must not encrypt (RFC 4055).
    let (public, _) = key(KeySpec::Rsa(2048));
    let PublicKey::Rsa(mut rsa) = public else {
        unreachable!()
    };
    rsa.pss_restriction = Some(None);
    assert!(matches!(
        seal::seal(&PublicKey::Rsa(rsa.clone()), VID_RANDOM_INFO, &R),
        Err(SealError::BadKey(_))
    ));
    // Nor is a short modulus used.
    rsa.pss_restriction = None;
    rsa.modulus.truncate(128);
    assert!(matches!(
        SealSuite::for_key(&PublicKey::Rsa(rsa)),
        Err(SealError::BadKey(_))
    ));
    assert!(!SealSuite::supports(&KeySpec::Rsa(MIN_RSA_SEAL_BITS - 1)));
    // A point that is not on P-256 is not sealed to.
    let bad = PublicKey::Ec(EcPublicKey {
        curve: Curve::P256,
        point: [&[4u8][..], &[1u8; 64]].concat(),
        explicit_parameters: false,
    });
    assert!(matches!(
        seal::seal(&bad, VID_RANDOM_INFO, &R),
        Err(SealError::BadKey(_))
    ));
}

#[test]
fn garbage_private_keys_and_long_secrets_are_errors() {
    assert!(matches!(
        seal::open(b"not a key", VID_RANDOM_INFO, &[0u8; 101]),
        Err(SealError::BadKey(_))
    ));
    let (public, _) = key(KeySpec::Rsa(2048));
    // OAEP-SHA256 under a 2048-bit modulus carries at most 256 - 66 = 190 bytes.
    assert_eq!(
        seal::seal(&public, VID_RANDOM_INFO, &[7u8; 191]),
        Err(SealError::TooLong { max: 190 })
    );
    assert!(seal::seal(&public, VID_RANDOM_INFO, &[7u8; 190]).is_ok());
}
