//! Generic short-Weierstrass ECDSA over the curves of [`crate::curve`].
//!
//! This is a plain, safe implementation for the curves that no fast, audited
//! crate covers (P-224, brainpoolP224r1, brainpoolP320r1, brainpoolP512r1) and
//! an independent cross-check of the others. The public API speaks
//! [`BigUint`]; internally field elements are fixed-size little-endian limb
//! arrays in Montgomery form (no heap allocation per field operation), which
//! works for any odd prime below 2^575 (P-521 needs 9 limbs).
//!
//! Points are kept in Jacobian coordinates `(X, Y, Z) ~ (X/Z^2, Y/Z^3)` so no
//! modular inversion is needed per group operation. `u1*G + u2*Q` is computed
//! with interleaved width-w NAF (Shamir's trick generalised): one shared
//! doubling chain, a per-curve cached table of odd multiples of `G` and a
//! per-call table of odd multiples of `Q`, added with mixed (Jacobian + affine)
//! additions.
//!
//! # Side channels
//!
//! **Everything here is variable time.** Branches, table look-ups and the
//! arithmetic all depend on the scalars and coordinates. That is fine for
//! signature *verification*, where every input (public key, digest,
//! signature) is public. For signing, [`sign_prehash_with_nonce`] exists only to
//! produce deterministic test fixtures. The one place it handles secrets is key
//! agreement ([`crate::agreement`], via [`public_key`] and [`mul_add`]) on the four
//! curves no maintained constant-time crate covers (P-224, brainpoolP224r1,
//! brainpoolP320r1, brainpoolP512r1); that module documents the exposure.
//!
//! # Validation
//!
//! Every curve in the table has cofactor 1, so any affine point that satisfies
//! the curve equation lies in the prime-order group; [`decode_point`] and
//! [`verify_prehash`] therefore check range and curve membership only.

use std::fmt;
use std::sync::OnceLock;

use num_bigint::BigUint;
use num_traits::{One, Zero};

use crate::curve::Curve;

mod field;
mod point;
mod scalar;
#[cfg(test)]
mod tests;

use field::{Fe, MAX_LIMBS, SqrtMethod, limbs_of};
use point::AffineFe;

/// An affine point known to be on the curve (not infinity).
///
/// The fields are public for convenience; functions of this module that take
/// an `AffinePoint` from the caller re-check that it is on the curve where it
/// matters (see [`verify_prehash`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AffinePoint {
    /// The x-coordinate, `0 <= x < p`.
    pub x: BigUint,
    /// The y-coordinate, `0 <= y < p`.
    pub y: BigUint,
}

/// Why a SEC1 point encoding was rejected by [`decode_point`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PointError {
    /// The encoding is empty or its length does not match its format and the curve.
    Length,
    /// The leading format byte is not `0x02`, `0x03` or `0x04` (hybrid forms
    /// `0x06`/`0x07` are not accepted).
    Encoding,
    /// The coordinates do not satisfy the curve equation (for a compressed
    /// point: `x^3 + a*x + b` is not a square).
    NotOnCurve,
    /// The encoding is the point at infinity (a single `0x00` byte).
    Infinity,
    /// A coordinate is not smaller than the field prime `p`.
    CoordinateOutOfRange,
}

impl fmt::Display for PointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PointError::Length => "EC point encoding has the wrong length",
            PointError::Encoding => "EC point encoding has an unsupported format byte",
            PointError::NotOnCurve => "EC point is not on the curve",
            PointError::Infinity => "EC point is the point at infinity",
            PointError::CoordinateOutOfRange => "EC point coordinate is not reduced modulo p",
        })
    }
}

impl std::error::Error for PointError {}

