//! Second adversarial review of issue 18 (SECURITY.md §5), CA side.
//!
//! `dongpo ca init --store postgres://...` on a database that already holds a CA creates a
//! second root, issuing CAs and keys, and writes its `ca.initialized` audit record (under
//! its own node, HMAC'd with its own audit key) into the first CA's audit table: from then
//! on `dongpo audit verify` of the real CA reports its chain BROKEN ("audit record node-1/1
//! was changed"), and only database surgery removes the record. The server's first start
//! refuses exactly this (`refuse_second_ca`), the CLI's `ca init` does not; step 1 of
//! docs/operators.md "Several nodes, one CA" run again on a second node does it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, fresh_dir};
use dongpo_ca::Ca;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{InitOptions, init};
use dongpo_pki::time::UnixTime;

fn init_at(dir: &std::path::Path, store: &str, node: &str) -> Result<(), String> {
    let profiles = dongpo_profiles::builtin().unwrap();
    init(
        dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: Some(Passphrase::new(b"test passphrase".to_vec())),
            store: Some(store.to_owned()),
            node,
            at: UnixTime(NOW.0 - 86_400),
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn ca_init_on_a_store_that_holds_a_ca_is_refused_and_leaves_its_audit_chain_intact() {
    let Some(database) =
        dongpo_testkit::pg_database::Database::from_env("dongpo_atk18b_init").unwrap()
    else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set");
        return;
    };
    let first = fresh_dir("atk18b-first").join("ca");
    init_at(&first, &database.url, "node-1").unwrap();
    let passphrase = || Some(Passphrase::new(b"test passphrase".to_vec()));
    let mut ca = Ca::open_with_passphrase(&first, passphrase()).unwrap();
    ca.verify_audit().unwrap();
    drop(ca);

    // The same command on a second node (or run twice): a new CA in the same database.
    let second = fresh_dir("atk18b-second").join("ca");
    let refused = init_at(&second, &database.url, "node-2");
    // Whatever init answers, the first CA's audit chain must still verify.
    let mut ca = Ca::open_with_passphrase(&first, passphrase()).unwrap();
    let audit = ca.verify_audit();
    drop(ca);
    let _ = std::fs::remove_dir_all(first.parent().unwrap());
    let _ = std::fs::remove_dir_all(second.parent().unwrap());
    assert!(
        audit.is_ok(),
        "the first CA's audit chain no longer verifies: {:?}",
        audit.err().map(|e| e.to_string())
    );
    assert!(
        refused.is_err(),
        "ca init created a second CA in a store that already holds one"
    );
}

/// Every Default_Ignorable_Code_Point of Unicode's DerivedCoreProperties (the ranges as
/// Unicode 15/16 list them) is refused in a name, as SECURITY.md and docs/http.md say.
/// U+2065 (unassigned, default-ignorable: shown as nothing) is missing from
/// `subject::is_forbidden_in_names` (it lists 2060..=2064 and 2066..=206F): a registry
/// import with `name_hangul` "장\u{2065}민준" is accepted over HTTP (200) and the certificate
/// is issued with that invisible code point in its commonName (reproduced with
/// `POST /v1/registry` then `POST /v1/certificates`).
#[test]
fn every_default_ignorable_code_point_is_refused_in_names() {
    let ranges: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180B, 0x180F),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x206F),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xFFF0, 0xFFF8),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0000, 0xE0FFF),
    ];
    let mut passed = Vec::new();
    for &(from, to) in ranges {
        for u in from..=to {
            let c = char::from_u32(u).unwrap();
            let name = format!("장{c}민준");
            if dongpo_ca::name_text_problem(&name, 64).is_none() {
                passed.push(format!("U+{u:04X}"));
            }
        }
    }
    assert!(passed.is_empty(), "accepted in a name: {passed:?}");
}
