//! Reading and writing rows the same way from either backend, so each statement and row
//! mapping is written once: [`Columns`] gives a row's values by position as the few types the
//! schemas use (both drivers' rows implement it), [`Value`] is a parameter either driver binds,
//! and [`Sql`] runs statements on a connection or transaction of either backend.

use ::postgres::types::Type;

/// A result row, read by column position.
pub trait Columns {
    /// The driver's error (a missing column, a value of another type).
    type Error;
    /// A non-null text value.
    ///
    /// # Errors
    /// The driver's, when the column is missing, null, or not text.
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    /// A text value or null.
    ///
    /// # Errors
    /// The driver's, when the column is missing or not text.
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    /// A non-null byte string.
    ///
    /// # Errors
    /// The driver's, when the column is missing, null, or not bytes.
    fn bytes(&self, i: usize) -> Result<Vec<u8>, Self::Error>;
    /// A byte string or null.
    ///
    /// # Errors
    /// The driver's, when the column is missing or not bytes.
    fn opt_bytes(&self, i: usize) -> Result<Option<Vec<u8>>, Self::Error>;
    /// A non-null integer, of any width the database stores.
    ///
    /// # Errors
    /// The driver's, when the column is missing, null, or not an integer.
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    /// An integer or null.
    ///
    /// # Errors
    /// The driver's, when the column is missing or not an integer.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    /// A non-null truth value (SQLite: an integer, PostgreSQL: a BOOLEAN).
    ///
    /// # Errors
    /// The driver's, when the column is missing, null, or not a truth value.
    fn boolean(&self, i: usize) -> Result<bool, Self::Error>;
}

impl Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.get(i)
    }
    fn bytes(&self, i: usize) -> rusqlite::Result<Vec<u8>> {
        self.get(i)
    }
    fn opt_bytes(&self, i: usize) -> rusqlite::Result<Option<Vec<u8>>> {
        self.get(i)
    }
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
    fn boolean(&self, i: usize) -> rusqlite::Result<bool> {
        self.get(i)
    }
}

/// PostgreSQL's integer width of column `i` (SMALLINT, INTEGER, or BIGINT and the rest).
fn pg_width(row: &::postgres::Row, i: usize) -> u8 {
    match row.columns().get(i).map(|c| c.type_()) {
        Some(t) if *t == Type::INT2 => 2,
        Some(t) if *t == Type::INT4 => 4,
        _ => 8,
    }
}

