//! The store written once over [`Sql`]: its statements and what is done with their rows,
//! and [`Store`] for every [`Backend`]. A backend only opens its connection or write
//! transaction (SQLite `BEGIN IMMEDIATE`, PostgreSQL a plain transaction) and commits it.

use dongpo_pki::time::UnixTime;

use super::columns::{Sql, Value, Violation};
use super::rows::{
    AUDIT_COLUMNS, AuditRow, CERT_COLUMNS, CertRow, KeyRow, PLAINTEXT_REGISTRY_COLUMNS,
    REVOKED_COLUMNS, RevokedRow, SEALED_COLUMNS, SealedRow, check_link, from_db, predecessor_seq,
    to_db, version_from_db,
};
use super::{
    CaRevocation, CrlSnapshot, IssuedCert, RegistryRecord, Reservation, RevokedEntry,
    SealedRegistryRow, Store, StoreError, StoredCert, WrappedDataKey, check_reason, check_serial,
};
use crate::audit::AuditRecord;

/// The one row a statement always returns (an aggregate, `RETURNING`, a row just written).
fn one<T>(row: Option<T>) -> Result<T, StoreError> {
    row.ok_or_else(|| StoreError::Backend("a statement returned no row".into()))
}

/// A failed statement as the store reports it: a broken constraint as `on_violation` says.
fn failed<C: Sql>(
    error: C::Error,
    on_violation: impl FnOnce(Violation) -> Option<StoreError>,
) -> StoreError
where
    StoreError: From<C::Error>,
{
    C::violation(&error)
        .and_then(on_violation)
        .unwrap_or_else(|| error.into())
}

/// A table of tagged chains ([`AuditRecord`]s): the CA audit log, or the access records
/// of personal data (same shape, own key, own retention).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chain {
    /// `audit`.
    Audit,
    /// `access_records`.
    Access,
}

impl Chain {
    /// The table (a constant: it is spliced into SQL).
    fn table(self) -> &'static str {
        match self {
            Chain::Audit => "audit",
            Chain::Access => "access_records",
        }
    }
}

/// Inserts audit records, each continuing its node's stored chain. The primary key
/// (node, seq) makes a second writer of the same position fail.
pub(crate) fn insert_audit<C: Sql>(c: &mut C, records: &[AuditRecord]) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    insert_chain(c, Chain::Audit, records)
}

/// Inserts records into `chain`'s table, each continuing its node's stored chain.
pub(crate) fn insert_chain<C: Sql>(
    c: &mut C,
    chain: Chain,
    records: &[AuditRecord],
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    let table = chain.table();
    for r in records {
        let prev_seq = predecessor_seq(r)?;
        c.execute(
            &format!("INSERT INTO {table} ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                Value::Text(&r.node),
                Value::Int(to_db(r.seq)?),
                Value::Int(to_db(r.at.0)?),
                Value::Text(&r.kind),
                Value::Text(&r.body),
                Value::Bytes(&r.prev_tag),
                Value::Bytes(&r.tag),
            ],
        )
        .map_err(|e| {
            failed::<C>(e, |v| {
                (v == Violation::Unique).then(|| StoreError::AuditSeqTaken {
                    node: r.node.clone(),
                    seq: r.seq,
                })
            })
        })?;
        let stored = match prev_seq {
            None => None,
            Some(seq) => Some(c.query_opt::<Vec<u8>>(
                &format!("SELECT tag FROM {table} WHERE node = $1 AND seq = $2"),
                &[Value::Text(&r.node), Value::Int(to_db(seq)?)],
            )?),
        };
        check_link(r, stored)?;
    }
    Ok(())
}

