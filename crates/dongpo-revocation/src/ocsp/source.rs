//! Where a responder gets certificate statuses from.

use std::sync::Arc;

use dongpo_pki::Serial;

use crate::ocsp::response::CertState;

/// Identifies an issuer to a [`StatusSource`]: SHA-256 of the issuer certificate's DER.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssuerId(pub Vec<u8>);

impl std::fmt::Display for IssuerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

/// Why a status source could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Temporarily unavailable (database down): answered with `tryLater`.
    #[error("status source unavailable: {0}")]
    Unavailable(String),
    /// Failed otherwise: answered with `internalError`.
    #[error("status source failed: {0}")]
    Failed(String),
}

/// Where certificate statuses come from (the CA's registry, a CRL, a test map).
pub trait StatusSource: Send + Sync {
    /// The state of the certificate `serial` issued by `issuer`: `None` when it was never
    /// issued, answered as `unknown`. Requests naming a negative or zero serial never get
    /// here (they are `unknown`).
    ///
    /// # Errors
    /// [`StatusError`] when the source cannot answer now.
    fn status(&self, issuer: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError>;
}

impl<T: StatusSource + ?Sized> StatusSource for Arc<T> {
    fn status(&self, issuer: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        (**self).status(issuer, serial)
    }
}
