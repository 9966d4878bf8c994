//! Server roles (`--role verifier|ca|all`): a verifier and a provider CA run as separate
//! processes of the real binary, each with its own data directory and database; each
//! serves its routes and refuses the other's; neither starts on the other's data; a
//! verifier's API key is unknown at the CA. API keys limited to profiles refuse the
//! certificates of other profiles.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::path::Path;

use dongpo_testkit::pg_database::Database;
use dongpo_testkit::{Profile, Variant};
use serde_json::{Value, json};
use support::{
    Client, InProcess, Passport, Process, fresh_dir, issue, start_expecting_exit, verify_with_aa,
};

fn admin_key(data: &Path) -> String {
    std::fs::read_to_string(data.join("admin-api-key"))
        .unwrap()
        .trim()
        .to_owned()
}

fn expect(reply: &support::Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.code().as_str()),
        (status, code),
        "{}",
        reply.text()
    );
}

/// A verifier and a CA, each on `envs` (its database), from fresh data directories.
fn verifier_and_ca(name: &str, verifier_env: &[(&str, &str)], ca_env: &[(&str, &str)]) {
    let verifier_data = fresh_dir(&format!("{name}-verifier"));
    let ca_data = fresh_dir(&format!("{name}-ca"));
    let verifier = Process::start(&verifier_data, &["--role", "verifier"], verifier_env);
    let ca = Process::start(&ca_data, &["--role", "ca"], ca_env);
    let verifier_key = admin_key(&verifier_data);
    let ca_key = admin_key(&ca_data);
    let v = Client::new(&verifier.url, Some(&verifier_key));
    let c = Client::new(&ca.url, Some(&ca_key));

    // Both are up and ready.
    for client in [&v, &c] {
        assert_eq!(client.get("/healthz").status, 200);
        let ready = client.get("/readyz");
        assert_eq!(ready.status, 200, "{}", ready.text());
    }

    // The verifier: registry, challenges, receipt keys.
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let registered = v.post("/v1/registry", &json!({ "records": [passport.identity()] }));
    assert_eq!(registered.status, 200, "{}", registered.text());
    assert_eq!(registered.json()["registered"], 1);
    assert_eq!(v.post("/v1/challenges", &json!({})).status, 201);
    assert_eq!(v.get("/v1/receipt-keys").status, 200);
    // ... and none of the CA's routes.
    expect(&v.get("/v1/profiles"), 404, "not_served_by_role");
    expect(&v.get("/crl/toss.crl"), 404, "not_served_by_role");
    expect(
        &v.post_raw("/ocsp", "application/ocsp-request", vec![0x30, 0]),
        404,
        "not_served_by_role",
    );
    expect(&v.get("/v1/certificates/01"), 404, "not_served_by_role");
    expect(
        &v.post("/v1/certificates", &json!({"profile": "toss"})),
        404,
        "not_served_by_role",
    );
    // It holds no profile, so keys cannot be limited to one.
    expect(
        &v.post(
            "/v1/api-keys",
            &json!({"name": "x", "scopes": ["verify"], "profiles": ["toss"]}),
        ),
        400,
        "unknown_profile",
    );
    // No CA directory and no CA key were created.
    assert!(!verifier_data.join("ca").exists());
    let verifier_keys = dongpo_ca::keyring::Keyring::default_dir(&verifier_data);
    let held: Vec<String> = std::fs::read_dir(&verifier_keys)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        held.iter()
            .all(|n| !n.ends_with(".p8") && !n.contains("passphrase")),
        "a verifier holds CA keys: {held:?}"
    );

    // The CA: profiles, CRLs, OCSP; no registry, no verifications.
    let profiles = c.get("/v1/profiles");
    assert_eq!(profiles.status, 200);
    let issuer = profiles.json()["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "toss")
        .unwrap()["issuer"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(c.get(&format!("/crl/{issuer}.crl")).status, 200);
    expect(
        &c.post("/v1/registry", &json!({ "records": [passport.identity()] })),
        404,
        "not_served_by_role",
    );
    expect(
        &c.post(
            "/v1/registry/erase",
            &json!({"resident_registration_number": passport.rrn()}),
        ),
        404,
        "not_served_by_role",
    );
    expect(
        &c.post("/v1/challenges", &json!({})),
        404,
        "not_served_by_role",
    );
    expect(
        &c.post("/v1/verifications", &passport.document()),
        404,
        "not_served_by_role",
    );
    expect(&c.get("/v1/receipt-keys"), 404, "not_served_by_role");
    // Issuance waits for a verifier's code.
    expect(
        &c.post("/v1/certificates", &json!({"profile": "toss"})),
        422,
        "verifier_code_required",
    );

    // A verifier's key is unknown at the CA, and the CA's at the verifier.
    let at_ca = Client::new(&ca.url, Some(&verifier_key));
    expect(&at_ca.get("/v1/certificates/01"), 401, "unauthorized");
    expect(
        &at_ca.post("/v1/certificates", &json!({"profile": "toss"})),
        401,
        "unauthorized",
    );
    let at_verifier = Client::new(&verifier.url, Some(&ca_key));
    expect(
        &at_verifier.post("/v1/challenges", &json!({})),
        401,
        "unauthorized",
    );

    // Keys limited to profiles: unknown names and empty lists refused; a toss key cannot
    // ask for kb.
    expect(
        &c.post(
            "/v1/api-keys",
            &json!({"name": "x", "scopes": ["issue"], "profiles": ["nope"]}),
        ),
        400,
        "unknown_profile",
    );
    expect(
        &c.post(
            "/v1/api-keys",
            &json!({"name": "x", "scopes": ["issue"], "profiles": []}),
        ),
        400,
        "bad_request",
    );
    let made = c.post(
        "/v1/api-keys",
        &json!({"name": "toss", "scopes": ["issue", "revoke"], "profiles": ["toss"]}),
    );
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(made.json()["profiles"], json!(["toss"]));
    let toss = Client::new(&ca.url, Some(made.json()["key"].as_str().unwrap()));
    expect(
        &toss.post("/v1/certificates", &json!({"profile": "kb"})),
        403,
        "profile_not_in_key_scope",
    );
    expect(
        &toss.post("/v1/certificates", &json!({"profile": "toss"})),
        422,
        "verifier_code_required",
    );
    drop((verifier, ca));

    // Neither starts on the other's data directory (and database).
    let refused = start_expecting_exit(&ca_data, &["--role", "verifier"], ca_env)
        .expect("a verifier started on a CA's data directory");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(said.contains("role verifier"), "{said}");
    let refused = start_expecting_exit(&verifier_data, &["--role", "ca"], verifier_env)
        .expect("a CA started on a verifier's data directory");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        said.contains("role ca") || said.contains("verifier's registry"),
        "{said}"
    );
    assert!(!verifier_data.join("ca").join("ca.toml").exists());
    let _ = std::fs::remove_dir_all(&verifier_data);
    let _ = std::fs::remove_dir_all(&ca_data);
}

