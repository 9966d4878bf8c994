//! The valid_policy_tree of RFC 5280 §6.1.2(a), and the steps of §6.1.3(d),
//! §6.1.4(b) and §6.1.5(g) that grow, map, prune and intersect it.
//!
//! Nodes live in one arena; a deleted node is marked dead rather than removed so
//! that parent indices stay valid. Policy qualifiers are not kept: nothing in
//! dongpo displays them.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::ANY_POLICY;
use x509_cert::ext::pkix::{CertificatePolicies, PolicyMappings};

use super::error::Rule;

/// Nodes the tree may hold: the RFC algorithm can grow exponentially with crafted
/// mappings (CVE-2023-0464), PKITS needs a few dozen.
pub(crate) const MAX_NODES: usize = 4096;

#[derive(Debug, Clone)]
struct Node {
    parent: Option<usize>,
    depth: usize,
    valid_policy: ObjectIdentifier,
    expected: Vec<ObjectIdentifier>,
    alive: bool,
}

/// A non-NULL valid_policy_tree; NULL is `Option::None` at the caller.
#[derive(Debug, Clone)]
pub(crate) struct PolicyTree {
    nodes: Vec<Node>,
}

impl PolicyTree {
    /// §6.1.2(a): a single anyPolicy node of depth 0.
    pub(crate) fn new() -> Self {
        PolicyTree {
            nodes: vec![Node {
                parent: None,
                depth: 0,
                valid_policy: ANY_POLICY,
                expected: vec![ANY_POLICY],
                alive: true,
            }],
        }
    }

