//! Why a CRL could not be built.

/// Why [`build_crl`](super::build_crl) refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlBuildError {
    /// The issuer certificate cannot sign CRLs here.
    #[error("CRL issuer: {0}")]
    Issuer(String),
    /// An extension of the issuer certificate does not decode.
    #[error("CRL issuer: {what}: {source}")]
    IssuerExtension {
        /// The extension (`subjectKeyIdentifier`, `keyUsage`).
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: der::Error,
    },
    /// The signer's public key is not the issuer certificate's.
    #[error("the signing key is not the key of the issuer certificate")]
    KeyMismatch,
    /// A CRL number is unusable.
    #[error("CRL number: {0}")]
    Number(String),
    /// thisUpdate/nextUpdate are out of order or unencodable.
    #[error("CRL times: {0}")]
    Times(String),
    /// The partition scope is inconsistent.
    #[error("CRL partition: {0}")]
    Partition(String),
    /// A serial number is empty, zero or longer than 20 octets.
    #[error("revoked serial {serial}: {problem}")]
    Serial {
        /// The serial as hex.
        serial: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The same serial is listed twice.
    #[error("revoked serial {0} is listed twice")]
    DuplicateSerial(String),
    /// A listed serial belongs to another partition.
    #[error("revoked serial {serial} belongs to partition {actual}, not {expected}")]
    WrongPartition {
        /// The serial as hex.
        serial: String,
        /// The partition being built.
        expected: u32,
        /// The serial's partition.
        actual: u32,
    },
    /// A reason code that RFC 5280 §5.3.1 does not define, or removeFromCRL outside a delta.
    #[error("revoked serial {serial}: reason code {code} {problem}")]
    Reason {
        /// The serial as hex.
        serial: String,
        /// The code given.
        code: u8,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A revocation or invalidity date that cannot be right.
    #[error("revoked serial {serial}: {problem}")]
    EntryTime {
        /// The serial as hex.
        serial: String,
        /// What is wrong.
        problem: String,
    },
    /// DER encoding failed (a value too large for its type).
    #[error("CRL encoding ({what}): {source}")]
    Encoding {
        /// The field being encoded.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
    /// The signer failed or has no algorithm identifier.
    #[error("CRL signing: {0}")]
    Signing(String),
}

/// Maps a `der` error to [`CrlBuildError::Encoding`] for `what`.
pub(crate) fn encoding(what: &'static str) -> impl Fn(der::Error) -> CrlBuildError {
    move |source| CrlBuildError::Encoding { what, source }
}
