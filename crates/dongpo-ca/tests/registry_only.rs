#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! A verifier's registry-only CA (`Ca::open_registry`): the registry and its keys without a
//! hierarchy, in a store a CA refuses to open; and it refuses a CA's store.

mod common;

use common::{NOW, fresh_dir, new_ca};
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{Ca, Identity, OpenError, Overrides, REGISTRY_STORE};

fn identity(seed: u64) -> Identity {
    let json = serde_json::to_string(&dongpo_testkit::passport::holder_identity(seed)).unwrap();
    Identity::from_json(&json, "identity").unwrap()
}

fn overrides(store: Option<String>) -> Overrides {
    Overrides {
        store,
        node: Some("verifier-test".into()),
        now: Some(NOW),
        ..Overrides::default()
    }
}

#[test]
fn a_registry_only_ca_keeps_the_registry_and_holds_no_hierarchy() {
    let dir = fresh_dir("registry-only").join("registry");
    std::fs::create_dir_all(&dir).unwrap();
    let holder = identity(1);
    let person = {
        let mut ca = Ca::open_registry(&dir, &overrides(None)).unwrap();
        assert!(!ca.holds_hierarchy());
        assert!(ca.profiles().is_empty());
        assert!(ca.issuer().cas().is_empty());
        ca.register(&holder, NOW).unwrap();
        ca.person_id(&holder.resident_registration_number).unwrap()
    };
    assert!(dir.join(REGISTRY_STORE).exists());
    // Reopened: the record is there, sealed under the same keys.
    let mut ca = Ca::open_registry(&dir, &overrides(None)).unwrap();
    let record = ca.registry_record(&person).unwrap().unwrap();
    assert_eq!(record.surname, holder.surname);
    // Its keyring holds no signing key (no encrypted PKCS#8, no passphrase).
    let held: Vec<String> = std::fs::read_dir(ca.keyring().dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!held.is_empty());
    assert!(
        held.iter()
            .all(|n| !n.ends_with(".p8") && !n.contains("passphrase")),
        "{held:?}"
    );
}

#[test]
fn a_ca_and_a_verifier_refuse_each_others_store() {
    // A verifier on a CA's store.
    let (ca_dir, ca) = new_ca("registry-only-ca", None);
    drop(ca);
    let ca_store = ca_dir.join("ca.sqlite").display().to_string();
    let dir = fresh_dir("registry-only-on-ca");
    match Ca::open_registry(&dir, &overrides(Some(ca_store))) {
        Err(OpenError::Store(why)) => assert!(why.contains("belongs to a CA"), "{why}"),
        Err(other) => panic!("another refusal: {other}"),
        Ok(_) => panic!("a verifier opened a CA's store"),
    }
    // A CA on a verifier's store.
    let registry = fresh_dir("registry-only-store");
    drop(Ca::open_registry(&registry, &overrides(None)).unwrap());
    let store = registry.join(REGISTRY_STORE).display().to_string();
    let opened = Ca::open_with(
        &ca_dir,
        Some(Passphrase::new(b"test passphrase".to_vec())),
        &Overrides {
            store: Some(store),
            ..Overrides::default()
        },
    );
    match opened {
        Err(OpenError::Store(why)) => assert!(why.contains("verifier's registry"), "{why}"),
        Err(other) => panic!("another refusal: {other}"),
        Ok(_) => panic!("a CA opened a verifier's store"),
    }
}
