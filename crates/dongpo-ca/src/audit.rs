//! The audit log: per-node chains of records, each tagged with HMAC-SHA256 over its
//! content and the previous record's tag.
//!
//! ```text
//! tag = HMAC-SHA256(key, len(node) || node || seq || at || len(kind) || kind
//!                        || len(body) || body || prev_tag)
//! ```
//! Lengths, `seq` and `at` are u64 big-endian; the first record of a node has seq 1 and
//! an all-zero `prev_tag`. Every CA node keeps its own chain (several nodes share one
//! PostgreSQL store), so chains never contend with each other.
//!
//! The chain proves that no record was changed, inserted, reordered or removed *between*
//! the first record and the newest one presented. It cannot show that the newest records
//! were removed: a truncated chain is still a valid chain. Detecting truncation needs the
//! head (node, seq, tag) anchored outside the store, e.g. in a signed checkpoint or an
//! external log, and compared with [`AuditSummary::nodes`].
//!
//! Records are drafted first and the chain advances only once the store has committed
//! them ([`AuditChain::draft`], then [`AuditChain::confirm`]), so a failed transaction
//! leaves the chain where the store is.

use std::collections::BTreeMap;

use dongpo_pki::time::UnixTime;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// HMAC-SHA256.
pub type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256's block size: a 32-byte key is zero-padded to it (RFC 2104 §2).
const HMAC_BLOCK: usize = 64;

/// The `prev_tag` of a node's first record.
pub const GENESIS_TAG: [u8; 32] = [0; 32];

/// One stored audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// The CA node that wrote the record (its chain).
    pub node: String,
    /// Position in the node's chain, from 1.
    pub seq: u64,
    /// When the event happened.
    pub at: UnixTime,
    /// Event kind, e.g. `issue` or `revoke`.
    pub kind: String,
    /// JSON object text describing the event; never personal data.
    pub body: String,
    /// The tag of the previous record of this node ([`GENESIS_TAG`] for seq 1).
    pub prev_tag: [u8; 32],
    /// HMAC-SHA256 over this record and `prev_tag`.
    pub tag: [u8; 32],
}

/// An event to record; [`AuditChain::draft`] gives it its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// When the event happened.
    pub at: UnixTime,
    /// Event kind.
    pub kind: String,
    /// JSON object text; never personal data.
    pub body: String,
}

/// The writing end of one node's chain.
pub struct AuditChain {
    key: Zeroizing<[u8; 32]>,
    node: String,
    next_seq: u64,
    last_tag: [u8; 32],
}

impl std::fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("AuditChain")
            .field("node", &self.node)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl AuditChain {
    /// Continues `node`'s chain after `tail` (the store's newest record of that node),
    /// or starts it (seq 1, zero `prev_tag`) when there is none.
    ///
    /// `tail` is trusted here; [`verify_chain`] is what checks stored records.
    #[must_use]
    pub fn resume(key: &[u8; 32], node: &str, tail: Option<&AuditRecord>) -> Self {
        let (next_seq, last_tag) = match tail {
            Some(t) => (t.seq.saturating_add(1), t.tag),
            None => (1, GENESIS_TAG),
        };
        AuditChain {
            key: Zeroizing::new(*key),
            node: node.to_owned(),
            next_seq,
            last_tag,
        }
    }

    /// Continues after `tail` again (the store's newest record of this node, re-read after
    /// another writer advanced the chain): the next record follows it.
    pub fn resync(&mut self, tail: Option<&AuditRecord>) {
        let (next_seq, last_tag) = match tail {
            Some(t) => (t.seq.saturating_add(1), t.tag),
            None => (1, GENESIS_TAG),
        };
        self.next_seq = next_seq;
        self.last_tag = last_tag;
    }

    /// The node this chain belongs to.
    #[must_use]
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The seq the next drafted record gets.
    #[must_use]
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Consecutive tagged records for `entries`, following the last confirmed record.
    /// The chain does not advance: drafting twice gives the same seqs, so only one of the
    /// two batches can be stored (the store's key is (node, seq)).
    #[must_use]
    pub fn draft(&self, entries: &[AuditEntry]) -> Vec<AuditRecord> {
        let mut seq = self.next_seq;
        let mut prev_tag = self.last_tag;
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let tag = compute_tag(
                &self.key,
                &TagInput {
                    node: &self.node,
                    seq,
                    at: entry.at,
                    kind: &entry.kind,
                    body: &entry.body,
                    prev_tag: &prev_tag,
                },
            );
            out.push(AuditRecord {
                node: self.node.clone(),
                seq,
                at: entry.at,
                kind: entry.kind.clone(),
                body: entry.body.clone(),
                prev_tag,
                tag,
            });
            prev_tag = tag;
            seq = seq.saturating_add(1);
        }
        out
    }

    /// Advances past `committed` once the store has committed them. Only this node's
    /// records that continue the chain (seq not behind it) move it; others are ignored.
    pub fn confirm(&mut self, committed: &[AuditRecord]) {
        for record in committed {
            if record.node == self.node && record.seq >= self.next_seq {
                self.next_seq = record.seq.saturating_add(1);
                self.last_tag = record.tag;
            }
        }
    }
}

