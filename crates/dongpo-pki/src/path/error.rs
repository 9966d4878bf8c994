//! Why a certification path was rejected: the certificate, and the rule it broke.

/// A rule of RFC 5280 §6.1 (or of the caller's options) that a certificate broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rule {
    /// §6.1.3(a)(1): the issuer's key does not verify the signature.
    #[error("signature does not verify with the key of {issuer}: {reason}")]
    Signature {
        /// The issuer whose key was used.
        issuer: String,
        /// What the verifier said.
        reason: String,
    },
    /// §6.1.3(a)(2): `at` is before notBefore.
    #[error("not valid before {not_before} (checked at {at})")]
    NotYetValid {
        /// notBefore, RFC 3339.
        not_before: String,
        /// Validation time, RFC 3339.
        at: String,
    },
    /// §6.1.3(a)(2): `at` is after notAfter.
    #[error("expired at {not_after} (checked at {at})")]
    Expired {
        /// notAfter, RFC 3339.
        not_after: String,
        /// Validation time, RFC 3339.
        at: String,
    },
    /// §6.1.3(a)(3): the revocation checker reports the certificate revoked.
    #[error("revoked: {0}")]
    Revoked(String),
    /// §6.1.3(a)(3): the revocation checker could not establish a status.
    #[error("revocation status unknown: {0}")]
    RevocationUnknown(String),
    /// §6.1.3(a)(4): the issuer name is not the previous certificate's subject.
    #[error("issuer {issuer} does not match the subject {expected} of the certificate above it")]
    IssuerMismatch {
        /// This certificate's issuer.
        issuer: String,
        /// The working issuer name.
        expected: String,
    },
    /// §6.1.3(b): a name lies outside every permitted subtree of its form.
    #[error("name {0} is not within the permitted subtrees")]
    NameNotPermitted(String),
    /// §6.1.3(c): a name lies inside an excluded subtree.
    #[error("name {0} is within an excluded subtree")]
    NameExcluded(String),
    /// A name form constrained above cannot be checked.
    #[error("name {0} is of a form whose constraints are not supported")]
    NameFormUnsupported(String),
    /// §6.1.3(f) / §6.1.5(g): an explicit policy is required and none is valid.
    #[error("no valid certificate policy while an explicit policy is required")]
    PolicyRequired,
    /// §6.1.4(a): anyPolicy appears in a policy mapping.
    #[error("policy mapping to or from anyPolicy")]
    AnyPolicyMapping,
    /// The policy tree grew past its bound (a defence against exponential trees).
    #[error("certificate policy tree exceeds {0} nodes")]
    PolicyTreeTooLarge(usize),
    /// §6.1.4(k): an intermediate is not a CA (basicConstraints absent or cA false).
    #[error("not a CA certificate: basicConstraints is absent or cA is false")]
    NotCa,
    /// §6.1.4(l): more non-self-issued intermediates than a pathLenConstraint allows.
    #[error("path length constraint exceeded")]
    PathLength,
    /// §6.1.4(n): an intermediate's keyUsage lacks keyCertSign.
    #[error("keyUsage does not include keyCertSign")]
    KeyCertSign,
    /// §6.1.4(o) / §6.1.5(f): a critical extension that is not processed.
    #[error("unrecognised critical extension {0}")]
    UnknownCriticalExtension(String),
    /// RFC 5280 §4.2: an extension appears twice.
    #[error("extension {0} appears more than once")]
    DuplicateExtension(String),
    /// An extension that cannot be decoded or breaks its syntax rules.
    #[error("malformed extension {oid}: {reason}")]
    MalformedExtension {
        /// The extension.
        oid: String,
        /// What is wrong.
        reason: String,
    },
    /// The caller's required extended key usage is missing.
    #[error("extendedKeyUsage does not allow {0}")]
    ExtendedKeyUsage(String),
}

/// Why [`crate::path::validate_path`] found no valid path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// A certificate of the best candidate path broke a rule.
    #[error("certificate {position} of the path ({subject}): {rule}")]
    Certificate {
        /// Position in the path: 0 is the leaf, counting up towards the anchor.
        position: usize,
        /// The certificate's subject.
        subject: String,
        /// The rule it broke.
        rule: Rule,
    },
    /// No chain of issuers leads from the leaf to a trust anchor.
    #[error(
        "no issuer found for {subject} (issued by {issuer}) among the intermediates and trust anchors"
    )]
    NoIssuer {
        /// The certificate whose issuer is missing.
        subject: String,
        /// Its issuer name.
        issuer: String,
    },
    /// Every chain towards an anchor is longer than the depth bound.
    #[error("no path to a trust anchor within {0} intermediates")]
    TooDeep(usize),
    /// No trust anchor was given.
    #[error("no trust anchors")]
    NoAnchors,
}
