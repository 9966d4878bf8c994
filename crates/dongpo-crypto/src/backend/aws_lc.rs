//! AWS-LC (through `aws-lc-rs`): RSA and NIST P-256/P-384/P-521, the fastest backend
//! measured on this machine (see BENCHMARKS.md). Keys are parsed once (`ParsedPublicKey`).

use std::sync::Arc;

use aws_lc_rs::signature::{self as sig, ParsedPublicKey, VerificationAlgorithm};

use super::{Backend, PreparedKey};
use crate::algorithm::SignatureAlgorithm;
use crate::curve::Curve;
use crate::ecdsa_sig::EcdsaSignature;
use crate::error::KeyError;
use crate::hash::HashAlgorithm::{self, Sha1, Sha224, Sha256, Sha384, Sha512};
use crate::key::{PublicKey, RsaPublicKey};

/// The AWS-LC backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLc;

/// Whether AWS-LC wants `r || s` (FIXED) or DER for this algorithm constant.
#[derive(Clone, Copy)]
enum EcdsaInput {
    Fixed,
    Der,
}

struct AwsKey {
    key: ParsedPublicKey,
    ecdsa_input: Option<EcdsaInput>,
}

impl PreparedKey for AwsKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self.ecdsa_input {
            Some(EcdsaInput::Der) => {
                let (r, s) = signature.split_at(signature.len() / 2);
                let der = EcdsaSignature::from_scalars(r, s).to_der();
                self.key.verify_sig(message, &der).is_ok()
            }
            Some(EcdsaInput::Fixed) | None => self.key.verify_sig(message, signature).is_ok(),
        }
    }
}

fn rsa_algorithm(
    key: &RsaPublicKey,
    algorithm: &SignatureAlgorithm,
) -> Option<&'static dyn VerificationAlgorithm> {
    let bits = key.bits();
    if !(1024..=8192).contains(&bits) {
        return None;
    }
    let large = bits >= 2048;
    Some(match algorithm {
        SignatureAlgorithm::RsaPkcs1 { hash } => match (hash, large) {
            (Sha1, _) => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            (Sha256, true) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (Sha256, false) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            (Sha384, true) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (Sha512, true) => &sig::RSA_PKCS1_2048_8192_SHA512,
            (Sha512, false) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            _ => return None,
        },
        // AWS-LC's safe API fixes MGF1 to the message hash and the salt to its length.
        SignatureAlgorithm::RsaPss(p)
            if large && p.mgf1_hash == p.hash && p.salt_len == p.hash.output_len() =>
        {
            match p.hash {
                Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn ecdsa_algorithm(
    curve: Curve,
    hash: HashAlgorithm,
) -> Option<(&'static dyn VerificationAlgorithm, EcdsaInput)> {
    use EcdsaInput::{Der, Fixed};
    Some(match (curve, hash) {
        (Curve::P256, Sha256) => (&sig::ECDSA_P256_SHA256_FIXED, Fixed),
        (Curve::P256, Sha1) => (&sig::ECDSA_P256_SHA1_ASN1, Der),
        (Curve::P256, Sha384) => (&sig::ECDSA_P256_SHA384_ASN1, Der),
        (Curve::P256, Sha512) => (&sig::ECDSA_P256_SHA512_ASN1, Der),
        (Curve::P384, Sha384) => (&sig::ECDSA_P384_SHA384_FIXED, Fixed),
        (Curve::P384, Sha256) => (&sig::ECDSA_P384_SHA256_ASN1, Der),
        (Curve::P384, Sha512) => (&sig::ECDSA_P384_SHA512_ASN1, Der),
        (Curve::P521, Sha1) => (&sig::ECDSA_P521_SHA1_FIXED, Fixed),
        (Curve::P521, Sha224) => (&sig::ECDSA_P521_SHA224_FIXED, Fixed),
        (Curve::P521, Sha256) => (&sig::ECDSA_P521_SHA256_FIXED, Fixed),
        (Curve::P521, Sha384) => (&sig::ECDSA_P521_SHA384_FIXED, Fixed),
        (Curve::P521, Sha512) => (&sig::ECDSA_P521_SHA512_FIXED, Fixed),
        _ => return None,
    })
}

impl Backend for AwsLc {
    fn name(&self) -> &'static str {
        "aws-lc"
    }

    fn prepare(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
    ) -> Option<Result<Arc<dyn PreparedKey>, KeyError>> {
        let (alg, key_bytes, ecdsa_input) = match (key, algorithm) {
            (
                PublicKey::Rsa(rsa),
                SignatureAlgorithm::RsaPkcs1 { .. } | SignatureAlgorithm::RsaPss(_),
            ) => (rsa_algorithm(rsa, algorithm)?, rsa.to_pkcs1_der(), None),
            (PublicKey::Ec(ec), SignatureAlgorithm::Ecdsa { hash, .. }) => {
                let (alg, input) = ecdsa_algorithm(ec.curve, *hash)?;
                (alg, ec.point.clone(), Some(input))
            }
            _ => return None,
        };
        // AWS-LC refuses some valid keys (e.g. very large exponents): let the next backend try.
        let parsed = ParsedPublicKey::new(alg, key_bytes).ok()?;
        Some(Ok(Arc::new(AwsKey {
            key: parsed,
            ecdsa_input,
        })))
    }
}
