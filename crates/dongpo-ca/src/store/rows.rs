//! Conversions between database rows and store types, shared by both backends: the
//! databases hold signed 64-bit integers and byte strings, the store speaks u64 and
//! fixed-size hashes. Anything that does not convert is reported, never trusted.

use dongpo_pki::time::UnixTime;

use super::columns::{Columns, FromRow};
use super::{
    CertStatus, IssuedCert, RegistryRecord, RevokedEntry, SealedRegistryRow, StoreError,
    StoredCert, WrappedDataKey,
};
use crate::audit::{AuditRecord, GENESIS_TAG};
use crate::vid::SealedRandom;
use dongpo_crypto::seal::SealSuite;

/// A u64 (time, seq) as the databases' signed 64-bit integer.
pub(crate) fn to_db(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Backend(format!("value {value} exceeds i64")))
}

/// A stored integer back as u64; a negative value means the row was altered.
pub(crate) fn from_db(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Backend(format!("negative stored value {value}")))
}

/// A stored 32-byte hash or tag.
pub(crate) fn hash32(bytes: Vec<u8>, what: &str) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map_err(|b| StoreError::Backend(format!("stored {what} has {} octets, not 32", b.len())))
}

/// A `certificates` row as read.
pub(crate) struct CertRow {
    pub serial: Vec<u8>,
    pub issuer: String,
    pub profile: String,
    pub person: String,
    pub spki_sha256: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub der: Vec<u8>,
    pub report_sha256: Vec<u8>,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub reason: Option<i64>,
    pub vid_random_encrypted: Option<Vec<u8>>,
    pub vid_random_encryption: Option<String>,
}

/// Column list matching [`CertRow`]'s field order.
pub(crate) const CERT_COLUMNS: &str = "serial, issuer, profile, person, spki_sha256, not_before, \
     not_after, der, report_sha256, issued_at, revoked_at, revocation_reason, \
     vid_random_encrypted, vid_random_encryption";

/// A [`CERT_COLUMNS`] row, from either backend.
impl FromRow for CertRow {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(CertRow {
            serial: row.bytes(0)?,
            issuer: row.text(1)?,
            profile: row.text(2)?,
            person: row.text(3)?,
            spki_sha256: row.bytes(4)?,
            not_before: row.int(5)?,
            not_after: row.int(6)?,
            der: row.bytes(7)?,
            report_sha256: row.bytes(8)?,
            issued_at: row.int(9)?,
            revoked_at: row.opt_int(10)?,
            reason: row.opt_int(11)?,
            vid_random_encrypted: row.opt_bytes(12)?,
            vid_random_encryption: row.opt_text(13)?,
        })
    }
}

impl CertRow {
    pub(crate) fn into_stored(self) -> Result<StoredCert, StoreError> {
        let status = match (self.revoked_at, self.reason) {
            (None, None) => CertStatus::Good,
            (Some(at), Some(reason)) => CertStatus::Revoked {
                at: UnixTime(from_db(at)?),
                reason: reason_from_db(reason)?,
            },
            _ => {
                return Err(StoreError::Backend(
                    "stored revocation has a time without a reason or the reverse".into(),
                ));
            }
        };
        let vid_random = match (self.vid_random_encrypted, self.vid_random_encryption) {
            (None, None) => None,
            (Some(ciphertext), Some(name)) => Some(SealedRandom {
                suite: SealSuite::from_name(&name).ok_or_else(|| {
                    StoreError::Backend(format!("stored VID random suite {name:?} is unknown"))
                })?,
                ciphertext,
            }),
            _ => {
                return Err(StoreError::Backend(
                    "stored VID random has a ciphertext without a suite or the reverse".into(),
                ));
            }
        };
        Ok(StoredCert {
            cert: IssuedCert {
                serial: self.serial,
                issuer: self.issuer,
                profile: self.profile,
                person: self.person,
                spki_sha256: hash32(self.spki_sha256, "SPKI hash")?,
                not_before: UnixTime(from_db(self.not_before)?),
                not_after: UnixTime(from_db(self.not_after)?),
                der: self.der,
                report_sha256: hash32(self.report_sha256, "report hash")?,
                issued_at: UnixTime(from_db(self.issued_at)?),
                vid_random,
            },
            status,
        })
    }
}

/// A stored revocation reason.
pub(crate) fn reason_from_db(value: i64) -> Result<u8, StoreError> {
    u8::try_from(value).map_err(|_| StoreError::Backend(format!("stored reason {value} invalid")))
}

/// An `audit` row as read.
pub(crate) struct AuditRow {
    pub node: String,
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub body: String,
    pub prev_tag: Vec<u8>,
    pub tag: Vec<u8>,
}

/// Column list matching [`AuditRow`]'s field order.
pub(crate) const AUDIT_COLUMNS: &str = "node, seq, at, kind, body, prev_tag, tag";

/// An [`AUDIT_COLUMNS`] row, from either backend.
impl FromRow for AuditRow {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(AuditRow {
            node: row.text(0)?,
            seq: row.int(1)?,
            at: row.int(2)?,
            kind: row.text(3)?,
            body: row.text(4)?,
            prev_tag: row.bytes(5)?,
            tag: row.bytes(6)?,
        })
    }
}