impl Columns for ::postgres::Row {
    type Error = ::postgres::Error;
    fn text(&self, i: usize) -> Result<String, ::postgres::Error> {
        self.try_get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, ::postgres::Error> {
        self.try_get(i)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>, ::postgres::Error> {
        self.try_get(i)
    }
    fn opt_bytes(&self, i: usize) -> Result<Option<Vec<u8>>, ::postgres::Error> {
        self.try_get(i)
    }
    fn int(&self, i: usize) -> Result<i64, ::postgres::Error> {
        match pg_width(self, i) {
            2 => self.try_get::<_, i16>(i).map(i64::from),
            4 => self.try_get::<_, i32>(i).map(i64::from),
            _ => self.try_get(i),
        }
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, ::postgres::Error> {
        match pg_width(self, i) {
            2 => Ok(self.try_get::<_, Option<i16>>(i)?.map(i64::from)),
            4 => Ok(self.try_get::<_, Option<i32>>(i)?.map(i64::from)),
            _ => self.try_get(i),
        }
    }
    fn boolean(&self, i: usize) -> Result<bool, ::postgres::Error> {
        self.try_get(i)
    }
}

/// A statement parameter, the same for either backend: each driver binds it as the type the
/// schemas use (`Small` is PostgreSQL's SMALLINT; SQLite stores every integer alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// Text.
    Text(&'a str),
    /// Text or null.
    OptText(Option<&'a str>),
    /// A byte string.
    Bytes(&'a [u8]),
    /// A byte string or null.
    OptBytes(Option<&'a [u8]>),
    /// A 64-bit integer (BIGINT).
    Int(i64),
    /// A 64-bit integer or null.
    OptInt(Option<i64>),
    /// A 16-bit integer (SMALLINT).
    Small(i16),
    /// A truth value (SQLite: 0 or 1, PostgreSQL: BOOLEAN).
    Bool(bool),
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Value::Text(v) => v.to_sql(),
            Value::OptText(v) => v.to_sql(),
            Value::Bytes(v) => v.to_sql(),
            Value::OptBytes(v) => v.to_sql(),
            Value::Int(v) => v.to_sql(),
            Value::OptInt(v) => v.to_sql(),
            Value::Small(v) => v.to_sql(),
            Value::Bool(v) => v.to_sql(),
        }
    }
}

impl Value<'_> {
    /// The value as the PostgreSQL driver binds it.
    #[must_use]
    pub fn postgres(&self) -> &(dyn ::postgres::types::ToSql + Sync) {
        match self {
            Value::Text(v) => v,
            Value::OptText(v) => v,
            Value::Bytes(v) => v,
            Value::OptBytes(v) => v,
            Value::Int(v) => v,
            Value::OptInt(v) => v,
            Value::Small(v) => v,
            Value::Bool(v) => v,
        }
    }
}

/// A value built from a result row by position, the same way from either backend.
pub trait FromRow: Sized {
    /// Reads the row.
    ///
    /// # Errors
    /// The driver's, when a column is missing or of another type.
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error>;
}

impl FromRow for String {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        row.text(0)
    }
}

impl FromRow for Vec<u8> {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        row.bytes(0)
    }
}

impl FromRow for i64 {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        row.int(0)
    }
}

impl FromRow for Option<i64> {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        row.opt_int(0)
    }
}

impl FromRow for bool {
    fn from_row<R: Columns>(row: &R) -> Result<Self, R::Error> {
        row.boolean(0)
    }
}

/// Which constraint a failed statement broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A primary key or unique constraint.
    Unique,
    /// A foreign key.
    ForeignKey,
}

/// A connection or open transaction of either backend, so that a statement and what is done
/// with its rows are written once. Statements use PostgreSQL's `$1` placeholders; the SQLite
/// side reads them as its `?1` (so a statement holds no other `$`).
pub trait Sql {
    /// The driver's error.
    type Error: std::fmt::Display;
    /// How the dialect spells the larger of two values (SQLite `max`, PostgreSQL `GREATEST`).
    const GREATEST: &'static str;
    /// A query of one truth value: whether table `$1` exists (in the search path).
    const TABLE_EXISTS: &'static str;

    /// Runs a statement that returns no rows; the number of rows it changed.
    ///
    /// # Errors
    /// The driver's ([`Sql::violation`] tells a broken constraint).
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, Self::Error>;

