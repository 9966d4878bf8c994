//! The generic backend: RSA and short-Weierstrass ECDSA over plain big integers.
//!
//! It covers what no other backend does (brainpoolP224r1/P320r1/P512r1, P-224, SHA-224
//! RSA, PSS with an MGF1 hash other than the message hash, unusual exponents or sizes)
//! and doubles as an independent cross-check of the others in tests. It handles public
//! data only, so variable-time arithmetic is acceptable here.

use std::sync::Arc;

use num_bigint::BigUint;

use super::{Backend, PreparedKey};
use crate::algorithm::SignatureAlgorithm;
use crate::curve::Curve;
use crate::error::KeyError;
use crate::hash::HashAlgorithm;
use crate::key::{EcPublicKey, PublicKey, RsaPublicKey};
use crate::pss::PssParams;
use crate::weierstrass::{self, AffinePoint};

/// The generic backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generic;

/// The ASN.1 DigestInfo prefix for each hash (RFC 8017 §9.2 note 1).
#[must_use]
pub fn digest_info_prefix(hash: HashAlgorithm) -> &'static [u8] {
    match hash {
        HashAlgorithm::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        HashAlgorithm::Sha224 => &[
            0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x04, 0x05, 0x00, 0x04, 0x1c,
        ],
        HashAlgorithm::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlgorithm::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlgorithm::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
    }
}

/// MGF1 (RFC 8017 §B.2.1).
#[must_use]
pub fn mgf1(hash: HashAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        out.extend_from_slice(&hash.digest_parts(&[seed, &counter.to_be_bytes()]));
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// An RSA public key as big integers.
#[derive(Debug, Clone)]
pub struct RsaRaw {
    n: BigUint,
    e: BigUint,
    bits: usize,
}

impl RsaRaw {
    /// Builds the raw key.
    #[must_use]
    pub fn new(key: &RsaPublicKey) -> Self {
        RsaRaw {
            n: BigUint::from_bytes_be(&key.modulus),
            e: BigUint::from_bytes_be(&key.exponent),
            bits: key.bits(),
        }
    }

    /// The RSA public operation `s^e mod n` as `len` big-endian bytes; `None` when
    /// `s >= n` or the result does not fit (RFC 8017 RSAVP1 + I2OSP).
    #[must_use]
    pub fn public_op(&self, signature: &[u8], len: usize) -> Option<Vec<u8>> {
        let s = BigUint::from_bytes_be(signature);
        if s >= self.n {
            return None;
        }
        let m = s.modpow(&self.e, &self.n).to_bytes_be();
        if m.len() > len {
            return None;
        }
        let mut out = vec![0u8; len - m.len()];
        out.extend_from_slice(&m);
        Some(out)
    }

    fn verify_pkcs1(&self, hash: HashAlgorithm, message: &[u8], signature: &[u8]) -> bool {
        let k = self.bits.div_ceil(8);
        let Some(em) = self.public_op(signature, k) else {
            return false;
        };
        let prefix = digest_info_prefix(hash);
        let t_len = prefix.len() + hash.output_len();
        if k < t_len + 11 {
            return false;
        }
        let mut expected = vec![0x00, 0x01];
        expected.resize(k - t_len - 1, 0xff);
        expected.push(0x00);
        expected.extend_from_slice(prefix);
        expected.extend_from_slice(&hash.digest(message));
        em == expected
    }

    fn verify_pss(&self, p: &PssParams, message: &[u8], signature: &[u8]) -> bool {
        let h_len = p.hash.output_len();
        let em_bits = self.bits - 1;
        let em_len = em_bits.div_ceil(8);
        let Some(em) = self.public_op(signature, em_len) else {
            return false;
        };
        if em_len < h_len + p.salt_len + 2 || em.last() != Some(&0xbc) {
            return false;
        }
        let db_len = em_len - h_len - 1;
        let (Some(masked_db), Some(h)) = (em.get(..db_len), em.get(db_len..em_len - 1)) else {
            return false;
        };
        let unused_bits = 8 * em_len - em_bits;
        let top_mask = 0xffu8.checked_shr(unused_bits as u32).unwrap_or(0);
        if masked_db.first().is_some_and(|b| b & !top_mask != 0) {
            return false;
        }
        let mut db: Vec<u8> = masked_db
            .iter()
            .zip(mgf1(p.mgf1_hash, h, db_len))
            .map(|(a, b)| a ^ b)
            .collect();
        if let Some(first) = db.first_mut() {
            *first &= top_mask;
        }
        let ps_len = db_len - p.salt_len - 1;
        let (Some(ps), Some(one)) = (db.get(..ps_len), db.get(ps_len)) else {
            return false;
        };
        if ps.iter().any(|b| *b != 0) || *one != 0x01 {
            return false;
        }
        let salt = db.get(ps_len + 1..).unwrap_or_default();
        let m_hash = p.hash.digest(message);
        let h_prime = p.hash.digest_parts(&[&[0u8; 8], &m_hash, salt]);
        h_prime == h
    }
}

struct RsaKey {
    raw: RsaRaw,
    algorithm: SignatureAlgorithm,
}

impl PreparedKey for RsaKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.algorithm {
            SignatureAlgorithm::RsaPkcs1 { hash } => {
                self.raw.verify_pkcs1(*hash, message, signature)
            }
            SignatureAlgorithm::RsaPss(p) => self.raw.verify_pss(p, message, signature),
            SignatureAlgorithm::Ecdsa { .. } => false,
        }
    }
}

struct EcdsaKey {
    curve: Curve,
    point: AffinePoint,
    hash: HashAlgorithm,
}

impl PreparedKey for EcdsaKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let (r, s) = signature.split_at(signature.len() / 2);
        let digest = self.hash.digest(message);
        weierstrass::verify_prehash(
            self.curve,
            &self.point,
            &digest,
            &BigUint::from_bytes_be(r),
            &BigUint::from_bytes_be(s),
        )
    }
}

fn prepare_ec(key: &EcPublicKey, hash: HashAlgorithm) -> Result<Arc<dyn PreparedKey>, KeyError> {
    let point =
        weierstrass::decode_point(key.curve, &key.point).map_err(|e| KeyError::BadPoint {
            curve: key.curve.name(),
            reason: e.to_string(),
        })?;
    Ok(Arc::new(EcdsaKey {
        curve: key.curve,
        point,
        hash,
    }))
}

impl Backend for Generic {
    fn name(&self) -> &'static str {
        "generic"
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
            ) => Some(Ok(Arc::new(RsaKey {
                raw: RsaRaw::new(k),
                algorithm: *algorithm,
            }))),
            (PublicKey::Ec(k), SignatureAlgorithm::Ecdsa { hash, .. }) => {
                Some(prepare_ec(k, *hash))
            }
            _ => None,
        }
    }
}
