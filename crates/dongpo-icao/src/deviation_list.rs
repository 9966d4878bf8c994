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

use crate::check_id::CheckId;
use crate::oid;
use crate::passive_auth::crl_rank;
use crate::report::{Check, Status};
use crate::signed_data::{SignedDataError, SignedDataInfo};

/// The ASN.1 of 9303-12 §10, as `der` types (also used to build lists in tests).
pub mod asn1 {
    use super::{Any, Choice, GeneralizedTime, OctetString, PrintableString, Sequence, SetOfVec};
    use cms::cert::IssuerAndSerialNumber;
    use spki::AlgorithmIdentifierOwned;

    /// `DeviationList ::= SEQUENCE { version INTEGER {v0(0)}, digestAlgorithm
    /// AlgorithmIdentifier OPTIONAL, deviations SET OF Deviation }`. The elements of
    /// `deviations` are kept as `ANY` and decoded one by one ([`Deviation`]).
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct DeviationList {
        /// `version` (v0 = 0).
        pub version: u8,
        /// `digestAlgorithm` (for `certificateDigest`).
        #[asn1(optional = "true")]
        pub digest_algorithm: Option<AlgorithmIdentifierOwned>,
        /// `deviations`: DER of each [`Deviation`].
        pub deviations: SetOfVec<Any>,
    }

    /// `Deviation ::= SEQUENCE { documents DeviationDocuments, descriptions SET OF
    /// DeviationDescription }`; `descriptions` elements are kept as `ANY`.
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct Deviation {
        /// Which documents.
        pub documents: DeviationDocuments,
        /// DER of each [`DeviationDescription`].
        pub descriptions: SetOfVec<Any>,
    }

    /// `DeviationDocuments ::= SEQUENCE { documentType [0] PrintableString (SIZE(2))
    /// OPTIONAL, dscIdentifier DocumentSignerIdentifier OPTIONAL, issuingDate [4]
    /// IssuancePeriod OPTIONAL, documentNumbers [5] SET OF PrintableString OPTIONAL }`.
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct DeviationDocuments {
        /// `documentType [0] IMPLICIT`.
        #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
        pub document_type: Option<PrintableString>,
        /// `dscIdentifier`.
        #[asn1(optional = "true")]
        pub dsc_identifier: Option<DocumentSignerIdentifier>,
        /// `issuingDate [4] IMPLICIT`.
        #[asn1(context_specific = "4", tag_mode = "IMPLICIT", optional = "true")]
        pub issuing_date: Option<IssuancePeriod>,
        /// `documentNumbers [5] IMPLICIT`.
        #[asn1(context_specific = "5", tag_mode = "IMPLICIT", optional = "true")]
        pub document_numbers: Option<SetOfVec<PrintableString>>,
    }

    /// `DocumentSignerIdentifier ::= CHOICE { issuerAndSerialNumber [1]
    /// IssuerAndSerialNumber, subjectKeyIdentifier [2] SubjectKeyIdentifier,
    /// certificateDigest [3] Digest }` (IMPLICIT tags).
    #[derive(Clone, Debug, PartialEq, Eq, Choice)]
    pub enum DocumentSignerIdentifier {
        /// `[1]`: the DSC's issuer and serial number.
        #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
        IssuerAndSerialNumber(IssuerAndSerialNumber),
        /// `[2]`: the DSC's subjectKeyIdentifier.
        #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
        SubjectKeyIdentifier(OctetString),
        /// `[3]`: the digest of the DSC (DER) with the list's `digestAlgorithm`.
        #[asn1(context_specific = "3", tag_mode = "IMPLICIT")]
        CertificateDigest(OctetString),
    }

    /// `IssuancePeriod ::= SEQUENCE { firstIssued GeneralizedTime, lastIssued
    /// GeneralizedTime }`.
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct IssuancePeriod {
        /// `firstIssued`.
        pub first_issued: GeneralizedTime,
        /// `lastIssued`.
        pub last_issued: GeneralizedTime,
    }

