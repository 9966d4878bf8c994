//! Second adversarial review of issue 18 ("revocation that never lies and a CA that stays
//! consistent, on one node or many"): the problems found, each as a test that failed on the
//! code reviewed and passes since its fix (SECURITY.md §5).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use dongpo_testkit::pg_database::Database;
use dongpo_testkit::{Profile, Variant};
use support::{
    Client, Passport, Process, copy_tree, fresh_dir, issue, start_expecting_exit, verify_with_aa,
};

fn env_of(pairs: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    pairs.to_vec()
}

fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Finding 1. A PostgreSQL node claim is a session advisory lock on a connection of its
/// own; when that connection drops (a network blip, an idle-session timeout, a failover,
/// `pg_terminate_backend`), another process can claim the same node id, and the first
/// server keeps issuing and revoking under it: only `/readyz` looks at the claim, no
/// write does. Two live processes then write one audit chain, which the claims exist to
/// prevent ("two writers never share a chain", docs/architecture.md).
#[test]
fn a_server_that_lost_its_node_claim_does_not_write_while_another_process_holds_it() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_claim").unwrap();
    let (data_a, data_b) = (fresh_dir("atk18b-claim-a"), fresh_dir("atk18b-claim-b"));
    let env = env_of(&[
        ("DATABASE_URL", database.url.clone()),
        ("DONGPO_NODE", "api-1".to_owned()),
    ]);
    let a = Process::start(&data_a, &["--dev"], &borrowed(&env));
    let key_a = std::fs::read_to_string(data_a.join("dev-api-key")).unwrap();
    let ca = Client::new(&a.url, Some(key_a.trim()));
    assert_eq!(ca.get("/readyz").status, 200);

    // The claim's connection drops.
    let mut pg = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    let killed: i64 = pg
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1, "A's claim connection");

    // A second node provisioned as docs/operators.md says, but with A's node id by
    // mistake: it claims api-1 and starts.
    copy_tree(&data_a.join("ca"), &data_b.join("ca"));
    copy_tree(&data_a.join("server"), &data_b.join("server"));
    // And the key directory beside the data directory (docs/operators.md, several nodes).
    copy_tree(
        &dongpo_ca::keyring::Keyring::default_dir(&data_a),
        &dongpo_ca::keyring::Keyring::default_dir(&data_b),
    );
    let b = Process::start(&data_b, &["--dev"], &borrowed(&env));
    let key_b = std::fs::read_to_string(data_b.join("dev-api-key")).unwrap();
    let cb = Client::new(&b.url, Some(key_b.trim()));
    assert_eq!(cb.get("/readyz").status, 200, "B holds api-1 now");
    // A knows it cannot write...
    let ready = ca.get("/readyz");
    assert_eq!(ready.status, 503, "{}", ready.text());
    let before: i64 = pg
        .query_one("SELECT count(*) FROM audit WHERE node = 'api-1'", &[])
        .unwrap()
        .get(0);

    // ...yet it issues (and audits) under api-1 while B holds it.
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = verify_with_aa(&ca, &passport);
    let issued = issue(&ca, &verified["id"], &passport.rrn(), "kb", 7);
    let after: i64 = pg
        .query_one("SELECT count(*) FROM audit WHERE node = 'api-1'", &[])
        .unwrap()
        .get(0);
    // B writes under api-1 too.
    let verified_b = verify_with_aa(&cb, &passport);
    let issued_b = issue(&cb, &verified_b["id"], &passport.rrn(), "kb", 8);
    assert_eq!(issued_b.status, 201, "{}", issued_b.text());
    drop((a, b));
    let _ = std::fs::remove_dir_all(&data_a);
    let _ = std::fs::remove_dir_all(&data_b);
    assert_eq!(
        issued.status,
        503,
        "A issued while another process held its node id: {}",
        issued.text()
    );
    assert_eq!(
        after, before,
        "A wrote audit records under a node it does not hold"
    );
}

