//! The basic path validation algorithm of RFC 5280 §6.1 over one candidate path.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ANY_EXTENDED_KEY_USAGE, ANY_POLICY};
use dongpo_crypto::Verifier;

use super::error::{PathError, Rule};
use super::extensions::Extensions;
use super::name_constraints::Subtrees;
use super::options::PathOptions;
use super::policy::PolicyTree;
use super::revocation::RevocationStatus;
use super::validated::ValidatedPath;
use crate::cert::Cert;
use crate::name::names_match;

/// The state variables of §6.1.2 that outlive one certificate.
struct State {
    tree: Option<PolicyTree>,
    subtrees: Subtrees,
    explicit_policy: usize,
    inhibit_any_policy: usize,
    policy_mapping: usize,
    max_path_length: usize,
}

impl State {
    /// §6.1.2 for a path of `n` certificates.
    fn new(n: usize, options: &PathOptions<'_>) -> Self {
        let start = |inhibited: bool| if inhibited { 0 } else { n + 1 };
        State {
            tree: Some(PolicyTree::new()),
            subtrees: Subtrees::default(),
            explicit_policy: start(options.explicit_policy),
            inhibit_any_policy: start(options.inhibit_any_policy),
            policy_mapping: start(options.inhibit_policy_mapping),
            max_path_length: n,
        }
    }
}

/// Validates `path` (leaf first, trust anchor last).
pub(crate) fn validate(
    path: &[&Cert],
    options: &PathOptions<'_>,
    verifier: &Verifier,
) -> Result<ValidatedPath, PathError> {
    let Some((&anchor, certs)) = path.split_last() else {
        return Err(PathError::NoAnchors);
    };
    let n = certs.len();
    let mut state = State::new(n, options);
    let mut issuer = anchor;
    // RFC 5280 numbers certificates from the anchor down: i = 1 is the anchor's
    // subordinate, i = n the leaf, at position n - i of the leaf-first `certs`.
    for (i, &cert) in certs.iter().rev().enumerate().map(|(k, c)| (k + 1, c)) {
        let fail = |rule: Rule| PathError::Certificate {
            position: n - i,
            subject: cert.subject(),
            rule,
        };
        let ext = Extensions::parse(cert, &options.known_extensions).map_err(fail)?;
        let self_issued = names_match(
            cert.cert.tbs_certificate().subject(),
            cert.cert.tbs_certificate().issuer(),
        );
        basic_checks(cert, issuer, options, verifier).map_err(fail)?;
        if !(self_issued && i < n) {
            state
                .subtrees
                .check(
                    cert.cert.tbs_certificate().subject(),
                    ext.subject_alt_name.as_ref().map(|s| s.0.as_slice()),
                )
                .map_err(fail)?;
        }
        policies(&mut state, &ext, i, n, self_issued).map_err(fail)?;
        if i < n {
            prepare_next(&mut state, &ext, i, self_issued).map_err(fail)?;
        } else {
            wrap_up(&mut state, &ext, n, options).map_err(fail)?;
        }
        check_eku(&ext, options.required_eku.as_ref(), i == n).map_err(fail)?;
        issuer = cert;
    }
    revocation(path, options)?;
    Ok(ValidatedPath::new(
        path.iter().map(|c| (*c).clone()).collect(),
        state.tree.map(|t| t.policies_at(n)).unwrap_or_default(),
    ))
}

/// §6.1.3(a) but revocation: name chaining, signature, validity.
fn basic_checks(
    cert: &Cert,
    issuer: &Cert,
    options: &PathOptions<'_>,
    verifier: &Verifier,
) -> Result<(), Rule> {
    let tbs = cert.cert.tbs_certificate();
    if !names_match(tbs.issuer(), issuer.cert.tbs_certificate().subject()) {
        return Err(Rule::IssuerMismatch {
            issuer: cert.issuer(),
            expected: issuer.subject(),
        });
    }
    cert.verify_signed_by(&issuer.key, verifier)
        .map_err(|e| Rule::Signature {
            issuer: issuer.subject(),
            reason: e.to_string(),
        })?;
    if options.at < cert.not_before {
        return Err(Rule::NotYetValid {
            not_before: cert.not_before.rfc3339(),
            at: options.at.rfc3339(),
        });
    }
    if options.at > cert.not_after {
        return Err(Rule::Expired {
            not_after: cert.not_after.rfc3339(),
            at: options.at.rfc3339(),
        });
    }
    Ok(())
}

/// §6.1.3(d)-(f).
fn policies(
    state: &mut State,
    ext: &Extensions,
    i: usize,
    n: usize,
    self_issued: bool,
) -> Result<(), Rule> {
    state.tree = match (state.tree.take(), &ext.policies) {
        (Some(tree), Some(cp)) => {
            let any_allowed = state.inhibit_any_policy > 0 || (i < n && self_issued);
            tree.process(i, cp, any_allowed)?
        }
        _ => None,
    };
    if state.explicit_policy == 0 && state.tree.is_none() {
        return Err(Rule::PolicyRequired);
    }
    Ok(())
}

