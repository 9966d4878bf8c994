#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The registry at rest: sealed rows in the store, keys in a keyring outside the data
//! directory, rotation, and the upgrade of a database and data directory of an earlier
//! version (plaintext rows, keys under `secrets/`).

mod common;

use std::path::{Path, PathBuf};

use common::{NOW, approve_p256, fresh_dir, new_ca};
use dongpo_ca::keyring::{Kek, KeyName, Keyring, KeyringError};
use dongpo_ca::keys::Passphrase;
use dongpo_ca::registry_seal::SealError;
use dongpo_ca::{Ca, Identity, InitOptions, OpenError, Overrides, init};
use dongpo_pki::time::UnixTime;

fn passphrase() -> Option<Passphrase> {
    Some(Passphrase::new(b"test passphrase".to_vec()))
}

/// The testkit holder of `seed` as a registry identity.
fn identity(seed: u64) -> Identity {
    let json = serde_json::to_string(&dongpo_testkit::passport::holder_identity(seed)).unwrap();
    Identity::from_json(&json, "identity").unwrap()
}

/// The personal values of `identity` a file must not show in the clear.
fn personal_values(identity: &Identity) -> Vec<String> {
    [
        identity.surname.clone(),
        identity.given_names.clone(),
        identity.name_hangul.clone(),
        identity.date_of_birth.clone(),
        identity.document_number.clone(),
        identity.overseas_registration_number.clone(),
    ]
    .into_iter()
    // Short values could occur by chance in binary data.
    .filter(|v| v.len() >= 5)
    .collect()
}

/// The store files: the database and its WAL.
fn sqlite_files(dir: &Path) -> Vec<PathBuf> {
    ["ca.sqlite", "ca.sqlite-wal", "ca.sqlite-journal"]
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| p.exists())
        .collect()
}