/// [`super::Store::reserve`] in `c`'s transaction.
pub(crate) fn reserve<C: Sql>(c: &mut C, batch: &[Reservation]) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    for r in batch {
        check_serial(&r.serial)?;
        let at = Value::Int(to_db(r.at.0)?);
        let spki = Value::Bytes(&r.spki_sha256);
        let person = Value::Text(&r.person);
        c.execute(
            "INSERT INTO serials (serial, issuer, person, spki_sha256, reserved_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Bytes(&r.serial),
                Value::Text(&r.issuer),
                person,
                spki,
                at,
            ],
        )
        .map_err(|e| {
            failed::<C>(e, |v| {
                (v == Violation::Unique).then(|| StoreError::DuplicateSerial {
                    serial_hex: hex::encode(&r.serial),
                })
            })
        })?;
        // DO NOTHING waits for a concurrent inserter of the same key to finish; the
        // following SELECT then sees whoever won.
        c.execute(
            "INSERT INTO key_bindings (spki_sha256, person, bound_at) VALUES ($1, $2, $3) \
             ON CONFLICT (spki_sha256) DO NOTHING",
            &[spki, person, at],
        )?;
        let owner: String = one(c.query_opt(
            "SELECT person FROM key_bindings WHERE spki_sha256 = $1",
            &[spki],
        )?)?;
        if owner != r.person {
            return Err(StoreError::KeyBoundToOtherPerson);
        }
    }
    Ok(())
}

/// [`super::Store::commit_issued`] in `c`'s transaction.
pub(crate) fn commit_issued<C: Sql>(
    c: &mut C,
    batch: &[IssuedCert],
    audit: &[AuditRecord],
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    let insert = format!(
        "INSERT INTO certificates ({CERT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $12)"
    );
    for cert in batch {
        check_serial(&cert.serial)?;
        c.execute(
            &insert,
            &[
                Value::Bytes(&cert.serial),
                Value::Text(&cert.issuer),
                Value::Text(&cert.profile),
                Value::Text(&cert.person),
                Value::Bytes(&cert.spki_sha256),
                Value::Int(to_db(cert.not_before.0)?),
                Value::Int(to_db(cert.not_after.0)?),
                Value::Bytes(&cert.der),
                Value::Bytes(&cert.report_sha256),
                Value::Int(to_db(cert.issued_at.0)?),
                Value::OptBytes(cert.vid_random.as_ref().map(|v| v.ciphertext.as_slice())),
                Value::OptText(cert.vid_random.as_ref().map(|v| v.suite.name())),
            ],
        )
        .map_err(|e| {
            failed::<C>(e, |v| {
                let serial_hex = hex::encode(&cert.serial);
                Some(match v {
                    Violation::Unique => StoreError::DuplicateSerial { serial_hex },
                    Violation::ForeignKey => StoreError::NotReserved { serial_hex },
                })
            })
        })?;
    }
    insert_audit(c, audit)
}

/// [`super::Store::certificate`].
pub(crate) fn certificate<C: Sql>(
    c: &mut C,
    serial: &[u8],
) -> Result<Option<StoredCert>, StoreError>
where
    StoreError: From<C::Error>,
{
    c.query_opt::<CertRow>(
        &format!("SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1"),
        &[Value::Bytes(serial)],
    )?
    .map(CertRow::into_stored)
    .transpose()
}

/// [`super::Store::revoke`] in `c`'s transaction.
pub(crate) fn revoke<C: Sql>(
    c: &mut C,
    serial: &[u8],
    at: UnixTime,
    reason: u8,
    audit: &AuditRecord,
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    check_reason(reason)?;
    // A concurrent revoker of the same row waits here and then matches nothing.
    let changed = c.execute(
        "UPDATE certificates SET revoked_at = $2, revocation_reason = $3 \
         WHERE serial = $1 AND revoked_at IS NULL",
        &[
            Value::Bytes(serial),
            Value::Int(to_db(at.0)?),
            Value::Small(i16::from(reason)),
        ],
    )?;
    if changed == 0 {
        let exists: bool = one(c.query_opt(
            "SELECT EXISTS (SELECT 1 FROM certificates WHERE serial = $1)",
            &[Value::Bytes(serial)],
        )?)?;
        return Err(if exists {
            StoreError::AlreadyRevoked
        } else {
            StoreError::NotFound
        });
    }
    insert_audit(c, std::slice::from_ref(audit))
}

