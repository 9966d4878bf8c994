//! Trust decisions that fail closed (issue 15), over HTTP: canonical CRL names only,
//! owner-only data files, development material refused without `--dev`, challenges and
//! verifications bound to the API key that made them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::path::Path;
use std::process::Command;

use dongpo_testkit::{Profile, Variant};
use serde_json::json;
use support::{Client, InProcess, Passport, Process, fresh_dir, issue};

fn crls_signed(data: &Path) -> i64 {
    let conn = rusqlite::Connection::open(data.join("ca").join("ca.sqlite")).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM audit WHERE kind = 'crl.issued'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn crl_aliases_are_not_found_and_sign_nothing() {
    let server = InProcess::dev("crl-alias", |_| {});
    let public = Client::new(&server.url, None);
    let canonical: Vec<Vec<u8>> = ["toss.crl", "toss-0.crl", "toss-1.crl", "toss-delta.crl"]
        .iter()
        .map(|name| {
            let reply = public.get(&format!("/crl/{name}"));
            assert_eq!(reply.status, 200, "{name}");
            reply.body
        })
        .collect();
    let signed = crls_signed(&server.data);
    for alias in [
        "toss-00.crl",
        "toss-000.crl",
        "toss-01.crl",
        "toss-%2B0.crl",
        "toss-%2B1.crl",
        "toss-%200.crl",
        "toss-0%20.crl",
        "toss-4.crl",
        "toss-4294967296.crl",
        "toss-Delta.crl",
        "toss-delta-0.crl",
        "TOSS.crl",
        "toss.CRL",
        "toss.crl.crl",
        "nobody.crl",
        "nobody-0.crl",
        "nobody-delta.crl",
        "-0.crl",
        ".crl",
    ] {
        let reply = public.get(&format!("/crl/{alias}"));
        assert_eq!(reply.status, 404, "{alias}");
        assert_eq!(reply.code(), "crl_not_found", "{alias}");
    }
    assert_eq!(
        crls_signed(&server.data),
        signed,
        "an alias made the CA sign"
    );
    // The canonical CRLs are still the cached ones.
    for (name, before) in ["toss.crl", "toss-0.crl", "toss-1.crl", "toss-delta.crl"]
        .iter()
        .zip(&canonical)
    {
        assert_eq!(&public.get(&format!("/crl/{name}")).body, before, "{name}");
    }
    assert_eq!(crls_signed(&server.data), signed);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The paths whose modes matter: (path, expected mode).
fn private_paths(data: &Path) -> Vec<(std::path::PathBuf, u32)> {
    // The keyring sits beside the data directory, not in it.
    let keys = dongpo_ca::keyring::Keyring::default_dir(data);
    vec![
        (data.to_path_buf(), 0o700),
        (data.join("ca"), 0o700),
        (data.join("server"), 0o700),
        (data.join("server.sqlite"), 0o600),
        (data.join("ca/ca.sqlite"), 0o600),
        (data.join("dev-api-key"), 0o600),
        (data.join("server/receipt-key.p8"), 0o600),
        (keys.clone(), 0o700),
        (keys.join("document-fingerprint.key"), 0o600),
        (keys.join("audit.key"), 0o600),
    ]
}

#[cfg(unix)]
#[test]
fn data_files_are_owner_only_and_fixed_at_start() {
    let data = fresh_dir("perms");
    // A directory made by someone else's umask.
    set_mode(&data, 0o755);
    {
        let _server = Process::start(&data, &["--dev"], &[]);
        for (path, expected) in private_paths(&data) {
            assert_eq!(mode(&path), expected, "{}", path.display());
        }
    }
    // Loosened (an old release, a copy, a chmod): the next start tightens them and says so.
    for (path, _) in private_paths(&data) {
        set_mode(&path, if path.is_dir() { 0o755 } else { 0o644 });
    }
    let logs = fresh_dir("perms-logs");
    {
        let _server = Process::start_logging_to(&data, &logs, &["--dev"], &[]);
        for (path, expected) in private_paths(&data) {
            assert_eq!(mode(&path), expected, "{}", path.display());
        }
    }
    let log = support::server_logs(&logs);
    for path in [data.join("server.sqlite"), data.join("ca/ca.sqlite")] {
        assert!(
            log.contains(&format!("{} was readable by other users", path.display())),
            "no warning naming {}:\n{log}",
            path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&logs);
}

/// Starts the server binary on `data` without `--dev`; it must exit at once (a server
/// that starts is killed and the test fails). Its stderr.
fn refused_without_dev(data: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dongpo-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("started without --dev on development material");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success(), "started without --dev on dev material");
    assert!(!data.join(dongpo_server::ADDR_FILE).exists());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    stderr
}

#[test]
fn a_dev_data_directory_is_refused_without_dev() {
    let data = fresh_dir("dev-marked");
    {
        let _server = Process::start(&data, &["--dev"], &[]);
    }
    let _ = std::fs::remove_file(data.join(dongpo_server::ADDR_FILE));
    let stderr = refused_without_dev(&data);
    assert!(
        stderr.contains("refusing to start without --dev"),
        "{stderr}"
    );
    assert!(stderr.contains("fresh data directory"), "{stderr}");
    // The dev key file and testkit trust gone (and the marker): the database still knows.
    std::fs::remove_file(data.join(dongpo_server::MARKER_FILE)).unwrap();
    std::fs::remove_file(data.join("dev-api-key")).unwrap();
    std::fs::remove_dir_all(data.join("dev-trust")).unwrap();
    let stderr = refused_without_dev(&data);
    assert!(stderr.contains("used by a --dev server"), "{stderr}");
    assert!(
        !data.join("admin-api-key").exists(),
        "no production key minted"
    );
    // With --dev it still starts.
    drop(Process::start(&data, &["--dev"], &[]));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_fresh_data_directory_starts_without_dev() {
    let data = fresh_dir("prod");
    {
        let _server = Process::start(&data, &[], &[]);
    }
    assert!(data.join("admin-api-key").exists());
    assert!(!data.join(dongpo_server::MARKER_FILE).exists());
    drop(Process::start(&data, &[], &[]));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn challenges_and_verifications_belong_to_the_key_that_made_them() {
    let server = InProcess::dev("owner", |_| {});
    let a = Client::new(&server.url, Some(&server.key));
    let made = a.post(
        "/v1/api-keys",
        &json!({ "name": "tenant b", "scopes": ["verify", "issue"] }),
    );
    assert_eq!(made.status, 201);
    let b = Client::new(&server.url, Some(made.json()["key"].as_str().unwrap()));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rrn = passport.rrn();

    // A's challenge, answered in B's verification: no such challenge, and not spent.
    let challenge = a.post("/v1/challenges", &json!({})).json();
    let mut body = passport.document();
    body["aa"] = json!({
        "challenge_id": challenge["id"],
        "signature": passport.aa_sign(challenge["challenge"].as_str().unwrap()),
    });
    let unknown = b.post(
        "/v1/verifications",
        &json!({ "aa": { "challenge_id": "chl_00000000000000000000000000000000",
                          "signature": body["aa"]["signature"] },
                  "sod": body["sod"], "dg": body["dg"] }),
    );
    let foreign = b.post("/v1/verifications", &body);
    assert_eq!(foreign.status, 404);
    assert_eq!(foreign.code(), "unknown_challenge");
    assert_eq!((unknown.status, unknown.code()), (404, foreign.code()));
    let verified = a.post("/v1/verifications", &body);
    assert_eq!(verified.status, 201, "{}", verified.text());
    let id = verified.json()["id"].clone();

    // A's verification: B cannot read its receipt or issue on it, and learns nothing.
    let id_str = id.as_str().unwrap();
    let receipt_b = b.get(&format!("/v1/verifications/{id_str}/receipt"));
    let receipt_none = b.get("/v1/verifications/ver_00000000000000000000000000000000/receipt");
    assert_eq!(receipt_b.status, 404);
    assert_eq!(receipt_b.body, receipt_none.body);
    let issued_b = issue(&b, &id, &rrn, "kb", 7);
    let issued_none = issue(
        &b,
        &json!("ver_00000000000000000000000000000000"),
        &rrn,
        "kb",
        7,
    );
    assert_eq!(issued_b.status, 404);
    assert_eq!(issued_b.body, issued_none.body);
    // A still can.
    assert_eq!(
        a.get(&format!("/v1/verifications/{id_str}/receipt")).status,
        200
    );
    let issued = issue(&a, &id, &rrn, "kb", 7);
    assert_eq!(issued.status, 201, "{}", issued.text());
    // And after issuance, B still cannot reach it (no repeat of A's certificate either).
    let again_b = issue(&b, &id, &rrn, "kb", 7);
    assert_eq!(again_b.status, 404);
}
