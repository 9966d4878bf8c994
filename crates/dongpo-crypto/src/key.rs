//! Public keys from SubjectPublicKeyInfo, normalised so that backends see only
//! `(n, e)` for RSA and `(named curve, uncompressed point)` for EC.
//!
//! Real CSCA and DSC keys carry *explicit* EC domain parameters almost everywhere; they
//! are recognised by value against the table in [`crate::curve`] and never guessed.

use der::asn1::{AnyRef, BitStringRef, Null, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use spki::SubjectPublicKeyInfoRef;

use crate::curve::Curve;
use crate::error::KeyError;
use crate::oid;
use crate::pss::PssParams;
use crate::weierstrass;

/// A public key dongpo can verify with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// An RSA key.
    Rsa(RsaPublicKey),
    /// An EC key on a known prime curve.
    Ec(EcPublicKey),
}

/// An RSA public key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RsaPublicKey {
    /// Modulus, big-endian, no leading zero bytes.
    pub modulus: Vec<u8>,
    /// Public exponent, big-endian, no leading zero bytes.
    pub exponent: Vec<u8>,
    /// Set when the SPKI was `id-RSASSA-PSS` with parameters: the key may only be used
    /// with exactly these (RFC 4055 §3.1). `Some(None)` for a PSS key without them.
    pub pss_restriction: Option<Option<PssParams>>,
}

/// An EC public key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EcPublicKey {
    /// The curve, recognised from a named-curve OID or explicit parameters.
    pub curve: Curve,
    /// The point, SEC1 uncompressed (`04 || x || y`).
    pub point: Vec<u8>,
    /// The SPKI spelled the curve out as explicit domain parameters.
    pub explicit_parameters: bool,
}

/// `RSAPublicKey` (PKCS#1).
#[derive(Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// X9.62 / RFC 3279 `ECParameters` (the explicit, "specifiedCurve" form).
#[derive(Sequence)]
struct EcParametersAsn1<'a> {
    version: u8,
    field_id: FieldIdAsn1<'a>,
    curve: CurveAsn1<'a>,
    base: &'a OctetStringRef,
    order: UintRef<'a>,
    #[asn1(optional = "true")]
    cofactor: Option<UintRef<'a>>,
}

#[derive(Sequence)]
struct FieldIdAsn1<'a> {
    field_type: ObjectIdentifier,
    parameters: AnyRef<'a>,
}

#[derive(Sequence)]
struct CurveAsn1<'a> {
    a: &'a OctetStringRef,
    b: &'a OctetStringRef,
    #[asn1(optional = "true")]
    seed: Option<BitStringRef<'a>>,
}

