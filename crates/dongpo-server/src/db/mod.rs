//! The server's own state (challenges, verifications and receipts, document fingerprints,
//! API keys) in the same database as the CA store: SQLite under the data directory, or
//! PostgreSQL shared by every server process. Single-use rules are enforced by the
//! database (conditional updates), so two processes cannot both consume one challenge.

mod postgres;
mod sqlite;

use dongpo_pki::time::UnixTime;

/// A database failure (the message names the operation, never row contents).
#[derive(Debug, thiserror::Error)]
#[error("server database: {0}")]
pub struct DbError(pub String);

impl DbError {
    pub(crate) fn from_display(operation: &str, e: impl std::fmt::Display) -> Self {
        DbError(format!("{operation}: {e}"))
    }
}

/// Seconds as both databases store them (BIGINT / INTEGER).
fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.0).unwrap_or(i64::MAX)
}

/// A stored time back (negative values, which the server never writes, read as 0).
fn time(v: i64) -> UnixTime {
    UnixTime(u64::try_from(v).unwrap_or(0))
}

/// Why a challenge could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeRefusal {
    /// No such challenge.
    Unknown,
    /// Already used by another verification.
    Used,
    /// Past its expiry.
    Expired,
}

/// A stored verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerification {
    /// Its id (also the receipt's id).
    pub id: String,
    /// Id of the API key that made it: only that key can read it or issue on it.
    pub owner: String,
    /// When it was verified.
    pub created_at: UnixTime,
    /// Whether the report was valid.
    pub valid: bool,
    /// The report (JSON), kept only until the verification is used or expires.
    pub report_json: Option<String>,
    /// DG1 of the document, kept only as long as the report.
    pub dg1: Option<Vec<u8>>,
    /// The signed receipt (JWS compact; no personal data), kept for good.
    pub receipt: String,
    /// When it was used for an issuance.
    pub used_at: Option<UnixTime>,
    /// The serial (hex) of the certificate issued on it, once stored: a retried request
    /// gets that certificate back instead of a refusal.
    pub issued_serial: Option<String>,
}

/// A stored API key (its secret only as SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// Public id (the part of the key before the secret).
    pub id: String,
    /// Name given by the admin.
    pub name: String,
    /// SHA-256 of the secret.
    pub secret_sha256: Vec<u8>,
    /// Scopes, comma-separated.
    pub scopes: String,
}

/// Outcome of binding a document fingerprint to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// Bound (now or before) to this person; `previous_uses` issuances rested on it before.
    Same {
        /// Issuances on this document before this one.
        previous_uses: u64,
    },
    /// Already bound to someone else: refuse.
    OtherPerson,
}

