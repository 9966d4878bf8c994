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
use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::columns::Sqlite;
use super::{
    CrlSnapshot, IssuedCert, RegistryRecord, Reservation, RevokedEntry, Store, StoreError,
    StoredCert, migrations, statements,
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

impl Store for SqliteStore {
    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::reserve(&mut Sqlite::new(&tx), batch)?;
        Ok(tx.commit()?)
    }

    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::commit_issued(&mut Sqlite::new(&tx), batch, audit)?;
        Ok(tx.commit()?)
    }

    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError> {
        statements::certificate(&mut Sqlite::new(&self.conn), serial)
    }

    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::revoke(&mut Sqlite::new(&tx), serial, at, reason, audit)?;
        Ok(tx.commit()?)
    }

    fn holds_history(&mut self) -> Result<bool, StoreError> {
        statements::holds_history(&mut Sqlite::new(&self.conn))
    }

    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        statements::revoked(&mut Sqlite::new(&self.conn), issuer)
    }

    fn certificate_count(&mut self) -> Result<u64, StoreError> {
        statements::certificate_count(&mut Sqlite::new(&self.conn))
    }

    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        statements::serials(&mut Sqlite::new(&self.conn))
    }

    fn put_registry(
        &mut self,
        records: &[RegistryRecord],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::put_registry(&mut Sqlite::new(&tx), records, audit)?;
        Ok(tx.commit()?)
    }

    fn registry(&mut self, person: &str) -> Result<Option<RegistryRecord>, StoreError> {
        statements::registry(&mut Sqlite::new(&self.conn), person)
    }

    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::block_key(&mut Sqlite::new(&tx), spki_sha256, reason, audit)?;
        Ok(tx.commit()?)
    }

    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError> {
        // The write lock taken up front (BEGIN IMMEDIATE) holds the number until commit.
        let tx = self.write()?;
        let snapshot = statements::crl_snapshot(&mut Sqlite::new(&tx), issuer, scope, at_least, audit)?;
        tx.commit()?;
        Ok(snapshot)
    }

    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        statements::is_blocked(&mut Sqlite::new(&self.conn), spki_sha256)
    }

    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::insert_audit(&mut Sqlite::new(&tx), records)?;
        Ok(tx.commit()?)
    }

    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        statements::audit_tail(&mut Sqlite::new(&self.conn), node)
    }

    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        statements::audit_records(&mut Sqlite::new(&self.conn))
    }

    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        let tx = self.write()?;
        let stored = statements::pin(&mut Sqlite::new(&tx), name, value)?;
        tx.commit()?;
        Ok(stored)
    }

    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        statements::replace_pin(&mut Sqlite::new(&tx), name, value)?;
        Ok(tx.commit()?)
    }

    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        statements::pinned(&mut Sqlite::new(&self.conn), name)
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_sqlite(&self.conn, &migrations::CA)
    }
}