fn malformed(what: &'static str, e: impl std::fmt::Display) -> KeyError {
    KeyError::Malformed {
        what,
        reason: e.to_string(),
    }
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// A [`KeyError`] naming what is malformed or unsupported.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| malformed("SubjectPublicKeyInfo", e))?;
        Self::from_spki(&spki)
    }

    /// Interprets a parsed SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// A [`KeyError`] naming what is malformed or unsupported.
    pub fn from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<Self, KeyError> {
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| malformed("subjectPublicKey", "BIT STRING has unused bits"))?;
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION => Ok(PublicKey::Rsa(RsaPublicKey::from_pkcs1(key_bytes, None)?)),
            oid::RSASSA_PSS => {
                let restriction = match spki.algorithm.parameters {
                    None => None,
                    Some(p) => Some(
                        PssParams::from_parameters(Some(p))
                            .map_err(|e| malformed("RSASSA-PSS key parameters", e))?,
                    ),
                };
                Ok(PublicKey::Rsa(RsaPublicKey::from_pkcs1(
                    key_bytes,
                    Some(restriction),
                )?))
            }
            oid::EC_PUBLIC_KEY => {
                let params = spki
                    .algorithm
                    .parameters
                    .ok_or_else(|| malformed("EC key parameters", "absent"))?;
                let (curve, explicit_parameters) = curve_from_parameters(params)?;
                let point = weierstrass::decode_point(curve, key_bytes).map_err(|e| {
                    KeyError::BadPoint {
                        curve: curve.name(),
                        reason: e.to_string(),
                    }
                })?;
                Ok(PublicKey::Ec(EcPublicKey {
                    curve,
                    point: weierstrass::encode_point(curve, &point),
                    explicit_parameters,
                }))
            }
            other => Err(KeyError::UnsupportedAlgorithm(other)),
        }
    }

    /// The key as written in reports: `rsa:3072`, `ec:brainpoolP256r1`.
    #[must_use]
    pub fn description(&self) -> String {
        match self {
            PublicKey::Rsa(k) => format!("rsa:{}", k.bits()),
            PublicKey::Ec(k) => format!("ec:{}", k.curve.name()),
        }
    }

    /// DER SubjectPublicKeyInfo: `rsaEncryption` with NULL parameters, EC keys with a
    /// namedCurve OID (RFC 5480). A PSS restriction is not written back.
    #[must_use]
    pub fn to_spki_der(&self) -> Vec<u8> {
        self.encode_spki(false)
    }

    /// DER SubjectPublicKeyInfo with EC domain parameters spelled out (ECParameters), as
    /// ICAO 9303-12 asks of CSCA and DSC keys. RSA keys are written as by `to_spki_der`.
    #[must_use]
    pub fn to_spki_der_explicit(&self) -> Vec<u8> {
        self.encode_spki(true)
    }

    fn encode_spki(&self, explicit: bool) -> Vec<u8> {
        let (oid, params, key) = match self {
            PublicKey::Rsa(rsa) => (oid::RSA_ENCRYPTION, Null.to_der(), rsa.to_pkcs1_der()),
            PublicKey::Ec(ec) if explicit => (
                oid::EC_PUBLIC_KEY,
                explicit_parameters_der(ec.curve),
                ec.point.clone(),
            ),
            PublicKey::Ec(ec) => {
                let named = ObjectIdentifier::new(ec.curve.oid())
                    .map_err(|_| der::Error::from(der::ErrorKind::OidMalformed))
                    .and_then(|o| o.to_der());
                (oid::EC_PUBLIC_KEY, named, ec.point.clone())
            }
        };
        let (Ok(params), Ok(key)) = (params, BitStringRef::from_bytes(&key)) else {
            return Vec::new();
        };
        let spki = SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid,
                parameters: AnyRef::try_from(params.as_slice()).ok(),
            },
            subject_public_key: key,
        };
        spki.to_der().unwrap_or_default()
    }

    /// Key size in bits (modulus for RSA, field for EC).
    #[must_use]
    pub fn bits(&self) -> usize {
        match self {
            PublicKey::Rsa(k) => k.bits(),
            PublicKey::Ec(k) => k.curve.order_bits(),
        }
    }
}

impl RsaPublicKey {
    /// Parses a PKCS#1 `RSAPublicKey`.
    ///
    /// # Errors
    /// [`KeyError::Malformed`] for bad DER, [`KeyError::BadRsaKey`] for an even or tiny
    /// modulus or an exponent below 3 or even.
    pub fn from_pkcs1(
        der: &[u8],
        pss_restriction: Option<Option<PssParams>>,
    ) -> Result<Self, KeyError> {
        let asn1 = RsaPublicKeyAsn1::from_der(der).map_err(|e| malformed("RSAPublicKey", e))?;
        let modulus = asn1.modulus.as_bytes().to_vec();
        let exponent = asn1.public_exponent.as_bytes().to_vec();
        let key = RsaPublicKey {
            modulus,
            exponent,
            pss_restriction,
        };
        if key.bits() < 512 || key.modulus.last().is_none_or(|b| b & 1 == 0) {
            return Err(KeyError::BadRsaKey(format!(
                "modulus of {} bits",
                key.bits()
            )));
        }
        let e_is_odd = key.exponent.last().is_some_and(|b| b & 1 == 1);
        if !e_is_odd || key.exponent.as_slice() == [1] || key.exponent.len() > key.modulus.len() {
            return Err(KeyError::BadRsaKey(
                "public exponent must be odd, >= 3, < n".into(),
            ));
        }
        Ok(key)
    }

