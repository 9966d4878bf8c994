//! Two `dongpo-server` processes on one PostgreSQL database serve consistent results:
//! a challenge or a verification used on one cannot be used on the other, issuance on one
//! is visible on the other, and a revocation on one reaches the other's OCSP answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::time::{Duration, Instant};

use dongpo_testkit::pg_database::Database;
use dongpo_testkit::{Profile, Variant};
use serde_json::json;
use support::{Client, Passport, Process, cert_status_of, fresh_dir, issue, ocsp_request_for};

#[test]
fn two_servers_share_one_postgres_database() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (two servers on one PostgreSQL)");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_servers").unwrap();
    let data = fresh_dir("pg");
    let env_a = [
        ("DATABASE_URL", database.url.as_str()),
        ("DONGPO_NODE", "server-a"),
        ("DONGPO_REVOCATION_POLL_SECS", "1"),
    ];
    let a = Process::start(&data, &["--dev"], &env_a);
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let key = key.trim();
    let env_b = [
        ("DATABASE_URL", database.url.as_str()),
        ("DONGPO_NODE", "server-b"),
        ("DONGPO_REVOCATION_POLL_SECS", "1"),
    ];
    let b = Process::start(&data, &["--dev"], &env_b);
    let (ca, cb) = (
        Client::new(&a.url, Some(key)),
        Client::new(&b.url, Some(key)),
    );
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // A challenge from A used on B; replaying it on A fails.
    let challenge = ca.post("/v1/challenges", &json!({})).json();
    let mut body = passport.document();
    body["aa"] = json!({
        "challenge_id": challenge["id"],
        "signature": passport.aa_sign(challenge["challenge"].as_str().unwrap()),
    });
    let verified = cb.post("/v1/verifications", &body);
    assert_eq!(
        verified.status,
        201,
        "{}",
        String::from_utf8_lossy(&verified.body)
    );
    let replay = ca.post("/v1/verifications", &body);
    assert_eq!(
        (replay.status, replay.code().as_str()),
        (409, "challenge_used")
    );

    // Verified on B, issued on A, reuse refused on B; receipts readable on both.
    let id = verified.json()["id"].clone();
    let receipt_a = ca.get(&format!(
        "/v1/verifications/{}/receipt",
        id.as_str().unwrap()
    ));
    assert_eq!(receipt_a.status, 200);
    let issued = issue(&ca, &id, &passport.rrn(), "kb", 1);
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let reused = issue(&cb, &id, &passport.rrn(), "kb", 2);
    assert_eq!(
        (reused.status, reused.code().as_str()),
        (409, "verification_used")
    );
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    assert_eq!(
        cb.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "good"
    );

    // OCSP on B says good (and caches it); revoked on A; B's OCSP follows within its poll.
    let (ocsp_request, issuer) = ocsp_request_for(&issued.json());
    let ocsp_status = |client: &Client| {
        let reply = client.post_raw("/ocsp", "application/ocsp-request", ocsp_request.clone());
        assert_eq!(reply.status, 200);
        cert_status_of(&ocsp_request, &reply.body, &issuer)
    };
    assert_eq!(ocsp_status(&cb), "good");
    let revoked = ca.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(revoked.status, 200);
    assert_eq!(
        cb.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "revoked"
    );
    let started = Instant::now();
    while ocsp_status(&cb) != "revoked" {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "B's OCSP still says good"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(ocsp_status(&ca), "revoked");
    drop((a, b));

    // Debug logs of both processes: requests are there, personal data is not.
    let logs = support::server_logs(&data);
    assert!(logs.contains("request_id"), "no request logs:\n{logs}");
    let identity = passport.identity();
    for field in [
        "resident_registration_number",
        "document_number",
        "surname",
        "given_names",
        "date_of_birth",
    ] {
        let value = identity[field].as_str().unwrap();
        assert!(!logs.contains(value), "the server log carries the {field}");
    }
    let _ = std::fs::remove_dir_all(&data);
}

/// Refuses new connections to `database` and ends the open ones (the server's and its
/// CA store's), as a PostgreSQL outage or restart looks from the server; `false` lets
/// connections in again.
fn database_reachable(database: &Database, reachable: bool) {
    let mut admin = postgres::Client::connect(&database.admin_url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS {reachable}",
            database.name
        ))
        .unwrap();
    if !reachable {
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&database.name],
            )
            .unwrap();
    }
}

