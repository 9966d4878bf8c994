//! Field arithmetic modulo the curve prime: Montgomery-form elements of fixed limb
//! arrays, inversion and square roots.

use num_bigint::BigUint;

use super::Ctx;

/// Limbs in a field element: 9 * 64 = 576 bits covers P-521.
pub(super) const MAX_LIMBS: usize = 9;

/// A field element in Montgomery form (`a * 2^(64*limbs) mod p`), little-endian
/// 64-bit limbs; limbs at and above the context's `limbs` are always zero and
/// the value is always fully reduced, so `==` is field equality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fe(pub(super) [u64; MAX_LIMBS]);

impl Fe {
    pub(super) const ZERO: Fe = Fe([0; MAX_LIMBS]);

    pub(super) fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }
}

/// How square roots modulo `p` are taken (for point decompression).
#[derive(Debug)]
pub(super) enum SqrtMethod {
    /// `p = 3 (mod 4)`: `sqrt(v) = v^((p+1)/4)`.
    ThreeModFour {
        /// `(p + 1) / 4`.
        exponent: BigUint,
    },
    /// Tonelli-Shanks for `p - 1 = q * 2^s`, `q` odd.
    TonelliShanks {
        /// `(q + 1) / 2`.
        q_plus_1_half: BigUint,
        /// The odd part `q` of `p - 1`.
        q: BigUint,
        /// The 2-adic valuation `s` of `p - 1`.
        s: u64,
        /// `z^q` (Montgomery form) for a fixed quadratic non-residue `z`.
        z_q: Fe,
    },
    /// No non-residue was found (cannot happen for an odd prime).
    Unavailable,
}

/// Limbs of `x` (little-endian), truncated to `MAX_LIMBS`.
pub(super) fn limbs_of(x: &BigUint) -> Fe {
    let mut out = Fe::ZERO;
    for (slot, digit) in out.0.iter_mut().zip(x.iter_u64_digits()) {
        *slot = digit;
    }
    out
}

/// `a < p` (all limbs).
pub(super) fn lt(a: &Fe, p: &Fe) -> bool {
    for (x, y) in a.0.iter().zip(p.0.iter()).rev() {
        if x != y {
            return x < y;
        }
    }
    false
}

/// Montgomery multiplication (CIOS) for an `N`-limb modulus `p < 2^(64*N)`
/// with `p_inv = -p^-1 mod 2^64`; `a, b < p` gives a result `< p`.
///
/// `N` is a compile-time constant, so the limb loops unroll; they are written
/// with iterators (no indexing) and `t` holds the low `N` limbs of the
/// running sum plus the two carry limbs `t_n`, `t_n1`.
pub(super) fn mont_mul<const N: usize>(a: &Fe, b: &Fe, p: &Fe, p_inv: u64) -> Fe {
    const { assert!(N >= 1 && N <= MAX_LIMBS) };
    let mut t = [0u64; MAX_LIMBS];
    let mut t_n = 0u64;
    let p0 = u128::from(p.0.first().copied().unwrap_or(0));
    for &bi in b.0.iter().take(N) {
        // t += a * bi
        let bi = u128::from(bi);
        let mut carry = 0u128;
        for (tj, &aj) in t.iter_mut().zip(a.0.iter()).take(N) {
            let v = u128::from(*tj) + u128::from(aj) * bi + carry;
            *tj = v as u64;
            carry = v >> 64;
        }
        let v = u128::from(t_n) + carry;
        t_n = v as u64;
        let t_n1 = (v >> 64) as u64;
        // t = (t + m * p) / 2^64, with m chosen so the low limb cancels
        let mut slots = t.iter_mut().take(N);
        let Some(t0) = slots.next() else {
            break;
        };
        let m = u128::from(t0.wrapping_mul(p_inv));
        let mut carry = (u128::from(*t0) + m * p0) >> 64;
        let mut prev = t0;
        for (slot, &pj) in slots.zip(p.0.iter().skip(1)) {
            let v = u128::from(*slot) + m * u128::from(pj) + carry;
            *prev = v as u64;
            carry = v >> 64;
            prev = slot;
        }
        let v = u128::from(t_n) + carry;
        *prev = v as u64;
        t_n = t_n1.wrapping_add((v >> 64) as u64);
    }
    // t < 2p here; t_n is 0 or 1, and always 0 when N == MAX_LIMBS because
    // every supported p is below 2^(64*MAX_LIMBS - 1). One conditional
    // subtraction reduces it.
    let mut out = Fe(t);
    if let Some(top) = out.0.get_mut(N) {
        *top = t_n;
    }
    if !lt(&out, p) {
        let mut borrow = false;
        for (o, &y) in out.0.iter_mut().zip(p.0.iter()) {
            let (d1, b1) = o.overflowing_sub(y);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *o = d2;
            borrow = b1 || b2;
        }
    }
    out
}

