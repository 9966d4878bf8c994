//! Schema migrations: one mechanism for every table in the database, its tables grouped by
//! role. A role (the CA store, the server's own state) has a [`MigrationSet`]: an ordered
//! list of migrations, the table recording which of them were applied, and the PostgreSQL
//! advisory lock its nodes take while migrating. [`apply_sqlite`] and [`apply_postgres`]
//! bring a role up to date in one transaction when its database opens.
//!
//! Each role records its versions in a table of its own (the CA in `schema_migrations`,
//! the server in `server_schema_migrations`), so roles sharing one PostgreSQL database
//! migrate independently, and a role moved to a database of its own takes its bookkeeping
//! with its tables.
//!
//! Released migrations are never edited: a change is a new entry. A database whose
//! schema is newer than a set knows is refused rather than written with assumptions that
//! may no longer hold.

use ::postgres::Client;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::StoreError;

/// One schema step, in both dialects.
#[derive(Debug)]
pub struct Migration {
    /// Version reached after this step (1, 2, ...).
    pub version: u32,
    /// What the step does.
    pub description: &'static str,
    /// SQLite statements.
    pub sqlite: &'static str,
    /// PostgreSQL statements.
    pub postgres: &'static str,
}

/// A column a role's tables gained in place before the role had versioned migrations.
#[derive(Debug)]
pub struct AddedColumn {
    /// Its table.
    pub table: &'static str,
    /// Its name.
    pub column: &'static str,
    /// Its SQLite type.
    pub sqlite: &'static str,
    /// Its PostgreSQL type.
    pub postgres: &'static str,
}

/// How a database made before a role had versioned migrations (tables created if missing,
/// columns added in place) is taken over: when no version of the role is recorded but one
/// of `tables` exists, migrations `1..=version` are applied over what exists (they must be
/// idempotent: `CREATE ... IF NOT EXISTS`), the columns in `added_columns` that are missing
/// are added, and the versions are recorded. Rows stay as they are.
#[derive(Debug)]
pub struct Adoption {
    /// The version the old schema corresponds to once its missing columns are added.
    pub version: u32,
    /// Tables whose presence shows a database made by the old code.
    pub tables: &'static [&'static str],
    /// Columns the old code added to existing tables, in the order it added them.
    pub added_columns: &'static [AddedColumn],
}

/// A role's schema: its migrations, where they are recorded, and how its nodes serialise.
#[derive(Debug)]
pub struct MigrationSet {
    /// The role, for messages ("CA store", "server state").
    pub role: &'static str,
    /// The table recording the applied versions: `(version, description, applied_at)`.
    /// A plain identifier (it is spliced into SQL).
    pub table: &'static str,
    /// The transaction-scoped PostgreSQL advisory lock taken while migrating.
    pub lock: i64,
    /// The migrations, versions consecutive from 1.
    pub migrations: &'static [Migration],
    /// How a database from before this role's migrations is taken over, if one can exist.
    pub adoption: Option<Adoption>,
}

/// The CA store: serials, certificates, key bindings, registry, blocked keys, audit, CRL
/// numbers, pins. Its lock is "dongpoca" in ASCII.
pub const CA: MigrationSet = MigrationSet {
    role: "CA store",
    table: "schema_migrations",
    lock: 0x646f_6e67_706f_6361,
    migrations: MIGRATIONS,
    adoption: None,
};

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "serials, certificates, key bindings, registry, blocked keys, audit",
        sqlite: V1_SQLITE,
        postgres: V1_POSTGRES,
    },
    Migration {
        version: 2,
        description: "CRL numbers per issuer and scope",
        sqlite: V2_SQLITE,
        postgres: V2_POSTGRES,
    },
    Migration {
        version: 3,
        description: "pinned CA identity (root, keys) shared by every node",
        sqlite: V3_SQLITE,
        postgres: V3_POSTGRES,
    },
    Migration {
        version: 4,
        description: "no VID random per person; the VID random sealed per certificate",
        sqlite: V4_SQLITE,
        postgres: V4_POSTGRES,
    },
    Migration {
        version: 5,
        description: "registry sealed per row (AES-256-GCM) and its wrapped data keys",
        sqlite: V5_SQLITE,
        postgres: V5_POSTGRES,
    },
    Migration {
        version: 6,
        description: "access records of personal data (own chain, own key)",
        sqlite: V6_SQLITE,
        postgres: V6_POSTGRES,
    },
    Migration {
        version: 7,
        description: "issuing CA certificates revoked by the root (the ARL)",
        sqlite: V7_SQLITE,
        postgres: V7_POSTGRES,
    },
];

