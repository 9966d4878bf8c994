#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! One suite of server-database cases, run against SQLite (a temporary file) and against
//! PostgreSQL (a fresh database, dropped afterwards) when `DONGPO_TEST_POSTGRES_URL` is
//! set: the single-use rules, and the versioned migrations, including the adoption of
//! databases made by the server before its tables were migrated (created if missing,
//! columns added in place).

use std::path::PathBuf;
use std::sync::Barrier;

use dongpo_ca::store::migrations::CA;
use dongpo_pki::time::UnixTime;
use dongpo_server::db::migrations::SERVER;
use dongpo_server::db::{
    self, Binding, ChallengeRefusal, PurgeCutoffs, Removed, ServerDb, StoredApiKey,
    StoredVerification,
};
use dongpo_testkit::pg_database::Database;

// ---------------------------------------------------------------------------------------
// Backends

enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { database: Database },
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    hex::encode(bytes)
}

impl Backend {
    fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("dongpo-serverdb-{}", random_hex()));
        std::fs::create_dir_all(&dir).unwrap();
        Backend::Sqlite { dir }
    }

    fn postgres() -> Option<Self> {
        match Database::from_env("dongpo_serverdb").unwrap() {
            Some(database) => Some(Backend::Postgres { database }),
            None => {
                println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (server database suite)");
                None
            }
        }
    }

    /// Where `db::open` (and the CA store's dispatcher) finds the database.
    fn location(&self) -> String {
        match self {
            Backend::Sqlite { dir } => dir.join("server.sqlite").display().to_string(),
            Backend::Postgres { database } => database.url.clone(),
        }
    }

    fn open(&self) -> Box<dyn ServerDb> {
        db::open(&self.location()).unwrap()
    }

    /// Raw SQL behind the server's back (today's databases, a newer schema).
    fn execute_raw(&self, sqlite: &str, postgres: &str) {
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.location()).unwrap();
                conn.execute_batch(sqlite).unwrap();
            }
            Backend::Postgres { database } => {
                let mut client =
                    ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
                client.batch_execute(postgres).unwrap();
            }
        }
    }

    /// One integer (or null) from a query that is the same in both dialects.
    fn query_int(&self, sql: &str) -> Option<i64> {
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.location()).unwrap();
                conn.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            Backend::Postgres { database } => {
                let mut client =
                    ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
                client.query_one(sql, &[]).unwrap().get(0)
            }
        }
    }

    /// One text (or null) from a query that is the same in both dialects.
    fn query_text(&self, sql: &str) -> Option<String> {
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.location()).unwrap();
                conn.query_row(sql, [], |r| r.get(0)).unwrap()
            }
            Backend::Postgres { database } => {
                let mut client =
                    ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
                client.query_one(sql, &[]).unwrap().get(0)
            }
        }
    }

    fn count(&self, table: &str) -> i64 {
        self.query_int(&format!("SELECT COUNT(*) FROM {table}"))
            .unwrap()
    }

    /// The server versions recorded, as (version, description).
    fn server_versions(&self) -> Vec<(i64, String)> {
        let sql = format!(
            "SELECT version, description FROM {} ORDER BY version",
            SERVER.table
        );
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.location()).unwrap();
                let mut stmt = conn.prepare(&sql).unwrap();
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Backend::Postgres { database } => {
                let mut client =
                    ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
                client
                    .query(&sql, &[])
                    .unwrap()
                    .iter()
                    .map(|r| (i64::from(r.get::<_, i32>(0)), r.get(1)))
                    .collect()
            }
        }
    }

    /// The columns of `table`, in order.
    fn columns(&self, table: &str) -> Vec<String> {
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.location()).unwrap();
                let mut stmt = conn
                    .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                    .unwrap();
                stmt.query_map([table], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Backend::Postgres { database } => {
                let mut client =
                    ::postgres::Client::connect(&database.url, ::postgres::NoTls).unwrap();
                client
                    .query(
                        "SELECT column_name::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 \
                         ORDER BY ordinal_position",
                        &[&table],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect()
            }
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Sqlite { dir } = self {
            let _ = std::fs::remove_dir_all(dir);
        }
        // A PostgreSQL database is dropped with its `Database`.
    }
}

/// Each case runs against both backends.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $case() { super::$case(&super::Backend::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $case() {
                let Some(b) = super::Backend::postgres() else { return };
                super::$case(&b);
            })*
        }
    };
}

