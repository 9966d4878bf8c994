//! Node identity and one CA (issue 18, finding 2): a second process with a node id in use
//! is refused at start, and so is `dongpo registry import` on a running server's CA
//! directory; `/readyz` fails while the CA cannot write; a security setting given twice
//! and disagreeing stops the start, one given in `ca.toml` alone applies; one bad trust
//! file is refused alone; a second node on a shared PostgreSQL store with an empty data
//! directory refuses to create a second CA, and a node provisioned as docs/operators.md
//! says serves the one CA.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use dongpo_testkit::pg_database::Database;
use dongpo_testkit::{Profile, Variant};
use serde_json::json;
use support::{
    Client, InProcess, Passport, Process, cert_status_of, copy_tree, fresh_dir, issue,
    ocsp_request_for, start_expecting_exit, verify_with_aa,
};

/// The `dongpo` CLI built beside `dongpo-server` (`cargo build -p dongpo-cli`).
fn cli() -> PathBuf {
    let server = PathBuf::from(env!("CARGO_BIN_EXE_dongpo-server"));
    let cli = server.with_file_name("dongpo");
    assert!(
        cli.exists(),
        "{} is missing: build it with `cargo build -p dongpo-cli`",
        cli.display()
    );
    cli
}

#[test]
fn a_second_process_with_a_node_in_use_is_refused_and_so_is_the_cli() {
    let data = fresh_dir("node-twice");
    let server = Process::start(&data, &["--dev"], &[]);
    // A second server with the same (default) node id on the same store.
    let out = start_expecting_exit(&data, &["--dev"], &[])
        .expect("dongpo-server kept running (expected it to refuse the start)");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audit node \"server-1\" is in use by another process"),
        "{stderr}"
    );
    // The CLI writing the running server's CA directory is refused the same way, before
    // it writes anything.
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let identity = data.join("identity.json");
    std::fs::write(&identity, passport.file("identity.json")).unwrap();
    let import = Command::new(cli())
        .args(["registry", "import", "--dir"])
        .arg(data.join("ca"))
        .arg("--identity")
        .arg(&identity)
        .output()
        .unwrap();
    assert!(!import.status.success());
    let stderr = String::from_utf8_lossy(&import.stderr);
    assert!(stderr.contains("is in use by another process"), "{stderr}");
    // The server was not disturbed: it issues.
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let client = Client::new(&server.url, Some(key.trim()));
    assert_eq!(client.get("/readyz").status, 200);
    let verified = verify_with_aa(&client, &passport);
    let issued = issue(&client, &verified["id"], &passport.rrn(), "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    drop(server);
    // Once the server is gone, the CLI may write.
    let import = Command::new(cli())
        .args(["registry", "import", "--dir"])
        .arg(data.join("ca"))
        .arg("--identity")
        .arg(&identity)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn readyz_fails_while_the_ca_cannot_write() {
    let server = InProcess::dev("node-lost", |_| {});
    let client = Client::new(&server.url, None);
    assert_eq!(client.get("/readyz").status, 200);
    let lock = server.data.join("ca").join("ca.sqlite.node-server-1.lock");
    assert!(lock.exists());
    std::fs::remove_file(&lock).unwrap();
    // Another process takes the node id meanwhile (here: this test holds the new lock).
    let other = std::fs::File::create(&lock).unwrap();
    other.try_lock().unwrap();
    let ready = client.get("/readyz");
    assert_eq!((ready.status, ready.code().as_str()), (503, "unavailable"));
    // Released, the server claims its node again and is ready.
    drop(other);
    assert_eq!(client.get("/readyz").status, 200);
}

/// `require_active_authentication` was replaced by the profiles' `min_assurance`: in
/// `ca.toml` or in the environment it stops the start with a message that says so.
#[test]
fn the_replaced_active_authentication_setting_stops_the_start() {
    let data = fresh_dir("aa-replaced");
    drop(Process::start(&data, &["--dev"], &[]));
    let out = start_expecting_exit(
        &data,
        &["--dev"],
        &[("DONGPO_REQUIRE_ACTIVE_AUTHENTICATION", "true")],
    )
    .expect("dongpo-server kept running with DONGPO_REQUIRE_ACTIVE_AUTHENTICATION");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DONGPO_REQUIRE_ACTIVE_AUTHENTICATION") && stderr.contains("min_assurance"),
        "{stderr}"
    );
    let ca_toml = data.join("ca").join("ca.toml");
    let text = std::fs::read_to_string(&ca_toml).unwrap();
    std::fs::write(
        &ca_toml,
        text.replacen(
            "store = ",
            "require_active_authentication = true\nstore = ",
            1,
        ),
    )
    .unwrap();
    let out = start_expecting_exit(&data, &["--dev"], &[])
        .expect("dongpo-server kept running with require_active_authentication in ca.toml");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ca.toml")
            && stderr.contains("replaced by")
            && stderr.contains("min_assurance"),
        "{stderr}"
    );
    std::fs::write(&ca_toml, text).unwrap();
    drop(Process::start(&data, &["--dev"], &[]));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn one_bad_trust_file_is_refused_alone_with_a_metric() {
    let extra = fresh_dir("trust-extra");
    std::fs::write(extra.join("broken.der"), b"not a certificate").unwrap();
    let dirs = vec![extra.clone()];
    let server = InProcess::dev("trust-bad", move |c| {
        c.trust_dirs = dirs;
        c.trust_reload_secs = 1;
    });
    let client = Client::new(&server.url, Some(&server.key));
    let metrics = client.get("/metrics").text();
    assert!(
        metrics.contains("dongpo_trust_files_refused 1"),
        "{metrics}"
    );
    // The rest applies: the testkit CSCAs verify a genuine passport.
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = client.post("/v1/verifications", &passport.document());
    assert_eq!(verified.status, 201, "{}", verified.text());
    assert_eq!(
        verified.json()["report"]["valid"],
        true,
        "{}",
        verified.text()
    );
    // A reload with a second bad CRL still applies the rest and counts both.
    std::fs::write(extra.join("broken.crl"), b"not a CRL").unwrap();
    let started = Instant::now();
    while !client
        .get("/metrics")
        .text()
        .contains("dongpo_trust_files_refused 2")
    {
        assert!(started.elapsed() < Duration::from_secs(20), "no reload");
        std::thread::sleep(Duration::from_millis(200));
    }
    let again = client.post("/v1/verifications", &passport.document());
    assert_eq!(again.json()["report"]["valid"], true, "{}", again.text());
    let _ = std::fs::remove_dir_all(&extra);
}