/// Declares a schema step's statements in both dialects from one text, so a table is
/// written once: the string pieces are common to both, and the words between them are
/// spelled per dialect. `BLOB` (BLOB / BYTEA), `INT` (INTEGER / BIGINT), `SMALL` (INTEGER /
/// SMALLINT), `BOOL` (INTEGER / BOOLEAN), `BLOB_KEY` (a byte-string primary key), `TEXT_KEY`
/// (a text primary key, C collation on PostgreSQL so ordering matches SQLite's byte order),
/// `C_TEXT` (text in the C collation on PostgreSQL), `END` (closes a table, `STRICT` on
/// SQLite).
///
/// ```
/// dongpo_ca::migration_dialects! { V1_SQLITE, V1_POSTGRES:
///     "CREATE TABLE t (id " BLOB_KEY ", n " INT " NOT NULL" END
/// }
/// assert_eq!(V1_SQLITE, "CREATE TABLE t (id BLOB NOT NULL PRIMARY KEY, n INTEGER NOT NULL) STRICT;");
/// assert_eq!(V1_POSTGRES, "CREATE TABLE t (id BYTEA PRIMARY KEY, n BIGINT NOT NULL);");
/// ```
#[macro_export]
macro_rules! migration_dialects {
    ($sqlite:ident, $postgres:ident: $($piece:tt)*) => {
        const $sqlite: &str = concat!($($crate::migration_dialects!(@sqlite $piece)),*);
        const $postgres: &str = concat!($($crate::migration_dialects!(@postgres $piece)),*);
    };
    (@sqlite BLOB) => { "BLOB" };
    (@postgres BLOB) => { "BYTEA" };
    (@sqlite INT) => { "INTEGER" };
    (@postgres INT) => { "BIGINT" };
    (@sqlite SMALL) => { "INTEGER" };
    (@postgres SMALL) => { "SMALLINT" };
    (@sqlite BOOL) => { "INTEGER" };
    (@postgres BOOL) => { "BOOLEAN" };
    (@sqlite BLOB_KEY) => { "BLOB NOT NULL PRIMARY KEY" };
    (@postgres BLOB_KEY) => { "BYTEA PRIMARY KEY" };
    (@sqlite TEXT_KEY) => { "TEXT NOT NULL PRIMARY KEY" };
    (@postgres TEXT_KEY) => { "TEXT COLLATE \"C\" PRIMARY KEY" };
    (@sqlite C_TEXT) => { "TEXT" };
    (@postgres C_TEXT) => { "TEXT COLLATE \"C\"" };
    (@sqlite END) => { ") STRICT;" };
    (@postgres END) => { ");" };
    (@$dialect:ident $text:literal) => { $text };
}

// A registry row holding a person's VID with its random R gives back their RRN (the birth
// date and sex fix seven digits, a million hashes find the rest), so both columns go, their
// data with them. SQLite's DROP COLUMN rewrites every row, but copies of old rows stay in the
// file's unused space (pages split before, free space within pages): the SQLite store runs
// VACUUM and truncates the WAL after this step (`sqlite::SqliteStore::open`). PostgreSQL keeps
// a dropped column's bytes in the rows until they are rewritten: the UPDATE writes every live
// row again without them (the dead versions go at the next VACUUM; docs/operators.md asks for
// `VACUUM FULL registry` after the upgrade). R now exists only per certificate, sealed to the
// certified key.
const V4_SQLITE: &str = "
ALTER TABLE registry DROP COLUMN vid;
ALTER TABLE registry DROP COLUMN vid_random;
ALTER TABLE certificates ADD COLUMN vid_random_encrypted BLOB;
ALTER TABLE certificates ADD COLUMN vid_random_encryption TEXT;
";
const V4_POSTGRES: &str = "
ALTER TABLE registry DROP COLUMN vid, DROP COLUMN vid_random;
UPDATE registry SET person = person;
ALTER TABLE certificates ADD COLUMN vid_random_encrypted BYTEA,
    ADD COLUMN vid_random_encryption TEXT;
