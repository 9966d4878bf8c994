//! The server state in SQLite (WAL, so several server processes on one host can share it).

use dongpo_pki::time::UnixTime;
use rusqlite::{Connection, OptionalExtension, params};

use dongpo_ca::store::migrations;

use super::migrations::SERVER;
use super::{
    API_KEY_COLUMNS, Binding, ChallengeRefusal, DbError, ServerDb, StoredApiKey,
    StoredVerification, VERIFICATION_COLUMNS, api_key_row, secs, verification_row,
};

pub(super) struct SqliteDb {
    conn: Connection,
}

fn err(operation: &'static str) -> impl Fn(rusqlite::Error) -> DbError {
    move |e| DbError::from_display(operation, e)
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
        Ok(SqliteDb { conn })
    }
}

impl ServerDb for SqliteDb {
    fn migrate(&mut self) -> Result<(), DbError> {
        migrations::apply_sqlite(&mut self.conn, &SERVER)
            .map_err(|e| DbError::from_display("migrate", e))
    }

    fn ping(&mut self) -> Result<(), DbError> {
        self.conn
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(err("ping"))
    }

    fn insert_challenge(
        &mut self,
        id: &str,
        owner: &str,
        nonce: &[u8],
        expires_at: UnixTime,
    ) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO server_challenges (id, nonce, expires_at, owner)
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, nonce, secs(expires_at), owner],
            )
            .map_err(err("insert challenge"))?;
        Ok(())
    }

    fn take_challenge(
        &mut self,
        id: &str,
        owner: &str,
        now: UnixTime,
    ) -> Result<Result<Vec<u8>, ChallengeRefusal>, DbError> {
        let row: Option<(Vec<u8>, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT nonce, expires_at, used_at FROM server_challenges
                 WHERE id = ?1 AND owner = ?2",
                params![id, owner],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(err("read challenge"))?;
        let Some((nonce, expires_at, used_at)) = row else {
            return Ok(Err(ChallengeRefusal::Unknown));
        };
        if used_at.is_some() {
            return Ok(Err(ChallengeRefusal::Used));
        }
        if secs(now) >= expires_at {
            return Ok(Err(ChallengeRefusal::Expired));
        }
        let updated = self
            .conn
            .execute(
                "UPDATE server_challenges SET used_at = ?2
                 WHERE id = ?1 AND owner = ?3 AND used_at IS NULL",
                params![id, secs(now), owner],
            )
            .map_err(err("use challenge"))?;
        Ok(if updated == 1 {
            Ok(nonce)
        } else {
            Err(ChallengeRefusal::Used)
        })
    }

    fn insert_verification(&mut self, v: &StoredVerification) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO server_verifications (id, created_at, valid, report_json, dg1, receipt, used_at, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    v.id,
                    secs(v.created_at),
                    v.valid,
                    v.report_json,
                    v.dg1,
                    v.receipt,
                    v.used_at.map(secs),
                    v.owner
                ],
            )
            .map_err(err("insert verification"))?;
        Ok(())
    }

    fn verification(
        &mut self,
        id: &str,
        owner: &str,
    ) -> Result<Option<StoredVerification>, DbError> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {VERIFICATION_COLUMNS} FROM server_verifications \
                     WHERE id = ?1 AND owner = ?2"
                ),
                params![id, owner],
                |r| verification_row(r),
            )
            .optional()
            .map_err(err("read verification"))
    }

    fn consume_verification(&mut self, id: &str, now: UnixTime) -> Result<bool, DbError> {
        let updated = self
            .conn
            .execute(
                "UPDATE server_verifications SET used_at = ?2, report_json = NULL, dg1 = NULL
                 WHERE id = ?1 AND used_at IS NULL",
                params![id, secs(now)],
            )
            .map_err(err("use verification"))?;
        Ok(updated == 1)
    }

    fn release_verification(
        &mut self,
        id: &str,
        report_json: &str,
        dg1: &[u8],
    ) -> Result<(), DbError> {
        self.conn
            .execute(
                "UPDATE server_verifications SET used_at = NULL, report_json = ?2, dg1 = ?3
                 WHERE id = ?1 AND issued_serial IS NULL",
                params![id, report_json, dg1],
            )
            .map_err(err("release verification"))?;
        Ok(())
    }

    fn record_issuance(&mut self, id: &str, serial_hex: &str) -> Result<(), DbError> {
        self.conn
            .execute(
                "UPDATE server_verifications SET issued_serial = ?2 WHERE id = ?1",
                params![id, serial_hex],
            )
            .map_err(err("record issuance"))?;
        Ok(())
    }

    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError> {
        let tx = self.conn.transaction().map_err(err("bind document"))?;
        tx.execute(
            "INSERT INTO server_documents (fingerprint, person, first_used_at, uses)
             VALUES (?1, ?2, ?3, 0) ON CONFLICT (fingerprint) DO NOTHING",
            params![fingerprint, person, secs(now)],
        )
        .map_err(err("bind document"))?;
        let (bound, uses): (String, i64) = tx
            .query_row(
                "SELECT person, uses FROM server_documents WHERE fingerprint = ?1",
                params![fingerprint],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(err("bind document"))?;
        if bound != person {
            return Ok(Binding::OtherPerson);
        }
        tx.execute(
            "UPDATE server_documents SET uses = uses + 1 WHERE fingerprint = ?1",
            params![fingerprint],
        )
        .map_err(err("bind document"))?;
        tx.commit().map_err(err("bind document"))?;
        Ok(Binding::Same {
            previous_uses: u64::try_from(uses).unwrap_or(0),
        })
    }

    fn insert_api_key(&mut self, key: &StoredApiKey, now: UnixTime) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO server_api_keys (id, name, secret_sha256, scopes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key.id, key.name, key.secret_sha256, key.scopes, secs(now)],
            )
            .map_err(err("insert api key"))?;
        Ok(())
    }

    fn api_key(&mut self, id: &str) -> Result<Option<StoredApiKey>, DbError> {
        self.conn
            .query_row(
                &format!("SELECT {API_KEY_COLUMNS} FROM server_api_keys WHERE id = ?1"),
                params![id],
                |r| api_key_row(r),
            )
            .optional()
            .map_err(err("read api key"))
    }

    fn mark_dev(&mut self, now: UnixTime) -> Result<(), DbError> {
        self.conn
            .execute(
                "INSERT INTO server_flags (name, set_at) VALUES ('dev', ?1)
                 ON CONFLICT (name) DO NOTHING",
                params![secs(now)],
            )
            .map_err(err("mark dev"))?;
        Ok(())
    }

    fn dev_marked(&mut self) -> Result<bool, DbError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) > 0 FROM server_flags WHERE name = 'dev'",
                [],
                |r| r.get(0),
            )
            .map_err(err("read flags"))
    }

    fn purge(&mut self, now: UnixTime, report_cutoff: UnixTime) -> Result<(), DbError> {
        self.conn
            .execute(
                "DELETE FROM server_challenges WHERE expires_at <= ?1",
                params![secs(now)],
            )
            .map_err(err("purge challenges"))?;
        self.conn
            .execute(
                "UPDATE server_verifications SET report_json = NULL, dg1 = NULL
                 WHERE created_at < ?1 AND report_json IS NOT NULL",
                params![secs(report_cutoff)],
            )
            .map_err(err("purge verifications"))?;
        Ok(())
    }
}
