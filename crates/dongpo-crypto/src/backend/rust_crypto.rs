//! RustCrypto: `rsa` for RSA, `p256`/`p384`/`p521`/`bp256`/`bp384` for ECDSA.
//! Pure Rust, always built; the fallback when AWS-LC is not compiled in, and the fast
//! path for brainpoolP256r1/P384r1, which AWS-LC's safe API lacks.

use std::sync::Arc;

use rsa::BoxedUint;
use signature::hazmat::PrehashVerifier;

use super::{Backend, PreparedKey};
use crate::algorithm::SignatureAlgorithm;
use crate::curve::Curve;
use crate::error::KeyError;
use crate::hash::HashAlgorithm;
use crate::key::{EcPublicKey, PublicKey, RsaPublicKey};

/// The RustCrypto backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

/// Largest modulus accepted: beyond what any state or CA uses.
const MAX_RSA_BITS: usize = 16384;

struct RsaKey {
    key: rsa::PublicKey,
    algorithm: SignatureAlgorithm,
}

impl PreparedKey for RsaKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use HashAlgorithm::{Sha1, Sha224, Sha256, Sha384, Sha512};
        let hash = self.algorithm.hash();
        let hashed = hash.digest(message);
        let result = match self.algorithm {
            SignatureAlgorithm::RsaPkcs1 { .. } => {
                let scheme = match hash {
                    Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
                    Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                self.key.verify(scheme, &hashed, signature)
            }
            SignatureAlgorithm::RsaPss(p) => {
                let salt = p.salt_len;
                match hash {
                    Sha1 => self.key.verify(
                        rsa::Pss::<sha1::Sha1>::new_with_salt(salt),
                        &hashed,
                        signature,
                    ),
                    Sha224 => self.key.verify(
                        rsa::Pss::<sha2::Sha224>::new_with_salt(salt),
                        &hashed,
                        signature,
                    ),
                    Sha256 => self.key.verify(
                        rsa::Pss::<sha2::Sha256>::new_with_salt(salt),
                        &hashed,
                        signature,
                    ),
                    Sha384 => self.key.verify(
                        rsa::Pss::<sha2::Sha384>::new_with_salt(salt),
                        &hashed,
                        signature,
                    ),
                    Sha512 => self.key.verify(
                        rsa::Pss::<sha2::Sha512>::new_with_salt(salt),
                        &hashed,
                        signature,
                    ),
                }
            }
            SignatureAlgorithm::Ecdsa { .. } => return false,
        };
        result.is_ok()
    }
}

/// One ECDSA verifying key per supported curve.
enum EcKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Bp256(ecdsa::VerifyingKey<bp256::BrainpoolP256r1>),
    Bp384(ecdsa::VerifyingKey<bp384::BrainpoolP384r1>),
}

struct EcdsaKey {
    key: EcKey,
    hash: HashAlgorithm,
}

impl PreparedKey for EcdsaKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let digest = self.hash.digest(message);
        match &self.key {
            EcKey::P256(k) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            EcKey::P384(k) => p384::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            EcKey::P521(k) => p521::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            EcKey::Bp256(k) => bp256::r1::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
            EcKey::Bp384(k) => bp384::r1::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_prehash(&digest, &s).is_ok()),
        }
    }
}

fn prepare_rsa(
    key: &RsaPublicKey,
    algorithm: &SignatureAlgorithm,
) -> Option<Result<Arc<dyn PreparedKey>, KeyError>> {
    // The `rsa` crate ties MGF1 to the message hash.
    if let SignatureAlgorithm::RsaPss(p) = algorithm
        && p.mgf1_hash != p.hash
    {
        return None;
    }
    let n = BoxedUint::from_be_slice_vartime(&key.modulus);
    let e = BoxedUint::from_be_slice_vartime(&key.exponent);
    // Exponents above 2^33 are legal but refused by `rsa`; the generic backend takes them.
    let public = rsa::PublicKey::new_with_size_limits(n, e, 512..=MAX_RSA_BITS).ok()?;
    Some(Ok(Arc::new(RsaKey {
        key: public,
        algorithm: *algorithm,
    })))
}

fn prepare_ec(
    key: &EcPublicKey,
    hash: HashAlgorithm,
) -> Option<Result<Arc<dyn PreparedKey>, KeyError>> {
    // `ecdsa` refuses prehashes shorter than half the field (SHA-1 on P-521).
    if hash.output_len() * 2 < key.curve.field_bytes() {
        return None;
    }
    let bad = |e: ecdsa::Error| KeyError::BadPoint {
        curve: key.curve.name(),
        reason: e.to_string(),
    };
    let point = key.point.as_slice();
    let parsed = match key.curve {
        Curve::P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map(EcKey::P256),
        Curve::P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map(EcKey::P384),
        Curve::P521 => p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map(EcKey::P521),
        Curve::BrainpoolP256r1 => {
            ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(point).map(EcKey::Bp256)
        }
        Curve::BrainpoolP384r1 => {
            ecdsa::VerifyingKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(point).map(EcKey::Bp384)
        }
        _ => return None,
    };
    Some(
        parsed
            .map_err(bad)
            .map(|key| Arc::new(EcdsaKey { key, hash }) as Arc<dyn PreparedKey>),
    )
}

impl Backend for RustCrypto {
    fn name(&self) -> &'static str {
        "rust-crypto"
    }

    fn prepare(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
    ) -> Option<Result<Arc<dyn PreparedKey>, KeyError>> {
        match (key, algorithm) {
            (
                PublicKey::Rsa(k),
                SignatureAlgorithm::RsaPkcs1 { .. } | SignatureAlgorithm::RsaPss(_),
            ) => prepare_rsa(k, algorithm),
            (PublicKey::Ec(k), SignatureAlgorithm::Ecdsa { hash, .. }) => prepare_ec(k, *hash),
            _ => None,
        }
    }
}