suite!(
    keeps_the_single_use_rules,
    dev_mark_is_kept,
    fresh_database_is_at_the_latest_version,
    reopening_migrates_nothing_twice,
    adopts_todays_database_with_every_column,
    adopts_a_database_from_before_the_added_columns,
    adopts_a_database_missing_later_tables,
    newer_server_schema_is_refused,
    diverged_server_schema_is_refused,
    ca_and_server_roles_migrate_apart_in_one_database,
    servers_opening_together_migrate_once,
    retention_deletes_rows,
    erasure_deletes_the_persons_rows,
);

// ---------------------------------------------------------------------------------------
// Single-use rules

fn cutoffs(reports: u64, verifications: u64, receipts: u64, documents: u64) -> PurgeCutoffs {
    PurgeCutoffs {
        reports: UnixTime(reports),
        verifications: UnixTime(verifications),
        receipts: UnixTime(receipts),
        documents: UnixTime(documents),
    }
}

fn verification(id: &str, at: u64) -> StoredVerification {
    StoredVerification {
        id: id.into(),
        owner: "k1".into(),
        created_at: UnixTime(at),
        valid: true,
        report_json: Some("{}".into()),
        dg1: Some(vec![1, 2, 3]),
        receipt: "a.b.c".into(),
        used_at: None,
        issued_serial: None,
    }
}

fn keeps_the_single_use_rules(backend: &Backend) {
    let mut db = backend.open();
    let db = db.as_mut();
    db.ping().unwrap();
    db.insert_challenge("c1", "k1", &[9; 8], UnixTime(1_000))
        .unwrap();
    // Another key's challenge does not exist for this one, and stays usable.
    assert_eq!(
        db.take_challenge("c1", "k2", UnixTime(999)).unwrap(),
        Err(ChallengeRefusal::Unknown)
    );
    assert_eq!(
        db.take_challenge("c1", "k1", UnixTime(999)).unwrap(),
        Ok(vec![9; 8])
    );
    assert_eq!(
        db.take_challenge("c1", "k2", UnixTime(999)).unwrap(),
        Err(ChallengeRefusal::Unknown)
    );
    assert_eq!(
        db.take_challenge("c1", "k1", UnixTime(999)).unwrap(),
        Err(ChallengeRefusal::Used)
    );
    db.insert_challenge("c2", "k1", &[1; 8], UnixTime(1_000))
        .unwrap();
    assert_eq!(
        db.take_challenge("c2", "k1", UnixTime(1_000)).unwrap(),
        Err(ChallengeRefusal::Expired)
    );
    assert_eq!(
        db.take_challenge("nope", "k1", UnixTime(1)).unwrap(),
        Err(ChallengeRefusal::Unknown)
    );

    db.insert_verification(&verification("v1", 100)).unwrap();
    assert!(db.insert_verification(&verification("v1", 100)).is_err());
    let stored = db.verification("v1", "k1").unwrap().unwrap();
    assert_eq!(db.verification("v1", "k2").unwrap(), None);
    assert_eq!(stored, verification("v1", 100));
    assert!(db.consume_verification("v1", UnixTime(150)).unwrap());
    assert!(!db.consume_verification("v1", UnixTime(151)).unwrap());
    let used = db.verification("v1", "k1").unwrap().unwrap();
    assert_eq!(used.used_at, Some(UnixTime(150)));
    assert_eq!((used.report_json, used.dg1), (None, None));
    assert_eq!(used.receipt, "a.b.c");
    // A failed issuance gives the verification back, with its report.
    db.release_verification("v1", "{}", &[1, 2, 3]).unwrap();
    assert_eq!(
        db.verification("v1", "k1").unwrap().unwrap(),
        verification("v1", 100)
    );
    // Once a certificate is recorded on it, it stays used.
    assert!(db.consume_verification("v1", UnixTime(160)).unwrap());
    db.record_issuance("v1", "0a1b").unwrap();
    db.release_verification("v1", "{}", &[1, 2, 3]).unwrap();
    let issued = db.verification("v1", "k1").unwrap().unwrap();
    assert_eq!(issued.used_at, Some(UnixTime(160)));
    assert_eq!(issued.issued_serial.as_deref(), Some("0a1b"));

    db.insert_verification(&verification("v2", 100)).unwrap();
    db.purge(UnixTime(2_000), &cutoffs(101, 0, 0, 0)).unwrap();
    let purged = db.verification("v2", "k1").unwrap().unwrap();
    assert_eq!((purged.report_json, purged.dg1), (None, None));
    // Purging dropped the expired challenges.
    assert_eq!(
        db.take_challenge("c2", "k1", UnixTime(1)).unwrap(),
        Err(ChallengeRefusal::Unknown)
    );

    assert_eq!(
        db.bind_document("doc", "alice", UnixTime(1)).unwrap(),
        Binding::Same { previous_uses: 0 }
    );
    assert_eq!(
        db.bind_document("doc", "alice", UnixTime(2)).unwrap(),
        Binding::Same { previous_uses: 1 }
    );
    assert_eq!(
        db.bind_document("doc", "mallory", UnixTime(3)).unwrap(),
        Binding::OtherPerson
    );

    let key = StoredApiKey {
        id: "k".into(),
        name: "ci".into(),
        secret_sha256: vec![7; 32],
        scopes: "verify,issue".into(),
        profiles: None,
    };
    db.insert_api_key(&key, UnixTime(1)).unwrap();
    assert_eq!(db.api_key("k").unwrap(), Some(key));
    assert_eq!(db.api_key("none").unwrap(), None);
    // A key limited to profiles keeps them.
    let scoped = StoredApiKey {
        id: "t".into(),
        name: "toss".into(),
        secret_sha256: vec![8; 32],
        scopes: "issue".into(),
        profiles: Some("toss,kb".into()),
    };
    db.insert_api_key(&scoped, UnixTime(1)).unwrap();
    assert_eq!(db.api_key("t").unwrap(), Some(scoped));
    // The roles that used the database are recorded once each.
    assert!(db.roles_recorded().unwrap().is_empty());
    db.record_role("verifier", UnixTime(1)).unwrap();
    db.record_role("verifier", UnixTime(2)).unwrap();
    assert_eq!(db.roles_recorded().unwrap(), ["verifier"]);
}

