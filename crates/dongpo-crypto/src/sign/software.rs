//! Pure-Rust signing keys: `rsa`, `p256`/`p384`/`p521`/`bp256`/`bp384`, and the generic
//! big-integer ECDSA for the remaining curves (test PKIs only: it is not constant time).

use num_bigint::BigUint;
use rand_core::CryptoRng;
use signature::hazmat::PrehashSigner;
use zeroize::Zeroizing;

use super::{KeySpec, encode_ecdsa};
use crate::algorithm::SignatureAlgorithm;
use crate::curve::Curve;
use crate::error::SignError;
use crate::hash::HashAlgorithm;
use crate::key::{EcPublicKey, PublicKey, RsaPublicKey};
use crate::weierstrass;

/// A software private key.
pub(super) enum SoftwareKey {
    Rsa(Box<rsa::PrivateKey>),
    Ec { curve: Curve, d: Zeroizing<Vec<u8>> },
}

fn backend_err(e: impl std::fmt::Display) -> SignError {
    SignError::Backend(e.to_string())
}

/// Macro-free dispatch: sign a prehash on a curve a RustCrypto crate covers.
fn sign_rust_crypto(curve: Curve, d: &[u8], digest: &[u8]) -> Option<Result<Vec<u8>, SignError>> {
    fn run<K, S>(
        key: Result<K, ecdsa::Error>,
        digest: &[u8],
        to_bytes: fn(&S) -> Vec<u8>,
    ) -> Result<Vec<u8>, SignError>
    where
        K: PrehashSigner<S>,
    {
        let key = key.map_err(backend_err)?;
        let sig = key.sign_prehash(digest).map_err(backend_err)?;
        Ok(to_bytes(&sig))
    }
    Some(match curve {
        Curve::P256 => run(
            p256::ecdsa::SigningKey::from_slice(d),
            digest,
            |s: &p256::ecdsa::Signature| s.to_bytes().to_vec(),
        ),
        Curve::P384 => run(
            p384::ecdsa::SigningKey::from_slice(d),
            digest,
            |s: &p384::ecdsa::Signature| s.to_bytes().to_vec(),
        ),
        Curve::P521 => run(
            p521::ecdsa::SigningKey::from_slice(d),
            digest,
            |s: &p521::ecdsa::Signature| s.to_bytes().to_vec(),
        ),
        Curve::BrainpoolP256r1 => run(
            ecdsa::SigningKey::<bp256::BrainpoolP256r1>::from_slice(d),
            digest,
            |s: &bp256::r1::ecdsa::Signature| s.to_bytes().to_vec(),
        ),
        Curve::BrainpoolP384r1 => run(
            ecdsa::SigningKey::<bp384::BrainpoolP384r1>::from_slice(d),
            digest,
            |s: &bp384::r1::ecdsa::Signature| s.to_bytes().to_vec(),
        ),
        _ => return None,
    })
}

/// Deterministic ECDSA for curves without a RustCrypto crate: the nonce is derived
/// from the key and the digest (never reused across messages), retried until valid.
fn sign_generic(curve: Curve, d: &[u8], digest: &[u8]) -> Result<Vec<u8>, SignError> {
    let n = &curve.params().n;
    let d_int = BigUint::from_bytes_be(d);
    let scalar_len = curve.order_bits().div_ceil(8);
    for counter in 0u32..16 {
        let seed = HashAlgorithm::Sha512.digest_parts(&[
            b"dongpo-nonce",
            d,
            digest,
            &counter.to_be_bytes(),
        ]);
        let extra = HashAlgorithm::Sha512.digest_parts(&[&seed]);
        let k = BigUint::from_bytes_be(&[seed, extra].concat()) % n;
        if let Some((r, s)) = weierstrass::sign_prehash_with_nonce(curve, &d_int, &k, digest) {
            let mut fixed = vec![0u8; 2 * scalar_len];
            let (r, s) = (r.to_bytes_be(), s.to_bytes_be());
            let (r_dst, s_dst) = fixed.split_at_mut(scalar_len);
            r_dst
                .get_mut(scalar_len - r.len()..)
                .ok_or_else(|| backend_err("r too long"))?
                .copy_from_slice(&r);
            s_dst
                .get_mut(scalar_len - s.len()..)
                .ok_or_else(|| backend_err("s too long"))?
                .copy_from_slice(&s);
            return Ok(fixed);
        }
    }
    Err(backend_err("no valid nonce found"))
}

