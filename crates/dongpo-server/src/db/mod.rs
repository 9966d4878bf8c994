//! The server's own state (challenges, verifications and receipts, document fingerprints,
//! API keys) in the same database as the CA store: SQLite under the data directory, or
//! PostgreSQL shared by every server process. Single-use rules are enforced by the
//! database (conditional updates), so two processes cannot both consume one challenge.

pub mod migrations;
mod postgres;
mod sqlite;

use dongpo_ca::store::columns::Columns;
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

/// Column list matching [`verification_row`].
const VERIFICATION_COLUMNS: &str =
    "id, created_at, valid, report_json, dg1, receipt, used_at, issued_serial, owner";

/// A [`VERIFICATION_COLUMNS`] row, from either backend.
fn verification_row<R: Columns>(r: &R) -> Result<StoredVerification, R::Error> {
    Ok(StoredVerification {
        id: r.text(0)?,
        created_at: time(r.int(1)?),
        valid: r.boolean(2)?,
        report_json: r.opt_text(3)?,
        dg1: r.opt_bytes(4)?,
        receipt: r.text(5)?,
        used_at: r.opt_int(6)?.map(time),
        issued_serial: r.opt_text(7)?,
        owner: r.text(8)?,
    })
}

/// Column list matching [`api_key_row`].
const API_KEY_COLUMNS: &str = "id, name, secret_sha256, scopes";

/// An [`API_KEY_COLUMNS`] row, from either backend.
fn api_key_row<R: Columns>(r: &R) -> Result<StoredApiKey, R::Error> {
    Ok(StoredApiKey {
        id: r.text(0)?,
        name: r.text(1)?,
        secret_sha256: r.bytes(2)?,
        scopes: r.text(3)?,
    })
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
    /// Brings the server's tables up to date ([`migrations::SERVER`]; idempotent).
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
