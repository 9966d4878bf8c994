//! EF.DG14: `6E { SecurityInfos }` (9303-10 §4.7.14, 9303-11 §9.2, BSI TR-03110-3 A.1).
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo  ::= SEQUENCE { protocol OBJECT IDENTIFIER,
//!                              requiredData ANY DEFINED BY protocol,
//!                              optionalData ANY DEFINED BY protocol OPTIONAL }
//! ```
//!
//! The SET is walked element by element rather than decoded as a DER `SET OF`: real
//! DG14s (the BSI TR-03105-5 reference passport among them) do not sort their elements
//! as DER requires, and the file is authenticated by its hash in the SOD, not by its
//! encoding. Each element is then decoded strictly (DER) according to its protocol OID;
//! protocols dongpo does not know are kept as [`SecurityInfo::Unknown`].

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Sequence};
use dongpo_crypto::{AlgorithmError, HashAlgorithm, KeyError, PublicKey, SignatureAlgorithm};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use super::{DataGroup, LdsError, LdsFile, outer};
use crate::encoding::oid::AA_PROTOCOL;
use crate::encoding::tlv::Tlv;

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg14);

/// id-PK (BSI TR-03110): parent of id-PK-DH and id-PK-ECDH.
pub const ID_PK: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1");
/// id-PK-DH: Chip Authentication public key, Diffie-Hellman.
pub const ID_PK_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.1");
/// id-PK-ECDH: Chip Authentication public key, elliptic-curve Diffie-Hellman.
pub const ID_PK_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.1.2");
/// id-TA: Terminal Authentication.
pub const ID_TA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.2");
/// id-CA: parent of id-CA-DH and id-CA-ECDH.
pub const ID_CA: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3");
/// id-CA-DH: DH Chip Authentication; its children name the cipher suite.
pub const ID_CA_DH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.1");
/// id-CA-ECDH: ECDH Chip Authentication; its children name the cipher suite.
pub const ID_CA_ECDH: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.3.2");
/// id-PACE: parent of the PACE mappings (DH-GM, ECDH-GM, DH-IM, ECDH-IM, ECDH-CAM).
pub const ID_PACE: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4");

/// `ActiveAuthenticationInfo` (9303-11 §9.2.9): present when AA uses ECDSA.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ActiveAuthenticationInfo {
    /// id-icao-mrtd-security-aaProtocolObject, 2.23.136.1.1.5.
    pub protocol: ObjectIdentifier,
    /// Version, 1.
    pub version: u32,
    /// The signature algorithm the chip uses (an ECDSA OID).
    pub signature_algorithm: ObjectIdentifier,
}

impl ActiveAuthenticationInfo {
    /// The signature algorithm with its hash and encoding: ecdsa-plain-SHA* (BSI
    /// TR-03111, `r || s`) or X9.62 ecdsa-with-SHA* (DER).
    ///
    /// # Errors
    /// [`AlgorithmError::UnknownSignature`] for any other OID.
    pub fn algorithm(&self) -> Result<SignatureAlgorithm, AlgorithmError> {
        SignatureAlgorithm::from_oid_and_parameters(&self.signature_algorithm, None, None)
    }

    /// The hash the AA signature uses.
    ///
    /// # Errors
    /// As [`ActiveAuthenticationInfo::algorithm`].
    pub fn hash_algorithm(&self) -> Result<HashAlgorithm, AlgorithmError> {
        self.algorithm().map(|a| a.hash())
    }
}

/// `ChipAuthenticationInfo`: protocol id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-*}.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ChipAuthenticationInfo {
    /// The CA protocol and cipher suite.
    pub protocol: ObjectIdentifier,
    /// Version, 1 or 2 (3 in TR-03110 v2.2 for CA3).
    pub version: u32,
    /// Identifies the key when there are several.
    #[asn1(optional = "true")]
    pub key_id: Option<u64>,
}

/// `ChipAuthenticationDomainParameterInfo`: protocol id-CA-DH or id-CA-ECDH.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ChipAuthenticationDomainParameterInfo {
    /// id-CA-DH or id-CA-ECDH.
    pub protocol: ObjectIdentifier,
    /// The domain parameters.
    pub domain_parameter: AlgorithmIdentifierOwned,
    /// Identifies the key when there are several.
    #[asn1(optional = "true")]
    pub key_id: Option<u64>,
}

