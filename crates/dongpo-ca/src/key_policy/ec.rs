//! EC public-key validation (NIST SP 800-56A Rev. 3, §5.6.2.3.3, full validation).
//!
//! Compressed points (SEC 1 §2.3.3, format byte 0x02 or 0x03) in a CSR are accepted and
//! canonicalised: the SubjectPublicKeyInfo parser decompresses them, so this check, the
//! key's binding to its person (SHA-256 of the canonical SPKI), retries and the issued
//! certificate all see the uncompressed form (0x04). A point handed to `validate` in
//! any other encoding is refused: only the parser's canonical form reaches it.

use dongpo_crypto::EcPublicKey;
use num_bigint::BigUint;

use super::KeyRejection;

/// Full public-key validation of `key.point` (uncompressed, as the parser gives it):
/// 1. not the point at infinity, 2. both coordinates in `[0, p-1]`, 3. on the curve,
/// 4. `n·Q = O`. Every curve dongpo knows has cofactor 1, so a point on the curve is
///    in the prime-order group and step 4 follows from step 3; a curve with another
///    cofactor is refused rather than half-checked.
pub(super) fn validate(key: &EcPublicKey) -> Result<(), KeyRejection> {
    let curve = key.curve;
    let params = curve.params();
    let invalid = |why: String| Err(KeyRejection::EcInvalidPoint(why));
    if params.h != 1 {
        return invalid(format!(
            "{curve} has cofactor {}; n·Q = O is not checked",
            params.h
        ));
    }
    let width = curve.field_bytes();
    let (x, y) = match key.point.split_first() {
        None => return invalid("empty point encoding".into()),
        Some((0x00, [])) => return invalid("the point at infinity".into()),
        Some((0x04, coordinates)) if coordinates.len() == 2 * width => coordinates.split_at(width),
        Some((0x04, coordinates)) => {
            return invalid(format!(
                "uncompressed point of {} bytes, {curve} needs {}",
                coordinates.len() + 1,
                2 * width + 1
            ));
        }
        Some((tag, _)) => {
            return invalid(format!(
                "format byte {tag:#04x}: expected an uncompressed point (0x04)"
            ));
        }
    };
    let (x, y) = (BigUint::from_bytes_be(x), BigUint::from_bytes_be(y));
    let p = &params.p;
    if x >= *p || y >= *p {
        return invalid(format!("coordinate not in [0, p-1] for {curve}"));
    }
    let lhs = (&y * &y) % p;
    let rhs = (&x * &x * &x + &params.a * &x + &params.b) % p;
    if lhs != rhs {
        return invalid(format!("point is not on {curve}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::KeyPolicy;
    use super::*;
    use dongpo_crypto::{Curve, KeySpec, PublicKey, SigningKey};

    fn ec_key(curve: Curve) -> EcPublicKey {
        match SigningKey::generate(KeySpec::Ec(curve))
            .unwrap()
            .public_key()
        {
            PublicKey::Ec(ec) => ec.clone(),
            PublicKey::Rsa(_) => panic!("not EC"),
        }
    }

    fn message(result: Result<(), KeyRejection>) -> String {
        match result {
            Err(KeyRejection::EcInvalidPoint(why)) => why,
            other => panic!("expected EcInvalidPoint, got {other:?}"),
        }
    }

    #[test]
    fn generated_points_are_valid_on_every_curve() {
        for curve in Curve::ALL {
            assert_eq!(validate(&ec_key(curve)), Ok(()), "{curve}");
        }
    }

    #[test]
    fn a_point_off_the_curve_is_refused_through_the_policy() {
        let mut key = ec_key(Curve::P256);
        let last = key.point.last_mut().unwrap();
        *last ^= 1;
        let policy = KeyPolicy::new(vec![KeySpec::Ec(Curve::P256)]);
        let why = message(policy.check(&PublicKey::Ec(key)));
        assert_eq!(why, "point is not on P-256");
    }

    #[test]
    fn infinity_bad_encodings_and_unreduced_coordinates_are_refused() {
        let good = ec_key(Curve::P256);
        let with_point = |point: Vec<u8>| EcPublicKey {
            point,
            ..good.clone()
        };
        assert_eq!(
            message(validate(&with_point(vec![0x00]))),
            "the point at infinity"
        );
        assert_eq!(
            message(validate(&with_point(Vec::new()))),
            "empty point encoding"
        );
        assert!(message(validate(&with_point(good.point[..33].to_vec()))).contains("33 bytes"));
        let mut compressed = good.point[..33].to_vec();
        compressed[0] = 0x02;
        assert!(message(validate(&with_point(compressed))).contains("0x02"));
        // (0, 0) is the usual stand-in for infinity; b != 0 keeps it off the curve.
        let mut zeros = vec![0x04];
        zeros.extend_from_slice(&[0; 64]);
        assert_eq!(
            message(validate(&with_point(zeros))),
            "point is not on P-256"
        );
    }

    /// The generator with `p` added to one coordinate: the same point modulo p, so
    /// only the range check can catch it.
    fn unreduced_generator(curve: Curve, bump_x: bool) -> EcPublicKey {
        let params = curve.params();
        let (mut x, mut y) = (params.gx.clone(), params.gy.clone());
        if bump_x {
            x += &params.p;
        } else {
            y += &params.p;
        }
        let width = curve.field_bytes();
        let mut point = vec![0x04];
        for c in [x, y] {
            let bytes = c.to_bytes_be();
            assert!(bytes.len() <= width, "{curve}: coordinate + p does not fit");
            point.extend(std::iter::repeat_n(0, width - bytes.len()));
            point.extend_from_slice(&bytes);
        }
        EcPublicKey {
            curve,
            point,
            explicit_parameters: false,
        }
    }

    #[test]
    fn unreduced_coordinates_are_refused_even_when_the_residue_is_on_the_curve() {
        // brainpoolP256r1: Gy + p < 2^256; brainpoolP384r1: Gx + p < 2^384.
        for (curve, bump_x) in [
            (Curve::BrainpoolP256r1, false),
            (Curve::BrainpoolP384r1, true),
        ] {
            let key = unreduced_generator(curve, bump_x);
            assert!(message(validate(&key)).contains("[0, p-1]"), "{curve}");
        }
        // Sanity: the reduced generator itself is valid.
        let params = Curve::BrainpoolP256r1.params();
        let mut point = vec![0x04];
        point.extend_from_slice(&params.gx.to_bytes_be());
        point.extend_from_slice(&params.gy.to_bytes_be());
        let generator = EcPublicKey {
            curve: Curve::BrainpoolP256r1,
            point,
            explicit_parameters: false,
        };
        assert_eq!(validate(&generator), Ok(()));
    }
}
