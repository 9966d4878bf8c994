//! Durable state of the CA behind one trait: serial reservations, issued certificates and
//! their status, key bindings, registry records, blocked keys and the audit log.
//!
//! SQLite ([`sqlite::SqliteStore`]) is the embedded default; PostgreSQL
//! ([`postgres::PostgresStore`]) serves several CA nodes. Uniqueness of serials, key
//! bindings and audit positions is enforced by database constraints, so it holds across
//! nodes, not only within one process. Every write is one transaction: all or nothing.
//!
//! Serials are stored as their octets (the magnitude, big-endian, no leading zero octet,
//! as [`dongpo_pki::Serial`] gives them), so ordering by (length, octets) is ordering
//! by numeric value.

pub mod claim;
pub mod columns;
pub mod migrations;
pub mod pg_connect;
pub mod postgres;
mod rows;
pub mod sqlite;
mod statements;

use dongpo_pki::time::UnixTime;

use crate::audit::AuditRecord;
use crate::vid::SealedRandom;

/// A serial recorded before anything is signed with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Serial magnitude (1 to 20 octets, no leading zero octet).
    pub serial: Vec<u8>,
    /// The issuing CA's name (as the caller keys issuers).
    pub issuer: String,
    /// Keyed hash identifying the person (hex), never the registration number itself.
    pub person: String,
    /// SHA-256 of the subject public key info.
    pub spki_sha256: [u8; 32],
    /// When the reservation was made.
    pub at: UnixTime,
}

/// A signed certificate ready to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCert {
    /// Serial magnitude; must have been reserved with the same issuer, person and key.
    pub serial: Vec<u8>,
    /// The issuing CA's name.
    pub issuer: String,
    /// Profile name the certificate was issued under.
    pub profile: String,
    /// Keyed hash identifying the person (hex).
    pub person: String,
    /// SHA-256 of the subject public key info.
    pub spki_sha256: [u8; 32],
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity.
    pub not_after: UnixTime,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of the passport verification report the issuance rests on.
    pub report_sha256: [u8; 32],
    /// When the certificate was issued.
    pub issued_at: UnixTime,
    /// The KISA VID random `R` sealed to the certificate's key, for a certificate carrying
    /// a VID (never `R` itself): answered again to an idempotent retry.
    pub vid_random: Option<SealedRandom>,
}

/// Revocation status of a stored certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked {
        /// Revocation time.
        at: UnixTime,
        /// RFC 5280 CRLReason code.
        reason: u8,
    },
}

/// A certificate with its status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCert {
    /// The certificate as committed.
    pub cert: IssuedCert,
    /// Its revocation status.
    pub status: CertStatus,
}

/// One revoked certificate, as a CRL lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial magnitude.
    pub serial: Vec<u8>,
    /// Revocation time.
    pub revoked_at: UnixTime,
    /// RFC 5280 CRLReason code.
    pub reason: u8,
}

/// A CA certificate revoked by the CA that issued it ([`Store::revoke_ca`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaRevocation<'a> {
    /// Serial magnitude of the CA certificate.
    pub serial: &'a [u8],
    /// The revoking CA (`root`).
    pub issuer: &'a str,
    /// The CA whose certificate it is.
    pub ca: &'a str,
    /// Revocation time.
    pub at: UnixTime,
    /// RFC 5280 CRLReason code.
    pub reason: u8,
}

/// A CRL number and what the CRL carrying it lists, read together ([`Store::crl_snapshot`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrlSnapshot {
    /// The CRL number taken.
    pub number: u64,
    /// The issuer's revoked certificates, read after the number was taken.
    pub revoked: Vec<RevokedEntry>,
}

/// A person's record from the overseas-citizen registry. Personal data: it is stored, never
/// logged, and no error message carries any of it.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    /// Keyed hash of the resident registration number, hex.
    pub person: String,
    /// Overseas-citizen registration number.
    pub overseas_registration_number: String,
    /// Registration status as the registry reports it.
    pub registration_status: String,
    /// Surname (Latin script, as in the passport).
    pub surname: String,
    /// Given names (Latin script).
    pub given_names: String,
    /// Name in Hangul.
    pub name_hangul: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Sex as in the passport.
    pub sex: String,
    /// Nationality (ICAO 9303 code).
    pub nationality: String,
    /// Passport number.
    pub document_number: String,
    /// Country of residence.
    pub country_of_residence: String,
}

