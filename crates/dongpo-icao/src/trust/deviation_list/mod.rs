//! Deviation lists (9303-12 §10): a CMS SignedData over `DeviationList`, signed by a
//! deviation-list signer (EKU 2.23.136.1.1.8) that a trusted CSCA certified. A State
//! uses it to announce that documents signed under some Document Signer carry a known
//! defect (a wrong DG hash, a broken SOD signature, a wrong MRZ check digit, ...), so a
//! verifier may *waive* exactly the check that defect breaks.
//!
//! Flow: [`verify`] checks the list and path-validates its signer at the verification
//! time (valid; certified by a trusted CSCA that is valid then and a CA with
//! keyCertSign; not revoked by a fresh CRL of that CSCA, without which the list is
//! refused) and returns a [`VerifiedDeviationList`];
//! [`VerifiedDeviationList::waivers_for`] gives the [`Waiver`]s that apply to one
//! document's DSC; [`apply`] turns the waived `fail` checks of a report into `pass`.
//!
//! Names: the 9303-12 ASN.1 (and this module) call a "signer deviation" a [`Deviation`]
//! and a "defect" a [`DeviationDescription`].
//!
//! Choices where the reference is silent (documented where they matter):
//! * Tagging: the module is read with IMPLICIT tags (as the other 9303 modules), except
//!   for the `ANY` fields `parameters [0]` and `nationalUse [1]`, which ASN.1 always tags
//!   EXPLICIT.
//! * Only `version` v0 is accepted.
//! * `certificateDigest` is computed with the list's `digestAlgorithm`, SHA-256 when the
//!   list has none.
//! * A deviation without `dscIdentifier` applies to every DSC issued by the CSCA that
//!   certified the list's signer ("all DSCs of the CSCA").
//! * Deviations restricted by `documentType`, `issuingDate` or `documentNumbers` cannot be
//!   judged from the DSC alone; [`VerifiedDeviationList::waivers_for`] does not apply them
//!   (fail closed).
//! * A list only speaks for its own State: a deviation never applies to a DSC whose
//!   issuer is in another country than the CSCA that certified the list signer, nor to
//!   a DSC whose authorityKeyIdentifier is not the key id of a trusted CSCA of that
//!   State (a copied issuer name and serial number is not enough).

use const_oid::ObjectIdentifier;
use der::asn1::{Any, GeneralizedTime, OctetString, PrintableString, SetOfVec};
use der::{Choice, Decode, Sequence};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, country, same_name};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{Crl, CrlError, CrlStatus};
use x509_cert::name::Name;

use crate::checks::check_id::CheckId;
use crate::checks::report::{Check, Status};
use crate::encoding::oid;
use crate::encoding::signed_data::{SignedDataError, SignedDataInfo};
use crate::trust::store::crl_rank;

pub mod asn1;
pub mod deviation_oid;
mod signer;
mod waivers;

pub use signer::{VerifiedDeviationList, csca_unusable, revocation_status, verify};
pub use waivers::{Waiver, apply};