/// [`super::Store::holds_history`].
pub(crate) fn holds_history<C: Sql>(c: &mut C) -> Result<bool, StoreError>
where
    StoreError: From<C::Error>,
{
    one(c.query_opt(
        "SELECT EXISTS (SELECT 1 FROM audit) OR EXISTS (SELECT 1 FROM pins)",
        &[],
    )?)
}

/// The revoked certificates of `issuer`, ordered by serial (numeric value).
pub(crate) fn revoked<C: Sql>(c: &mut C, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError>
where
    StoreError: From<C::Error>,
{
    let mut rows = c.query::<RevokedRow>(
        &format!(
            "SELECT {REVOKED_COLUMNS} FROM certificates \
             WHERE issuer = $1 AND revoked_at IS NOT NULL ORDER BY length(serial), serial"
        ),
        &[Value::Text(issuer)],
    )?;
    // CA certificates this issuer (the root) revoked: the ARL lists them too.
    let cas = c.query::<RevokedRow>(
        &format!("SELECT {REVOKED_COLUMNS} FROM ca_revocations WHERE issuer = $1"),
        &[Value::Text(issuer)],
    )?;
    if !cas.is_empty() {
        rows.extend(cas);
        rows.sort_by(|a, b| (a.serial.len(), &a.serial).cmp(&(b.serial.len(), &b.serial)));
    }
    rows.into_iter().map(RevokedRow::into_entry).collect()
}

/// [`super::Store::revoke_ca`] in `c`'s transaction.
pub(crate) fn revoke_ca<C: Sql>(
    c: &mut C,
    revocation: &CaRevocation<'_>,
    audit: &AuditRecord,
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    check_serial(revocation.serial)?;
    check_reason(revocation.reason)?;
    let changed = c.execute(
        "INSERT INTO ca_revocations (serial, issuer, ca, revoked_at, revocation_reason) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (serial) DO NOTHING",
        &[
            Value::Bytes(revocation.serial),
            Value::Text(revocation.issuer),
            Value::Text(revocation.ca),
            Value::Int(to_db(revocation.at.0)?),
            Value::Small(i16::from(revocation.reason)),
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::AlreadyRevoked);
    }
    insert_audit(c, std::slice::from_ref(audit))
}

/// [`super::Store::certificate_count`].
pub(crate) fn certificate_count<C: Sql>(c: &mut C) -> Result<u64, StoreError>
where
    StoreError: From<C::Error>,
{
    from_db(one(c.query_opt("SELECT count(*) FROM certificates", &[])?)?)
}

/// [`super::Store::serials`].
pub(crate) fn serials<C: Sql>(c: &mut C) -> Result<Vec<Vec<u8>>, StoreError>
where
    StoreError: From<C::Error>,
{
    Ok(c.query(
        "SELECT serial FROM certificates ORDER BY length(serial), serial",
        &[],
    )?)
}

/// [`super::Store::put_registry`] in `c`'s transaction.
pub(crate) fn put_registry<C: Sql>(
    c: &mut C,
    rows: &[SealedRegistryRow],
    audit: &AuditRecord,
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    insert_sealed(c, rows, true)?;
    insert_audit(c, std::slice::from_ref(audit))
}

/// Inserts sealed rows; a person's existing row is replaced (`replace`) or kept.
fn insert_sealed<C: Sql>(
    c: &mut C,
    rows: &[SealedRegistryRow],
    replace: bool,
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    let conflict = if replace {
        "DO UPDATE SET key_version = excluded.key_version, nonce = excluded.nonce, \
         ciphertext = excluded.ciphertext"
    } else {
        "DO NOTHING"
    };
    let upsert = format!(
        "INSERT INTO registry_sealed ({SEALED_COLUMNS}) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person) {conflict}"
    );
    for r in rows {
        c.execute(
            &upsert,
            &[
                Value::Text(&r.person),
                Value::Int(i64::from(r.key_version)),
                Value::Bytes(&r.nonce),
                Value::Bytes(&r.ciphertext),
            ],
        )?;
    }
    Ok(())
}

/// [`super::Store::registry`].
pub(crate) fn registry<C: Sql>(
    c: &mut C,
    person: &str,
) -> Result<Option<SealedRegistryRow>, StoreError>
where
    StoreError: From<C::Error>,
{
    c.query_opt::<SealedRow>(
        &format!("SELECT {SEALED_COLUMNS} FROM registry_sealed WHERE person = $1"),
        &[Value::Text(person)],
    )?
    .map(SealedRow::into_row)
    .transpose()
}

/// [`super::Store::registry_keys`].
pub(crate) fn registry_keys<C: Sql>(c: &mut C) -> Result<Vec<WrappedDataKey>, StoreError>
where
    StoreError: From<C::Error>,
{
    c.query::<KeyRow>(
        "SELECT version, wrapped, created_at FROM registry_keys ORDER BY version",
        &[],
    )?
    .into_iter()
    .map(KeyRow::into_key)
    .collect()
}

/// [`super::Store::add_registry_key`] in `c`'s transaction.
pub(crate) fn add_registry_key<C: Sql>(
    c: &mut C,
    key: &WrappedDataKey,
    audit: &[AuditRecord],
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    c.execute(
        "INSERT INTO registry_keys (version, wrapped, created_at) VALUES ($1, $2, $3)",
        &[
            Value::Int(i64::from(key.version)),
            Value::Bytes(&key.wrapped),
            Value::Int(to_db(key.created_at.0)?),
        ],
    )
    .map_err(|e| {
        failed::<C>(e, |v| {
            (v == Violation::Unique).then_some(StoreError::KeyVersionTaken {
                version: key.version,
            })
        })
    })?;
    insert_audit(c, audit)
}

/// [`super::Store::registry_sealed_below`].
pub(crate) fn registry_sealed_below<C: Sql>(
    c: &mut C,
    version: u32,
    limit: u32,
) -> Result<Vec<SealedRegistryRow>, StoreError>
where
    StoreError: From<C::Error>,
{
    c.query::<SealedRow>(
        &format!(
            "SELECT {SEALED_COLUMNS} FROM registry_sealed WHERE key_version < $1 \
             ORDER BY person LIMIT $2"
        ),
        &[Value::Int(i64::from(version)), Value::Int(i64::from(limit))],
    )?
    .into_iter()
    .map(SealedRow::into_row)
    .collect()
}

/// [`super::Store::reseal_registry`] in `c`'s transaction.
pub(crate) fn reseal_registry<C: Sql>(
    c: &mut C,
    pairs: &[(SealedRegistryRow, SealedRegistryRow)],
) -> Result<u64, StoreError>
where
    StoreError: From<C::Error>,
{
    let mut replaced = 0;
    for (old, new) in pairs {
        if old.person != new.person {
            return Err(StoreError::Backend(
                "a re-sealed registry row must keep its person".into(),
            ));
        }
        replaced += c.execute(
            "UPDATE registry_sealed SET key_version = $1, nonce = $2, ciphertext = $3 \
             WHERE person = $4 AND nonce = $5",
            &[
                Value::Int(i64::from(new.key_version)),
                Value::Bytes(&new.nonce),
                Value::Bytes(&new.ciphertext),
                Value::Text(&new.person),
                Value::Bytes(&old.nonce),
            ],
        )?;
    }
    Ok(replaced)
}

/// [`super::Store::registry_versions`].
pub(crate) fn registry_versions<C: Sql>(c: &mut C) -> Result<Vec<(u32, u64)>, StoreError>
where
    StoreError: From<C::Error>,
{
    c.query::<(i64, i64)>(
        "SELECT key_version, count(*) FROM registry_sealed GROUP BY key_version \
         ORDER BY key_version",
        &[],
    )?
    .into_iter()
    .map(|(v, n)| Ok((version_from_db(v)?, from_db(n)?)))
    .collect()
}

/// [`super::Store::plaintext_registry`].
pub(crate) fn plaintext_registry<C: Sql>(
    c: &mut C,
) -> Result<Option<Vec<RegistryRecord>>, StoreError>
where
    StoreError: From<C::Error>,
{
    if !has_table(c, "registry")? {
        return Ok(None);
    }
    Ok(Some(c.query(
        &format!("SELECT {PLAINTEXT_REGISTRY_COLUMNS} FROM registry ORDER BY person"),
        &[],
    )?))
}

/// [`super::Store::retire_plaintext_registry`] in `c`'s transaction.
pub(crate) fn retire_plaintext_registry<C: Sql>(
    c: &mut C,
    rows: &[SealedRegistryRow],
    audit: &[AuditRecord],
) -> Result<bool, StoreError>
where
    StoreError: From<C::Error>,
{
    // The audit record goes in either way: the caller's chain has advanced.
    insert_audit(c, audit)?;
    if !has_table(c, "registry")? {
        return Ok(false);
    }
    // A sealed row of the person is newer than the plaintext one: it stays.
    insert_sealed(c, rows, false)?;
    // Deleted first: the rows' pages are freed before the table goes.
    c.execute("DELETE FROM registry", &[])?;
    c.execute("DROP TABLE registry", &[])?;
    Ok(true)
}

fn has_table<C: Sql>(c: &mut C, table: &str) -> Result<bool, StoreError>
where
    StoreError: From<C::Error>,
{
    one(c.query_opt::<bool>(C::TABLE_EXISTS, &[Value::Text(table)])?)
}

/// [`super::Store::delete_registry`] in `c`'s transaction.
pub(crate) fn delete_registry<C: Sql>(
    c: &mut C,
    person: &str,
    audit: &AuditRecord,
) -> Result<bool, StoreError>
where
    StoreError: From<C::Error>,
{
    let deleted = c.execute(
        "DELETE FROM registry_sealed WHERE person = $1",
        &[Value::Text(person)],
    )?;
    insert_audit(c, std::slice::from_ref(audit))?;
    Ok(deleted > 0)
}

/// [`super::Store::person_serials`].
pub(crate) fn person_serials<C: Sql>(c: &mut C, person: &str) -> Result<Vec<Vec<u8>>, StoreError>
where
    StoreError: From<C::Error>,
{
    Ok(c.query(
        "SELECT serial FROM certificates WHERE person = $1 ORDER BY length(serial), serial",
        &[Value::Text(person)],
    )?)
}

/// [`super::Store::block_key`] in `c`'s transaction.
pub(crate) fn block_key<C: Sql>(
    c: &mut C,
    spki_sha256: &[u8; 32],
    reason: &str,
    audit: &AuditRecord,
) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    c.execute(
        "INSERT INTO blocked_keys (spki_sha256, reason, blocked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (spki_sha256) DO NOTHING",
        &[
            Value::Bytes(spki_sha256),
            Value::Text(reason),
            Value::Int(to_db(audit.at.0)?),
        ],
    )?;
    insert_audit(c, std::slice::from_ref(audit))
}

