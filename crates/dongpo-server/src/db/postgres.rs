//! The server state in PostgreSQL, shared by every server process (connected as the CA
//! store is, through [`dongpo_ca::store::pg_connect`]: TLS as the URL's `sslmode` says).

use dongpo_ca::store::pg_connect::connect;
use dongpo_pki::time::UnixTime;
use postgres::Client;

use dongpo_ca::store::columns::Postgres;
use dongpo_ca::store::migrations;

use super::migrations::SERVER;
use super::{Backend, Binding, DbError, err};

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

impl PgDb {
    pub(super) fn connect(url: &str) -> Result<Self, DbError> {
        Ok(PgDb {
            url: url.to_owned(),
            client: Some(connect(url).map_err(err("connect"))?),
        })
    }

    /// The connection, opened again when the server dropped it (a restart, a failover,
    /// an idle timeout): the request that saw it drop got a 503, the next one works.
    fn client(&mut self) -> Result<&mut Client, DbError> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.client = Some(connect(&self.url).map_err(err("reconnect"))?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| DbError::from_display("connect", "no connection"))
    }
}

impl Backend for PgDb {
    type Sql<'a> = Postgres<&'a mut Client>;

    fn sql(&mut self) -> Result<Postgres<&mut Client>, DbError> {
        Ok(Postgres::new(self.client()?))
    }

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

    fn after_delete(&mut self) -> Result<(), DbError> {
        // Deleted rows are gone for every reader at commit; the server's files (and their
        // vacuuming) are the database administrator's (docs/operators.md, backups).
        Ok(())
    }

    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError> {
        let mut tx = self.client()?.transaction().map_err(err("bind document"))?;
        // FOR UPDATE: a concurrent binder of the same document waits for this commit.
        let binding = super::bind_document(
            &mut Postgres::new(&mut tx),
            " FOR UPDATE",
            fingerprint,
            person,
            now,
        )?;
        if binding != Binding::OtherPerson {
            tx.commit().map_err(err("bind document"))?;
        }
        Ok(binding)
    }
}