/// Finding 2. Nodes sharing one PostgreSQL CA must agree on the CA's settings, but only
/// `crl_partitions` was pinned: a node whose settings were laxer started and issued on
/// Passive Authentication alone what every other node refuses (docs/operators.md: "the
/// settings issued certificates depend on" are refused at start). The assurance issuance
/// needs is now each profile's `min_assurance`, pinned with the profiles.
#[test]
fn nodes_of_one_ca_cannot_disagree_on_the_assurance_required() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_settings").unwrap();
    let (data_a, data_b) = (fresh_dir("atk18b-set-a"), fresh_dir("atk18b-set-b"));
    let env = |node: &str| {
        env_of(&[
            ("DATABASE_URL", database.url.clone()),
            ("DONGPO_NODE", node.to_owned()),
        ])
    };
    // A creates the CA with the shipped profiles (min_assurance = "PA+CA").
    let env_a = env("node-a");
    let a = Process::start(&data_a, &["--dev"], &borrowed(&env_a));
    let key_a = std::fs::read_to_string(data_a.join("dev-api-key")).unwrap();
    let ca = Client::new(&a.url, Some(key_a.trim()));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    // A refuses a verification without proof of chip presence.
    let mut pa_only = passport.document();
    for n in ["14", "15"] {
        pa_only["dg"].as_object_mut().unwrap().remove(n);
    }
    let pa_only = ca.post("/v1/verifications", &pa_only);
    assert_eq!(pa_only.status, 201);
    let refused = issue(&ca, &pa_only.json()["id"], &passport.rrn(), "kb", 11);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (422, "assurance_too_low"),
        "{}",
        refused.text()
    );

    // B: A's CA directory and server keys, but its own profiles asking only for PA.
    copy_tree(&data_a.join("ca"), &data_b.join("ca"));
    copy_tree(&data_a.join("server"), &data_b.join("server"));
    // And the key directory beside the data directory (docs/operators.md, several nodes).
    copy_tree(
        &dongpo_ca::keyring::Keyring::default_dir(&data_a),
        &dongpo_ca::keyring::Keyring::default_dir(&data_b),
    );
    let ca_b = data_b.join("ca");
    dongpo_profiles::write_builtin(
        &ca_b.join(dongpo_testkit::ca_profiles::PROFILES_DIR),
        |_, text| text.replace("min_assurance = \"PA+CA\"", "min_assurance = \"PA\""),
    )
    .unwrap();
    dongpo_testkit::ca_profiles::point_ca_at_profiles(&ca_b).unwrap();
    let env_b = env("node-b");
    let out = start_expecting_exit(&data_b, &["--dev"], &borrowed(&env_b));
    drop(a);
    let _ = std::fs::remove_dir_all(&data_a);
    let _ = std::fs::remove_dir_all(&data_b);
    let out = out.expect(
        "B started (and kept running) with profiles asking for PA on a CA whose other node asks for PA+CA",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("profiles"), "{stderr}");
}