impl AuditRow {
    pub(crate) fn into_record(self) -> Result<AuditRecord, StoreError> {
        Ok(AuditRecord {
            node: self.node,
            seq: from_db(self.seq)?,
            at: UnixTime(from_db(self.at)?),
            kind: self.kind,
            body: self.body,
            prev_tag: hash32(self.prev_tag, "audit prev_tag")?,
            tag: hash32(self.tag, "audit tag")?,
        })
    }
}

/// Columns of the plaintext `registry` table (schema versions before 5) read when it is
/// re-sealed; its VID columns (gone in later schemas) are not carried over.
pub(crate) const PLAINTEXT_REGISTRY_COLUMNS: &str = "person, overseas_registration_number, \
     registration_status, surname, given_names, name_hangul, date_of_birth, sex, nationality, \
     document_number, country_of_residence";

/// A [`PLAINTEXT_REGISTRY_COLUMNS`] row, from either backend.
impl FromRow for RegistryRecord {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(RegistryRecord {
            person: row.text(0)?,
            overseas_registration_number: row.text(1)?,
            registration_status: row.text(2)?,
            surname: row.text(3)?,
            given_names: row.text(4)?,
            name_hangul: row.text(5)?,
            date_of_birth: row.text(6)?,
            sex: row.text(7)?,
            nationality: row.text(8)?,
            document_number: row.text(9)?,
            country_of_residence: row.text(10)?,
        })
    }
}

/// Column list matching [`SealedRow`]'s field order.
pub(crate) const SEALED_COLUMNS: &str = "person, key_version, nonce, ciphertext";

/// A [`SEALED_COLUMNS`] row as read.
pub(crate) struct SealedRow {
    pub person: String,
    pub key_version: i64,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl FromRow for SealedRow {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(SealedRow {
            person: row.text(0)?,
            key_version: row.int(1)?,
            nonce: row.bytes(2)?,
            ciphertext: row.bytes(3)?,
        })
    }
}

/// A stored key version (1 to `u32::MAX`).
pub(crate) fn version_from_db(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| StoreError::Backend(format!("stored key version {value} is out of range")))
}

impl SealedRow {
    pub(crate) fn into_row(self) -> Result<SealedRegistryRow, StoreError> {
        let len = self.nonce.len();
        Ok(SealedRegistryRow {
            person: self.person,
            key_version: version_from_db(self.key_version)?,
            nonce: <[u8; 12]>::try_from(self.nonce).map_err(|_| {
                StoreError::Backend(format!("stored registry nonce has {len} octets, not 12"))
            })?,
            ciphertext: self.ciphertext,
        })
    }
}

/// A `registry_keys` row as read.
pub(crate) struct KeyRow {
    pub version: i64,
    pub wrapped: Vec<u8>,
    pub created_at: i64,
}

impl FromRow for KeyRow {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(KeyRow {
            version: row.int(0)?,
            wrapped: row.bytes(1)?,
            created_at: row.int(2)?,
        })
    }
}

impl KeyRow {
    pub(crate) fn into_key(self) -> Result<WrappedDataKey, StoreError> {
        Ok(WrappedDataKey {
            version: version_from_db(self.version)?,
            wrapped: self.wrapped,
            created_at: UnixTime(from_db(self.created_at)?),
        })
    }
}

/// A `(key_version, count)` row.
impl FromRow for (i64, i64) {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok((row.int(0)?, row.int(1)?))
    }
}

/// Column list matching [`RevokedRow`]'s field order.
pub(crate) const REVOKED_COLUMNS: &str = "serial, revoked_at, revocation_reason";

/// A [`REVOKED_COLUMNS`] row as read.
pub(crate) struct RevokedRow {
    pub serial: Vec<u8>,
    pub revoked_at: i64,
    pub reason: i64,
}

impl FromRow for RevokedRow {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        Ok(RevokedRow {
            serial: row.bytes(0)?,
            revoked_at: row.int(1)?,
            reason: row.int(2)?,
        })
    }
}

impl RevokedRow {
    pub(crate) fn into_entry(self) -> Result<RevokedEntry, StoreError> {
        Ok(RevokedEntry {
            serial: self.serial,
            revoked_at: UnixTime(from_db(self.revoked_at)?),
            reason: reason_from_db(self.reason)?,
        })
    }
}

/// The seq of the stored record `record` must follow, or `None` for a chain's first.
pub(crate) fn predecessor_seq(record: &AuditRecord) -> Result<Option<u64>, StoreError> {
    match record.seq {
        0 => Err(StoreError::AuditNotLinked {
            node: record.node.clone(),
            seq: 0,
        }),
        1 => Ok(None),
        seq => Ok(Some(seq.saturating_sub(1))),
    }
}

/// Checks `record.prev_tag` against its predecessor's stored tag (`None`: not stored).
/// The store has no key, so it checks links only; [`crate::audit::verify_chain`] checks tags.
pub(crate) fn check_link(
    record: &AuditRecord,
    predecessor: Option<Option<Vec<u8>>>,
) -> Result<(), StoreError> {
    let linked = match predecessor {
        // First record of the chain.
        None => record.prev_tag == GENESIS_TAG,
        Some(Some(tag)) => tag.as_slice() == record.prev_tag.as_slice(),
        Some(None) => false,
    };
    if linked {
        Ok(())
    } else {
        Err(StoreError::AuditNotLinked {
            node: record.node.clone(),
            seq: record.seq,
        })
    }
}
