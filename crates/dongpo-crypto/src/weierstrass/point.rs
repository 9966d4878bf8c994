//! Group arithmetic: affine and Jacobian points, doubling, mixed addition and the
//! conversions between a caller's [`AffinePoint`] and the Montgomery form.

use super::field::Fe;
use super::{AffinePoint, Ctx};

/// An affine point with Montgomery-form coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AffineFe {
    pub(super) x: Fe,
    pub(super) y: Fe,
}

/// A point in Jacobian coordinates; `z == 0` is the point at infinity.
#[derive(Clone, Copy, Debug)]
pub(super) struct Jacobian {
    pub(super) x: Fe,
    pub(super) y: Fe,
    pub(super) z: Fe,
}

impl Jacobian {
    pub(super) const INFINITY: Jacobian = Jacobian {
        x: Fe::ZERO,
        y: Fe::ZERO,
        z: Fe::ZERO,
    };

    pub(super) fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }
}

impl Ctx {
    /// Range- and curve-checks a caller's point.
    pub(super) fn import(&self, q: &AffinePoint) -> Option<AffineFe> {
        if q.x >= self.p || q.y >= self.p {
            return None;
        }
        let point = AffineFe {
            x: self.to_fe(&q.x),
            y: self.to_fe(&q.y),
        };
        (self.sqr(&point.y) == self.curve_rhs(&point.x)).then_some(point)
    }

    pub(super) fn export(&self, q: &AffineFe) -> AffinePoint {
        AffinePoint {
            x: self.to_big(&q.x),
            y: self.to_big(&q.y),
        }
    }

    // ---- group arithmetic ----

    pub(super) fn jacobian(&self, p: &AffineFe) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: self.one,
        }
    }

    /// `2P` (dbl-2001-b for a = -3, dbl-2007-bl otherwise).
    pub(super) fn double(&self, pt: &Jacobian) -> Jacobian {
        if pt.is_infinity() || pt.y.is_zero() {
            return Jacobian::INFINITY;
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
    pub(super) fn add_mixed(&self, pt: &Jacobian, q: &AffineFe, negate: bool) -> Jacobian {
        let qy = if negate { self.neg(&q.y) } else { q.y };
        if pt.is_infinity() {
            return Jacobian {
                x: q.x,
                y: qy,
                z: self.one,
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
                Jacobian::INFINITY
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

    pub(super) fn to_affine(&self, pt: &Jacobian) -> Option<AffineFe> {
        let zinv = self.inv(&pt.z)?;
        let zinv2 = self.sqr(&zinv);
        Some(AffineFe {
            x: self.mul(&pt.x, &zinv2),
            y: self.mul(&pt.y, &self.mul(&zinv2, &zinv)),
        })
    }

    /// Converts several points at once with a single inversion (Montgomery's
    /// trick). `None` if any of them is the point at infinity.
    pub(super) fn batch_to_affine(&self, pts: &[Jacobian]) -> Option<Vec<AffineFe>> {
        // prefix[i] = z_0 * ... * z_i
        let mut prefix = Vec::with_capacity(pts.len());
        let mut acc = self.one;
        for pt in pts {
            if pt.is_infinity() {
                return None;
            }
            acc = self.mul(&acc, &pt.z);
            prefix.push(acc);
        }
        let mut inv = self.inv(&acc)?;
        let mut out = Vec::with_capacity(pts.len());
        for (i, pt) in pts.iter().enumerate().rev() {
            // Here inv = (z_0 ... z_i)^-1.
            let zinv = match i.checked_sub(1).and_then(|j| prefix.get(j)) {
                Some(before) => self.mul(&inv, before),
                None => inv,
            };
            inv = self.mul(&inv, &pt.z);
            let zinv2 = self.sqr(&zinv);
            out.push(AffineFe {
                x: self.mul(&pt.x, &zinv2),
                y: self.mul(&pt.y, &self.mul(&zinv2, &zinv)),
            });
        }
        out.reverse();
        Some(out)
    }
}
