//! The keys the CA signs with: software keys kept in encrypted PKCS#8 files
//! ([`file`]) and keys that never leave an HSM, reached through PKCS#11 ([`pkcs11`]).
//!
//! Both are [`dongpo_crypto::Signer`]s, the one signing interface of dongpo: everything
//! above this module sees only `dyn Signer`, so an issuer, CRL or OCSP signer works the
//! same on a laptop and against a production HSM.

mod error;
pub mod file;
mod passphrase;
pub mod pkcs11;

use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, PublicKey, SignatureAlgorithm};

pub use error::IssuerKeyError;
pub use passphrase::Passphrase;

/// The signature algorithm the CA uses with `key`: ECDSA (DER) with the hash matching
/// the curve size for P-256/P-384/P-521, `sha256WithRSAEncryption` for RSA.
///
/// `None` for curves the CA does not issue with (brainpool, P-224) and for RSA keys
/// restricted to PSS, so that a caller cannot silently pick a mismatched algorithm.
#[must_use]
pub fn signature_algorithm_for(key: &PublicKey) -> Option<SignatureAlgorithm> {
    let ecdsa = |hash| SignatureAlgorithm::Ecdsa {
        hash,
        encoding: EcdsaEncoding::Der,
    };
    match key {
        PublicKey::Rsa(rsa) if rsa.pss_restriction.is_none() => {
            Some(SignatureAlgorithm::RsaPkcs1 {
                hash: HashAlgorithm::Sha256,
            })
        }
        PublicKey::Rsa(_) => None,
        PublicKey::Ec(ec) => match ec.curve {
            Curve::P256 => Some(ecdsa(HashAlgorithm::Sha256)),
            Curve::P384 => Some(ecdsa(HashAlgorithm::Sha384)),
            Curve::P521 => Some(ecdsa(HashAlgorithm::Sha512)),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongpo_crypto::{KeySpec, SignError, Signer, SigningKey, Verifier};

    #[test]
    fn algorithm_follows_the_key() {
        let cases = [
            (KeySpec::Ec(Curve::P256), Some("ecdsa-with-sha256")),
            (KeySpec::Ec(Curve::P384), Some("ecdsa-with-sha384")),
            (KeySpec::Ec(Curve::P521), Some("ecdsa-with-sha512")),
            (KeySpec::Ec(Curve::BrainpoolP256r1), None),
            (KeySpec::Rsa(2048), Some("sha256WithRSAEncryption")),
        ];
        for (spec, expected) in cases {
            let key = SigningKey::generate(spec).unwrap();
            let alg = signature_algorithm_for(key.public_key());
            assert_eq!(alg.map(|a| a.name()).as_deref(), expected, "{spec:?}");
        }
    }

    #[test]
    fn pss_restricted_rsa_gets_no_pkcs1_algorithm() {
        let key = SigningKey::generate(KeySpec::Rsa(2048)).unwrap();
        let PublicKey::Rsa(mut rsa) = key.public_key().clone() else {
            panic!("not RSA");
        };
        rsa.pss_restriction = Some(None);
        assert_eq!(signature_algorithm_for(&PublicKey::Rsa(rsa)), None);
    }

    #[test]
    fn software_key_signs_through_the_trait() {
        let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
        let issuer: &dyn Signer = &key;
        let alg = signature_algorithm_for(issuer.public_key()).unwrap();
        let sig = issuer.sign(&alg, b"tbsCertificate").unwrap();
        Verifier::new()
            .verify(issuer.public_key(), &alg, b"tbsCertificate", &sig)
            .unwrap();
        assert_eq!(issuer.describe(), "software ec:P-256");
        let rsa_alg = SignatureAlgorithm::RsaPkcs1 {
            hash: HashAlgorithm::Sha256,
        };
        assert!(matches!(
            issuer.sign(&rsa_alg, b"x"),
            Err(SignError::Unsupported(_))
        ));
    }
}
