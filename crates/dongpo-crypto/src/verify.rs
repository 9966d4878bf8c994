//! The entry point for signature verification: key/algorithm checks, signature
//! normalisation, backend choice and a cache of prepared keys.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::algorithm::{EcdsaEncoding, SignatureAlgorithm};
use crate::backend::{self, Backend, PreparedKey};
use crate::ecdsa_sig::EcdsaSignature;
use crate::error::{KeyError, VerifyError};
use crate::key::PublicKey;

/// Prepared keys kept before the cache starts over; far above any trust store.
const CACHE_CAPACITY: usize = 8192;

/// Verifies signatures with the first backend that supports each key and algorithm.
pub struct Verifier {
    backends: Vec<Arc<dyn Backend>>,
    cache: RwLock<HashMap<(PublicKey, SignatureAlgorithm), VerifyingKey>>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.backends.iter().map(|b| b.name()).collect();
        f.debug_struct("Verifier")
            .field("backends", &names)
            .finish()
    }
}

/// What a well-formed signature looks like for a prepared key.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Rsa {
        len: usize,
    },
    Ecdsa {
        scalar_len: usize,
        encoding: EcdsaEncoding,
    },
}

/// A key prepared by one backend for one algorithm; cheap to clone and share.
#[derive(Clone)]
pub struct VerifyingKey {
    prepared: Arc<dyn PreparedKey>,
    shape: Shape,
    backend: &'static str,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Verifies `signature` (as found on the wire: DER or plain for ECDSA) over `message`.
    ///
    /// # Errors
    /// [`VerifyError::MalformedSignature`] when the encoding is wrong,
    /// [`VerifyError::Invalid`] when the signature does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let ok = match self.shape {
            Shape::Rsa { len } => {
                // RFC 8017 §8.2.2: a signature that is not exactly k octets is invalid.
                if signature.len() != len {
                    return Err(VerifyError::MalformedSignature(format!(
                        "RSA signature of {} bytes for a {len}-byte modulus",
                        signature.len()
                    )));
                }
                self.prepared.verify(message, signature)
            }
            Shape::Ecdsa {
                scalar_len,
                encoding,
            } => {
                let sig = match encoding {
                    EcdsaEncoding::Der => EcdsaSignature::from_der(signature)?,
                    EcdsaEncoding::Plain => EcdsaSignature::from_plain(signature, scalar_len)?,
                };
                match sig.to_fixed(scalar_len) {
                    Some(fixed) => self.prepared.verify(message, &fixed),
                    None => false,
                }
            }
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::Invalid)
        }
    }

    /// The backend that prepared this key.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        self.backend
    }
}

/// Refuses key/algorithm pairs that must never be combined.
fn check_pairing(key: &PublicKey, algorithm: &SignatureAlgorithm) -> Result<Shape, KeyError> {
    let mismatch = || KeyError::Mismatch {
        key: key.description(),
        algorithm: algorithm.name(),
    };
    // The size limits hold for keys built field by field too, before any backend (the
    // generic one would run an unbounded modpow) sees them.
    if let PublicKey::Rsa(rsa) = key {
        rsa.check()?;
    }
    match (key, algorithm) {
        (PublicKey::Rsa(rsa), SignatureAlgorithm::RsaPkcs1 { .. }) => {
            if rsa.pss_restriction.is_some() {
                return Err(mismatch());
            }
            Ok(Shape::Rsa {
                len: rsa.byte_len(),
            })
        }
        (PublicKey::Rsa(rsa), SignatureAlgorithm::RsaPss(params)) => {
            if let Some(Some(allowed)) = rsa.pss_restriction
                && allowed != *params
            {
                return Err(mismatch());
            }
            Ok(Shape::Rsa {
                len: rsa.byte_len(),
            })
        }
        (PublicKey::Ec(ec), SignatureAlgorithm::Ecdsa { encoding, .. }) => Ok(Shape::Ecdsa {
            scalar_len: ec.curve.order_bits().div_ceil(8),
            encoding: *encoding,
        }),
        _ => Err(mismatch()),
    }
}

impl Verifier {
    /// A verifier over every backend compiled in, fastest first.
    #[must_use]
    pub fn new() -> Self {
        Self::with_backends(backend::all())
    }

