//! Reading a result row the same way from either backend, so each row mapping is written
//! once: [`Columns`] gives a row's values by position as the few types the schemas use,
//! and both drivers' rows implement it.

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