/// Why a deviation list cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviationListError {
    /// The CMS is unreadable.
    #[error("deviation list {0}")]
    SignedData(#[from] SignedDataError),
    /// The eContentType is not id-icao-DeviationList.
    #[error("deviation list eContentType is {0}, not 2.23.136.1.1.7")]
    ContentType(ObjectIdentifier),
    /// The DeviationList (or one of its deviations) does not decode.
    #[error("DeviationList: {0}")]
    Content(#[source] der::Error),
    /// The list's digestAlgorithm is not one dongpo knows.
    #[error("DeviationList: unknown digestAlgorithm {0}")]
    UnknownDigest(ObjectIdentifier),
    /// A version other than v0.
    #[error("DeviationList version {0} is not supported (only v0)")]
    Version(u8),
    /// No embedded certificate matches the SignerInfo.
    #[error("no embedded certificate matches the deviation list's SignerInfo")]
    NoSignerCertificate,
    /// The signer certificate lacks the deviation-list-signer EKU.
    #[error("deviation list signer {subject} lacks EKU 2.23.136.1.1.8")]
    SignerEku {
        /// The signer's subject.
        subject: String,
    },
    /// The contentType signed attribute is not id-icao-DeviationList.
    #[error("contentType attribute is {0:?}, not id-icao-DeviationList")]
    ContentTypeAttribute(Option<ObjectIdentifier>),
    /// The messageDigest attribute is not the digest of the list.
    #[error("messageDigest does not match the deviation list")]
    MessageDigest,
    /// The signature over the signed attributes does not verify.
    #[error("deviation list signature: {0}")]
    Signature(String),
    /// The signer certificate is not valid at the verification time.
    #[error("deviation list signer {subject} is not valid at {}", .at.rfc3339())]
    SignerNotValid {
        /// The signer's subject.
        subject: String,
        /// The verification time.
        at: UnixTime,
    },
    /// No trusted CSCA key verifies the signer certificate.
    #[error("deviation list signer {subject} does not chain to a trusted CSCA")]
    UntrustedSigner {
        /// The signer's subject.
        subject: String,
    },
    /// The CSCA whose key verifies the signer cannot certify it: not valid at the
    /// verification time, or not a CA certificate with keyCertSign.
    #[error("deviation list signer {subject}: its CSCA {csca} {reason}")]
    IssuerUnusable {
        /// The signer's subject.
        subject: String,
        /// The CSCA's subject.
        csca: String,
        /// Why the CSCA cannot vouch for it.
        reason: String,
    },
    /// No fresh CRL of the signer's CSCA was given: the signer's revocation status is
    /// unknown, so the list is refused (fail closed).
    #[error(
        "deviation list signer {subject}: no fresh CRL of its CSCA {csca} establishes that it is not revoked{}",
        if problems.is_empty() { String::new() } else { format!(" ({})", problems.join("; ")) }
    )]
    NoFreshCrl {
        /// The signer's subject.
        subject: String,
        /// The CSCA's subject.
        csca: String,
        /// Why each CRL of that CSCA could not be used.
        problems: Vec<String>,
    },
    /// The signer is on its CSCA's CRL.
    #[error(
        "deviation list signer {subject} is revoked (since {}) by the CRL of {csca}",
        .since.rfc3339()
    )]
    SignerRevoked {
        /// The signer's subject.
        subject: String,
        /// The CSCA's subject.
        csca: String,
        /// The revocation date.
        since: UnixTime,
    },
}

/// How a deviation names the DSC(s) it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DscIdentifier {
    /// The DSC's issuer and serial number.
    IssuerSerial {
        /// Issuer.
        issuer: Name,
        /// Serial number (DER content bytes).
        serial: Vec<u8>,
    },
    /// The DSC's subjectKeyIdentifier.
    SubjectKeyIdentifier(Vec<u8>),
    /// The digest of the DSC's DER (list's digestAlgorithm).
    CertificateDigest(Vec<u8>),
    /// No dscIdentifier: every DSC of the CSCA that certified the list signer.
    AllOfCsca,
}

/// The documents a deviation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviationDocuments {
    /// Document type (2 letters), if restricted.
    pub document_type: Option<String>,
    /// Which DSC(s).
    pub dsc: DscIdentifier,
    /// Issuance period (first, last), if restricted.
    pub issuing_period: Option<(UnixTime, UnixTime)>,
    /// Document numbers, if restricted.
    pub document_numbers: Option<Vec<String>>,
}

impl DeviationDocuments {
    /// Whether the deviation is further restricted to some documents of the DSC.
    #[must_use]
    pub fn restricted_by_document(&self) -> bool {
        self.document_type.is_some()
            || self.issuing_period.is_some()
            || self.document_numbers.is_some()
    }
}

/// What a verifier knows about one document, to match document-level restrictions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentFacts {
    /// Document type from the MRZ (e.g. `P`), fillers removed.
    pub document_type: Option<String>,
    /// Document number from the MRZ, fillers removed.
    pub document_number: Option<String>,
    /// When the document was issued (the SOD's signingTime is the usual proxy).
    pub issued: Option<UnixTime>,
}

impl DeviationDocuments {
    /// Whether every restriction of the deviation holds for the document.
    #[must_use]
    pub fn covers(&self, facts: &DocumentFacts) -> bool {
        let clean = |s: &str| s.trim_end_matches('<').to_string();
        let type_ok = self.document_type.as_ref().is_none_or(|t| {
            facts
                .document_type
                .as_deref()
                .is_some_and(|d| clean(d).starts_with(&clean(t)))
        });
        let period_ok = self
            .issuing_period
            .is_none_or(|(first, last)| facts.issued.is_some_and(|at| first <= at && at <= last));
        let number_ok = self.document_numbers.as_ref().is_none_or(|numbers| {
            facts
                .document_number
                .as_deref()
                .is_some_and(|n| numbers.iter().any(|m| clean(m) == clean(n)))
        });
        type_ok && period_ok && number_ok
    }
}