    fn at(&self, depth: usize) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.alive && n.depth == depth)
    }

    fn has_children(&self, index: usize) -> bool {
        self.nodes
            .iter()
            .any(|n| n.alive && n.parent == Some(index))
    }

    fn add(
        &mut self,
        parent: usize,
        depth: usize,
        policy: ObjectIdentifier,
        expected: Vec<ObjectIdentifier>,
    ) -> Result<(), Rule> {
        if self.nodes.len() >= MAX_NODES {
            return Err(Rule::PolicyTreeTooLarge(MAX_NODES));
        }
        self.nodes.push(Node {
            parent: Some(parent),
            depth,
            valid_policy: policy,
            expected,
            alive: true,
        });
        Ok(())
    }

    /// Marks `index` and its descendants dead.
    fn delete(&mut self, index: usize) {
        let mut doomed = vec![index];
        while let Some(i) = doomed.pop() {
            if let Some(n) = self.nodes.get_mut(i) {
                n.alive = false;
            }
            doomed.extend(
                self.nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.alive && n.parent == Some(i))
                    .map(|(j, _)| j),
            );
        }
    }

    /// Deletes childless nodes of depth below `depth`, deepest first; `None` when the
    /// root goes (the tree becomes NULL).
    fn prune(mut self, depth: usize) -> Option<Self> {
        for d in (0..depth).rev() {
            let childless: Vec<usize> = self
                .at(d)
                .map(|(i, _)| i)
                .filter(|i| !self.has_children(*i))
                .collect();
            for i in childless {
                if let Some(n) = self.nodes.get_mut(i) {
                    n.alive = false;
                }
            }
        }
        self.nodes
            .first()
            .is_some_and(|root| root.alive)
            .then_some(self)
    }

    /// §6.1.3(d): processes certificate `depth`'s policies; `any_allowed` is
    /// "inhibit_anyPolicy > 0, or i < n and self-issued".
    pub(crate) fn process(
        mut self,
        depth: usize,
        policies: &CertificatePolicies,
        any_allowed: bool,
    ) -> Result<Option<Self>, Rule> {
        let parent_depth = depth.saturating_sub(1);
        // (1): each policy other than anyPolicy hangs under the parents expecting it,
        // or else under a parent anyPolicy.
        for info in &policies.0 {
            let p = info.policy_identifier;
            if p == ANY_POLICY {
                continue;
            }
            let expecting: Vec<usize> = self
                .at(parent_depth)
                .filter(|(_, n)| n.expected.contains(&p))
                .map(|(i, _)| i)
                .collect();
            if expecting.is_empty() {
                let any: Vec<usize> = self
                    .at(parent_depth)
                    .filter(|(_, n)| n.valid_policy == ANY_POLICY)
                    .map(|(i, _)| i)
                    .collect();
                for parent in any {
                    self.add(parent, depth, p, vec![p])?;
                }
            } else {
                for parent in expecting {
                    self.add(parent, depth, p, vec![p])?;
                }
            }
        }
        // (2): anyPolicy extends every parent by the expected policies it lacks.
        if any_allowed && policies.0.iter().any(|i| i.policy_identifier == ANY_POLICY) {
            let parents: Vec<(usize, Vec<ObjectIdentifier>)> = self
                .at(parent_depth)
                .map(|(i, n)| (i, n.expected.clone()))
                .collect();
            for (parent, expected) in parents {
                for p in expected {
                    let present = self
                        .nodes
                        .iter()
                        .any(|n| n.alive && n.parent == Some(parent) && n.valid_policy == p);
                    if !present {
                        self.add(parent, depth, p, vec![p])?;
                    }
                }
            }
        }
        // (3)
        Ok(self.prune(depth))
    }

    /// §6.1.4(b): applies certificate `depth`'s policy mappings (anyPolicy already
    /// refused by the caller); `mapping_allowed` is "policy_mapping > 0".
    pub(crate) fn map(
        mut self,
        depth: usize,
        mappings: &PolicyMappings,
        mapping_allowed: bool,
    ) -> Result<Option<Self>, Rule> {
        let mut issuer_policies: Vec<ObjectIdentifier> =
            mappings.0.iter().map(|m| m.issuer_domain_policy).collect();
        issuer_policies.sort();
        issuer_policies.dedup();
        for id_p in issuer_policies {
            if !mapping_allowed {
                let doomed: Vec<usize> = self
                    .at(depth)
                    .filter(|(_, n)| n.valid_policy == id_p)
                    .map(|(i, _)| i)
                    .collect();
                for i in doomed {
                    self.delete(i);
                }
                continue;
            }
            let subject_policies: Vec<ObjectIdentifier> = mappings
                .0
                .iter()
                .filter(|m| m.issuer_domain_policy == id_p)
                .map(|m| m.subject_domain_policy)
                .collect();
            let mut matched = false;
            for n in self.nodes.iter_mut() {
                if n.alive && n.depth == depth && n.valid_policy == id_p {
                    n.expected.clone_from(&subject_policies);
                    matched = true;
                }
            }
            if !matched {
                // A sibling of the anyPolicy node stands in for ID-P.
                let any_parent = self
                    .at(depth)
                    .find(|(_, n)| n.valid_policy == ANY_POLICY)
                    .and_then(|(_, n)| n.parent);
                if let Some(parent) = any_parent {
                    self.add(parent, depth, id_p, subject_policies)?;
                }
            }
        }
        if mapping_allowed {
            Ok(Some(self))
        } else {
            Ok(self.prune(depth))
        }
    }

    /// §6.1.5(g)(iii): intersects the tree of an `n`-certificate path with the
    /// user-initial-policy-set (the caller handles the anyPolicy set, (g)(ii)).
    pub(crate) fn intersect(
        mut self,
        n: usize,
        initial: &[ObjectIdentifier],
    ) -> Result<Option<Self>, Rule> {
        // (1) valid_policy_node_set: nodes whose parent is an anyPolicy node.
        let node_set: Vec<usize> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.alive)
            .filter(|(_, node)| {
                node.parent
                    .and_then(|p| self.nodes.get(p))
                    .is_some_and(|p| p.valid_policy == ANY_POLICY)
            })
            .map(|(i, _)| i)
            .collect();
        let node_set_policies: Vec<ObjectIdentifier> = node_set
            .iter()
            .filter_map(|i| self.nodes.get(*i))
            .map(|node| node.valid_policy)
            .collect();
        // (2) drop the branches for policies the user did not ask for.
        for i in &node_set {
            let policy = self.nodes.get(*i).map(|node| node.valid_policy);
            if let Some(p) = policy
                && p != ANY_POLICY
                && !initial.contains(&p)
            {
                self.delete(*i);
            }
        }
        // (3) a leaf anyPolicy node is replaced by the requested policies it covers.
        let leaf_any = self
            .at(n)
            .find(|(_, node)| node.valid_policy == ANY_POLICY)
            .map(|(i, node)| (i, node.parent));
        if let Some((any_index, any_parent)) = leaf_any {
            if let Some(parent) = any_parent {
                for p in initial {
                    if !node_set_policies.contains(p) {
                        self.add(parent, n, *p, vec![*p])?;
                    }
                }
            }
            if let Some(node) = self.nodes.get_mut(any_index) {
                node.alive = false;
            }
        }
        // (4)
        Ok(self.prune(n))
    }

    /// The policies, in the trust anchor's domain, that the depth-`n` nodes descend
    /// from: for each leaf node, the valid_policy of its ancestor just below the
    /// anyPolicy chain. Mappings rename policies on the way down; the caller's
    /// initial policy set, and PKITS's user-constrained-policy-set, speak the
    /// anchor's names.
    pub(crate) fn policies_at(&self, n: usize) -> Vec<ObjectIdentifier> {
        let mut out: Vec<ObjectIdentifier> =
            self.at(n).map(|(i, _)| self.domain_policy(i)).collect();
        out.sort();
        out.dedup();
        out
    }

    fn domain_policy(&self, mut index: usize) -> ObjectIdentifier {
        while let Some(node) = self.nodes.get(index) {
            match node
                .parent
                .and_then(|p| self.nodes.get(p).map(|pn| (p, pn)))
            {
                Some((p, parent)) if parent.valid_policy != ANY_POLICY => index = p,
                _ => return node.valid_policy,
            }
        }
        ANY_POLICY
    }
}
