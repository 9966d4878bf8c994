//! The server state on PostgreSQL survives a dropped connection on every path: the call
//! that sees the connection die may fail, the next one reconnects (`take_challenge` once
//! kept using the dead connection for ever). Runs when `DONGPO_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use dongpo_pki::time::UnixTime;

#[test]
fn take_challenge_reconnects_after_the_connection_drops() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (reconnecting server state)");
        return;
    };
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).unwrap();
    let name = format!("dongpo_reconnect_{}", hex::encode(random));
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}?application_name={name}");

    let outcome = std::panic::catch_unwind(|| {
        let mut db = dongpo_server::db::open(&url).unwrap();
        let now = UnixTime::now();
        db.insert_challenge("c1", "k1", &[7; 8], UnixTime(now.0 + 300))
            .unwrap();
        let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
        let ended = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .unwrap();
        assert!(
            !ended.is_empty(),
            "no connection of the server state to end"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
        let taken = match db.take_challenge("c1", "k1", now) {
            Ok(taken) => taken,
            Err(_) => db
                .take_challenge("c1", "k1", now)
                .map_err(|e| e.0)
                .expect("take_challenge did not reconnect"),
        };
        assert_eq!(taken.ok(), Some(vec![7; 8]));
    });
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
