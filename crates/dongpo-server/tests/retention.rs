//! Retention and erasure against a running server: after an issuance the SQLite files
//! (database, `-wal`, `-shm`) hold copies of the MRZ until the purge job runs; after it
//! none of them does. Erasing the person then deletes the registry record and the server's
//! rows about them, leaving no registry field in the CA store's files either.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dongpo_testkit::{Profile, Variant};
use serde_json::json;
use support::{Client, InProcess, Passport, issue};

/// The database file and its `-wal` and `-shm` companions, as far as they exist.
fn sqlite_files(db: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        .filter(|p| p.exists())
        .collect()
}

/// Which of `needles` (name, bytes) occur in any of `files`.
fn found_in(files: &[PathBuf], needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        for (name, needle) in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!("{name} in {}", file.display()));
            }
        }
    }
    found
}

fn field(passport: &Passport, name: &str) -> String {
    passport.identity()[name].as_str().unwrap().to_owned()
}

/// The passport's DG1 and MRZ, and the MRZ's parts a report carries.
fn mrz_needles(passport: &Passport) -> Vec<(String, Vec<u8>)> {
    let dg1 = passport.file("DG1.bin").to_vec();
    let mrz = dongpo_icao::lds::Mrz::from_dg1(&dg1).unwrap();
    let mut out = vec![
        ("DG1".to_owned(), dg1),
        ("MRZ".to_owned(), mrz.raw.clone().into_bytes()),
    ];
    for (i, line) in mrz.raw.as_bytes().chunks(44).enumerate() {
        out.push((format!("MRZ line {}", i + 1), line.to_vec()));
    }
    for name in ["surname", "given_names", "document_number"] {
        out.push((name.to_owned(), field(passport, name).into_bytes()));
    }
    out
}

/// Waits until the server's WAL was truncated (the purge's checkpoint), at most 90 s.
fn wait_for_truncated_wal(db: &Path) {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) != 0 {
        assert!(
            Instant::now() < deadline,
            "the purge never truncated the WAL"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn purge_leaves_no_mrz_in_the_sqlite_files_and_erasure_no_registry_record() {
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    // Housekeeping (the purge) runs every 30 polls: one poll a second.
    let server = InProcess::dev("retention", |config| {
        config.revocation_poll_secs = 1;
        config.revocation_max_staleness_secs = 5;
    });
    let client = Client::new(&server.url, Some(&server.key));
    let verified = support::verify_with_aa(&client, &passport);
    let id = json!(verified["id"].as_str().unwrap());
    let issued = issue(&client, &id, &passport.rrn(), "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();

    let server_db = server.data.join("server.sqlite");
    let needles = mrz_needles(&passport);
    // The premise: consuming the verification nulled its DG1 and report, but copies stay
    // in the files until the purge (the test would pass vacuously otherwise).
    assert!(
        !found_in(&sqlite_files(&server_db), &needles).is_empty(),
        "the MRZ was expected in the WAL before the purge"
    );
    wait_for_truncated_wal(&server_db);
    let left = found_in(&sqlite_files(&server_db), &needles);
    assert!(left.is_empty(), "after the purge: {left:?}");
    // The receipt and the certificate stay (within their retention).
    assert_eq!(
        client
            .get(&format!(
                "/v1/verifications/{}/receipt",
                id.as_str().unwrap()
            ))
            .status,
        200
    );

    // Erasure: admin only, unknown fields and malformed numbers refused.
    let rrn = passport.rrn();
    let anonymous = Client::new(&server.url, None);
    let refused = anonymous.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn}),
    );
    assert_eq!(refused.status, 401, "{}", refused.text());
    let unknown = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn, "reason": "asked"}),
    );
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    assert_eq!(unknown.code(), "bad_request");
    let malformed = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": "12-34"}),
    );
    assert_eq!(malformed.status, 400, "{}", malformed.text());
    assert!(!malformed.text().contains("12-34"));

    let erased = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn}),
    );
    assert_eq!(erased.status, 200, "{}", erased.text());
    let body = erased.json();
    assert_eq!(body["record_deleted"], true);
    assert_eq!(body["verifications_deleted"], 1);
    assert_eq!(body["documents_deleted"], 1);
    assert_eq!(body["certificates_kept"], json!([serial]));
    assert!(!erased.text().contains(&rrn));
    // The receipt went with the verification; the certificate stays, with its status.
    assert_eq!(
        client
            .get(&format!(
                "/v1/verifications/{}/receipt",
                id.as_str().unwrap()
            ))
            .status,
        404
    );
    assert_eq!(
        client.get(&format!("/v1/certificates/{serial}")).status,
        200
    );
    // No further certificate for the erased person.
    let again = support::verify_with_aa(&client, &passport);
    let refused = issue(&client, &again["id"], &rrn, "kb", 2);
    assert_eq!(refused.status / 100, 4, "{}", refused.text());
    // Erasing again: nothing left to delete.
    let twice = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn}),
    );
    assert_eq!(twice.json()["record_deleted"], false);
    // Both erasures are in the access records, with the admin key that asked, the
    // pseudonymous subject (one person: the same both times) and no personal data.
    let ca_db = server.data.join("ca").join("ca.sqlite");
    let erasures: Vec<serde_json::Value> = rusqlite::Connection::open(&ca_db)
        .unwrap()
        .prepare("SELECT body FROM access_records WHERE kind = 'registry.erase' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|body| serde_json::from_str(&body.unwrap()).unwrap())
        .collect();
    let outcomes: Vec<&str> = erasures
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["erased", "no_record"]);
    let key_id = server.key.split('_').nth(1).unwrap();
    for erasure in &erasures {
        assert_eq!(erasure["actor"], json!(key_id), "{erasure}");
        assert!(!erasure.to_string().contains(&rrn), "{erasure}");
        assert!(!erasure.to_string().contains(&rrn.replace('-', "")));
    }
    assert_eq!(erasures[0]["subject"], erasures[1]["subject"]);
    assert!(!erasures[0]["subject"].as_str().unwrap().is_empty());

    // What only the registry record held is gone from every file of the CA store
    // (the certificate, kept, carries the Hangul name and the pseudonymous UID only).
    let registry_only: Vec<(String, Vec<u8>)> = [
        "overseas_registration_number",
        "surname",
        "given_names",
        "date_of_birth",
        "document_number",
    ]
    .iter()
    .map(|name| ((*name).to_owned(), field(&passport, name).into_bytes()))
    .collect();
    let left = found_in(&sqlite_files(&ca_db), &registry_only);
    assert!(left.is_empty(), "after the erasure: {left:?}");
}

