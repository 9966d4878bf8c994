//! The ASN.1 of 9303-12 §10, as `der` types (also used to build lists in tests).

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