fn dev_mark_is_kept(backend: &Backend) {
    let mut db = backend.open();
    assert!(!db.dev_marked().unwrap());
    db.mark_dev(UnixTime(1)).unwrap();
    db.mark_dev(UnixTime(2)).unwrap();
    assert!(db.dev_marked().unwrap());
    drop(db);
    assert!(backend.open().dev_marked().unwrap());
}

// ---------------------------------------------------------------------------------------
// Migrations

fn latest() -> Vec<(i64, String)> {
    SERVER
        .migrations
        .iter()
        .map(|m| (i64::from(m.version), m.description.to_owned()))
        .collect()
}

const VERIFICATION_COLUMNS: [&str; 9] = [
    "id",
    "created_at",
    "valid",
    "report_json",
    "dg1",
    "receipt",
    "used_at",
    "issued_serial",
    "owner",
];
const CHALLENGE_COLUMNS: [&str; 5] = ["id", "nonce", "expires_at", "used_at", "owner"];

fn fresh_database_is_at_the_latest_version(backend: &Backend) {
    drop(backend.open());
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(
        backend.columns("server_verifications"),
        VERIFICATION_COLUMNS
    );
    assert_eq!(backend.columns("server_challenges"), CHALLENGE_COLUMNS);
    // The CA's bookkeeping is not the server's.
    assert!(backend.columns(CA.table).is_empty());
}

fn reopening_migrates_nothing_twice(backend: &Backend) {
    let mut db = backend.open();
    db.insert_challenge("c", "k1", &[3; 8], UnixTime(10))
        .unwrap();
    drop(db);
    let mut db = backend.open();
    drop(backend.open());
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(
        db.take_challenge("c", "k1", UnixTime(5)).unwrap(),
        Ok(vec![3; 8])
    );
}

// What the server created before its migrations were versioned, frozen here: the tables
// created if missing, then columns added in place (SQLite: ALTER when pragma_table_info
// lacked them; PostgreSQL: ADD COLUMN IF NOT EXISTS).
const TODAY_SQLITE: &str = "
CREATE TABLE IF NOT EXISTS server_challenges (
    id TEXT PRIMARY KEY, nonce BLOB NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER,
    owner TEXT);
