//! Issue 17, item 1, over HTTP: under a profile carrying the KISA VID, `POST
//! /v1/certificates` answers the VID random `R` sealed to the certified key; the subscriber
//! opens it and proves the VID, a repeated request gets the same sealed value, a key `R`
//! cannot be sealed to is refused before signing, and no file of the data directory holds
//! `R`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::path::{Path, PathBuf};

use base64ct::{Base64, Encoding};
use dongpo_ca::{InitOptions, Overrides};
use dongpo_crypto::seal::{VID_RANDOM_INFO, open};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_profiles::vid::{VidMatch, verify_certificate};
use dongpo_testkit::{Profile, Variant};
use serde_json::{Value, json};
use support::{Client, InProcess, Passport, fresh_dir, pem_der};
use zeroize::Zeroizing;

/// A data directory whose CA issues `kb` certificates with the VID: created as `--dev`
/// would, then given a profiles directory and the change accepted, as an operator would
/// (`dongpo ca accept-settings`).
fn data_with_vid_profile() -> PathBuf {
    let data = fresh_dir("vid");
    let config = InProcess::dev_config(&data);
    let dir = config.ca_dir();
    let now = UnixTime::now();
    let profiles = dongpo_profiles::builtin().unwrap();
    dongpo_ca::init(
        &dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: config.ca_passphrase.clone(),
            store: None,
            node: &config.node,
            at: UnixTime(now.0 - 60),
            pkcs11: None,
            // Where the server puts a CA's keys: `DATA.keys`, beside the data directory.
            key_dir: Some(format!(
                "../../{}{}",
                data.file_name().unwrap().to_string_lossy(),
                dongpo_ca::keyring::KEY_DIR_SUFFIX
            )),
            kek: None,
        },
    )
    .unwrap();
    dongpo_profiles::write_builtin(
        &dir.join(dongpo_testkit::ca_profiles::PROFILES_DIR),
        dongpo_testkit::ca_profiles::vid_only_on("kb"),
    )
    .unwrap();
    dongpo_testkit::ca_profiles::point_ca_at_profiles(&dir).unwrap();
    let ca = dongpo_ca::Ca::open_with(
        &dir,
        config.ca_passphrase.clone(),
        &Overrides {
            node: Some(config.node.clone()),
            accept_settings: Some(now),
            ..Overrides::default()
        },
    )
    .unwrap();
    assert!(ca.profile("kb").unwrap().identify_data_vid);
    drop(ca);
    data
}

/// A subscriber key (PKCS#8) and its CSR (PEM).
fn subscriber(spec: KeySpec, seed: u64) -> (Zeroizing<Vec<u8>>, String) {
    let key = dongpo_testkit::csr::subscriber_key(spec, seed, "server-vid").unwrap();
    let csr = dongpo_testkit::csr::csr(&key, spec, "vid subscriber").unwrap();
    (
        key.to_pkcs8_der().unwrap(),
        dongpo_testkit::csr::csr_pem(&csr),
    )
}

fn post_certificate(client: &Client, id: &Value, rrn: &str, csr: &str) -> support::Reply {
    client.post(
        "/v1/certificates",
        &json!({
            "verification_id": id,
            "profile": "kb",
            "csr": csr,
            "resident_registration_number": rrn,
        }),
    )
}

/// Every file under `dir`, raw bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

#[test]
fn the_answer_carries_the_random_sealed_to_the_subscriber_key_and_nothing_stores_it() {
    let server = InProcess::dev_in(data_with_vid_profile(), |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rrn = passport.rrn();
    let digits = rrn.replace('-', "");
    let mut other = digits.clone().into_bytes();
    other[12] = if other[12] == b'9' {
        b'0'
    } else {
        other[12] + 1
    };
    let other = String::from_utf8(other).unwrap();

    // A key restricted to RSASSA-PSS (R could not be sealed to it, and the CA would drop
    // its restriction): refused by the key policy before signing, the verification kept.
    let verified = support::verify_with_aa(&client, &passport);
    let id = verified["id"].clone();
    let pss_key = dongpo_testkit::csr::subscriber_key(KeySpec::Rsa(2048), 9, "server-vid").unwrap();
    let pss = dongpo_testkit::csr::csr_pem(
        &dongpo_testkit::csr::pss_restricted_csr(&pss_key, "pss subscriber").unwrap(),
    );
    let refused = post_certificate(&client, &id, &rrn, &pss);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(refused.code(), "weak_key");
    assert!(refused.text().contains("RSASSA-PSS"), "{}", refused.text());

    let mut randoms = Vec::new();
    for (n, (spec, suite)) in [
        (KeySpec::Ec(Curve::P256), "hpke-p256-sha256-aes256gcm"),
        (KeySpec::Rsa(2048), "rsa-oaep-sha256"),
    ]
    .into_iter()
    .enumerate()
    {
        // The first issuance uses the verification the refusal left unused.
        let id = if n == 0 {
            id.clone()
        } else {
            support::verify_with_aa(&client, &passport)["id"].clone()
        };
        let (key, csr) = subscriber(spec, 20 + n as u64);
        let reply = post_certificate(&client, &id, &rrn, &csr);
        assert_eq!(reply.status, 201, "{}", reply.text());
        let answer = reply.json();
        assert_eq!(answer["vid_random_encryption"], suite);
        let sealed = Base64::decode_vec(answer["vid_random_encrypted"].as_str().unwrap()).unwrap();
        let r = open(&key, VID_RANDOM_INFO, &sealed).unwrap();
        let cert = pem_der(answer["certificate"].as_str().unwrap());
        assert_eq!(
            verify_certificate(&cert, &digits, &r).unwrap(),
            VidMatch::Match
        );
        assert_eq!(
            verify_certificate(&cert, &other, &r).unwrap(),
            VidMatch::NoMatch
        );
        let mut wrong = r.to_vec();
        wrong[19] ^= 0x80;
        assert_eq!(
            verify_certificate(&cert, &digits, &wrong).unwrap(),
            VidMatch::NoMatch
        );

        // The same request again (a retry after a timeout): the same sealed value.
        let again = post_certificate(&client, &id, &rrn, &csr);
        assert_eq!(again.status, 200, "{}", again.text());
        let again = again.json();
        assert_eq!(again["repeated"], true);
        assert_eq!(
            again["vid_random_encrypted"],
            answer["vid_random_encrypted"]
        );
        assert_eq!(again["vid_random_encryption"], suite);
        randoms.push(r);
    }
    assert_ne!(randoms[0], randoms[1], "every certificate has its own R");

    // No file of the data directory (databases, WAL, keys, logs) holds R, as bytes or hex.
    let found = files(&server.data);
    assert!(found.iter().any(|(p, _)| p.ends_with("ca/ca.sqlite")));
    for r in &randoms {
        for spelling in [r.to_vec(), hex::encode(r).into_bytes()] {
            for (path, bytes) in &found {
                assert!(
                    !bytes
                        .windows(spelling.len())
                        .any(|w| w == spelling.as_slice()),
                    "{} holds R",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn profiles_without_the_vid_answer_no_random() {
    let server = InProcess::dev("vid-none", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verified = support::verify_with_aa(&client, &passport);
    let reply = support::issue(&client, &verified["id"], &passport.rrn(), "kb", 3);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let answer = reply.json();
    assert!(answer.get("vid_random_encrypted").is_none(), "{answer}");
    assert!(answer.get("vid_random_encryption").is_none(), "{answer}");
}
