//! The shared store: PostgreSQL, for several CA nodes.
//!
//! Constraints do the deciding, so concurrent nodes cannot both win a serial or bind one
//! key to two people: a second inserter waits on the unique index and then fails. Schema
//! migrations run under a transaction-scoped advisory lock, so nodes starting together
//! apply them once. Connections are plain TCP (`NoTls`): reach the server over a trusted
//! link or a local socket.

use ::postgres::error::SqlState;
use ::postgres::types::ToSql;
use ::postgres::{Client, NoTls, Transaction};
use dongpo_pki::time::UnixTime;

use super::migrations;
use super::rows::{
    AUDIT_COLUMNS, CERT_COLUMNS, REGISTRY_COLUMNS, audit_row, cert_row, check_link, from_db,
    predecessor_seq, reason_from_db, registry_row, to_db,
};
use super::{
    CrlSnapshot, IssuedCert, RegistryRecord, Reservation, RevokedEntry, Store, StoreError,
    StoredCert, check_reason, check_serial,
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

fn is(e: &::postgres::Error, state: &SqlState) -> bool {
    e.code() == Some(state)
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

    fn migrate(&mut self, schema: Option<&str>) -> Result<(), StoreError> {
        migrations::apply_postgres(self.client()?, &migrations::CA, schema)
    }
}

/// Inserts audit records, each continuing its node's stored chain. The primary key
/// (node, seq) makes a second writer of the same position fail.
fn insert_audit(tx: &mut Transaction<'_>, records: &[AuditRecord]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let insert = tx.prepare(
        "INSERT INTO audit (node, seq, at, kind, body, prev_tag, tag) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )?;
    let predecessor = tx.prepare("SELECT tag FROM audit WHERE node = $1 AND seq = $2")?;
    for r in records {
        let prev_seq = predecessor_seq(r)?;
        let params: [&(dyn ToSql + Sync); 7] = [
            &r.node,
            &to_db(r.seq)?,
            &to_db(r.at.0)?,
            &r.kind,
            &r.body,
            &r.prev_tag.as_slice(),
            &r.tag.as_slice(),
        ];
        tx.execute(&insert, &params).map_err(|e| {
            if is(&e, &SqlState::UNIQUE_VIOLATION) {
                StoreError::AuditSeqTaken {
                    node: r.node.clone(),
                    seq: r.seq,
                }
            } else {
                e.into()
            }
        })?;
        let stored = match prev_seq {
            None => None,
            Some(seq) => Some(
                tx.query_opt(&predecessor, &[&r.node, &to_db(seq)?])?
                    .map(|row| row.try_get::<_, Vec<u8>>(0))
                    .transpose()?,
            ),
        };
        check_link(r, stored)?;
    }
    Ok(())
}

impl Store for PostgresStore {
    fn ping(&mut self) -> Result<(), StoreError> {
        self.client()?.simple_query("SELECT 1")?;
        Ok(())
    }

    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        let serial = tx.prepare(
            "INSERT INTO serials (serial, issuer, person, spki_sha256, reserved_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )?;
        // DO NOTHING waits for a concurrent inserter of the same key to finish; the
        // following SELECT then sees whoever won.
        let bind = tx.prepare(
            "INSERT INTO key_bindings (spki_sha256, person, bound_at) VALUES ($1, $2, $3) \
             ON CONFLICT (spki_sha256) DO NOTHING",
        )?;
        let bound = tx.prepare("SELECT person FROM key_bindings WHERE spki_sha256 = $1")?;
        for r in batch {
            check_serial(&r.serial)?;
            let at = to_db(r.at.0)?;
            let spki = r.spki_sha256.as_slice();
            tx.execute(&serial, &[&r.serial, &r.issuer, &r.person, &spki, &at])
                .map_err(|e| {
                    if is(&e, &SqlState::UNIQUE_VIOLATION) {
                        StoreError::DuplicateSerial {
                            serial_hex: hex::encode(&r.serial),
                        }
                    } else {
                        e.into()
                    }
                })?;
            tx.execute(&bind, &[&spki, &r.person, &at])?;
            let owner: String = tx.query_one(&bound, &[&spki])?.try_get(0)?;
            if owner != r.person {
                return Err(StoreError::KeyBoundToOtherPerson);
            }
        }
        Ok(tx.commit()?)
    }

    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        let insert = tx.prepare(&format!(
            "INSERT INTO certificates ({CERT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)"
        ))?;
        for c in batch {
            check_serial(&c.serial)?;
            let params: [&(dyn ToSql + Sync); 10] = [
                &c.serial,
                &c.issuer,
                &c.profile,
                &c.person,
                &c.spki_sha256.as_slice(),
                &to_db(c.not_before.0)?,
                &to_db(c.not_after.0)?,
                &c.der,
                &c.report_sha256.as_slice(),
                &to_db(c.issued_at.0)?,
            ];
            tx.execute(&insert, &params).map_err(|e| {
                let serial_hex = hex::encode(&c.serial);
                if is(&e, &SqlState::UNIQUE_VIOLATION) {
                    StoreError::DuplicateSerial { serial_hex }
                } else if is(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
                    StoreError::NotReserved { serial_hex }
                } else {
                    e.into()
                }
            })?;
        }
        insert_audit(&mut tx, audit)?;
        Ok(tx.commit()?)
    }

    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1"),
            &[&serial],
        )?;
        row.map(|row| cert_row(&row)?.into_stored()).transpose()
    }

    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        check_reason(reason)?;
        let mut tx = self.client()?.transaction()?;
        // A concurrent revoker of the same row waits here and then matches nothing.
        let changed = tx.execute(
            "UPDATE certificates SET revoked_at = $2, revocation_reason = $3 \
             WHERE serial = $1 AND revoked_at IS NULL",
            &[&serial, &to_db(at.0)?, &i16::from(reason)],
        )?;
        if changed == 0 {
            let exists: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM certificates WHERE serial = $1)",
                    &[&serial],
                )?
                .try_get(0)?;
            return Err(if exists {
                StoreError::AlreadyRevoked
            } else {
                StoreError::NotFound
            });
        }
        insert_audit(&mut tx, std::slice::from_ref(audit))?;
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
        Ok(self
            .client()?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM audit) OR EXISTS (SELECT 1 FROM pins)",
                &[],
            )?
            .try_get(0)?)
    }

    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        revoked_in(self.client()?, issuer)
    }

    fn certificate_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()?
            .query_one("SELECT count(*) FROM certificates", &[])?
            .try_get(0)?;
        from_db(n)
    }

    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows = self.client()?.query(
            "SELECT serial FROM certificates ORDER BY length(serial), serial",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    fn put_registry(
        &mut self,
        records: &[RegistryRecord],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        let upsert = tx.prepare(&format!(
            "INSERT INTO registry ({REGISTRY_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
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
            let params: [&(dyn ToSql + Sync); 13] = [
                &r.person,
                &r.overseas_registration_number,
                &r.registration_status,
                &r.surname,
                &r.given_names,
                &r.name_hangul,
                &r.date_of_birth,
                &r.sex,
                &r.nationality,
                &r.document_number,
                &r.country_of_residence,
                &r.vid,
                &r.vid_random,
            ];
            tx.execute(&upsert, &params)?;
        }
        insert_audit(&mut tx, std::slice::from_ref(audit))?;
        Ok(tx.commit()?)
    }

    fn registry(&mut self, person: &str) -> Result<Option<RegistryRecord>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {REGISTRY_COLUMNS} FROM registry WHERE person = $1"),
            &[&person],
        )?;
        Ok(row.map(|row| registry_row(&row)).transpose()?)
    }

    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        tx.execute(
            "INSERT INTO blocked_keys (spki_sha256, reason, blocked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (spki_sha256) DO NOTHING",
            &[&spki_sha256.as_slice(), &reason, &to_db(audit.at.0)?],
        )?;
        insert_audit(&mut tx, std::slice::from_ref(audit))?;
        Ok(tx.commit()?)
    }

    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError> {
        let mut tx = self.client()?.transaction()?;
        let number: i64 = tx
            .query_one(
                "INSERT INTO crl_numbers (issuer, scope, last_number, issued_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (issuer, scope) DO UPDATE SET \
                 last_number = GREATEST(crl_numbers.last_number + 1, EXCLUDED.last_number), \
                 issued_at = EXCLUDED.issued_at RETURNING last_number",
                &[&issuer, &scope, &to_db(at_least.max(1))?, &to_db(audit.at.0)?],
            )?
            .try_get(0)?;
        insert_audit(&mut tx, std::slice::from_ref(audit))?;
        // Read while this transaction holds the number's row lock: a later number waits
        // for this commit, and each statement under READ COMMITTED sees every commit made
        // before it started, so the later CRL's read sees at least what this one saw.
        let revoked = revoked_in(&mut tx, issuer)?;
        tx.commit()?;
        Ok(CrlSnapshot {
            number: from_db(number)?,
            revoked,
        })
    }

    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self
            .client()?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM blocked_keys WHERE spki_sha256 = $1)",
                &[&spki_sha256.as_slice()],
            )?
            .try_get(0)?)
    }

    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let mut tx = self.client()?.transaction()?;
        insert_audit(&mut tx, records)?;
        Ok(tx.commit()?)
    }

    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE node = $1 ORDER BY seq DESC LIMIT 1"),
            &[&node],
        )?;
        row.map(|row| audit_row(&row)?.into_record()).transpose()
    }

    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = self.client()?.query(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY node, seq"),
            &[],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(audit_row(&row)?.into_record()?);
        }
        Ok(out)
    }

    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        let mut tx = self.client()?.transaction()?;
        tx.execute(
            "INSERT INTO pins (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &value],
        )?;
        let stored: String = tx
            .query_one("SELECT value FROM pins WHERE name = $1", &[&name])?
            .try_get(0)?;
        tx.commit()?;
        Ok(stored)
    }

    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        self.client()?.execute(
            "INSERT INTO pins (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            &[&name, &value],
        )?;
        Ok(())
    }

    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .client()?
            .query_opt("SELECT value FROM pins WHERE name = $1", &[&name])?;
        row.map(|row| row.try_get(0))
            .transpose()
            .map_err(Into::into)
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        migrations::version_postgres(self.client()?, &migrations::CA)
    }
}

/// The revoked certificates of `issuer`, ordered by serial, on `client` (the connection
/// or an open transaction).
fn revoked_in(
    client: &mut impl ::postgres::GenericClient,
    issuer: &str,
) -> Result<Vec<RevokedEntry>, StoreError> {
    let rows = client.query(
        "SELECT serial, revoked_at, revocation_reason FROM certificates \
         WHERE issuer = $1 AND revoked_at IS NOT NULL ORDER BY length(serial), serial",
        &[&issuer],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(RevokedEntry {
            serial: row.try_get(0)?,
            revoked_at: UnixTime(from_db(row.try_get(1)?)?),
            reason: reason_from_db(i64::from(row.try_get::<_, i16>(2)?))?,
        });
    }
    Ok(out)
}
