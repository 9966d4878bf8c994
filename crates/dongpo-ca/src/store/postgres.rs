//! The shared store: PostgreSQL, for several CA nodes.
//!
//! Constraints do the deciding, so concurrent nodes cannot both win a serial or bind one
//! key to two people: a second inserter waits on the unique index and then fails. Schema
//! migrations run under a transaction-scoped advisory lock, so nodes starting together
//! apply them once. Connections are made by [`super::pg_connect`]: TLS when the URL's
//! `sslmode` asks for it, plain TCP (for a local socket) otherwise.

use ::postgres::{Client, Transaction};

use super::columns::Postgres;
use super::statements::Backend;
use super::{StoreError, migrations};

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
        let client = super::pg_connect::connect(url)?;
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
            let mut client = super::pg_connect::connect(&self.url)?;
            if let Some(schema) = &self.schema {
                client.batch_execute(&format!("SET search_path TO \"{schema}\""))?;
            }
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Backend("postgres: no connection".into()))
    }

    fn migrate(&mut self, schema: Option<&str>) -> Result<(), StoreError> {
        migrations::apply_postgres(self.client()?, &migrations::CA, schema)
    }
}

impl Backend for PostgresStore {
    type Error = ::postgres::Error;
    type Read<'a> = Postgres<&'a mut Client>;
    type Write<'a> = Postgres<Transaction<'a>>;

    fn read(&mut self) -> Result<Postgres<&mut Client>, StoreError> {
        Ok(Postgres::new(self.client()?))
    }

    /// A constraint does the deciding: a concurrent writer of the same row waits for this
    /// commit (and the CRL number's row lock holds it until then).
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Postgres<Transaction<'_>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = Postgres::new(self.client()?.transaction()?);
        let out = f(&mut tx)?;
        tx.into_inner().commit()?;
        Ok(out)
    }

    fn ping(&mut self) -> Result<(), StoreError> {
        self.client()?.simple_query("SELECT 1")?;
        Ok(())
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

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_postgres(self.client()?, &migrations::CA)
    }
}