CREATE TABLE IF NOT EXISTS server_verifications (
    id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, valid INTEGER NOT NULL,
    report_json TEXT, dg1 BLOB, receipt TEXT NOT NULL, used_at INTEGER, issued_serial TEXT,
    owner TEXT);
CREATE TABLE IF NOT EXISTS server_documents (
    fingerprint TEXT PRIMARY KEY, person TEXT NOT NULL, first_used_at INTEGER NOT NULL,
    uses INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS server_api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_sha256 BLOB NOT NULL,
    scopes TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS server_flags (name TEXT PRIMARY KEY, set_at INTEGER NOT NULL);
";

const TODAY_POSTGRES: &str = "
CREATE TABLE IF NOT EXISTS server_challenges (
    id TEXT PRIMARY KEY, nonce BYTEA NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);
CREATE TABLE IF NOT EXISTS server_verifications (
    id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, valid BOOLEAN NOT NULL,
    report_json TEXT, dg1 BYTEA, receipt TEXT NOT NULL, used_at BIGINT, issued_serial TEXT);
CREATE TABLE IF NOT EXISTS server_documents (
    fingerprint TEXT PRIMARY KEY, person TEXT NOT NULL, first_used_at BIGINT NOT NULL,
    uses BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS server_api_keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_sha256 BYTEA NOT NULL,
    scopes TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS server_flags (name TEXT PRIMARY KEY, set_at BIGINT NOT NULL);
ALTER TABLE server_verifications ADD COLUMN IF NOT EXISTS issued_serial TEXT;
ALTER TABLE server_verifications ADD COLUMN IF NOT EXISTS owner TEXT;
ALTER TABLE server_challenges ADD COLUMN IF NOT EXISTS owner TEXT;
";

// Rows in every table of today's schema (the same statements in both dialects; the
// verification's `valid` is written as each dialect stores it).
fn todays_rows(valid: &str) -> String {
    format!(
        "INSERT INTO server_challenges (id, nonce, expires_at, used_at, owner)
             VALUES ('c-open', '\\x0909'::bytea, 1000, NULL, 'k1'),
                    ('c-used', '\\x0808'::bytea, 1000, 500, 'k1');
         INSERT INTO server_verifications
             (id, created_at, valid, report_json, dg1, receipt, used_at, issued_serial, owner)
             VALUES ('v-open', 100, {valid}, '{{}}', '\\x010203'::bytea, 'a.b.c', NULL, NULL, 'k1'),
                    ('v-issued', 90, {valid}, NULL, NULL, 'd.e.f', 95, '0a1b', 'k1');
         INSERT INTO server_documents (fingerprint, person, first_used_at, uses)
             VALUES ('doc', 'alice', 1, 2);
         INSERT INTO server_api_keys (id, name, secret_sha256, scopes, created_at)
             VALUES ('k1', 'ci', '\\x0707'::bytea, 'verify,issue', 1);
         INSERT INTO server_flags (name, set_at) VALUES ('dev', 1);"
    )
}

/// The same rows for SQLite (blob literals instead of bytea casts).
fn todays_rows_sqlite() -> String {
    todays_rows("1")
        .replace("'\\x0909'::bytea", "x'0909'")
        .replace("'\\x0808'::bytea", "x'0808'")
        .replace("'\\x010203'::bytea", "x'010203'")
        .replace("'\\x0707'::bytea", "x'0707'")
}

fn adopts_todays_database_with_every_column(backend: &Backend) {
    backend.execute_raw(
        &format!("{TODAY_SQLITE}{}", todays_rows_sqlite()),
        &format!("{TODAY_POSTGRES}{}", todays_rows("TRUE")),
    );
    let mut db = backend.open();
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(
        backend.columns("server_verifications"),
        VERIFICATION_COLUMNS
    );
    assert_eq!(backend.columns("server_challenges"), CHALLENGE_COLUMNS);
    // Every row is still there and reads as before.
    for (table, rows) in [
        ("server_challenges", 2),
        ("server_verifications", 2),
        ("server_documents", 1),
        ("server_api_keys", 1),
        ("server_flags", 1),
    ] {
        assert_eq!(backend.count(table), rows, "{table}");
    }
    assert_eq!(
        db.take_challenge("c-used", "k1", UnixTime(600)).unwrap(),
        Err(ChallengeRefusal::Used)
    );
    assert_eq!(
        db.take_challenge("c-open", "k1", UnixTime(600)).unwrap(),
        Ok(vec![9, 9])
    );
    assert_eq!(
        db.verification("v-open", "k1").unwrap().unwrap(),
        StoredVerification {
            id: "v-open".into(),
            owner: "k1".into(),
            created_at: UnixTime(100),
            valid: true,
            report_json: Some("{}".into()),
            dg1: Some(vec![1, 2, 3]),
            receipt: "a.b.c".into(),
            used_at: None,
            issued_serial: None,
        }
    );
    let issued = db.verification("v-issued", "k1").unwrap().unwrap();
    assert_eq!(issued.issued_serial.as_deref(), Some("0a1b"));
    assert_eq!(issued.used_at, Some(UnixTime(95)));
    assert_eq!(
        db.bind_document("doc", "alice", UnixTime(5)).unwrap(),
        Binding::Same { previous_uses: 2 }
    );
    assert_eq!(
        db.api_key("k1").unwrap(),
        Some(StoredApiKey {
            id: "k1".into(),
            name: "ci".into(),
            secret_sha256: vec![7, 7],
            scopes: "verify,issue".into(),
            profiles: None,
        })
    );
    assert!(db.dev_marked().unwrap());
    // Adopted once: opening again applies nothing.
    drop(db);
    drop(backend.open());
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(backend.count("server_verifications"), 2);
}

fn adopts_a_database_from_before_the_added_columns(backend: &Backend) {
    // The first server tables: no issued_serial, no owners, no API keys or flags yet.
    backend.execute_raw(
        "CREATE TABLE server_challenges (
             id TEXT PRIMARY KEY, nonce BLOB NOT NULL, expires_at INTEGER NOT NULL,
             used_at INTEGER);
         CREATE TABLE server_verifications (
             id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, valid INTEGER NOT NULL,
             report_json TEXT, dg1 BLOB, receipt TEXT NOT NULL, used_at INTEGER);
         INSERT INTO server_challenges VALUES ('c-old', x'0505', 1000, NULL);
         INSERT INTO server_verifications
             VALUES ('old', 100, 1, '{}', x'010203', 'a.b.c', NULL);",
        "CREATE TABLE server_challenges (
             id TEXT PRIMARY KEY, nonce BYTEA NOT NULL, expires_at BIGINT NOT NULL,
             used_at BIGINT);
         CREATE TABLE server_verifications (
             id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, valid BOOLEAN NOT NULL,
             report_json TEXT, dg1 BYTEA, receipt TEXT NOT NULL, used_at BIGINT);
         INSERT INTO server_challenges VALUES ('c-old', '\\x0505'::bytea, 1000, NULL);
         INSERT INTO server_verifications
             VALUES ('old', 100, TRUE, '{}', '\\x010203'::bytea, 'a.b.c', NULL);",
    );
    let mut db = backend.open();
    assert_eq!(backend.server_versions(), latest());
    // The columns were added where the old code added them, the missing tables created.
    assert_eq!(
        backend.columns("server_verifications"),
        VERIFICATION_COLUMNS
    );
    assert_eq!(backend.columns("server_challenges"), CHALLENGE_COLUMNS);
    assert_eq!(backend.count("server_api_keys"), 0);
    assert!(!db.dev_marked().unwrap());
    // A row from before owners were recorded belongs to no API key (fail closed).
    assert_eq!(db.verification("old", "k1").unwrap(), None);
    assert_eq!(
        db.take_challenge("c-old", "k1", UnixTime(1)).unwrap(),
        Err(ChallengeRefusal::Unknown)
    );
    assert!(db.consume_verification("old", UnixTime(150)).unwrap());
    db.record_issuance("old", "0a").unwrap();
    assert_eq!(
        backend
            .query_text("SELECT issued_serial FROM server_verifications WHERE id = 'old'")
            .as_deref(),
        Some("0a")
    );
    assert_eq!(
        backend.query_text("SELECT receipt FROM server_verifications WHERE id = 'old'"),
        Some("a.b.c".into())
    );
    // New rows work as on a fresh database.
    db.insert_verification(&verification("new", 200)).unwrap();
    assert_eq!(
        db.verification("new", "k1").unwrap().unwrap(),
        verification("new", 200)
    );
    // Opening again migrates nothing twice.
    drop(db);
    drop(backend.open());
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(backend.count("server_verifications"), 2);
}

