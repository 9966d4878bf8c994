//! What can go wrong in OCSP, each variant naming the part that was wrong.

use dongpo_pki::UnixTime;

use crate::ocsp::asn1::OcspResponseStatus;

/// What made an OCSP message malformed: the decoder's error, or a rule the message breaks
/// (described in words). Displays as the decoder's message or the description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The DER does not decode.
    #[error(transparent)]
    Der(#[from] der::Error),
    /// It decodes but breaks a rule.
    #[error("{0}")]
    Rule(String),
}

impl From<String> for Malformed {
    fn from(rule: String) -> Self {
        Malformed::Rule(rule)
    }
}

impl From<&str> for Malformed {
    fn from(rule: &str) -> Self {
        Malformed::Rule(rule.to_owned())
    }
}

/// An OCSP failure: a bad message, a response a relying party must not trust, or a
/// responder misconfiguration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// The request is not a DER `OCSPRequest` (or breaks a rule we enforce on one).
    #[error("malformed OCSP request: {0}")]
    MalformedRequest(#[source] Malformed),
    /// The GET path does not decode to request bytes.
    #[error("malformed OCSP GET path: {0}")]
    GetPath(String),
    /// The response is not a DER `OCSPResponse` with a `BasicOCSPResponse` inside.
    #[error("malformed OCSP response: {0}")]
    MalformedResponse(#[source] Malformed),
    /// The responder answered with an error status instead of certificate statuses.
    #[error("OCSP responder returned {0:?}")]
    Status(OcspResponseStatus),
    /// The response signature does not verify, or its algorithm is unusable.
    #[error("OCSP response signature: {0}")]
    Signature(String),
    /// The signer is neither the issuer nor a valid delegated responder of the issuer.
    #[error("OCSP responder not authorised by the issuer: {0}")]
    UnauthorisedResponder(String),
    /// No SingleResponse answers the certificate asked about.
    #[error("OCSP response does not answer CertID {0}")]
    CertIdMismatch(String),
    /// The CertID asked about does not name the issuer given.
    #[error("CertID does not name issuer {0}")]
    WrongIssuer(String),
    /// thisUpdate is in the future, or nextUpdate has passed or is missing.
    #[error(
        "OCSP response not fresh at {at}: thisUpdate {this_update}, nextUpdate {}",
        .next_update.map_or_else(|| "none".to_string(), UnixTime::rfc3339)
    )]
    Stale {
        /// Verification time.
        at: UnixTime,
        /// thisUpdate.
        this_update: UnixTime,
        /// nextUpdate (`none` when the response has none).
        next_update: Option<UnixTime>,
    },
    /// A nonce was expected and the response has none.
    #[error("OCSP response carries no nonce, expected one")]
    NonceMissing,
    /// The response's nonce is not the one sent.
    #[error("OCSP response nonce {got} differs from the one sent")]
    NonceMismatch {
        /// The nonce found, as hex.
        got: String,
    },
    /// A critical extension we do not understand.
    #[error("unsupported critical extension {0} in OCSP response")]
    CriticalExtension(String),
    /// DER encoding failed while building a message.
    #[error("encoding OCSP {what}: {source}")]
    Encoding {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: der::Error,
    },
    /// A value that must not be encoded as given.
    #[error("encoding OCSP {what}: {why}")]
    NotEncodable {
        /// What was being encoded.
        what: &'static str,
        /// Why it cannot be.
        why: &'static str,
    },
    /// The signer failed.
    #[error("signing OCSP response: {0}")]
    Sign(String),
    /// The responder configuration is inconsistent (wrong key, certificate, issuer).
    #[error("OCSP responder configuration: {0}")]
    Config(String),
    /// The issuer is not configured on this responder.
    #[error("issuer {0} is not served by this responder")]
    UnknownIssuer(String),
    /// The status source failed.
    #[error("certificate status source: {0}")]
    Source(#[source] crate::ocsp::source::StatusError),
}

impl OcspError {
    /// Shorthand for an [`OcspError::Encoding`] from a `der` error.
    pub(crate) fn encoding(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| OcspError::Encoding { what, source }
    }
}
