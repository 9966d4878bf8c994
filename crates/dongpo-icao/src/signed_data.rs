//! CMS SignedData as ICAO uses it (EF.SOD, master lists, deviation lists): DER or BER,
//! one SignerInfo, its signed attributes kept *as received* for the signature check.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, EncodingRules};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::Cert;
use dongpo_pki::UnixTime;
use dongpo_pki::name::{NameMatch, same_name};
use x509_cert::name::Name;

use crate::{cms_raw, oid};

/// Why a CMS SignedData could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedDataError {
    /// The CMS structure does not decode (DER or BER).
    #[error("CMS: {0}")]
    Cms(String),
    /// The content is not CMS SignedData.
    #[error("content type is {0}, not signedData")]
    NotSignedData(ObjectIdentifier),
    /// There is no eContent or no SignerInfo.
    #[error("{0}")]
    Missing(&'static str),
    /// A digest algorithm dongpo does not know.
    #[error("SignerInfo digest algorithm {0} is not supported")]
    UnknownDigest(ObjectIdentifier),
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
        /// The signer's issuer.
        issuer: Name,
        /// The signer's serial number (DER content bytes).
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier.
    KeyId(Vec<u8>),
}

/// A parsed SignedData with one (the first) SignerInfo.
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
    /// Number of SignerInfos (the first is used).
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

fn cms_err(e: der::Error) -> SignedDataError {
    SignedDataError::Cms(e.to_string())
}

impl SignedDataInfo {
    /// Parses a ContentInfo(SignedData), DER first, then BER.
    ///
    /// # Errors
    /// [`SignedDataError`] naming the part that failed.
    pub fn parse(content: &[u8]) -> Result<Self, SignedDataError> {
        let (info, encoding) = match ContentInfo::from_der(content) {
            Ok(info) => (info, Encoding::Der),
            Err(der_error) => match ContentInfo::from_ber(content) {
                Ok(info) => (info, Encoding::Ber),
                Err(_) => return Err(cms_err(der_error)),
            },
        };
        if info.content_type != oid::ID_SIGNED_DATA {
            return Err(SignedDataError::NotSignedData(info.content_type));
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
            .ok_or(SignedDataError::Missing("no eContent"))?
            .decode_as_encoding(rules)
            .map_err(cms_err)?;
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
            .ok_or(SignedDataError::Missing("no SignerInfo"))?;
        let signer = match &info.sid {
            SignerIdentifier::IssuerAndSerialNumber(ias) => SignerId::IssuerSerial {
                issuer: ias.issuer.clone(),
                serial: ias.serial_number.as_bytes().to_vec(),
            },
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                SignerId::KeyId(ski.0.as_bytes().to_vec())
            }
        };
        let digest_algorithm = HashAlgorithm::from_oid(&info.digest_alg.oid)
            .map_err(|_| SignedDataError::UnknownDigest(info.digest_alg.oid))?;
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
        Ok(SignedDataInfo {
            encoding,
            econtent_type: encap.econtent_type,
            econtent: econtent.as_bytes().to_vec(),
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
        spki::AlgorithmIdentifierRef::from_der(&self.signature_algorithm)
            .is_ok_and(|id| id.oid == dongpo_crypto::oid::RSA_ENCRYPTION)
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
    /// do not embed their DSC: the DSC then comes from the trust store).
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