/// A registry record as the store holds it: the fields serialised and sealed with
/// AES-256-GCM under the data key `key_version`, the person and version bound as associated
/// data ([`crate::registry_seal`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedRegistryRow {
    /// Keyed hash of the resident registration number, hex (the lookup key, in the clear).
    pub person: String,
    /// Version of the data key it is sealed under.
    pub key_version: u32,
    /// The random 96-bit nonce.
    pub nonce: [u8; 12],
    /// Ciphertext and tag.
    pub ciphertext: Vec<u8>,
}

/// A registry data key as the store holds it: wrapped (AES-256-GCM) under the keyring's
/// sealing key, which never enters the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedDataKey {
    /// Version (1, 2, ...); the highest seals new rows.
    pub version: u32,
    /// Nonce, ciphertext and tag.
    pub wrapped: Vec<u8>,
    /// When it was made.
    pub created_at: UnixTime,
}

impl std::fmt::Debug for RegistryRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only the pseudonymous key: a record printed into a log must not leak the person.
        f.debug_struct("RegistryRecord")
            .field("person", &self.person)
            .finish_non_exhaustive()
    }
}

/// Why a store operation failed. Messages carry serials, node ids and seqs, never
/// personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The serial is already reserved (or its certificate already committed).
    #[error("serial {serial_hex} is already in use")]
    DuplicateSerial {
        /// The serial, lowercase hex.
        serial_hex: String,
    },
    /// The public key is already bound to a different person.
    #[error("the public key is already bound to a different person")]
    KeyBoundToOtherPerson,
    /// No reservation matches the certificate's serial, issuer, person and key.
    #[error("serial {serial_hex} was not reserved for this issuer, person and key")]
    NotReserved {
        /// The serial, lowercase hex.
        serial_hex: String,
    },
    /// No such certificate.
    #[error("no certificate with this serial")]
    NotFound,
    /// The certificate is already revoked.
    #[error("the certificate is already revoked")]
    AlreadyRevoked,
    /// The serial is empty, longer than 20 octets or has a leading zero octet.
    #[error("serial {serial_hex} is not a 1 to 20 octet magnitude without leading zero octets")]
    InvalidSerial {
        /// The serial, lowercase hex.
        serial_hex: String,
    },
    /// Not a CRLReason a revocation can carry (0-10 without 7 unused and 8 removeFromCRL).
    #[error("revocation reason {reason} is not a usable RFC 5280 CRLReason")]
    InvalidReason {
        /// The code given.
        reason: u8,
    },
    /// The audit position (node, seq) is already taken: another writer advanced the chain.
    #[error("audit record {node}/{seq} already exists")]
    AuditSeqTaken {
        /// Node of the record.
        node: String,
        /// Its seq.
        seq: u64,
    },
    /// The audit record does not continue the stored chain (its predecessor is missing or
    /// its `prev_tag` is not the predecessor's tag).
    #[error("audit record {node}/{seq} does not continue the stored chain")]
    AuditNotLinked {
        /// Node of the record.
        node: String,
        /// Its seq.
        seq: u64,
    },
    /// Another process holds this audit node id ([`claim::claim_node`]).
    #[error(
        "audit node {node:?} is in use by another process ({holder}): every process writing one CA store needs its own node id (DONGPO_NODE for a server); stop the other process or choose another node id"
    )]
    NodeInUse {
        /// The node id.
        node: String,
        /// Who holds it.
        holder: String,
    },
    /// A registry data key of this version exists already (another process rotated).
    #[error("registry data key version {version} already exists")]
    KeyVersionTaken {
        /// The version.
        version: u32,
    },
    /// The database failed or holds data this code cannot read.
    #[error("store backend: {0}")]
    Backend(String),
    /// The schema could not be brought to this code's version.
    #[error("store migration: {0}")]
    Migration(String),
}

