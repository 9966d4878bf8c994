//! Path building (RFC 4158 in miniature): from the leaf up to a trust anchor over
//! every candidate issuer, with backtracking.
//!
//! Candidates for a certificate's issuer are the intermediates and anchors whose
//! subject matches its issuer name (RFC 5280 §7.1), tried anchors first and best
//! key-identifier match first. A certificate appears at most once in a path, and
//! never twice with the same subject and key, so cross-certified pairs cannot
//! loop; depth and the number of complete candidates are bounded so that a
//! hostile pool costs bounded work.

use std::collections::HashMap;
use std::ops::ControlFlow;

use der::Encode;

use super::anchor::key_id_rank;
use super::error::PathError;
use crate::cert::Cert;
use crate::name::NormalizedName;

/// Intermediates a path may hold.
pub const MAX_INTERMEDIATES: usize = 12;
/// Complete candidate paths handed to validation before giving up.
pub const MAX_CANDIDATES: usize = 64;
/// Issuer look-ups before giving up, whatever their outcome.
const MAX_STEPS: usize = 4096;

/// Certificates indexed by normalised subject.
struct Pool<'a> {
    by_subject: HashMap<NormalizedName, Vec<&'a Cert>>,
}

impl<'a> Pool<'a> {
    fn new(certs: impl Iterator<Item = &'a Cert>) -> Self {
        let mut by_subject: HashMap<NormalizedName, Vec<&'a Cert>> = HashMap::new();
        for c in certs {
            by_subject
                .entry(NormalizedName::new(c.cert.tbs_certificate().subject()))
                .or_default()
                .push(c);
        }
        Pool { by_subject }
    }

    fn issuers_of(&self, cert: &Cert) -> Vec<&'a Cert> {
        let issuer = NormalizedName::new(cert.cert.tbs_certificate().issuer());
        let mut found = self.by_subject.get(&issuer).cloned().unwrap_or_default();
        // Stable: equal ranks keep the caller's order.
        found.sort_by_key(|c| std::cmp::Reverse(key_id_rank(cert, c)));
        found
    }
}

/// Searches the paths from `leaf` to an anchor.
pub(crate) struct Builder<'a> {
    leaf: &'a Cert,
    intermediates: Pool<'a>,
    anchors: Pool<'a>,
}

/// Search progress, for the error when no candidate path exists.
struct Search {
    steps: usize,
    candidates: usize,
    /// The first certificate found without any issuer.
    orphan: Option<(String, String)>,
    too_deep: bool,
}

impl<'a> Builder<'a> {
    /// A builder over `intermediates` (in any order, the leaf among them ignored)
    /// and `anchors`.
    pub(crate) fn new(leaf: &'a Cert, intermediates: &'a [Cert], anchors: &'a [Cert]) -> Self {
        Builder {
            leaf,
            intermediates: Pool::new(intermediates.iter().filter(|c| c.der != leaf.der)),
            anchors: Pool::new(anchors.iter()),
        }
    }

    /// Calls `visit` with each candidate path (leaf first, anchor last) until it
    /// returns `Break`. `Ok(true)` when `visit` broke, `Ok(false)` when candidates
    /// existed but all were refused, an error when there was no candidate at all.
    pub(crate) fn for_each_path<F>(&self, mut visit: F) -> Result<bool, PathError>
    where
        F: FnMut(&[&'a Cert]) -> ControlFlow<()>,
    {
        let mut search = Search {
            steps: 0,
            candidates: 0,
            orphan: None,
            too_deep: false,
        };
        let mut path = vec![self.leaf];
        let broke = self.extend(&mut path, &mut search, &mut visit).is_break();
        if broke {
            return Ok(true);
        }
        if search.candidates > 0 {
            return Ok(false);
        }
        if search.too_deep {
            return Err(PathError::TooDeep(MAX_INTERMEDIATES));
        }
        let (subject, issuer) = search
            .orphan
            .unwrap_or_else(|| (self.leaf.subject(), self.leaf.issuer()));
        Err(PathError::NoIssuer { subject, issuer })
    }

    fn extend<F>(
        &self,
        path: &mut Vec<&'a Cert>,
        search: &mut Search,
        visit: &mut F,
    ) -> ControlFlow<()>
    where
        F: FnMut(&[&'a Cert]) -> ControlFlow<()>,
    {
        let Some(&top) = path.last() else {
            return ControlFlow::Continue(());
        };
        search.steps += 1;
        if search.steps > MAX_STEPS || search.candidates >= MAX_CANDIDATES {
            return ControlFlow::Continue(());
        }
        let anchors = self.anchors.issuers_of(top);
        let intermediates = self.intermediates.issuers_of(top);
        if anchors.is_empty() && intermediates.is_empty() && search.orphan.is_none() {
            search.orphan = Some((top.subject(), top.issuer()));
        }
        for anchor in anchors {
            if search.candidates >= MAX_CANDIDATES {
                return ControlFlow::Continue(());
            }
            search.candidates += 1;
            path.push(anchor);
            let flow = visit(path);
            path.pop();
            flow?;
        }
        // path holds the leaf, so it has path.len() - 1 intermediates so far.
        if path.len() > MAX_INTERMEDIATES {
            search.too_deep = true;
            return ControlFlow::Continue(());
        }
        for next in intermediates {
            if path.iter().any(|c| same_entity(c, next)) {
                continue;
            }
            path.push(next);
            let flow = self.extend(path, search, visit);
            path.pop();
            flow?;
        }
        ControlFlow::Continue(())
    }
}

/// The same certificate, or the same subject with the same key.
fn same_entity(a: &Cert, b: &Cert) -> bool {
    if a.der == b.der {
        return true;
    }
    let (ta, tb) = (a.cert.tbs_certificate(), b.cert.tbs_certificate());
    NormalizedName::new(ta.subject()) == NormalizedName::new(tb.subject())
        && ta.subject_public_key_info().to_der().ok() == tb.subject_public_key_info().to_der().ok()
}