fn assert_no_plaintext(dir: &Path, identity: &Identity) {
    let values = personal_values(identity);
    assert!(values.len() >= 4, "too few values to look for");
    for file in sqlite_files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        for value in &values {
            assert!(
                !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
                "{} holds a registry value in the clear",
                file.display()
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn the_store_holds_no_plaintext_and_the_data_directory_alone_opens_nothing() {
    let (dir, mut ca) = new_ca("at-rest", None);
    let person = common::applicant(dongpo_testkit::Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    // The RA decides on the opened record.
    approve_p256(&mut ca, &person, "kb", 3);
    let id = ca.person_id(person.rrn()).unwrap();
    let record = ca.registry_record(&id).unwrap().unwrap();
    assert_eq!(record.document_number, person.identity.document_number);
    assert!(
        !dir.join("secrets").exists(),
        "no secrets in the data directory"
    );
    assert!(Keyring::default_dir(&dir).join("audit.key").exists());
    assert_no_plaintext(&dir, &person.identity);

    // A copy of the data directory alone (no key directory): a typed error naming the key.
    let copy = fresh_dir("at-rest-copy").join("ca");
    copy_dir(&dir, &copy);
    drop(ca);
    let err = match Ca::open_with_passphrase(&copy, passphrase()) {
        Err(e) => e,
        Ok(_) => panic!("a copy without keys opened"),
    };
    assert!(
        matches!(
            &err,
            OpenError::Keyring(KeyringError::Missing {
                key: KeyName::Audit,
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("audit.key"), "{err}");
}

#[test]
fn with_a_kek_the_key_directory_holds_only_wrapped_keys() {
    let dir = fresh_dir("kek").join("ca");
    let kek = Kek::new([5; 32], "test KEK");
    let profiles = dongpo_profiles::builtin().unwrap();
    init(
        &dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            // Generated, so the passphrase too is kept in the keyring.
            passphrase: None,
            store: None,
            node: "test",
            at: UnixTime(NOW.0 - 86_400),
            pkcs11: None,
            key_dir: None,
            kek: Some(kek.clone()),
        },
    )
    .unwrap();
    let with = |kek: Option<Kek>| Overrides {
        kek,
        now: Some(NOW),
        ..Overrides::default()
    };
    let mut ca = Ca::open_with(&dir, None, &with(Some(kek.clone()))).unwrap();
    ca.register(&identity(4), NOW).unwrap();
    drop(ca);
    let keys = Keyring::default_dir(&dir);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&keys).unwrap() {
        let entry = entry.unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(
            text.starts_with("dongpo-wrapped-v1 "),
            "{} is not wrapped",
            entry.path().display()
        );
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    assert_eq!(
        names,
        [
            "audit.key",
            "passphrase",
            "registry-seal.key",
            "registry.key"
        ]
    );

    for (given, wrong) in [(None, false), (Some(Kek::new([6; 32], "other")), true)] {
        let err = match Ca::open_with(&dir, None, &with(given)) {
            Err(e) => e,
            Ok(_) => panic!("opened without the right KEK"),
        };
        match err {
            OpenError::Keyring(KeyringError::NeedsKek { .. }) if !wrong => {}
            OpenError::Keyring(KeyringError::WrongKek { .. }) if wrong => {}
            other => panic!("unexpected: {other}"),
        }
    }
    let mut ca = Ca::open_with(&dir, None, &with(Some(kek))).unwrap();
    let id = ca
        .person_id(&identity(4).resident_registration_number)
        .unwrap();
    assert!(ca.registry_record(&id).unwrap().is_some());
}

#[test]
fn rotation_reseals_in_batches_while_old_and_new_rows_open() {
    let (dir, mut ca) = new_ca("rotate", None);
    let identities: Vec<Identity> = (10..15).map(identity).collect();
    ca.register_all(&identities, NOW).unwrap();
    let ids: Vec<String> = identities
        .iter()
        .map(|i| ca.person_id(&i.resident_registration_number).unwrap())
        .collect();
    // Another process on the same store (as a second node would be), not told of the
    // rotation: it finds the new key when it meets a row sealed under it.
    let mut reader = Ca::open_with(
        &dir,
        passphrase(),
        &Overrides {
            read_only: true,
            ..Overrides::default()
        },
    )
    .unwrap();
    let mut batches = Vec::new();
    let rotation = ca
        .rotate_registry_key(false, 2, NOW, &mut |done| {
            for (id, identity) in ids.iter().zip(&identities) {
                let record = reader.registry_record(id).unwrap().unwrap();
                assert_eq!(record.surname, identity.surname);
            }
            batches.push(done);
        })
        .unwrap();
    assert_eq!(rotation.version, 2);
    assert_eq!(rotation.resealed, 5);
    assert_eq!(batches, [2, 4, 5]);
    assert_eq!(
        ca.issuer().store().registry_versions().unwrap(),
        vec![(2, 5)]
    );
    // New rows go under the new key; nothing is left to resume.
    ca.register(&identity(20), NOW).unwrap();
    assert_eq!(
        ca.issuer().store().registry_versions().unwrap(),
        vec![(2, 6)]
    );
    let again = ca.rotate_registry_key(true, 2, NOW, &mut |_| {}).unwrap();
    assert_eq!((again.version, again.resealed), (2, 0));
    for id in &ids {
        assert!(ca.registry_record(id).unwrap().is_some());
    }
    ca.verify_audit().unwrap();
}

#[test]
fn altered_or_swapped_rows_are_refused() {
    let (dir, mut ca) = new_ca("tamper", None);
    let (a, b) = (identity(30), identity(31));
    ca.register_all(&[a.clone(), b.clone()], NOW).unwrap();
    let id_a = ca.person_id(&a.resident_registration_number).unwrap();
    let id_b = ca.person_id(&b.resident_registration_number).unwrap();
    let raw = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    // B's sealed fields under A's person id.
    raw.execute_batch(&format!(
        "UPDATE registry_sealed SET (nonce, ciphertext) = \
         (SELECT nonce, ciphertext FROM registry_sealed WHERE person = '{id_b}') \
         WHERE person = '{id_a}'"
    ))
    .unwrap();
    assert!(matches!(
        ca.registry_record(&id_a),
        Err(SealError::Tampered { .. })
    ));
    // One bit of B's ciphertext flipped.
    raw.execute_batch(&format!(
        "UPDATE registry_sealed SET ciphertext = \
         CAST(substr(ciphertext, 1, 4) || x'ff' || substr(ciphertext, 6) AS BLOB) WHERE person = '{id_b}'"
    ))
    .unwrap();
    let err = ca.registry_record(&id_b).unwrap_err();
    assert!(matches!(err, SealError::Tampered { .. }), "{err}");
    assert!(!err.to_string().contains(&b.surname), "{err}");
}

/// The plain key files of a keyring, moved to where earlier versions kept them.
fn move_keys_back(dir: &Path) {
    let keys = Keyring::default_dir(dir);
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for (key, legacy) in [
        ("audit.key", "secrets/audit.key"),
        ("registry.key", "secrets/registry.key"),
    ] {
        std::fs::rename(keys.join(key), dir.join(legacy)).unwrap();
    }
    std::fs::remove_dir_all(&keys).unwrap();
}

#[test]
fn a_version_3_directory_with_plaintext_rows_and_keys_in_secrets_is_upgraded() {
    let (dir, mut ca) = new_ca("upgrade", None);
    let person = identity(40);
    ca.register(&person, NOW).unwrap();
    let id = ca.person_id(&person.resident_registration_number).unwrap();
    drop(ca);
    // The database as schema version 3 left it: a plaintext registry, no sealed tables.
    let raw = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    raw.execute_batch(&format!(
        "DROP TABLE registry_sealed; DROP TABLE registry_keys; DROP TABLE access_records;
         DROP TABLE ca_revocations;
         ALTER TABLE certificates DROP COLUMN vid_random_encrypted;
         ALTER TABLE certificates DROP COLUMN vid_random_encryption;
         DELETE FROM schema_migrations WHERE version > 3;
         CREATE TABLE registry (
            person TEXT NOT NULL PRIMARY KEY, overseas_registration_number TEXT NOT NULL,
            registration_status TEXT NOT NULL, surname TEXT NOT NULL,
            given_names TEXT NOT NULL, name_hangul TEXT NOT NULL,
            date_of_birth TEXT NOT NULL, sex TEXT NOT NULL, nationality TEXT NOT NULL,
            document_number TEXT NOT NULL, country_of_residence TEXT NOT NULL,
            vid BLOB, vid_random BLOB) STRICT;
         INSERT INTO registry VALUES ('{id}', '{}', 'registered', '{}', '{}', '{}', '{}',
            '{}', '{}', '{}', '{}', x'01', x'02');",
        person.overseas_registration_number,
        person.surname,
        person.given_names,
        person.name_hangul,
        person.date_of_birth,
        person.sex,
        person.nationality,
        person.document_number,
        person.country_of_residence,
    ))
    .unwrap();
    drop(raw);
    move_keys_back(&dir);

    let mut ca = Ca::open_with_passphrase(&dir, passphrase()).unwrap();
    assert!(!dir.join("secrets/audit.key").exists());
    assert!(!dir.join("secrets/registry.key").exists());
    let keys = Keyring::default_dir(&dir);
    for key in ["audit.key", "registry.key", "registry-seal.key"] {
        assert!(keys.join(key).exists(), "{key}");
    }
    assert_eq!(ca.issuer().store().plaintext_registry().unwrap(), None);
    let record = ca.registry_record(&id).unwrap().unwrap();
    assert_eq!(record.document_number, person.document_number);
    assert_eq!(
        ca.issuer().store().registry_versions().unwrap(),
        vec![(1, 1)]
    );
    ca.verify_audit().unwrap();
    assert_no_plaintext(&dir, &person);
    drop(ca);
    // Opening again changes nothing.
    let mut ca = Ca::open_with_passphrase(&dir, passphrase()).unwrap();
    assert!(ca.registry_record(&id).unwrap().is_some());
}

/// adv17: a server's CA keeps its keys outside the server's whole data directory, not only
/// outside the CA directory (`Overrides::keys_outside`).
#[test]
fn keys_inside_the_outer_data_directory_are_refused() {
    let (dir, ca) = new_ca("keys-outside", None);
    drop(ca);
    let open = |outer: &Path| {
        Ca::open_with(
            &dir,
            Some(Passphrase::new(b"test passphrase".to_vec())),
            &Overrides {
                keys_outside: Some(outer.to_path_buf()),
                ..Overrides::default()
            },
        )
    };
    // `<dir>.keys` lies beside the CA directory: outside it, inside its parent.
    let parent = dir.parent().unwrap();
    let refused = open(parent).err().expect("keys inside the data directory");
    let text = refused.to_string();
    assert!(text.contains("inside the data directory"), "{text}");
    assert!(open(&dir).is_ok());
}