/// [`super::Store::is_blocked`].
pub(crate) fn is_blocked<C: Sql>(c: &mut C, spki_sha256: &[u8; 32]) -> Result<bool, StoreError>
where
    StoreError: From<C::Error>,
{
    one(c.query_opt(
        "SELECT EXISTS (SELECT 1 FROM blocked_keys WHERE spki_sha256 = $1)",
        &[Value::Bytes(spki_sha256)],
    )?)
}

/// [`super::Store::crl_snapshot`] in `c`'s transaction, which must hold the number's row
/// until it commits (SQLite: the write lock taken up front; PostgreSQL: the row lock the
/// upsert takes), so a CRL with a higher number was read after this one.
pub(crate) fn crl_snapshot<C: Sql>(
    c: &mut C,
    issuer: &str,
    scope: &str,
    at_least: u64,
    audit: &AuditRecord,
) -> Result<CrlSnapshot, StoreError>
where
    StoreError: From<C::Error>,
{
    let number: i64 = one(c.query_opt(
        &format!(
            "INSERT INTO crl_numbers (issuer, scope, last_number, issued_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (issuer, scope) DO UPDATE SET \
             last_number = {}(crl_numbers.last_number + 1, excluded.last_number), \
             issued_at = excluded.issued_at RETURNING last_number",
            C::GREATEST
        ),
        &[
            Value::Text(issuer),
            Value::Text(scope),
            Value::Int(to_db(at_least.max(1))?),
            Value::Int(to_db(audit.at.0)?),
        ],
    )?)?;
    insert_audit(c, std::slice::from_ref(audit))?;
    // Read while this transaction holds the number: each statement (PostgreSQL READ
    // COMMITTED) sees every commit made before it started, so a later number's read sees
    // at least what this one saw.
    let revoked = revoked(c, issuer)?;
    Ok(CrlSnapshot {
        number: from_db(number)?,
        revoked,
    })
}

