//! The server's own tables (the verifier role: challenges, verifications and receipts,
//! document bindings, API keys, flags) as a [`MigrationSet`] run by the CA store's
//! migration mechanism, recorded in `server_schema_migrations`.
//!
//! Before versioned migrations the server created these tables if missing and added
//! columns in place (`issued_serial`, then the `owner`s). Version 1 is that schema and
//! is written idempotently (`IF NOT EXISTS`), so such a database is adopted: version 1 is
//! applied over what exists, the columns it lacks are added (old rows keep a null owner
//! and so belong to no API key), and version 1 is recorded. Later versions are ordinary
//! migrations: never edited once released, a change is a new entry.

use dongpo_ca::store::migrations::{AddedColumn, Adoption, Migration, MigrationSet};

/// The server role. Its advisory lock is the one the server took before migrations were
/// versioned, so a node still running the old code serialises with an upgraded one.
pub const SERVER: MigrationSet = MigrationSet {
    role: "server state",
    table: "server_schema_migrations",
    lock: 737_032,
    migrations: MIGRATIONS,
    adoption: Some(Adoption {
        version: 1,
        tables: &[
            "server_challenges",
            "server_verifications",
            "server_documents",
            "server_api_keys",
            "server_flags",
        ],
        added_columns: &[
            AddedColumn {
                table: "server_verifications",
                column: "issued_serial",
                sqlite: "TEXT",
                postgres: "TEXT",
            },
            AddedColumn {
                table: "server_verifications",
                column: "owner",
                sqlite: "TEXT",
                postgres: "TEXT",
            },
            AddedColumn {
                table: "server_challenges",
                column: "owner",
                sqlite: "TEXT",
                postgres: "TEXT",
            },
        ],
    }),
};

/// Every server migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "server state: challenges, verifications and receipts, documents, API keys, flags",
        sqlite: V1_SQLITE,
        postgres: V1_POSTGRES,
    },
    Migration {
        version: 2,
        description: "chip sessions: the server as Chip Authentication terminal",
        sqlite: V2_SQLITE,
        postgres: V2_POSTGRES,
    },
    Migration {
        version: 3,
        description: "API keys limited to profiles",
        sqlite: V3_SQLITE,
        postgres: V3_POSTGRES,
    },
];

// `profiles`: comma-separated profile names the key is limited to; NULL (every key made
// before): every profile.
dongpo_ca::migration_dialects! { V3_SQLITE, V3_POSTGRES: "
ALTER TABLE server_api_keys ADD COLUMN profiles TEXT;
" }

// `step`: 1 and 2 wait for the answers to that step, 3 is being completed, 0 ended.
// `sealed`: the session's keys and document, encrypted (crate::chip_seal); NULL once ended.
dongpo_ca::migration_dialects! { V2_SQLITE, V2_POSTGRES: "
CREATE TABLE server_chip_sessions (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, step " INT " NOT NULL,
    expires_at " INT " NOT NULL, sealed " BLOB ");
" }

// Rows from before owners were recorded have none (and belong to no API key), so `owner`
// stays nullable.
dongpo_ca::migration_dialects! { V1_SQLITE, V1_POSTGRES: "
CREATE TABLE IF NOT EXISTS server_challenges (
    id TEXT PRIMARY KEY, nonce " BLOB " NOT NULL, expires_at " INT " NOT NULL, used_at " INT ",
    owner TEXT);
CREATE TABLE IF NOT EXISTS server_verifications (
    id TEXT PRIMARY KEY, created_at " INT " NOT NULL, valid " BOOL " NOT NULL,
    report_json TEXT, dg1 " BLOB ", receipt TEXT NOT NULL, used_at " INT ", issued_serial TEXT,
    owner TEXT);
CREATE TABLE IF NOT EXISTS server_documents (
    fingerprint TEXT PRIMARY KEY, person TEXT NOT NULL, first_used_at " INT " NOT NULL,
    uses " INT " NOT NULL);
CREATE TABLE IF NOT EXISTS server_api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_sha256 " BLOB " NOT NULL,
    scopes TEXT NOT NULL, created_at " INT " NOT NULL);
CREATE TABLE IF NOT EXISTS server_flags (name TEXT PRIMARY KEY, set_at " INT " NOT NULL);
" }

#[cfg(test)]
mod tests {
    use super::*;

    // Rows from before owners were recorded have none (and belong to no API key), so `owner`
    // stays nullable.
    #[test]
    fn versions_are_consecutive_from_one_and_adoption_is_covered() {
        for (i, m) in SERVER.migrations.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1);
        }
        let adoption = SERVER.adoption.as_ref().map_or(0, |a| a.version);
        assert!((1..=SERVER.latest_version()).contains(&adoption));
        // Adopted versions run over existing tables: they must not create anything
        // unconditionally.
        for m in SERVER.migrations.iter().filter(|m| m.version <= adoption) {
            for sql in [m.sqlite, m.postgres] {
                let creates = sql.matches("CREATE ").count();
                assert_eq!(sql.matches("CREATE TABLE IF NOT EXISTS ").count(), creates);
            }
        }
    }

    #[test]
    fn roles_record_their_versions_apart() {
        assert_ne!(SERVER.table, dongpo_ca::store::migrations::CA.table);
        assert_ne!(SERVER.lock, dongpo_ca::store::migrations::CA.lock);
    }
}
