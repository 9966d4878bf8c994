//! Access records: who read or used personal data, when, about whom (pseudonymously) and
//! with what outcome, in an append-only, tamper-evident log of its own.
//!
//! The records are the audit log's chains ([`crate::audit`]) in another table
//! (`access_records`) under another key: [`access_key`] derives it from the audit key,
//! so an access record cannot pass as an audit record or the reverse, and the two logs
//! keep different retentions. A record's `kind` is its [`Action`]; its body is a JSON
//! object with `actor` (the API key id, or `cli`), `subject` (a pseudonym: the registry's
//! keyed person id, a keyed document fingerprint, a verification id or a serial, never a
//! resident registration number, a name or an MRZ), `outcome` and, where one exists,
//! `reference` (the verification id or serial the access concerned).
//!
//! Retention ([`AccessLog::purge`]) deletes a node's oldest records and appends, in the
//! same transaction, a checkpoint record ([`CHECKPOINT`]) naming the first record kept
//! and its `prev_tag`; [`verify`] starts each chain there, so a purged chain still
//! verifies, while deleting anything else (or the records a checkpoint says were kept)
//! still breaks it.

use std::collections::BTreeMap;

use dongpo_pki::time::UnixTime;
use hmac::Mac;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::audit::{
    AuditChain, AuditEntry, AuditError, AuditRecord, AuditSummary, keyed_hmac, verify_chain_from,
};
use crate::store::{Store, StoreError};

/// The record kind of a retention checkpoint.
pub const CHECKPOINT: &str = "access.purged";

/// Default retention of access records: two years.
pub const DEFAULT_RETENTION_DAYS: u32 = 730;

/// The actor of records written by the command line (an operator at the CA's host).
pub const CLI_ACTOR: &str = "cli";

/// What was done with personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A passport was verified and its verification stored (DG1, the report).
    VerificationCreate,
    /// Passports were screened without storing anything (`:batch`).
    VerificationScreen,
    /// A stored verification was read.
    VerificationRead,
    /// A signed verification receipt was read.
    ReceiptRead,
    /// A certificate was applied for (issued or refused).
    CertificateIssue,
    /// A stored certificate was read.
    CertificateRead,
    /// The registry was consulted for an applicant.
    RegistryLookup,
    /// A person's registry record was imported or replaced.
    RegistryImport,
    /// A person's registry record was erased.
    RegistryErase,
    /// The access records were exported.
    AccessExport,
}

impl Action {
    /// The record kind, e.g. `verification.create`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::VerificationCreate => "verification.create",
            Action::VerificationScreen => "verification.screen",
            Action::VerificationRead => "verification.read",
            Action::ReceiptRead => "receipt.read",
            Action::CertificateIssue => "certificate.issue",
            Action::CertificateRead => "certificate.read",
            Action::RegistryLookup => "registry.lookup",
            Action::RegistryImport => "registry.import",
            Action::RegistryErase => "registry.erase",
            Action::AccessExport => "access.export",
        }
    }
}

/// One access to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// When.
    pub at: UnixTime,
    /// Who: the API key id, or [`CLI_ACTOR`].
    pub actor: String,
    /// What.
    pub action: Action,
    /// About whom, as a pseudonym (see the module documentation).
    pub subject: String,
    /// What came of it, e.g. `issued`, `valid`, `registry_refused`, `not_registered`,
    /// `mismatch:surname`.
    pub outcome: String,
    /// The verification id or serial concerned, if any.
    pub reference: Option<String>,
}

/// A record's body as stored (and exported). Unknown fields are refused: a body is only
/// ever written by this module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    actor: String,
    subject: String,
    outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

/// A checkpoint's body: where the node's chain starts after a purge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Checkpoint {
    first_seq: u64,
    first_prev_tag: String,
    before: u64,
    removed: u64,
}

/// The access key: HMAC-SHA256 of a fixed label under the audit key, so the access
/// records have a key of their own without another secret to keep (whoever holds the
/// audit key can check both logs; a leaked access key forges no audit record).
#[must_use]
pub fn access_key(audit_key: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut mac = keyed_hmac(audit_key);
    mac.update(b"dongpo access records v1");
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// The pseudonymous subject of a registry person (its keyed id, as the store keys it).
#[must_use]
pub fn person_subject(person: &str) -> String {
    format!("person:{person}")
}

/// The writing end of this node's access chain, with its own store connection (so that
/// recording an access never waits for the CA's issuance work).
pub struct AccessLog {
    store: Box<dyn Store>,
    chain: AuditChain,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog")
            .field("chain", &self.chain)
            .finish_non_exhaustive()
    }
}

