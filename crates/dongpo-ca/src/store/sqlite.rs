//! The embedded store: one SQLite file in the CA directory.
//!
//! WAL journal with `synchronous=FULL`, so a returned commit survives power loss; foreign
//! keys on, so certificates must reference their reservation; a busy timeout, so a second
//! process waits for the writer instead of failing. Writes take the write lock up front
//! (`BEGIN IMMEDIATE`): a transaction that read first and upgraded later could fail
//! with `SQLITE_BUSY` instead of waiting.

use std::path::Path;
use std::time::Duration;

use dongpo_pki::time::UnixTime;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, ffi, params,
};

use super::migrations;
use super::rows::{
    AUDIT_COLUMNS, AuditRow, CERT_COLUMNS, CertRow, REGISTRY_COLUMNS, audit_row, cert_row,
    check_link, from_db, predecessor_seq, reason_from_db, registry_row, to_db,
};
use super::{
    CrlSnapshot, IssuedCert, RegistryRecord, Reservation, RevokedEntry, Store, StoreError,
    StoredCert, check_reason, check_serial,
};
use crate::audit::AuditRecord;

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite's messages name tables, columns and constraints, never bound values.
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

/// Which constraint a failed statement hit.
#[derive(PartialEq, Eq)]
enum Violation {
    Unique,
    ForeignKey,
    Other,
}

fn violation(e: &rusqlite::Error) -> Violation {
    match e.sqlite_error() {
        Some(err) if err.code == ErrorCode::ConstraintViolation => match err.extended_code {
            ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE => Violation::Unique,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Violation::ForeignKey,
            _ => Violation::Other,
        },
        _ => Violation::Other,
    }
}

/// Creates the empty store file readable by the owner only, unless it exists: it holds
/// the registry (names, birth dates). SQLite gives the -wal and -shm files its mode.
fn create_owner_only(path: &Path) -> Result<(), StoreError> {
    if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Backend(format!("{}: {e}", path.display()))),
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the store file at `path` and brings its schema up to
    /// date.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the file cannot be opened or WAL mode is unavailable;
    /// [`StoreError::Migration`] when the schema is newer than this code or diverged.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        create_owner_only(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "sqlite: WAL journal unavailable (got {mode}); the store needs a local file"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let fk: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
        if !fk {
            return Err(StoreError::Backend(
                "sqlite: foreign keys cannot be enabled".into(),
            ));
        }
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = SqliteStore { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        migrations::apply_sqlite(&mut self.conn, &migrations::CA)
    }

    fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