/// Decodes a SEC1 point (`04||x||y`, or compressed `02/03||x`).
///
/// Each coordinate must be exactly `curve.field_bytes()` long. Rejects wrong
/// lengths, unknown format bytes (including the hybrid forms `06`/`07`),
/// coordinates `>= p`, points not on the curve, and the point at infinity
/// (a single `0x00`).
pub fn decode_point(curve: Curve, bytes: &[u8]) -> Result<AffinePoint, PointError> {
    let ctx = ctx(curve);
    let fb = curve.field_bytes();
    let Some((&tag, rest)) = bytes.split_first() else {
        return Err(PointError::Length);
    };
    match tag {
        0x00 if rest.is_empty() => Err(PointError::Infinity),
        0x00 => Err(PointError::Length),
        0x04 => {
            if rest.len() != 2 * fb {
                return Err(PointError::Length);
            }
            let (xb, yb) = rest.split_at(fb);
            let point = AffinePoint {
                x: BigUint::from_bytes_be(xb),
                y: BigUint::from_bytes_be(yb),
            };
            if point.x >= ctx.p || point.y >= ctx.p {
                return Err(PointError::CoordinateOutOfRange);
            }
            match ctx.import(&point) {
                Some(_) => Ok(point),
                None => Err(PointError::NotOnCurve),
            }
        }
        0x02 | 0x03 => {
            if rest.len() != fb {
                return Err(PointError::Length);
            }
            let x = BigUint::from_bytes_be(rest);
            if x >= ctx.p {
                return Err(PointError::CoordinateOutOfRange);
            }
            let rhs = ctx.curve_rhs(&ctx.to_fe(&x));
            let root = ctx.to_big(&ctx.sqrt(&rhs).ok_or(PointError::NotOnCurve)?);
            let want_odd = tag == 0x03;
            let y = if root.bit(0) == want_odd {
                root
            } else if root.is_zero() {
                // y = 0 has no odd representative; cannot occur on a
                // prime-order curve, but never return an unreduced value.
                return Err(PointError::NotOnCurve);
            } else {
                &ctx.p - root
            };
            Ok(AffinePoint { x, y })
        }
        _ => Err(PointError::Encoding),
    }
}

/// SEC1 uncompressed encoding `04||x||y` (fixed length `1 + 2*field_bytes`).
///
/// Coordinates are reduced modulo `p` first, so the output length is fixed
/// even for a hand-built point with out-of-range coordinates.
pub fn encode_point(curve: Curve, p: &AffinePoint) -> Vec<u8> {
    let ctx = ctx(curve);
    let fb = curve.field_bytes();
    let mut out = Vec::with_capacity(1 + 2 * fb);
    out.push(0x04);
    push_padded(&mut out, &(&p.x % &ctx.p), fb);
    push_padded(&mut out, &(&p.y % &ctx.p), fb);
    out
}

// Only the tests use it (as a cross-check); nothing outside this module needs it.
#[cfg(test)]
/// SEC1 compressed encoding `02/03||x` (fixed length `1 + field_bytes`).
///
/// Coordinates are reduced modulo `p` first, as in [`encode_point`].
pub fn encode_point_compressed(curve: Curve, p: &AffinePoint) -> Vec<u8> {
    let ctx = ctx(curve);
    let fb = curve.field_bytes();
    let mut out = Vec::with_capacity(1 + fb);
    let y = &p.y % &ctx.p;
    out.push(if y.bit(0) { 0x03 } else { 0x02 });
    push_padded(&mut out, &(&p.x % &ctx.p), fb);
    out
}

// Only the tests use it (as a cross-check); nothing outside this module needs it.
#[cfg(test)]
/// `true` when `0 <= x, y < p` and `y^2 = x^3 + a*x + b (mod p)`.
pub fn is_on_curve(curve: Curve, p: &AffinePoint) -> bool {
    ctx(curve).import(p).is_some()
}

/// ECDSA verification of an already computed digest (FIPS 186-5 §6.4.2,
/// SEC1 §4.1.4).
///
/// Rejects `r` or `s` outside `[1, n-1]` and a public key that is not on the
/// curve; uses the leftmost `order_bits` bits of `digest` (any length, even
/// empty, is accepted); rejects when `u1*G + u2*Q` is the point at infinity;
/// accepts iff `x(R) mod n == r`. Variable time (all inputs are public).
pub fn verify_prehash(
    curve: Curve,
    q: &AffinePoint,
    digest: &[u8],
    r: &BigUint,
    s: &BigUint,
) -> bool {
    let ctx = ctx(curve);
    let n = &ctx.n;
    if r.is_zero() || s.is_zero() || r >= n || s >= n {
        return false;
    }
    let Some(q) = ctx.import(q) else {
        return false;
    };
    let e = bits_to_int(digest, curve.order_bits());
    let Some(w) = s.modinv(n) else {
        return false;
    };
    let u1 = e * &w % n;
    let u2 = r * &w % n;
    let Some(q_table) = ctx.odd_multiples(&q, Q_WINDOW) else {
        return false;
    };
    let sum = ctx.mul_add(&u1, Some((&u2, &q_table)));
    if sum.is_infinity() {
        return false;
    }
    // x(R) = X / Z^2 lies in [0, p). Instead of inverting Z, test the
    // candidates x = r + k*n (k >= 0, x < p) against X = x * Z^2 (mod p).
    let zz = ctx.sqr(&sum.z);
    let mut candidate = r.clone();
    while candidate < ctx.p {
        if ctx.mul(&ctx.to_fe(&candidate), &zz) == sum.x {
            return true;
        }
        candidate += n;
    }
    false
}