/// What a verified set of records holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSummary {
    /// Number of records verified.
    pub records: usize,
    /// Every node with the seq of its last record, ordered by node. Compare these heads
    /// with an external anchor to detect removal of the newest records.
    pub nodes: Vec<(String, u64)>,
}

/// The first problem found in a chain. Node ids and seqs only: bodies stay out of errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The tag does not match the record: it was changed (or the key is wrong).
    #[error("audit record {node}/{seq} was changed: its tag does not match (or the key is wrong)")]
    Changed {
        /// Node of the record.
        node: String,
        /// Seq of the record.
        seq: u64,
    },
    /// Records are missing: `expected` never appears, the chain jumps to `found`.
    #[error("audit record {node}/{expected} is missing: the chain continues at seq {found}")]
    Removed {
        /// Node of the chain.
        node: String,
        /// The missing seq.
        expected: u64,
        /// The seq found in its place.
        found: u64,
    },
    /// `found` stands where `expected` belongs, and `expected` comes later.
    #[error(
        "audit records of {node} are out of order: seq {found} stands where {expected} belongs"
    )]
    Reordered {
        /// Node of the chain.
        node: String,
        /// The seq that belongs here.
        expected: u64,
        /// The seq found here.
        found: u64,
    },
    /// A seq appears a second time.
    #[error("audit record {node}/{seq} appears more than once")]
    Duplicated {
        /// Node of the chain.
        node: String,
        /// The repeated seq.
        seq: u64,
    },
    /// The node's first record is not seq 1 with an all-zero `prev_tag`: the start of the
    /// chain was removed or replaced.
    #[error("the first audit record of {node} is seq {seq}, not seq 1 with a zero prev_tag")]
    WrongFirst {
        /// Node of the chain.
        node: String,
        /// Seq of the node's first record.
        seq: u64,
    },
    /// A correctly tagged record whose `prev_tag` is not the previous record's tag: the
    /// previous record was replaced by one from another chain.
    #[error("audit record {node}/{seq} does not follow the previous record (prev_tag mismatch)")]
    BrokenLink {
        /// Node of the chain.
        node: String,
        /// Seq of the record whose link is broken.
        seq: u64,
    },
}

/// Verifies `records` in stored order (per node by seq; nodes may interleave) under `key`.
///
/// Detects changed, removed, reordered and duplicated records and a wrong first record,
/// naming the node and seq of the first problem. It cannot detect removal of the *last*
/// records of a node: anchor the heads in [`AuditSummary::nodes`] elsewhere.
///
/// # Errors
/// [`AuditError`] for the first problem found.
pub fn verify_chain(records: &[AuditRecord], key: &[u8; 32]) -> Result<AuditSummary, AuditError> {
    verify_chain_from(records, key, &BTreeMap::new())
}

