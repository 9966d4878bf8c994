//! Every PostgreSQL read of the CA store survives a dropped connection: the operation
//! that sees the connection die may fail, the next one reconnects (`is_blocked`,
//! `certificate_count` and `schema_version` once kept using the dead connection for
//! ever). Runs when `DONGPO_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use dongpo_ca::store::Store;
use dongpo_ca::store::postgres::PostgresStore;

const URL_VAR: &str = "DONGPO_TEST_POSTGRES_URL";

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    hex::encode(bytes)
}

/// Ends the server side of every connection named `application`.
fn drop_connections(url: &str, application: &str) {
    let mut admin = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
    let ended = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&application],
        )
        .unwrap();
    assert!(!ended.is_empty(), "no connection of the store to end");
}

/// `op` works again within two attempts after the store's connection was ended.
fn recovers<T>(
    store: &mut PostgresStore,
    url: &str,
    application: &str,
    what: &str,
    op: impl Fn(&mut PostgresStore) -> Result<T, dongpo_ca::store::StoreError>,
) {
    op(store).unwrap();
    drop_connections(url, application);
    // Give the server a moment to close the socket.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let first = op(store);
    if first.is_err() {
        let second = op(store);
        assert!(
            second.is_ok(),
            "{what} did not reconnect: {:?}",
            second.err()
        );
    }
}

#[test]
fn reads_reconnect_after_the_connection_drops() {
    let Ok(base) = std::env::var(URL_VAR) else {
        println!("skipped: {URL_VAR} not set");
        return;
    };
    let application = format!("dongpo_reconnect_{}", random_hex());
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}application_name={application}");
    let schema = format!("dongpo_test_{}", random_hex());
    let mut store = PostgresStore::connect_with_schema(&url, &schema).unwrap();

    recovers(&mut store, &base, &application, "is_blocked", |s| {
        s.is_blocked(&[7; 32])
    });
    recovers(&mut store, &base, &application, "certificate_count", |s| {
        s.certificate_count()
    });
    recovers(&mut store, &base, &application, "schema_version", |s| {
        s.schema_version()
    });

    let mut admin = ::postgres::Client::connect(&base, ::postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .unwrap();
}