/// `ChipAuthenticationPublicKeyInfo` as decoded, before the SPKI bytes are kept.
#[derive(Sequence)]
struct ChipAuthenticationPublicKeyInfoAsn1<'a> {
    protocol: ObjectIdentifier,
    chip_authentication_public_key: SubjectPublicKeyInfoRef<'a>,
    #[asn1(optional = "true")]
    key_id: Option<u64>,
}

/// `ChipAuthenticationPublicKeyInfo`: protocol id-PK-DH or id-PK-ECDH.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// id-PK-DH or id-PK-ECDH.
    pub protocol: ObjectIdentifier,
    /// The algorithm OID inside the SubjectPublicKeyInfo (id-ecPublicKey,
    /// dhpublicnumber, ...).
    pub key_algorithm: ObjectIdentifier,
    /// The SubjectPublicKeyInfo exactly as stored in DG14.
    pub spki_der: Vec<u8>,
    /// Identifies the key when there are several.
    pub key_id: Option<u64>,
}

impl ChipAuthenticationPublicKeyInfo {
    /// The key as a [`PublicKey`] (EC keys; DH keys are not signature keys and fail
    /// with [`KeyError::UnsupportedAlgorithm`]).
    ///
    /// # Errors
    /// A [`KeyError`] naming what is wrong with the key.
    pub fn public_key(&self) -> Result<PublicKey, KeyError> {
        PublicKey::from_spki_der(&self.spki_der)
    }
}

/// `FileID ::= SEQUENCE { fid OCTET STRING (SIZE(2)), sfid OCTET STRING (SIZE(1)) OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct FileId {
    /// File identifier.
    pub fid: OctetString,
    /// Short file identifier.
    #[asn1(optional = "true")]
    pub sfid: Option<OctetString>,
}

/// `TerminalAuthenticationInfo`: protocol id-TA.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TerminalAuthenticationInfo {
    /// id-TA.
    pub protocol: ObjectIdentifier,
    /// Version, 1 or 2.
    pub version: u32,
    /// EF.CVCA (TR-03110 v1 only).
    #[asn1(optional = "true")]
    pub ef_cvca: Option<FileId>,
}

/// `PACEInfo`: protocol id-PACE-{mapping}-{cipher suite}.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PaceInfo {
    /// The PACE mapping and cipher suite.
    pub protocol: ObjectIdentifier,
    /// Version, 2.
    pub version: u32,
    /// A standardised domain parameter ID (9303-11 §9.5.1), or a proprietary one.
    #[asn1(optional = "true")]
    pub parameter_id: Option<u64>,
}

/// `PACEDomainParameterInfo`: protocol id-PACE-{mapping}.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PaceDomainParameterInfo {
    /// The PACE mapping.
    pub protocol: ObjectIdentifier,
    /// Explicit domain parameters.
    pub domain_parameter: AlgorithmIdentifierOwned,
    /// The proprietary parameter ID they stand for.
    #[asn1(optional = "true")]
    pub parameter_id: Option<u64>,
}

/// One `SecurityInfo` of DG14.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityInfo {
    /// Active Authentication with ECDSA.
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// Chip Authentication protocol and version.
    ChipAuthentication(ChipAuthenticationInfo),
    /// Chip Authentication domain parameters.
    ChipAuthenticationDomainParameter(ChipAuthenticationDomainParameterInfo),
    /// Chip Authentication public key.
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// Terminal Authentication.
    TerminalAuthentication(TerminalAuthenticationInfo),
    /// PACE protocol and parameters.
    Pace(PaceInfo),
    /// PACE domain parameters.
    PaceDomainParameter(PaceDomainParameterInfo),
    /// A protocol dongpo does not interpret (RI, CardInfo, national ones, ...).
    Unknown {
        /// The protocol OID.
        oid: ObjectIdentifier,
        /// The whole SecurityInfo as stored.
        raw: Vec<u8>,
    },
}

