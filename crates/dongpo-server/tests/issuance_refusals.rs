//! Issuance refusals over HTTP: every refusal documented and counted, retries compare keys
//! as the store holds them, CSRs read as OpenSSL reads them, registry names checked at
//! import.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use der::asn1::BitString;
use der::{Decode, Encode};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_testkit::{Profile, Variant};
use serde_json::json;
use support::{Client, InProcess, Passport, b64, csr_pem, pem_der, verify_with_aa};
use x509_cert::request::CertReq;

fn post_issue(
    client: &Client,
    verification: &serde_json::Value,
    rrn: &str,
    csr: &str,
) -> support::Reply {
    client.post(
        "/v1/certificates",
        &json!({
            "verification_id": verification,
            "profile": "kb",
            "csr": csr,
            "resident_registration_number": rrn,
        }),
    )
}

fn body(reply: &support::Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

/// The CA store of an in-process `--dev` server (SQLite in its data directory).
fn ca_store(server: &InProcess) -> Box<dyn dongpo_ca::store::Store> {
    let dir = server.data.join("ca");
    let text = std::fs::read_to_string(dir.join("ca.toml")).unwrap();
    let config = dongpo_ca::CaConfig::parse(&text, "ca.toml").unwrap();
    dongpo_ca::store::open(&dongpo_ca::resolve_store(&dir, &config.store)).unwrap()
}

#[test]
fn a_key_bound_to_another_person_is_409_and_counted() {
    let server = InProcess::dev("key-bound", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let pem = csr_pem(41);
    // Another person (another node, an earlier issuance) already holds this key.
    let csr = dongpo_ca::parse_csr(pem.as_bytes()).unwrap();
    let issuer = {
        let profiles = client.get("/v1/profiles").json();
        profiles["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "kb")
            .unwrap()["issuer"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    ca_store(&server)
        .reserve(&[dongpo_ca::store::Reservation {
            serial: vec![0x42, 0x01],
            issuer,
            person: "someone-else".into(),
            spki_sha256: dongpo_ca::spki_sha256(&csr.public_key),
            at: dongpo_pki::time::UnixTime::now(),
        }])
        .unwrap();

    let verification = verify_with_aa(&client, &passport);
    for _ in 0..2 {
        let refused = post_issue(&client, &verification["id"], &passport.rrn(), &pem);
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (409, "key_bound_to_other_person"),
            "{}",
            body(&refused)
        );
        assert!(refused.json().get("certificate").is_none());
    }
    let metrics = String::from_utf8(client.get("/metrics").body).unwrap();
    assert!(
        metrics.contains("dongpo_issuance_refusals_total{outcome=\"key_bound_to_other_person\"} 2"),
        "{metrics}"
    );
    // The verification was given back: another key issues on it.
    let issued = post_issue(&client, &verification["id"], &passport.rrn(), &csr_pem(42));
    assert_eq!(issued.status, 201, "{}", body(&issued));
}

/// A P-256 CSR whose key is written as a compressed point (SEC 1 §2.3.3), signed again.
fn compressed_csr_pem(seed: u64) -> String {
    let spec = KeySpec::Ec(Curve::P256);
    let key = dongpo_testkit::csr::subscriber_key(spec, seed, "compressed").unwrap();
    let der = dongpo_testkit::csr::csr(&key, spec, "compressed point").unwrap();
    let mut request = CertReq::from_der(&der).unwrap();
    let point = request
        .info
        .public_key
        .subject_public_key
        .as_bytes()
        .unwrap()
        .to_vec();
    assert_eq!((point.len(), point[0]), (65, 0x04));
    let mut compressed = vec![0x02 | (point[64] & 1)];
    compressed.extend_from_slice(&point[1..33]);
    request.info.public_key.subject_public_key = BitString::from_bytes(&compressed).unwrap();
    let info = request.info.to_der().unwrap();
    let signature = key
        .sign(&dongpo_testkit::csr::csr_algorithm(spec), &info)
        .unwrap();
    request.signature = BitString::from_bytes(&signature).unwrap();
    dongpo_testkit::csr::csr_pem(&request.to_der().unwrap())
}

#[test]
fn a_retry_with_a_compressed_ec_point_returns_the_certificate() {
    let server = InProcess::dev("compressed-retry", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let pem = compressed_csr_pem(7);
    let verification = verify_with_aa(&client, &passport);
    let first = post_issue(&client, &verification["id"], &passport.rrn(), &pem);
    assert_eq!(first.status, 201, "{}", body(&first));
    let again = post_issue(&client, &verification["id"], &passport.rrn(), &pem);
    assert_eq!(again.status, 200, "{}", body(&again));
    assert_eq!(again.json()["repeated"], true);
    assert_eq!(again.json()["serial"], first.json()["serial"]);
    // The certificate carries the key in its canonical (uncompressed) form.
    let cert = pem_der(first.json()["certificate"].as_str().unwrap());
    let cert = x509_cert::Certificate::from_der(&cert).unwrap();
    let spki = cert.tbs_certificate().subject_public_key_info();
    assert_eq!(spki.subject_public_key.as_bytes().unwrap()[0], 0x04);
}

#[test]
fn csrs_in_pem_of_any_line_length_and_base64_der_issue() {
    let server = InProcess::dev("csr-encodings", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rewrap = |seed: u64, width: Option<usize>| {
        let b64 = b64(&pem_der(&csr_pem(seed)));
        let body = match width {
            Some(width) => b64
                .as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\n"),
            None => b64,
        };
        format!("-----BEGIN CERTIFICATE REQUEST-----\n{body}\n-----END CERTIFICATE REQUEST-----\n")
    };
    for (seed, csr) in [
        // Java's and Python's encoders: 76 columns.
        (51, rewrap(51, Some(76))),
        // One line.
        (52, rewrap(52, None)),
        // Base64 DER, no armour.
        (53, b64(&pem_der(&csr_pem(53)))),
    ] {
        let verification = verify_with_aa(&client, &passport);
        let issued = post_issue(&client, &verification["id"], &passport.rrn(), &csr);
        assert_eq!(issued.status, 201, "seed {seed}: {}", body(&issued));
    }
    let verification = verify_with_aa(&client, &passport);
    let refused = post_issue(
        &client,
        &verification["id"],
        &passport.rrn(),
        "bm90IGEgY3Ny",
    );
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (422, "bad_csr"),
        "{}",
        body(&refused)
    );
}

#[test]
fn registry_names_a_certificate_cannot_carry_are_refused_naming_the_field() {
    let server = InProcess::dev("registry-names", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let long = "김".repeat(65);
    for name in [
        "김민\u{202E}준",
        "김\r\n민준",
        "김\u{200B}민준",
        long.as_str(),
    ] {
        let mut identity = passport.identity();
        identity["name_hangul"] = json!(name);
        let refused = client.post("/v1/registry", &json!({ "records": [identity] }));
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (400, "bad_registry_record"),
            "{}",
            body(&refused)
        );
        let message = refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("name_hangul"), "{message}");
        assert!(!message.contains('김'), "the value is echoed: {message}");
    }
}

#[test]
fn an_issuing_ca_near_its_expiry_is_flagged_in_the_metrics() {
    // The --dev CAs are valid ten years: a 4000-day window holds them, 90 days does not.
    for (days, flag) in [(4000, 1), (90, 0)] {
        let server = InProcess::dev("ca-expiry", |config| {
            config.ca_expiry_warning_days = days;
        });
        let client = Client::new(&server.url, None);
        let metrics = String::from_utf8(client.get("/metrics").body).unwrap();
        let flags: Vec<&str> = metrics
            .lines()
            .filter(|l| l.starts_with("dongpo_issuing_ca_expiry_warning{"))
            .collect();
        assert_eq!(flags.len(), 5, "one per issuing CA: {metrics}");
        assert!(
            flags.iter().all(|l| l.ends_with(&format!(" {flag}"))),
            "{days} days: {flags:?}"
        );
        let left: Vec<i64> = metrics
            .lines()
            .filter(|l| l.starts_with("dongpo_issuing_ca_expires_in_seconds{"))
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert!(
            left.iter()
                .all(|s| *s > 3000 * 86_400 && *s <= 3650 * 86_400),
            "{left:?}"
        );
    }
}