/// [`super::Store::audit_tail`] and [`super::Store::access_tail`].
pub(crate) fn chain_tail<C: Sql>(
    c: &mut C,
    chain: Chain,
    node: &str,
) -> Result<Option<AuditRecord>, StoreError>
where
    StoreError: From<C::Error>,
{
    let table = chain.table();
    c.query_opt::<AuditRow>(
        &format!("SELECT {AUDIT_COLUMNS} FROM {table} WHERE node = $1 ORDER BY seq DESC LIMIT 1"),
        &[Value::Text(node)],
    )?
    .map(AuditRow::into_record)
    .transpose()
}

/// [`super::Store::audit_records`] and [`super::Store::access_records`].
pub(crate) fn chain_records<C: Sql>(c: &mut C, chain: Chain) -> Result<Vec<AuditRecord>, StoreError>
where
    StoreError: From<C::Error>,
{
    let table = chain.table();
    c.query::<AuditRow>(
        &format!("SELECT {AUDIT_COLUMNS} FROM {table} ORDER BY node, seq"),
        &[],
    )?
    .into_iter()
    .map(AuditRow::into_record)
    .collect()
}

/// [`super::Store::purge_access`] in `c`'s transaction: the checkpoint first (it links to
/// the stored tail), then the node's records before `keep_from`.
pub(crate) fn purge_access<C: Sql>(
    c: &mut C,
    keep_from: u64,
    checkpoint: &AuditRecord,
) -> Result<u64, StoreError>
where
    StoreError: From<C::Error>,
{
    insert_chain(c, Chain::Access, std::slice::from_ref(checkpoint))?;
    let removed = c.execute(
        "DELETE FROM access_records WHERE node = $1 AND seq < $2",
        &[Value::Text(&checkpoint.node), Value::Int(to_db(keep_from)?)],
    )?;
    Ok(removed)
}

