//! Scalar multiplication: `u1*G + u2*Q` by interleaved width-w NAF over a cached table
//! of odd multiples of `G` and a per-call table for `Q`.

use num_bigint::BigUint;
use num_traits::Zero;

use super::point::{AffineFe, Jacobian};
use super::{Ctx, G_WINDOW, Q_WINDOW};

impl Ctx {
    /// `[P, 3P, 5P, ..., (2^(w-1) - 1)P]` in affine form (`2^(w-2)` entries).
    pub(super) fn odd_multiples(&self, p: &AffineFe, w: u32) -> Option<Vec<AffineFe>> {
        let count = 1usize << (w - 2);
        let two_p = self.to_affine(&self.double(&self.jacobian(p)))?;
        let mut jac = Vec::with_capacity(count);
        let mut cur = self.jacobian(p);
        for _ in 1..count {
            let next = self.add_mixed(&cur, &two_p, false);
            jac.push(cur);
            cur = next;
        }
        jac.push(cur);
        self.batch_to_affine(&jac)
    }

    /// `u1*G + u2*Q` (or just `u1*G`) by interleaved wNAF; the table is
    /// `odd_multiples(Q, Q_WINDOW)`.
    pub(super) fn mul_add(
        &self,
        u1: &BigUint,
        second: Option<(&BigUint, &[AffineFe])>,
    ) -> Jacobian {
        let naf1 = wnaf(u1, G_WINDOW);
        let naf2 = second.map(|(u2, _)| wnaf(u2, Q_WINDOW)).unwrap_or_default();
        let q_table: &[AffineFe] = second.map(|(_, t)| t).unwrap_or_default();
        let len = naf1.len().max(naf2.len());
        let mut acc = Jacobian::INFINITY;
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

/// Width-`w` non-adjacent form of `k`, least significant digit first. Every
/// non-zero digit is odd with `|d| < 2^(w-1)`; `w` must be in `2..=8`.
pub(super) fn wnaf(k: &BigUint, w: u32) -> Vec<i8> {
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
