//! The shared store: PostgreSQL, for several CA nodes.
//!
//! Constraints do the deciding, so concurrent nodes cannot both win a serial or bind one
//! key to two people: a second inserter waits on the unique index and then fails. Schema
//! migrations run under a transaction-scoped advisory lock, so nodes starting together
//! apply them once. Connections are plain TCP (`NoTls`): reach the server over a trusted
//! link or a local socket.

use ::postgres::{Client, NoTls};
use dongpo_pki::time::UnixTime;

use super::columns::Postgres;
use super::{
    CrlSnapshot, IssuedCert, RegistryRecord, Reservation, RevokedEntry, Store, StoreError,
    StoredCert, migrations, statements,
};
use crate::audit::AuditRecord;

/// A store in a PostgreSQL database.
pub struct PostgresStore {
    /// `None` only while dropping ([`close_off_runtime`]).
    client: Option<Client>,
    url: String,
    /// The schema the session works in, set again after a reconnect.
    schema: Option<String>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        close_off_runtime(self.client.take());
    }
}

/// Closes a blocking PostgreSQL client on a thread of its own. `postgres::Client` runs a
/// private Tokio runtime and closes the connection with `block_on` when dropped, which
/// panics on a thread already driving a runtime: the last owner of a store can be dropped
/// on an async worker of the server (at shutdown), and a panic there aborts the process
/// instead of a clean exit. Waits for the close, so the server sees an orderly goodbye.
pub fn close_off_runtime(client: Option<Client>) {
    if let Some(client) = client {
        let closer = std::thread::Builder::new()
            .name("dongpo-pg-close".into())
            .spawn(move || drop(client));
        if let Ok(closer) = closer {
            // A panic in the closer only means the connection was not closed politely;
            // the server side ends it when the socket goes.
            let _ = closer.join();
        }
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        StoreError::Backend(describe(&e))
    }
}

/// A PostgreSQL error as reported: code and message only, since the server's DETAIL
/// repeats the offending key values.
pub(crate) fn describe(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("postgres {}: {}", db.code().code(), db.message()),
        None => format!("postgres: {e}"),
    }
}

/// Schema names are spliced into SQL, so only plain lowercase identifiers pass.
pub(crate) fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

impl PostgresStore {
    /// Connects to `url` and brings the schema (in the default search path) up to date.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when the connection fails; [`StoreError::Migration`] when
    /// the schema is newer than this code or diverged.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_inner(url, None)
    }

    /// Like [`PostgresStore::connect`], but in `schema` (created if missing), e.g. one
    /// fresh schema per test run. `schema` must be a lowercase SQL identifier.
    ///
    /// # Errors
    /// As [`PostgresStore::connect`]; [`StoreError::Backend`] for an unusable schema name.
    pub fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        if !valid_schema(schema) {
            return Err(StoreError::Backend(format!(
                "postgres: schema name {schema:?} is not a lowercase identifier"
            )));
        }
        Self::connect_inner(url, Some(schema))
    }

    fn connect_inner(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let client = Client::connect(url, NoTls)?;
        let mut store = PostgresStore {
            client: Some(client),
            url: url.to_owned(),
            schema: schema.map(str::to_owned),
        };
        store.migrate(schema).map_err(|e| match e {
            StoreError::Backend(msg) => StoreError::Migration(msg),
            other => other,
        })?;
        Ok(store)
    }

    /// The connection, opened again (in the same schema) when the server dropped it: the
    /// operation that saw it drop failed, the next one works.
    fn client(&mut self) -> Result<&mut Client, StoreError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            let mut client = Client::connect(&self.url, NoTls)?;
            if let Some(schema) = &self.schema {
                client.batch_execute(&format!("SET search_path TO \"{schema}\""))?;
            }
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Backend("postgres: no connection".into()))
    }

    /// The connection, for statements outside a transaction.
    fn sql(&mut self) -> Result<Postgres<'_, Client>, StoreError> {
        Ok(Postgres::new(self.client()?))
    }

    fn migrate(&mut self, schema: Option<&str>) -> Result<(), StoreError> {
        migrations::apply_postgres(self.client()?, &migrations::CA, schema)
    }
}

impl Store for PostgresStore {
    fn ping(&mut self) -> Result<(), StoreError> {
        self.client()?.simple_query("SELECT 1")?;
        Ok(())
    }

    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::reserve(&mut Postgres::new(&mut tx), batch)?;
        Ok(tx.commit()?)
    }

    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::commit_issued(&mut Postgres::new(&mut tx), batch, audit)?;
        Ok(tx.commit()?)
    }

    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError> {
        statements::certificate(&mut self.sql()?, serial)
    }

    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::revoke(&mut Postgres::new(&mut tx), serial, at, reason, audit)?;
        Ok(tx.commit()?)
    }

    fn ping_write(&mut self) -> Result<(), StoreError> {
        let row = self.client()?.query_one(
            "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
            &[],
        )?;
        let (recovery, read_only): (bool, bool) = (row.try_get(0)?, row.try_get(1)?);
        if recovery || read_only {
            return Err(StoreError::Backend(format!(
                "the database refuses writes ({})",
                if recovery {
                    "a standby in recovery"
                } else {
                    "read-only transactions"
                }
            )));
        }
        Ok(())
    }

    fn holds_history(&mut self) -> Result<bool, StoreError> {
        statements::holds_history(&mut self.sql()?)
    }

    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        statements::revoked(&mut self.sql()?, issuer)
    }

    fn certificate_count(&mut self) -> Result<u64, StoreError> {
        statements::certificate_count(&mut self.sql()?)
    }

    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        statements::serials(&mut self.sql()?)
    }

    fn put_registry(
        &mut self,
        records: &[RegistryRecord],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::put_registry(&mut Postgres::new(&mut tx), records, audit)?;
        Ok(tx.commit()?)
    }

    fn registry(&mut self, person: &str) -> Result<Option<RegistryRecord>, StoreError> {
        statements::registry(&mut self.sql()?, person)
    }

    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::block_key(&mut Postgres::new(&mut tx), spki_sha256, reason, audit)?;
        Ok(tx.commit()?)
    }

    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError> {
        // The upsert's row lock holds the number until commit: a later number waits for it.
        let mut tx = self.client()?.transaction()?;
        let snapshot =
            statements::crl_snapshot(&mut Postgres::new(&mut tx), issuer, scope, at_least, audit)?;
        tx.commit()?;
        Ok(snapshot)
    }

    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        statements::is_blocked(&mut self.sql()?, spki_sha256)
    }

    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        statements::insert_audit(&mut Postgres::new(&mut tx), records)?;
        Ok(tx.commit()?)
    }

    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        statements::audit_tail(&mut self.sql()?, node)
    }

    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        statements::audit_records(&mut self.sql()?)
    }

    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        let mut tx = self.client()?.transaction()?;
        let stored = statements::pin(&mut Postgres::new(&mut tx), name, value)?;
        tx.commit()?;
        Ok(stored)
    }

    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        statements::replace_pin(&mut self.sql()?, name, value)
    }

    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        statements::pinned(&mut self.sql()?, name)
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_postgres(self.client()?, &migrations::CA)
    }
}