/// [`super::Store::pin`] in `c`'s transaction.
pub(crate) fn pin<C: Sql>(c: &mut C, name: &str, value: &str) -> Result<String, StoreError>
where
    StoreError: From<C::Error>,
{
    c.execute(
        "INSERT INTO pins (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[Value::Text(name), Value::Text(value)],
    )?;
    one(pinned(c, name)?)
}

/// [`super::Store::replace_pin`].
pub(crate) fn replace_pin<C: Sql>(c: &mut C, name: &str, value: &str) -> Result<(), StoreError>
where
    StoreError: From<C::Error>,
{
    c.execute(
        "INSERT INTO pins (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[Value::Text(name), Value::Text(value)],
    )?;
    Ok(())
}

/// [`super::Store::pinned`].
pub(crate) fn pinned<C: Sql>(c: &mut C, name: &str) -> Result<Option<String>, StoreError>
where
    StoreError: From<C::Error>,
{
    Ok(c.query_opt(
        "SELECT value FROM pins WHERE name = $1",
        &[Value::Text(name)],
    )?)
}

/// What differs between the backends: how a read reaches the database, how a write's
/// transaction is opened and committed, and the probes. [`Store`] is implemented once over
/// it. Public only so the backends' types can name it; the module is private.
pub trait Backend: Send {
    /// The driver's error.
    type Error;
    /// Statements outside a transaction.
    type Read<'a>: Sql<Error = Self::Error>
    where
        Self: 'a;
    /// Statements in a write transaction.
    type Write<'a>: Sql<Error = Self::Error>;