/// ECDSA signing of an already computed digest with a caller-supplied nonce `k`.
///
/// **FOR DETERMINISTIC TEST FIXTURES ONLY.** This is not constant time: the
/// running time leaks information about `d` and `k`, and a reused or biased
/// `k` reveals `d`. Never use it with a real private key.
///
/// Returns `None` when `d` or `k` is outside `[1, n-1]`, or when `r` or `s`
/// comes out as 0 (pick another `k`). The digest is truncated like in
/// [`verify_prehash`]. `s` is returned as computed (no low-s normalisation).
pub fn sign_prehash_with_nonce(
    curve: Curve,
    d: &BigUint,
    k: &BigUint,
    digest: &[u8],
) -> Option<(BigUint, BigUint)> {
    let ctx = ctx(curve);
    let n = &ctx.n;
    if !ctx.is_scalar(d) || !ctx.is_scalar(k) {
        return None;
    }
    let point = ctx.to_affine(&ctx.mul_add(k, None))?;
    let r = ctx.to_big(&point.x) % n;
    if r.is_zero() {
        return None;
    }
    let e = bits_to_int(digest, curve.order_bits());
    let k_inv = k.modinv(n)?;
    let s = (e + &r * d) % n * k_inv % n;
    if s.is_zero() {
        return None;
    }
    Some((r, s))
}

/// The public key `d*G` for a private scalar `d` in `[1, n-1]` (`None` otherwise).
///
/// Variable time; meant for test fixtures and for checking key pairs, not for
/// handling real private keys (see the module documentation).
pub fn public_key(curve: Curve, d: &BigUint) -> Option<AffinePoint> {
    let ctx = ctx(curve);
    if !ctx.is_scalar(d) {
        return None;
    }
    let point = ctx.to_affine(&ctx.mul_add(d, None))?;
    Some(ctx.export(&point))
}

/// `u1*G + u2*Q` for a point `Q` on the curve: the key agreement of [`crate::agreement`]
/// uses it with `u1 = 0` (ECDH on any base point) and with `u2 = 1` (the PACE generic
/// mapping `s*G + H`) on the curves no constant-time crate covers.
///
/// Variable time, like everything in this module. `None` when `Q` is not on the curve or
/// the result is the point at infinity.
pub fn mul_add(curve: Curve, u1: &BigUint, u2: &BigUint, q: &AffinePoint) -> Option<AffinePoint> {
    let ctx = ctx(curve);
    let q = ctx.import(q)?;
    let table = ctx.odd_multiples(&q, Q_WINDOW)?;
    let sum = ctx.mul_add(u1, Some((u2, &table)));
    ctx.to_affine(&sum).map(|p| ctx.export(&p))
}

/// wNAF window width for the per-call table of the public key (8 entries).
const Q_WINDOW: u32 = 5;
/// wNAF window width for the cached per-curve table of the base point (32 entries).
const G_WINDOW: u32 = 7;

/// The integer formed by the leftmost `order_bits` bits of `digest`
/// (SEC1 §4.1.3 step 5, FIPS 186-5 §6.4.1), not reduced modulo `n`.
fn bits_to_int(digest: &[u8], order_bits: usize) -> BigUint {
    let e = BigUint::from_bytes_be(digest);
    let digest_bits = digest.len().saturating_mul(8);
    if digest_bits > order_bits {
        e >> (digest_bits - order_bits)
    } else {
        e
    }
}

/// Appends `x` big-endian, left-padded with zeros to `len` bytes.
fn push_padded(out: &mut Vec<u8>, x: &BigUint, len: usize) {
    let raw = x.to_bytes_be();
    let raw: &[u8] = if x.is_zero() { &[] } else { &raw };
    out.resize(out.len() + len.saturating_sub(raw.len()), 0);
    out.extend_from_slice(raw);
}