";

// What every node sharing the store must hold identically: the first node to open the store
// pins the root certificate's and each key's fingerprint; a node holding other material is
// refused instead of writing a second CA into the store.
migration_dialects! { V3_SQLITE, V3_POSTGRES: "
CREATE TABLE pins (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
" END "
" }

// The registry sealed per row: `ciphertext` is AES-256-GCM under data key `key_version`
// (12-octet random nonce, the person and key version as associated data), so the row holds no
// personal data in the clear and cannot be moved to another person. The data keys are kept
// here wrapped under the keyring's sealing key, which never enters the database: every node
// sharing the store sees a rotation at once. The plaintext `registry` table of earlier
// versions stays until the CA opens with its keyring, re-seals its rows and drops it
// (`registry_seal::retire_plaintext`): a migration runs without keys.
migration_dialects! { V5_SQLITE, V5_POSTGRES: "
CREATE TABLE registry_keys (
    version " INT " NOT NULL PRIMARY KEY CHECK (version >= 1),
    wrapped " BLOB " NOT NULL,
    created_at " INT " NOT NULL
" END "
CREATE TABLE registry_sealed (
    person " TEXT_KEY ",
    key_version " INT " NOT NULL REFERENCES registry_keys (version),
    nonce " BLOB " NOT NULL CHECK (length(nonce) = 12),
    ciphertext " BLOB " NOT NULL CHECK (length(ciphertext) > 16)
" END "
CREATE INDEX registry_sealed_version ON registry_sealed (key_version);
" }

// The access records (`crate::access`): the audit table's shape, a chain per node under a
// key of their own, kept apart from the CA audit so their retention can differ. `at` is
// indexed for the retention purge and the auditor's export by period.
migration_dialects! { V6_SQLITE, V6_POSTGRES: "
CREATE TABLE access_records (
    node " C_TEXT " NOT NULL,
    seq " INT " NOT NULL CHECK (seq >= 1),
    at " INT " NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_tag " BLOB " NOT NULL CHECK (length(prev_tag) = 32),
    tag " BLOB " NOT NULL CHECK (length(tag) = 32),
    PRIMARY KEY (node, seq)
" END "
CREATE INDEX access_records_at ON access_records (at);
" }

// Issuing CA certificates the root revoked: `issuer` is the revoking CA (`root`), whose
// CRL (the ARL) lists them beside any row of `certificates` it issued; `ca` names the
// issuing CA revoked.
migration_dialects! { V7_SQLITE, V7_POSTGRES: "
CREATE TABLE ca_revocations (
    serial " BLOB_KEY " CHECK (length(serial) BETWEEN 1 AND 20),
    issuer TEXT NOT NULL,
    ca TEXT NOT NULL,
    revoked_at " INT " NOT NULL,
    revocation_reason " SMALL " NOT NULL
" END "
" }

// The last CRL number issued per (issuer, scope); the store raises it atomically so numbers
// only grow across restarts and nodes.
migration_dialects! { V2_SQLITE, V2_POSTGRES: "
CREATE TABLE crl_numbers (
    issuer TEXT NOT NULL,
    scope TEXT NOT NULL,
    last_number " INT " NOT NULL CHECK (last_number > 0),
    issued_at " INT " NOT NULL,
    PRIMARY KEY (issuer, scope)
" END "
" }

// Certificates reference their reservation by (serial, issuer, person, key): the database
// itself refuses a certificate that was not reserved exactly as issued. Text keys use the C
// collation on PostgreSQL so ordering matches SQLite's byte order on every server.
migration_dialects! { V1_SQLITE, V1_POSTGRES: "
CREATE TABLE serials (
    serial " BLOB_KEY " CHECK (length(serial) BETWEEN 1 AND 20),
    issuer TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 " BLOB " NOT NULL CHECK (length(spki_sha256) = 32),
    reserved_at " INT " NOT NULL,
    UNIQUE (serial, issuer, person, spki_sha256)
" END "
CREATE TABLE certificates (
    serial " BLOB_KEY ",
    issuer TEXT NOT NULL,
    profile TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 " BLOB " NOT NULL,
    not_before " INT " NOT NULL,
    not_after " INT " NOT NULL,
    der " BLOB " NOT NULL,
    report_sha256 " BLOB " NOT NULL CHECK (length(report_sha256) = 32),
    issued_at " INT " NOT NULL,
    revoked_at " INT ",
    revocation_reason " SMALL ",
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL)),
    FOREIGN KEY (serial, issuer, person, spki_sha256)
        REFERENCES serials (serial, issuer, person, spki_sha256)
" END "
CREATE INDEX certificates_revoked ON certificates (issuer) WHERE revoked_at IS NOT NULL;
CREATE TABLE key_bindings (
    spki_sha256 " BLOB_KEY " CHECK (length(spki_sha256) = 32),
    person TEXT NOT NULL,
    bound_at " INT " NOT NULL
" END "
CREATE TABLE registry (
    person " TEXT_KEY ",
    overseas_registration_number TEXT NOT NULL,
    registration_status TEXT NOT NULL,
    surname TEXT NOT NULL,
    given_names TEXT NOT NULL,
    name_hangul TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    nationality TEXT NOT NULL,
    document_number TEXT NOT NULL,
    country_of_residence TEXT NOT NULL,
    vid " BLOB ",
    vid_random " BLOB "
" END "
CREATE TABLE blocked_keys (
    spki_sha256 " BLOB_KEY " CHECK (length(spki_sha256) = 32),
    reason TEXT NOT NULL,
    blocked_at " INT " NOT NULL
" END "
CREATE TABLE audit (
    node " C_TEXT " NOT NULL,
    seq " INT " NOT NULL CHECK (seq >= 1),
    at " INT " NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_tag " BLOB " NOT NULL CHECK (length(prev_tag) = 32),
    tag " BLOB " NOT NULL CHECK (length(tag) = 32),
    PRIMARY KEY (node, seq)
" END "
" }

/// The CA schema version this code writes.
#[must_use]
pub fn latest_version() -> u32 {
    CA.latest_version()
}

/// The CA migrations still to apply, given the (version, description) rows already applied.
///
/// # Errors
/// As [`MigrationSet::pending`].
pub fn pending(applied: &[(u32, String)]) -> Result<Vec<&'static Migration>, StoreError> {
    CA.pending(applied)
}

impl MigrationSet {
    /// The schema version this code writes for the role.
    #[must_use]
    pub fn latest_version(&self) -> u32 {
        self.migrations.last().map_or(0, |m| m.version)
    }

    /// The migrations still to apply, given the (version, description) rows already applied.
    ///
    /// # Errors
    /// [`StoreError::Migration`] when the database is newer than this code, or an applied
    /// version is unknown or was applied under a different description (a diverged schema).
    pub fn pending(
        &self,
        applied: &[(u32, String)],
    ) -> Result<Vec<&'static Migration>, StoreError> {
        let latest = self.latest_version();
        for (version, description) in applied {
            if *version > latest {
                return Err(StoreError::Migration(format!(
                    "the {} schema is at version {version}, newer than this build \
                     supports ({latest}); upgrade dongpo before opening it",
                    self.role
                )));
            }
            match self.migrations.iter().find(|m| m.version == *version) {
                Some(m) if m.description == description => {}
                _ => {
                    return Err(StoreError::Migration(format!(
                        "applied {} schema version {version} ({description:?}) does not \
                         match this build's migration of that version",
                        self.role
                    )));
                }
            }
        }
        Ok(self
            .migrations
            .iter()
            .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
            .collect())
    }

    /// The migrations an adopted database is brought to (`1..=adoption.version`).
    fn adopted(&self, adoption: &Adoption) -> Vec<&'static Migration> {
        self.migrations
            .iter()
            .filter(|m| m.version <= adoption.version)
            .collect()
    }

    fn failed(&self, backend: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError::Migration(format!("{} ({backend}): {e}", self.role))
    }
}

/// Brings `set`'s tables in the SQLite database of `conn` up to date, in one `IMMEDIATE`
/// transaction (two processes opening a new file together apply migrations once).
///
/// # Errors
/// [`StoreError::Migration`] when a statement fails, or the recorded schema is newer than
/// `set` or diverged from it.
pub fn apply_sqlite(conn: &mut Connection, set: &MigrationSet) -> Result<(), StoreError> {
    let failed = |e: rusqlite::Error| set.failed("sqlite", e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {} (
            version INTEGER NOT NULL PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT;",
        set.table
    ))
    .map_err(failed)?;
    let applied = {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT version, description FROM {} ORDER BY version",
                set.table
            ))
            .map_err(failed)?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, u32>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(failed)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(failed)?
    };
    let mut todo = set.pending(&applied)?;
    if let (true, Some(adoption)) = (applied.is_empty(), &set.adoption) {
        let mut old = false;
        for table in adoption.tables {
            old |= sqlite_has_table(&tx, table).map_err(failed)?;
        }
        if old {
            for m in set.adopted(adoption) {
                tx.execute_batch(m.sqlite).map_err(failed)?;
            }
            for c in adoption.added_columns {
                let present: bool = tx
                    .query_row(
                        "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
                        params![c.table, c.column],
                        |r| r.get(0),
                    )
                    .map_err(failed)?;
                if !present {
                    tx.execute_batch(&format!(
                        "ALTER TABLE {} ADD COLUMN {} {}",
                        c.table, c.column, c.sqlite
                    ))
                    .map_err(failed)?;
                }
            }
            for m in set.adopted(adoption) {
                sqlite_record(&tx, set, m).map_err(failed)?;
            }
            todo.retain(|m| m.version > adoption.version);
        }
    }
    for m in todo {
        tx.execute_batch(m.sqlite).map_err(failed)?;
        sqlite_record(&tx, set, m).map_err(failed)?;
    }
    tx.commit().map_err(failed)
}

fn sqlite_has_table(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            params![table],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

fn sqlite_record(conn: &Connection, set: &MigrationSet, m: &Migration) -> rusqlite::Result<()> {
    // The database's clock, not ours: applied_at is bookkeeping, not CA time.
    conn.execute(
        &format!(
            "INSERT INTO {} (version, description, applied_at) \
             VALUES (?1, ?2, CAST(strftime('%s', 'now') AS INTEGER))",
            set.table
        ),
        params![m.version, m.description],
    )?;
    Ok(())
}

/// Brings `set`'s tables in the PostgreSQL database of `client` up to date, in one
/// transaction under `set.lock` (nodes starting together apply migrations once). With
/// `schema`, the schema is created if missing and the session's `search_path` set to it
/// first (`SET`, not `SET LOCAL`: the session stays there); it must be a plain identifier.
///
/// # Errors
/// [`StoreError::Migration`] when a statement fails, or the recorded schema is newer than
/// `set` or diverged from it.
pub fn apply_postgres(
    client: &mut Client,
    set: &MigrationSet,
    schema: Option<&str>,
) -> Result<(), StoreError> {
    let failed = |e: ::postgres::Error| set.failed("postgres", super::postgres::describe(&e));
    let mut tx = client.transaction().map_err(failed)?;
    tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({})", set.lock))
        .map_err(failed)?;
    if let Some(schema) = schema {
        if !super::postgres::valid_schema(schema) {
            return Err(set.failed(
                "postgres",
                format!("schema name {schema:?} is not a lowercase identifier"),
            ));
        }
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET search_path TO \"{schema}\""
        ))
        .map_err(failed)?;
    }
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        );",
        set.table
    ))
    .map_err(failed)?;
    let mut applied = Vec::new();
    for row in tx
        .query(
            &format!(
                "SELECT version, description FROM {} ORDER BY version",
                set.table
            ),
            &[],
        )
        .map_err(failed)?
    {
        let version: i32 = row.try_get(0).map_err(failed)?;
        let version = u32::try_from(version)
            .map_err(|_| set.failed("postgres", format!("negative schema version {version}")))?;
        applied.push((version, row.try_get::<_, String>(1).map_err(failed)?));
    }
    let mut todo = set.pending(&applied)?;
    if let (true, Some(adoption)) = (applied.is_empty(), &set.adoption) {
        let mut old = false;
        for table in adoption.tables {
            // to_regclass follows search_path, as the statements do.
            let row = tx
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[table])
                .map_err(failed)?;
            old |= row.try_get::<_, bool>(0).map_err(failed)?;
        }
        if old {
            for m in set.adopted(adoption) {
                tx.batch_execute(m.postgres).map_err(failed)?;
            }
            for c in adoption.added_columns {
                tx.batch_execute(&format!(
                    "ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}",
                    c.table, c.column, c.postgres
                ))
                .map_err(failed)?;
            }
            for m in set.adopted(adoption) {
                postgres_record(&mut tx, set, m)?;
            }
            todo.retain(|m| m.version > adoption.version);
        }
    }
    for m in todo {
        tx.batch_execute(m.postgres).map_err(failed)?;
        postgres_record(&mut tx, set, m)?;
    }
    tx.commit().map_err(failed)
}

fn postgres_record(
    tx: &mut ::postgres::Transaction<'_>,
    set: &MigrationSet,
    m: &Migration,
) -> Result<(), StoreError> {
    let version = i32::try_from(m.version)
        .map_err(|_| set.failed("postgres", format!("version {} too large", m.version)))?;
    // The database's clock, not ours: applied_at is bookkeeping, not CA time.
    tx.execute(
        &format!(
            "INSERT INTO {} (version, description, applied_at) \
             VALUES ($1, $2, extract(epoch FROM now())::bigint)",
            set.table
        ),
        &[&version, &m.description],
    )
    .map_err(|e| set.failed("postgres", super::postgres::describe(&e)))?;
    Ok(())
}

/// The highest version of `set` recorded in the SQLite database (0: none).
///
/// # Errors
/// [`StoreError::Backend`] when it cannot be read.
pub fn version_sqlite(conn: &Connection, set: &MigrationSet) -> Result<u32, StoreError> {
    let v: Option<u32> = conn.query_row(
        &format!("SELECT max(version) FROM {}", set.table),
        [],
        |row| row.get(0),
    )?;
    Ok(v.unwrap_or(0))
}

/// The highest version of `set` recorded in the PostgreSQL database (0: none).
///
/// # Errors
/// [`StoreError::Backend`] when it cannot be read.
pub fn version_postgres(client: &mut Client, set: &MigrationSet) -> Result<u32, StoreError> {
    let v: Option<i32> = client
        .query_one(&format!("SELECT max(version) FROM {}", set.table), &[])?
        .try_get(0)?;
    let v = v.unwrap_or(0);
    u32::try_from(v).map_err(|_| StoreError::Backend(format!("negative schema version {v}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one() {
        // Version 4 is another change's (it lands in parallel); once both are in, versions
        // are consecutive again.
        assert_eq!(MIGRATIONS.first().map(|m| m.version), Some(1));
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        assert_eq!(Some(latest_version()), MIGRATIONS.last().map(|m| m.version));
    }

    #[test]
    fn pending_from_scratch_and_when_current() {
        assert_eq!(pending(&[]).unwrap().len(), MIGRATIONS.len());
        let all: Vec<_> = MIGRATIONS
            .iter()
            .map(|m| (m.version, m.description.to_owned()))
            .collect();
        assert!(pending(&all).unwrap().is_empty());
    }

    #[test]
    fn newer_or_diverged_schema_is_refused() {
        let newer = vec![(latest_version() + 1, "future".to_owned())];
        let err = pending(&newer).unwrap_err().to_string();
        assert!(err.contains("newer than this build"), "{err}");
        let diverged = vec![(1, "something else".to_owned())];
        assert!(matches!(pending(&diverged), Err(StoreError::Migration(_))));
    }
}