/// The server state operations.
pub trait ServerDb: Send {
    /// Creates the tables (idempotent).
    ///
    /// # Errors
    /// [`DbError`].
    fn migrate(&mut self) -> Result<(), DbError>;
    /// Is the database reachable?
    ///
    /// # Errors
    /// [`DbError`].
    fn ping(&mut self) -> Result<(), DbError>;
    /// Stores a new challenge made by the API key `owner`.
    ///
    /// # Errors
    /// [`DbError`].
    fn insert_challenge(
        &mut self,
        id: &str,
        owner: &str,
        nonce: &[u8],
        expires_at: UnixTime,
    ) -> Result<(), DbError>;
    /// Marks a challenge used and returns its nonce, once, when `owner` made it; to any
    /// other key it is [`ChallengeRefusal::Unknown`] (and stays unused).
    ///
    /// # Errors
    /// [`DbError`]; `Ok(Err(_))` says why the challenge cannot be used.
    fn take_challenge(
        &mut self,
        id: &str,
        owner: &str,
        now: UnixTime,
    ) -> Result<Result<Vec<u8>, ChallengeRefusal>, DbError>;
    /// Stores a verification.
    ///
    /// # Errors
    /// [`DbError`].
    fn insert_verification(&mut self, v: &StoredVerification) -> Result<(), DbError>;
    /// A verification by id, when the API key `owner` made it (to any other key there is
    /// none; rows from before owners were recorded belong to no key).
    ///
    /// # Errors
    /// [`DbError`].
    fn verification(
        &mut self,
        id: &str,
        owner: &str,
    ) -> Result<Option<StoredVerification>, DbError>;
    /// Marks a verification used (and drops its report and DG1); false when it already was.
    ///
    /// # Errors
    /// [`DbError`].
    fn consume_verification(&mut self, id: &str, now: UnixTime) -> Result<bool, DbError>;
    /// Gives a consumed verification back (its report and DG1 restored) when the
    /// issuance it was consumed for failed; a verification with a certificate stays used.
    ///
    /// # Errors
    /// [`DbError`].
    fn release_verification(
        &mut self,
        id: &str,
        report_json: &str,
        dg1: &[u8],
    ) -> Result<(), DbError>;
    /// Records the serial (hex) of the certificate issued on a consumed verification.
    ///
    /// # Errors
    /// [`DbError`].
    fn record_issuance(&mut self, id: &str, serial_hex: &str) -> Result<(), DbError>;
    /// Binds a document fingerprint to a person and counts the use.
    ///
    /// # Errors
    /// [`DbError`].
    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError>;
    /// Stores an API key.
    ///
    /// # Errors
    /// [`DbError`].
    fn insert_api_key(&mut self, key: &StoredApiKey, now: UnixTime) -> Result<(), DbError>;
    /// An API key by id.
    ///
    /// # Errors
    /// [`DbError`].
    fn api_key(&mut self, id: &str) -> Result<Option<StoredApiKey>, DbError>;
    /// Records that this database was used by a `--dev` server (its development admin key
    /// and testkit identity are valid in it).
    ///
    /// # Errors
    /// [`DbError`].
    fn mark_dev(&mut self, now: UnixTime) -> Result<(), DbError>;
    /// Whether a `--dev` server ever used this database.
    ///
    /// # Errors
    /// [`DbError`].
    fn dev_marked(&mut self) -> Result<bool, DbError>;
    /// Drops expired challenges and the reports and DG1s of verifications created before
    /// `report_cutoff`.
    ///
    /// # Errors
    /// [`DbError`].
    fn purge(&mut self, now: UnixTime, report_cutoff: UnixTime) -> Result<(), DbError>;
}

