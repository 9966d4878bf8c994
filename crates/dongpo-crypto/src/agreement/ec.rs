//! Elliptic-curve arithmetic for key agreement, per curve: RustCrypto's constant-time
//! `p256`, `p384`, `p521`, `bp256` and `bp384` where they exist, the crate's own
//! variable-time [`crate::weierstrass`] arithmetic for P-224, brainpoolP224r1,
//! brainpoolP320r1 and brainpoolP512r1.
//!
//! Points cross this module as SEC1 uncompressed encodings (`04 || x || y`), scalars as
//! big-endian bytes of exactly `field_bytes` (private keys) or any length (the PACE nonce).

use num_bigint::BigUint;
use num_traits::Zero;
use p256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use p256::elliptic_curve::{
    AffinePoint, CurveArithmetic, CurveGroup, FieldBytes, FieldBytesSize, Group, NonZeroScalar,
    ProjectivePoint, Scalar,
};
use zeroize::Zeroizing;

use super::AgreementError;
use crate::curve::Curve;
use crate::weierstrass;

/// `true` for the curves whose secret-dependent arithmetic is constant time here.
pub(super) fn is_constant_time(curve: Curve) -> bool {
    matches!(
        curve,
        Curve::P256 | Curve::P384 | Curve::P521 | Curve::BrainpoolP256r1 | Curve::BrainpoolP384r1
    )
}

/// `1 <= k < n` for a big-endian scalar of exactly `field_bytes` bytes.
pub(super) fn is_private(curve: Curve, k: &[u8]) -> bool {
    if k.len() != curve.field_bytes() {
        return false;
    }
    match curve {
        Curve::P256 => ct_scalar::<p256::NistP256>(k).is_ok(),
        Curve::P384 => ct_scalar::<p384::NistP384>(k).is_ok(),
        Curve::P521 => ct_scalar::<p521::NistP521>(k).is_ok(),
        Curve::BrainpoolP256r1 => ct_scalar::<bp256::BrainpoolP256r1>(k).is_ok(),
        Curve::BrainpoolP384r1 => ct_scalar::<bp384::BrainpoolP384r1>(k).is_ok(),
        _ => {
            let k = BigUint::from_bytes_be(k);
            !k.is_zero() && k < curve.params().n
        }
    }
}

/// `k * B` with `B` the uncompressed point `base` (already validated) or the curve's base
/// point; the result uncompressed. `k` is a valid private scalar ([`is_private`]).
pub(super) fn mul(curve: Curve, k: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>, AgreementError> {
    match curve {
        Curve::P256 => ct_mul::<p256::NistP256>(k, base),
        Curve::P384 => ct_mul::<p384::NistP384>(k, base),
        Curve::P521 => ct_mul::<p521::NistP521>(k, base),
        Curve::BrainpoolP256r1 => ct_mul::<bp256::BrainpoolP256r1>(k, base),
        Curve::BrainpoolP384r1 => ct_mul::<bp384::BrainpoolP384r1>(k, base),
        _ => {
            // Variable time, and the big integers are not wiped (see the module docs).
            let k = BigUint::from_bytes_be(k);
            let point = match base {
                None => weierstrass::public_key(curve, &k),
                Some(b) => {
                    let b = decode(curve, b)?;
                    weierstrass::mul_add(curve, &BigUint::zero(), &k, &b)
                }
            };
            point
                .map(|p| weierstrass::encode_point(curve, &p))
                .ok_or(AgreementError::Degenerate)
        }
    }
}

/// `s * G + H` (the PACE generic mapping), `s` reduced modulo `n`, `H` uncompressed and
/// already validated; the result uncompressed.
pub(super) fn map(curve: Curve, s: &[u8], h: &[u8]) -> Result<Vec<u8>, AgreementError> {
    match curve {
        Curve::P256 => ct_map::<p256::NistP256>(s, h),
        Curve::P384 => ct_map::<p384::NistP384>(s, h),
        Curve::P521 => ct_map::<p521::NistP521>(s, h),
        Curve::BrainpoolP256r1 => ct_map::<bp256::BrainpoolP256r1>(s, h),
        Curve::BrainpoolP384r1 => ct_map::<bp384::BrainpoolP384r1>(s, h),
        _ => {
            let s = BigUint::from_bytes_be(s) % &curve.params().n;
            let h = decode(curve, h)?;
            weierstrass::mul_add(curve, &s, &BigUint::from(1u32), &h)
                .map(|p| weierstrass::encode_point(curve, &p))
                .ok_or(AgreementError::Degenerate)
        }
    }
}

fn decode(curve: Curve, point: &[u8]) -> Result<weierstrass::AffinePoint, AgreementError> {
    weierstrass::decode_point(curve, point).map_err(|e| AgreementError::BadPoint {
        curve: curve.name(),
        reason: e.to_string(),
    })
}

fn ct_scalar<C>(k: &[u8]) -> Result<Zeroizing<NonZeroScalar<C>>, AgreementError>
where
    C: CurveArithmetic,
{
    let repr = FieldBytes::<C>::try_from(k).map_err(|_| AgreementError::InvalidPrivateKey)?;
    let scalar: Option<NonZeroScalar<C>> = NonZeroScalar::<C>::from_repr(repr).into_option();
    scalar
        .map(Zeroizing::new)
        .ok_or(AgreementError::InvalidPrivateKey)
}

fn ct_point<C>(point: &[u8]) -> Result<ProjectivePoint<C>, AgreementError>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    AffinePoint::<C>::from_sec1_bytes(point)
        .map(ProjectivePoint::<C>::from)
        .map_err(|_| AgreementError::BadPoint {
            curve: "EC",
            reason: "not a point on the curve".into(),
        })
}

fn ct_encode<C>(point: &ProjectivePoint<C>) -> Result<Vec<u8>, AgreementError>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    if bool::from(point.is_identity()) {
        return Err(AgreementError::Degenerate);
    }
    Ok(point.to_affine().to_sec1_point(false).as_bytes().to_vec())
}

fn ct_mul<C>(k: &[u8], base: Option<&[u8]>) -> Result<Vec<u8>, AgreementError>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = ct_scalar::<C>(k)?;
    let base = match base {
        Some(b) => ct_point::<C>(b)?,
        None => ProjectivePoint::<C>::generator(),
    };
    ct_encode::<C>(&(base * **k))
}

fn ct_map<C>(s: &[u8], h: &[u8]) -> Result<Vec<u8>, AgreementError>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // s mod n by Horner's rule in the scalar field: constant time for a given length.
    let radix = Scalar::<C>::from(256u64);
    let mut acc = Zeroizing::new(Scalar::<C>::from(0u64));
    for &byte in s {
        *acc = *acc * radix + Scalar::<C>::from(u64::from(byte));
    }
    let h = ct_point::<C>(h)?;
    ct_encode::<C>(&(ProjectivePoint::<C>::generator() * *acc + h))
}
