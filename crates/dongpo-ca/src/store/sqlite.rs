//! The embedded store: one SQLite file in the CA directory.
//!
//! WAL journal with `synchronous=FULL`, so a returned commit survives power loss; foreign
//! keys on, so certificates must reference their reservation; a busy timeout, so a second
//! process waits for the writer instead of failing. Writes take the write lock up front
//! (`BEGIN IMMEDIATE`): a transaction that read first and upgraded later could fail
//! with `SQLITE_BUSY` instead of waiting.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::columns::Sqlite;
use super::statements::Backend;
use super::{StoreError, migrations};

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

/// The first CA schema version whose upgrade removes personal data from existing rows
/// (version 4: the registry's VID and its random), after which the file is vacuumed.
const PURGING_VERSION: u32 = 4;

/// Copies the write-ahead log into the database file and truncates it to zero bytes, so
/// that the earlier versions of pages it holds (rows since deleted or overwritten) leave
/// the disk files. Returns false when another connection's read kept the checkpoint from
/// finishing: the log then still holds them until the next call succeeds.
///
/// # Errors
/// The driver's.
pub fn truncate_wal(conn: &Connection) -> rusqlite::Result<bool> {
    // (busy, log frames, checkpointed frames); busy = 1 means it could not complete.
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    Ok(busy == 0)
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
        // Deleted rows (a re-sealed plaintext registry, an erased person) are zeroed in the
        // file rather than left in free space; the WAL's copies go at the checkpoint after
        // the deletion ([`truncate_wal`]).
        conn.pragma_update(None, "secure_delete", "ON")?;
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
        let before = self.recorded_version()?;
        migrations::apply_sqlite(&mut self.conn, &migrations::CA)?;
        if before > 0 && before < PURGING_VERSION && self.recorded_version()? >= PURGING_VERSION {
            self.purge_free_space()?;
        }
        Ok(())
    }

    /// The CA schema version recorded in the file (0 for a new file).
    fn recorded_version(&self) -> Result<u32, StoreError> {
        let has_table: bool = self.conn.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [migrations::CA.table],
            |row| row.get(0),
        )?;
        if has_table {
            migrations::version_sqlite(&self.conn, &migrations::CA)
        } else {
            Ok(0)
        }
    }

    /// Rewrites the file without its free space and empties the WAL: what a migration
    /// removed (the registry's VID randoms, version 4) is then in no byte of the store's
    /// files, not in a page's unused space, a free page or an old WAL frame. VACUUM cannot
    /// run inside the migration's transaction, so it follows it.
    fn purge_free_space(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM")?;
        let _: (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?;
        Ok(())
    }
}

impl Backend for SqliteStore {
    type Error = rusqlite::Error;
    type Read<'a> = Sqlite<'a>;
    type Write<'a> = Sqlite<'a>;

    fn read(&mut self) -> Result<Sqlite<'_>, StoreError> {
        Ok(Sqlite::new(&self.conn))
    }

    /// Takes the write lock up front (`BEGIN IMMEDIATE`): it holds what a transaction
    /// read (a CRL number) until commit.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Sqlite<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&mut Sqlite::new(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    fn ping(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn ping_write(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_sqlite(&self.conn, &migrations::CA)
    }

    fn after_delete(&mut self) -> Result<(), StoreError> {
        if truncate_wal(&self.conn)? {
            Ok(())
        } else {
            Err(StoreError::Backend(
                "sqlite: the write-ahead log could not be truncated while another connection \
                 reads it; run the operation again once it is idle"
                    .into(),
            ))
        }
    }
}