/// Inserts audit records, each continuing its node's stored chain. The primary key
/// (node, seq) makes a second writer of the same position fail.
fn insert_audit(tx: &Transaction<'_>, records: &[AuditRecord]) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (node, seq, at, kind, body, prev_tag, tag) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut predecessor =
        tx.prepare_cached("SELECT tag FROM audit WHERE node = ?1 AND seq = ?2")?;
    for r in records {
        let prev_seq = predecessor_seq(r)?;
        insert
            .execute(params![
                r.node,
                to_db(r.seq)?,
                to_db(r.at.0)?,
                r.kind,
                r.body,
                r.prev_tag.as_slice(),
                r.tag.as_slice()
            ])
            .map_err(|e| match violation(&e) {
                Violation::Unique => StoreError::AuditSeqTaken {
                    node: r.node.clone(),
                    seq: r.seq,
                },
                _ => e.into(),
            })?;
        let stored = match prev_seq {
            None => None,
            Some(seq) => Some(
                predecessor
                    .query_row(params![r.node, to_db(seq)?], |row| row.get::<_, Vec<u8>>(0))
                    .optional()?,
            ),
        };
        check_link(r, stored)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut serial = tx.prepare_cached(
                "INSERT INTO serials (serial, issuer, person, spki_sha256, reserved_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut bind = tx.prepare_cached(
                "INSERT INTO key_bindings (spki_sha256, person, bound_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (spki_sha256) DO NOTHING",
            )?;
            let mut bound =
                tx.prepare_cached("SELECT person FROM key_bindings WHERE spki_sha256 = ?1")?;
            for r in batch {
                check_serial(&r.serial)?;
                let at = to_db(r.at.0)?;
                serial
                    .execute(params![
                        r.serial,
                        r.issuer,
                        r.person,
                        r.spki_sha256.as_slice(),
                        at
                    ])
                    .map_err(|e| match violation(&e) {
                        Violation::Unique => StoreError::DuplicateSerial {
                            serial_hex: hex::encode(&r.serial),
                        },
                        _ => e.into(),
                    })?;
                bind.execute(params![r.spki_sha256.as_slice(), r.person, at])?;
                let owner: String =
                    bound.query_row([r.spki_sha256.as_slice()], |row| row.get(0))?;
                if owner != r.person {
                    return Err(StoreError::KeyBoundToOtherPerson);
                }
            }
        }
        Ok(tx.commit()?)
    }

    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut insert = tx.prepare_cached(&format!(
                "INSERT INTO certificates ({CERT_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL)"
            ))?;
            for c in batch {
                check_serial(&c.serial)?;
                insert
                    .execute(params![
                        c.serial,
                        c.issuer,
                        c.profile,
                        c.person,
                        c.spki_sha256.as_slice(),
                        to_db(c.not_before.0)?,
                        to_db(c.not_after.0)?,
                        c.der,
                        c.report_sha256.as_slice(),
                        to_db(c.issued_at.0)?
                    ])
                    .map_err(|e| {
                        let serial_hex = hex::encode(&c.serial);
                        match violation(&e) {
                            Violation::Unique => StoreError::DuplicateSerial { serial_hex },
                            Violation::ForeignKey => StoreError::NotReserved { serial_hex },
                            Violation::Other => e.into(),
                        }
                    })?;
            }
        }
        insert_audit(&tx, audit)?;
        Ok(tx.commit()?)
    }

    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {CERT_COLUMNS} FROM certificates WHERE serial = ?1"
            ))?
            .query_row([serial], |r| cert_row(r))
            .optional()?;
        row.map(CertRow::into_stored).transpose()
    }

    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        check_reason(reason)?;
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3 \
             WHERE serial = ?1 AND revoked_at IS NULL",
            params![serial, to_db(at.0)?, reason],
        )?;
        if changed == 0 {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM certificates WHERE serial = ?1)",
                [serial],
                |row| row.get(0),
            )?;
            return Err(if exists {
                StoreError::AlreadyRevoked
            } else {
                StoreError::NotFound
            });
        }
        insert_audit(&tx, std::slice::from_ref(audit))?;
        Ok(tx.commit()?)
    }

    fn holds_history(&mut self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM audit) OR EXISTS (SELECT 1 FROM pins)",
            [],
            |row| row.get(0),
        )?)
    }

    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        revoked_in(&self.conn, issuer)
    }

    fn certificate_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM certificates", [], |row| row.get(0))?;
        from_db(n)
    }

    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT serial FROM certificates ORDER BY length(serial), serial")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn put_registry(
        &mut self,
        records: &[RegistryRecord],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut upsert = tx.prepare_cached(&format!(
                "INSERT INTO registry ({REGISTRY_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (person) DO UPDATE SET \
                 overseas_registration_number = excluded.overseas_registration_number, \
                 registration_status = excluded.registration_status, \
                 surname = excluded.surname, given_names = excluded.given_names, \
                 name_hangul = excluded.name_hangul, date_of_birth = excluded.date_of_birth, \
                 sex = excluded.sex, nationality = excluded.nationality, \
                 document_number = excluded.document_number, \
                 country_of_residence = excluded.country_of_residence, \
                 vid = excluded.vid, vid_random = excluded.vid_random"
            ))?;
            for r in records {
                upsert.execute(params![
                    r.person,
                    r.overseas_registration_number,
                    r.registration_status,
                    r.surname,
                    r.given_names,
                    r.name_hangul,
                    r.date_of_birth,
                    r.sex,
                    r.nationality,
                    r.document_number,
                    r.country_of_residence,
                    r.vid,
                    r.vid_random
                ])?;
            }
        }
        insert_audit(&tx, std::slice::from_ref(audit))?;
        Ok(tx.commit()?)
    }

    fn registry(&mut self, person: &str) -> Result<Option<RegistryRecord>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {REGISTRY_COLUMNS} FROM registry WHERE person = ?1"
            ))?
            .query_row([person], |r| registry_row(r))
            .optional()?)
    }

    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO blocked_keys (spki_sha256, reason, blocked_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (spki_sha256) DO NOTHING",
            params![spki_sha256.as_slice(), reason, to_db(audit.at.0)?],
        )?;
        insert_audit(&tx, std::slice::from_ref(audit))?;
        Ok(tx.commit()?)
    }

    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError> {
        let tx = self.write()?;
        let number: i64 = tx.query_row(
            "INSERT INTO crl_numbers (issuer, scope, last_number, issued_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (issuer, scope) DO UPDATE SET \
             last_number = max(crl_numbers.last_number + 1, excluded.last_number), \
             issued_at = excluded.issued_at RETURNING last_number",
            params![issuer, scope, to_db(at_least.max(1))?, to_db(audit.at.0)?],
            |row| row.get(0),
        )?;
        insert_audit(&tx, std::slice::from_ref(audit))?;
        // Read under the write lock the number took (BEGIN IMMEDIATE).
        let revoked = revoked_in(&tx, issuer)?;
        tx.commit()?;
        Ok(CrlSnapshot {
            number: from_db(number)?,
            revoked,
        })
    }

    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM blocked_keys WHERE spki_sha256 = ?1)")?
            .query_row([spki_sha256.as_slice()], |row| row.get(0))?)
    }

    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let tx = self.write()?;
        insert_audit(&tx, records)?;
        Ok(tx.commit()?)
    }

    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE node = ?1 ORDER BY seq DESC LIMIT 1"
            ))?
            .query_row([node], |r| audit_row(r))
            .optional()?;
        row.map(AuditRow::into_record).transpose()
    }

    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit ORDER BY node, seq"
        ))?;
        let rows = stmt.query_map([], |r| audit_row(r))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.into_record()?);
        }
        Ok(out)
    }

    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO pins (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![name, value],
        )?;
        let stored: String =
            tx.query_row("SELECT value FROM pins WHERE name = ?1", [name], |row| {
                row.get(0)
            })?;
        tx.commit()?;
        Ok(stored)
    }

    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO pins (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM pins WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_sqlite(&self.conn, &migrations::CA)
    }
}

/// The revoked certificates of `issuer`, ordered by serial, on `conn` (the store's
/// connection or an open transaction).
fn revoked_in(conn: &Connection, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT serial, revoked_at, revocation_reason FROM certificates \
         WHERE issuer = ?1 AND revoked_at IS NOT NULL ORDER BY length(serial), serial",
    )?;
    let rows = stmt.query_map([issuer], |row| {
        Ok((
            row.get::<_, Vec<u8>>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (serial, at, reason) = row?;
        out.push(RevokedEntry {
            serial,
            revoked_at: UnixTime(from_db(at)?),
            reason: reason_from_db(reason)?,
        });
    }
    Ok(out)
}
