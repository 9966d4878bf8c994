//! Revocation as an input to path validation (RFC 5280 §6.1.3(a)(3)).
//!
//! dongpo-pki sits below the crates that parse CRLs and OCSP responses, so it only
//! defines the question; dongpo-revocation (or an application) answers it.

use crate::cert::Cert;
use crate::time::UnixTime;

/// What a revocation source says about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Known not to be revoked at the validation time.
    Good,
    /// Revoked; the text says when and why, for the error message.
    Revoked(String),
    /// No trustworthy status (no CRL, stale CRL, bad CRL signature, ...). Path
    /// validation fails on it: a checker that wants soft-fail answers `Good`.
    Unknown(String),
}

/// Answers "is `cert`, issued by `issuer`, revoked at `at`?".
///
/// Called once per certificate of a candidate path after every other check of
/// that path has passed, from the anchor down; `issuer` is the certificate above it in the
/// path (the trust anchor for the topmost one).
pub trait RevocationChecker {
    /// The status of `cert`.
    fn status(&self, cert: &Cert, issuer: &Cert, at: UnixTime) -> RevocationStatus;
}

/// The CRL-free default: revocation is not checked, every certificate is `Good`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRevocation;

impl RevocationChecker for NoRevocation {
    fn status(&self, _cert: &Cert, _issuer: &Cert, _at: UnixTime) -> RevocationStatus {
        RevocationStatus::Good
    }
}