/// adv17: an erasure whose registry part ran and whose server part failed is still in the
/// access records (as unfinished), and running it again finishes it.
#[test]
fn an_erasure_the_server_database_fails_is_recorded_as_unfinished() {
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let server = InProcess::dev("erase-unfinished", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let verified = support::verify_with_aa(&client, &passport);
    let id = json!(verified["id"].as_str().unwrap());
    let issued = issue(&client, &id, &passport.rrn(), "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());

    // The server database loses a table under the running server: its part will fail.
    let server_db = rusqlite::Connection::open(server.data.join("server.sqlite")).unwrap();
    server_db
        .execute_batch("ALTER TABLE server_documents RENAME TO server_documents_away")
        .unwrap();
    let rrn = passport.rrn();
    let failed = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn}),
    );
    assert_eq!(failed.status, 503, "{}", failed.text());
    assert!(!failed.text().contains(&rrn));

    // Put back, and run again: the registry record is already gone, the server's part done.
    server_db
        .execute_batch("ALTER TABLE server_documents_away RENAME TO server_documents")
        .unwrap();
    let again = client.post(
        "/v1/registry/erase",
        &json!({"resident_registration_number": rrn}),
    );
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["record_deleted"], false);
    assert_eq!(again.json()["documents_deleted"], 1);

    let outcomes: Vec<String> =
        rusqlite::Connection::open(server.data.join("ca").join("ca.sqlite"))
            .unwrap()
            .prepare("SELECT body FROM access_records WHERE kind = 'registry.erase' ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|body| {
                let body: serde_json::Value = serde_json::from_str(&body.unwrap()).unwrap();
                body["outcome"].as_str().unwrap().to_owned()
            })
            .collect();
    assert_eq!(outcomes, ["erased_unfinished", "no_record"]);
}
