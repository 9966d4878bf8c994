//! The server state in PostgreSQL, shared by every server process.

use dongpo_pki::time::UnixTime;
use postgres::{Client, NoTls};

use dongpo_ca::store::migrations;

use super::migrations::SERVER;
use super::{
    API_KEY_COLUMNS, Binding, ChallengeRefusal, DbError, ServerDb, StoredApiKey,
    StoredVerification, VERIFICATION_COLUMNS, api_key_row, secs, verification_row,
};

pub(super) struct PgDb {
    url: String,
    /// `None` only while dropping (`close_off_runtime`).
    client: Option<Client>,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Dropped on an async worker at shutdown: close off the runtime (see there).
        dongpo_ca::store::postgres::close_off_runtime(self.client.take());
    }
}

fn err(operation: &'static str) -> impl Fn(postgres::Error) -> DbError {
    move |e| DbError::from_display(operation, e)
}

impl PgDb {
    pub(super) fn connect(url: &str) -> Result<Self, DbError> {
        Ok(PgDb {
            url: url.to_owned(),
            client: Some(Client::connect(url, NoTls).map_err(err("connect"))?),
        })
    }

    /// The connection, opened again when the server dropped it (a restart, a failover,
    /// an idle timeout): the request that saw it drop got a 503, the next one works.
    fn client(&mut self) -> Result<&mut Client, DbError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(Client::connect(&self.url, NoTls).map_err(err("reconnect"))?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| DbError::from_display("connect", "no connection"))
    }
}

impl ServerDb for PgDb {
    fn migrate(&mut self) -> Result<(), DbError> {
        // Two servers starting together: the role's advisory lock serialises them.
        migrations::apply_postgres(self.client()?, &SERVER, None)
            .map_err(|e| DbError::from_display("migrate", e))
    }

    fn ping(&mut self) -> Result<(), DbError> {
        self.client()?
            .simple_query("SELECT 1")
            .map_err(err("ping"))?;
        Ok(())
    }

