//! Verification backends: each receives only normalised keys and signatures.
//!
//! A backend says which `(key, algorithm)` pairs it handles by returning `None` from
//! [`Backend::prepare`] for the rest; the [`crate::Verifier`] asks them in order.
//! Signatures reach [`PreparedKey::verify`] already normalised: the raw `k`-byte RSA
//! signature, or ECDSA `r || s` each padded to the curve's scalar length.

use std::sync::Arc;

use crate::algorithm::SignatureAlgorithm;
use crate::error::KeyError;
use crate::key::PublicKey;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;
pub mod generic;
pub mod rust_crypto;

/// A key parsed once by a backend, ready to verify many signatures.
pub trait PreparedKey: Send + Sync {
    /// True when `signature` (normalised) is valid for `message`.
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool;
}

/// A provider of signature verification.
pub trait Backend: Send + Sync {
    /// Short name for reports and benchmarks (`aws-lc`, `rust-crypto`, `generic`).
    fn name(&self) -> &'static str;

    /// Parses `key` for `algorithm`; `None` when this backend lacks the combination.
    ///
    /// # Errors
    /// `Some(Err(_))` when the backend handles the combination but refuses the key.
    fn prepare(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
    ) -> Option<Result<Arc<dyn PreparedKey>, KeyError>>;
}

/// All backends compiled into this build, fastest first.
#[must_use]
pub fn all() -> Vec<Arc<dyn Backend>> {
    vec![
        #[cfg(feature = "aws-lc")]
        Arc::new(aws_lc::AwsLc),
        Arc::new(rust_crypto::RustCrypto),
        Arc::new(generic::Generic),
    ]
}