/// Per-curve arithmetic context, built once and cached.
#[derive(Debug)]
struct Ctx {
    /// The field prime.
    pub(super) p: BigUint,
    /// The group order.
    pub(super) n: BigUint,
    /// Limbs in use, `1..=MAX_LIMBS`.
    pub(super) limbs: usize,
    /// `p` as limbs (not Montgomery form).
    pub(super) p_fe: Fe,
    /// `-p^-1 mod 2^64`.
    pub(super) p_inv: u64,
    /// `R^2 mod p`, `R = 2^(64*limbs)`.
    pub(super) r2: Fe,
    /// `1` in Montgomery form (`R mod p`).
    pub(super) one: Fe,
    /// Curve coefficients, Montgomery form.
    pub(super) a: Fe,
    pub(super) b: Fe,
    /// `a == p - 3`, enabling the cheaper doubling formula.
    pub(super) a_is_minus_3: bool,
    pub(super) sqrt_method: SqrtMethod,
    /// `[G, 3G, 5G, ...]`, `2^(G_WINDOW-2)` entries.
    pub(super) g_table: Vec<AffineFe>,
}

/// The cached context for `curve`.
fn ctx(curve: Curve) -> &'static Ctx {
    static P224: OnceLock<Ctx> = OnceLock::new();
    static P256: OnceLock<Ctx> = OnceLock::new();
    static P384: OnceLock<Ctx> = OnceLock::new();
    static P521: OnceLock<Ctx> = OnceLock::new();
    static BP224: OnceLock<Ctx> = OnceLock::new();
    static BP256: OnceLock<Ctx> = OnceLock::new();
    static BP320: OnceLock<Ctx> = OnceLock::new();
    static BP384: OnceLock<Ctx> = OnceLock::new();
    static BP512: OnceLock<Ctx> = OnceLock::new();
    let cell = match curve {
        Curve::P224 => &P224,
        Curve::P256 => &P256,
        Curve::P384 => &P384,
        Curve::P521 => &P521,
        Curve::BrainpoolP224r1 => &BP224,
        Curve::BrainpoolP256r1 => &BP256,
        Curve::BrainpoolP320r1 => &BP320,
        Curve::BrainpoolP384r1 => &BP384,
        Curve::BrainpoolP512r1 => &BP512,
    };
    cell.get_or_init(|| Ctx::new(curve))
}

impl Ctx {
    fn new(curve: Curve) -> Ctx {
        let prm = curve.params();
        let p = prm.p.clone();
        let limbs = usize::try_from(p.bits().div_ceil(64))
            .unwrap_or(MAX_LIMBS)
            .clamp(1, MAX_LIMBS);
        let p_fe = limbs_of(&p);
        // Newton iteration for p0^-1 mod 2^64 (p is odd), then negate.
        let p0 = p_fe.0.first().copied().unwrap_or(1);
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
        }
        let r2_big = (BigUint::one() << (128 * limbs)) % &p;
        let mut ctx = Ctx {
            n: prm.n.clone(),
            limbs,
            p_fe,
            p_inv: inv.wrapping_neg(),
            r2: limbs_of(&r2_big),
            one: Fe::ZERO,
            a: Fe::ZERO,
            b: Fe::ZERO,
            a_is_minus_3: &prm.a + 3u32 == p,
            sqrt_method: SqrtMethod::Unavailable,
            g_table: Vec::new(),
            p,
        };
        ctx.one = ctx.to_fe(&BigUint::one());
        ctx.a = ctx.to_fe(&prm.a);
        ctx.b = ctx.to_fe(&prm.b);
        ctx.sqrt_method = ctx.choose_sqrt_method();
        let g = AffineFe {
            x: ctx.to_fe(&prm.gx),
            y: ctx.to_fe(&prm.gy),
        };
        // Cannot fail for a generator of large prime order; an empty table
        // would only make every result wrong (and verification fail closed).
        ctx.g_table = ctx.odd_multiples(&g, G_WINDOW).unwrap_or_default();
        ctx
    }

    fn choose_sqrt_method(&self) -> SqrtMethod {
        let p = &self.p;
        if p.bit(0) && p.bit(1) {
            return SqrtMethod::ThreeModFour {
                exponent: (p + 1u32) >> 2u32,
            };
        }
        let pm1 = p - 1u32;
        let s = pm1.trailing_zeros().unwrap_or(0);
        let q = &pm1 >> s;
        let half = &pm1 >> 1u32;
        // Smallest quadratic non-residue (Euler's criterion).
        for z in 2u32..1000 {
            let z = BigUint::from(z);
            if z.modpow(&half, p) == pm1 {
                let z_q = self.to_fe(&z.modpow(&q, p));
                return SqrtMethod::TonelliShanks {
                    q_plus_1_half: (&q + 1u32) >> 1u32,
                    q,
                    s,
                    z_q,
                };
            }
        }
        SqrtMethod::Unavailable
    }

    fn is_scalar(&self, k: &BigUint) -> bool {
        !k.is_zero() && *k < self.n
    }
}
