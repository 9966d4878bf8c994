//! AWS-LC signing keys for CAs: RSA 2048-8192 (PKCS#1 v1.5 and PSS with salt = hash
//! length) and ECDSA P-256/SHA-256, P-384/SHA-384. Nonces come from AWS-LC's CSPRNG.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair};
use zeroize::Zeroizing;

use super::{KeySpec, encode_ecdsa};
use crate::algorithm::SignatureAlgorithm;
use crate::curve::Curve;
use crate::error::SignError;
use crate::hash::HashAlgorithm;

pub(super) enum AwsLcKey {
    Rsa(RsaKeyPair),
    Ec { pair: EcdsaKeyPair, curve: Curve },
}

fn backend_err(e: impl std::fmt::Display) -> SignError {
    SignError::Backend(e.to_string())
}

fn ec_signing_algorithm(curve: Curve) -> Option<&'static sig::EcdsaSigningAlgorithm> {
    match curve {
        Curve::P256 => Some(&sig::ECDSA_P256_SHA256_FIXED_SIGNING),
        Curve::P384 => Some(&sig::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

impl AwsLcKey {
    /// `None` when AWS-LC does not generate this key type.
    pub(super) fn generate(spec: KeySpec) -> Option<Result<Self, SignError>> {
        match spec {
            KeySpec::Rsa(bits) => {
                let size = match bits {
                    2048 => KeySize::Rsa2048,
                    3072 => KeySize::Rsa3072,
                    4096 => KeySize::Rsa4096,
                    8192 => KeySize::Rsa8192,
                    _ => return None,
                };
                Some(
                    RsaKeyPair::generate(size)
                        .map(AwsLcKey::Rsa)
                        .map_err(backend_err),
                )
            }
            KeySpec::Ec(curve) => {
                let alg = ec_signing_algorithm(curve)?;
                Some(
                    EcdsaKeyPair::generate(alg)
                        .map(|pair| AwsLcKey::Ec { pair, curve })
                        .map_err(backend_err),
                )
            }
        }
    }

    pub(super) fn from_pkcs8_der(der: &[u8], spec: KeySpec) -> Option<Result<Self, SignError>> {
        match spec {
            KeySpec::Rsa(bits) if (2048..=8192).contains(&bits) => Some(
                RsaKeyPair::from_pkcs8(der)
                    .map(AwsLcKey::Rsa)
                    .map_err(backend_err),
            ),
            KeySpec::Ec(curve) => {
                let alg = ec_signing_algorithm(curve)?;
                Some(
                    EcdsaKeyPair::from_pkcs8(alg, der)
                        .map(|pair| AwsLcKey::Ec { pair, curve })
                        .map_err(backend_err),
                )
            }
            KeySpec::Rsa(_) => None,
        }
    }

    pub(super) fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, SignError> {
        match self {
            AwsLcKey::Rsa(pair) => {
                let doc = pair.as_der().map_err(backend_err)?;
                Ok(Zeroizing::new(doc.as_ref().to_vec()))
            }
            AwsLcKey::Ec { pair, .. } => {
                let doc = pair.to_pkcs8v1().map_err(backend_err)?;
                Ok(Zeroizing::new(doc.as_ref().to_vec()))
            }
        }
    }

    pub(super) fn sign(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        let unsupported = || SignError::Unsupported(format!("{} on AWS-LC", algorithm.name()));
        match (self, algorithm) {
            (
                AwsLcKey::Rsa(pair),
                SignatureAlgorithm::RsaPkcs1 { hash }
                | SignatureAlgorithm::RsaPss(crate::PssParams { hash, .. }),
            ) => {
                let is_pss = matches!(algorithm, SignatureAlgorithm::RsaPss(_));
                if let SignatureAlgorithm::RsaPss(p) = algorithm
                    && p.salt_len != p.hash.output_len()
                {
                    return Err(unsupported());
                }
                let encoding: &'static dyn sig::RsaEncoding = match (hash, is_pss) {
                    (HashAlgorithm::Sha256, false) => &sig::RSA_PKCS1_SHA256,
                    (HashAlgorithm::Sha384, false) => &sig::RSA_PKCS1_SHA384,
                    (HashAlgorithm::Sha512, false) => &sig::RSA_PKCS1_SHA512,
                    (HashAlgorithm::Sha256, true) => &sig::RSA_PSS_SHA256,
                    (HashAlgorithm::Sha384, true) => &sig::RSA_PSS_SHA384,
                    (HashAlgorithm::Sha512, true) => &sig::RSA_PSS_SHA512,
                    _ => return Err(unsupported()),
                };
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(encoding, &SystemRandom::new(), message, &mut out)
                    .map_err(backend_err)?;
                Ok(out)
            }
            (AwsLcKey::Ec { pair, curve }, SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                let natural = match curve {
                    Curve::P256 => HashAlgorithm::Sha256,
                    _ => HashAlgorithm::Sha384,
                };
                if *hash != natural {
                    return Err(unsupported());
                }
                let fixed = pair
                    .sign(&SystemRandom::new(), message)
                    .map_err(backend_err)?;
                Ok(encode_ecdsa(fixed.as_ref(), *encoding))
            }
            _ => Err(unsupported()),
        }
    }
}
