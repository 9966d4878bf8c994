//! Generic short-Weierstrass ECDSA over the curves of [`crate::curve`].
//!
//! This is a plain, safe implementation on top of `num-bigint` for the curves
//! that no fast, audited crate covers (P-224, brainpoolP224r1, brainpoolP320r1,
//! brainpoolP512r1) and as an independent cross-check of the others.
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
//! underlying big-integer arithmetic all depend on the scalars and
//! coordinates. That is fine for signature *verification*, where every input
//! (public key, digest, signature) is public. It is **not** fine for anything
//! that handles a secret: [`sign_prehash_with_nonce`] and [`public_key`]
//! exist to produce deterministic test fixtures and must never be used with a
//! real private key.
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
/// lengths, unknown format bytes, coordinates `>= p`, points not on the curve,
/// and the point at infinity (a single `0x00`).
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
            let x = BigUint::from_bytes_be(xb);
            let y = BigUint::from_bytes_be(yb);
            if x >= ctx.p || y >= ctx.p {
                return Err(PointError::CoordinateOutOfRange);
            }
            let point = AffinePoint { x, y };
            if ctx.is_on_curve(&point) {
                Ok(point)
            } else {
                Err(PointError::NotOnCurve)
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
            let rhs = ctx.curve_rhs(&x);
            let root = ctx.sqrt(&rhs).ok_or(PointError::NotOnCurve)?;
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

/// `true` when `0 <= x, y < p` and `y^2 = x^3 + a*x + b (mod p)`.
pub fn is_on_curve(curve: Curve, p: &AffinePoint) -> bool {
    ctx(curve).is_on_curve(p)
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
    if !ctx.is_on_curve(q) {
        return false;
    }
    let e = bits_to_int(digest, curve.order_bits());
    let Some(w) = s.modinv(n) else {
        return false;
    };
    let u1 = e * &w % n;
    let u2 = r * &w % n;
    let Some(q_table) = ctx.odd_multiples(q, Q_WINDOW) else {
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
        if ctx.mul(&candidate, &zz) == sum.x {
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
    let r = point.x % n;
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
    ctx.to_affine(&ctx.mul_add(d, None))
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

/// A point in Jacobian coordinates; `z == 0` is the point at infinity.
#[derive(Clone, Debug)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Jacobian {
    fn infinity() -> Jacobian {
        Jacobian {
            x: BigUint::one(),
            y: BigUint::one(),
            z: BigUint::zero(),
        }
    }

    fn from_affine(p: &AffinePoint) -> Jacobian {
        Jacobian {
            x: p.x.clone(),
            y: p.y.clone(),
            z: BigUint::one(),
        }
    }

    fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

/// How square roots modulo `p` are taken (for point decompression).
#[derive(Debug)]
enum SqrtMethod {
    /// `p = 3 (mod 4)`: `sqrt(v) = v^((p+1)/4)`.
    ThreeModFour {
        /// `(p + 1) / 4`.
        exponent: BigUint,
    },
    /// Tonelli-Shanks for `p - 1 = q * 2^s`, `q` odd.
    TonelliShanks {
        /// The odd part `q` of `p - 1`.
        q: BigUint,
        /// The 2-adic valuation `s` of `p - 1`.
        s: u64,
        /// `z^q` for a fixed quadratic non-residue `z`.
        z_q: BigUint,
    },
    /// No non-residue was found (cannot happen for an odd prime).
    Unavailable,
}

/// Per-curve arithmetic context, built once and cached.
#[derive(Debug)]
struct Ctx {
    p: BigUint,
    a: BigUint,
    b: BigUint,
    n: BigUint,
    /// `a == p - 3`, enabling the cheaper doubling formula.
    a_is_minus_3: bool,
    sqrt: SqrtMethod,
    /// `[G, 3G, 5G, ...]`, `2^(G_WINDOW-2)` entries, affine.
    g_table: Vec<AffinePoint>,
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
        let a_is_minus_3 = &prm.a + 3u32 == p;
        let sqrt = SqrtMethod::new(&p);
        let mut ctx = Ctx {
            a: prm.a.clone(),
            b: prm.b.clone(),
            n: prm.n.clone(),
            p,
            a_is_minus_3,
            sqrt,
            g_table: Vec::new(),
        };
        let g = AffinePoint {
            x: prm.gx.clone(),
            y: prm.gy.clone(),
        };
        // Cannot fail for a generator of large prime order; an empty table
        // would only make every result wrong (and verification fail closed).
        ctx.g_table = ctx.odd_multiples(&g, G_WINDOW).unwrap_or_default();
        ctx
    }

    // ---- field arithmetic modulo p (inputs reduced) ----

    fn mul(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    fn sqr(&self, a: &BigUint) -> BigUint {
        (a * a) % &self.p
    }

    fn add(&self, a: &BigUint, b: &BigUint) -> BigUint {
        let s = a + b;
        if s >= self.p { s - &self.p } else { s }
    }

    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        if a >= b { a - b } else { a + &self.p - b }
    }

    fn dbl(&self, a: &BigUint) -> BigUint {
        self.add(a, a)
    }

    fn neg(&self, a: &BigUint) -> BigUint {
        if a.is_zero() {
            BigUint::zero()
        } else {
            &self.p - a
        }
    }

    fn inv(&self, a: &BigUint) -> Option<BigUint> {
        a.modinv(&self.p)
    }

    /// `x^3 + a*x + b mod p`.
    fn curve_rhs(&self, x: &BigUint) -> BigUint {
        let x2 = self.sqr(x);
        let x3 = self.mul(&x2, x);
        let ax = self.mul(&self.a, x);
        self.add(&self.add(&x3, &ax), &self.b)
    }

    fn is_on_curve(&self, q: &AffinePoint) -> bool {
        q.x < self.p && q.y < self.p && self.sqr(&q.y) == self.curve_rhs(&q.x)
    }

    fn is_scalar(&self, k: &BigUint) -> bool {
        !k.is_zero() && *k < self.n
    }

    fn sqrt(&self, v: &BigUint) -> Option<BigUint> {
        let root = match &self.sqrt {
            SqrtMethod::ThreeModFour { exponent } => v.modpow(exponent, &self.p),
            SqrtMethod::TonelliShanks { q, s, z_q } => self.tonelli_shanks(v, q, *s, z_q)?,
            SqrtMethod::Unavailable => return None,
        };
        (self.sqr(&root) == *v).then_some(root)
    }

    /// Tonelli-Shanks; `None` when `v` is a non-residue.
    fn tonelli_shanks(&self, v: &BigUint, q: &BigUint, s: u64, z_q: &BigUint) -> Option<BigUint> {
        if v.is_zero() {
            return Some(BigUint::zero());
        }
        let mut m = s;
        let mut c = z_q.clone();
        let mut t = v.modpow(q, &self.p);
        let mut r = v.modpow(&((q + 1u32) >> 1u32), &self.p);
        // Invariant: r^2 = v * t, t has order dividing 2^(m-1) when v is a QR.
        while !t.is_one() {
            // Least i in [1, m) with t^(2^i) = 1; none means v is a non-residue.
            let mut i = 0u64;
            let mut t2 = t.clone();
            while !t2.is_one() {
                t2 = self.sqr(&t2);
                i += 1;
                if i >= m {
                    return None;
                }
            }
            let mut b = c;
            for _ in 0..(m - i - 1) {
                b = self.sqr(&b);
            }
            m = i;
            c = self.sqr(&b);
            t = self.mul(&t, &c);
            r = self.mul(&r, &b);
        }
        Some(r)
    }

    // ---- group arithmetic ----

    /// `2P` (dbl-2001-b for a = -3, dbl-2007-bl otherwise).
    fn double(&self, pt: &Jacobian) -> Jacobian {
        if pt.is_infinity() || pt.y.is_zero() {
            return Jacobian::infinity();
        }
        if self.a_is_minus_3 {
            let delta = self.sqr(&pt.z);
            let gamma = self.sqr(&pt.y);
            let beta = self.mul(&pt.x, &gamma);
            let t = self.mul(&self.sub(&pt.x, &delta), &self.add(&pt.x, &delta));
            let alpha = self.add(&self.dbl(&t), &t);
            let beta4 = self.dbl(&self.dbl(&beta));
            let x3 = self.sub(&self.sqr(&alpha), &self.dbl(&beta4));
            let yz = self.add(&pt.y, &pt.z);
            let z3 = self.sub(&self.sub(&self.sqr(&yz), &gamma), &delta);
            let gamma2_8 = self.dbl(&self.dbl(&self.dbl(&self.sqr(&gamma))));
            let y3 = self.sub(&self.mul(&alpha, &self.sub(&beta4, &x3)), &gamma2_8);
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            }
        } else {
            let xx = self.sqr(&pt.x);
            let yy = self.sqr(&pt.y);
            let yyyy = self.sqr(&yy);
            let zz = self.sqr(&pt.z);
            let x_yy = self.add(&pt.x, &yy);
            let s = self.dbl(&self.sub(&self.sub(&self.sqr(&x_yy), &xx), &yyyy));
            let xx3 = self.add(&self.dbl(&xx), &xx);
            let m = self.add(&xx3, &self.mul(&self.a, &self.sqr(&zz)));
            let t = self.sub(&self.sqr(&m), &self.dbl(&s));
            let yyyy8 = self.dbl(&self.dbl(&self.dbl(&yyyy)));
            let y3 = self.sub(&self.mul(&m, &self.sub(&s, &t)), &yyyy8);
            let yz = self.add(&pt.y, &pt.z);
            let z3 = self.sub(&self.sub(&self.sqr(&yz), &yy), &zz);
            Jacobian { x: t, y: y3, z: z3 }
        }
    }

    /// `P + Q` or `P - Q` (when `negate`) with `Q` affine (madd-2007-bl),
    /// handling infinity, doubling and inverse points.
    fn add_mixed(&self, pt: &Jacobian, q: &AffinePoint, negate: bool) -> Jacobian {
        let qy = if negate { self.neg(&q.y) } else { q.y.clone() };
        if pt.is_infinity() {
            return Jacobian {
                x: q.x.clone(),
                y: qy,
                z: BigUint::one(),
            };
        }
        let z1z1 = self.sqr(&pt.z);
        let u2 = self.mul(&q.x, &z1z1);
        let s2 = self.mul(&qy, &self.mul(&pt.z, &z1z1));
        let h = self.sub(&u2, &pt.x);
        let r_half = self.sub(&s2, &pt.y);
        if h.is_zero() {
            return if r_half.is_zero() {
                self.double(pt)
            } else {
                Jacobian::infinity()
            };
        }
        let hh = self.sqr(&h);
        let i = self.dbl(&self.dbl(&hh));
        let j = self.mul(&h, &i);
        let r = self.dbl(&r_half);
        let v = self.mul(&pt.x, &i);
        let x3 = self.sub(&self.sub(&self.sqr(&r), &j), &self.dbl(&v));
        let y1j = self.mul(&pt.y, &j);
        let y3 = self.sub(&self.mul(&r, &self.sub(&v, &x3)), &self.dbl(&y1j));
        let z1h = self.add(&pt.z, &h);
        let z3 = self.sub(&self.sub(&self.sqr(&z1h), &z1z1), &hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn to_affine(&self, pt: &Jacobian) -> Option<AffinePoint> {
        let zinv = self.inv(&pt.z)?;
        let zinv2 = self.sqr(&zinv);
        Some(AffinePoint {
            x: self.mul(&pt.x, &zinv2),
            y: self.mul(&pt.y, &self.mul(&zinv2, &zinv)),
        })
    }

    /// Converts several points at once with a single inversion (Montgomery's
    /// trick). `None` if any of them is the point at infinity.
    fn batch_to_affine(&self, pts: &[Jacobian]) -> Option<Vec<AffinePoint>> {
        // prefix[i] = z_0 * ... * z_i
        let mut prefix = Vec::with_capacity(pts.len());
        let mut acc = BigUint::one();
        for pt in pts {
            if pt.is_infinity() {
                return None;
            }
            acc = self.mul(&acc, &pt.z);
            prefix.push(acc.clone());
        }
        let mut inv = self.inv(&acc)?;
        let mut out = Vec::with_capacity(pts.len());
        for (i, pt) in pts.iter().enumerate().rev() {
            // inv = (z_0 ... z_i)^-1
            let zinv = match i.checked_sub(1).and_then(|j| prefix.get(j)) {
                Some(before) => self.mul(&inv, before),
                None => inv.clone(),
            };
            inv = self.mul(&inv, &pt.z);
            let zinv2 = self.sqr(&zinv);
            out.push(AffinePoint {
                x: self.mul(&pt.x, &zinv2),
                y: self.mul(&pt.y, &self.mul(&zinv2, &zinv)),
            });
        }
        out.reverse();
        Some(out)
    }

    /// `[P, 3P, 5P, ..., (2^(w-1) - 1)P]` in affine form (`2^(w-2)` entries).
    fn odd_multiples(&self, p: &AffinePoint, w: u32) -> Option<Vec<AffinePoint>> {
        let count = 1usize << (w - 2);
        let two_p = self.to_affine(&self.double(&Jacobian::from_affine(p)))?;
        let mut jac = Vec::with_capacity(count);
        let mut cur = Jacobian::from_affine(p);
        for _ in 1..count {
            let next = self.add_mixed(&cur, &two_p, false);
            jac.push(cur);
            cur = next;
        }
        jac.push(cur);
        self.batch_to_affine(&jac)
    }

    /// `u1*G + u2*Q` (or just `u1*G`) by interleaved wNAF; `q_table` is
    /// `odd_multiples(Q, Q_WINDOW)`.
    fn mul_add(&self, u1: &BigUint, second: Option<(&BigUint, &[AffinePoint])>) -> Jacobian {
        let naf1 = wnaf(u1, G_WINDOW);
        let naf2 = second.map(|(u2, _)| wnaf(u2, Q_WINDOW)).unwrap_or_default();
        let q_table: &[AffinePoint] = second.map(|(_, t)| t).unwrap_or_default();
        let len = naf1.len().max(naf2.len());
        let mut acc = Jacobian::infinity();
        for i in (0..len).rev() {
            acc = self.double(&acc);
            for (naf, table) in [(&naf1, &self.g_table[..]), (&naf2, q_table)] {
                let digit = naf.get(i).copied().unwrap_or(0);
                if digit != 0 {
                    let idx = usize::from(digit.unsigned_abs() >> 1);
                    if let Some(pt) = table.get(idx) {
                        acc = self.add_mixed(&acc, pt, digit < 0);
                    }
                }
            }
        }
        acc
    }
}

impl SqrtMethod {
    fn new(p: &BigUint) -> SqrtMethod {
        let one = BigUint::one();
        if p.bit(0) && p.bit(1) {
            return SqrtMethod::ThreeModFour {
                exponent: (p + 1u32) >> 2u32,
            };
        }
        let pm1 = p - &one;
        let s = pm1.trailing_zeros().unwrap_or(0);
        let q = &pm1 >> s;
        let half = &pm1 >> 1u32;
        // Smallest quadratic non-residue (Euler's criterion).
        for z in 2u32..1000 {
            let z = BigUint::from(z);
            if z.modpow(&half, p) == pm1 {
                let z_q = z.modpow(&q, p);
                return SqrtMethod::TonelliShanks { q, s, z_q };
            }
        }
        SqrtMethod::Unavailable
    }
}

/// Width-`w` non-adjacent form of `k`, least significant digit first. Every
/// non-zero digit is odd with `|d| < 2^(w-1)`; `w` is at most 8.
fn wnaf(k: &BigUint, w: u32) -> Vec<i8> {
    let window = 1i32 << w;
    let half = window >> 1;
    let mask = u64::from(window.unsigned_abs() - 1);
    let mut k = k.clone();
    let mut out = Vec::with_capacity(usize::try_from(k.bits()).unwrap_or(0) + 1);
    while !k.is_zero() {
        let mut digit = 0i32;
        if k.bit(0) {
            let low = k.iter_u64_digits().next().unwrap_or(0) & mask;
            // low < 2^w <= 256, so the conversion cannot fail.
            let low = i32::try_from(low).unwrap_or(0);
            digit = if low >= half { low - window } else { low };
            if digit > 0 {
                k -= digit.unsigned_abs();
            } else {
                k += digit.unsigned_abs();
            }
        }
        out.push(i8::try_from(digit).unwrap_or(0));
        k >>= 1u32;
    }
    out
}