    /// `DeviationDescription ::= SEQUENCE { description PrintableString OPTIONAL,
    /// deviationType OBJECT IDENTIFIER, parameters [0] ANY DEFINED BY deviationType
    /// OPTIONAL, nationalUse [1] ANY OPTIONAL }` (the "defect").
    #[derive(Clone, Debug, PartialEq, Eq, Sequence)]
    pub struct DeviationDescription {
        /// `description`.
        #[asn1(optional = "true")]
        pub description: Option<PrintableString>,
        /// `deviationType`.
        pub deviation_type: der::asn1::ObjectIdentifier,
        /// `parameters [0] EXPLICIT`.
        #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
        pub parameters: Option<Any>,
        /// `nationalUse [1] EXPLICIT`.
        #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
        pub national_use: Option<Any>,
    }
}

/// Deviation type OIDs (arc id-Deviation = 2.23.136.1.1.7).
pub mod deviation_oid {
    use const_oid::ObjectIdentifier as Oid;

    /// id-Deviation-CertOrKey-DSSignature: the DSC's signature is wrong.
    pub const DS_SIGNATURE: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.1");
    /// id-Deviation-CertOrKey-DSEncoding: the DSC is wrongly encoded.
    pub const DS_ENCODING: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.2");
    /// id-Deviation-CertOrKey-CSCAEncoding: the CSCA certificate is wrongly encoded.
    pub const CSCA_ENCODING: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.3");
    /// id-Deviation-CertOrKey-AAKeyCompromised: the AA keys are compromised.
    pub const AA_KEY_COMPROMISED: Oid = Oid::new_unwrap("2.23.136.1.1.7.1.4");
    /// id-Deviation-LDS-DGMalformed (parameter: data group).
    pub const DG_MALFORMED: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.1");
    /// id-Deviation-LDS-DGHashWrong (parameter: data group).
    pub const DG_HASH_WRONG: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.2");
    /// id-Deviation-LDS-SODSignatureWrong.
    pub const SOD_SIGNATURE_WRONG: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.3");
    /// id-Deviation-LDS-COMInconsistent.
    pub const COM_INCONSISTENT: Oid = Oid::new_unwrap("2.23.136.1.1.7.2.4");
    /// id-Deviation-MRZ-WrongData (parameter: MRZ field).
    pub const MRZ_WRONG_DATA: Oid = Oid::new_unwrap("2.23.136.1.1.7.3.1");
    /// id-Deviation-MRZ-WrongCheckDigit (parameter: MRZ field).
    pub const MRZ_WRONG_CHECK_DIGIT: Oid = Oid::new_unwrap("2.23.136.1.1.7.3.2");
}

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

/// A deviation list whose signature, signer EKU, signer validity and chain to a trusted
/// CSCA all held.
#[derive(Clone, Debug)]
pub struct VerifiedDeviationList {
    /// The list.
    pub list: DeviationList,
    /// The deviation-list signer.
    pub signer: Cert,
    /// The trusted CSCA that certified the signer.
    pub csca: Cert,
    /// The trusted CSCAs (given to [`verify`]) of the same State as `csca`: a deviation
    /// only applies to a DSC whose authorityKeyIdentifier (when present) is the key id
    /// of one of them, so that a certificate of an unknown CSCA that merely copies a
    /// listed issuer name and serial number gains nothing.
    pub state_cscas: Vec<Cert>,
    /// The signingTime attribute, if present.
    pub signing_time: Option<UnixTime>,
}

