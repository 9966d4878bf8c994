//! PostgreSQL over TLS against a live server that serves TLS (the shared test server does
//! not, and is not restarted for this): set `DONGPO_TEST_POSTGRES_TLS_URL` (a
//! `postgres://...@localhost:PORT/DB` URL without `sslmode`, to a server whose certificate
//! names `localhost` and which refuses plain TCP, `hostnossl ... reject`) and
//! `DONGPO_TEST_POSTGRES_TLS_CA` (the PEM CA that signed it). Without them the test says
//! it skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;

use dongpo_ca::store::pg_connect::{ConnectError, connect_with};

#[test]
fn tls_connections_verify_the_server() {
    let (Ok(url), Ok(ca)) = (
        std::env::var("DONGPO_TEST_POSTGRES_TLS_URL"),
        std::env::var("DONGPO_TEST_POSTGRES_TLS_CA"),
    ) else {
        println!(
            "skipped: DONGPO_TEST_POSTGRES_TLS_URL / DONGPO_TEST_POSTGRES_TLS_CA are not set \
             (no PostgreSQL serving TLS)"
        );
        return;
    };
    let ca = PathBuf::from(ca);
    let with = |mode: &str| format!("{url}?sslmode={mode}");

    // verify-full and require, with the private CA: connected, over TLS.
    for mode in ["verify-full", "require"] {
        let mut client = connect_with(&with(mode), Some(&ca)).unwrap();
        let row = client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .unwrap();
        assert!(row.get::<_, bool>(0), "{mode}: not TLS");
    }
    // The server refuses plain TCP, so a URL without sslmode fails: nothing falls back.
    assert!(matches!(
        connect_with(&url, Some(&ca)),
        Err(ConnectError::Connect(_))
    ));
    // Without the private CA (the web roots only), the certificate is not trusted.
    let untrusted = connect_with(&with("verify-full"), None)
        .map(drop)
        .unwrap_err();
    assert!(matches!(untrusted, ConnectError::Connect(_)), "{untrusted}");
    // The certificate names localhost, not 127.0.0.1: require checks the name too.
    let by_address = with("require").replace("@localhost:", "@127.0.0.1:");
    assert!(
        by_address.contains("@127.0.0.1:"),
        "the URL must use localhost"
    );
    assert!(connect_with(&by_address, Some(&ca)).is_err());
    // The store connects through the same helper, with the CA file from the environment
    // (checked when the run sets it: tests do not change their own environment).
    if std::env::var_os(dongpo_ca::store::pg_connect::CA_FILE_ENV).is_some() {
        let mut store =
            dongpo_ca::store::postgres::PostgresStore::connect(&with("verify-full")).unwrap();
        dongpo_ca::store::Store::ping(&mut store).unwrap();
    }
}