/// Finding 3. SIGTERM waits for the start-up pre-signing of OCSP responses: it runs as
/// one `spawn_blocking` job over every certificate (a status query per certificate and
/// issuing CA, then the signatures), which the Tokio runtime waits for when it is dropped
/// after the drain. With 50,000 certificates in the store, a SIGTERM a second after the
/// start is answered minutes later, far past `shutdown_grace_secs` (10 s) and past the
/// stop timeouts of init systems (Kubernetes 30 s, systemd 90 s), which then SIGKILL the
/// process: not the clean exit docs/operators.md promises.
#[test]
fn sigterm_during_start_up_pre_signing_exits_within_the_grace() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_presign").unwrap();
    let data = fresh_dir("atk18b-presign");
    let env = env_of(&[
        ("DATABASE_URL", database.url.clone()),
        ("DONGPO_SHUTDOWN_GRACE_SECS", "2".to_owned()),
    ]);
    // One real certificate, then 50,000 rows like it (a mid-sized CA's store).
    {
        let server = Process::start(&data, &["--dev"], &borrowed(&env));
        let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
        let client = Client::new(&server.url, Some(key.trim()));
        let passport = Passport::new(Profile::P256, Variant::Genuine);
        let verified = verify_with_aa(&client, &passport);
        let issued = issue(&client, &verified["id"], &passport.rrn(), "kb", 21);
        assert_eq!(issued.status, 201, "{}", issued.text());
    }
    let mut pg = postgres::Client::connect(&database.url, postgres::NoTls).unwrap();
    pg.batch_execute(
        "BEGIN; \
         CREATE TEMP TABLE t AS SELECT decode('7f' || lpad(to_hex(g), 8, '0') || \
           substr(md5(g::text), 1, 22), 'hex') AS s FROM generate_series(1, 50000) g; \
         INSERT INTO serials (serial, issuer, person, spki_sha256, reserved_at) \
           SELECT t.s, c.issuer, c.person, c.spki_sha256, c.issued_at \
           FROM t, (SELECT * FROM certificates LIMIT 1) c; \
         INSERT INTO certificates (serial, issuer, profile, person, spki_sha256, not_before, \
           not_after, der, report_sha256, issued_at) \
           SELECT t.s, c.issuer, c.profile, c.person, c.spki_sha256, c.not_before, \
           c.not_after, c.der, c.report_sha256, c.issued_at \
           FROM t, (SELECT * FROM certificates LIMIT 1) c; \
         COMMIT;",
    )
    .unwrap();
    drop(pg);

    let mut server = Process::start(&data, &["--dev"], &borrowed(&env));
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(60));
    let took = started.elapsed();
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    let status = status.unwrap_or_else(|| {
        panic!("still running {took:?} after SIGTERM (shutdown_grace_secs = 2)")
    });
    assert!(status.success(), "{status}");
    assert!(
        took < Duration::from_secs(12),
        "SIGTERM answered after {took:?} (shutdown_grace_secs = 2)"
    );
}

/// Finding 4 (low). "A value that does not parse stops the start naming the variable"
/// (docs/operators.md): a negative or out-of-range number passes the digit check and is
/// then refused by the typed conversion, under the setting name `environment`.
#[test]
fn an_out_of_range_environment_number_is_refused_naming_its_variable() {
    for (name, value) in [
        ("DONGPO_RATE_LIMIT_BURST", "-5"),
        ("DONGPO_RATE_LIMIT_BURST", "5000000000"),
        ("DONGPO_REVOCATION_POLL_SECS", "-1"),
    ] {
        let err = dongpo_server::ServerConfig::load(
            &dongpo_server::CommandLine::default(),
            &|var: &str| (var == name).then(|| value.to_owned()),
        )
        .unwrap_err();
        assert_eq!(err.setting, name, "{name}={value}: {err}");
    }
}

/// Finding 5. `/readyz` is documented to fail while "the CA cannot write", but it only
/// reads (pings) and checks the node claim: when the database accepts reads and refuses
/// writes (a failover that landed on a hot standby, `default_transaction_read_only`, a
/// quota), every revocation and issuance fails while the probe keeps answering ready, so
/// a load balancer keeps sending revocations to a node that cannot record them.
#[test]
fn readyz_fails_while_the_database_refuses_writes() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_readonly").unwrap();
    let data = fresh_dir("atk18b-readonly");
    let env = env_of(&[("DATABASE_URL", database.url.clone())]);
    let server = Process::start(&data, &["--dev"], &borrowed(&env));
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let client = Client::new(&server.url, Some(key.trim()));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = verify_with_aa(&client, &passport);
    let issued = issue(&client, &verified["id"], &passport.rrn(), "kb", 31);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    assert_eq!(client.get("/readyz").status, 200);

    // The database turns read-only (as a standby is); the server's sessions reconnect.
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_read_only = on",
            database.name
        ))
        .unwrap();
    admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&database.name],
        )
        .unwrap();
    // Probes that saw the connections drop fail; then the server has reconnected.
    let started = Instant::now();
    while client.get("/readyz").status != 200 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let revoked = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &serde_json::json!({"reason": "keyCompromise"}),
    );
    assert_ne!(revoked.status, 200, "the database is read-only");
    let ready = client.get("/readyz");
    drop(server);
    let _ = admin.batch_execute(&format!(
        "ALTER DATABASE {} RESET default_transaction_read_only",
        database.name
    ));
    let _ = std::fs::remove_dir_all(&data);
    assert_eq!(
        ready.status,
        503,
        "ready while the CA cannot write (revocation answered {}): {}",
        revoked.status,
        ready.text()
    );
}