/// §6.1.4 (c)-(f) are implicit: the next iteration reads the issuer's name and key.
fn prepare_next(
    state: &mut State,
    ext: &Extensions,
    i: usize,
    self_issued: bool,
) -> Result<(), Rule> {
    // (a)-(b)
    if let Some(pm) = &ext.policy_mappings {
        if pm
            .0
            .iter()
            .any(|m| m.issuer_domain_policy == ANY_POLICY || m.subject_domain_policy == ANY_POLICY)
        {
            return Err(Rule::AnyPolicyMapping);
        }
        if let Some(tree) = state.tree.take() {
            state.tree = tree.map(i, pm, state.policy_mapping > 0)?;
        }
    }
    // (g)
    if let Some(nc) = &ext.name_constraints {
        state.subtrees.add(nc)?;
    }
    // (h)
    if !self_issued {
        state.explicit_policy = state.explicit_policy.saturating_sub(1);
        state.policy_mapping = state.policy_mapping.saturating_sub(1);
        state.inhibit_any_policy = state.inhibit_any_policy.saturating_sub(1);
    }
    // (i)
    if let Some(pc) = &ext.policy_constraints {
        if let Some(r) = pc.require_explicit_policy {
            state.explicit_policy = state.explicit_policy.min(to_usize(r));
        }
        if let Some(q) = pc.inhibit_policy_mapping {
            state.policy_mapping = state.policy_mapping.min(to_usize(q));
        }
    }
    // (j)
    if let Some(skip) = &ext.inhibit_any_policy {
        state.inhibit_any_policy = state.inhibit_any_policy.min(to_usize(skip.0));
    }
    // (k): version 1 and 2 intermediates are refused too, as current practice does.
    let Some(bc) = ext.basic_constraints.as_ref().filter(|bc| bc.ca) else {
        return Err(Rule::NotCa);
    };
    // (l)
    if !self_issued {
        if state.max_path_length == 0 {
            return Err(Rule::PathLength);
        }
        state.max_path_length -= 1;
    }
    // (m)
    if let Some(len) = bc.path_len_constraint {
        state.max_path_length = state.max_path_length.min(usize::from(len));
    }
    // (n)
    if ext.key_usage.as_ref().is_some_and(|ku| !ku.key_cert_sign()) {
        return Err(Rule::KeyCertSign);
    }
    // (o)
    unknown_critical(ext)
}

/// §6.1.5 (a), (b), (f), (g) and the final policy check.
fn wrap_up(
    state: &mut State,
    ext: &Extensions,
    n: usize,
    options: &PathOptions<'_>,
) -> Result<(), Rule> {
    state.explicit_policy = state.explicit_policy.saturating_sub(1);
    if ext
        .policy_constraints
        .as_ref()
        .is_some_and(|pc| pc.require_explicit_policy == Some(0))
    {
        state.explicit_policy = 0;
    }
    unknown_critical(ext)?;
    let initial: &[ObjectIdentifier] = &options.initial_policy_set;
    state.tree = match state.tree.take() {
        Some(tree) if !initial.contains(&ANY_POLICY) => tree.intersect(n, initial)?,
        other => other,
    };
    if state.explicit_policy == 0 && state.tree.is_none() {
        return Err(Rule::PolicyRequired);
    }
    Ok(())
}

fn unknown_critical(ext: &Extensions) -> Result<(), Rule> {
    match ext.unknown_critical.first() {
        Some(oid) => Err(Rule::UnknownCriticalExtension(oid.to_string())),
        None => Ok(()),
    }
}

/// The caller's purpose: required of the leaf, and of any intermediate that
/// restricts its purposes.
fn check_eku(
    ext: &Extensions,
    required: Option<&ObjectIdentifier>,
    leaf: bool,
) -> Result<(), Rule> {
    let Some(required) = required else {
        return Ok(());
    };
    let allows = |eku: &x509_cert::ext::pkix::ExtendedKeyUsage| {
        eku.0.contains(required) || eku.0.contains(&ANY_EXTENDED_KEY_USAGE)
    };
    match &ext.extended_key_usage {
        Some(eku) if !allows(eku) => Err(Rule::ExtendedKeyUsage(required.to_string())),
        None if leaf => Err(Rule::ExtendedKeyUsage(required.to_string())),
        _ => Ok(()),
    }
}

/// §6.1.3(a)(3), asked last so that a network-backed checker is only consulted for
/// paths that are otherwise valid; from the anchor down, so that a revoked CA is
/// named rather than the leaf below it.
fn revocation(path: &[&Cert], options: &PathOptions<'_>) -> Result<(), PathError> {
    for (position, pair) in path.windows(2).enumerate().rev() {
        let [cert, issuer] = pair else { continue };
        let rule = match options.revocation.status(cert, issuer, options.at) {
            RevocationStatus::Good => continue,
            RevocationStatus::Revoked(why) => Rule::Revoked(why),
            RevocationStatus::Unknown(why) => Rule::RevocationUnknown(why),
        };
        return Err(PathError::Certificate {
            position,
            subject: cert.subject(),
            rule,
        });
    }
    Ok(())
}

fn to_usize(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}