fn adopts_a_database_missing_later_tables(backend: &Backend) {
    // Only the verifications, with every column: the other tables are created.
    backend.execute_raw(
        "CREATE TABLE server_verifications (
             id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, valid INTEGER NOT NULL,
             report_json TEXT, dg1 BLOB, receipt TEXT NOT NULL, used_at INTEGER,
             issued_serial TEXT, owner TEXT);
         INSERT INTO server_verifications
             VALUES ('v', 100, 0, NULL, NULL, 'r', NULL, NULL, 'k9');",
        "CREATE TABLE server_verifications (
             id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, valid BOOLEAN NOT NULL,
             report_json TEXT, dg1 BYTEA, receipt TEXT NOT NULL, used_at BIGINT,
             issued_serial TEXT, owner TEXT);
         INSERT INTO server_verifications
             VALUES ('v', 100, FALSE, NULL, NULL, 'r', NULL, NULL, 'k9');",
    );
    let mut db = backend.open();
    assert_eq!(backend.server_versions(), latest());
    let v = db.verification("v", "k9").unwrap().unwrap();
    assert!(!v.valid);
    assert_eq!(v.receipt, "r");
    db.insert_challenge("c", "k9", &[1], UnixTime(10)).unwrap();
    assert_eq!(
        db.bind_document("d", "bob", UnixTime(1)).unwrap(),
        Binding::Same { previous_uses: 0 }
    );
}

