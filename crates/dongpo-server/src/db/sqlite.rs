//! The server state in SQLite (WAL, so several server processes on one host can share it),
//! with `secure_delete` on and the WAL truncated after deletions (see [`super::ServerDb::purge`]).

use dongpo_ca::store::columns::Sqlite;
use dongpo_ca::store::migrations;
use dongpo_pki::time::UnixTime;
use rusqlite::Connection;

use super::migrations::SERVER;
use super::{Backend, Binding, DbError, err};

pub(super) struct SqliteDb {
    conn: Connection,
}

impl SqliteDb {
    pub(super) fn open(path: &str) -> Result<Self, DbError> {
        let conn = Connection::open(path).map_err(err("open"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err("busy_timeout"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("journal_mode"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err("synchronous"))?;
        // Deleted and overwritten content (a report, a DG1) is zeroed in the file rather
        // than left in free space; the WAL's copies go at the checkpoint after a purge.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(err("secure_delete"))?;
        Ok(SqliteDb { conn })
    }
}

impl Backend for SqliteDb {
    type Sql<'a> = Sqlite<'a>;

    fn sql(&mut self) -> Result<Sqlite<'_>, DbError> {
        Ok(Sqlite::new(&self.conn))
    }

    fn migrate(&mut self) -> Result<(), DbError> {
        migrations::apply_sqlite(&mut self.conn, &SERVER)
            .map_err(|e| DbError::from_display("migrate", e))
    }

    fn ping(&mut self) -> Result<(), DbError> {
        self.conn
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(err("ping"))
    }

    fn after_delete(&mut self) -> Result<(), DbError> {
        if dongpo_ca::store::sqlite::truncate_wal(&self.conn).map_err(err("checkpoint"))? {
            Ok(())
        } else {
            // Another server process on the file was reading: its copies stay in the WAL
            // until a later purge truncates it.
            Err(DbError::from_display(
                "checkpoint",
                "the write-ahead log could not be truncated while another connection reads it",
            ))
        }
    }

    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError> {
        let tx = self.conn.transaction().map_err(err("bind document"))?;
        // The insert takes SQLite's write lock, which holds the row read after it.
        let binding = super::bind_document(&mut Sqlite::new(&tx), "", fingerprint, person, now)?;
        if binding != Binding::OtherPerson {
            tx.commit().map_err(err("bind document"))?;
        }
        Ok(binding)
    }
}