#[test]
fn a_verifier_and_a_ca_on_sqlite_serve_their_routes_only() {
    verifier_and_ca("roles", &[], &[]);
}

#[test]
fn a_verifier_and_a_ca_on_postgres_serve_their_routes_only() {
    let Ok(admin_url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (verifier and CA on PostgreSQL)");
        return;
    };
    let verifier_db = Database::create(&admin_url, "dongpo_verifier").unwrap();
    let ca_db = Database::create(&admin_url, "dongpo_ca").unwrap();
    verifier_and_ca(
        "pg-roles",
        &[("DATABASE_URL", verifier_db.url.as_str())],
        &[("DATABASE_URL", ca_db.url.as_str())],
    );
    // A CA on the verifier's database (from a fresh data directory) is refused by the store.
    let data = fresh_dir("pg-roles-ca-on-verifier-db");
    let refused = start_expecting_exit(
        &data,
        &["--role", "ca"],
        &[("DATABASE_URL", verifier_db.url.as_str())],
    )
    .expect("a CA started on a verifier's database");
    assert!(!refused.status.success());
    let _ = std::fs::remove_dir_all(&data);
}

/// In one process (role all, `--dev`): a key limited to `toss` neither reads nor revokes a
/// `kb` certificate (nothing changes); a key limited to `kb` revokes it.
#[test]
fn profile_scoped_keys_refuse_other_profiles_certificates() {
    let server = InProcess::dev("scoped", |_| {});
    let admin = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = verify_with_aa(&admin, &passport);
    let issued = issue(&admin, &verified["id"], &passport.rrn(), "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    let key_for = |profiles: Value| {
        let made = admin.post(
            "/v1/api-keys",
            &json!({"name": "p", "scopes": ["issue", "revoke"], "profiles": profiles}),
        );
        assert_eq!(made.status, 201, "{}", made.text());
        Client::new(&server.url, Some(made.json()["key"].as_str().unwrap()))
    };
    let toss = key_for(json!(["toss"]));
    expect(
        &toss.get(&format!("/v1/certificates/{serial}")),
        403,
        "profile_not_in_key_scope",
    );
    expect(
        &toss.post(
            &format!("/v1/certificates/{serial}/revoke"),
            &json!({"reason": "keyCompromise"}),
        ),
        403,
        "profile_not_in_key_scope",
    );
    assert_eq!(
        admin.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "good"
    );
    // Issuance under kb with the toss key is refused before the verification is used.
    let again = verify_with_aa(&admin, &passport);
    expect(
        &issue(&toss, &again["id"], &passport.rrn(), "kb", 2),
        403,
        "profile_not_in_key_scope",
    );
    let kb = key_for(json!(["kb"]));
    assert_eq!(kb.get(&format!("/v1/certificates/{serial}")).status, 200);
    let revoked = kb.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    assert_eq!(
        admin.get(&format!("/v1/certificates/{serial}")).json()["status"],
        "revoked"
    );
}