    /// PKCS#1 `RSAPublicKey` DER of this key.
    #[must_use]
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        let (Ok(modulus), Ok(public_exponent)) =
            (UintRef::new(&self.modulus), UintRef::new(&self.exponent))
        else {
            return Vec::new();
        };
        RsaPublicKeyAsn1 {
            modulus,
            public_exponent,
        }
        .to_der()
        .unwrap_or_default()
    }

    /// Modulus length in bytes (the length of every signature).
    #[must_use]
    pub fn byte_len(&self) -> usize {
        self.bits().div_ceil(8)
    }

    /// Modulus length in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        match self.modulus.first() {
            Some(top) => self.modulus.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        }
    }
}

/// `ECParameters` DER for a curve: prime field, a, b, uncompressed G, n, cofactor.
fn explicit_parameters_der(curve: Curve) -> der::Result<Vec<u8>> {
    let params = curve.params();
    let width = curve.field_bytes();
    let pad = |v: &num_bigint::BigUint| {
        let raw = v.to_bytes_be();
        let mut out = vec![0u8; width.saturating_sub(raw.len())];
        out.extend_from_slice(&raw);
        out
    };
    let (p, a, b) = (params.p.to_bytes_be(), pad(&params.a), pad(&params.b));
    let mut g = vec![0x04];
    g.extend_from_slice(&pad(&params.gx));
    g.extend_from_slice(&pad(&params.gy));
    let (n, h) = (
        params.n.to_bytes_be(),
        num_bigint::BigUint::from(params.h).to_bytes_be(),
    );
    let prime = UintRef::new(&p)?.to_der()?;
    EcParametersAsn1 {
        version: 1,
        field_id: FieldIdAsn1 {
            field_type: oid::PRIME_FIELD,
            parameters: AnyRef::try_from(prime.as_slice())?,
        },
        curve: CurveAsn1 {
            a: OctetStringRef::new(&a)?,
            b: OctetStringRef::new(&b)?,
            seed: None,
        },
        base: OctetStringRef::new(&g)?,
        order: UintRef::new(&n)?,
        cofactor: Some(UintRef::new(&h)?),
    }
    .to_der()
}

/// The curve named by EC key parameters: a namedCurve OID or explicit ECParameters.
fn curve_from_parameters(params: AnyRef<'_>) -> Result<(Curve, bool), KeyError> {
    if let Ok(named) = params.decode_as::<ObjectIdentifier>() {
        let curve =
            Curve::from_oid(&named.to_string()).ok_or(KeyError::UnknownNamedCurve(named))?;
        return Ok((curve, false));
    }
    let explicit: EcParametersAsn1<'_> = params.decode_as().map_err(|e| {
        malformed(
            "EC key parameters (neither named curve nor ECParameters)",
            e,
        )
    })?;
    if explicit.version != 1 {
        return Err(malformed(
            "ECParameters",
            format!("version {}", explicit.version),
        ));
    }
    if explicit.field_id.field_type != oid::PRIME_FIELD {
        return Err(malformed(
            "ECParameters",
            format!(
                "field type {} (only prime fields are used)",
                explicit.field_id.field_type
            ),
        ));
    }
    let prime: UintRef<'_> = explicit
        .field_id
        .parameters
        .decode_as()
        .map_err(|e| malformed("ECParameters prime", e))?;
    let curve = Curve::from_explicit(
        prime.as_bytes(),
        explicit.curve.a.as_bytes(),
        explicit.curve.b.as_bytes(),
        explicit.base.as_bytes(),
        explicit.order.as_bytes(),
        explicit.cofactor.as_ref().map(UintRef::as_bytes),
    )
    .ok_or(KeyError::UnknownExplicitCurve)?;
    Ok((curve, true))
}