/// The database goes away under a running server: requests that need it get 503
/// `unavailable` (JSON), readiness fails, nothing half-done is returned; when the database
/// is back the server reconnects by itself and issues again.
#[test]
fn the_server_answers_503_without_its_database_and_recovers() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (PostgreSQL outage)");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_servers").unwrap();
    let data = fresh_dir("pg-outage");
    let server = Process::start(
        &data,
        &["--dev"],
        &[
            ("DATABASE_URL", database.url.as_str()),
            ("DONGPO_REVOCATION_POLL_SECS", "1"),
            ("DONGPO_REVOCATION_MAX_STALENESS_SECS", "3"),
        ],
    );
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let client = Client::new(&server.url, Some(key.trim()));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verify = || client.post("/v1/verifications", &passport.document());
    // Verifications to issue on carry the chip's Active Authentication answer.
    let verify_aa = || support::post_verification_with_aa(&client, &passport);
    let earlier = issue(&client, &verify_aa().json()["id"], &passport.rrn(), "kb", 3);
    assert_eq!(earlier.status, 201);
    let (ocsp_request, issuer) = ocsp_request_for(&earlier.json());
    let ocsp = || client.post_raw("/ocsp", "application/ocsp-request", ocsp_request.clone());
    let try_later = dongpo_revocation::ocsp::error_response(
        dongpo_revocation::ocsp::OcspResponseStatus::TryLater,
    );
    let before = verify_aa();
    assert_eq!(before.status, 201);
    let pending = before.json()["id"].clone();

    database_reachable(&database, false);
    // Until the bound passes, OCSP answers from what it knew; after it, tryLater, since
    // another server may have revoked the certificate meanwhile.
    let cut = Instant::now();
    loop {
        let answer = ocsp();
        assert_eq!(answer.status, 200);
        if answer.body == try_later {
            // The bound counts from the last poll (at most 1 s before the cut) in whole
            // seconds.
            assert!(
                cut.elapsed() > Duration::from_secs(1),
                "tryLater before the bound"
            );
            break;
        }
        assert_eq!(cert_status_of(&ocsp_request, &answer.body, &issuer), "good");
        assert!(
            cut.elapsed() < Duration::from_secs(15),
            "OCSP still vouches for the certificate long after the database went away"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..3 {
        let refused = verify();
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (503, "unavailable"),
            "{}",
            String::from_utf8_lossy(&refused.body)
        );
        assert_eq!(client.get("/readyz").status, 503);
        let not_issued = issue(&client, &pending, &passport.rrn(), "kb", 1);
        assert_eq!(
            not_issued.status,
            503,
            "{}",
            String::from_utf8_lossy(&not_issued.body)
        );
        assert!(not_issued.json().get("certificate").is_none());
    }

    database_reachable(&database, true);
    let started = Instant::now();
    while client.get("/readyz").status != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still not ready"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let answer = ocsp();
    assert_eq!(cert_status_of(&ocsp_request, &answer.body, &issuer), "good");
    let after = verify();
    assert_eq!(
        after.status,
        201,
        "{}",
        String::from_utf8_lossy(&after.body)
    );
    // The verification made before the outage is still there, unused, and issues now.
    let issued = issue(&client, &pending, &passport.rrn(), "kb", 2);
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "good"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// SIGTERM stops a server on PostgreSQL cleanly: exit status 0, no panic. The server's
/// state holds blocking PostgreSQL clients, each with a runtime of its own, and dropping
/// one on an async worker thread used to panic ("Cannot drop a runtime in a context where
/// blocking is not allowed") and abort the process instead of a clean stop. On SQLite too.
#[test]
fn sigterm_stops_a_server_cleanly_on_either_store() {
    let database = match std::env::var("DONGPO_TEST_POSTGRES_URL") {
        Ok(admin_url) => Some(Database::create(&admin_url, "dongpo_sigterm").unwrap()),
        Err(_) => {
            println!(
                "skipped: DONGPO_TEST_POSTGRES_URL is not set (SIGTERM on PostgreSQL; SQLite runs)"
            );
            None
        }
    };
    let mut stores: Vec<Option<&str>> = vec![None];
    if let Some(database) = &database {
        stores.push(Some(database.url.as_str()));
    }
    for store in stores {
        let data = fresh_dir("sigterm");
        let mut env = vec![("DONGPO_NODE", "server-term")];
        if let Some(url) = store {
            env.push(("DATABASE_URL", url));
        }
        let mut server = Process::start(&data, &["--dev"], &env);
        let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
        let client = Client::new(&server.url, Some(key.trim()));
        // Use every store: a verification, an issuance (CA store), OCSP.
        let passport = Passport::new(Profile::P256, Variant::Genuine);
        let verification = support::verify_with_aa(&client, &passport);
        let issued = issue(&client, &verification["id"], &passport.rrn(), "woori", 77);
        assert_eq!(issued.status, 201, "{}", issued.text());
        let status = server
            .terminate(Duration::from_secs(30))
            .expect("the server did not stop within 30 s of SIGTERM");
        let logs = support::server_logs(&data);
        assert!(
            status.success(),
            "store {}: exit {status} after SIGTERM; log tail: {}",
            if store.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
            logs.lines().rev().take(8).collect::<Vec<_>>().join(" | ")
        );
        assert!(!logs.contains("panicked"), "a panic at shutdown");
    }
}