    /// Runs a query; its rows.
    ///
    /// # Errors
    /// The driver's, also when a row does not read as `T`.
    fn query<T: FromRow>(&mut self, sql: &str, params: &[Value<'_>])
    -> Result<Vec<T>, Self::Error>;

    /// Runs a query expected to return at most one row; its first row.
    ///
    /// # Errors
    /// As [`Sql::query`].
    fn query_opt<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Option<T>, Self::Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The constraint `error` reports broken, if it is a constraint violation.
    fn violation(error: &Self::Error) -> Option<Violation>;
}

/// A statement with `$n` placeholders as SQLite's `?n`.
fn sqlite_placeholders(sql: &str) -> String {
    sql.replace('$', "?")
}

/// A SQLite connection or transaction (through its `Deref`); statements go through the
/// connection's statement cache.
#[derive(Clone, Copy, Debug)]
pub struct Sqlite<'a> {
    conn: &'a rusqlite::Connection,
}

impl<'a> Sqlite<'a> {
    /// Statements of this run go to `conn`.
    #[must_use]
    pub fn new(conn: &'a rusqlite::Connection) -> Self {
        Sqlite { conn }
    }
}

impl Sql for Sqlite<'_> {
    type Error = rusqlite::Error;
    const GREATEST: &'static str = "max";
    const TABLE_EXISTS: &'static str =
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = $1";
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> rusqlite::Result<u64> {
        let changed = self
            .conn
            .prepare_cached(&sqlite_placeholders(sql))?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }
    fn query<T: FromRow>(&mut self, sql: &str, params: &[Value<'_>]) -> rusqlite::Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(&sqlite_placeholders(sql))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| T::from_row(row))?;
        rows.collect()
    }
    fn violation(error: &rusqlite::Error) -> Option<Violation> {
        use rusqlite::{ErrorCode, ffi};
        match error.sqlite_error() {
            Some(e) if e.code == ErrorCode::ConstraintViolation => match e.extended_code {
                ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE => {
                    Some(Violation::Unique)
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Some(Violation::ForeignKey),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What [`Postgres`] runs statements on: a connection or transaction, borrowed, or a
/// transaction owned until it is committed ([`Postgres::into_inner`]).
pub trait PgClient {
    /// The driver's client.
    type Client: ::postgres::GenericClient;
    /// The client.
    fn client(&mut self) -> &mut Self::Client;
}

impl PgClient for &mut ::postgres::Client {
    type Client = ::postgres::Client;
    fn client(&mut self) -> &mut ::postgres::Client {
        self
    }
}

impl<'t> PgClient for &mut ::postgres::Transaction<'t> {
    type Client = ::postgres::Transaction<'t>;
    fn client(&mut self) -> &mut ::postgres::Transaction<'t> {
        self
    }
}

impl<'t> PgClient for ::postgres::Transaction<'t> {
    type Client = ::postgres::Transaction<'t>;
    fn client(&mut self) -> &mut ::postgres::Transaction<'t> {
        self
    }
}

/// A PostgreSQL connection or transaction; a statement run more than once through it (a
/// batch) is prepared once.
pub struct Postgres<C> {
    client: C,
    prepared: Vec<(String, ::postgres::Statement)>,
}

impl<C: PgClient> Postgres<C> {
    /// Statements of this run go to `client`.
    #[must_use]
    pub fn new(client: C) -> Self {
        Postgres {
            client,
            prepared: Vec::new(),
        }
    }

    /// The client back (a transaction to commit).
    #[must_use]
    pub fn into_inner(self) -> C {
        self.client
    }

    fn statement(&mut self, sql: &str) -> Result<::postgres::Statement, ::postgres::Error> {
        if let Some((_, statement)) = self.prepared.iter().find(|(text, _)| text == sql) {
            return Ok(statement.clone());
        }
        let statement = ::postgres::GenericClient::prepare(self.client.client(), sql)?;
        self.prepared.push((sql.to_owned(), statement.clone()));
        Ok(statement)
    }
}

impl<C: PgClient> Sql for Postgres<C> {
    type Error = ::postgres::Error;
    const GREATEST: &'static str = "GREATEST";
    const TABLE_EXISTS: &'static str = "SELECT to_regclass($1::text) IS NOT NULL";
    fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> Result<u64, ::postgres::Error> {
        let statement = self.statement(sql)?;
        let params: Vec<_> = params.iter().map(Value::postgres).collect();
        ::postgres::GenericClient::execute(self.client.client(), &statement, &params)
    }
    fn query<T: FromRow>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> Result<Vec<T>, ::postgres::Error> {
        let statement = self.statement(sql)?;
        let params: Vec<_> = params.iter().map(Value::postgres).collect();
        ::postgres::GenericClient::query(self.client.client(), &statement, &params)?
            .iter()
            .map(T::from_row)
            .collect()
    }
    fn violation(error: &::postgres::Error) -> Option<Violation> {
        use ::postgres::error::SqlState;
        match error.code() {
            Some(code) if *code == SqlState::UNIQUE_VIOLATION => Some(Violation::Unique),
            Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => Some(Violation::ForeignKey),
            _ => None,
        }
    }
}