/// As [`verify_chain`], for chains whose oldest records were deleted on purpose (a
/// retention purge): a node in `starts` begins at the given (seq, prev_tag) instead of
/// seq 1 with a zero `prev_tag`. The caller takes `starts` from a tagged checkpoint record
/// in the same chain, which this verification then authenticates with the rest.
///
/// # Errors
/// [`AuditError`] for the first problem found.
pub fn verify_chain_from(
    records: &[AuditRecord],
    key: &[u8; 32],
    starts: &BTreeMap<String, (u64, [u8; 32])>,
) -> Result<AuditSummary, AuditError> {
    // Per node: the seq expected next and the tag it must link to.
    let mut heads: BTreeMap<&str, (u64, [u8; 32])> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let node = record.node.as_str();
        let start = starts.get(node).copied().unwrap_or((1, GENESIS_TAG));
        let (expected, last_tag) = heads.get(node).copied().unwrap_or(start);
        let problem = |make: fn(String, u64, u64) -> AuditError| {
            Err(make(record.node.clone(), expected, record.seq))
        };
        if record.seq != expected {
            let later = records
                .iter()
                .skip(index.saturating_add(1))
                .any(|r| r.node == record.node && r.seq == expected);
            return if record.seq < expected && record.seq != 0 {
                problem(|node, _, seq| AuditError::Duplicated { node, seq })
            } else if later {
                problem(|node, expected, found| AuditError::Reordered {
                    node,
                    expected,
                    found,
                })
            } else if !heads.contains_key(node) {
                problem(|node, _, seq| AuditError::WrongFirst { node, seq })
            } else {
                problem(|node, expected, found| AuditError::Removed {
                    node,
                    expected,
                    found,
                })
            };
        }
        if !tag_matches(key, record) {
            return problem(|node, _, seq| AuditError::Changed { node, seq });
        }
        if record.prev_tag != last_tag {
            return if !heads.contains_key(node) {
                problem(|node, _, seq| AuditError::WrongFirst { node, seq })
            } else {
                problem(|node, _, seq| AuditError::BrokenLink { node, seq })
            };
        }
        heads.insert(node, (expected.saturating_add(1), record.tag));
    }
    Ok(AuditSummary {
        records: records.len(),
        nodes: heads
            .into_iter()
            .map(|(node, (next, _))| (node.to_owned(), next.saturating_sub(1)))
            .collect(),
    })
}

/// The fields a tag covers.
struct TagInput<'a> {
    node: &'a str,
    seq: u64,
    at: UnixTime,
    kind: &'a str,
    body: &'a str,
    prev_tag: &'a [u8; 32],
}

impl<'a> From<&'a AuditRecord> for TagInput<'a> {
    fn from(r: &'a AuditRecord) -> Self {
        TagInput {
            node: &r.node,
            seq: r.seq,
            at: r.at,
            kind: &r.kind,
            body: &r.body,
            prev_tag: &r.prev_tag,
        }
    }
}

/// HMAC-SHA256 keyed with a 32-octet secret (shared with the registry's keyed hashes).
pub fn keyed_hmac(key: &[u8; 32]) -> HmacSha256 {
    // HMAC zero-pads a short key to the block size, so keying with the padded block
    // equals keying with the 32 bytes, without a fallible length check.
    let mut block = Zeroizing::new([0u8; HMAC_BLOCK]);
    for (dst, src) in block.iter_mut().zip(key) {
        *dst = *src;
    }
    let mac = HmacSha256::new(&(*block).into());
    block.zeroize();
    mac
}