/// A store location fit for messages: a URL's password replaced by `***`.
#[must_use]
pub fn redacted_location(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_owned();
    };
    let (authority, tail) = rest.split_once('/').map_or((rest, ""), |(a, t)| (a, t));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let slash = if rest.contains('/') { "/" } else { "" };
            format!("{scheme}://{user}:***@{host}{slash}{tail}")
        }
        _ => location.to_owned(),
    }
}

/// The CA's durable state. Every write method is one transaction.
pub trait Store: Send {
    /// Whether the store answers (readiness probes). A networked store whose connection
    /// dropped fails once and reconnects on the next call.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when it does not answer.
    fn ping(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether the store would take a write now: a database in recovery (a hot standby
    /// after a failover) or with read-only transactions answers reads but refuses every
    /// write, and readiness must say so.
    ///
    /// # Errors
    /// [`StoreError::Backend`] saying why it refuses writes.
    fn ping_write(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Whether the store holds anything of a CA (an audit record or a pin). `dongpo ca
    /// init` writes its first audit record into the store it creates, so a CA directory
    /// whose store holds nothing names the wrong store (another database, a new file).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn holds_history(&mut self) -> Result<bool, StoreError>;

    /// One transaction: every serial inserted (unique per store), and each SPKI bound to
    /// its person (a key already bound to a *different* person is refused). All or nothing.
    ///
    /// # Errors
    /// [`StoreError::DuplicateSerial`], [`StoreError::KeyBoundToOtherPerson`],
    /// [`StoreError::InvalidSerial`], [`StoreError::Backend`].
    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError>;

    /// One durable transaction: the certificates (each serial reserved with the same issuer,
    /// person and key) and the audit records.
    ///
    /// # Errors
    /// [`StoreError::NotReserved`], [`StoreError::DuplicateSerial`] (already committed),
    /// the audit errors, [`StoreError::Backend`].
    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError>;

    /// The certificate with this serial and its status.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError>;

    /// Good -> Revoked atomically with its audit record.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::AlreadyRevoked`],
    /// [`StoreError::InvalidReason`], the audit errors, [`StoreError::Backend`].
    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;

    /// Records that `revocation.issuer` (the root) revoked the CA certificate
    /// `revocation.serial`, atomically with its audit record; its CRL (the ARL) lists it
    /// from then on ([`Store::revoked`], [`Store::crl_snapshot`]).
    ///
    /// # Errors
    /// [`StoreError::AlreadyRevoked`], [`StoreError::InvalidReason`], the audit errors,
    /// [`StoreError::Backend`].
    fn revoke_ca(
        &mut self,
        revocation: &CaRevocation<'_>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;

    /// Revoked certificates of `issuer` (with, for the root, the CA certificates it
    /// revoked), ordered by serial (numeric value).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError>;

    /// Number of issued certificates.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn certificate_count(&mut self) -> Result<u64, StoreError>;

    /// Serials of the issued certificates, ordered by numeric value.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Insert or replace sealed registry rows by `person`, atomically with the audit
    /// record. Each row's data key must be in the store ([`Store::add_registry_key`]).
    ///
    /// # Errors
    /// The audit errors, [`StoreError::Backend`].
    fn put_registry(
        &mut self,
        rows: &[SealedRegistryRow],
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;

    /// The sealed registry row of `person`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn registry(&mut self, person: &str) -> Result<Option<SealedRegistryRow>, StoreError>;

    /// The registry's data keys (wrapped), by version.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn registry_keys(&mut self) -> Result<Vec<WrappedDataKey>, StoreError>;

    /// Adds a registry data key, atomically with the audit records (none for the first key
    /// a store gets).
    ///
    /// # Errors
    /// [`StoreError::KeyVersionTaken`] when another process added this version first, the
    /// audit errors, [`StoreError::Backend`].
    fn add_registry_key(
        &mut self,
        key: &WrappedDataKey,
        audit: &[AuditRecord],
    ) -> Result<(), StoreError>;

    /// Up to `limit` registry rows sealed under a data key older than `version`, by person.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn registry_sealed_below(
        &mut self,
        version: u32,
        limit: u32,
    ) -> Result<Vec<SealedRegistryRow>, StoreError>;

    /// Replaces each `(old, new)` row where the stored row is still `old` (same nonce): a
    /// record written meanwhile is newer and stays. One transaction; the number replaced.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn reseal_registry(
        &mut self,
        pairs: &[(SealedRegistryRow, SealedRegistryRow)],
    ) -> Result<u64, StoreError>;

    /// The number of registry rows per data-key version, by version.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn registry_versions(&mut self) -> Result<Vec<(u32, u64)>, StoreError>;

    /// The rows of the plaintext `registry` table of schema versions before 5, or `None`
    /// once it is gone.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn plaintext_registry(&mut self) -> Result<Option<Vec<RegistryRecord>>, StoreError>;

    /// One transaction: `rows` (the plaintext rows sealed) inserted where no sealed row of
    /// the person exists, the plaintext table's rows deleted and the table dropped, with the
    /// audit records. `false` when the table was already gone (another node did it).
    ///
    /// # Errors
    /// The audit errors, [`StoreError::Backend`].
    fn retire_plaintext_registry(
        &mut self,
        rows: &[SealedRegistryRow],
        audit: &[AuditRecord],
    ) -> Result<bool, StoreError>;

    /// Deletes the registry record of `person` atomically with the audit record (also
    /// when there is none: an erasure is recorded either way); whether a record was
    /// there. On SQLite the deleted record is then also removed from the write-ahead log.
    ///
    /// # Errors
    /// The audit errors, [`StoreError::Backend`].
    fn delete_registry(&mut self, person: &str, audit: &AuditRecord) -> Result<bool, StoreError>;

    /// Serials of the certificates issued to `person`, ordered by numeric value.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn person_serials(&mut self, person: &str) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Blocks a public key (by SPKI hash) atomically with its audit record. Blocking an
    /// already blocked key keeps the first reason and time, and still records the audit.
    ///
    /// # Errors
    /// The audit errors, [`StoreError::Backend`].
    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;

    /// Whether the key is blocked.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError>;

    /// Takes the next CRL number of `(issuer, scope)` (`max(last + 1, at_least)`, recorded
    /// atomically with its audit record, so numbers only grow across restarts and nodes)
    /// and, in the same transaction after taking it, reads the issuer's revoked
    /// certificates. Because the number's row stays locked until the read is done, a CRL
    /// with a higher number was read after this one and lists every revocation this one
    /// lists (RFC 5280 §5.2.3: relying parties keep the highest number).
    ///
    /// # Errors
    /// [`StoreError::AuditSeqTaken`], [`StoreError::AuditNotLinked`], [`StoreError::Backend`].
    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError>;

    /// Appends audit records in one transaction. Each must continue its node's stored
    /// chain: seq 1 with a zero `prev_tag`, or the stored predecessor's tag.
    ///
    /// # Errors
    /// [`StoreError::AuditSeqTaken`], [`StoreError::AuditNotLinked`], [`StoreError::Backend`].
    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError>;

    /// The newest audit record of `node`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError>;

    /// Every audit record, by node, then seq.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError>;

    /// Appends access records ([`crate::AccessLog`]) in one transaction; as
    /// [`Store::append_audit`], in the access chain's own table.
    ///
    /// # Errors
    /// [`StoreError::AuditSeqTaken`], [`StoreError::AuditNotLinked`], [`StoreError::Backend`].
    fn append_access(&mut self, records: &[AuditRecord]) -> Result<(), StoreError>;

    /// The newest access record of `node`.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn access_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError>;

    /// Every access record, by node, then seq.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn access_records(&mut self) -> Result<Vec<AuditRecord>, StoreError>;

    /// One transaction: appends `checkpoint` (the access-retention purge's record, which
    /// names the first record kept) to its node's chain and deletes that node's records
    /// before seq `keep_from`. Returns how many were deleted.
    ///
    /// # Errors
    /// As [`Store::append_access`].
    fn purge_access(&mut self, keep_from: u64, checkpoint: &AuditRecord)
    -> Result<u64, StoreError>;

    /// Records `value` under `name` unless a value is there already, and returns the
    /// value stored (the first one recorded wins). The CA's identity (root, keys) is pinned
    /// this way so that nodes sharing a store cannot each bring a CA of their own.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError>;

    /// Records `value` under `name`, replacing what is there (`dongpo ca accept-settings`:
    /// an operator's deliberate, audited change of a pinned setting).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError>;

    /// The value pinned under `name`, if any.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError>;

    /// The highest applied schema migration.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn schema_version(&mut self) -> Result<u32, StoreError>;
}

/// Opens the store at `location`: a `postgres://` or `postgresql://` URL selects
/// PostgreSQL, anything else is a SQLite file path (created if missing). Migrations run
/// before this returns.
///
/// # Errors
/// [`StoreError::Backend`] when the database cannot be opened, [`StoreError::Migration`]
/// when its schema cannot be brought up to date (or is newer than this code).
pub fn open(location: &str) -> Result<Box<dyn Store>, StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(Box::new(self::postgres::PostgresStore::connect(location)?))
    } else {
        Ok(Box::new(self::sqlite::SqliteStore::open(location)?))
    }
}

/// Checks a serial before it reaches the database: a leading zero octet would give one
/// number two spellings (escaping the unique constraint) and break numeric ordering.
/// The key is the canonical [`dongpo_pki::Serial`] magnitude, as the OCSP responder's
/// cache and invalidations key it.
pub(crate) fn check_serial(serial: &[u8]) -> Result<(), StoreError> {
    if dongpo_pki::Serial::from_bytes(serial).is_some_and(|s| s.as_bytes() == serial) {
        Ok(())
    } else {
        Err(StoreError::InvalidSerial {
            serial_hex: hex::encode(serial),
        })
    }
}

/// RFC 5280 CRLReason codes a revocation may carry: 7 is unassigned and 8
/// (removeFromCRL) only appears in delta CRLs.
pub(crate) fn check_reason(reason: u8) -> Result<(), StoreError> {
    if reason <= 10 && reason != 7 && reason != 8 {
        Ok(())
    } else {
        Err(StoreError::InvalidReason { reason })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations_lose_their_password() {
        assert_eq!(
            super::redacted_location("postgres://dongpo:s3cret@db:5432/ca"),
            "postgres://dongpo:***@db:5432/ca"
        );
        assert_eq!(
            super::redacted_location("postgres://dongpo@db/ca"),
            "postgres://dongpo@db/ca"
        );
        assert_eq!(super::redacted_location("ca.sqlite"), "ca.sqlite");
    }

    use super::*;

    #[test]
    fn serial_checks() {
        assert!(check_serial(&[1]).is_ok());
        assert!(check_serial(&[0x7f; 20]).is_ok());
        for bad in [&[][..], &[0, 1][..], &[1; 21][..]] {
            assert!(matches!(
                check_serial(bad),
                Err(StoreError::InvalidSerial { .. })
            ));
        }
    }

    #[test]
    fn reason_checks() {
        for ok in [0, 1, 6, 9, 10] {
            assert!(check_reason(ok).is_ok());
        }
        for bad in [7, 8, 11, 255] {
            assert!(matches!(
                check_reason(bad),
                Err(StoreError::InvalidReason { reason }) if reason == bad
            ));
        }
    }

    #[test]
    fn registry_debug_hides_personal_data() {
        let r = RegistryRecord {
            person: "ab12".into(),
            overseas_registration_number: "ORN-1".into(),
            registration_status: "active".into(),
            surname: "HONG".into(),
            given_names: "GILDONG".into(),
            name_hangul: "홍길동".into(),
            date_of_birth: "1990-01-01".into(),
            sex: "M".into(),
            nationality: "KOR".into(),
            document_number: "M12345678".into(),
            country_of_residence: "USA".into(),
        };
        let text = format!("{r:?}");
        assert!(text.contains("ab12"));
        for secret in ["HONG", "GILDONG", "홍길동", "1990", "M12345678", "ORN-1"] {
            assert!(!text.contains(secret), "{secret} leaked");
        }
    }
}
