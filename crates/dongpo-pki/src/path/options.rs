//! The inputs of RFC 5280 §6.1.1 besides the path itself.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::ANY_POLICY;
use dongpo_crypto::Verifier;

use super::revocation::{NoRevocation, RevocationChecker};
use crate::time::UnixTime;

/// How to validate: time, policy inputs, purpose and revocation source.
pub struct PathOptions<'a> {
    /// The validation time (§6.1.1(b)).
    pub at: UnixTime,
    /// user-initial-policy-set (§6.1.1(c)); `[anyPolicy]` by default.
    pub initial_policy_set: Vec<ObjectIdentifier>,
    /// initial-explicit-policy (§6.1.1(g)): the path must be valid for a policy.
    pub explicit_policy: bool,
    /// initial-policy-mapping-inhibit (§6.1.1(e)).
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit (§6.1.1(f)).
    pub inhibit_any_policy: bool,
    /// An extended key usage the leaf must allow; intermediates that carry an
    /// extendedKeyUsage extension must allow it too.
    pub required_eku: Option<ObjectIdentifier>,
    /// Further critical extensions the caller processes itself (so they do not fail
    /// §6.1.4(o)), e.g. ICAO's documentTypeList.
    pub known_extensions: Vec<ObjectIdentifier>,
    /// The revocation source; [`NoRevocation`] by default.
    pub revocation: &'a dyn RevocationChecker,
    /// A verifier to share (and its key cache); a fresh one per call if `None`.
    pub verifier: Option<&'a Verifier>,
}

impl std::fmt::Debug for PathOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathOptions")
            .field("at", &self.at)
            .field("initial_policy_set", &self.initial_policy_set)
            .field("explicit_policy", &self.explicit_policy)
            .field("inhibit_policy_mapping", &self.inhibit_policy_mapping)
            .field("inhibit_any_policy", &self.inhibit_any_policy)
            .field("required_eku", &self.required_eku)
            .field("known_extensions", &self.known_extensions)
            .finish_non_exhaustive()
    }
}

impl PathOptions<'static> {
    /// RFC 5280's defaults at `at`: any policy, no policy flags, no purpose, no
    /// revocation checking.
    #[must_use]
    pub fn new(at: UnixTime) -> Self {
        PathOptions {
            at,
            initial_policy_set: vec![ANY_POLICY],
            explicit_policy: false,
            inhibit_policy_mapping: false,
            inhibit_any_policy: false,
            required_eku: None,
            known_extensions: Vec::new(),
            revocation: &NoRevocation,
            verifier: None,
        }
    }
}

impl<'a> PathOptions<'a> {
    /// The same options with another revocation source.
    #[must_use]
    pub fn with_revocation<'b>(self, revocation: &'b dyn RevocationChecker) -> PathOptions<'b>
    where
        'a: 'b,
    {
        PathOptions { revocation, ..self }
    }

    /// The same options sharing `verifier`.
    #[must_use]
    pub fn with_verifier<'b>(self, verifier: &'b Verifier) -> PathOptions<'b>
    where
        'a: 'b,
    {
        PathOptions {
            verifier: Some(verifier),
            ..self
        }
    }
}
