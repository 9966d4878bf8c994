//! CMS SignedData as ICAO uses it (EF.SOD, master lists, deviation lists): DER or BER,
//! exactly one SignerInfo, its signed attributes kept *as received* for the signature check.
//!
//! Every SET OF and every "first" here, and why it is safe:
//! - signerInfos: exactly one element or the SignedData is refused; it is located in the
//!   bytes as received ([`cms_raw::single_signer_info`]) and decoded alone, so the signer
//!   id, algorithms, attributes, signature and the signedAttrs bytes all come from that
//!   one element (`der` sorts a decoded DER SET OF, so "the first" of a decode and "the
//!   first" in the bytes can differ; with one element they cannot).
//! - signedAttrs: each attribute type at most once (RFC 5652 §5.3), counted in the bytes
//!   too, so no decoder can pick one of two contentType or messageDigest attributes.
//! - attribute values: contentType, messageDigest and signingTime have exactly one value
//!   (RFC 5652 §11.1-11.3); the only value is read.
//! - digestAlgorithms (SignedData): never consulted. The hash comes from the SignerInfo's
//!   own digestAlgorithm; a wrong one only breaks the messageDigest or the signature.
//! - certificates: at most [`MAX_CERTIFICATES`]; [`SignedDataInfo::find_signer`] takes the first one the
//!   SignerInfo names, and the caller checks the signature with *that* certificate's key
//!   and chains *that* certificate. A planted certificate that also matches can only make
//!   the check fail (its key did not make the signature, or it does not chain), never
//!   lend its trust to another key.

use std::collections::BTreeSet;
use std::sync::Arc;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, EncodingRules};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::Cert;
use dongpo_pki::UnixTime;
use dongpo_pki::name::{NameMatch, same_name};
use x509_cert::Certificate;
use x509_cert::name::Name;

/// The most certificates a SignedData may embed (ICAO objects carry one signer
/// certificate, sometimes with its chain); more is refused for its structure, so that
/// untrusted input buys bounded work before it chains to a trust anchor.
pub const MAX_CERTIFICATES: usize = 16;

use crate::encoding::tlv::TlvReader;
use crate::encoding::{cms_raw, oid};

