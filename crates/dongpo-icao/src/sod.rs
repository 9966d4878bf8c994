//! EF.SOD (9303-10 §4.6.2): the 0x77 wrapper, CMS SignedData in DER or BER, the
//! LDSSecurityObject, the signer's identity and signed attributes as received.

use std::collections::BTreeMap;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, EncodingRules};
use dongpo_crypto::HashAlgorithm;
use dongpo_pki::UnixTime;
use x509_cert::name::Name;

use crate::lds_security_object::LdsSecurityObject;
use crate::{cms_raw, oid};

/// Why an EF.SOD could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodError {
    /// The file is empty or not wrapped in tag 0x77 (nor a bare ContentInfo).
    #[error("EF.SOD: {0}")]
    Wrapper(String),
    /// The CMS structure does not decode (DER or BER).
    #[error("EF.SOD CMS: {0}")]
    Cms(String),
    /// The content is not CMS SignedData.
    #[error("EF.SOD content type is {0}, not signedData")]
    NotSignedData(ObjectIdentifier),
    /// There is no eContent or no SignerInfo.
    #[error("EF.SOD: {0}")]
    Missing(&'static str),
    /// The LDSSecurityObject does not decode.
    #[error("LDSSecurityObject: {0}")]
    Lds(String),
    /// A digest algorithm dongpo does not know.
    #[error("EF.SOD {what} digest algorithm {oid} is not supported")]
    UnknownDigest {
        /// Which digest (SignerInfo or LDS).
        what: &'static str,
        /// The OID.
        oid: ObjectIdentifier,
    },
}

/// How the CMS structure was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// DER, as 9303 requires.
    Der,
    /// BER (e.g. indefinite lengths): a quirk some states produce.
    Ber,
}

/// How the SignerInfo names its signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerId {
    /// issuerAndSerialNumber.
    IssuerSerial {
        /// The DSC's issuer.
        issuer: Name,
        /// The DSC's serial number (DER content bytes).
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier.
    KeyId(Vec<u8>),
}

/// A parsed EF.SOD.
#[derive(Clone, Debug)]
pub struct Sod {
    /// DER or BER.
    pub encoding: Encoding,
    /// The file had the 0x77 wrapper (a bare ContentInfo is accepted as a quirk).
    pub wrapped: bool,
    /// SHA-256 of the whole file (evidence).
    pub file_sha256: Vec<u8>,
    /// eContentType.
    pub econtent_type: ObjectIdentifier,
    /// eContent bytes (the DER LDSSecurityObject).
    pub econtent: Vec<u8>,
    /// The decoded LDSSecurityObject.
    pub lds: LdsSecurityObject,
    /// Hash of the data groups (LDSSecurityObject hashAlgorithm).
    pub lds_hash: HashAlgorithm,
    /// Data-group number -> hash value.
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
    /// Certificates embedded in the SignedData (DER).
    pub certificates: Vec<Vec<u8>>,
    /// Number of SignerInfos (9303 recommends one; the first is used).
    pub signer_count: usize,
    /// The first SignerInfo's signer.
    pub signer: SignerId,
    /// SignerInfo digestAlgorithm.
    pub digest_algorithm: HashAlgorithm,
    /// SignerInfo signatureAlgorithm, DER.
    pub signature_algorithm: Vec<u8>,
    /// signedAttrs as received, tagged SET (0x31): the bytes the signature covers.
    pub signed_attrs: Option<Vec<u8>>,
    /// The contentType signed attribute.
    pub attr_content_type: Option<ObjectIdentifier>,
    /// The messageDigest signed attribute.
    pub attr_message_digest: Option<Vec<u8>>,
    /// The signingTime signed attribute.
    pub signing_time: Option<UnixTime>,
    /// The signature value.
    pub signature: Vec<u8>,
}

/// Strips the 0x77 wrapper: `(content_info, wrapped)`.
fn unwrap_0x77(file: &[u8]) -> Result<(&[u8], bool), SodError> {
    match file.first() {
        Some(0x77) => {}
        Some(0x30) => return Ok((file, false)),
        Some(tag) => {
            return Err(SodError::Wrapper(format!(
                "starts with tag 0x{tag:02x}, expected 0x77"
            )));
        }
        None => return Err(SodError::Wrapper("file is empty".into())),
    }
    let first = *file
        .get(1)
        .ok_or_else(|| SodError::Wrapper("truncated after tag 0x77".into()))?;
    let (header, len) = match first {
        0x80 => return Ok((file.get(2..).unwrap_or_default(), true)),
        f if f < 0x80 => (2, usize::from(f)),
        f => {
            let n = usize::from(f & 0x7f);
            let bytes = file
                .get(2..2 + n)
                .filter(|_| n <= 4)
                .ok_or_else(|| SodError::Wrapper("bad length of 0x77".into()))?;
            (
                2 + n,
                bytes
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
            )
        }
    };
    let content = file.get(header..header + len).ok_or_else(|| {
        SodError::Wrapper(format!(
            "0x77 announces {len} bytes, {} present",
            file.len().saturating_sub(header)
        ))
    })?;
    Ok((content, true))
}

