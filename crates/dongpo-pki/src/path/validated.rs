//! What a successful validation returns.

use const_oid::ObjectIdentifier;

use crate::cert::Cert;

/// A certification path that RFC 5280 §6.1 accepted.
#[derive(Debug, Clone)]
pub struct ValidatedPath {
    /// The path, leaf first, trust anchor last.
    pub chain: Vec<Cert>,
    /// The user-constrained-policy-set (§6.1.6): the policies of the initial set the
    /// path is valid for, named as in the trust anchor's domain (before any policy
    /// mapping), sorted; `[anyPolicy]` when any policy will do; empty when no policy
    /// survived and none was required.
    pub policies: Vec<ObjectIdentifier>,
}

impl ValidatedPath {
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
