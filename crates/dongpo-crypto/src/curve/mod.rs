//! The table of named prime-field elliptic curves an ePassport may use.
//!
//! ICAO Doc 9303 allows ECDSA over the NIST prime curves and the Brainpool
//! `r1` curves (RFC 5639). Certificates refer to a curve either by its
//! named-curve OID or by spelling out the explicit domain parameters
//! (`ECParameters`, RFC 3279 / X9.62), which is common in passport CSCA and
//! document-signer certificates. [`Curve::from_oid`] handles the first form and
//! [`Curve::from_explicit`] recognises the second by exact comparison with the
//! table, never by guessing.
//!
//! Every constant below was checked against `openssl ecparam -name <curve>
//! -param_enc explicit -text -noout` (OpenSSL 3.0); the unit tests carry that
//! OpenSSL output verbatim and compare it with the table.

use std::fmt;
use std::sync::OnceLock;

use num_bigint::BigUint;

mod params;
#[cfg(test)]
mod tests;

use params::{
    BRAINPOOL_P224R1_HEX, BRAINPOOL_P256R1_HEX, BRAINPOOL_P320R1_HEX, BRAINPOOL_P384R1_HEX,
    BRAINPOOL_P512R1_HEX, P224_HEX, P256_HEX, P384_HEX, P521_HEX,
};

/// A named elliptic curve over a prime field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Curve {
    /// NIST P-224 (secp224r1).
    P224,
    /// NIST P-256 (secp256r1, prime256v1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP224r1 (RFC 5639).
    BrainpoolP224r1,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP320r1 (RFC 5639).
    BrainpoolP320r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639).
    BrainpoolP512r1,
}

/// Domain parameters of a short-Weierstrass curve `y^2 = x^3 + a*x + b` over
/// the prime field `GF(p)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurveParams {
    /// The field prime `p`.
    pub p: BigUint,
    /// The curve coefficient `a` (reduced, `0 <= a < p`).
    pub a: BigUint,
    /// The curve coefficient `b` (reduced, `0 <= b < p`).
    pub b: BigUint,
    /// The affine x-coordinate of the base point `G`.
    pub gx: BigUint,
    /// The affine y-coordinate of the base point `G`.
    pub gy: BigUint,
    /// The (prime) order `n` of the base point.
    pub n: BigUint,
    /// The cofactor `h` (1 for every curve in this table).
    pub h: u32,
}
/// Dotted-decimal OID prefix of the Brainpool `r1` curves (RFC 5639, `ecStdCurvesAndGeneration`).
macro_rules! brainpool_oid {
    ($last:literal) => {
        concat!("1.3.36.3.3.2.8.1.1.", $last)
    };
}

impl Curve {
    /// Every curve in the table, in declaration order.
    pub const ALL: [Curve; 9] = [
        Curve::P224,
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::BrainpoolP224r1,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP320r1,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
    ];

