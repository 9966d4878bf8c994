//! The public key of a token key pair, rebuilt from its PKCS#11 attributes.

use const_oid::ObjectIdentifier;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectHandle};
use cryptoki::session::Session;
use der::asn1::{AnyRef, BitStringRef, OctetStringRef};
use der::{Decode, Encode};
use dongpo_crypto::{Curve, PublicKey, RsaPublicKey};

use super::token::pkcs11_error;
use crate::keys::IssuerKeyError;

/// Builds the [`PublicKey`] from the public object's attributes, validated by the same
/// parser as any SubjectPublicKeyInfo (curve recognised, point on the curve).
pub(super) fn read_public_key(
    session: &Session,
    handle: ObjectHandle,
    token: &str,
    label: &str,
) -> Result<PublicKey, IssuerKeyError> {
    let attributes = session
        .get_attributes(
            handle,
            &[
                AttributeType::KeyType,
                AttributeType::EcParams,
                AttributeType::EcPoint,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
            ],
        )
        .map_err(|e| pkcs11_error(token, "read public key", &e))?;
    let mut key_type = None;
    let (mut params, mut point, mut modulus, mut exponent) = (None, None, None, None);
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::EcParams(v) => params = Some(v),
            Attribute::EcPoint(v) => point = Some(v),
            Attribute::Modulus(v) => modulus = Some(v),
            Attribute::PublicExponent(v) => exponent = Some(v),
            _ => {}
        }
    }
    let bad = |reason: &str| bad_public(token, label, reason);
    match (key_type, params, point, modulus, exponent) {
        (Some(KeyType::EC), Some(params), Some(point), _, _) => {
            ec_public_key(&params, &point).map_err(|reason| bad(&reason))
        }
        (Some(KeyType::RSA), _, _, Some(modulus), Some(exponent)) => {
            let strip = |v: &[u8]| {
                let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
                v.get(first..).unwrap_or_default().to_vec()
            };
            let key = RsaPublicKey {
                modulus: strip(&modulus),
                exponent: strip(&exponent),
                pss_restriction: None,
            };
            RsaPublicKey::from_pkcs1(&key.to_pkcs1_der(), None)
                .map(PublicKey::Rsa)
                .map_err(|e| bad(&e.to_string()))
        }
        (Some(other), ..) => Err(bad(&format!("key type {other} is not EC or RSA"))),
        (None, ..) => Err(bad("CKA_KEY_TYPE is missing")),
    }
}

/// `CKA_EC_PARAMS` is DER `ECParameters`; `CKA_EC_POINT` should be a DER OCTET STRING
/// around the SEC1 point, but some tokens return the bare point.
pub(super) fn ec_public_key(params: &[u8], point: &[u8]) -> Result<PublicKey, String> {
    let raw_len = <ObjectIdentifier>::from_der(params)
        .ok()
        .and_then(|oid| Curve::from_oid(&oid.to_string()))
        .map(|curve| 1 + 2 * curve.field_bytes());
    // The length tells the two apart: a bare point always starts with 0x04, the
    // OCTET STRING tag, so the first byte cannot.
    let sec1 = if raw_len == Some(point.len()) {
        point
    } else {
        <&OctetStringRef>::from_der(point)
            .map(OctetStringRef::as_bytes)
            .unwrap_or(point)
    };
    let spki = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifier {
            oid: dongpo_crypto::oid::EC_PUBLIC_KEY,
            parameters: Some(AnyRef::try_from(params).map_err(|e| format!("CKA_EC_PARAMS: {e}"))?),
        },
        subject_public_key: BitStringRef::from_bytes(sec1)
            .map_err(|e| format!("CKA_EC_POINT: {e}"))?,
    };
    let der = spki.to_der().map_err(|e| e.to_string())?;
    PublicKey::from_spki_der(&der).map_err(|e| e.to_string())
}

pub(super) fn bad_public(token: &str, label: &str, reason: &str) -> IssuerKeyError {
    IssuerKeyError::BadPublicKey {
        token: token.to_owned(),
        label: label.to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongpo_crypto::KeySpec;

    #[test]
    fn ec_point_is_accepted_wrapped_or_bare() {
        let key = dongpo_crypto::SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
        let PublicKey::Ec(ec) = key.public_key() else {
            panic!("not EC");
        };
        let params = ObjectIdentifier::new(Curve::P256.oid())
            .unwrap()
            .to_der()
            .unwrap();
        let wrapped = OctetStringRef::new(&ec.point).unwrap().to_der().unwrap();
        for point in [&wrapped, &ec.point] {
            assert_eq!(&ec_public_key(&params, point).unwrap(), key.public_key());
        }
        let mut off_curve = ec.point.clone();
        *off_curve.last_mut().unwrap() ^= 1;
        assert!(ec_public_key(&params, &off_curve).is_err());
    }
}
