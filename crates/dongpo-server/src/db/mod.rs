//! The server's own state (challenges, chip sessions, verifications and receipts, document
//! fingerprints, API keys) in the same database as the CA store: SQLite under the data directory, or
//! PostgreSQL shared by every server process. Single-use rules are enforced by the
//! database (conditional updates), so two processes cannot both consume one challenge.

pub mod migrations;
mod postgres;
mod sqlite;

use dongpo_ca::store::columns::{Columns, FromRow, Sql, Value};
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

/// Column list matching [`StoredVerification`]'s [`FromRow`].
const VERIFICATION_COLUMNS: &str =
    "id, created_at, valid, report_json, dg1, receipt, used_at, issued_serial, owner";

/// A [`VERIFICATION_COLUMNS`] row, from either backend.
impl FromRow for StoredVerification {
    fn from_row<R: Columns>(r: &R) -> Result<Self, R::Error> {
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
}

/// The prefix of the `server_flags` rows naming the roles that used the database.
const ROLE_FLAG: &str = "role:";

/// Column list matching [`StoredApiKey`]'s [`FromRow`].
const API_KEY_COLUMNS: &str = "id, name, secret_sha256, scopes, profiles";

/// An [`API_KEY_COLUMNS`] row, from either backend.
impl FromRow for StoredApiKey {
    fn from_row<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(StoredApiKey {
            id: r.text(0)?,
            name: r.text(1)?,
            secret_sha256: r.bytes(2)?,
            scopes: r.text(3)?,
            profiles: r.opt_text(4)?,
        })
    }
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

/// Why a chip session step could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipSessionRefusal {
    /// No such session (for this API key).
    Unknown,
    /// Past its expiry.
    Expired,
    /// Already ended (completed or failed).
    Ended,
    /// The session waits for the answers to another step (this one was replayed,
    /// reordered or is a concurrent duplicate).
    WrongStep,
}

/// [`ServerDb::advance_chip_session`]'s `to` for the last step: being completed.
pub const CHIP_SESSION_COMPLETING: i64 = 3;
/// A chip session's `step` once it ended.
pub const CHIP_SESSION_ENDED: i64 = 0;

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
    /// The profiles the key is limited to, comma-separated; `None`: every profile.
    pub profiles: Option<String>,
}

/// What the purge job deletes: rows older than each cutoff (see
/// [`crate::config::ServerConfig::purge_cutoffs`] for the settings behind them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Reports and DG1s of verifications created before this are dropped (the rows stay).
    pub reports: UnixTime,
    /// Verifications no certificate was issued on (valid or failed), created before this,
    /// are deleted with their receipts.
    pub verifications: UnixTime,
    /// Verifications a certificate was issued on, created before this, are deleted with
    /// their receipts.
    pub receipts: UnixTime,
    /// Document bindings first used before this are deleted.
    pub documents: UnixTime,
}

/// How many rows a purge or an erasure removed (counts only, for the log).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Verifications (with their receipts) deleted.
    pub verifications: u64,
    /// Reports and DG1s dropped from rows that stay.
    pub reports: u64,
    /// Document bindings deleted.
    pub documents: u64,
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
    /// Stores a new chip session of the API key `owner`, waiting for step 1, with its
    /// sealed state, unless `owner` already holds `open_limit.1` sessions that are open
    /// at `open_limit.0` (`Ok(false)`: nothing stored).
    ///
    /// # Errors
    /// [`DbError`].
    fn insert_chip_session(
        &mut self,
        id: &str,
        owner: &str,
        sealed: &[u8],
        expires_at: UnixTime,
        open_limit: (UnixTime, u64),
    ) -> Result<bool, DbError>;
    /// Moves the session from `from` to `to` and returns its sealed state, in one
    /// conditional statement: of two requests for one step only one gets it. A session
    /// waiting for another step, or expired, is ended (its sealed state dropped); to any
    /// API key but `owner` the session is [`ChipSessionRefusal::Unknown`] and stays as it is.
    ///
    /// # Errors
    /// [`DbError`]; `Ok(Err(_))` says why the step cannot be taken.
    fn advance_chip_session(
        &mut self,
        id: &str,
        owner: &str,
        from: i64,
        to: i64,
        now: UnixTime,
    ) -> Result<Result<Vec<u8>, ChipSessionRefusal>, DbError>;
    /// Ends a session: step [`CHIP_SESSION_ENDED`], sealed state dropped.
    ///
    /// # Errors
    /// [`DbError`].
    fn end_chip_session(&mut self, id: &str) -> Result<(), DbError>;
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
    /// Records that a server of `role` (`all`, `verifier`, `ca`) uses this database.
    ///
    /// # Errors
    /// [`DbError`].
    fn record_role(&mut self, role: &str, now: UnixTime) -> Result<(), DbError>;
    /// The roles of the servers that used this database, by name.
    ///
    /// # Errors
    /// [`DbError`].
    fn roles_recorded(&mut self) -> Result<Vec<String>, DbError>;
    /// Deletes expired challenges, drops the reports and DG1s of verifications past
    /// `cutoffs.reports`, and deletes the verifications (with their receipts) and document
    /// bindings past their retention. On SQLite the write-ahead log is then checkpointed
    /// and truncated, so no copy of a deleted row stays in the `-wal` file (deleted
    /// content in the database file itself is zeroed by `secure_delete`).
    ///
    /// # Errors
    /// [`DbError`].
    fn purge(&mut self, now: UnixTime, cutoffs: &PurgeCutoffs) -> Result<Removed, DbError>;
    /// Erases what the server holds about one person (their registry identifier `person`
    /// and the serials, lowercase hex, of their certificates): the verifications and
    /// receipts certificates were issued on and the person's document bindings. Then as
    /// after [`ServerDb::purge`]. Verifications no certificate was issued on name nobody
    /// and go at their retention.
    ///
    /// # Errors
    /// [`DbError`].
    fn erase_person(&mut self, person: &str, serials_hex: &[String]) -> Result<Removed, DbError>;
}