    /// The conventional name: `"P-224"`, `"P-256"`, `"P-384"`, `"P-521"`,
    /// `"brainpoolP224r1"`, ..., `"brainpoolP512r1"`.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P224 => "P-224",
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
            Curve::BrainpoolP224r1 => "brainpoolP224r1",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP320r1 => "brainpoolP320r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
            Curve::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }

    /// The dotted-decimal named-curve OID (as used in `ECParameters.namedCurve`).
    pub fn oid(self) -> &'static str {
        match self {
            Curve::P224 => "1.3.132.0.33",
            Curve::P256 => "1.2.840.10045.3.1.7",
            Curve::P384 => "1.3.132.0.34",
            Curve::P521 => "1.3.132.0.35",
            Curve::BrainpoolP224r1 => brainpool_oid!("5"),
            Curve::BrainpoolP256r1 => brainpool_oid!("7"),
            Curve::BrainpoolP320r1 => brainpool_oid!("9"),
            Curve::BrainpoolP384r1 => brainpool_oid!("11"),
            Curve::BrainpoolP512r1 => brainpool_oid!("13"),
        }
    }

    /// Looks a curve up by its dotted-decimal named-curve OID (exact match).
    pub fn from_oid(oid: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.oid() == oid)
    }

    /// Size in bytes of a field element (`ceil(log2(p) / 8)`), i.e. the length
    /// of one coordinate in a SEC1 point encoding.
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::P224 | Curve::BrainpoolP224r1 => 28,
            Curve::P256 | Curve::BrainpoolP256r1 => 32,
            Curve::BrainpoolP320r1 => 40,
            Curve::P384 | Curve::BrainpoolP384r1 => 48,
            Curve::BrainpoolP512r1 => 64,
            Curve::P521 => 66,
        }
    }

    /// Bit length of the group order `n`.
    pub fn order_bits(self) -> usize {
        match self {
            Curve::P224 | Curve::BrainpoolP224r1 => 224,
            Curve::P256 | Curve::BrainpoolP256r1 => 256,
            Curve::BrainpoolP320r1 => 320,
            Curve::P384 | Curve::BrainpoolP384r1 => 384,
            Curve::BrainpoolP512r1 => 512,
            Curve::P521 => 521,
        }
    }

    /// The domain parameters, built once per curve on first use.
    pub fn params(self) -> &'static CurveParams {
        static P224: OnceLock<CurveParams> = OnceLock::new();
        static P256: OnceLock<CurveParams> = OnceLock::new();
        static P384: OnceLock<CurveParams> = OnceLock::new();
        static P521: OnceLock<CurveParams> = OnceLock::new();
        static BP224: OnceLock<CurveParams> = OnceLock::new();
        static BP256: OnceLock<CurveParams> = OnceLock::new();
        static BP320: OnceLock<CurveParams> = OnceLock::new();
        static BP384: OnceLock<CurveParams> = OnceLock::new();
        static BP512: OnceLock<CurveParams> = OnceLock::new();
        let (cell, hex) = match self {
            Curve::P224 => (&P224, &P224_HEX),
            Curve::P256 => (&P256, &P256_HEX),
            Curve::P384 => (&P384, &P384_HEX),
            Curve::P521 => (&P521, &P521_HEX),
            Curve::BrainpoolP224r1 => (&BP224, &BRAINPOOL_P224R1_HEX),
            Curve::BrainpoolP256r1 => (&BP256, &BRAINPOOL_P256R1_HEX),
            Curve::BrainpoolP320r1 => (&BP320, &BRAINPOOL_P320R1_HEX),
            Curve::BrainpoolP384r1 => (&BP384, &BRAINPOOL_P384R1_HEX),
            Curve::BrainpoolP512r1 => (&BP512, &BRAINPOOL_P512R1_HEX),
        };
        cell.get_or_init(|| CurveParams::from_hex(hex))
    }

    /// Recognises explicit `ECParameters` (X9.62 / RFC 3279) as one of the
    /// curves in the table.
    ///
    /// * `p` and `n` are big-endian unsigned integers (the content of the DER
    ///   INTEGERs, so a leading `0x00` byte, or several, is fine).
    /// * `a` and `b` are the field-element OCTET STRINGs; they are compared as
    ///   integers, so encodings shorter than the field size (leading zero
    ///   bytes dropped, seen in the wild) are accepted.
    /// * `generator` is a SEC1 point: uncompressed `04||x||y` or compressed
    ///   `02/03||x`, each coordinate exactly `field_bytes` long. A compressed
    ///   generator matches when `x` equals the table's `Gx` and the parity bit
    ///   equals that of `Gy`; since `p`, `a` and `b` were already matched this
    ///   is equivalent to decompressing and comparing the point.
    /// * `cofactor`, when present, must equal the table's cofactor (1).
    ///
    /// The optional curve `seed` plays no part. Returns `None` for anything
    /// that is not exactly a known curve.
    pub fn from_explicit(
        p: &[u8],
        a: &[u8],
        b: &[u8],
        generator: &[u8],
        n: &[u8],
        cofactor: Option<&[u8]>,
    ) -> Option<Curve> {
        let p = BigUint::from_bytes_be(p);
        let a = BigUint::from_bytes_be(a);
        let b = BigUint::from_bytes_be(b);
        let n = BigUint::from_bytes_be(n);
        let h = cofactor.map(BigUint::from_bytes_be);
        Curve::ALL.into_iter().find(|&curve| {
            let prm = curve.params();
            prm.p == p
                && prm.a == a
                && prm.b == b
                && prm.n == n
                && h.as_ref().is_none_or(|h| *h == BigUint::from(prm.h))
                && generator_matches(curve, generator)
        })
    }
}

/// `true` when `encoded` is a SEC1 encoding of the base point of `curve`.
fn generator_matches(curve: Curve, encoded: &[u8]) -> bool {
    let prm = curve.params();
    let fb = curve.field_bytes();
    let Some((&tag, rest)) = encoded.split_first() else {
        return false;
    };
    match tag {
        0x04 if rest.len() == 2 * fb => {
            let (x, y) = rest.split_at(fb);
            BigUint::from_bytes_be(x) == prm.gx && BigUint::from_bytes_be(y) == prm.gy
        }
        0x02 | 0x03 if rest.len() == fb => {
            BigUint::from_bytes_be(rest) == prm.gx && prm.gy.bit(0) == (tag == 0x03)
        }
        _ => false,
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