/// HMAC-SHA256 keyed with `key`, fed the documented encoding of `input`.
fn mac_over(key: &[u8; 32], input: &TagInput<'_>) -> HmacSha256 {
    let mut mac = keyed_hmac(key);
    update_prefixed(&mut mac, input.node.as_bytes());
    mac.update(&input.seq.to_be_bytes());
    mac.update(&input.at.0.to_be_bytes());
    update_prefixed(&mut mac, input.kind.as_bytes());
    update_prefixed(&mut mac, input.body.as_bytes());
    mac.update(input.prev_tag);
    mac
}

/// Length-prefixing keeps field boundaries unambiguous ("ab"+"c" differs from "a"+"bc").
fn update_prefixed(mac: &mut HmacSha256, bytes: &[u8]) {
    mac.update(&(bytes.len() as u64).to_be_bytes());
    mac.update(bytes);
}

fn compute_tag(key: &[u8; 32], input: &TagInput<'_>) -> [u8; 32] {
    mac_over(key, input).finalize().into_bytes().into()
}

/// Constant-time comparison of the stored tag with the recomputed one.
fn tag_matches(key: &[u8; 32], record: &AuditRecord) -> bool {
    mac_over(key, &TagInput::from(record))
        .verify_slice(&record.tag)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn entry(i: u64) -> AuditEntry {
        AuditEntry {
            at: UnixTime(1_700_000_000 + i),
            kind: "issue".into(),
            body: format!("{{\"n\":{i}}}"),
        }
    }

    fn chain(node: &str, n: u64) -> Vec<AuditRecord> {
        let mut c = AuditChain::resume(&KEY, node, None);
        let entries: Vec<_> = (1..=n).map(entry).collect();
        let records = c.draft(&entries);
        c.confirm(&records);
        records
    }

    #[test]
    fn tag_is_hmac_sha256_of_the_documented_encoding() {
        let records = chain("n1", 1);
        let r = &records[0];
        let mut msg = Vec::new();
        msg.extend_from_slice(&2u64.to_be_bytes());
        msg.extend_from_slice(b"n1");
        msg.extend_from_slice(&1u64.to_be_bytes());
        msg.extend_from_slice(&1_700_000_001u64.to_be_bytes());
        msg.extend_from_slice(&5u64.to_be_bytes());
        msg.extend_from_slice(b"issue");
        msg.extend_from_slice(&7u64.to_be_bytes());
        msg.extend_from_slice(b"{\"n\":1}");
        msg.extend_from_slice(&[0; 32]);
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&KEY).unwrap();
        mac.update(&msg);
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(r.tag, expected);
        assert_eq!((r.seq, r.prev_tag), (1, GENESIS_TAG));
    }

    #[test]
    fn draft_does_not_advance_confirm_does() {
        let mut c = AuditChain::resume(&KEY, "n1", None);
        let a = c.draft(&[entry(1), entry(2)]);
        let b = c.draft(&[entry(1), entry(2)]);
        assert_eq!(a, b);
        assert_eq!(a[1].prev_tag, a[0].tag);
        c.confirm(&a);
        assert_eq!(c.next_seq(), 3);
        let next = c.draft(&[entry(3)]);
        assert_eq!((next[0].seq, next[0].prev_tag), (3, a[1].tag));
        // Resuming from the stored tail continues identically.
        let resumed = AuditChain::resume(&KEY, "n1", a.last());
        assert_eq!(resumed.draft(&[entry(3)]), next);
        let mut all = a.clone();
        all.extend(next);
        let summary = verify_chain(&all, &KEY).unwrap();
        assert_eq!(summary.records, 3);
        assert_eq!(summary.nodes, vec![("n1".to_owned(), 3)]);
    }

    #[test]
    fn debug_hides_the_key() {
        let c = AuditChain::resume(&KEY, "n1", None);
        let text = format!("{c:?}");
        assert!(text.contains("n1"));
        assert!(!text.contains("7, 7"));
    }

    #[test]
    fn interleaved_nodes_verify_independently() {
        let a = chain("a", 3);
        let b = chain("b", 2);
        let mixed = vec![
            b[0].clone(),
            a[0].clone(),
            a[1].clone(),
            b[1].clone(),
            a[2].clone(),
        ];
        let summary = verify_chain(&mixed, &KEY).unwrap();
        assert_eq!(summary.nodes, vec![("a".into(), 3), ("b".into(), 2)]);
        assert_eq!(verify_chain(&[], &KEY).unwrap().records, 0);
    }

    #[test]
    fn tampered_body_is_named() {
        let mut r = chain("n1", 5);
        r[2].body = "{\"n\":99}".into();
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Changed {
                node: "n1".into(),
                seq: 3
            })
        );
    }

    #[test]
    fn deleted_middle_record_is_named() {
        let mut r = chain("n1", 5);
        r.remove(2);
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Removed {
                node: "n1".into(),
                expected: 3,
                found: 4
            })
        );
    }

    #[test]
    fn renumbered_after_deletion_is_a_changed_record() {
        let mut r = chain("n1", 5);
        r.remove(2);
        r[2].seq = 3;
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Changed {
                node: "n1".into(),
                seq: 3
            })
        );
    }

    #[test]
    fn swapped_records_are_named() {
        let mut r = chain("n1", 5);
        r.swap(1, 2);
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Reordered {
                node: "n1".into(),
                expected: 2,
                found: 3
            })
        );
        // Swapping the contents but keeping the seqs in place breaks the tags instead.
        let mut r = chain("n1", 5);
        let (s1, s2) = (r[1].seq, r[2].seq);
        r.swap(1, 2);
        r[1].seq = s1;
        r[2].seq = s2;
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Changed {
                node: "n1".into(),
                seq: 2
            })
        );
    }

    #[test]
    fn duplicated_record_is_named() {
        let mut r = chain("n1", 4);
        r.insert(2, r[1].clone());
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::Duplicated {
                node: "n1".into(),
                seq: 2
            })
        );
    }

    #[test]
    fn wrong_key_fails_at_the_first_record() {
        let r = chain("n1", 3);
        assert_eq!(
            verify_chain(&r, &[8; 32]),
            Err(AuditError::Changed {
                node: "n1".into(),
                seq: 1
            })
        );
    }

    #[test]
    fn wrong_first_record_is_named() {
        let r = chain("n1", 4);
        assert_eq!(
            verify_chain(&r[1..], &KEY),
            Err(AuditError::WrongFirst {
                node: "n1".into(),
                seq: 2
            })
        );
        // A chain resumed from a forged tail: seq 1 with a non-zero prev_tag.
        let forged = AuditRecord {
            seq: 0,
            tag: [9; 32],
            ..r[0].clone()
        };
        let c = AuditChain::resume(&KEY, "n1", Some(&forged));
        let r = c.draft(&[entry(1)]);
        assert_eq!(
            verify_chain(&r, &KEY),
            Err(AuditError::WrongFirst {
                node: "n1".into(),
                seq: 1
            })
        );
    }

    #[test]
    fn record_from_another_fork_breaks_the_link() {
        let r = chain("n1", 3);
        // A second draft of seq 2 from the same position with different content.
        let mut c = AuditChain::resume(&KEY, "n1", None);
        c.confirm(&r[..1]);
        let fork = c.draft(&[entry(42)]);
        let mut spliced = r.clone();
        spliced[1] = fork[0].clone();
        assert_eq!(
            verify_chain(&spliced, &KEY),
            Err(AuditError::BrokenLink {
                node: "n1".into(),
                seq: 3
            })
        );
    }

    #[test]
    fn truncation_of_the_newest_records_is_not_detectable() {
        // Documented limit: only an external anchor of the head catches this.
        let r = chain("n1", 5);
        let summary = verify_chain(&r[..3], &KEY).unwrap();
        assert_eq!(summary.nodes, vec![("n1".into(), 3)]);
    }
}