fn newer_server_schema_is_refused(backend: &Backend) {
    drop(backend.open());
    let sql = format!(
        "INSERT INTO {} (version, description, applied_at) VALUES (99, 'from the future', 0)",
        SERVER.table
    );
    backend.execute_raw(&sql, &sql);
    let err = db::open(&backend.location()).err().unwrap().to_string();
    assert!(err.contains("99") && err.contains("newer"), "{err}");
    assert!(err.contains("server state"), "{err}");
}

fn diverged_server_schema_is_refused(backend: &Backend) {
    drop(backend.open());
    let sql = format!(
        "UPDATE {} SET description = 'something else' WHERE version = 1",
        SERVER.table
    );
    backend.execute_raw(&sql, &sql);
    let err = db::open(&backend.location()).err().unwrap().to_string();
    assert!(err.contains("does not match"), "{err}");
}

fn ca_and_server_roles_migrate_apart_in_one_database(backend: &Backend) {
    // The server first, then the CA store on the same database (SQLite: the same file),
    // then both again: each role records its own versions and leaves the other's alone.
    drop(backend.open());
    let mut store = dongpo_ca::store::open(&backend.location()).unwrap();
    assert_eq!(store.schema_version().unwrap(), CA.latest_version());
    drop(store);
    drop(backend.open());
    let mut store = dongpo_ca::store::open(&backend.location()).unwrap();
    assert_eq!(store.schema_version().unwrap(), CA.latest_version());
    assert_eq!(backend.server_versions(), latest());
    assert_eq!(
        backend.query_int(&format!("SELECT COUNT(*) FROM {}", CA.table)),
        Some(i64::from(CA.latest_version()))
    );
    // A newer CA schema does not stop the server, and the reverse.
    let sql = format!(
        "INSERT INTO {} (version, description, applied_at) VALUES (99, 'from the future', 0)",
        CA.table
    );
    backend.execute_raw(&sql, &sql);
    drop(backend.open());
    assert!(dongpo_ca::store::open(&backend.location()).is_err());
    // Nothing of the CA's went into the server's bookkeeping.
    assert_eq!(backend.server_versions(), latest());
}

fn servers_opening_together_migrate_once(backend: &Backend) {
    // They find today's tables half-made: adoption and migration race too. (The file is
    // in WAL mode, as today's server leaves it: switching the journal mode is not part of
    // migrating.)
    backend.execute_raw(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE server_flags (name TEXT PRIMARY KEY, set_at INTEGER NOT NULL);",
        "CREATE TABLE server_flags (name TEXT PRIMARY KEY, set_at BIGINT NOT NULL);",
    );
    let barrier = Barrier::new(4);
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    db::open(&backend.location()).map(drop)
                })
            })
            .collect();
        for o in opened {
            o.join().unwrap().unwrap();
        }
    });
    assert_eq!(backend.server_versions(), latest());
}