/// A failed statement of `operation` (the driver's message names no row contents).
fn err<E: std::fmt::Display>(operation: &'static str) -> impl Fn(E) -> DbError {
    move |e| DbError::from_display(operation, e)
}

/// What differs between the backends: opening, migrating, pinging, and binding a document
/// (a transaction of each driver's own). Every other operation is written once, over
/// [`Sql`], in [`Db`]'s [`ServerDb`].
trait Backend: Send {
    /// The connection as [`Sql`] runs statements on it.
    type Sql<'a>: Sql
    where
        Self: 'a;
    /// The connection, (re)opened when needed.
    fn sql(&mut self) -> Result<Self::Sql<'_>, DbError>;
    /// [`ServerDb::migrate`].
    fn migrate(&mut self) -> Result<(), DbError>;
    /// [`ServerDb::ping`].
    fn ping(&mut self) -> Result<(), DbError>;
    /// After rows were deleted: on SQLite the WAL checkpointed into the database file and
    /// truncated (nothing to do on PostgreSQL, whose files the server does not manage).
    fn after_delete(&mut self) -> Result<(), DbError>;
    /// [`ServerDb::bind_document`]: [`bind_document`] in a transaction.
    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError>;
}

/// [`ServerDb::bind_document`] in `c`'s transaction, which the caller commits when the
/// document is bound to `person` (on [`Binding::OtherPerson`] nothing was written).
/// `lock_row` locks the read row until commit where the dialect needs it (PostgreSQL `FOR
/// UPDATE`; SQLite's write lock, taken by the insert, already holds the whole database).
fn bind_document<C: Sql>(
    c: &mut C,
    lock_row: &str,
    fingerprint: &str,
    person: &str,
    now: UnixTime,
) -> Result<Binding, DbError> {
    c.execute(
        "INSERT INTO server_documents (fingerprint, person, first_used_at, uses) \
         VALUES ($1, $2, $3, 0) ON CONFLICT (fingerprint) DO NOTHING",
        &[
            Value::Text(fingerprint),
            Value::Text(person),
            Value::Int(secs(now)),
        ],
    )
    .map_err(err("bind document"))?;
    let (bound, uses) = c
        .query_opt::<DocumentRow>(
            &format!("SELECT person, uses FROM server_documents WHERE fingerprint = $1{lock_row}"),
            &[Value::Text(fingerprint)],
        )
        .map_err(err("bind document"))?
        .map(|row| (row.person, row.uses))
        .ok_or_else(|| DbError::from_display("bind document", "the binding was not stored"))?;
    if bound != person {
        return Ok(Binding::OtherPerson);
    }
    c.execute(
        "UPDATE server_documents SET uses = uses + 1 WHERE fingerprint = $1",
        &[Value::Text(fingerprint)],
    )
    .map_err(err("bind document"))?;
    Ok(Binding::Same {
        previous_uses: u64::try_from(uses).unwrap_or(0),
    })
}

/// A document binding as [`bind_document`] reads it.
struct DocumentRow {
    person: String,
    uses: i64,
}

impl FromRow for DocumentRow {
    fn from_row<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(DocumentRow {
            person: r.text(0)?,
            uses: r.int(1)?,
        })
    }
}

