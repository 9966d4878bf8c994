//! Schema migrations: an ordered list, applied in one transaction when a store opens and
//! recorded in `schema_migrations(version, description, applied_at)`.
//!
//! Released migrations are never edited: a change is a new entry. A database whose
//! schema is newer than [`MIGRATIONS`] knows is refused rather than written with
//! assumptions that may no longer hold.

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

/// `schema_migrations` for SQLite (created before anything else).
pub(crate) const SQLITE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT;";

/// `schema_migrations` for PostgreSQL.
pub(crate) const POSTGRES_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at BIGINT NOT NULL
);";

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
];

// What every node sharing the store must hold identically: the first node to open the store
// pins the root certificate's and each key's fingerprint; a node holding other material is
// refused instead of writing a second CA into the store.
const V3_SQLITE: &str = "
CREATE TABLE pins (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
";

const V3_POSTGRES: &str = "
CREATE TABLE pins (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
";

// The last CRL number issued per (issuer, scope); the store raises it atomically so numbers
// only grow across restarts and nodes.
const V2_SQLITE: &str = "
CREATE TABLE crl_numbers (
    issuer TEXT NOT NULL,
    scope TEXT NOT NULL,
    last_number INTEGER NOT NULL CHECK (last_number > 0),
    issued_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, scope)
) STRICT;
";

const V2_POSTGRES: &str = "
CREATE TABLE crl_numbers (
    issuer TEXT NOT NULL,
    scope TEXT NOT NULL,
    last_number BIGINT NOT NULL CHECK (last_number > 0),
    issued_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, scope)
);
";

// Certificates reference their reservation by (serial, issuer, person, key): the database
// itself refuses a certificate that was not reserved exactly as issued.
const V1_SQLITE: &str = "
CREATE TABLE serials (
    serial BLOB NOT NULL PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 20),
    issuer TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 BLOB NOT NULL CHECK (length(spki_sha256) = 32),
    reserved_at INTEGER NOT NULL,
    UNIQUE (serial, issuer, person, spki_sha256)
) STRICT;
CREATE TABLE certificates (
    serial BLOB NOT NULL PRIMARY KEY,
    issuer TEXT NOT NULL,
    profile TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 BLOB NOT NULL,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    der BLOB NOT NULL,
    report_sha256 BLOB NOT NULL CHECK (length(report_sha256) = 32),
    issued_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revocation_reason INTEGER,
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL)),
    FOREIGN KEY (serial, issuer, person, spki_sha256)
        REFERENCES serials (serial, issuer, person, spki_sha256)
) STRICT;
CREATE INDEX certificates_revoked ON certificates (issuer) WHERE revoked_at IS NOT NULL;
CREATE TABLE key_bindings (
    spki_sha256 BLOB NOT NULL PRIMARY KEY CHECK (length(spki_sha256) = 32),
    person TEXT NOT NULL,
    bound_at INTEGER NOT NULL
) STRICT;
CREATE TABLE registry (
    person TEXT NOT NULL PRIMARY KEY,
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
    vid BLOB,
    vid_random BLOB
) STRICT;
CREATE TABLE blocked_keys (
    spki_sha256 BLOB NOT NULL PRIMARY KEY CHECK (length(spki_sha256) = 32),
    reason TEXT NOT NULL,
    blocked_at INTEGER NOT NULL
) STRICT;
CREATE TABLE audit (
    node TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_tag BLOB NOT NULL CHECK (length(prev_tag) = 32),
    tag BLOB NOT NULL CHECK (length(tag) = 32),
    PRIMARY KEY (node, seq)
) STRICT;
";

// Text keys use the C collation so ordering matches SQLite's byte order on every server.
const V1_POSTGRES: &str = r#"
CREATE TABLE serials (
    serial BYTEA PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 20),
    issuer TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 BYTEA NOT NULL CHECK (length(spki_sha256) = 32),
    reserved_at BIGINT NOT NULL,
    UNIQUE (serial, issuer, person, spki_sha256)
);
CREATE TABLE certificates (
    serial BYTEA PRIMARY KEY,
    issuer TEXT NOT NULL,
    profile TEXT NOT NULL,
    person TEXT NOT NULL,
    spki_sha256 BYTEA NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    der BYTEA NOT NULL,
    report_sha256 BYTEA NOT NULL CHECK (length(report_sha256) = 32),
    issued_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revocation_reason SMALLINT,
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL)),
    FOREIGN KEY (serial, issuer, person, spki_sha256)
        REFERENCES serials (serial, issuer, person, spki_sha256)
);
CREATE INDEX certificates_revoked ON certificates (issuer) WHERE revoked_at IS NOT NULL;
CREATE TABLE key_bindings (
    spki_sha256 BYTEA PRIMARY KEY CHECK (length(spki_sha256) = 32),
    person TEXT NOT NULL,
    bound_at BIGINT NOT NULL
);
CREATE TABLE registry (
    person TEXT COLLATE "C" PRIMARY KEY,
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
    vid BYTEA,
    vid_random BYTEA
);
CREATE TABLE blocked_keys (
    spki_sha256 BYTEA PRIMARY KEY CHECK (length(spki_sha256) = 32),
    reason TEXT NOT NULL,
    blocked_at BIGINT NOT NULL
);
CREATE TABLE audit (
    node TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL CHECK (seq >= 1),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_tag BYTEA NOT NULL CHECK (length(prev_tag) = 32),
    tag BYTEA NOT NULL CHECK (length(tag) = 32),
    PRIMARY KEY (node, seq)
);
"#;

/// The schema version this code writes.
#[must_use]
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The migrations still to apply, given the (version, description) rows already applied.
///
/// # Errors
/// [`StoreError::Migration`] when the database is newer than this code, or an applied
/// version is unknown or was applied under a different description (a diverged schema).
pub fn pending(applied: &[(u32, String)]) -> Result<Vec<&'static Migration>, StoreError> {
    let latest = latest_version();
    for (version, description) in applied {
        if *version > latest {
            return Err(StoreError::Migration(format!(
                "the database schema is at version {version}, newer than this build \
                 supports ({latest}); upgrade dongpo before opening it"
            )));
        }
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            Some(m) if m.description == description => {}
            _ => {
                return Err(StoreError::Migration(format!(
                    "applied schema version {version} ({description:?}) does not match \
                     this build's migration of that version"
                )));
            }
        }
    }
    Ok(MIGRATIONS
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
        assert_eq!(latest_version() as usize, MIGRATIONS.len());
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
