#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! PKCS#11 issuing keys against SoftHSM2.
//!
//! SoftHSM2 finds its token directory through `SOFTHSM2_CONF`, read at `C_Initialize`.
//! Changing the environment of a running process needs `unsafe` in edition 2024 (which
//! the workspace forbids), so each test re-runs itself in a child process given its own
//! `softhsm2.conf` and token directory: tests stay parallel and share no token state.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use dongpo_ca::keys::pkcs11::{Pkcs11Config, Pkcs11Key, find_softhsm_module, shared_context};
use dongpo_ca::keys::{IssuerKeyError, Passphrase, signature_algorithm_for};
use dongpo_crypto::{
    Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignError, SignatureAlgorithm, Signer, Verifier,
};

const CHILD: &str = "DONGPO_SOFTHSM_CHILD";
const TOKEN: &str = "dongpo-test";
const USER_PIN: &str = "user-pin-4711";
const SO_PIN: &str = "so-pin-0815";

/// Runs `body` with a freshly initialised token, in a child process of this test binary.
fn with_token(test_name: &str, body: impl FnOnce(&Path)) {
    let Some(module) = find_softhsm_module() else {
        println!("skipped: SoftHSM2 module not found (apt-get install softhsm2)");
        return;
    };
    if std::env::var_os(CHILD).is_some() {
        init_token(&module);
        body(&module);
        return;
    }
    let dir = std::env::temp_dir().join(format!(
        "dongpo-ca-softhsm-{test_name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(out.status.success(), "child test {test_name} failed");
    // Guard against a filter that matched nothing: the child must have run this test.
    assert!(stdout.contains("1 passed"), "child did not run {test_name}");
}

/// `C_InitToken` + `C_InitPIN` on the first free slot.
fn init_token(module: &Path) {
    let ctx = shared_context(module).unwrap();
    let slot = ctx.get_all_slots().unwrap()[0];
    ctx.init_token(slot, &AuthPin::from(SO_PIN.to_owned()), TOKEN)
        .unwrap();
    // SoftHSM2 renumbers the slot once its token is initialised: look it up again.
    let slot = ctx.get_slots_with_initialized_token().unwrap()[0];
    let session = ctx.open_rw_session(slot).unwrap();
    session
        .login(UserType::So, Some(&AuthPin::from(SO_PIN.to_owned())))
        .unwrap();
    session
        .init_pin(&AuthPin::from(USER_PIN.to_owned()))
        .unwrap();
    session.logout().unwrap();
}

fn config(module: &Path, key_label: &str) -> Pkcs11Config {
    Pkcs11Config {
        module: PathBuf::from(module),
        token_label: TOKEN.to_owned(),
        pin: Passphrase::new(USER_PIN.as_bytes().to_vec()),
        key_label: key_label.to_owned(),
    }
}

fn assert_verifies(key: &dyn Signer, algorithm: &SignatureAlgorithm) {
    let message = b"tbsCertificate stand-in";
    let signature = key.sign(algorithm, message).unwrap();
    let verifier = Verifier::new();
    verifier
        .verify(key.public_key(), algorithm, message, &signature)
        .unwrap_or_else(|e| panic!("{} with {algorithm}: {e}", key.describe()));
    assert!(
        verifier
            .verify(key.public_key(), algorithm, b"another message", &signature)
            .is_err()
    );
}

#[test]
fn every_key_type_is_generated_non_extractable_and_signs() {
    with_token(
        "every_key_type_is_generated_non_extractable_and_signs",
        |module| {
            for (spec, label, description) in [
                (KeySpec::Ec(Curve::P256), "issuing-p256", "ec:P-256"),
                (KeySpec::Ec(Curve::P384), "issuing-p384", "ec:P-384"),
                (KeySpec::Rsa(3072), "issuing-rsa", "rsa:3072"),
            ] {
                let key = Pkcs11Key::generate(&config(module, label), spec).unwrap();
                assert_eq!(key.public_key().description(), description);
                assert_eq!(
                    key.describe(),
                    format!("pkcs11 token '{TOKEN}' key '{label}' ({description})")
                );
                let default = signature_algorithm_for(key.public_key()).unwrap();
                assert_verifies(&key, &default);
                match spec {
                    KeySpec::Ec(_) => {
                        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
                            for encoding in [EcdsaEncoding::Der, EcdsaEncoding::Plain] {
                                assert_verifies(
                                    &key,
                                    &SignatureAlgorithm::Ecdsa { hash, encoding },
                                );
                            }
                        }
                    }
                    KeySpec::Rsa(_) => {
                        for hash in [HashAlgorithm::Sha384, HashAlgorithm::Sha512] {
                            assert_verifies(&key, &SignatureAlgorithm::RsaPkcs1 { hash });
                        }
                        let sha1 = SignatureAlgorithm::RsaPkcs1 {
                            hash: HashAlgorithm::Sha1,
                        };
                        assert!(matches!(
                            key.sign(&sha1, b"x"),
                            Err(SignError::Key(e))
                                if matches!(
                                    e.downcast_ref::<IssuerKeyError>(),
                                    Some(IssuerKeyError::Unsupported { .. })
                                )
                        ));
                    }
                }
                assert_token_attributes(module, label);
            }
        },
    );
}

/// Reads the objects back through cryptoki: token objects, sensitive, not
/// extractable, one private and one public key sharing label and CKA_ID.
fn assert_token_attributes(module: &Path, label: &str) {
    let ctx = shared_context(module).unwrap();
    let slot = ctx.get_slots_with_initialized_token().unwrap()[0];
    let session = ctx.open_ro_session(slot).unwrap();
    let _ = session.login(UserType::User, Some(&AuthPin::from(USER_PIN.to_owned())));
    let find = |class| {
        let found = session
            .find_objects(&[
                Attribute::Class(class),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .unwrap();
        assert_eq!(found.len(), 1, "{label}");
        found[0]
    };
    let private = session
        .get_attributes(
            find(ObjectClass::PRIVATE_KEY),
            &[
                AttributeType::Token,
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Id,
            ],
        )
        .unwrap();
    let public = session
        .get_attributes(find(ObjectClass::PUBLIC_KEY), &[AttributeType::Id])
        .unwrap();
    let mut private_id = None;
    for attribute in private {
        match attribute {
            Attribute::Token(t) => assert!(t),
            Attribute::Sensitive(s) => assert!(s),
            Attribute::Extractable(e) => assert!(!e),
            Attribute::Id(id) => private_id = Some(id),
            other => panic!("unexpected {other:?}"),
        }
    }
    let private_id = private_id.unwrap();
    assert_eq!(private_id.len(), 16);
    assert_eq!(public, vec![Attribute::Id(private_id)]);
}

#[test]
fn reopened_key_is_the_same_key() {
    with_token("reopened_key_is_the_same_key", |module| {
        let cfg = config(module, "root-2025");
        let generated = Pkcs11Key::generate(&cfg, KeySpec::Ec(Curve::P384)).unwrap();
        let original_public = generated.public_key().clone();
        drop(generated);
        let reopened = Pkcs11Key::open(&cfg).unwrap();
        assert_eq!(reopened.public_key(), &original_public);
        let alg = signature_algorithm_for(&original_public).unwrap();
        let sig = reopened.sign(&alg, b"crl").unwrap();
        Verifier::new()
            .verify(&original_public, &alg, b"crl", &sig)
            .unwrap();
        // A second key under the same label would make `open` ambiguous: refused.
        let err = Pkcs11Key::generate(&cfg, KeySpec::Ec(Curve::P256)).unwrap_err();
        assert!(matches!(err, IssuerKeyError::KeyExists { .. }), "{err:?}");
        // The token can be named with the blank padding PKCS#11 stores it with.
        let mut padded = config(module, "root-2025");
        padded.token_label = format!("{TOKEN}   ");
        assert_eq!(
            Pkcs11Key::open(&padded).unwrap().public_key(),
            &original_public
        );
    });
}

#[test]
fn missing_label_token_and_wrong_pin_give_clear_errors() {
    with_token(
        "missing_label_token_and_wrong_pin_give_clear_errors",
        |module| {
            Pkcs11Key::generate(&config(module, "present"), KeySpec::Ec(Curve::P256)).unwrap();

            let err = Pkcs11Key::open(&config(module, "absent-label")).unwrap_err();
            assert!(
                matches!(&err, IssuerKeyError::KeyNotFound { token, label, class: "private" }
                if token == TOKEN && label == "absent-label"),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!("PKCS#11 token '{TOKEN}' has no private key labelled 'absent-label'")
            );

            let mut other_token = config(module, "present");
            other_token.token_label = "no-such-token".into();
            let err = Pkcs11Key::open(&other_token).unwrap_err();
            let message = err.to_string();
            assert!(
                matches!(err, IssuerKeyError::TokenNotFound { .. }),
                "{err:?}"
            );
            assert!(message.contains("'no-such-token'"), "{message}");
            assert!(
                message.contains(&format!("tokens present: '{TOKEN}'")),
                "{message}"
            );

            // Log out whatever the generating key left logged in, then try a wrong PIN.
            let mut wrong_pin = config(module, "present");
            wrong_pin.pin = Passphrase::new(b"not-the-pin".to_vec());
            let ctx = shared_context(module).unwrap();
            let slot = ctx.get_slots_with_initialized_token().unwrap()[0];
            let _ = ctx.open_ro_session(slot).unwrap().logout();
            let err = Pkcs11Key::open(&wrong_pin).unwrap_err();
            let message = err.to_string();
            assert!(message.contains("PinIncorrect"), "{message}");
            assert!(!message.contains("not-the-pin"), "{message}");
        },
    );
}

#[test]
fn concurrent_signing_and_recovery_after_logout() {
    with_token("concurrent_signing_and_recovery_after_logout", |module| {
        let key = Arc::new(
            Pkcs11Key::generate(&config(module, "ocsp"), KeySpec::Ec(Curve::P256)).unwrap(),
        );
        let alg = signature_algorithm_for(key.public_key()).unwrap();
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let key = Arc::clone(&key);
                std::thread::spawn(move || {
                    let verifier = Verifier::new();
                    for i in 0..50u8 {
                        let message = [t, i];
                        let sig = key.sign(&alg, &message).unwrap();
                        verifier
                            .verify(key.public_key(), &alg, &message, &sig)
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // Logging the application out (as a token reset would) invalidates the pooled
        // sessions' login and SoftHSM2's private-key handles; signing must recover.
        let ctx = shared_context(module).unwrap();
        let slot = ctx.get_slots_with_initialized_token().unwrap()[0];
        ctx.open_ro_session(slot).unwrap().logout().unwrap();
        let sig = key.sign(&alg, b"after logout").unwrap();
        Verifier::new()
            .verify(key.public_key(), &alg, b"after logout", &sig)
            .unwrap();
    });
}
