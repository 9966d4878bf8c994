//! Adversarial review of roles and profile-scoped API keys (adv-h2): a key limited to
//! profiles never holds `admin`, so it cannot mint a key for other profiles or for every
//! profile (nor import or erase registry records, which `admin` covers).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use serde_json::json;
use support::{Client, InProcess};

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