/// A chip session's step and expiry.
struct ChipSessionRow {
    step: i64,
    expires_at: i64,
}

impl FromRow for ChipSessionRow {
    fn from_row<R: Columns>(r: &R) -> Result<Self, R::Error> {
        Ok(ChipSessionRow {
            step: r.int(0)?,
            expires_at: r.int(1)?,
        })
    }
}

/// The server state on either backend.
struct Db<B>(B);

impl<B: Backend> ServerDb for Db<B> {
    fn migrate(&mut self) -> Result<(), DbError> {
        self.0.migrate()
    }

    fn ping(&mut self) -> Result<(), DbError> {
        self.0.ping()
    }

    fn insert_challenge(
        &mut self,
        id: &str,
        owner: &str,
        nonce: &[u8],
        expires_at: UnixTime,
    ) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "INSERT INTO server_challenges (id, nonce, expires_at, owner) \
                 VALUES ($1, $2, $3, $4)",
                &[
                    Value::Text(id),
                    Value::Bytes(nonce),
                    Value::Int(secs(expires_at)),
                    Value::Text(owner),
                ],
            )
            .map_err(err("insert challenge"))?;
        Ok(())
    }

    fn take_challenge(
        &mut self,
        id: &str,
        owner: &str,
        now: UnixTime,
    ) -> Result<Result<Vec<u8>, ChallengeRefusal>, DbError> {
        let mut sql = self.0.sql()?;
        // One statement: only the request that flips used_at gets the nonce.
        let taken = sql
            .query_opt::<Vec<u8>>(
                "UPDATE server_challenges SET used_at = $2 \
                 WHERE id = $1 AND owner = $3 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING nonce",
                &[Value::Text(id), Value::Int(secs(now)), Value::Text(owner)],
            )
            .map_err(err("use challenge"))?;
        if let Some(nonce) = taken {
            return Ok(Ok(nonce));
        }
        let row = sql
            .query_opt::<Option<i64>>(
                "SELECT used_at FROM server_challenges WHERE id = $1 AND owner = $2",
                &[Value::Text(id), Value::Text(owner)],
            )
            .map_err(err("read challenge"))?;
        Ok(Err(match row {
            None => ChallengeRefusal::Unknown,
            Some(Some(_)) => ChallengeRefusal::Used,
            Some(None) => ChallengeRefusal::Expired,
        }))
    }

    fn insert_chip_session(
        &mut self,
        id: &str,
        owner: &str,
        sealed: &[u8],
        expires_at: UnixTime,
        (now, most_open): (UnixTime, u64),
    ) -> Result<bool, DbError> {
        let mut sql = self.0.sql()?;
        // Counted first, then inserted: two opens racing on one key may both pass a count
        // one below the bound, so the bound can be passed by the number of concurrent
        // requests, never more.
        let open: bool = sql
            .query_opt(
                "SELECT COUNT(*) >= $3 FROM server_chip_sessions \
                 WHERE owner = $1 AND sealed IS NOT NULL AND expires_at > $2",
                &[
                    Value::Text(owner),
                    Value::Int(secs(now)),
                    Value::Int(i64::try_from(most_open).unwrap_or(i64::MAX)),
                ],
            )
            .map_err(err("count chip sessions"))?
            .ok_or_else(|| DbError::from_display("count chip sessions", "no row"))?;
        if open {
            return Ok(false);
        }
        sql.execute(
            "INSERT INTO server_chip_sessions (id, owner, step, expires_at, sealed) \
             VALUES ($1, $2, 1, $3, $4)",
            &[
                Value::Text(id),
                Value::Text(owner),
                Value::Int(secs(expires_at)),
                Value::Bytes(sealed),
            ],
        )
        .map_err(err("insert chip session"))?;
        Ok(true)
    }

    fn advance_chip_session(
        &mut self,
        id: &str,
        owner: &str,
        from: i64,
        to: i64,
        now: UnixTime,
    ) -> Result<Result<Vec<u8>, ChipSessionRefusal>, DbError> {
        let mut sql = self.0.sql()?;
        // Compare-and-swap on the step: only the request that moves it gets the state.
        let taken = sql
            .query_opt::<Vec<u8>>(
                "UPDATE server_chip_sessions SET step = $4 \
                 WHERE id = $1 AND owner = $2 AND step = $3 AND expires_at > $5 \
                 AND sealed IS NOT NULL RETURNING sealed",
                &[
                    Value::Text(id),
                    Value::Text(owner),
                    Value::Int(from),
                    Value::Int(to),
                    Value::Int(secs(now)),
                ],
            )
            .map_err(err("advance chip session"))?;
        if let Some(sealed) = taken {
            return Ok(Ok(sealed));
        }
        let row = sql
            .query_opt::<ChipSessionRow>(
                "SELECT step, expires_at FROM server_chip_sessions WHERE id = $1 AND owner = $2",
                &[Value::Text(id), Value::Text(owner)],
            )
            .map_err(err("read chip session"))?;
        let refusal = match row {
            None => return Ok(Err(ChipSessionRefusal::Unknown)),
            Some(row) if row.step == CHIP_SESSION_ENDED || row.step == CHIP_SESSION_COMPLETING => {
                return Ok(Err(ChipSessionRefusal::Ended));
            }
            Some(row) if row.expires_at <= secs(now) => ChipSessionRefusal::Expired,
            Some(_) => ChipSessionRefusal::WrongStep,
        };
        drop(sql);
        // A replayed, reordered or duplicated step ends the session; so does expiry.
        self.end_chip_session(id)?;
        Ok(Err(refusal))
    }

    fn end_chip_session(&mut self, id: &str) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "UPDATE server_chip_sessions SET step = $2, sealed = NULL WHERE id = $1",
                &[Value::Text(id), Value::Int(CHIP_SESSION_ENDED)],
            )
            .map_err(err("end chip session"))?;
        Ok(())
    }

    fn insert_verification(&mut self, v: &StoredVerification) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "INSERT INTO server_verifications \
                 (id, created_at, valid, report_json, dg1, receipt, used_at, owner) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Value::Text(&v.id),
                    Value::Int(secs(v.created_at)),
                    Value::Bool(v.valid),
                    Value::OptText(v.report_json.as_deref()),
                    Value::OptBytes(v.dg1.as_deref()),
                    Value::Text(&v.receipt),
                    Value::OptInt(v.used_at.map(secs)),
                    Value::Text(&v.owner),
                ],
            )
            .map_err(err("insert verification"))?;
        Ok(())
    }

    fn verification(
        &mut self,
        id: &str,
        owner: &str,
    ) -> Result<Option<StoredVerification>, DbError> {
        self.0
            .sql()?
            .query_opt(
                &format!(
                    "SELECT {VERIFICATION_COLUMNS} FROM server_verifications \
                     WHERE id = $1 AND owner = $2"
                ),
                &[Value::Text(id), Value::Text(owner)],
            )
            .map_err(err("read verification"))
    }

    fn consume_verification(&mut self, id: &str, now: UnixTime) -> Result<bool, DbError> {
        let updated = self
            .0
            .sql()?
            .execute(
                "UPDATE server_verifications SET used_at = $2, report_json = NULL, dg1 = NULL \
                 WHERE id = $1 AND used_at IS NULL",
                &[Value::Text(id), Value::Int(secs(now))],
            )
            .map_err(err("use verification"))?;
        Ok(updated == 1)
    }

    fn release_verification(
        &mut self,
        id: &str,
        report_json: &str,
        dg1: &[u8],
    ) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "UPDATE server_verifications SET used_at = NULL, report_json = $2, dg1 = $3 \
                 WHERE id = $1 AND issued_serial IS NULL",
                &[Value::Text(id), Value::Text(report_json), Value::Bytes(dg1)],
            )
            .map_err(err("release verification"))?;
        Ok(())
    }

    fn record_issuance(&mut self, id: &str, serial_hex: &str) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "UPDATE server_verifications SET issued_serial = $2 WHERE id = $1",
                &[Value::Text(id), Value::Text(serial_hex)],
            )
            .map_err(err("record issuance"))?;
        Ok(())
    }

    fn bind_document(
        &mut self,
        fingerprint: &str,
        person: &str,
        now: UnixTime,
    ) -> Result<Binding, DbError> {
        self.0.bind_document(fingerprint, person, now)
    }

    fn insert_api_key(&mut self, key: &StoredApiKey, now: UnixTime) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "INSERT INTO server_api_keys (id, name, secret_sha256, scopes, profiles, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    Value::Text(&key.id),
                    Value::Text(&key.name),
                    Value::Bytes(&key.secret_sha256),
                    Value::Text(&key.scopes),
                    Value::OptText(key.profiles.as_deref()),
                    Value::Int(secs(now)),
                ],
            )
            .map_err(err("insert api key"))?;
        Ok(())
    }

    fn api_key(&mut self, id: &str) -> Result<Option<StoredApiKey>, DbError> {
        self.0
            .sql()?
            .query_opt(
                &format!("SELECT {API_KEY_COLUMNS} FROM server_api_keys WHERE id = $1"),
                &[Value::Text(id)],
            )
            .map_err(err("read api key"))
    }

    fn mark_dev(&mut self, now: UnixTime) -> Result<(), DbError> {
        self.0
            .sql()?
            .execute(
                "INSERT INTO server_flags (name, set_at) VALUES ('dev', $1) \
                 ON CONFLICT (name) DO NOTHING",
                &[Value::Int(secs(now))],
            )
            .map_err(err("mark dev"))?;
        Ok(())
    }

    fn dev_marked(&mut self) -> Result<bool, DbError> {
        self.0
            .sql()?
            .query_opt(
                "SELECT COUNT(*) > 0 FROM server_flags WHERE name = 'dev'",
                &[],
            )
            .map_err(err("read flags"))?
            .ok_or_else(|| DbError::from_display("read flags", "no row"))
    }

    fn record_role(&mut self, role: &str, now: UnixTime) -> Result<(), DbError> {
        let name = format!("{ROLE_FLAG}{role}");
        self.0
            .sql()?
            .execute(
                "INSERT INTO server_flags (name, set_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
                &[Value::Text(&name), Value::Int(secs(now))],
            )
            .map_err(err("record role"))?;
        Ok(())
    }

    fn roles_recorded(&mut self) -> Result<Vec<String>, DbError> {
        let names: Vec<String> = self
            .0
            .sql()?
            .query(
                "SELECT name FROM server_flags WHERE name LIKE 'role:%' ORDER BY name",
                &[],
            )
            .map_err(err("read flags"))?;
        Ok(names
            .into_iter()
            .filter_map(|n| n.strip_prefix(ROLE_FLAG).map(str::to_owned))
            .collect())
    }

    fn purge(&mut self, now: UnixTime, cutoffs: &PurgeCutoffs) -> Result<Removed, DbError> {
        let mut sql = self.0.sql()?;
        sql.execute(
            "DELETE FROM server_challenges WHERE expires_at <= $1",
            &[Value::Int(secs(now))],
        )
        .map_err(err("purge challenges"))?;
        sql.execute(
            "DELETE FROM server_chip_sessions WHERE expires_at <= $1",
            &[Value::Int(secs(now))],
        )
        .map_err(err("purge chip sessions"))?;
        let reports = sql
            .execute(
                "UPDATE server_verifications SET report_json = NULL, dg1 = NULL \
                 WHERE created_at < $1 AND (report_json IS NOT NULL OR dg1 IS NOT NULL)",
                &[Value::Int(secs(cutoffs.reports))],
            )
            .map_err(err("purge reports"))?;
        let unissued = sql
            .execute(
                "DELETE FROM server_verifications WHERE issued_serial IS NULL AND created_at < $1",
                &[Value::Int(secs(cutoffs.verifications))],
            )
            .map_err(err("purge verifications"))?;
        let issued = sql
            .execute(
                "DELETE FROM server_verifications \
                 WHERE issued_serial IS NOT NULL AND created_at < $1",
                &[Value::Int(secs(cutoffs.receipts))],
            )
            .map_err(err("purge receipts"))?;
        let documents = sql
            .execute(
                "DELETE FROM server_documents WHERE first_used_at < $1",
                &[Value::Int(secs(cutoffs.documents))],
            )
            .map_err(err("purge documents"))?;
        drop(sql);
        self.0.after_delete()?;
        Ok(Removed {
            verifications: unissued.saturating_add(issued),
            reports,
            documents,
        })
    }

    fn erase_person(&mut self, person: &str, serials_hex: &[String]) -> Result<Removed, DbError> {
        let mut sql = self.0.sql()?;
        let mut verifications = 0u64;
        for serial in serials_hex {
            verifications = verifications.saturating_add(
                sql.execute(
                    "DELETE FROM server_verifications WHERE issued_serial = $1",
                    &[Value::Text(serial)],
                )
                .map_err(err("erase verifications"))?,
            );
        }
        let documents = sql
            .execute(
                "DELETE FROM server_documents WHERE person = $1",
                &[Value::Text(person)],
            )
            .map_err(err("erase documents"))?;
        drop(sql);
        self.0.after_delete()?;
        Ok(Removed {
            verifications,
            reports: 0,
            documents,
        })
    }
}

/// Opens the server state at `location` (a SQLite path or a `postgres://` URL) and creates
/// its tables.
///
/// # Errors
/// [`DbError`].
pub fn open(location: &str) -> Result<Box<dyn ServerDb>, DbError> {
    let mut db: Box<dyn ServerDb> =
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Box::new(Db(postgres::PgDb::connect(location)?))
        } else {
            Box::new(Db(sqlite::SqliteDb::open(location)?))
        };
    db.migrate()?;
    Ok(db)
}