/// Opens the server state at `location` (a SQLite path or a `postgres://` URL) and creates
/// its tables.
///
/// # Errors
/// [`DbError`].
pub fn open(location: &str) -> Result<Box<dyn ServerDb>, DbError> {
    let mut db: Box<dyn ServerDb> =
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Box::new(postgres::PgDb::connect(location)?)
        } else {
            Box::new(sqlite::SqliteDb::open(location)?)
        };
    db.migrate()?;
    Ok(db)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

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

    fn suite(db: &mut dyn ServerDb, tag: &str) {
        let id = |s: &str| format!("{tag}-{s}");
        db.ping().unwrap();
        db.insert_challenge(&id("c1"), "k1", &[9; 8], UnixTime(1_000))
            .unwrap();
        // Another key's challenge does not exist for this one, and stays usable.
        assert_eq!(
            db.take_challenge(&id("c1"), "k2", UnixTime(999)).unwrap(),
            Err(ChallengeRefusal::Unknown)
        );
        assert_eq!(
            db.take_challenge(&id("c1"), "k1", UnixTime(999)).unwrap(),
            Ok(vec![9; 8])
        );
        assert_eq!(
            db.take_challenge(&id("c1"), "k2", UnixTime(999)).unwrap(),
            Err(ChallengeRefusal::Unknown)
        );
        assert_eq!(
            db.take_challenge(&id("c1"), "k1", UnixTime(999)).unwrap(),
            Err(ChallengeRefusal::Used)
        );
        db.insert_challenge(&id("c2"), "k1", &[1; 8], UnixTime(1_000))
            .unwrap();
        assert_eq!(
            db.take_challenge(&id("c2"), "k1", UnixTime(1_000)).unwrap(),
            Err(ChallengeRefusal::Expired)
        );
        assert_eq!(
            db.take_challenge(&id("nope"), "k1", UnixTime(1)).unwrap(),
            Err(ChallengeRefusal::Unknown)
        );

        db.insert_verification(&verification(&id("v1"), 100))
            .unwrap();
        assert!(
            db.insert_verification(&verification(&id("v1"), 100))
                .is_err()
        );
        let stored = db.verification(&id("v1"), "k1").unwrap().unwrap();
        assert_eq!(db.verification(&id("v1"), "k2").unwrap(), None);
        assert_eq!(stored, verification(&id("v1"), 100));
        assert!(db.consume_verification(&id("v1"), UnixTime(150)).unwrap());
        assert!(!db.consume_verification(&id("v1"), UnixTime(151)).unwrap());
        let used = db.verification(&id("v1"), "k1").unwrap().unwrap();
        assert_eq!(used.used_at, Some(UnixTime(150)));
        assert_eq!((used.report_json, used.dg1), (None, None));
        assert_eq!(used.receipt, "a.b.c");
        // A failed issuance gives the verification back, with its report.
        db.release_verification(&id("v1"), "{}", &[1, 2, 3])
            .unwrap();
        assert_eq!(
            db.verification(&id("v1"), "k1").unwrap().unwrap(),
            verification(&id("v1"), 100)
        );
        // Once a certificate is recorded on it, it stays used.
        assert!(db.consume_verification(&id("v1"), UnixTime(160)).unwrap());
        db.record_issuance(&id("v1"), "0a1b").unwrap();
        db.release_verification(&id("v1"), "{}", &[1, 2, 3])
            .unwrap();
        let issued = db.verification(&id("v1"), "k1").unwrap().unwrap();
        assert_eq!(issued.used_at, Some(UnixTime(160)));
        assert_eq!(issued.issued_serial.as_deref(), Some("0a1b"));

        db.insert_verification(&verification(&id("v2"), 100))
            .unwrap();
        db.purge(UnixTime(2_000), UnixTime(101)).unwrap();
        let purged = db.verification(&id("v2"), "k1").unwrap().unwrap();
        assert_eq!((purged.report_json, purged.dg1), (None, None));

        let fp = id("doc");
        assert_eq!(
            db.bind_document(&fp, "alice", UnixTime(1)).unwrap(),
            Binding::Same { previous_uses: 0 }
        );
        assert_eq!(
            db.bind_document(&fp, "alice", UnixTime(2)).unwrap(),
            Binding::Same { previous_uses: 1 }
        );
        assert_eq!(
            db.bind_document(&fp, "mallory", UnixTime(3)).unwrap(),
            Binding::OtherPerson
        );

        let key = StoredApiKey {
            id: id("k"),
            name: "ci".into(),
            secret_sha256: vec![7; 32],
            scopes: "verify,issue".into(),
        };
        db.insert_api_key(&key, UnixTime(1)).unwrap();

        assert_eq!(db.api_key(&id("k")).unwrap(), Some(key));
        assert_eq!(db.api_key(&id("none")).unwrap(), None);
    }

    #[test]
    fn sqlite_keeps_the_single_use_rules() {
        let dir = std::env::temp_dir().join(format!("dongpo-serverdb-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut db = open(&dir.join("server.sqlite").display().to_string()).unwrap();
        suite(db.as_mut(), "t");
        // (Not in the suite: the PostgreSQL test database is shared, and marking it would
        // stop servers started on it without --dev.)
        assert!(!db.dev_marked().unwrap());
        db.mark_dev(UnixTime(1)).unwrap();
        db.mark_dev(UnixTime(2)).unwrap();
        assert!(db.dev_marked().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sqlite_adds_issued_serial_to_a_database_made_before_it() {
        let dir = std::env::temp_dir().join(format!("dongpo-serverdb-old-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.sqlite").display().to_string();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE server_verifications (
                    id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, valid INTEGER NOT NULL,
                    report_json TEXT, dg1 BLOB, receipt TEXT NOT NULL, used_at INTEGER);
                 INSERT INTO server_verifications VALUES ('old', 100, 1, '{}', x'010203', 'a.b.c', NULL);",
            )
            .unwrap();
        let mut db = open(&path).unwrap();
        // A row from before owners were recorded belongs to no API key (fail closed).
        assert_eq!(db.verification("old", "k1").unwrap(), None);
        assert!(db.consume_verification("old", UnixTime(150)).unwrap());
        db.record_issuance("old", "0a").unwrap();
        let serial: Option<String> = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT issued_serial FROM server_verifications WHERE id = 'old'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(serial.as_deref(), Some("0a"));
        // Opening again migrates nothing twice.
        drop(db);
        open(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn postgres_keeps_the_single_use_rules() {
        let Ok(url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
            println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (PostgreSQL server-state test)");
            return;
        };
        let mut db = open(&url).unwrap();
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).unwrap();
        suite(db.as_mut(), &hex::encode(random));
    }
}