impl DeviationDocuments {
    /// Whether the document may be one of those the deviation names: every restriction
    /// holds or cannot be judged because the fact is unknown.
    #[must_use]
    pub fn may_cover(&self, facts: &DocumentFacts) -> bool {
        let known = DocumentFacts {
            document_type: facts
                .document_type
                .clone()
                .or_else(|| self.document_type.clone()),
            document_number: facts.document_number.clone().or_else(|| {
                self.document_numbers
                    .as_ref()
                    .and_then(|n| n.first().cloned())
            }),
            issued: facts
                .issued
                .or_else(|| self.issuing_period.map(|(first, _)| first)),
        };
        self.covers(&known)
    }
}

/// A defect type as dongpo understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defect {
    /// `.1.1` DSC signature wrong.
    DsSignature,
    /// `.1.2` DSC encoding wrong.
    DsEncoding,
    /// `.1.4` AA key compromised (never a waiver: `aa.signature` fails).
    AaKeyCompromised,
    /// `.2.2` DG hash wrong; the data-group parameter (1..16, 20 = SOD, 21 = COM).
    DgHashWrong(Option<u8>),
    /// `.2.3` SOD signature wrong.
    SodSignatureWrong,
    /// `.2.4` EF.COM inconsistent with the SOD.
    ComInconsistent,
    /// `.3.2` MRZ check digit wrong (parameter: MRZ field, if given).
    MrzWrongCheckDigit(Option<u8>),
    /// Any other type (`.1.3`, `.2.1`, `.3.1`, `.4`, `.5`, unknown): waives nothing.
    Unmapped {
        /// The deviationType.
        oid: ObjectIdentifier,
    },
}

impl Defect {
    fn from_asn1(oid_: ObjectIdentifier, parameters: Option<&Any>) -> Self {
        let small_int = || parameters.and_then(|p| p.decode_as::<u8>().ok());
        match oid_ {
            o if o == deviation_oid::DS_SIGNATURE => Defect::DsSignature,
            o if o == deviation_oid::DS_ENCODING => Defect::DsEncoding,
            o if o == deviation_oid::AA_KEY_COMPROMISED => Defect::AaKeyCompromised,
            o if o == deviation_oid::DG_HASH_WRONG => Defect::DgHashWrong(small_int()),
            o if o == deviation_oid::SOD_SIGNATURE_WRONG => Defect::SodSignatureWrong,
            o if o == deviation_oid::COM_INCONSISTENT => Defect::ComInconsistent,
            o if o == deviation_oid::MRZ_WRONG_CHECK_DIGIT => {
                Defect::MrzWrongCheckDigit(small_int())
            }
            oid => Defect::Unmapped { oid },
        }
    }

    /// The one dongpo check this defect waives, if any:
    ///
    /// | defect | check |
    /// |---|---|
    /// | `.1.1` DSSignature | `dsc.chain` (only when the DSC is named by `certificateDigest`) |
    /// | `.1.2` DSEncoding | `dsc.profile` |
    /// | `.2.2` DGHashWrong, parameter N in 1..=16 | `dg.N.hash` |
    /// | `.2.3` SODSignatureWrong | `sod.signature` |
    /// | `.2.4` COMInconsistent | `com.consistency` |
    /// | `.3.2` MRZ WrongCheckDigit | `mrz.check_digits` |
    ///
    /// Everything else waives nothing: `.1.3` CSCAEncoding (no CSCA-profile check),
    /// `.1.4` AAKeyCompromised (never a waiver: it makes `aa.signature` fail, see
    /// [`VerifiedDeviationList::aa_key_compromised`]), `.2.1` DGMalformed, `.2.2`
    /// without a parameter or for SOD/COM, `.3.1` WrongData, `.4`, `.5`, unknown types.
    /// A `dsc.chain` waiver for a DSC named only by issuer/serial or key id would let a
    /// forged certificate with the same names through, hence the digest requirement.
    #[must_use]
    pub fn check_id(&self, dsc_by_digest: bool) -> Option<CheckId> {
        match self {
            Defect::DsSignature if dsc_by_digest => Some(CheckId::DscChain),
            Defect::DsEncoding => Some(CheckId::DscProfile),
            Defect::DgHashWrong(Some(n)) if (1..=16).contains(n) => Some(CheckId::DgHash(*n)),
            Defect::SodSignatureWrong => Some(CheckId::SodSignature),
            Defect::ComInconsistent => Some(CheckId::ComConsistency),
            Defect::MrzWrongCheckDigit(_) => Some(CheckId::MrzCheckDigits),
            _ => None,
        }
    }
}

/// One defect of a deviation (`DeviationDescription`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviationDescription {
    /// Human-readable description.
    pub description: Option<String>,
    /// deviationType.
    pub deviation_type: ObjectIdentifier,
    /// The defect, with its parameter.
    pub defect: Defect,
}