impl Ctx {
    // ---- conversions ----

    /// `x mod p` in Montgomery form.
    pub(super) fn to_fe(&self, x: &BigUint) -> Fe {
        let reduced;
        let x = if *x >= self.p {
            reduced = x % &self.p;
            &reduced
        } else {
            x
        };
        self.mul(&limbs_of(x), &self.r2)
    }

    /// The canonical integer value of a Montgomery-form element.
    pub(super) fn to_big(&self, a: &Fe) -> BigUint {
        let mut unit = Fe::ZERO;
        if let Some(l) = unit.0.first_mut() {
            *l = 1;
        }
        let plain = self.mul(a, &unit);
        let bytes: Vec<u8> = plain.0.iter().flat_map(|l| l.to_le_bytes()).collect();
        BigUint::from_bytes_le(&bytes)
    }

    // ---- field arithmetic (Montgomery form, fully reduced) ----

    /// `a < p` over the active limbs.
    pub(super) fn lt_p(&self, a: &Fe) -> bool {
        lt(a, &self.p_fe)
    }

    /// `a - p` (mod 2^(64*MAX_LIMBS)); callers ensure the true result is in `[0, p)`.
    pub(super) fn sub_p(&self, a: &Fe) -> Fe {
        let mut out = Fe::ZERO;
        let mut borrow = false;
        for ((o, &x), &y) in out.0.iter_mut().zip(a.0.iter()).zip(self.p_fe.0.iter()) {
            let (d1, b1) = x.overflowing_sub(y);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *o = d2;
            borrow = b1 || b2;
        }
        out
    }

    /// Montgomery multiplication `a * b / R mod p`, dispatched to a
    /// limb-count-specialised (fully unrolled) routine.
    pub(super) fn mul(&self, a: &Fe, b: &Fe) -> Fe {
        let (p, k) = (&self.p_fe, self.p_inv);
        match self.limbs {
            1 => mont_mul::<1>(a, b, p, k),
            2 => mont_mul::<2>(a, b, p, k),
            3 => mont_mul::<3>(a, b, p, k),
            4 => mont_mul::<4>(a, b, p, k),
            5 => mont_mul::<5>(a, b, p, k),
            6 => mont_mul::<6>(a, b, p, k),
            7 => mont_mul::<7>(a, b, p, k),
            8 => mont_mul::<8>(a, b, p, k),
            _ => mont_mul::<MAX_LIMBS>(a, b, p, k),
        }
    }

    pub(super) fn sqr(&self, a: &Fe) -> Fe {
        self.mul(a, a)
    }

    pub(super) fn add(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = Fe::ZERO;
        let mut carry = false;
        for ((o, &x), &y) in out.0.iter_mut().zip(a.0.iter()).zip(b.0.iter()) {
            let (s1, c1) = x.overflowing_add(y);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *o = s2;
            carry = c1 || c2;
        }
        // With limbs < MAX_LIMBS the carry lands in the next (zero) limb
        // rather than `carry`; `lt_p` sees it either way.
        if carry || !self.lt_p(&out) {
            out = self.sub_p(&out);
        }
        out
    }

