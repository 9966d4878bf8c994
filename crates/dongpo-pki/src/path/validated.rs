//! What a successful validation returns.

use const_oid::ObjectIdentifier;

use crate::cert::Cert;

/// A certification path that RFC 5280 §6.1 accepted.
///
/// A proof: only [`validate_path`](super::validate_path) makes one (the fields are
/// private and the constructor is crate-internal), so holding a `ValidatedPath` means the
/// path was validated.
#[derive(Debug, Clone)]
pub struct ValidatedPath {
    chain: Vec<Cert>,
    policies: Vec<ObjectIdentifier>,
}

impl ValidatedPath {
    /// Only the validation in this crate builds one.
    pub(crate) fn new(chain: Vec<Cert>, policies: Vec<ObjectIdentifier>) -> Self {
        Self { chain, policies }
    }

    /// The path, leaf first, trust anchor last.
    #[must_use]
    pub fn chain(&self) -> &[Cert] {
        &self.chain
    }

    /// The user-constrained-policy-set (§6.1.6): the policies of the initial set the
    /// path is valid for, named as in the trust anchor's domain (before any policy
    /// mapping), sorted; `[anyPolicy]` when any policy will do; empty when no policy
    /// survived and none was required.
    #[must_use]
    pub fn policies(&self) -> &[ObjectIdentifier] {
        &self.policies
    }

    /// The subjects along the path, leaf first.
    #[must_use]
    pub fn subjects(&self) -> Vec<String> {
        self.chain.iter().map(Cert::subject).collect()
    }

    /// The trust anchor the path ends at.
    #[must_use]
    pub fn anchor(&self) -> Option<&Cert> {
        self.chain.last()
    }
}
