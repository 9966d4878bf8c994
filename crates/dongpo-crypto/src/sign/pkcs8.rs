//! PKCS#8 (RFC 5208) import and export of software keys, EC keys as RFC 5915 inside.

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use sec1::{EcParameters, EcPrivateKey};
use zeroize::Zeroizing;

use super::software::SoftwareKey;
use crate::curve::Curve;
use crate::error::SignError;
use crate::key::PublicKey;
use crate::oid;

fn bad(e: impl std::fmt::Display) -> SignError {
    SignError::BadKey(e.to_string())
}

pub(super) fn decode(der: &[u8]) -> Result<SoftwareKey, SignError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(|e| bad(format!("PKCS#8: {e}")))?;
    match info.algorithm.oid {
        oid::RSA_ENCRYPTION => match rsa::PrivateKey::from_pkcs8_der(der) {
            Ok(key) => Ok(SoftwareKey::Rsa(Box::new(key))),
            Err(first) => rsa_without_crt(info.private_key.as_bytes())
                .map(|key| SoftwareKey::Rsa(Box::new(key)))
                .map_err(|e| bad(format!("RSA key: {first}; without CRT values: {e}"))),
        },
        oid::EC_PUBLIC_KEY => {
            let named: ObjectIdentifier = info
                .algorithm
                .parameters
                .ok_or_else(|| bad("EC key without curve parameters"))?
                .decode_as()
                .map_err(|e| bad(format!("EC curve: {e}")))?;
            let curve = Curve::from_oid(&named.to_string())
                .ok_or_else(|| bad(format!("unsupported curve {named}")))?;
            let inner = EcPrivateKey::from_der(info.private_key.as_bytes())
                .map_err(|e| bad(format!("ECPrivateKey: {e}")))?;
            let len = curve.order_bits().div_ceil(8);
            if inner.private_key.len() != len {
                return Err(bad(format!(
                    "EC private key of {} bytes, expected {len}",
                    inner.private_key.len()
                )));
            }
            Ok(SoftwareKey::Ec {
                curve,
                d: Zeroizing::new(inner.private_key.to_vec()),
            })
        }
        other => Err(bad(format!("unsupported private key algorithm {other}"))),
    }
}

/// Some exported keys carry only `(n, e, d)` and zeroed CRT values (Wycheproof's
/// sig-gen keys do): recover the primes from `(n, e, d)` instead of refusing the key.
fn rsa_without_crt(pkcs1_der: &[u8]) -> Result<rsa::PrivateKey, String> {
    let key = pkcs1::RsaPrivateKey::from_der(pkcs1_der).map_err(|e| e.to_string())?;
    let uint = |v: &pkcs1::UintRef<'_>| rsa::BoxedUint::from_be_slice_vartime(v.as_bytes());
    rsa::PrivateKey::from_components(
        uint(&key.modulus),
        uint(&key.public_exponent),
        uint(&key.private_exponent),
        Vec::new(),
    )
    .map_err(|e| e.to_string())
}

pub(super) fn encode(
    key: &SoftwareKey,
    public: &PublicKey,
) -> Result<Zeroizing<Vec<u8>>, SignError> {
    match (key, public) {
        (SoftwareKey::Rsa(k), _) => {
            let doc = k.to_pkcs8_der().map_err(bad)?;
            Ok(Zeroizing::new(doc.as_bytes().to_vec()))
        }
        (SoftwareKey::Ec { curve, d }, PublicKey::Ec(ec)) => {
            let curve_oid = ObjectIdentifier::new(curve.oid()).map_err(bad)?;
            let inner = EcPrivateKey {
                private_key: d,
                parameters: Some(EcParameters::NamedCurve(curve_oid)),
                public_key: Some(&ec.point),
            };
            let inner_der = Zeroizing::new(inner.to_der().map_err(bad)?);
            let octets = OctetStringRef::new(inner_der.as_slice()).map_err(bad)?;
            let curve_any = der::asn1::AnyRef::from(&curve_oid);
            let info = pkcs8::PrivateKeyInfoRef::new(
                spki::AlgorithmIdentifier {
                    oid: oid::EC_PUBLIC_KEY,
                    parameters: Some(curve_any),
                },
                octets,
            );
            Ok(Zeroizing::new(info.to_der().map_err(bad)?))
        }
        _ => Err(bad("public key does not match private key")),
    }
}