    /// The connection for a read.
    ///
    /// # Errors
    /// [`StoreError::Backend`] when it cannot be (re)opened.
    fn read(&mut self) -> Result<Self::Read<'_>, StoreError>;

    /// Runs `f` in one write transaction, committed when `f` succeeds.
    ///
    /// # Errors
    /// `f`'s, or the database's.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Self::Write<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;

    /// [`Store::ping`].
    ///
    /// # Errors
    /// As there.
    fn ping(&mut self) -> Result<(), StoreError>;

    /// [`Store::ping_write`].
    ///
    /// # Errors
    /// As there.
    fn ping_write(&mut self) -> Result<(), StoreError>;

    /// [`Store::schema_version`].
    ///
    /// # Errors
    /// As there.
    fn schema_version(&mut self) -> Result<u32, StoreError>;

    /// After rows were deleted: whatever keeps copies of them in the backend's files is
    /// cleared (SQLite's write-ahead log); nothing by default.
    ///
    /// # Errors
    /// When the copies could not be cleared.
    fn after_delete(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

impl<B: Backend> Store for B
where
    StoreError: From<B::Error>,
{
    fn ping(&mut self) -> Result<(), StoreError> {
        Backend::ping(self)
    }

    fn ping_write(&mut self) -> Result<(), StoreError> {
        Backend::ping_write(self)
    }

    fn holds_history(&mut self) -> Result<bool, StoreError> {
        holds_history(&mut self.read()?)
    }

    fn reserve(&mut self, batch: &[Reservation]) -> Result<(), StoreError> {
        self.write(|tx| reserve(tx, batch))
    }

    fn commit_issued(
        &mut self,
        batch: &[IssuedCert],
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        self.write(|tx| commit_issued(tx, batch, audit))
    }

    fn certificate(&mut self, serial: &[u8]) -> Result<Option<StoredCert>, StoreError> {
        certificate(&mut self.read()?, serial)
    }

    fn revoke(
        &mut self,
        serial: &[u8],
        at: UnixTime,
        reason: u8,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        self.write(|tx| revoke(tx, serial, at, reason, audit))
    }

    fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        revoked(&mut self.read()?, issuer)
    }

    fn certificate_count(&mut self) -> Result<u64, StoreError> {
        certificate_count(&mut self.read()?)
    }

    fn serials(&mut self) -> Result<Vec<Vec<u8>>, StoreError> {
        serials(&mut self.read()?)
    }

    fn put_registry(
        &mut self,
        rows: &[SealedRegistryRow],
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        self.write(|tx| put_registry(tx, rows, audit))
    }

    fn registry(&mut self, person: &str) -> Result<Option<SealedRegistryRow>, StoreError> {
        registry(&mut self.read()?, person)
    }

    fn registry_keys(&mut self) -> Result<Vec<WrappedDataKey>, StoreError> {
        registry_keys(&mut self.read()?)
    }

    fn add_registry_key(
        &mut self,
        key: &WrappedDataKey,
        audit: &[AuditRecord],
    ) -> Result<(), StoreError> {
        self.write(|tx| add_registry_key(tx, key, audit))
    }

    fn registry_sealed_below(
        &mut self,
        version: u32,
        limit: u32,
    ) -> Result<Vec<SealedRegistryRow>, StoreError> {
        registry_sealed_below(&mut self.read()?, version, limit)
    }

    fn reseal_registry(
        &mut self,
        pairs: &[(SealedRegistryRow, SealedRegistryRow)],
    ) -> Result<u64, StoreError> {
        self.write(|tx| reseal_registry(tx, pairs))
    }

    fn registry_versions(&mut self) -> Result<Vec<(u32, u64)>, StoreError> {
        registry_versions(&mut self.read()?)
    }

    fn plaintext_registry(&mut self) -> Result<Option<Vec<RegistryRecord>>, StoreError> {
        plaintext_registry(&mut self.read()?)
    }

    fn retire_plaintext_registry(
        &mut self,
        rows: &[SealedRegistryRow],
        audit: &[AuditRecord],
    ) -> Result<bool, StoreError> {
        let retired = self.write(|tx| retire_plaintext_registry(tx, rows, audit))?;
        Backend::after_delete(self)?;
        Ok(retired)
    }

    fn delete_registry(&mut self, person: &str, audit: &AuditRecord) -> Result<bool, StoreError> {
        let deleted = self.write(|tx| delete_registry(tx, person, audit))?;
        Backend::after_delete(self)?;
        Ok(deleted)
    }

    fn person_serials(&mut self, person: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        person_serials(&mut self.read()?, person)
    }

    fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        self.write(|tx| block_key(tx, spki_sha256, reason, audit))
    }