/// Finding 7 (low). "A file that does not load is refused alone, at start and at every
/// reload": a FIFO (or any file whose read blocks: a stale network mount) named `*.crl` in
/// a trust directory blocks the trust load forever. At start the server never listens; at
/// a reload the blocking thread never returns, so no later trust change applies and the
/// runtime waits for it at SIGTERM. Files that are not regular files could be refused
/// alone (`metadata().is_file()`), as a directory named `x.pem` already is.
#[test]
fn a_fifo_in_the_trust_directory_is_refused_alone() {
    let data = fresh_dir("atk18b-fifo");
    let trust = data.join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    let made = Command::new("mkfifo")
        .arg(trust.join("blocking.crl"))
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dongpo-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let addr = data.join(dongpo_server::ADDR_FILE);
    while !addr.exists() && started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let listening = addr.exists();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        listening,
        "the server did not start within 120 s: the trust load blocks on the FIFO"
    );
}

/// Finding 1, SQLite: the claim is a `flock` on `ca.sqlite.node-<id>.lock`, and
/// `NodeClaim::check` only asks whether *a* file exists at that path. Once the lock file is
/// removed (it is never cleaned up, so it looks like a stale leftover), a second process
/// with the same node id creates a new file there and locks it; the first still holds its
/// lock on the removed inode and sees "a" file at the path: both servers answer `/readyz`
/// ready and both issue under `server-1` on one store.
#[test]
fn a_replaced_sqlite_node_lock_file_is_not_taken_for_the_held_claim() {
    let data = fresh_dir("atk18b-flock");
    let first = Process::start(&data, &["--dev"], &[]);
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let c1 = Client::new(&first.url, Some(key.trim()));
    assert_eq!(c1.get("/readyz").status, 200);
    std::fs::remove_file(data.join("ca").join("ca.sqlite.node-server-1.lock")).unwrap();
    // A second server on the same data directory and node id.
    let second = Process::start(&data, &["--dev"], &[]);
    let c2 = Client::new(&second.url, Some(key.trim()));
    let (ready1, ready2) = (c1.get("/readyz").status, c2.get("/readyz").status);
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = verify_with_aa(&c1, &passport);
    let issued1 = issue(&c1, &verified["id"], &passport.rrn(), "kb", 41);
    let verified = verify_with_aa(&c2, &passport);
    let issued2 = issue(&c2, &verified["id"], &passport.rrn(), "kb", 42);
    drop((first, second));
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        !(ready1 == 200 && ready2 == 200),
        "two processes hold node server-1 and both are ready"
    );
    assert!(
        !(issued1.status == 201 && issued2.status == 201),
        "two processes issued under node server-1 on one store"
    );
}

/// The partition CRLs `kb-0..3.crl` of `client`: (cRLNumber as u128, serials listed, hex).
fn partition_crls(client: &Client) -> Vec<(u128, Vec<String>)> {
    (0..4)
        .map(|p| {
            let reply = client.get(&format!("/crl/kb-{p}.crl"));
            assert_eq!(reply.status, 200);
            let crl = dongpo_revocation::Crl::parse(&reply.body).unwrap();
            let number = u128::from_str_radix(&crl.number_hex().unwrap(), 16).unwrap();
            let serials = crl
                .revoked()
                .map(|e| {
                    let bytes = e.serial_number.as_bytes();
                    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
                    hex::encode(&bytes[start..])
                })
                .collect();
            (number, serials)
        })
        .collect()
}