    fn insert_challenge(
        &mut self,
        id: &str,
        owner: &str,
        nonce: &[u8],
        expires_at: UnixTime,
    ) -> Result<(), DbError> {
        self.client()?
            .execute(
                "INSERT INTO server_challenges (id, nonce, expires_at, owner)
                 VALUES ($1, $2, $3, $4)",
                &[&id, &nonce, &secs(expires_at), &owner],
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
        // One statement: only the request that flips used_at gets the nonce.
        let taken = self
            .client()?
            .query_opt(
                "UPDATE server_challenges SET used_at = $2
                 WHERE id = $1 AND owner = $3 AND used_at IS NULL AND expires_at > $2
                 RETURNING nonce",
                &[&id, &secs(now), &owner],
            )
            .map_err(err("use challenge"))?;
        if let Some(row) = taken {
            return Ok(Ok(row.get(0)));
        }
        let row = self
            .client()?
            .query_opt(
                "SELECT used_at FROM server_challenges WHERE id = $1 AND owner = $2",
                &[&id, &owner],
            )
            .map_err(err("read challenge"))?;
        Ok(Err(match row {
            None => ChallengeRefusal::Unknown,
            Some(row) if row.get::<_, Option<i64>>(0).is_some() => ChallengeRefusal::Used,
            Some(_) => ChallengeRefusal::Expired,
        }))
    }

    fn insert_verification(&mut self, v: &StoredVerification) -> Result<(), DbError> {
        self.client()?
            .execute(
                "INSERT INTO server_verifications (id, created_at, valid, report_json, dg1, receipt, used_at, owner)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &v.id,
                    &secs(v.created_at),
                    &v.valid,
                    &v.report_json,
                    &v.dg1,
                    &v.receipt,
                    &v.used_at.map(secs),
                    &v.owner,
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
        let row = self
            .client()?
            .query_opt(
                &format!(
                    "SELECT {VERIFICATION_COLUMNS} FROM server_verifications \
                     WHERE id = $1 AND owner = $2"
                ),
                &[&id, &owner],
            )
            .map_err(err("read verification"))?;
        row.map(|r| verification_row(&r))
            .transpose()
            .map_err(err("read verification"))
    }

    fn consume_verification(&mut self, id: &str, now: UnixTime) -> Result<bool, DbError> {
        let updated = self
            .client()?
            .execute(
                "UPDATE server_verifications SET used_at = $2, report_json = NULL, dg1 = NULL
                 WHERE id = $1 AND used_at IS NULL",
                &[&id, &secs(now)],
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
        self.client()?
            .execute(
                "UPDATE server_verifications SET used_at = NULL, report_json = $2, dg1 = $3
                 WHERE id = $1 AND issued_serial IS NULL",
                &[&id, &report_json, &dg1],
            )
            .map_err(err("release verification"))?;
        Ok(())
    }

    fn record_issuance(&mut self, id: &str, serial_hex: &str) -> Result<(), DbError> {
        self.client()?
            .execute(
                "UPDATE server_verifications SET issued_serial = $2 WHERE id = $1",
                &[&id, &serial_hex],
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
        let mut tx = self.client()?.transaction().map_err(err("bind document"))?;
        tx.execute(
            "INSERT INTO server_documents (fingerprint, person, first_used_at, uses)
             VALUES ($1, $2, $3, 0) ON CONFLICT (fingerprint) DO NOTHING",
            &[&fingerprint, &person, &secs(now)],
        )
        .map_err(err("bind document"))?;
        let row = tx
            .query_one(
                "SELECT person, uses FROM server_documents WHERE fingerprint = $1 FOR UPDATE",
                &[&fingerprint],
            )
            .map_err(err("bind document"))?;
        let bound: String = row.get(0);
        let uses: i64 = row.get(1);
        if bound != person {
            return Ok(Binding::OtherPerson);
        }
        tx.execute(
            "UPDATE server_documents SET uses = uses + 1 WHERE fingerprint = $1",
            &[&fingerprint],
        )
        .map_err(err("bind document"))?;
        tx.commit().map_err(err("bind document"))?;
        Ok(Binding::Same {
            previous_uses: u64::try_from(uses).unwrap_or(0),
        })
    }

    fn insert_api_key(&mut self, key: &StoredApiKey, now: UnixTime) -> Result<(), DbError> {
        self.client()?
            .execute(
                "INSERT INTO server_api_keys (id, name, secret_sha256, scopes, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &key.id,
                    &key.name,
                    &key.secret_sha256,
                    &key.scopes,
                    &secs(now),
                ],
            )
            .map_err(err("insert api key"))?;
        Ok(())
    }

    fn api_key(&mut self, id: &str) -> Result<Option<StoredApiKey>, DbError> {
        let row = self
            .client()?
            .query_opt(
                &format!("SELECT {API_KEY_COLUMNS} FROM server_api_keys WHERE id = $1"),
                &[&id],
            )
            .map_err(err("read api key"))?;
        row.map(|r| api_key_row(&r))
            .transpose()
            .map_err(err("read api key"))
    }

    fn mark_dev(&mut self, now: UnixTime) -> Result<(), DbError> {
        self.client()?
            .execute(
                "INSERT INTO server_flags (name, set_at) VALUES ('dev', $1)
                 ON CONFLICT (name) DO NOTHING",
                &[&secs(now)],
            )
            .map_err(err("mark dev"))?;
        Ok(())
    }

    fn dev_marked(&mut self) -> Result<bool, DbError> {
        let row = self
            .client()?
            .query_one(
                "SELECT COUNT(*) > 0 FROM server_flags WHERE name = 'dev'",
                &[],
            )
            .map_err(err("read flags"))?;
        Ok(row.get(0))
    }

    fn purge(&mut self, now: UnixTime, report_cutoff: UnixTime) -> Result<(), DbError> {
        self.client()?
            .execute(
                "DELETE FROM server_challenges WHERE expires_at <= $1",
                &[&secs(now)],
            )
            .map_err(err("purge challenges"))?;
        self.client()?
            .execute(
                "UPDATE server_verifications SET report_json = NULL, dg1 = NULL
                 WHERE created_at < $1 AND report_json IS NOT NULL",
                &[&secs(report_cutoff)],
            )
            .map_err(err("purge verifications"))?;
        Ok(())
    }
}