impl SoftwareKey {
    pub(super) fn generate<R: CryptoRng + ?Sized>(
        spec: KeySpec,
        rng: &mut R,
    ) -> Result<Self, SignError> {
        match spec {
            KeySpec::Rsa(bits) => {
                if !(1024..=8192).contains(&bits) {
                    return Err(SignError::Unsupported(format!("RSA-{bits}")));
                }
                let key = rsa::PrivateKey::new(rng, bits).map_err(backend_err)?;
                Ok(SoftwareKey::Rsa(Box::new(key)))
            }
            KeySpec::Ec(curve) => {
                let n = &curve.params().n;
                let len = curve.order_bits().div_ceil(8);
                loop {
                    let mut bytes = Zeroizing::new(vec![0u8; len + 16]);
                    rng.fill_bytes(&mut bytes);
                    let d = BigUint::from_bytes_be(&bytes) % n;
                    if d.bits() > 0 {
                        let mut out = Zeroizing::new(vec![0u8; len]);
                        let raw = d.to_bytes_be();
                        if let Some(dst) = out.get_mut(len - raw.len()..) {
                            dst.copy_from_slice(&raw);
                        }
                        return Ok(SoftwareKey::Ec { curve, d: out });
                    }
                }
            }
        }
    }

    #[cfg_attr(not(feature = "aws-lc"), allow(dead_code))] // only the AWS-LC copy needs it
    pub(super) fn spec(&self) -> KeySpec {
        match self {
            SoftwareKey::Rsa(k) => {
                KeySpec::Rsa(rsa::traits::PublicKeyParts::n(k.as_ref()).bit_width() as usize)
            }
            SoftwareKey::Ec { curve, .. } => KeySpec::Ec(*curve),
        }
    }

    pub(super) fn backend(&self) -> &'static str {
        match self {
            SoftwareKey::Ec { curve, .. } if sign_rust_crypto_supported(*curve) => "rust-crypto",
            SoftwareKey::Ec { .. } => "generic",
            SoftwareKey::Rsa(_) => "rust-crypto",
        }
    }

    pub(super) fn public_key(&self) -> Result<PublicKey, SignError> {
        match self {
            SoftwareKey::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                let modulus = k.n().to_be_bytes_trimmed_vartime().to_vec();
                let exponent = k.e().to_be_bytes_trimmed_vartime().to_vec();
                Ok(PublicKey::Rsa(RsaPublicKey {
                    modulus,
                    exponent,
                    pss_restriction: None,
                }))
            }
            SoftwareKey::Ec { curve, d } => {
                let point = weierstrass::public_key(*curve, &BigUint::from_bytes_be(d))
                    .ok_or_else(|| SignError::BadKey("private scalar out of range".into()))?;
                Ok(PublicKey::Ec(EcPublicKey {
                    curve: *curve,
                    point: weierstrass::encode_point(*curve, &point),
                    explicit_parameters: false,
                }))
            }
        }
    }

    pub(super) fn sign<R: CryptoRng + ?Sized>(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, SignError> {
        let hash = algorithm.hash();
        let digest = hash.digest(message);
        match (self, algorithm) {
            (SoftwareKey::Rsa(key), SignatureAlgorithm::RsaPkcs1 { .. }) => {
                key.sign(pkcs1_scheme(hash), &digest).map_err(backend_err)
            }
            (SoftwareKey::Rsa(key), SignatureAlgorithm::RsaPss(p)) => {
                let salt = p.salt_len;
                let result = match hash {
                    HashAlgorithm::Sha1 => {
                        key.sign_with_rng(rng, rsa::Pss::<sha1::Sha1>::new_with_salt(salt), &digest)
                    }
                    HashAlgorithm::Sha224 => key.sign_with_rng(
                        rng,
                        rsa::Pss::<sha2::Sha224>::new_with_salt(salt),
                        &digest,
                    ),
                    HashAlgorithm::Sha256 => key.sign_with_rng(
                        rng,
                        rsa::Pss::<sha2::Sha256>::new_with_salt(salt),
                        &digest,
                    ),
                    HashAlgorithm::Sha384 => key.sign_with_rng(
                        rng,
                        rsa::Pss::<sha2::Sha384>::new_with_salt(salt),
                        &digest,
                    ),
                    HashAlgorithm::Sha512 => key.sign_with_rng(
                        rng,
                        rsa::Pss::<sha2::Sha512>::new_with_salt(salt),
                        &digest,
                    ),
                };
                result.map_err(backend_err)
            }
            (SoftwareKey::Ec { curve, d }, SignatureAlgorithm::Ecdsa { encoding, .. }) => {
                let fixed = match sign_rust_crypto(*curve, d, &digest) {
                    Some(result) => result?,
                    None => sign_generic(*curve, d, &digest)?,
                };
                Ok(encode_ecdsa(&fixed, *encoding))
            }
            _ => Err(SignError::Unsupported(algorithm.name())),
        }
    }
}

fn sign_rust_crypto_supported(curve: Curve) -> bool {
    matches!(
        curve,
        Curve::P256 | Curve::P384 | Curve::P521 | Curve::BrainpoolP256r1 | Curve::BrainpoolP384r1
    )
}

fn pkcs1_scheme(hash: HashAlgorithm) -> rsa::Pkcs1v15Sign {
    match hash {
        HashAlgorithm::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlgorithm::Sha224 => rsa::Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}