impl SecurityInfo {
    /// The protocol OID.
    #[must_use]
    pub fn protocol(&self) -> ObjectIdentifier {
        match self {
            SecurityInfo::ActiveAuthentication(i) => i.protocol,
            SecurityInfo::ChipAuthentication(i) => i.protocol,
            SecurityInfo::ChipAuthenticationDomainParameter(i) => i.protocol,
            SecurityInfo::ChipAuthenticationPublicKey(i) => i.protocol,
            SecurityInfo::TerminalAuthentication(i) => i.protocol,
            SecurityInfo::Pace(i) => i.protocol,
            SecurityInfo::PaceDomainParameter(i) => i.protocol,
            SecurityInfo::Unknown { oid, .. } => *oid,
        }
    }
}

/// The content of EF.DG14.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dg14 {
    /// The SecurityInfos in file order.
    pub infos: Vec<SecurityInfo>,
}

impl Dg14 {
    /// Parses the complete EF.DG14 file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure, a missing SET, an element that is not a
    /// SEQUENCE starting with an OID, or a known protocol whose fields do not decode.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let file = outer(FILE, bytes)?;
        let tlv_err = |source| LdsError::Tlv { file: FILE, source };
        let mut reader = file.children();
        let set = reader.expect(0x31).map_err(tlv_err)?;
        reader.finish().map_err(tlv_err)?;
        Ok(Dg14 {
            infos: security_infos(FILE, &set)?,
        })
    }

    /// The `ActiveAuthenticationInfo`, if the chip does AA with ECDSA.
    ///
    /// The first of the SET OF SecurityInfos is taken. That is safe: DG14 counts for
    /// Active Authentication only when the SOD covers its hash (`passive_auth.rs`), so
    /// only the issuer could list two, and either names the hash for a signature that
    /// must still verify under the covered DG15 key over the verifier's own challenge.
    #[must_use]
    pub fn active_authentication(&self) -> Option<&ActiveAuthenticationInfo> {
        self.infos.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuthentication(aa) => Some(aa),
            _ => None,
        })
    }

    /// Every `ChipAuthenticationInfo`.
    pub fn chip_authentication(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthentication(ca) => Some(ca),
            _ => None,
        })
    }

    /// Every `ChipAuthenticationPublicKeyInfo`.
    pub fn chip_authentication_public_keys(
        &self,
    ) -> impl Iterator<Item = &ChipAuthenticationPublicKeyInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthenticationPublicKey(pk) => Some(pk),
            _ => None,
        })
    }
}

/// True when `oid` is `parent` plus exactly one arc.
fn is_child_of(oid: &ObjectIdentifier, parent: &ObjectIdentifier) -> bool {
    oid.parent().as_ref() == Some(parent)
}

/// True when `oid` is `grandparent` plus exactly two arcs.
fn is_grandchild_of(oid: &ObjectIdentifier, grandparent: &ObjectIdentifier) -> bool {
    oid.parent()
        .and_then(|p| p.parent())
        .as_ref()
        .is_some_and(|g| g == grandparent)
}

fn der_err(file: LdsFile, what: &'static str) -> impl FnOnce(der::Error) -> LdsError {
    move |source| LdsError::Der { file, what, source }
}

fn decode<'a, T: Decode<'a, Error = der::Error>>(
    file: LdsFile,
    raw: &'a [u8],
    what: &'static str,
) -> Result<T, LdsError> {
    T::from_der(raw).map_err(der_err(file, what))
}

/// The SecurityInfos of a `SET OF SecurityInfo` (DG14's content, or the whole of
/// EF.CardAccess), in file order; errors name `file`.
pub(crate) fn security_infos(file: LdsFile, set: &Tlv<'_>) -> Result<Vec<SecurityInfo>, LdsError> {
    let tlv_err = |source| LdsError::Tlv { file, source };
    set.children()
        .map(|element| security_info(file, &element.map_err(tlv_err)?))
        .collect()
}