/// Why a CMS SignedData could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignedDataError {
    /// The CMS structure does not decode (DER or BER).
    #[error("CMS: {0}")]
    Cms(#[source] der::Error),
    /// The content is not CMS SignedData.
    #[error("content type is {0}, not signedData")]
    NotSignedData(ObjectIdentifier),
    /// There is no eContent or no SignerInfo.
    #[error("{0}")]
    Missing(&'static str),
    /// A digest algorithm dongpo does not know.
    #[error("SignerInfo digest algorithm {0} is not supported")]
    UnknownDigest(ObjectIdentifier),
    /// The SignedData is refused for its structure: not exactly one SignerInfo, a signed
    /// attribute type twice, a contentType / messageDigest / signingTime attribute with
    /// other than one value or a value of the wrong type.
    #[error("CMS structure refused: {0}")]
    Structure(String),
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
        /// The signer's issuer (shared: the EF.SOD fast path hands out the one decoded
        /// name of each distinct encoding it has seen).
        issuer: Arc<Name>,
        /// The signer's serial number (DER content bytes).
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier.
    KeyId(Vec<u8>),
}

/// A parsed SignedData with its one SignerInfo.
#[derive(Clone, Debug)]
pub struct SignedDataInfo {
    /// DER or BER.
    pub encoding: Encoding,
    /// eContentType.
    pub econtent_type: ObjectIdentifier,
    /// eContent bytes.
    pub econtent: Vec<u8>,
    /// Certificates embedded in the SignedData (DER).
    pub certificates: Vec<Vec<u8>>,
    /// Number of SignerInfos: always 1 ([`SignedDataInfo::parse`] refuses any other).
    pub signer_count: usize,
    /// The SignerInfo's signer.
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

/// The fields of a SignedData's one SignerInfo, read once from the bytes as received:
/// the single reader of signers for every CMS SignedData dongpo verifies (EF.SOD, master
/// lists, deviation lists, and the EF.SOD fast path).
#[derive(Clone, Debug)]
pub struct SignerFields {
    /// How the SignerInfo names its signer.
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

fn structure(message: impl Into<String>) -> SignedDataError {
    SignedDataError::Structure(message.into())
}

impl SignerFields {
    /// Reads the one SignerInfo of the ContentInfo(SignedData) `content_info` (already
    /// known to decode with `encoding`): located in the bytes, required to be the only
    /// one, decoded alone, its signedAttrs bytes taken from the same element.
    ///
    /// # Errors
    /// [`SignedDataError::Structure`] for anything but one well-formed SignerInfo with
    /// unique signed attributes; [`SignedDataError::UnknownDigest`].
    pub fn read(content_info: &[u8], encoding: Encoding) -> Result<Self, SignedDataError> {
        let raw =
            cms_raw::single_signer_info(content_info).map_err(|e| structure(e.to_string()))?;
        let info = match encoding {
            Encoding::Der => SignerInfo::from_der(raw.element),
            Encoding::Ber => SignerInfo::from_ber(raw.element),
        }
        .map_err(SignedDataError::Cms)?;
        let signer = match info.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => SignerId::IssuerSerial {
                serial: ias.serial_number.as_bytes().to_vec(),
                issuer: Arc::new(ias.issuer),
            },
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                SignerId::KeyId(ski.0.as_bytes().to_vec())
            }
        };
        // RFC 5652 §5.3: the version follows the sid. The version is not signed, so a wrong
        // one forges nothing, but a SignerInfo that contradicts itself is not read.
        if info.version != signer_info_version(&signer) {
            return Err(structure(format!(
                "SignerInfo version {} does not match its sid (RFC 5652 §5.3: 1 with \
                 issuerAndSerialNumber, 3 with subjectKeyIdentifier)",
                info.version as u8
            )));
        }
        let digest_algorithm = HashAlgorithm::from_oid(&info.digest_alg.oid)
            .map_err(|_| SignedDataError::UnknownDigest(info.digest_alg.oid))?;
        // The decoded signedAttrs and the bytes must agree on presence and on the number
        // of attributes (a decoder that merged or dropped one would hide a duplicate).
        let attrs = match (&info.signed_attrs, raw.signed_attrs) {
            (Some(attrs), Some(_)) if attrs.len() == raw.signed_attr_count => Some(attrs),
            (None, None) => None,
            _ => return Err(structure("signedAttrs read differently from the bytes")),
        };
        let mut attr_content_type = None;
        let mut attr_message_digest = None;
        let mut signing_time = None;
        if let Some(attrs) = attrs {
            // A set, not a list: many thousand distinct attributes must not cost a
            // comparison of every pair (quadratic; seconds for a few hundred kilobytes).
            let mut seen: BTreeSet<ObjectIdentifier> = BTreeSet::new();
            for attr in attrs.iter() {
                // RFC 5652 §5.3: each attribute type at most once in signedAttrs.
                if !seen.insert(attr.oid) {
                    return Err(structure(format!(
                        "signed attribute {} appears twice",
                        attr.oid
                    )));
                }
                let known = [
                    (oid::ATTR_CONTENT_TYPE, "contentType"),
                    (oid::ATTR_MESSAGE_DIGEST, "messageDigest"),
                    (oid::ATTR_SIGNING_TIME, "signingTime"),
                ];
                let Some((_, name)) = known.iter().find(|(o, _)| *o == attr.oid) else {
                    continue;
                };
                // RFC 5652 §11.1-11.3: exactly one value (so "the first" is the only one).
                let value = match attr.values.len() {
                    1 => attr.values.iter().next(),
                    n => {
                        return Err(structure(format!(
                            "{name} attribute has {n} values, exactly one is required"
                        )));
                    }
                }
                .ok_or_else(|| structure(format!("{name} attribute has no value")))?;
                let wrong = || structure(format!("{name} attribute value has the wrong type"));
                if attr.oid == oid::ATTR_CONTENT_TYPE {
                    attr_content_type =
                        Some(value.decode_as::<ObjectIdentifier>().map_err(|_| wrong())?);
                } else if attr.oid == oid::ATTR_MESSAGE_DIGEST {
                    let digest = value.decode_as::<OctetString>().map_err(|_| wrong())?;
                    attr_message_digest = Some(digest.as_bytes().to_vec());
                } else {
                    let time = value
                        .decode_as::<x509_cert::time::Time>()
                        .map_err(|_| wrong())?;
                    signing_time = Some(UnixTime::from_x509(&time));
                }
            }
        }
        Ok(SignerFields {
            signer,
            digest_algorithm,
            signature_algorithm: info
                .signature_algorithm
                .to_der()
                .map_err(SignedDataError::Cms)?,
            signed_attrs: raw.signed_attrs_for_signature(),
            attr_content_type,
            attr_message_digest,
            signing_time,
            signature: info.signature.as_bytes().to_vec(),
        })
    }
}

/// The SignerInfo version RFC 5652 §5.3 requires for `signer`: 1 with
/// issuerAndSerialNumber, 3 with subjectKeyIdentifier.
pub(crate) fn signer_info_version(signer: &SignerId) -> cms::content_info::CmsVersion {
    match signer {
        SignerId::IssuerSerial { .. } => cms::content_info::CmsVersion::V1,
        SignerId::KeyId(_) => cms::content_info::CmsVersion::V3,
    }
}

/// The embedded certificates as the SignedData carries them: the bytes received, so that a
/// certificate's TBS is exactly what its issuer signed (the `der` crate sorts a decoded SET
/// OF, so re-encoding a DSC whose multi-valued RDN is not in DER order would change the
/// signed bytes, fail its chain and make the report name bytes the document never held).
/// A received certificate that is not DER (BER inside, which the path code cannot read) is
/// kept as its DER re-encoding, as before; so is every one if the bytes and the decoder
/// disagree on which certificates there are (they cannot: both read the same `[0]` SET).
fn kept_certificates(content: &[u8], decoded: &[&Certificate]) -> Vec<Vec<u8>> {
    let reencoded = |cert: &&Certificate| cert.to_der().ok();
    let received = received_certificates(content).unwrap_or_default();
    if received.len() != decoded.len() {
        return decoded.iter().filter_map(reencoded).collect();
    }
    received
        .iter()
        .zip(decoded)
        .filter_map(|(raw, cert)| {
            if Certificate::from_der(raw).is_ok() {
                Some(raw.to_vec())
            } else {
                reencoded(cert)
            }
        })
        .collect()
}

/// The `certificates [0] IMPLICIT SET` elements of a ContentInfo(SignedData) that are
/// certificates (universal SEQUENCE; the other CertificateChoices are tagged), as received.
/// `None` when the structure cannot be walked (the decoder has then refused it anyway).
fn received_certificates(content: &[u8]) -> Option<Vec<&[u8]>> {
    const SEQUENCE: u32 = 0x30;
    const CONTEXT_0: u32 = 0xA0;
    let content_info = TlvReader::ber(content).read().ok()?;
    let explicit = content_info.children().find(CONTEXT_0).ok()??;
    let signed_data = explicit.children().read().ok()?;
    let mut fields = signed_data.children();
    // version, digestAlgorithms, encapContentInfo, then the optional certificates.
    for _ in 0..3 {
        fields.read().ok()?;
    }
    let mut out = Vec::new();
    let Ok(set) = fields.read() else {
        return Some(out);
    };
    if set.tag != CONTEXT_0 {
        return Some(out);
    }
    let mut elements = set.children();
    while !elements.is_empty() {
        let element = elements.read().ok()?;
        if element.tag == SEQUENCE {
            out.push(element.raw);
        }
    }
    Some(out)
}

impl SignedDataInfo {
    /// Parses a ContentInfo(SignedData), DER first, then BER.
    ///
    /// # Errors
    /// [`SignedDataError`] naming the part that failed.
    pub fn parse(content: &[u8]) -> Result<Self, SignedDataError> {
        // DER first; BER when DER fails anywhere, not only at the ContentInfo: the `[0]`
        // content is read as an opaque element, so a definite ContentInfo and SignedData
        // header can hold indefinite lengths deeper down (signerInfos, certificates, ...),
        // which only the BER reading accepts (as the `ber-encoding` quirk). The DER error is
        // the one reported when both fail.
        Self::parse_as(content, Encoding::Der)
            .or_else(|der_error| Self::parse_as(content, Encoding::Ber).map_err(|_| der_error))
    }

    /// [`SignedDataInfo::parse`] under one set of encoding rules.
    fn parse_as(content: &[u8], encoding: Encoding) -> Result<Self, SignedDataError> {
        let info = match encoding {
            Encoding::Der => ContentInfo::from_der(content),
            Encoding::Ber => ContentInfo::from_ber(content),
        }
        .map_err(SignedDataError::Cms)?;
        if info.content_type != oid::ID_SIGNED_DATA {
            return Err(SignedDataError::NotSignedData(info.content_type));
        }
        let rules = match encoding {
            Encoding::Der => EncodingRules::Der,
            Encoding::Ber => EncodingRules::Ber,
        };
        let signed: SignedData = info
            .content
            .decode_as_encoding(rules)
            .map_err(SignedDataError::Cms)?;
        let encap = &signed.encap_content_info;
        let econtent: OctetString = encap
            .econtent
            .as_ref()
            .ok_or(SignedDataError::Missing("no eContent"))?
            .decode_as_encoding(rules)
            .map_err(SignedDataError::Cms)?;
        // Every certificate is kept, in the order received; see the module docs for why
        // picking among them is safe. Their number is bounded: finding the signer parses
        // each (keys included), and a SignedData needs its signer and perhaps a chain,
        // not the thousand planted certificates that would buy an attacker seconds.
        let certificate_count = signed.certificates.as_ref().map_or(0, |set| set.0.len());
        if certificate_count > MAX_CERTIFICATES {
            return Err(SignedDataError::Structure(format!(
                "{certificate_count} certificates, at most {MAX_CERTIFICATES} are read"
            )));
        }
        let decoded: Vec<&Certificate> = signed
            .certificates
            .iter()
            .flat_map(|set| set.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert),
                CertificateChoices::Other(_) => None,
            })
            .collect();
        let certificates = kept_certificates(content, &decoded);
        // The decoder's view must agree with the bytes: one SignerInfo in both.
        if signed.signer_infos.0.len() != 1 {
            return Err(SignedDataError::Structure(format!(
                "{} SignerInfos, exactly one is required",
                signed.signer_infos.0.len()
            )));
        }
        let signer = SignerFields::read(content, encoding)?;
        Ok(Self::with_signer(
            encoding,
            encap.econtent_type,
            econtent.as_bytes().to_vec(),
            certificates,
            signer,
        ))
    }

    /// The one place a `SignedDataInfo` is assembled: from its eContent, certificates
    /// and the fields of its one SignerInfo as [`SignerFields::read`] gave them (the full
    /// parser above and the EF.SOD fast path, `crate::lds::sod::Sod::parse_known`, both end
    /// here).
    pub(crate) fn with_signer(
        encoding: Encoding,
        econtent_type: ObjectIdentifier,
        econtent: Vec<u8>,
        certificates: Vec<Vec<u8>>,
        signer: SignerFields,
    ) -> Self {
        SignedDataInfo {
            encoding,
            econtent_type,
            econtent,
            certificates,
            signer_count: 1,
            signer: signer.signer,
            digest_algorithm: signer.digest_algorithm,
            signature_algorithm: signer.signature_algorithm,
            signed_attrs: signer.signed_attrs,
            attr_content_type: signer.attr_content_type,
            attr_message_digest: signer.attr_message_digest,
            signing_time: signer.signing_time,
            signature: signer.signature,
        }
    }

    /// Whether the messageDigest attribute is the digest of eContent.
    #[must_use]
    pub fn message_digest_matches(&self) -> bool {
        self.attr_message_digest.as_deref()
            == Some(self.digest_algorithm.digest(&self.econtent).as_slice())
    }

    /// The signature algorithm (the SignerInfo digest supplies the hash of a bare
    /// `rsaEncryption`).
    ///
    /// # Errors
    /// The algorithm error as text.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, String> {
        SignatureAlgorithm::from_identifier_der(
            &self.signature_algorithm,
            Some(self.digest_algorithm),
        )
        .map_err(|e| e.to_string())
    }

    /// Whether the signature algorithm is written as the bare `rsaEncryption` OID.
    #[must_use]
    pub fn uses_bare_rsa_encryption(&self) -> bool {
        // Asked of every document: the OID's bytes must occur before the identifier is
        // worth decoding.
        let oid = dongpo_crypto::oid::RSA_ENCRYPTION;
        self.signature_algorithm
            .windows(oid.as_bytes().len())
            .any(|w| w == oid.as_bytes())
            && spki::AlgorithmIdentifierRef::from_der(&self.signature_algorithm)
                .is_ok_and(|id| id.oid == oid)
    }

    /// Verifies the signature over the signed attributes as received.
    ///
    /// # Errors
    /// What failed, as text.
    pub fn verify_signature(
        &self,
        signer: &Cert,
        verifier: &Verifier,
    ) -> Result<SignatureAlgorithm, String> {
        let signed_attrs = self.signed_attrs.as_ref().ok_or("no signedAttrs")?;
        let algorithm = self.signature_algorithm()?;
        verifier
            .verify(&signer.key, &algorithm, signed_attrs, &self.signature)
            .map_err(|e| format!("{}: {e}", algorithm.name()))?;
        Ok(algorithm)
    }

    /// The embedded certificate the SignerInfo names, and whether its issuer name only
    /// matched up to RDN order.
    #[must_use]
    pub fn find_signer(&self) -> Option<(Cert, NameMatch)> {
        let embedded = self
            .certificates
            .iter()
            .filter_map(|der| Cert::parse(der).ok());
        self.find_signer_in(embedded)
    }

    /// The certificate among `candidates` that the SignerInfo names (used for SODs that
    /// do not embed their DSC: the DSC then comes from the trust store). The first match
    /// is returned; the caller must check the signature with this certificate's key and
    /// chain this same certificate (then a second, planted match cannot help a forger).
    pub fn find_signer_in(
        &self,
        candidates: impl IntoIterator<Item = Cert>,
    ) -> Option<(Cert, NameMatch)> {
        for cert in candidates {
            match &self.signer {
                SignerId::IssuerSerial { issuer, serial } => {
                    if cert.cert.tbs_certificate().serial_number().as_bytes() != serial.as_slice() {
                        continue;
                    }
                    let matched = same_name(issuer, cert.cert.tbs_certificate().issuer());
                    if matched != NameMatch::Different {
                        return Some((cert, matched));
                    }
                }
                SignerId::KeyId(ski) => {
                    if cert.ski.as_deref() == Some(ski.as_slice()) {
                        return Some((cert, NameMatch::Exact));
                    }
                }
            }
        }
        None
    }
}