    fn is_blocked(&mut self, spki_sha256: &[u8; 32]) -> Result<bool, StoreError> {
        is_blocked(&mut self.read()?, spki_sha256)
    }

    fn revoke_ca(
        &mut self,
        revocation: &CaRevocation<'_>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        self.write(|tx| revoke_ca(tx, revocation, audit))
    }

    fn crl_snapshot(
        &mut self,
        issuer: &str,
        scope: &str,
        at_least: u64,
        audit: &AuditRecord,
    ) -> Result<CrlSnapshot, StoreError> {
        self.write(|tx| crl_snapshot(tx, issuer, scope, at_least, audit))
    }

    fn append_audit(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        self.write(|tx| insert_audit(tx, records))
    }

    fn audit_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        chain_tail(&mut self.read()?, Chain::Audit, node)
    }

    fn audit_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        chain_records(&mut self.read()?, Chain::Audit)
    }

    fn append_access(&mut self, records: &[AuditRecord]) -> Result<(), StoreError> {
        self.write(|tx| insert_chain(tx, Chain::Access, records))
    }

    fn access_tail(&mut self, node: &str) -> Result<Option<AuditRecord>, StoreError> {
        chain_tail(&mut self.read()?, Chain::Access, node)
    }

    fn access_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        chain_records(&mut self.read()?, Chain::Access)
    }

    fn purge_access(
        &mut self,
        keep_from: u64,
        checkpoint: &AuditRecord,
    ) -> Result<u64, StoreError> {
        self.write(|tx| purge_access(tx, keep_from, checkpoint))
    }

    fn pin(&mut self, name: &str, value: &str) -> Result<String, StoreError> {
        self.write(|tx| pin(tx, name, value))
    }

    fn replace_pin(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| replace_pin(tx, name, value))
    }

    fn pinned(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        pinned(&mut self.read()?, name)
    }

    fn schema_version(&mut self) -> Result<u32, StoreError> {
        Backend::schema_version(self)
    }
}
