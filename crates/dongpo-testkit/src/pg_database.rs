//! A PostgreSQL database of a test's own on the server that `DONGPO_TEST_POSTGRES_URL`
//! names, so that other tests' tables do not mix in; dropped (with its connections) at
//! the end. Tests call [`Database::from_env`] and print `skipped: ...` when it gives
//! `None`.

/// The variable naming the PostgreSQL server tests may use.
pub const URL_VAR: &str = "DONGPO_TEST_POSTGRES_URL";

/// A fresh database, created by [`Database::create`] and dropped with the value.
pub struct Database {
    /// The URL the database was created through (to manage it from outside).
    pub admin_url: String,
    /// The database's name.
    pub name: String,
    /// The URL of the new database (the admin URL with its database name replaced).
    pub url: String,
}

/// Creating the database failed.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The OS random generator failed.
    #[error("random name: {0}")]
    Random(String),
    /// PostgreSQL refused.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
}

impl Database {
    /// Creates `<prefix>_<random>` on the server of `admin_url`. `prefix` must be a
    /// lowercase SQL identifier.
    ///
    /// # Errors
    /// [`DatabaseError`] when the name cannot be drawn or PostgreSQL refuses.
    pub fn create(admin_url: &str, prefix: &str) -> Result<Self, DatabaseError> {
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).map_err(|e| DatabaseError::Random(e.to_string()))?;
        let name = format!("{prefix}_{}", hex::encode(random));
        let mut client = postgres::Client::connect(admin_url, postgres::NoTls)?;
        client.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        Ok(Database {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    /// A fresh database on the server of [`URL_VAR`], or `None` when it is not set.
    ///
    /// # Errors
    /// As [`Database::create`].
    pub fn from_env(prefix: &str) -> Result<Option<Self>, DatabaseError> {
        match std::env::var(URL_VAR) {
            Ok(url) => Database::create(&url, prefix).map(Some),
            Err(_) => Ok(None),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            // Best effort: a database left behind only costs space on a test server.
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