/// Verifies a deviation list against trusted CSCAs (`cscas`, e.g. from
/// [`crate::trust_store::TrustStore::cscas`]) and CSCA CRLs (`crls`) at time `at`.
///
/// The signer is path-validated at `at`, failing closed: it must be valid, carry the
/// deviation-list-signer EKU, be signed by a trusted CSCA that is itself valid at `at`
/// and a CA certificate with keyCertSign, and a fresh, complete CRL of that CSCA (signed
/// by it, `thisUpdate <= at <= nextUpdate`) must show it is not revoked. Without such a
/// CRL the list is refused.
///
/// # Errors
/// The first [`DeviationListError`] found: content type, decoding, signer certificate,
/// EKU, contentType attribute, messageDigest, signature, signer validity, chain, CSCA
/// validity and CA flags, revocation.
pub fn verify(
    bytes: &[u8],
    cscas: &[Cert],
    crls: &[&Crl],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<VerifiedDeviationList, DeviationListError> {
    let cms = SignedDataInfo::parse(bytes)?;
    if cms.econtent_type != oid::DEVIATION_LIST {
        return Err(DeviationListError::ContentType(cms.econtent_type));
    }
    let list = DeviationList::from_content(&cms.econtent)?;
    let (signer, _) = cms
        .find_signer()
        .ok_or(DeviationListError::NoSignerCertificate)?;
    let eku = signer.has_extended_key_usage(&oid::DEVIATION_LIST_SIGNER_EKU);
    if !eku {
        return Err(DeviationListError::SignerEku {
            subject: signer.subject(),
        });
    }
    if cms.attr_content_type != Some(oid::DEVIATION_LIST) {
        return Err(DeviationListError::ContentTypeAttribute(
            cms.attr_content_type,
        ));
    }
    if !cms.message_digest_matches() {
        return Err(DeviationListError::MessageDigest);
    }
    cms.verify_signature(&signer, verifier)
        .map_err(DeviationListError::Signature)?;
    if !signer.valid_at(at) {
        return Err(DeviationListError::SignerNotValid {
            subject: signer.subject(),
            at,
        });
    }
    let csca = certifying_csca(&signer, cscas, at, verifier)?.clone();
    match revocation_status(&signer, &csca, crls, at, verifier) {
        Ok(CrlStatus::Good) => {}
        Ok(CrlStatus::Revoked { at: since }) => {
            return Err(DeviationListError::SignerRevoked {
                subject: signer.subject(),
                csca: csca.subject(),
                since,
            });
        }
        Err(problems) => {
            return Err(DeviationListError::NoFreshCrl {
                subject: signer.subject(),
                csca: csca.subject(),
                problems,
            });
        }
    }
    let state_cscas = cscas
        .iter()
        .filter(|c| {
            let (a, b) = (
                c.cert.tbs_certificate().subject(),
                csca.cert.tbs_certificate().subject(),
            );
            match (country(a), country(b)) {
                (Some(x), Some(y)) => x == y,
                _ => same_name(a, b) != NameMatch::Different,
            }
        })
        .cloned()
        .collect();
    Ok(VerifiedDeviationList {
        list,
        signer,
        csca,
        state_cscas,
        signing_time: cms.signing_time,
    })
}

/// Why `csca` cannot certify other certificates at `at`, if it cannot: it must be valid
/// then, and a CA certificate (BasicConstraints cA) with the keyCertSign key usage.
#[must_use]
pub fn csca_unusable(csca: &Cert, at: UnixTime) -> Option<String> {
    if !csca.basic_constraints().is_some_and(|bc| bc.ca) {
        return Some("is not a CA certificate (BasicConstraints cA is not set)".into());
    }
    if !csca.key_usage().is_some_and(|ku| ku.key_cert_sign()) {
        return Some("lacks the keyCertSign key usage".into());
    }
    if !csca.valid_at(at) {
        return Some(format!(
            "is not valid at {} (valid {} to {})",
            at.rfc3339(),
            csca.not_before.rfc3339(),
            csca.not_after.rfc3339()
        ));
    }
    None
}

/// The trusted CSCA that signed `signer` and may certify it at `at`.
fn certifying_csca<'a>(
    signer: &Cert,
    cscas: &'a [Cert],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<&'a Cert, DeviationListError> {
    let mut refused = None;
    let issuer = signer.cert.tbs_certificate().issuer();
    for csca in cscas {
        // Chained by name (RFC 5280 §6.1) as well as by signature: a CSCA of another
        // State certifies nothing under this State's name.
        if same_name(csca.cert.tbs_certificate().subject(), issuer) == NameMatch::Different {
            continue;
        }
        if signer.verify_signed_by(&csca.key, verifier).is_err() {
            continue;
        }
        match csca_unusable(csca, at) {
            None => return Ok(csca),
            Some(reason) => {
                refused.get_or_insert((csca.subject(), reason));
            }
        }
    }
    Err(match refused {
        Some((csca, reason)) => DeviationListError::IssuerUnusable {
            subject: signer.subject(),
            csca,
            reason,
        },
        None => DeviationListError::UntrustedSigner {
            subject: signer.subject(),
        },
    })
}

/// The status of `cert` on the newest (highest cRLNumber, then thisUpdate) fresh,
/// complete CRL of `csca` among `crls` that covers it — the same ordering as the DSC's
/// revocation check — otherwise why none could be used (CRLs of other issuers are not
/// named). Two newest CRLs of one rank that disagree fail closed: revoked wins.
///
/// # Errors
/// The problems of every CRL of `csca` (empty when none was given).
pub fn revocation_status(
    cert: &Cert,
    csca: &Cert,
    crls: &[&Crl],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<CrlStatus, Vec<String>> {
    let mut problems = Vec::new();
    let mut usable: Vec<&Crl> = Vec::new();
    for crl in crls {
        match crl.verify(csca, at, verifier) {
            Err(CrlError::WrongIssuer { .. }) => continue,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
            Ok(()) => {}
        }
        if let Some(base) = crl.delta_base_hex() {
            problems.push(format!(
                "a delta CRL (base {base}) cannot establish status without its base"
            ));
            continue;
        }
        if let Err(e) = crl.check_scope(cert) {
            problems.push(e.to_string());
            continue;
        }
        usable.push(crl);
    }
    let Some(top) = usable.iter().map(|crl| crl_rank(crl)).max() else {
        return Err(problems);
    };
    let serial = cert.cert.tbs_certificate().serial_number().as_bytes();
    let statuses = usable
        .iter()
        .filter(|crl| crl_rank(crl) == top)
        .map(|crl| crl.status(serial));
    let mut decided = CrlStatus::Good;
    for status in statuses {
        if matches!(status, CrlStatus::Revoked { .. }) {
            decided = status;
            break;
        }
    }
    Ok(decided)
}

/// A check a deviation list lets pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// The check id (`dg.2.hash`, `sod.signature`, ...).
    pub check_id: CheckId,
    /// The deviationType.
    pub defect: ObjectIdentifier,
    /// The defect's description, if the list gives one.
    pub description: Option<String>,
}

impl VerifiedDeviationList {
    /// Whether `dsc` belongs to the State of the CSCA that certified the list signer.
    fn same_state(&self, dsc: &Cert) -> bool {
        let issuer = dsc.cert.tbs_certificate().issuer();
        let csca = self.csca.cert.tbs_certificate().subject();
        let same = match (country(issuer), country(csca)) {
            (Some(a), Some(b)) => a == b,
            _ => same_name(issuer, csca) != NameMatch::Different,
        };
        let key_known = match &dsc.aki {
            None => true,
            Some(aki) => self
                .state_cscas
                .iter()
                .chain(std::iter::once(&self.csca))
                .any(|c| c.ski.as_ref() == Some(aki)),
        };
        same && key_known
    }

    /// Whether `id` names `dsc`.
    fn names(&self, id: &DscIdentifier, dsc: &Cert) -> bool {
        let tbs = dsc.cert.tbs_certificate();
        match id {
            DscIdentifier::IssuerSerial { issuer, serial } => {
                tbs.serial_number().as_bytes() == serial.as_slice()
                    && same_name(issuer, tbs.issuer()) != NameMatch::Different
            }
            DscIdentifier::SubjectKeyIdentifier(ski) => dsc.ski.as_deref() == Some(ski.as_slice()),
            DscIdentifier::CertificateDigest(digest) => {
                let alg = self.list.digest_algorithm.unwrap_or(HashAlgorithm::Sha256);
                alg.digest(&dsc.der) == *digest
            }
            DscIdentifier::AllOfCsca => {
                let csca = &self.csca;
                let name_ok = same_name(tbs.issuer(), csca.cert.tbs_certificate().subject())
                    != NameMatch::Different;
                let key_ok = match (&dsc.aki, &csca.ski) {
                    (Some(aki), Some(ski)) => aki == ski,
                    _ => true,
                };
                name_ok && key_ok
            }
        }
    }

    /// The waivers that apply to a document signed under `dsc`, for deviations that name
    /// DSCs only (see [`VerifiedDeviationList::waivers_for_document`] for the rest).
    #[must_use]
    pub fn waivers_for(&self, dsc: &Cert) -> Vec<Waiver> {
        self.waivers_for_document(dsc, &DocumentFacts::default())
    }

    /// The waivers that apply to one document signed under `dsc`: one per defect of every
    /// deviation whose DSC identification matches `dsc` (issuer and serial, key id, the
    /// certificate's digest, or no identifier = all DSCs of the list signer's CSCA) and
    /// that maps to a dongpo check ([`Defect::check_id`]). A deviation restricted to some
    /// documents (type, issuance period, numbers) applies only when `facts` shows the
    /// document is one of them; an unknown fact never matches.
    #[must_use]
    pub fn waivers_for_document(&self, dsc: &Cert, facts: &DocumentFacts) -> Vec<Waiver> {
        self.defects_for(dsc, facts)
            .filter_map(|(by_digest, d)| {
                d.defect.check_id(by_digest).map(|check_id| Waiver {
                    check_id,
                    defect: d.deviation_type,
                    description: d.description.clone(),
                })
            })
            .collect()
    }

    /// The defects of every deviation that names `dsc` and covers the document, with
    /// whether the deviation named the DSC by its certificate digest.
    fn defects_for<'a>(
        &'a self,
        dsc: &'a Cert,
        facts: &'a DocumentFacts,
    ) -> impl Iterator<Item = (bool, &'a DeviationDescription)> + 'a {
        let same_state = self.same_state(dsc);
        self.list
            .deviations
            .iter()
            .filter(move |deviation| {
                same_state
                    && deviation.documents.covers(facts)
                    && self.names(&deviation.documents.dsc, dsc)
            })
            .flat_map(|deviation| {
                let by_digest =
                    matches!(deviation.documents.dsc, DscIdentifier::CertificateDigest(_));
                deviation.descriptions.iter().map(move |d| (by_digest, d))
            })
    }

    /// Whether the list declares the Active Authentication keys of the documents of
    /// `dsc` compromised (`id-Deviation-CertOrKey-AAKeyCompromised`): then Active
    /// Authentication proves nothing for them and `aa.signature` fails. Gives the
    /// defect's description (or its OID) when it does.
    ///
    /// A warning fails closed the other way round from a waiver: a deviation restricted
    /// to some documents applies unless `facts` show the document is not one of them
    /// (an unknown fact does not rule it out).
    #[must_use]
    pub fn aa_key_compromised(&self, dsc: &Cert, facts: &DocumentFacts) -> Option<String> {
        if !self.same_state(dsc) {
            return None;
        }
        self.list
            .deviations
            .iter()
            .filter(|deviation| {
                deviation.documents.may_cover(facts) && self.names(&deviation.documents.dsc, dsc)
            })
            .flat_map(|deviation| deviation.descriptions.iter())
            .find(|d| d.defect == Defect::AaKeyCompromised)
            .map(|d| {
                d.description
                    .clone()
                    .unwrap_or_else(|| d.deviation_type.to_string())
            })
    }

    /// The trusted CSCA of the list's State that issued `dsc` (by key identifier, or by
    /// name when the DSC has no authorityKeyIdentifier), if any. A deviation that waives
    /// `dsc.chain` names the DSC; this is the CSCA whose validity still counts.
    #[must_use]
    pub fn issuing_csca(&self, dsc: &Cert) -> Option<&Cert> {
        let issuer = dsc.cert.tbs_certificate().issuer();
        std::iter::once(&self.csca)
            .chain(self.state_cscas.iter())
            .find(|c| {
                let name_ok =
                    same_name(c.cert.tbs_certificate().subject(), issuer) != NameMatch::Different;
                match &dsc.aki {
                    Some(aki) => c.ski.as_ref() == Some(aki) && name_ok,
                    None => name_ok,
                }
            })
    }
}

/// Turns every `fail` check whose id a waiver names into `pass`, with detail
/// `waived by deviation list <list_name>: <description or OID> (was: <old detail>)`.
/// Other checks (passed, skipped, or not named) are left as they are.
#[allow(
    clippy::ptr_arg,
    reason = "the signature agreed with the verifier, which owns a Vec<Check>"
)]
pub fn apply(checks: &mut Vec<Check>, waivers: &[Waiver], list_name: &str) {
    for check in checks.iter_mut() {
        if check.status != Status::Fail {
            continue;
        }
        let Some(waiver) = waivers.iter().find(|w| w.check_id == check.id) else {
            continue;
        };
        let why = waiver
            .description
            .clone()
            .unwrap_or_else(|| waiver.defect.to_string());
        check.status = Status::Pass;
        check.detail = format!(
            "waived by deviation list {list_name}: {why} (was: {})",
            check.detail
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use der::Encode;

    fn description(oid_: ObjectIdentifier, dg: Option<u8>, text: Option<&str>) -> Any {
        let d = asn1::DeviationDescription {
            description: text.map(|t| PrintableString::new(t).unwrap()),
            deviation_type: oid_,
            parameters: dg.map(|n| Any::encode_from(&n).unwrap()),
            national_use: None,
        };
        Any::encode_from(&d).unwrap()
    }

    fn list_der(dsc: Option<asn1::DocumentSignerIdentifier>, descs: Vec<Any>) -> Vec<u8> {
        let mut set = SetOfVec::new();
        for d in descs {
            set.insert(d).unwrap();
        }
        let dev = asn1::Deviation {
            documents: asn1::DeviationDocuments {
                document_type: None,
                dsc_identifier: dsc,
                issuing_date: None,
                document_numbers: None,
            },
            descriptions: set,
        };
        let mut devs = SetOfVec::new();
        devs.insert(Any::encode_from(&dev).unwrap()).unwrap();
        asn1::DeviationList {
            version: 0,
            digest_algorithm: None,
            deviations: devs,
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn content_round_trip_and_mapping() {
        let der = list_der(
            Some(asn1::DocumentSignerIdentifier::SubjectKeyIdentifier(
                OctetString::new(vec![1, 2, 3]).unwrap(),
            )),
            vec![
                description(deviation_oid::DG_HASH_WRONG, Some(12), Some("DG12 hash")),
                description(deviation_oid::SOD_SIGNATURE_WRONG, None, None),
                description(deviation_oid::MRZ_WRONG_DATA, Some(3), None),
                description(deviation_oid::DG_HASH_WRONG, None, None),
                description(deviation_oid::DS_SIGNATURE, None, None),
            ],
        );
        let list = DeviationList::from_content(&der).unwrap();
        assert_eq!(list.deviations.len(), 1);
        let dev = &list.deviations[0];
        assert_eq!(
            dev.documents.dsc,
            DscIdentifier::SubjectKeyIdentifier(vec![1, 2, 3])
        );
        let ids: Vec<Option<CheckId>> = dev
            .descriptions
            .iter()
            .map(|d| d.defect.check_id(false))
            .collect();
        assert_eq!(ids.iter().flatten().count(), 2);
        assert!(ids.contains(&Some(id("dg.12.hash"))));
        assert!(ids.contains(&Some(id("sod.signature"))));
        assert!(dev.descriptions.iter().any(|d| d.defect
            == Defect::Unmapped {
                oid: deviation_oid::MRZ_WRONG_DATA
            }));
        assert_eq!(Defect::DsSignature.check_id(true), Some(id("dsc.chain")));
        assert_eq!(Defect::DsSignature.check_id(false), None);
        assert_eq!(Defect::DgHashWrong(Some(20)).check_id(false), None);
        assert_eq!(Defect::AaKeyCompromised.check_id(true), None);
    }

    #[test]
    fn absent_identifier_means_all_of_csca() {
        let der = list_der(
            None,
            vec![description(deviation_oid::COM_INCONSISTENT, None, None)],
        );
        let list = DeviationList::from_content(&der).unwrap();
        assert_eq!(list.deviations[0].documents.dsc, DscIdentifier::AllOfCsca);
        assert_eq!(
            list.deviations[0].descriptions[0].defect.check_id(false),
            Some(id("com.consistency"))
        );
    }

    #[test]
    fn other_version_is_refused() {
        let mut der = list_der(None, vec![]);
        // SEQUENCE { INTEGER 0 ... }: the version byte follows 30 len 02 01.
        let pos = der.windows(3).position(|w| w == [2, 1, 0]).unwrap();
        der[pos + 2] = 1;
        assert_eq!(
            DeviationList::from_content(&der),
            Err(DeviationListError::Version(1))
        );
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let der = list_der(
            None,
            vec![description(deviation_oid::DG_HASH_WRONG, Some(2), None)],
        );
        for cut in 0..der.len() {
            assert!(DeviationList::from_content(&der[..cut]).is_err());
        }
        assert!(parse(&[]).is_err());
        assert!(parse(&[0x30, 0x80, 0xff]).is_err());
        assert!(parse(&der).is_err()); // not CMS
    }

    fn id(text: &str) -> CheckId {
        text.parse().unwrap()
    }

    fn check(text: &str, status: Status, detail: &str) -> Check {
        Check {
            id: id(text),
            status,
            detail: detail.into(),
        }
    }

    #[test]
    fn apply_waives_only_named_failures() {
        let mut checks = vec![
            check("dg.2.hash", Status::Fail, "hash mismatch"),
            check("dg.1.hash", Status::Fail, "hash mismatch"),
            check("sod.signature", Status::Pass, "ok"),
            check("mrz.check_digits", Status::Skipped, "DG1 not supplied"),
        ];
        let waivers = vec![
            Waiver {
                check_id: id("dg.2.hash"),
                defect: deviation_oid::DG_HASH_WRONG,
                description: Some("DG2 hash".into()),
            },
            Waiver {
                check_id: id("sod.signature"),
                defect: deviation_oid::SOD_SIGNATURE_WRONG,
                description: None,
            },
            Waiver {
                check_id: id("mrz.check_digits"),
                defect: deviation_oid::MRZ_WRONG_CHECK_DIGIT,
                description: None,
            },
        ];
        let before = checks.clone();
        apply(&mut checks, &waivers, "KR-DL-1");
        assert_eq!(checks[0].status, Status::Pass);
        assert_eq!(
            checks[0].detail,
            "waived by deviation list KR-DL-1: DG2 hash (was: hash mismatch)"
        );
        assert_eq!(checks[1..], before[1..]);
        let mut checks = vec![check("sod.signature", Status::Fail, "bad")];
        apply(&mut checks, &waivers, "L");
        assert_eq!(
            checks[0].detail,
            "waived by deviation list L: 2.23.136.1.1.7.2.3 (was: bad)"
        );
    }
}