#[test]
fn nodes_on_one_postgres_serve_one_ca_or_refuse() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (nodes on one PostgreSQL)");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_nodes").unwrap();
    let (data_a, data_b) = (fresh_dir("node-a"), fresh_dir("node-b"));
    let env = |node: &'static str| {
        [
            ("DATABASE_URL", database.url.clone()),
            ("DONGPO_NODE", node.to_owned()),
            ("DONGPO_REVOCATION_POLL_SECS", "1".to_owned()),
        ]
    };
    let env_a = env("node-a");
    let env_a: Vec<(&str, &str)> = env_a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let env_b = env("node-b");
    let env_b: Vec<(&str, &str)> = env_b.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = Process::start(&data_a, &["--dev"], &env_a);

    // B as the README once set it up: an empty data directory, the same database.
    let out = start_expecting_exit(&data_b, &["--dev"], &env_b)
        .expect("dongpo-server kept running (expected it to refuse the start)");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already holds a CA") && stderr.contains("docs/operators.md"),
        "{stderr}"
    );
    // Nothing of B's own reached the store: no second CA, no audit chain of node-b.
    let mut pg = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    let b_records: i64 = pg
        .query_one("SELECT count(*) FROM audit WHERE node = 'node-b'", &[])
        .unwrap()
        .get(0);
    assert_eq!(b_records, 0);

    // Provisioned as docs/operators.md says: A's CA directory and server keys.
    let _ = std::fs::remove_dir_all(data_b.join("ca"));
    copy_tree(&data_a.join("ca"), &data_b.join("ca"));
    copy_tree(&data_a.join("server"), &data_b.join("server"));
    // And the key directory beside the data directory (docs/operators.md, several nodes).
    copy_tree(
        &dongpo_ca::keyring::Keyring::default_dir(&data_a),
        &dongpo_ca::keyring::Keyring::default_dir(&data_b),
    );
    let b = Process::start(&data_b, &["--dev"], &env_b);
    let key_a = std::fs::read_to_string(data_a.join("dev-api-key")).unwrap();
    let key_b = std::fs::read_to_string(data_b.join("dev-api-key")).unwrap();
    let (ca, cb) = (
        Client::new(&a.url, Some(key_a.trim())),
        Client::new(&b.url, Some(key_b.trim())),
    );

    // A person registered through A (another resident registration number for the
    // testkit passport details) is known on B, and B issues to them.
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let mut other = passport.identity();
    let rrn = passport.rrn();
    let first12: String = rrn.replace('-', "").chars().take(12).collect();
    let first12 = format!(
        "{}{}",
        &first12[..11],
        (first12.as_bytes()[11] - b'0' + 1) % 10
    );
    let check = dongpo_testkit::person::rrn_check_digit(&first12).unwrap();
    let other_rrn = format!("{}-{}{check}", &first12[..6], &first12[6..]);
    other["resident_registration_number"] = json!(other_rrn);
    let registered = ca.post("/v1/registry", &json!({"records": [other]}));
    assert_eq!(registered.status, 200, "{}", registered.text());
    let verified = verify_with_aa(&cb, &passport);
    let issued = issue(&cb, &verified["id"], &other_rrn, "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    let issuer_name = issued.json()["issuer"].as_str().unwrap().to_owned();

    // Known on A, answered by A's OCSP, and B's CRL verifies under the one CA.
    assert_eq!(
        ca.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "good"
    );
    let (request, issuer) = ocsp_request_for(&issued.json());
    for client in [&ca, &cb] {
        let reply = client.post_raw("/ocsp", "application/ocsp-request", request.clone());
        assert_eq!(reply.status, 200);
        assert_eq!(cert_status_of(&request, &reply.body, &issuer), "good");
    }
    for client in [&ca, &cb] {
        let crl = client.get(&format!("/crl/{issuer_name}.crl"));
        assert_eq!(crl.status, 200);
        dongpo_revocation::Crl::parse(&crl.body)
            .unwrap()
            .verify(
                &issuer,
                dongpo_pki::time::UnixTime::now(),
                &dongpo_crypto::Verifier::new(),
            )
            .unwrap();
    }
    drop((a, b));
    let _ = std::fs::remove_dir_all(&data_a);
    let _ = std::fs::remove_dir_all(&data_b);
}
