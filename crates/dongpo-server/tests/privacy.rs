//! No personal data in logs or metrics: the whole flow (challenge, verification with
//! Active Authentication, receipt, issuance, status, OCSP, revocation, CRL, batch) and
//! refused requests that carry personal data, against a `dongpo-server` process logging
//! at trace level (plain and JSON). Every log line and the metrics are then searched for
//! the test person's name, MRZ, document number, dates and registration numbers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use dongpo_testkit::{Profile, Variant};
use serde_json::{Value, json};
use support::{Client, Passport, Process, fresh_dir, issue, server_logs};

/// Every spelling of the test person's data that could leak.
fn personal_data(passport: &Passport) -> Vec<(String, String)> {
    let identity = passport.identity();
    let field = |name: &str| identity[name].as_str().unwrap().to_owned();
    let mut out: Vec<(String, String)> = [
        "resident_registration_number",
        "overseas_registration_number",
        "surname",
        "given_names",
        "name_hangul",
        "date_of_birth",
        "date_of_expiry",
        "document_number",
    ]
    .iter()
    .map(|f| (f.to_string(), field(f)))
    .collect();
    out.push((
        "RRN without hyphen".into(),
        field("resident_registration_number").replace('-', ""),
    ));
    // The MRZ (DG1): the whole, each line, the name field, and the YYMMDD dates it carries.
    let mrz = mrz_of(passport);
    out.push(("MRZ".into(), mrz.clone()));
    for (i, line) in mrz.as_bytes().chunks(44).enumerate() {
        out.push((
            format!("MRZ line {}", i + 1),
            String::from_utf8_lossy(line).into_owned(),
        ));
    }
    let yymmdd = |iso: &str| iso.get(2..).unwrap().replace('-', "");
    out.push(("MRZ birth date".into(), yymmdd(&field("date_of_birth"))));
    out.push((
        "MRZ name".into(),
        format!("{}<<{}", field("surname"), field("given_names")),
    ));
    out
}

/// A well-formed resident registration number that is not in the registry.
const UNREGISTERED_RRN: &str = "770707-2345678";

/// The MRZ of the passport's DG1, without line breaks.
fn mrz_of(passport: &Passport) -> String {
    dongpo_icao::lds::Mrz::from_dg1(passport.file("DG1.bin"))
        .unwrap()
        .raw
}

fn flow(client: &Client, passport: &Passport, other: &Passport) {
    let verified = support::verify_with_aa(client, passport);
    let id = verified["id"].as_str().unwrap().to_owned();
    assert_eq!(
        client
            .get(&format!("/v1/verifications/{id}/receipt"))
            .status,
        200
    );
    let rrn = passport.rrn();
    let id = json!(id);
    // A registration number of nobody registered first: refused, and not echoed. It uses
    // the verification it was tried on (one verification, one registry answer), so that
    // one is a verification of its own.
    let probe = support::verify_with_aa(client, passport);
    let wrong = issue(client, &probe["id"], UNREGISTERED_RRN, "kb", 1);
    assert_eq!(
        wrong.status / 100,
        4,
        "{}",
        String::from_utf8_lossy(&wrong.body)
    );
    assert!(!String::from_utf8_lossy(&wrong.body).contains(UNREGISTERED_RRN));
    let issued = issue(client, &id, &rrn, "kb", 2);
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let serial = issued.json()["serial"].as_str().unwrap().to_owned();
    assert_eq!(
        client.get(&format!("/v1/certificates/{serial}")).status,
        200
    );
    let issuer = issued.json()["issuer"].as_str().unwrap().to_owned();
    let revoked = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(revoked.status, 200);
    assert_eq!(client.get(&format!("/crl/{issuer}.crl")).status, 200);
    let batch = client.post(
        "/v1/verifications:batch",
        &json!({"documents": [passport.document(), other.document()]}),
    );
    assert_eq!(batch.status, 200);

    // Refused requests whose bodies carry personal data in the wrong places: the errors
    // name the field, never the value.
    let rrn_as_documents = client.post("/v1/verifications:batch", &json!({"documents": rrn}));
    let rrn_as_sod = client.post("/v1/verifications", &json!({"sod": rrn, "dg": {}}));
    let mrz = mrz_of(passport);
    let mrz_as_dg = client.post(
        "/v1/verifications",
        &json!({"sod": support::b64(passport.file("EF_SOD.bin")), "dg": {mrz.clone(): "AA=="}}),
    );
    let mrz_as_reason = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": mrz}),
    );
    let not_json = client.post_raw(
        "/v1/verifications",
        "application/json",
        format!("{{\"sod\": \"{rrn}").into_bytes(),
    );
    for reply in [
        rrn_as_documents,
        rrn_as_sod,
        mrz_as_dg,
        mrz_as_reason,
        not_json,
    ] {
        assert_eq!(
            reply.status / 100,
            4,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        assert!(
            !text.contains(&rrn) && !text.contains(&mrz),
            "error echoes input: {text}"
        );
    }
}

fn assert_clean(what: &str, text: &str, personal: &[(String, String)]) {
    for (name, value) in personal {
        assert!(!text.contains(value.as_str()), "{what} carries the {name}");
    }
}

#[test]
fn no_personal_data_in_logs_or_metrics() {
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let other = Passport::new(Profile::Rsa2048, Variant::Genuine);
    let mut personal = personal_data(&passport);
    personal.push(("unregistered RRN".into(), UNREGISTERED_RRN.into()));
    for json_logs in ["0", "1"] {
        let data = fresh_dir(&format!("privacy-{json_logs}"));
        let server = Process::start(
            &data,
            &["--dev"],
            &[("DONGPO_LOG", "trace"), ("DONGPO_LOG_JSON", json_logs)],
        );
        let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
        let client = Client::new(&server.url, Some(key.trim()));
        flow(&client, &passport, &other);
        let metrics = String::from_utf8(client.get("/metrics").body).unwrap();
        assert!(metrics.contains("dongpo_verifications_total"));
        drop(server);
        let logs = server_logs(&data);
        assert!(logs.lines().count() > 50, "too few log lines:\n{logs}");
        if json_logs == "1" {
            let parsed: Vec<Value> = logs
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            assert!(
                parsed.len() * 10 >= logs.lines().count() * 9,
                "JSON logs expected"
            );
        }
        assert_clean("the log", &logs, &personal);
        assert_clean("/metrics", &metrics, &personal);
        // No file of the data directory holds a resident registration number in clear,
        // not even the testkit's (`--dev` once copied its identity.json into dev-trust/).
        let rrn = passport.rrn();
        for file in files_under(&data) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for form in [rrn.clone(), rrn.replace('-', "")] {
                assert!(
                    !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                    "{} holds the resident registration number",
                    file.display()
                );
            }
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}