fn security_info(file: LdsFile, element: &Tlv<'_>) -> Result<SecurityInfo, LdsError> {
    let tlv_err = |source| LdsError::Tlv { file, source };
    let element = element.expect_tag(0x30).map_err(tlv_err)?;
    let mut fields = element.children();
    let oid_tlv = fields.expect(0x06).map_err(tlv_err)?;
    let oid = ObjectIdentifier::from_bytes(oid_tlv.value).map_err(|e| LdsError::Malformed {
        file,
        what: "SecurityInfo protocol",
        reason: format!("OID at offset {}: {e}", oid_tlv.offset),
    })?;
    let raw = element.raw;
    let info = if oid == AA_PROTOCOL {
        SecurityInfo::ActiveAuthentication(decode(file, raw, "ActiveAuthenticationInfo")?)
    } else if is_child_of(&oid, &ID_PK) {
        let asn1: ChipAuthenticationPublicKeyInfoAsn1<'_> =
            decode(file, raw, "ChipAuthenticationPublicKeyInfo")?;
        // The SPKI as stored, not re-encoded: it is the second field of the element.
        let spki = fields.read().map_err(tlv_err)?;
        SecurityInfo::ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo {
            protocol: asn1.protocol,
            key_algorithm: asn1.chip_authentication_public_key.algorithm.oid,
            spki_der: spki.raw.to_vec(),
            key_id: asn1.key_id,
        })
    } else if oid == ID_TA {
        SecurityInfo::TerminalAuthentication(decode(file, raw, "TerminalAuthenticationInfo")?)
    } else if is_child_of(&oid, &ID_CA) {
        SecurityInfo::ChipAuthenticationDomainParameter(decode(
            file,
            raw,
            "ChipAuthenticationDomainParameterInfo",
        )?)
    } else if is_grandchild_of(&oid, &ID_CA) {
        SecurityInfo::ChipAuthentication(decode(file, raw, "ChipAuthenticationInfo")?)
    } else if is_child_of(&oid, &ID_PACE) {
        SecurityInfo::PaceDomainParameter(decode(file, raw, "PACEDomainParameterInfo")?)
    } else if is_grandchild_of(&oid, &ID_PACE) {
        SecurityInfo::Pace(decode(file, raw, "PACEInfo")?)
    } else {
        SecurityInfo::Unknown {
            oid,
            raw: raw.to_vec(),
        }
    };
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;
    use dongpo_crypto::{Curve, EcdsaEncoding};

    const BP224_SPKI_START: [u8; 4] = [0x30, 0x82, 0x01, 0x13];

    #[test]
    fn bsi_reference_passport() {
        let bytes = testdata::read("real/bsi-tr03105-5/Datagroup14.bin");
        let dg14 = Dg14::parse(&bytes).unwrap();
        assert_eq!(dg14.infos.len(), 3);
        // File order, which is not DER SET order.
        let protocols: Vec<String> = dg14
            .infos
            .iter()
            .map(|i| i.protocol().to_string())
            .collect();
        assert_eq!(
            protocols,
            [
                "0.4.0.127.0.7.2.2.1.2",
                "0.4.0.127.0.7.2.2.3.2.1",
                "0.4.0.127.0.7.2.2.2"
            ]
        );
        let pk = dg14.chip_authentication_public_keys().next().unwrap();
        assert_eq!(pk.protocol, ID_PK_ECDH);
        assert_eq!(pk.key_id, None);
        assert_eq!(pk.key_algorithm.to_string(), "1.2.840.10045.2.1");
        assert!(pk.spki_der.starts_with(&BP224_SPKI_START));
        assert_eq!(pk.spki_der.len(), 4 + 0x113);
        let PublicKey::Ec(key) = pk.public_key().unwrap() else {
            panic!("not EC")
        };
        assert_eq!(key.curve, Curve::BrainpoolP224r1);
        assert!(key.explicit_parameters);
        // DG14_pk.bin, published beside the data set, is this SPKI byte for byte.
        assert_eq!(
            pk.spki_der,
            testdata::read("real/bsi-tr03105-5/DG14_pk.bin")
        );
        let ca: Vec<_> = dg14.chip_authentication().collect();
        assert_eq!(ca.len(), 1);
        assert_eq!(ca[0].protocol.to_string(), "0.4.0.127.0.7.2.2.3.2.1");
        assert_eq!(ca[0].version, 1);
        assert!(matches!(
            &dg14.infos[2],
            SecurityInfo::TerminalAuthentication(ta) if ta.version == 1 && ta.ef_cvca.is_none()
        ));
        assert!(dg14.active_authentication().is_none());
    }

    #[test]
    fn bsi_2008_passport() {
        // Same layout as the TR-03105-5 passport, another chip key on the same curve.
        let old = Dg14::parse(&testdata::read("real/jmrtd-bsi2008/Datagroup14.bin")).unwrap();
        let new = Dg14::parse(&testdata::read("real/bsi-tr03105-5/Datagroup14.bin")).unwrap();
        let protocols = |d: &Dg14| {
            d.infos
                .iter()
                .map(SecurityInfo::protocol)
                .collect::<Vec<_>>()
        };
        assert_eq!(protocols(&old), protocols(&new));
        let key = |d: &Dg14| match d
            .chip_authentication_public_keys()
            .next()
            .unwrap()
            .public_key()
        {
            Ok(PublicKey::Ec(k)) => k,
            other => panic!("{other:?}"),
        };
        let (old_key, new_key) = (key(&old), key(&new));
        assert_eq!(old_key.curve, Curve::BrainpoolP224r1);
        assert_eq!(old_key.curve, new_key.curve);
        assert_ne!(old_key.point, new_key.point);
    }

    #[test]
    fn synthetic_documents() {
        for dir in testdata::synthetic_dirs() {
            let dg14 = Dg14::parse(&testdata::read(&format!("{dir}/DG14.bin"))).unwrap();
            let pk = dg14.chip_authentication_public_keys().next().unwrap();
            assert_eq!(pk.protocol, ID_PK_ECDH, "{dir}");
            assert!(pk.public_key().is_ok(), "{dir}");
            assert!(
                dg14.infos
                    .iter()
                    .any(|i| matches!(i, SecurityInfo::Pace(p) if p.version == 2 && p.parameter_id == Some(13))),
                "{dir}"
            );
            let ec_aa = !dir.contains("rsa");
            let aa = dg14.active_authentication();
            assert_eq!(aa.is_some(), ec_aa, "{dir}");
            if let Some(aa) = aa {
                assert_eq!(aa.version, 1);
                assert!(matches!(
                    aa.algorithm().unwrap(),
                    SignatureAlgorithm::Ecdsa {
                        encoding: EcdsaEncoding::Plain,
                        ..
                    }
                ));
                assert!(aa.hash_algorithm().is_ok());
            }
        }
    }

    fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        encode(&[0x30], &parts.concat())
    }

    fn oid_der(oid: &str) -> Vec<u8> {
        use der::Encode;
        ObjectIdentifier::new_unwrap(oid).to_der().unwrap()
    }

    fn int(v: u8) -> Vec<u8> {
        encode(&[0x02], &[v])
    }

    fn dg14(infos: &[Vec<u8>]) -> Vec<u8> {
        encode(&[0x6E], &encode(&[0x31], &infos.concat()))
    }

    #[test]
    fn every_kind_of_security_info() {
        let dh_params = seq(&[oid_der("1.2.840.10046.2.1"), seq(&[int(23), int(5)])]);
        let ec_alg = seq(&[
            oid_der("1.2.840.10045.2.1"),
            oid_der("1.3.36.3.3.2.8.1.1.7"),
        ]);
        let bytes = dg14(&[
            seq(&[
                oid_der("2.23.136.1.1.5"),
                int(1),
                oid_der("1.2.840.10045.4.3.3"),
            ]),
            seq(&[oid_der("0.4.0.127.0.7.2.2.3.1.2"), int(2), int(7)]),
            seq(&[oid_der("0.4.0.127.0.7.2.2.3.2"), ec_alg.clone(), int(7)]),
            seq(&[
                oid_der("0.4.0.127.0.7.2.2.2"),
                int(1),
                seq(&[encode(&[0x04], &[0x01, 0x1C]), encode(&[0x04], &[0x1C])]),
            ]),
            seq(&[oid_der("0.4.0.127.0.7.2.2.4.1"), dh_params, int(32)]),
            seq(&[oid_der("0.4.0.127.0.7.2.2.4.6.4"), int(2)]),
            seq(&[oid_der("0.4.0.127.0.7.2.2.5.2.1"), int(1), int(1)]),
        ]);
        let dg = Dg14::parse(&bytes).unwrap();
        assert_eq!(dg.infos.len(), 7);
        let aa = dg.active_authentication().unwrap();
        assert_eq!(
            aa.algorithm().unwrap(),
            SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha384,
                encoding: EcdsaEncoding::Der
            }
        );
        assert_eq!(aa.hash_algorithm(), Ok(HashAlgorithm::Sha384));
        assert!(matches!(
            &dg.infos[1],
            SecurityInfo::ChipAuthentication(ca) if ca.version == 2 && ca.key_id == Some(7)
        ));
        assert!(matches!(
            &dg.infos[2],
            SecurityInfo::ChipAuthenticationDomainParameter(d)
                if d.protocol == ID_CA_ECDH && d.key_id == Some(7)
        ));
        let SecurityInfo::TerminalAuthentication(ta) = &dg.infos[3] else {
            panic!()
        };
        let cvca = ta.ef_cvca.as_ref().unwrap();
        assert_eq!(cvca.fid.as_bytes(), [0x01, 0x1C]);
        assert_eq!(
            cvca.sfid.as_ref().map(OctetString::as_bytes),
            Some(&[0x1C][..])
        );
        assert!(matches!(
            &dg.infos[4],
            SecurityInfo::PaceDomainParameter(p)
                if p.parameter_id == Some(32) && p.domain_parameter.oid.to_string() == "1.2.840.10046.2.1"
        ));
        assert!(matches!(
            &dg.infos[5],
            SecurityInfo::Pace(p) if p.version == 2 && p.parameter_id.is_none()
        ));
        assert!(matches!(
            &dg.infos[6],
            SecurityInfo::Unknown { oid, raw } if oid.to_string() == "0.4.0.127.0.7.2.2.5.2.1" && raw.len() == 20
        ));
        // An AA OID that names no ECDSA algorithm.
        let odd = dg14(&[seq(&[
            oid_der("2.23.136.1.1.5"),
            int(1),
            oid_der("1.2.3.4"),
        ])]);
        let dg = Dg14::parse(&odd).unwrap();
        assert!(
            dg.active_authentication()
                .unwrap()
                .hash_algorithm()
                .is_err()
        );
    }

    #[test]
    fn malformed_security_infos_are_errors() {
        // CA info whose version is a string.
        let bad_version = dg14(&[seq(&[
            oid_der("0.4.0.127.0.7.2.2.3.2.2"),
            encode(&[0x0C], b"1"),
        ])]);
        assert!(matches!(
            Dg14::parse(&bad_version),
            Err(LdsError::Der {
                what: "ChipAuthenticationInfo",
                ..
            })
        ));
        // A key info whose SPKI is not one.
        let bad_key = dg14(&[seq(&[oid_der("0.4.0.127.0.7.2.2.1.2"), seq(&[int(1)])])]);
        assert!(matches!(
            Dg14::parse(&bad_key),
            Err(LdsError::Der {
                what: "ChipAuthenticationPublicKeyInfo",
                ..
            })
        ));
        // An element that is not a SEQUENCE, and one without an OID.
        assert!(matches!(
            Dg14::parse(&dg14(&[int(1)])),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedTag {
                    expected: 0x30,
                    found: 0x02,
                    ..
                },
                ..
            })
        ));
        assert!(matches!(
            Dg14::parse(&dg14(&[seq(&[int(1)])])),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedTag { expected: 0x06, .. },
                ..
            })
        ));
        // An OID with a truncated arc.
        assert!(matches!(
            Dg14::parse(&dg14(&[seq(&[encode(&[0x06], &[0x2A, 0x86])])])),
            Err(LdsError::Malformed { .. })
        ));
        // A SEQUENCE where the SET belongs, and data after the SET.
        assert!(Dg14::parse(&encode(&[0x6E], &seq(&[]))).is_err());
        assert!(matches!(
            Dg14::parse(&encode(&[0x6E], &[0x31, 0x00, 0x05, 0x00])),
            Err(LdsError::Tlv {
                source: TlvError::TrailingData { .. },
                ..
            })
        ));
        // An empty SET is merely useless.
        assert_eq!(Dg14::parse(&dg14(&[])).unwrap().infos.len(), 0);
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = testdata::read("real/bsi-tr03105-5/Datagroup14.bin");
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Dg14::parse(&bytes).is_err(), "{bytes:02X?}");
        }
        assert!(matches!(Dg14::parse(&[]), Err(LdsError::Tlv { .. })));
        let mut wrong = good.clone();
        wrong[0] = 0x6F;
        assert!(matches!(
            Dg14::parse(&wrong),
            Err(LdsError::WrongTag {
                expected: 0x6E,
                found: 0x6F,
                ..
            })
        ));
    }
}