fn cms_err(e: der::Error) -> SodError {
    SodError::Cms(e.to_string())
}

impl Sod {
    /// Parses an EF.SOD file as read from the chip.
    ///
    /// # Errors
    /// [`SodError`] naming the part that failed.
    pub fn parse(file: &[u8]) -> Result<Self, SodError> {
        let (content, wrapped) = unwrap_0x77(file)?;
        let (info, encoding) = match ContentInfo::from_der(content) {
            Ok(info) => (info, Encoding::Der),
            Err(der_error) => match ContentInfo::from_ber(content) {
                Ok(info) => (info, Encoding::Ber),
                Err(_) => return Err(cms_err(der_error)),
            },
        };
        if info.content_type != oid::ID_SIGNED_DATA {
            return Err(SodError::NotSignedData(info.content_type));
        }
        let rules = match encoding {
            Encoding::Der => EncodingRules::Der,
            Encoding::Ber => EncodingRules::Ber,
        };
        let signed: SignedData = info.content.decode_as_encoding(rules).map_err(cms_err)?;
        let encap = &signed.encap_content_info;
        let econtent: OctetString = encap
            .econtent
            .as_ref()
            .ok_or(SodError::Missing("no eContent"))?
            .decode_as_encoding(rules)
            .map_err(cms_err)?;
        let econtent = econtent.as_bytes().to_vec();
        let lds = LdsSecurityObject::from_der(&econtent)
            .or_else(|_| LdsSecurityObject::from_ber(&econtent))
            .map_err(|e| SodError::Lds(e.to_string()))?;
        let lds_hash = HashAlgorithm::from_oid(&lds.hash_algorithm.algorithm).map_err(|_| {
            SodError::UnknownDigest {
                what: "LDS",
                oid: lds.hash_algorithm.algorithm,
            }
        })?;
        let dg_hashes = lds
            .data_group_hash_values
            .iter()
            .map(|h| {
                (
                    h.data_group_number,
                    h.data_group_hash_value.as_bytes().to_vec(),
                )
            })
            .collect();
        let certificates = signed
            .certificates
            .iter()
            .flat_map(|set| set.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => cert.to_der().ok(),
                CertificateChoices::Other(_) => None,
            })
            .collect();
        let signer_count = signed.signer_infos.0.len();
        let info = signed
            .signer_infos
            .0
            .iter()
            .next()
            .ok_or(SodError::Missing("no SignerInfo"))?;
        let signer = match &info.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => SignerId::IssuerSerial {
                issuer: ias.issuer.clone(),
                serial: ias.serial_number.as_bytes().to_vec(),
            },
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                SignerId::KeyId(ski.0.as_bytes().to_vec())
            }
        };
        let digest_algorithm =
            HashAlgorithm::from_oid(&info.digest_alg.oid).map_err(|_| SodError::UnknownDigest {
                what: "SignerInfo",
                oid: info.digest_alg.oid,
            })?;
        let attrs = info.signed_attrs.as_ref();
        let attr = |wanted: ObjectIdentifier| {
            attrs
                .and_then(|a| a.iter().find(|attr| attr.oid == wanted))
                .and_then(|attr| attr.values.iter().next())
        };
        let attr_content_type =
            attr(oid::ATTR_CONTENT_TYPE).and_then(|v| v.decode_as::<ObjectIdentifier>().ok());
        let attr_message_digest = attr(oid::ATTR_MESSAGE_DIGEST)
            .and_then(|v| v.decode_as::<OctetString>().ok())
            .map(|o| o.as_bytes().to_vec());
        let signing_time = attr(oid::ATTR_SIGNING_TIME)
            .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())
            .map(|t| UnixTime::from_x509(&t));
        let signed_attrs = if attrs.is_some() {
            cms_raw::signed_attrs_for_signature(content)
        } else {
            None
        };
        Ok(Sod {
            encoding,
            wrapped,
            file_sha256: HashAlgorithm::Sha256.digest(file),
            econtent_type: encap.econtent_type,
            econtent,
            lds,
            lds_hash,
            dg_hashes,
            certificates,
            signer_count,
            signer,
            digest_algorithm,
            signature_algorithm: info.signature_algorithm.to_der().map_err(cms_err)?,
            signed_attrs,
            attr_content_type,
            attr_message_digest,
            signing_time,
            signature: info.signature.as_bytes().to_vec(),
        })
    }

    /// The LDS version (`0108`) of a v1 LDSSecurityObject.
    #[must_use]
    pub fn lds_version(&self) -> Option<String> {
        self.lds
            .lds_version_info
            .as_ref()
            .map(|v| v.lds_version.to_string())
    }
}