/// Finding 9 (high). The server's `database_url` overrides the store `ca.toml` names, with
/// no check that the CA's data is there: a CA that has run on SQLite (`ca.sqlite`) and is
/// restarted with `DATABASE_URL` set ("set database_url to move both the CA store and the
/// server's tables to PostgreSQL", docs/operators.md) opens an empty PostgreSQL store with
/// the same CA keys, pins them again and publishes partition CRLs with *higher* cRLNumbers
/// (the number floor is the time) that verify under the same CA and omit every revocation
/// made before: relying parties take the newer CRL, and revoked certificates pass. The
/// same happens for a node whose `database_url` names another database than its
/// `ca.toml`'s `store`.
#[test]
fn a_ca_restarted_on_another_store_never_publishes_a_higher_crl_without_its_revocations() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_move").unwrap();
    let data = fresh_dir("atk18b-move");
    let before;
    let serial;
    {
        let server = Process::start(&data, &["--dev"], &[]);
        let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
        let client = Client::new(&server.url, Some(key.trim()));
        let passport = Passport::new(Profile::P256, Variant::Genuine);
        let verified = verify_with_aa(&client, &passport);
        let issued = issue(&client, &verified["id"], &passport.rrn(), "kb", 51);
        assert_eq!(issued.status, 201, "{}", issued.text());
        serial = issued.json()["serial"].as_str().unwrap().to_owned();
        let revoked = client.post(
            &format!("/v1/certificates/{serial}/revoke"),
            &serde_json::json!({"reason": "keyCompromise"}),
        );
        assert_eq!(revoked.status, 200, "{}", revoked.text());
        before = partition_crls(&client);
        assert!(before.iter().any(|(_, s)| s.contains(&serial)));
    }
    std::thread::sleep(Duration::from_secs(1));
    // The same data directory, now with database_url (as the guide says to move).
    let env = env_of(&[("DATABASE_URL", database.url.clone())]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dongpo-server"));
    let _ = std::fs::remove_file(data.join(dongpo_server::ADDR_FILE));
    command
        .args(["--listen", "127.0.0.1:0", "--dev", "--data-dir"])
        .arg(&data)
        .env("DATABASE_URL", &env[0].1)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    let addr = data.join(dongpo_server::ADDR_FILE);
    while !addr.exists() && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !addr.exists() {
        // Refused at start: the CA's store is not where database_url points. Fixed.
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&data);
        return;
    }
    let url = format!("http://{}", std::fs::read_to_string(&addr).unwrap().trim());
    let after = partition_crls(&Client::new(&url, None));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
    for (p, ((n_before, s_before), (n_after, s_after))) in before.iter().zip(&after).enumerate() {
        if s_before.contains(&serial) {
            assert!(
                n_after <= n_before || s_after.contains(&serial),
                "kb-{p}.crl number {n_after:#x} > {n_before:#x} omits revoked serial {serial}"
            );
        }
    }
}

/// Finding 6, server side. `dongpo ca init --store postgres://...` (step 1 of "Several
/// nodes, one CA") writes its `ca.initialized` record but no pins; `refuse_second_ca` looks
/// only at the pins. A node then started with an empty data directory on that database
/// creates a second CA with software keys, pins it, and the ceremony's CA (its HSM or key
/// files) is refused by its own store from then on ("its pinned root_sha256 differs").
#[test]
fn a_database_initialised_by_ca_init_is_not_taken_over_by_an_empty_node() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = Database::create(&admin_url, "dongpo_atk18b_takeover").unwrap();
    let ceremony = fresh_dir("atk18b-ceremony").join("ca");
    let profiles = dongpo_profiles::builtin().unwrap();
    dongpo_ca::init(
        &ceremony,
        dongpo_ca::InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: Some(dongpo_ca::keys::Passphrase::new(b"ceremony".to_vec())),
            store: Some(database.url.clone()),
            node: "node-1",
            at: dongpo_pki::time::UnixTime::now(),
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
    )
    .unwrap();
    let data = fresh_dir("atk18b-takeover");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dongpo-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("DATABASE_URL", &database.url)
        .env("DONGPO_NODE", "api-2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let addr = data.join(dongpo_server::ADDR_FILE);
    let mut exited = false;
    while !addr.exists() && started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            exited = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The ceremony's CA must still open on its store.
    let opened = dongpo_ca::Ca::open_with_passphrase(
        &ceremony,
        Some(dongpo_ca::keys::Passphrase::new(b"ceremony".to_vec())),
    )
    .map(|_| ())
    .map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(ceremony.parent().unwrap());
    assert!(
        exited,
        "the node with an empty data directory started on a database holding a CA"
    );
    assert!(
        opened.is_ok(),
        "the ceremony's CA no longer opens: {opened:?}"
    );
}