/// One deviation: which documents, which defects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// The documents.
    pub documents: DeviationDocuments,
    /// The defects.
    pub descriptions: Vec<DeviationDescription>,
}

/// A decoded (not yet verified) deviation list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviationList {
    /// Version (0).
    pub version: u8,
    /// digestAlgorithm for `certificateDigest` (SHA-256 when the list has none).
    pub digest_algorithm: Option<HashAlgorithm>,
    /// The deviations, in DER order.
    pub deviations: Vec<Deviation>,
}

fn decode<'a, T: Decode<'a, Error = der::Error>>(bytes: &'a [u8]) -> Result<T, DeviationListError> {
    T::from_der(bytes)
        .or_else(|_| T::from_ber(bytes))
        .map_err(DeviationListError::Content)
}

fn generalized(t: &GeneralizedTime) -> UnixTime {
    UnixTime::from_x509(&x509_cert::time::Time::GeneralTime(*t))
}

impl DeviationList {
    /// Decodes the `DeviationList` eContent (DER, or BER as a quirk).
    ///
    /// # Errors
    /// [`DeviationListError::Content`], [`DeviationListError::UnknownDigest`] or
    /// [`DeviationListError::Version`].
    pub fn from_content(content: &[u8]) -> Result<Self, DeviationListError> {
        let raw: asn1::DeviationList = decode(content)?;
        if raw.version != 0 {
            return Err(DeviationListError::Version(raw.version));
        }
        let digest_algorithm = match &raw.digest_algorithm {
            None => None,
            Some(alg) => Some(
                HashAlgorithm::from_oid(&alg.oid)
                    .map_err(|_| DeviationListError::UnknownDigest(alg.oid))?,
            ),
        };
        let mut deviations = Vec::new();
        for any in raw.deviations.iter() {
            let der = der::Encode::to_der(any).map_err(DeviationListError::Content)?;
            let dev: asn1::Deviation = decode(&der)?;
            deviations.push(Deviation::from_asn1(&dev)?);
        }
        Ok(DeviationList {
            version: raw.version,
            digest_algorithm,
            deviations,
        })
    }
}

impl Deviation {
    fn from_asn1(dev: &asn1::Deviation) -> Result<Self, DeviationListError> {
        let docs = &dev.documents;
        let dsc = match &docs.dsc_identifier {
            None => DscIdentifier::AllOfCsca,
            Some(asn1::DocumentSignerIdentifier::IssuerAndSerialNumber(ias)) => {
                DscIdentifier::IssuerSerial {
                    issuer: ias.issuer.clone(),
                    serial: ias.serial_number.as_bytes().to_vec(),
                }
            }
            Some(asn1::DocumentSignerIdentifier::SubjectKeyIdentifier(ski)) => {
                DscIdentifier::SubjectKeyIdentifier(ski.as_bytes().to_vec())
            }
            Some(asn1::DocumentSignerIdentifier::CertificateDigest(d)) => {
                DscIdentifier::CertificateDigest(d.as_bytes().to_vec())
            }
        };
        let documents = DeviationDocuments {
            document_type: docs.document_type.as_ref().map(|s| s.to_string()),
            dsc,
            issuing_period: docs
                .issuing_date
                .as_ref()
                .map(|p| (generalized(&p.first_issued), generalized(&p.last_issued))),
            document_numbers: docs
                .document_numbers
                .as_ref()
                .map(|set| set.iter().map(|s| s.to_string()).collect()),
        };
        let mut descriptions = Vec::new();
        for any in dev.descriptions.iter() {
            let der = der::Encode::to_der(any).map_err(DeviationListError::Content)?;
            let d: asn1::DeviationDescription = decode(&der)?;
            descriptions.push(DeviationDescription {
                description: d.description.as_ref().map(|s| s.to_string()),
                deviation_type: d.deviation_type,
                defect: Defect::from_asn1(d.deviation_type, d.parameters.as_ref()),
            });
        }
        Ok(Deviation {
            documents,
            descriptions,
        })
    }
}

/// Decodes a deviation list (CMS SignedData, eContentType id-icao-DeviationList)
/// without checking its signature.
///
/// # Errors
/// [`DeviationListError`] naming what does not decode.
pub fn parse(bytes: &[u8]) -> Result<DeviationList, DeviationListError> {
    let cms = SignedDataInfo::parse(bytes)?;
    if cms.econtent_type != oid::DEVIATION_LIST {
        return Err(DeviationListError::ContentType(cms.econtent_type));
    }
    DeviationList::from_content(&cms.econtent)
}

#[cfg(test)]
mod tests;
