//! Certification path validation (RFC 5280 §6): [`validate_path`] builds every
//! candidate path from a leaf to a trust anchor and accepts the first that passes
//! the §6.1 algorithm.
//!
//! * `build`: candidate paths over a pool of intermediates, with backtracking.
//! * `validate`: signatures, validity, name chaining, basic constraints, key
//!   usage, critical extensions, name constraints (`name_constraints`), certificate
//!   policies (`policy`), purpose.
//! * `revocation`: the revocation question ([`RevocationChecker`]), answered by
//!   the caller; dongpo-revocation and the CLI answer it from CRLs.
//!
//! Tested against NIST PKITS (`tests/pkits.rs`, `test-vectors/pkits/README.md`).

mod anchor;
mod build;
mod error;
mod extensions;
mod name_constraints;
mod options;
mod policy;
mod revocation;
mod validate;
mod validated;

use std::ops::ControlFlow;

use dongpo_crypto::Verifier;

pub use crate::name::names_match;
pub use anchor::is_anchor;
pub use build::{MAX_CANDIDATES, MAX_INTERMEDIATES};
pub use error::{PathError, Rule};
pub use options::PathOptions;
pub use revocation::{NoRevocation, RevocationChecker, RevocationStatus};
pub use validated::ValidatedPath;

use crate::cert::Cert;

/// Validates `leaf` up to one of `anchors`, building the path from
/// `intermediates` (any order, extras ignored).
///
/// A leaf that is itself one of the anchors is accepted as it stands, with the
/// initial policy set as its policies.
///
/// # Errors
/// [`PathError`]: for the first candidate path (the one key identifiers favour),
/// the certificate and the rule it broke; or why no candidate path exists.
pub fn validate_path(
    leaf: &Cert,
    intermediates: &[Cert],
    anchors: &[Cert],
    options: &PathOptions<'_>,
) -> Result<ValidatedPath, PathError> {
    if anchors.is_empty() {
        return Err(PathError::NoAnchors);
    }
    if is_anchor(leaf, anchors) {
        return Ok(ValidatedPath::new(
            vec![leaf.clone()],
            options.initial_policy_set.clone(),
        ));
    }
    let own;
    let verifier = match options.verifier {
        Some(v) => v,
        None => {
            own = Verifier::new();
            &own
        }
    };
    let mut accepted = None;
    let mut first_error = None;
    let found = build::Builder::new(leaf, intermediates, anchors).for_each_path(|path| {
        match validate::validate(path, options, verifier) {
            Ok(valid) => {
                accepted = Some(valid);
                ControlFlow::Break(())
            }
            Err(e) => {
                first_error.get_or_insert(e);
                ControlFlow::Continue(())
            }
        }
    })?;
    match (found, accepted, first_error) {
        (true, Some(valid), _) => Ok(valid),
        (_, _, Some(e)) => Err(e),
        // Unreachable: a refused candidate always leaves its error.
        _ => Err(PathError::NoIssuer {
            subject: leaf.subject(),
            issuer: leaf.issuer(),
        }),
    }
}