/// Access records could not be written, read or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessError {
    /// The store failed.
    #[error("access records: {0}")]
    Store(#[from] StoreError),
    /// The chain is broken: a record was changed, removed or inserted.
    #[error("access records: {0}")]
    Chain(#[from] AuditError),
}

impl AccessLog {
    /// Resumes `node`'s access chain in `store` under `key` (see [`access_key`]).
    ///
    /// # Errors
    /// [`StoreError`] when the chain's tail cannot be read.
    pub fn resume(
        mut store: Box<dyn Store>,
        node: &str,
        key: &[u8; 32],
    ) -> Result<Self, StoreError> {
        let tail = store.access_tail(node)?;
        Ok(AccessLog {
            chain: AuditChain::resume(key, node, tail.as_ref()),
            store,
        })
    }

    /// Appends `accesses` in one transaction. Another writer of this node's chain (a
    /// second handle in this process) only moves the tail: the chain resyncs and tries once
    /// more.
    ///
    /// # Errors
    /// [`StoreError`]; nothing is recorded then.
    pub fn record(&mut self, accesses: &[Access]) -> Result<(), StoreError> {
        if accesses.is_empty() {
            return Ok(());
        }
        let entries: Vec<AuditEntry> = accesses.iter().map(entry).collect();
        let mut tried = false;
        loop {
            let records = self.chain.draft(&entries);
            match self.store.append_access(&records) {
                Ok(()) => {
                    self.chain.confirm(&records);
                    return Ok(());
                }
                Err(StoreError::AuditSeqTaken { .. } | StoreError::AuditNotLinked { .. })
                    if !tried =>
                {
                    tried = true;
                    let tail = self.store.access_tail(self.chain.node())?;
                    self.chain.resync(tail.as_ref());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Deletes this node's records older than `before` (kept: every record from the first
    /// one at or after it) and appends a checkpoint at `now` naming where the chain now
    /// starts. Returns how many records were deleted.
    ///
    /// # Errors
    /// [`StoreError`]; nothing is deleted then.
    pub fn purge(&mut self, before: UnixTime, now: UnixTime) -> Result<u64, StoreError> {
        let node = self.chain.node().to_owned();
        let tail = self.store.access_tail(&node)?;
        self.chain.resync(tail.as_ref());
        let mine: Vec<AuditRecord> = self
            .store
            .access_records()?
            .into_iter()
            .filter(|r| r.node == node)
            .collect();
        if mine.first().is_none_or(|r| r.at.0 >= before.0) {
            return Ok(0); // nothing past retention: no checkpoint either
        }
        // The first record kept; the checkpoint itself when every record is older.
        let (first_seq, first_prev_tag) = mine.iter().find(|r| r.at.0 >= before.0).map_or_else(
            || {
                (
                    self.chain.next_seq(),
                    mine.last().map_or(crate::audit::GENESIS_TAG, |r| r.tag),
                )
            },
            |r| (r.seq, r.prev_tag),
        );
        let removed = mine.iter().filter(|r| r.seq < first_seq).count() as u64;
        let body = Checkpoint {
            first_seq,
            first_prev_tag: hex::encode(first_prev_tag),
            before: before.0,
            removed,
        };
        let checkpoint = self.chain.draft(&[AuditEntry {
            at: now,
            kind: CHECKPOINT.into(),
            body: serde_json::to_string(&body).unwrap_or_default(),
        }]);
        let Some(record) = checkpoint.first() else {
            return Ok(0);
        };
        let deleted = self.store.purge_access(first_seq, record)?;
        self.chain.confirm(&checkpoint);
        Ok(deleted)
    }

    /// The store this log writes to (for reading the records back).
    pub fn store(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }
}

/// One `registry.import` record per person imported (their registry ids).
#[must_use]
pub fn registry_imports(actor: &str, persons: &[String], at: UnixTime) -> Vec<Access> {
    persons
        .iter()
        .map(|person| Access {
            at,
            actor: actor.to_owned(),
            action: Action::RegistryImport,
            subject: person_subject(person),
            outcome: "imported".into(),
            reference: None,
        })
        .collect()
}

/// The `registry.erase` record of an erasure (`dongpo registry delete`,
/// `POST /v1/registry/erase`): outcome `erased`, or `no_record` when the registry held
/// none for the number (what the server and its verifications held is erased either way),
/// each with `_unfinished` appended when the registry part ran and the server's part failed
/// (`finished = false`; running the erasure again finishes it).
#[must_use]
pub fn registry_erasure(
    actor: &str,
    person: &str,
    record_deleted: bool,
    finished: bool,
    at: UnixTime,
) -> Access {
    let outcome = if record_deleted {
        "erased"
    } else {
        "no_record"
    };
    Access {
        at,
        actor: actor.to_owned(),
        action: Action::RegistryErase,
        subject: person_subject(person),
        outcome: if finished {
            outcome.to_owned()
        } else {
            format!("{outcome}_unfinished")
        },
        reference: None,
    }
}

fn entry(access: &Access) -> AuditEntry {
    let body = Body {
        actor: access.actor.clone(),
        subject: access.subject.clone(),
        outcome: access.outcome.clone(),
        reference: access.reference.clone(),
    };
    AuditEntry {
        at: access.at,
        kind: access.action.as_str().into(),
        // Plain strings only: serialising cannot fail, and an empty body would fail
        // verification rather than pass unnoticed.
        body: serde_json::to_string(&body).unwrap_or_default(),
    }
}

/// Verifies every access chain in `records` (as [`Store::access_records`] reads them)
/// under `key`, each from its newest checkpoint's start when it was purged.
///
/// # Errors
/// [`AuditError`] for the first problem found.
pub fn verify(records: &[AuditRecord], key: &[u8; 32]) -> Result<AuditSummary, AuditError> {
    let mut starts = BTreeMap::new();
    for record in records.iter().filter(|r| r.kind == CHECKPOINT) {
        // A checkpoint that does not parse gives no start: the chain is then checked from
        // seq 1 and fails where records are missing, and its tag is checked either way.
        if let Ok(checkpoint) = serde_json::from_str::<Checkpoint>(&record.body)
            && let Some(tag) = hex::decode(&checkpoint.first_prev_tag)
                .ok()
                .and_then(|t| <[u8; 32]>::try_from(t).ok())
        {
            starts.insert(record.node.clone(), (checkpoint.first_seq, tag));
        }
    }
    verify_chain_from(records, key, &starts)
}

/// One exported record: a line of JSON for an auditor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportLine {
    /// The node whose chain holds the record.
    pub node: String,
    /// Its position in that chain.
    pub seq: u64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The action (`verification.create`, ...; `access.purged` for a checkpoint).
    pub action: String,
    /// Who.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// About whom (a pseudonym).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What came of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The verification id or serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The record's tag (hex), to match it with a later export.
    pub tag: String,
}

/// The records with `since <= at < until` as export lines, in stored order.
#[must_use]
pub fn export(
    records: &[AuditRecord],
    since: Option<UnixTime>,
    until: Option<UnixTime>,
) -> Vec<ExportLine> {
    records
        .iter()
        .filter(|r| since.is_none_or(|s| r.at.0 >= s.0) && until.is_none_or(|u| r.at.0 < u.0))
        .map(|r| {
            let body = serde_json::from_str::<Body>(&r.body).ok();
            ExportLine {
                node: r.node.clone(),
                seq: r.seq,
                at: r.at.rfc3339(),
                action: r.kind.clone(),
                actor: body.as_ref().map(|b| b.actor.clone()),
                subject: body.as_ref().map(|b| b.subject.clone()),
                outcome: body.as_ref().map(|b| b.outcome.clone()),
                reference: body.and_then(|b| b.reference),
                tag: hex::encode(r.tag),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(i: u64) -> Access {
        Access {
            at: UnixTime(1_000 + i),
            actor: "key1".into(),
            action: Action::CertificateIssue,
            subject: person_subject("ab"),
            outcome: "issued".into(),
            reference: Some(format!("{i:02x}")),
        }
    }

    #[test]
    fn access_key_differs_from_the_audit_key_and_is_stable() {
        let k = access_key(&[7; 32]);
        assert_ne!(*k, [7; 32]);
        assert_eq!(*k, *access_key(&[7; 32]));
        assert_ne!(*k, *access_key(&[8; 32]));
    }

    #[test]
    fn bodies_round_trip_into_export_lines() {
        let key = [1; 32];
        let chain = AuditChain::resume(&key, "n1", None);
        let records = chain.draft(&[entry(&access(1)), entry(&access(2))]);
        assert!(verify(&records, &key).is_ok());
        let lines = export(&records, Some(UnixTime(1_002)), None);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].action, "certificate.issue");
        assert_eq!(lines[0].actor.as_deref(), Some("key1"));
        assert_eq!(lines[0].subject.as_deref(), Some("person:ab"));
        assert_eq!(lines[0].reference.as_deref(), Some("02"));
        assert_eq!(lines[0].tag, hex::encode(records[1].tag));
        assert_eq!(export(&records, None, Some(UnixTime(1_002))).len(), 1);
    }

    #[test]
    fn a_checkpoint_lets_a_purged_chain_verify_and_nothing_else() {
        let key = [1; 32];
        let mut chain = AuditChain::resume(&key, "n1", None);
        let mut records = chain.draft(&(1..=5).map(|i| entry(&access(i))).collect::<Vec<_>>());
        chain.confirm(&records);
        let body = Checkpoint {
            first_seq: 3,
            first_prev_tag: hex::encode(records[1].tag),
            before: 1_003,
            removed: 2,
        };
        let cp = chain.draft(&[AuditEntry {
            at: UnixTime(2_000),
            kind: CHECKPOINT.into(),
            body: serde_json::to_string(&body).unwrap(),
        }]);
        records.extend(cp);
        let purged: Vec<_> = records.iter().skip(2).cloned().collect();
        assert_eq!(verify(&purged, &key).unwrap().records, 4);
        // One more record deleted than the checkpoint says: detected.
        let over: Vec<_> = records.iter().skip(3).cloned().collect();
        assert!(verify(&over, &key).is_err());
        // Without the checkpoint the start is unexplained.
        let mut no_cp = purged.clone();
        no_cp.pop();
        assert!(verify(&no_cp, &key).is_err());
    }
}
