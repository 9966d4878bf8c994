//! A PostgreSQL database of a test's own on the server `DONGPO_TEST_POSTGRES_URL` names,
//! so that other tests' tables do not mix in; dropped (with its connections) at the end.

/// A fresh database, created by [`Database::create`] and dropped with the value.
pub struct Database {
    /// The URL the database was created through (to manage it from outside).
    pub admin_url: String,
    /// The database's name.
    pub name: String,
    /// The URL of the new database (the admin URL with its database name replaced).
    pub url: String,
}

impl Database {
    /// Creates `<prefix>_<random>` on the server of `admin_url`.
    pub fn create(admin_url: &str, prefix: &str) -> Self {
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).unwrap();
        let name = format!("{prefix}_{}", hex::encode(random));
        let mut client = postgres::Client::connect(admin_url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        Database {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
