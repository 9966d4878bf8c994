//! Adversarial review of roles and profile-scoped API keys (adv-h2): a key limited to
//! profiles never holds `admin`, so it cannot mint a key for other profiles or for every
//! profile (nor import or erase registry records, which `admin` covers); a start refused
//! in the wrong role records no role, so a data directory from before roles stays usable; a
//! verifier starts (and starts again) on a relative data directory, the default's kind.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use serde_json::json;
use support::{Client, InProcess, Process, fresh_dir, start_expecting_exit};

fn roles_recorded(data: &std::path::Path) -> Vec<String> {
    let db = rusqlite::Connection::open(data.join("server.sqlite")).unwrap();
    let mut query = db
        .prepare("SELECT name FROM server_flags WHERE name LIKE 'role:%' ORDER BY name")
        .unwrap();
    query
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A single-process data directory from before roles (no role recorded): starting it by
/// mistake as a verifier is refused (it holds a CA) and must leave no role behind, or the
/// next start in its own role `all` is refused for good.
#[test]
fn a_refused_start_records_no_role() {
    let data = fresh_dir("adv-h2-legacy");
    drop(Process::start(&data, &[], &[]));
    assert_eq!(roles_recorded(&data), ["role:all"]);
    // As before roles: no role recorded.
    rusqlite::Connection::open(data.join("server.sqlite"))
        .unwrap()
        .execute("DELETE FROM server_flags WHERE name LIKE 'role:%'", [])
        .unwrap();
    let refused = start_expecting_exit(&data, &["--role", "verifier"], &[])
        .expect("a verifier started on a CA's data directory");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains("holds a CA"), "{said}");
    assert!(roles_recorded(&data).is_empty(), "{said}");
    // Its own role still starts, and records itself.
    let server = Process::start(&data, &[], &[]);
    let ready = Client::new(&server.url, None).get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text());
    drop(server);
    assert_eq!(roles_recorded(&data), ["role:all"]);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn an_admin_key_cannot_be_limited_to_profiles() {
    let server = InProcess::dev("adv-h2-admin", |_| {});
    let admin = Client::new(&server.url, Some(&server.key));
    for scopes in [json!(["admin"]), json!(["issue", "admin"])] {
        let made = admin.post(
            "/v1/api-keys",
            &json!({"name": "toss admin", "scopes": scopes, "profiles": ["toss"]}),
        );
        assert_eq!(
            (made.status, made.code().as_str()),
            (400, "admin_key_not_scoped"),
            "{}",
            made.text()
        );
        assert!(made.json().get("key").is_none());
    }
    // Keys without admin are still limited as asked.
    let made = admin.post(
        "/v1/api-keys",
        &json!({"name": "toss", "scopes": ["issue", "revoke"], "profiles": ["toss"]}),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    let toss = Client::new(&server.url, Some(made.json()["key"].as_str().unwrap()));
    // ... and cannot create keys at all (insufficient scope, whatever they ask for).
    let minted = toss.post(
        "/v1/api-keys",
        &json!({"name": "escalated", "scopes": ["issue", "revoke"]}),
    );
    assert_eq!(minted.status, 403, "{}", minted.text());
    assert!(minted.json().get("key").is_none());
}

/// `dongpo-server --role verifier --data-dir rel` (relative, like the default `dongpo-data`):
/// the registry store's path was joined to the registry directory twice
/// (`rel/registry/rel/registry/registry.sqlite`), so the verifier never started.
#[test]
fn a_verifier_starts_on_a_relative_data_directory() {
    let parent = fresh_dir("adv-h2-relative");
    let data = parent.join("verifier");
    for _start in 0..2 {
        let _ = std::fs::remove_file(data.join(dongpo_server::ADDR_FILE));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dongpo-server"))
            .current_dir(&parent)
            .args(["--listen", "127.0.0.1:0", "--data-dir", "verifier"])
            .args(["--role", "verifier"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let addr = loop {
            if let Ok(addr) = std::fs::read_to_string(data.join(dongpo_server::ADDR_FILE)) {
                break addr.trim().to_owned();
            }
            if child.try_wait().unwrap().is_some() {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "the verifier exited: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(60));
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let ready = Client::new(&format!("http://{addr}"), None).get("/readyz");
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(ready.status, 200, "{}", ready.text());
    }
    assert!(data.join("registry").join("registry.sqlite").exists());
    let _ = std::fs::remove_dir_all(&parent);
    let _ = std::fs::remove_dir_all(parent.join("verifier.keys"));
}

/// A CA started on a verifier's data directory with a database of its own (so the server
/// database's role record does not stop it) wrote `ca/` and a CA passphrase into the
/// verifier's data and key directories before failing: it is refused before anything.
#[test]
fn a_ca_on_a_verifiers_data_directory_with_another_database_writes_nothing() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (CA on a verifier's directory)");
        return;
    };
    let db = dongpo_testkit::pg_database::Database::create(&admin_url, "adv_h2_ca").unwrap();
    let data = fresh_dir("adv-h2-ca-on-verifier");
    drop(Process::start(&data, &["--role", "verifier"], &[]));
    let keys = dongpo_ca::keyring::Keyring::default_dir(&data);
    let held = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let (data_before, keys_before) = (held(&data), held(&keys));
    let refused = start_expecting_exit(
        &data,
        &["--role", "ca"],
        &[("DATABASE_URL", db.url.as_str())],
    )
    .expect("a CA started on a verifier's data directory");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains("verifier's registry"), "{said}");
    assert!(!data.join("ca").exists(), "{said}");
    assert_eq!(held(&data), data_before);
    assert_eq!(held(&keys), keys_before);
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&keys);
}