    /// A verifier over exactly these backends, asked in order.
    #[must_use]
    pub fn with_backends(backends: Vec<Arc<dyn Backend>>) -> Self {
        Verifier {
            backends,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The backends, in the order they are asked.
    #[must_use]
    pub fn backends(&self) -> &[Arc<dyn Backend>] {
        &self.backends
    }

    /// Prepares (or fetches from the cache) `key` for `algorithm`.
    ///
    /// # Errors
    /// [`VerifyError::Key`] for a key that cannot be used with the algorithm,
    /// [`VerifyError::Unsupported`] when no backend implements the combination.
    pub fn prepare(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
    ) -> Result<VerifyingKey, VerifyError> {
        let cache_key = (key.clone(), *algorithm);
        if let Ok(cache) = self.cache.read()
            && let Some(hit) = cache.get(&cache_key)
        {
            return Ok(hit.clone());
        }
        let shape = check_pairing(key, algorithm)?;
        let mut last_error = None;
        for backend in &self.backends {
            match backend.prepare(key, algorithm) {
                Some(Ok(prepared)) => {
                    let verifying = VerifyingKey {
                        prepared,
                        shape,
                        backend: backend.name(),
                    };
                    if let Ok(mut cache) = self.cache.write() {
                        if cache.len() >= CACHE_CAPACITY {
                            cache.clear();
                        }
                        cache.insert(cache_key, verifying.clone());
                    }
                    return Ok(verifying);
                }
                Some(Err(e)) => last_error = Some(e),
                None => {}
            }
        }
        Err(match last_error {
            Some(e) => VerifyError::Key(e),
            None => {
                VerifyError::Unsupported(format!("{} with {}", algorithm.name(), key.description()))
            }
        })
    }

    /// Verifies `signature` over `message` with `key` under `algorithm`.
    ///
    /// # Errors
    /// As [`Verifier::prepare`] and [`VerifyingKey::verify`].
    pub fn verify(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        self.prepare(key, algorithm)?.verify(message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Curve, HashAlgorithm, KeySpec, PssParams, SigningKey};

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    #[test]
    fn every_backend_agrees_on_signatures_made_by_every_signer() {
        let msg = b"signedAttrs stand-in";
        let cases = [
            (
                KeySpec::Rsa(2048),
                SignatureAlgorithm::RsaPkcs1 {
                    hash: HashAlgorithm::Sha256,
                },
            ),
            (
                KeySpec::Rsa(2048),
                SignatureAlgorithm::RsaPss(PssParams::with_hash(HashAlgorithm::Sha256)),
            ),
            (
                KeySpec::Ec(Curve::P256),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha256,
                    encoding: EcdsaEncoding::Der,
                },
            ),
            (
                KeySpec::Ec(Curve::P384),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha384,
                    encoding: EcdsaEncoding::Plain,
                },
            ),
            (
                KeySpec::Ec(Curve::BrainpoolP256r1),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha256,
                    encoding: EcdsaEncoding::Der,
                },
            ),
            (
                KeySpec::Ec(Curve::BrainpoolP320r1),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha256,
                    encoding: EcdsaEncoding::Plain,
                },
            ),
            (
                KeySpec::Ec(Curve::P224),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha224,
                    encoding: EcdsaEncoding::Der,
                },
            ),
            (
                KeySpec::Ec(Curve::P521),
                SignatureAlgorithm::Ecdsa {
                    hash: HashAlgorithm::Sha1,
                    encoding: EcdsaEncoding::Der,
                },
            ),
        ];
        for (spec, alg) in cases {
            let key = SigningKey::generate_with_rng(spec, &mut rng()).unwrap();
            let fast = key.sign(&alg, msg).unwrap();
            let seeded = key.sign_with_rng(&alg, msg, &mut rng()).unwrap();
            let mut supporting = 0;
            for b in backend::all() {
                let verifier = Verifier::with_backends(vec![b.clone()]);
                let Ok(prepared) = verifier.prepare(key.public_key(), &alg) else {
                    continue;
                };
                supporting += 1;
                for sig in [&fast, &seeded] {
                    assert_eq!(prepared.verify(msg, sig), Ok(()), "{alg} on {}", b.name());
                    assert_eq!(
                        prepared.verify(b"other message", sig),
                        Err(VerifyError::Invalid),
                        "{alg} on {}",
                        b.name()
                    );
                }
            }
            assert!(supporting >= 1, "{alg}: no backend");
        }
    }

    #[test]
    fn refuses_key_and_algorithm_that_do_not_belong_together() {
        let ec = SigningKey::generate_with_rng(KeySpec::Ec(Curve::P256), &mut rng()).unwrap();
        let rsa_alg = SignatureAlgorithm::RsaPkcs1 {
            hash: HashAlgorithm::Sha256,
        };
        let err = Verifier::new()
            .verify(ec.public_key(), &rsa_alg, b"m", &[0; 64])
            .unwrap_err();
        assert!(
            matches!(err, VerifyError::Key(KeyError::Mismatch { .. })),
            "{err}"
        );
    }

    #[test]
    fn malformed_signatures_are_named_not_just_invalid() {
        let key = SigningKey::generate_with_rng(KeySpec::Ec(Curve::P256), &mut rng()).unwrap();
        let alg = SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        };
        let err = Verifier::new()
            .verify(key.public_key(), &alg, b"m", b"\x30\x03garbage")
            .unwrap_err();
        assert!(matches!(err, VerifyError::MalformedSignature(_)), "{err}");
        let rsa = SigningKey::generate_with_rng(KeySpec::Rsa(1024), &mut rng()).unwrap();
        let alg = SignatureAlgorithm::RsaPkcs1 {
            hash: HashAlgorithm::Sha256,
        };
        let err = Verifier::new()
            .verify(rsa.public_key(), &alg, b"m", &[1; 127])
            .unwrap_err();
        assert!(matches!(err, VerifyError::MalformedSignature(_)), "{err}");
    }
}
