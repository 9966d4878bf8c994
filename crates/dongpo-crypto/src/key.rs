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

/// The longest RSA modulus dongpo verifies with, in bits.
///
/// Every signature check costs a public operation whose time grows with the square of
/// the modulus length (times the exponent length), and the keys come from untrusted
/// input (an SOD embeds its DSC; a DG15 its chip key). ICAO 9303-12 lists RSA keys up to
/// 4096 bits for CSCAs and DSCs; real CSCAs use 2048-6144 (the Dutch master list in
/// test-vectors/real); AWS-LC verifies up to 8192. Above this no backend is asked.
pub const MAX_RSA_MODULUS_BITS: usize = 8192;

/// The smallest RSA modulus dongpo accepts, in bits.
pub const MIN_RSA_MODULUS_BITS: usize = 512;

/// The longest RSA public exponent dongpo verifies with, in bits.
///
/// FIPS 186-5 §A.1.1 (and SP 800-56B) ask for `2^16 < e < 2^256`, so every
/// standards-conforming key fits; real passport keys use 3 or 65537 (at most 17 bits in
/// test-vectors/real and Wycheproof). The bound keeps one public operation at most 256
/// squarings of an 8192-bit number on the slowest (generic) backend instead of one per
/// modulus bit.
pub const MAX_RSA_EXPONENT_BITS: usize = 256;

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
    /// [`KeyError::Malformed`] for bad DER; otherwise as [`RsaPublicKey::check`] (a
    /// modulus or exponent over its limit, an even or tiny modulus, an exponent below 3
    /// or even). The limits hold before any backend sees the key.
    pub fn from_pkcs1(
        der: &[u8],
        pss_restriction: Option<Option<PssParams>>,
    ) -> Result<Self, KeyError> {
        let asn1 = RsaPublicKeyAsn1::from_der(der).map_err(|e| malformed("RSAPublicKey", e))?;
        let key = RsaPublicKey {
            modulus: asn1.modulus.as_bytes().to_vec(),
            exponent: asn1.public_exponent.as_bytes().to_vec(),
            pss_restriction,
        };
        key.check()?;
        Ok(key)
    }

    /// Checks what [`RsaPublicKey::from_pkcs1`] checks, for a key built field by field:
    /// a modulus of [`MIN_RSA_MODULUS_BITS`]..=[`MAX_RSA_MODULUS_BITS`] bits, odd; an odd
    /// exponent, at least 3, shorter than the modulus and of at most
    /// [`MAX_RSA_EXPONENT_BITS`] bits. The [`crate::Verifier`] asks it of every key, so
    /// no backend ever sees a key outside these bounds.
    ///
    /// # Errors
    /// [`KeyError::RsaModulusTooLarge`] or [`KeyError::RsaExponentTooLarge`] naming the
    /// size, [`KeyError::BadRsaKey`] for the rest.
    pub fn check(&self) -> Result<(), KeyError> {
        let bits = self.bits();
        if bits > MAX_RSA_MODULUS_BITS {
            return Err(KeyError::RsaModulusTooLarge {
                bits,
                max: MAX_RSA_MODULUS_BITS,
            });
        }
        let e_bits = match self.exponent.first() {
            Some(top) => self.exponent.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        };
        if e_bits > MAX_RSA_EXPONENT_BITS {
            return Err(KeyError::RsaExponentTooLarge {
                bits: e_bits,
                max: MAX_RSA_EXPONENT_BITS,
            });
        }
        if bits < MIN_RSA_MODULUS_BITS || self.modulus.last().is_none_or(|b| b & 1 == 0) {
            return Err(KeyError::BadRsaKey(format!("modulus of {bits} bits")));
        }
        let e_is_odd = self.exponent.last().is_some_and(|b| b & 1 == 1);
        // e < n follows from the limits: at most 256 bits against at least 512.
        if !e_is_odd || e_bits < 2 {
            return Err(KeyError::BadRsaKey(
                "public exponent must be odd, >= 3, < n".into(),
            ));
        }
        Ok(())
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
///
/// Bounded by construction: explicit parameters are only ever matched by value against
/// the fixed table of [`Curve::ALL`] (at most 521-bit fields), never used as given, so
/// the generic backend's arithmetic never runs over a field an input chose; a huge prime
/// costs one linear comparison and is refused as [`KeyError::UnknownExplicitCurve`].
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeySpec;
    use crate::sign::SigningKey;

    fn ec_key(curve: Curve) -> PublicKey {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        SigningKey::generate_with_rng(KeySpec::Ec(curve), &mut rng)
            .map(|k| k.public_key().clone())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn spki_with_point(der: &[u8], point: &[u8]) -> Vec<u8> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).unwrap();
        let key = BitStringRef::from_bytes(point).unwrap();
        SubjectPublicKeyInfoRef {
            algorithm: spki.algorithm,
            subject_public_key: key,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn named_and_explicit_parameters_give_the_same_key_on_every_curve() {
        for curve in Curve::ALL {
            let key = ec_key(curve);
            let named = PublicKey::from_spki_der(&key.to_spki_der()).unwrap();
            let explicit = PublicKey::from_spki_der(&key.to_spki_der_explicit()).unwrap();
            let (PublicKey::Ec(named), PublicKey::Ec(explicit)) = (named, explicit) else {
                panic!("not EC");
            };
            assert_eq!(named.curve, curve);
            assert_eq!(explicit.curve, curve);
            assert_eq!(named.point, explicit.point);
            assert!(!named.explicit_parameters && explicit.explicit_parameters);
        }
    }

    #[test]
    fn compressed_points_are_decompressed() {
        for curve in [Curve::P256, Curve::BrainpoolP224r1, Curve::BrainpoolP512r1] {
            let key = ec_key(curve);
            let PublicKey::Ec(ec) = &key else { panic!() };
            let len = curve.field_bytes();
            let y_odd = ec.point.last().is_some_and(|b| b & 1 == 1);
            let mut compressed = vec![if y_odd { 0x03 } else { 0x02 }];
            compressed.extend_from_slice(&ec.point[1..=len]);
            let der = spki_with_point(&key.to_spki_der_explicit(), &compressed);
            assert_eq!(
                PublicKey::from_spki_der(&der).unwrap().description(),
                key.description()
            );
            let PublicKey::Ec(parsed) = PublicKey::from_spki_der(&der).unwrap() else {
                panic!()
            };
            assert_eq!(parsed.point, ec.point);
        }
    }

    #[test]
    fn bad_keys_get_errors_that_name_the_problem() {
        let key = ec_key(Curve::P256);
        let der = key.to_spki_der();
        for cut in [0, 1, 10, der.len() - 1] {
            assert!(matches!(
                PublicKey::from_spki_der(&der[..cut]),
                Err(KeyError::Malformed { .. })
            ));
        }
        // a point moved off the curve
        let PublicKey::Ec(ec) = &key else { panic!() };
        let mut off = ec.point.clone();
        *off.last_mut().unwrap() ^= 1;
        let err = PublicKey::from_spki_der(&spki_with_point(&der, &off)).unwrap_err();
        assert!(matches!(err, KeyError::BadPoint { .. }), "{err}");
        // explicit parameters with one byte of the prime changed
        let explicit = key.to_spki_der_explicit();
        let PublicKey::Ec(_) = PublicKey::from_spki_der(&explicit).unwrap() else {
            panic!()
        };
        let prime_at = explicit
            .windows(4)
            .position(|w| w == [0xff, 0xff, 0xff, 0xff])
            .unwrap();
        let mut changed = explicit.clone();
        changed[prime_at] = 0xfe;
        assert_eq!(
            PublicKey::from_spki_der(&changed),
            Err(KeyError::UnknownExplicitCurve)
        );
        // an unknown named curve (secp256k1) and an unknown algorithm (Ed25519)
        let k1 = der
            .windows(10)
            .position(|w| w == [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07])
            .unwrap();
        let mut secp256k1 = der[..k1].to_vec();
        secp256k1.extend_from_slice(&[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]);
        secp256k1.extend_from_slice(&der[k1 + 10..]);
        secp256k1[1] -= 3;
        secp256k1[3] -= 3;
        assert!(matches!(
            PublicKey::from_spki_der(&secp256k1),
            Err(KeyError::UnknownNamedCurve(_))
        ));
        let ed25519 = hex_literal(
            "302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        );
        assert!(matches!(
            PublicKey::from_spki_der(&ed25519),
            Err(KeyError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn rsa_keys_report_their_size_and_refuse_nonsense() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = SigningKey::generate_with_rng(KeySpec::Rsa(1024), &mut rng).unwrap();
        let der = key.public_key().to_spki_der();
        assert_eq!(
            PublicKey::from_spki_der(&der).unwrap().description(),
            "rsa:1024"
        );
        // even exponent
        let PublicKey::Rsa(rsa) = key.public_key() else {
            panic!()
        };
        let bad = RsaPublicKey {
            exponent: vec![2],
            ..rsa.clone()
        };
        assert!(matches!(
            RsaPublicKey::from_pkcs1(&bad.to_pkcs1_der(), None),
            Err(KeyError::BadRsaKey(_))
        ));
    }

    /// A SubjectPublicKeyInfo for `n` and `e`, built without any of the parser's checks.
    fn rsa_spki(modulus: Vec<u8>, exponent: Vec<u8>) -> Vec<u8> {
        PublicKey::Rsa(RsaPublicKey {
            modulus,
            exponent,
            pss_restriction: None,
        })
        .to_spki_der()
    }

    /// A random odd modulus of exactly `bits` bits (not an RSA modulus: none is needed,
    /// the key must be refused before any arithmetic).
    fn odd_modulus(bits: usize) -> Vec<u8> {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let mut n = vec![0u8; bits / 8];
        rand_core::Rng::fill_bytes(&mut rng, &mut n);
        n[0] |= 0x80;
        *n.last_mut().unwrap() |= 1;
        n
    }

    #[test]
    fn oversized_rsa_keys_are_refused_at_parse_time_naming_the_size() {
        let f4 = vec![1, 0, 1];
        let err = PublicKey::from_spki_der(&rsa_spki(odd_modulus(16384), f4.clone())).unwrap_err();
        assert_eq!(
            err,
            KeyError::RsaModulusTooLarge {
                bits: 16384,
                max: 8192
            }
        );
        assert_eq!(
            err.to_string(),
            "RSA modulus of 16384 bits is above the limit of 8192 bits"
        );
        // Just above the limit is refused; the limit itself parses.
        assert!(matches!(
            PublicKey::from_spki_der(&rsa_spki(odd_modulus(8200), f4.clone())),
            Err(KeyError::RsaModulusTooLarge { bits: 8200, .. })
        ));
        assert_eq!(
            PublicKey::from_spki_der(&rsa_spki(odd_modulus(8192), f4.clone()))
                .unwrap()
                .description(),
            "rsa:8192"
        );
        // A long exponent: 257 bits refused, 256 bits and e = 3 accepted.
        let mut long = vec![0u8; 33];
        long[0] = 1;
        long[32] = 1;
        assert_eq!(
            PublicKey::from_spki_der(&rsa_spki(odd_modulus(2048), long)),
            Err(KeyError::RsaExponentTooLarge {
                bits: 257,
                max: 256
            })
        );
        let mut e256 = vec![0xffu8; 32];
        e256[31] = 0x01;
        for e in [e256, vec![3]] {
            assert!(PublicKey::from_spki_der(&rsa_spki(odd_modulus(2048), e)).is_ok());
        }
        // e = 1 stays refused.
        assert!(matches!(
            PublicKey::from_spki_der(&rsa_spki(odd_modulus(2048), vec![1])),
            Err(KeyError::BadRsaKey(_))
        ));
    }

    #[test]
    fn explicit_parameters_with_a_huge_prime_match_no_curve() {
        let key = ec_key(Curve::P256);
        let PublicKey::Ec(ec) = &key else { panic!() };
        let huge = odd_modulus(16384);
        let prime = UintRef::new(&huge).unwrap().to_der().unwrap();
        let (a, b) = (vec![0xff; 2048], vec![0x01; 2048]);
        let params = EcParametersAsn1 {
            version: 1,
            field_id: FieldIdAsn1 {
                field_type: oid::PRIME_FIELD,
                parameters: AnyRef::try_from(prime.as_slice()).unwrap(),
            },
            curve: CurveAsn1 {
                a: OctetStringRef::new(&a).unwrap(),
                b: OctetStringRef::new(&b).unwrap(),
                seed: None,
            },
            base: OctetStringRef::new(&ec.point).unwrap(),
            order: UintRef::new(&huge).unwrap(),
            cofactor: None,
        }
        .to_der()
        .unwrap();
        let der = SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid: oid::EC_PUBLIC_KEY,
                parameters: Some(AnyRef::try_from(params.as_slice()).unwrap()),
            },
            subject_public_key: BitStringRef::from_bytes(&ec.point).unwrap(),
        }
        .to_der()
        .unwrap();
        assert_eq!(
            PublicKey::from_spki_der(&der),
            Err(KeyError::UnknownExplicitCurve)
        );
    }

    fn hex_literal(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