// ---------------------------------------------------------------------------------------
// Retention and erasure

fn issued(id: &str, at: u64, serial: &str) -> StoredVerification {
    StoredVerification {
        used_at: Some(UnixTime(at + 1)),
        issued_serial: Some(serial.into()),
        report_json: None,
        dg1: None,
        ..verification(id, at)
    }
}

/// Stores `issued(...)` as the server does: inserted, then its serial recorded.
fn insert_issued(db: &mut dyn ServerDb, id: &str, at: u64, serial: &str) {
    db.insert_verification(&issued(id, at, serial)).unwrap();
    db.record_issuance(id, serial).unwrap();
}

fn retention_deletes_rows(backend: &Backend) {
    let mut db = backend.open();
    let db = db.as_mut();
    let failed = StoredVerification {
        valid: false,
        ..verification("failed-old", 100)
    };
    db.insert_verification(&failed).unwrap();
    db.insert_verification(&verification("unused-old", 100))
        .unwrap();
    db.insert_verification(&verification("unused-new", 900))
        .unwrap();
    insert_issued(db, "issued-old", 100, "01");
    insert_issued(db, "issued-mid", 500, "02");
    db.bind_document("doc-old", "alice", UnixTime(100)).unwrap();
    db.bind_document("doc-new", "bob", UnixTime(900)).unwrap();
    // Reports of everything before 800; unissued before 600 (valid or failed), issued
    // before 200, documents first used before 600.
    let removed = db
        .purge(UnixTime(1_000), &cutoffs(800, 600, 200, 600))
        .unwrap();
    assert_eq!(
        removed,
        Removed {
            verifications: 3,
            reports: 2,
            documents: 1
        }
    );
    for gone in ["failed-old", "unused-old", "issued-old"] {
        assert_eq!(db.verification(gone, "k1").unwrap(), None, "{gone}");
    }
    assert_eq!(
        db.verification("unused-new", "k1").unwrap(),
        Some(verification("unused-new", 900))
    );
    assert_eq!(
        db.verification("issued-mid", "k1").unwrap(),
        Some(issued("issued-mid", 500, "02"))
    );
    // The old binding is gone (the passport binds afresh, to anyone); the new one holds.
    assert_eq!(
        db.bind_document("doc-old", "mallory", UnixTime(1_000))
            .unwrap(),
        Binding::Same { previous_uses: 0 }
    );
    assert_eq!(
        db.bind_document("doc-new", "mallory", UnixTime(1_000))
            .unwrap(),
        Binding::OtherPerson
    );
    // A second purge finds nothing more.
    assert_eq!(
        db.purge(UnixTime(1_000), &cutoffs(800, 600, 200, 600))
            .unwrap(),
        Removed::default()
    );
}

fn erasure_deletes_the_persons_rows(backend: &Backend) {
    let mut db = backend.open();
    let db = db.as_mut();
    insert_issued(db, "alice-1", 100, "0a");
    insert_issued(db, "alice-2", 200, "0b");
    insert_issued(db, "bob-1", 200, "0c");
    db.insert_verification(&verification("nobody", 200))
        .unwrap();
    db.bind_document("alice-doc", "alice", UnixTime(100))
        .unwrap();
    db.bind_document("bob-doc", "bob", UnixTime(100)).unwrap();
    let removed = db
        .erase_person("alice", &["0a".into(), "0b".into()])
        .unwrap();
    assert_eq!(
        removed,
        Removed {
            verifications: 2,
            reports: 0,
            documents: 1
        }
    );
    assert_eq!(db.verification("alice-1", "k1").unwrap(), None);
    assert_eq!(db.verification("alice-2", "k1").unwrap(), None);
    assert!(db.verification("bob-1", "k1").unwrap().is_some());
    assert!(db.verification("nobody", "k1").unwrap().is_some());
    assert_eq!(
        db.bind_document("bob-doc", "alice", UnixTime(300)).unwrap(),
        Binding::OtherPerson
    );
    assert_eq!(
        db.bind_document("alice-doc", "carol", UnixTime(300))
            .unwrap(),
        Binding::Same { previous_uses: 0 }
    );
    // Erasing again finds nothing.
    assert_eq!(
        db.erase_person("alice", &["0a".into(), "0b".into()])
            .unwrap(),
        Removed {
            verifications: 0,
            reports: 0,
            documents: 0
        }
    );
}
