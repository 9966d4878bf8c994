//! Every verification backend refuses an oversized RSA key even when the key was built
//! field by field (not through `PublicKey::from_spki_der`, which refuses it first): the
//! bound on work holds at the backend boundary too.

use dongpo_crypto::{
    HashAlgorithm, KeyError, PublicKey, RsaPublicKey, SignatureAlgorithm, Verifier, VerifyError,
    backend,
};

/// An odd number of `bits` bits with the top bit set.
fn odd_modulus(bits: usize) -> Vec<u8> {
    let mut n = vec![0x5Au8; bits / 8];
    if let Some(first) = n.first_mut() {
        *first |= 0x80;
    }
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    n
}

#[test]
fn the_verifier_refuses_oversized_keys_built_field_by_field_on_every_backend() {
    let key = PublicKey::Rsa(RsaPublicKey {
        modulus: odd_modulus(16384),
        exponent: odd_modulus(16000),
        pss_restriction: None,
    });
    let algorithm = SignatureAlgorithm::RsaPkcs1 {
        hash: HashAlgorithm::Sha256,
    };
    let backends = backend::all();
    assert!(!backends.is_empty());
    for backend in backends {
        let verifier = Verifier::with_backends(vec![backend]);
        let err = verifier
            .verify(&key, &algorithm, b"m", &odd_modulus(16384))
            .unwrap_err();
        assert_eq!(
            err,
            VerifyError::Key(KeyError::RsaModulusTooLarge {
                bits: 16384,
                max: 8192
            })
        );
    }
}