    pub(super) fn sub(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = Fe::ZERO;
        let mut borrow = false;
        for ((o, &x), &y) in out.0.iter_mut().zip(a.0.iter()).zip(b.0.iter()) {
            let (d1, b1) = x.overflowing_sub(y);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *o = d2;
            borrow = b1 || b2;
        }
        if borrow {
            // Add p back; the final carry out of the top limb cancels the borrow.
            let mut carry = false;
            for (o, &y) in out.0.iter_mut().zip(self.p_fe.0.iter()) {
                let (s1, c1) = o.overflowing_add(y);
                let (s2, c2) = s1.overflowing_add(u64::from(carry));
                *o = s2;
                carry = c1 || c2;
            }
        }
        out
    }

    pub(super) fn dbl(&self, a: &Fe) -> Fe {
        self.add(a, a)
    }

    pub(super) fn neg(&self, a: &Fe) -> Fe {
        self.sub(&Fe::ZERO, a)
    }

    /// `a^e` by left-to-right fixed 4-bit-window exponentiation.
    pub(super) fn pow(&self, a: &Fe, e: &BigUint) -> Fe {
        // table[i] = a^i, i in 0..16
        let mut table = [self.one; 16];
        let mut prev = self.one;
        for slot in table.iter_mut().skip(1) {
            prev = self.mul(&prev, a);
            *slot = prev;
        }
        let mut acc = self.one;
        for w in (0..e.bits().div_ceil(4)).rev() {
            for _ in 0..4 {
                acc = self.sqr(&acc);
            }
            let nibble = (0..4u64).fold(0usize, |n, b| n | (usize::from(e.bit(4 * w + b)) << b));
            if let Some(f) = table.get(nibble).filter(|_| nibble != 0) {
                acc = self.mul(&acc, f);
            }
        }
        acc
    }

    /// `a^-1` by Fermat (`p` is prime); `None` for zero.
    pub(super) fn inv(&self, a: &Fe) -> Option<Fe> {
        if a.is_zero() {
            return None;
        }
        Some(self.pow(a, &(&self.p - 2u32)))
    }

    /// `x^3 + a*x + b`.
    pub(super) fn curve_rhs(&self, x: &Fe) -> Fe {
        let x2 = self.sqr(x);
        let x3 = self.mul(&x2, x);
        let ax = self.mul(&self.a, x);
        self.add(&self.add(&x3, &ax), &self.b)
    }

    pub(super) fn sqrt(&self, v: &Fe) -> Option<Fe> {
        let root = match &self.sqrt_method {
            SqrtMethod::ThreeModFour { exponent } => self.pow(v, exponent),
            SqrtMethod::TonelliShanks {
                q_plus_1_half,
                q,
                s,
                z_q,
            } => self.tonelli_shanks(v, q, q_plus_1_half, *s, z_q)?,
            SqrtMethod::Unavailable => return None,
        };
        (self.sqr(&root) == *v).then_some(root)
    }

    /// Tonelli-Shanks; `None` when `v` is a non-residue.
    pub(super) fn tonelli_shanks(
        &self,
        v: &Fe,
        q: &BigUint,
        q_plus_1_half: &BigUint,
        s: u64,
        z_q: &Fe,
    ) -> Option<Fe> {
        if v.is_zero() {
            return Some(Fe::ZERO);
        }
        let mut m = s;
        let mut c = *z_q;
        let mut t = self.pow(v, q);
        let mut r = self.pow(v, q_plus_1_half);
        // Invariant: r^2 = v * t; for a residue, t has order dividing 2^(m-1).
        while t != self.one {
            // Least i in [1, m) with t^(2^i) = 1; none means v is a non-residue.
            let mut i = 0u64;
            let mut t2 = t;
            while t2 != self.one {
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
}
