//! End-to-end tests over real HTTP: every endpoint of `docs/http.md` against a `--dev` server
//! on a loopback port, OpenSSL as the relying party's tool.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::process::Command;

use base64ct::Encoding as _;
use dongpo_ca::PassportEvidence;
use dongpo_pki::path::{PathOptions, RevocationChecker, RevocationStatus, validate_path};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{Crl, CrlChecker};
use dongpo_testkit::{Profile, Variant};
use serde_json::{Value, json};
use support::{
    Client, InProcess, Passport, b64, csr_pem, have, issue, openssl, openssl_ocsp, pem_der,
    verify_with_aa,
};

fn evidence_receipt(cert_der: &[u8]) -> Option<String> {
    PassportEvidence::of_certificate(cert_der).unwrap()?.receipt
}

#[test]
fn the_whole_flow_over_http() {
    let server = InProcess::dev("flow", |_| {});
    let public = Client::new(&server.url, None);
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);

    // Operations endpoints.
    let health = public.get("/healthz");
    assert_eq!(health.json()["status"], "ok");
    assert_eq!(health.header("x-request-id").map(str::len), Some(16));
    assert_eq!(public.get("/readyz").json()["status"], "ready");
    let openapi = public.get("/openapi.yaml");
    assert_eq!(openapi.status, 200);
    assert!(String::from_utf8_lossy(&openapi.body).contains("/v1/verifications:batch"));
    let profiles = public.get("/v1/profiles").json();
    let names: Vec<&str> = profiles["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shinhan", "toss", "kb", "woori", "hana"]);

    // Verification with Active Authentication, and its signed receipt.
    let verification = verify_with_aa(&client, &passport);
    let report = &verification["report"];
    assert_eq!(report["valid"], true, "{report}");
    let aa = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "aa.signature")
        .unwrap();
    assert_eq!(aa["status"], "pass");
    let id = verification["id"].as_str().unwrap();
    let receipt = client
        .get(&format!("/v1/verifications/{id}/receipt"))
        .json();
    assert_eq!(receipt["claims"]["id"], id);
    assert_eq!(receipt["claims"]["valid"], true);
    assert_eq!(receipt["claims"]["checks"]["aa.signature"], "pass");
    // The document is named by a keyed id only: the unkeyed SOD hash (which anyone who
    // read the passport can compute) is in neither the claims nor the signed payload.
    let sod_sha256 = report["evidence"]["sod_sha256"].as_str().unwrap();
    let sod_id = receipt["claims"]["sod_id"].as_str().unwrap();
    assert_eq!(sod_id.len(), 64);
    assert_ne!(sod_id, sod_sha256);
    assert!(receipt["claims"].get("sod_sha256").is_none());
    let payload = receipt["receipt"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let payload = base64ct::Base64UrlUnpadded::decode_vec(payload).unwrap();
    assert!(!String::from_utf8_lossy(&payload).contains(sod_sha256));
    let receipt_text = receipt.to_string();
    let identity = passport.identity();
    for personal in ["document_number", "surname", "date_of_birth"] {
        let value = identity[personal].as_str().unwrap();
        assert!(!receipt_text.contains(value), "receipt carries {personal}");
    }
    check_receipt_signature(&public, receipt["receipt"].as_str().unwrap());

    // Issuance bound to that verification, with the receipt in the evidence extension.
    let issued = issue(&client, &verification["id"], &passport.rrn(), "kb", 1);
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
    let issued = issued.json();
    assert_eq!(issued["assurance"], "PA+AA");
    assert_eq!(issued["document_previously_used"], 0);
    let cert_pem = issued["certificate"].as_str().unwrap();
    assert_eq!(evidence_receipt(&pem_der(cert_pem)).as_deref(), Some(id));
    let dir = server.data.join("flow-files");
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::write(path("cert.pem"), cert_pem).unwrap();
    std::fs::write(path("issuer.pem"), issued["chain"][0].as_str().unwrap()).unwrap();
    std::fs::write(path("root.pem"), issued["chain"][1].as_str().unwrap()).unwrap();
    let serial = issued["serial"].as_str().unwrap();
    let issuer = issued["issuer"].as_str().unwrap();

    // The same verification cannot be used twice: another key or profile is refused...
    let again = issue(&client, &verification["id"], &passport.rrn(), "kb", 2);
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "verification_used")
    );
    // ...while the same request again (a retry after a timeout) gets the same certificate.
    let repeated = issue(&client, &verification["id"], &passport.rrn(), "kb", 1);
    assert_eq!(
        repeated.status,
        200,
        "{}",
        String::from_utf8_lossy(&repeated.body)
    );
    let repeated = repeated.json();
    assert_eq!(repeated["repeated"], true);
    for field in [
        "serial",
        "certificate",
        "chain",
        "profile",
        "issuer",
        "assurance",
        "receipt_id",
    ] {
        assert_eq!(repeated[field], issued[field], "{field}");
    }

    let status = client.get(&format!("/v1/certificates/{serial}")).json();
    assert_eq!(status["status"], "good");
    assert_eq!(status["issuer"], issuer);

    if !have("openssl") {
        println!("skipped: openssl not installed (OCSP and CRL interop checks)");
        return;
    }
    let (ok, out) = openssl(&[
        "verify",
        "-CAfile",
        &path("root.pem"),
        "-untrusted",
        &path("issuer.pem"),
        &path("cert.pem"),
    ]);
    assert!(ok, "{out}");
    let ocsp_status = || openssl_ocsp(&dir, &server.url, &issued);
    assert!(ocsp_status().contains("cert.pem: good"));
    // RFC 5019 GET, with the HTTP caching headers.
    let (ok, out) = openssl(&[
        "ocsp",
        "-issuer",
        &path("issuer.pem"),
        "-cert",
        &path("cert.pem"),
        "-no_nonce",
        "-reqout",
        &path("req.der"),
    ]);
    assert!(ok, "{out}");
    let request = std::fs::read(path("req.der")).unwrap();
    let get = public.get(&support::ocsp_get_path(&request));
    assert_eq!(get.status, 200);
    assert_eq!(
        get.header("content-type"),
        Some("application/ocsp-response")
    );
    assert!(get.header("cache-control").unwrap().contains("max-age="));
    assert!(get.header("etag").is_some());
    std::fs::write(path("resp.der"), &get.body).unwrap();
    let (ok, out) = openssl(&[
        "ocsp",
        "-respin",
        &path("resp.der"),
        "-issuer",
        &path("issuer.pem"),
        "-cert",
        &path("cert.pem"),
        "-CAfile",
        &path("root.pem"),
        "-VAfile",
        &path("issuer.pem"),
    ]);
    assert!(ok && out.contains("cert.pem: good"), "{out}");

    // The complete CRL before the revocation: the base a delta CRL is read against.
    let base = public.get(&format!("/crl/{issuer}.crl"));
    assert_eq!(base.status, 200);
    assert_eq!(base.header("content-type"), Some("application/pkix-crl"));
    std::fs::write(path("base.crl"), &base.body).unwrap();
    let (ok, out) = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &path("base.crl"),
        "-CAfile",
        &path("issuer.pem"),
        "-noout",
        "-verify",
    ]);
    assert!(ok && out.contains("verify OK"), "{out}");

    // Revocation reaches OCSP, the certificate's partition CRL and the delta CRL at once.
    let revoked = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(revoked.status, 200);
    assert!(ocsp_status().contains("cert.pem: revoked"));
    let twice = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(
        (twice.status, twice.code().as_str()),
        (409, "already_revoked")
    );
    let status = client.get(&format!("/v1/certificates/{serial}")).json();
    assert_eq!(status["status"], "revoked");
    assert_eq!(status["revocation_reason"], "keyCompromise");
    let lists = |file: &str| {
        let (ok, text) = openssl(&["crl", "-inform", "DER", "-in", file, "-noout", "-text"]);
        assert!(ok, "{text}");
        text.to_ascii_uppercase()
            .contains(&serial.to_ascii_uppercase())
    };
    let mut partitions_listing = Vec::new();
    for index in 0.. {
        let partition = public.get(&format!("/crl/{issuer}-{index}.crl"));
        if partition.status == 404 {
            break;
        }
        std::fs::write(path("partition.crl"), &partition.body).unwrap();
        if lists(&path("partition.crl")) {
            partitions_listing.push(partition.body);
        }
    }
    assert_eq!(
        partitions_listing.len(),
        1,
        "exactly one partition lists the certificate"
    );
    let delta = public.get(&format!("/crl/{issuer}-delta.crl"));
    assert_eq!(delta.status, 200);
    std::fs::write(path("delta.crl"), &delta.body).unwrap();
    let (_, delta_text) = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &path("delta.crl"),
        "-noout",
        "-text",
    ]);
    assert!(delta_text.contains("Delta CRL Indicator"), "{delta_text}");
    assert!(lists(&path("delta.crl")));
    assert!(!lists(&path("base.crl")));
    // OpenSSL applies the delta to the base and finds the certificate revoked.
    for (crl, pem) in [("base.crl", "base.pem"), ("delta.crl", "delta.pem")] {
        let (ok, out) = openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            &path(crl),
            "-out",
            &path(pem),
        ]);
        assert!(ok, "{out}");
    }
    let (ok, out) = openssl(&[
        "verify",
        "-crl_check",
        "-use_deltas",
        "-CAfile",
        &path("root.pem"),
        "-untrusted",
        &path("issuer.pem"),
        "-CRLfile",
        &path("base.pem"),
        "-CRLfile",
        &path("delta.pem"),
        &path("cert.pem"),
    ]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    // So does a relying party using dongpo's RFC 5280 §6.3 checker; the certificate's
    // own partition says so too, and the base alone (from before) still says good.
    let crls_status = |crls: &[&[u8]]| crl_verdict(&dir, crls);
    assert_eq!(crls_status(&[&base.body]), RevocationStatus::Good);
    for crls in [
        vec![&base.body[..], &delta.body[..]],
        vec![&partitions_listing[0][..]],
    ] {
        let status = crls_status(&crls);
        assert!(matches!(status, RevocationStatus::Revoked(_)), "{status:?}");
    }
    assert!(matches!(
        crls_status(&[&delta.body]),
        RevocationStatus::Unknown(_)
    ));
    assert_eq!(public.get("/crl/nobody.crl").status, 404);
    assert_eq!(public.get(&format!("/crl/{issuer}-99999.crl")).status, 404);

    // Metrics counted what happened, without personal data.
    let metrics = String::from_utf8(public.get("/metrics").body).unwrap();
    assert!(
        metrics.contains("dongpo_verifications_total{outcome=\"valid\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("dongpo_certificates_issued_total{outcome=\"kb\"} 1"));
    assert!(metrics.contains("dongpo_revocations_total{outcome=\"keyCompromise\"} 1"));
    assert!(metrics.contains("dongpo_http_request_duration_seconds_bucket"));
    assert!(!metrics.contains(identity["document_number"].as_str().unwrap()));
}

/// What dongpo's relying-party CRL checker says of the flow's certificate (`cert.pem`
/// under `issuer.pem` and `root.pem` in `dir`) given `crls`.
fn crl_verdict(dir: &std::path::Path, crls: &[&[u8]]) -> RevocationStatus {
    let cert = |name: &str| Cert::parse(&std::fs::read(dir.join(name)).unwrap()).unwrap();
    let crls: Vec<Crl> = crls.iter().map(|der| Crl::parse(der).unwrap()).collect();
    let anchors = [cert("root.pem")];
    let intermediates = [cert("issuer.pem")];
    let leaf = cert("cert.pem");
    let verifier = dongpo_crypto::Verifier::new();
    let checker = CrlChecker::new(&crls, &intermediates, &anchors, &verifier);
    // The issuer itself must validate with the same CRLs (the root publishes none here).
    let plain = PathOptions::new(UnixTime::now()).with_verifier(&verifier);
    validate_path(&leaf, &intermediates, &anchors, &plain).unwrap();
    checker.status(&leaf, &intermediates[0], UnixTime::now())
}

fn check_receipt_signature(public: &Client, jws: &str) {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let jwks = public.get("/v1/receipt-keys").json();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("EC"), Some("ES256"))
    );
    let mut point = vec![4u8];
    point.extend(Base64UrlUnpadded::decode_vec(key["x"].as_str().unwrap()).unwrap());
    point.extend(Base64UrlUnpadded::decode_vec(key["y"].as_str().unwrap()).unwrap());
    let public_key = dongpo_crypto::PublicKey::Ec(dongpo_crypto::EcPublicKey {
        curve: dongpo_crypto::Curve::P256,
        point,
        explicit_parameters: false,
    });
    let (input, signature) = jws.rsplit_once('.').unwrap();
    let signature = Base64UrlUnpadded::decode_vec(signature).unwrap();
    let es256 = dongpo_crypto::SignatureAlgorithm::Ecdsa {
        hash: dongpo_crypto::HashAlgorithm::Sha256,
        encoding: dongpo_crypto::EcdsaEncoding::Plain,
    };
    let verifier = dongpo_crypto::Verifier::new();
    verifier
        .verify(&public_key, &es256, input.as_bytes(), &signature)
        .unwrap();
    let mut tampered = input.to_owned();
    tampered.push('A');
    assert!(
        verifier
            .verify(&public_key, &es256, tampered.as_bytes(), &signature)
            .is_err()
    );
}

fn row_count(server: &InProcess, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(server.data.join("server.sqlite")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn certificate_count(server: &InProcess) -> i64 {
    let conn = rusqlite::Connection::open(server.data.join("ca").join("ca.sqlite")).unwrap();
    conn.query_row("SELECT COUNT(*) FROM certificates", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn bad_requests_get_json_errors_and_store_nothing() {
    let server = InProcess::dev("bad", |c| c.max_body_bytes = 256 * 1024);
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let good = verify_with_aa(&client, &passport);
    let before = (
        row_count(&server, "server_verifications"),
        certificate_count(&server),
    );

    let expect = |reply: support::Reply, status: u16, code: &str| {
        assert_eq!(
            (reply.status, reply.code()),
            (status, code.to_owned()),
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!message.is_empty());
        assert!(!message.contains(passport.identity()["document_number"].as_str().unwrap()));
    };

    // Authentication and scopes.
    expect(
        Client::new(&server.url, None).post("/v1/challenges", &json!({})),
        401,
        "unauthorized",
    );
    expect(
        Client::new(&server.url, Some("dpk_000000000000_deadbeef"))
            .post("/v1/challenges", &json!({})),
        401,
        "unauthorized",
    );
    let made = client.post(
        "/v1/api-keys",
        &json!({"name": "app", "scopes": ["verify"]}),
    );
    assert_eq!(made.status, 201);
    let verify_only = Client::new(&server.url, made.json()["key"].as_str());
    assert_eq!(verify_only.post("/v1/challenges", &json!({})).status, 201);
    expect(
        issue(&verify_only, &good["id"], &passport.rrn(), "kb", 1),
        403,
        "insufficient_scope",
    );
    expect(
        verify_only.post("/v1/api-keys", &json!({"name": "x", "scopes": ["admin"]})),
        403,
        "insufficient_scope",
    );
    expect(
        client.post("/v1/api-keys", &json!({"name": "x", "scopes": ["root"]})),
        400,
        "unknown_scope",
    );

    // Malformed bodies.
    expect(
        client.post("/v1/verifications", &json!({"sod": "%%%", "dg": {}})),
        400,
        "invalid_base64",
    );
    let mut bad_dg = passport.document();
    bad_dg["dg"]["1"] = json!("not base64!");
    expect(
        client.post("/v1/verifications", &bad_dg),
        400,
        "invalid_base64",
    );
    expect(
        client.post("/v1/verifications", &json!({"dg": {}})),
        400,
        "bad_request",
    );
    expect(
        client.post_raw(
            "/v1/verifications",
            "application/json",
            b"{\"sod\":".to_vec(),
        ),
        400,
        "bad_json",
    );
    expect(
        client.post_raw(
            "/v1/verifications",
            "text/plain",
            passport.document().to_string().into_bytes(),
        ),
        415,
        "unsupported_media_type",
    );
    expect(
        client.post_declaring("/v1/verifications", 64 * 1024 * 1024),
        413,
        "payload_too_large",
    );
    expect(
        client.post_declaring("/v1/verifications:batch", 1024 * 1024 * 1024),
        413,
        "payload_too_large",
    );
    let mut truncated = passport.document();
    truncated["sod"] = json!(b64(&passport.file("EF_SOD.bin")[..40]));
    expect(client.post("/v1/verifications", &truncated), 422, "bad_sod");

    // Challenges: unknown, replayed.
    let mut replay = passport.document();
    replay["aa"] = json!({"challenge_id": "chl_nope", "signature": b64(&[1; 64])});
    expect(
        client.post("/v1/verifications", &replay),
        404,
        "unknown_challenge",
    );
    let challenge = client.post("/v1/challenges", &json!({})).json();
    let mut with_aa = passport.document();
    with_aa["aa"] = json!({
        "challenge_id": challenge["id"],
        "signature": passport.aa_sign(challenge["challenge"].as_str().unwrap()),
    });
    assert_eq!(client.post("/v1/verifications", &with_aa).status, 201);
    let after_good = row_count(&server, "server_verifications");
    expect(
        client.post("/v1/verifications", &with_aa),
        409,
        "challenge_used",
    );

    // Issuance refusals.
    expect(
        issue(&client, &json!("ver_nope"), &passport.rrn(), "kb", 1),
        404,
        "verification_not_found",
    );
    expect(
        issue(&client, &good["id"], &passport.rrn(), "no-such-profile", 1),
        404,
        "unknown_profile",
    );
    // A registry refusal is the one code `registry_refused`, and it uses the verification
    // (one verification, one registry answer): a second probe on it is `verification_used`.
    let probe = verify_with_aa(&client, &passport);
    expect(
        issue(&client, &probe["id"], "800101-1000008", "kb", 1),
        422,
        "registry_refused",
    );
    expect(
        issue(&client, &probe["id"], &passport.rrn(), "kb", 1),
        409,
        "verification_used",
    );
    let mut weak = json!({"verification_id": good["id"], "profile": "kb",
        "csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
        "resident_registration_number": passport.rrn()});
    expect(client.post("/v1/certificates", &weak), 422, "bad_csr");
    weak["csr"] = json!(csr_pem(3));
    weak.as_object_mut()
        .unwrap()
        .remove("resident_registration_number");
    expect(client.post("/v1/certificates", &weak), 400, "bad_request");
    let tampered = Passport::new(Profile::P256, Variant::TamperedDg);
    let failed = client.post("/v1/verifications", &tampered.document());
    assert_eq!(failed.status, 201);
    assert_eq!(failed.json()["report"]["valid"], false);
    expect(
        issue(&client, &failed.json()["id"], &passport.rrn(), "kb", 1),
        422,
        "verification_failed",
    );

    // Revocation and status errors.
    expect(client.get("/v1/certificates/zz"), 400, "bad_serial");
    expect(
        client.get("/v1/certificates/0badc0de"),
        404,
        "certificate_not_found",
    );
    expect(
        client.post(
            "/v1/certificates/0badc0de/revoke",
            &json!({"reason": "bored"}),
        ),
        400,
        "unknown_reason",
    );
    expect(
        client.post(
            "/v1/certificates/0badc0de/revoke",
            &json!({"reason": "superseded"}),
        ),
        404,
        "certificate_not_found",
    );
    expect(client.get("/v1/nothing-here"), 404, "not_found");

    // Nothing stored by any of that (the one good verification, the registry probe's and
    // the refused tampered one are the only rows added); no certificate issued.
    assert_eq!(after_good, before.0 + 1);
    assert_eq!(row_count(&server, "server_verifications"), before.0 + 3);
    assert_eq!(certificate_count(&server), before.1);

    // And the server still serves: the good verification is still usable.
    assert_eq!(Client::new(&server.url, None).get("/healthz").status, 200);
    let issued = issue(&client, &good["id"], &passport.rrn(), "kb", 1);
    assert_eq!(
        issued.status,
        201,
        "{}",
        String::from_utf8_lossy(&issued.body)
    );
}

#[test]
fn one_passport_cannot_serve_two_people() {
    let server = InProcess::dev("dup", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let first = verify_with_aa(&client, &passport);
    assert_eq!(
        issue(&client, &first["id"], &passport.rrn(), "kb", 1).status,
        201
    );

    // A second registry identity with the same passport details but another resident
    // registration number (a registry error or a fraud).
    let mut other = passport.identity();
    let rrn = passport.rrn();
    let first12: String = rrn.replace('-', "").chars().take(12).collect();
    let first12 = format!(
        "{}{}",
        &first12[..11],
        (first12.as_bytes()[11] - b'0' + 1) % 10
    );
    let check = dongpo_testkit::person::rrn_check_digit(&first12).unwrap();
    let other_rrn = format!("{}-{}{check}", &first12[..6], &first12[6..]);
    other["resident_registration_number"] = json!(other_rrn);
    // Registered from the registry's CSV export (header of field names, any order).
    let fields = [
        "resident_registration_number",
        "overseas_registration_number",
        "registration_status",
        "surname",
        "given_names",
        "name_hangul",
        "date_of_birth",
        "sex",
        "nationality",
        "document_number",
        "country_of_residence",
    ];
    let row: Vec<&str> = fields.iter().map(|f| other[*f].as_str().unwrap()).collect();
    let csv = format!("{}\n{}\n", fields.join(","), row.join(","));
    let registered = client.post_raw("/v1/registry", "text/csv", csv.clone().into_bytes());
    assert_eq!(
        registered.status,
        200,
        "{}",
        String::from_utf8_lossy(&registered.body)
    );
    assert_eq!(registered.json()["registered"], 1);
    let bad_csv = csv.replace(&other_rrn, "123");
    let refused = client.post_raw("/v1/registry", "text/csv", bad_csv.into_bytes());
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "bad_registry_record")
    );
    // And as JSON (the holder again: an update of the same record).
    let registered = client.post("/v1/registry", &json!({"records": [passport.identity()]}));
    assert_eq!(
        registered.status,
        200,
        "{}",
        String::from_utf8_lossy(&registered.body)
    );
    assert_eq!(registered.json()["registered"], 1);
    let wrong_type = client.post_raw("/v1/registry", "text/plain", b"x".to_vec());
    assert_eq!(wrong_type.status, 415);

    let second = verify_with_aa(&client, &passport);
    let refused = issue(&client, &second["id"], &other_rrn, "kb", 2);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (409, "document_bound_to_other_person")
    );
    // The rightful holder can still use it, and the reuse is reported.
    let again = issue(&client, &second["id"], &rrn, "shinhan", 3);
    assert_eq!(
        again.status,
        201,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(again.json()["document_previously_used"], 1);

    // A bad record is refused and stores nothing.
    let mut bad = passport.identity();
    bad["resident_registration_number"] = json!("123");
    let refused = client.post("/v1/registry", &json!({"records": [bad]}));
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "bad_registry_record")
    );
}

#[test]
fn batch_verification_keeps_order_and_limits() {
    let server = InProcess::dev("batch", |c| c.max_batch_documents = 4);
    let client = Client::new(&server.url, Some(&server.key));
    let genuine = Passport::new(Profile::P256, Variant::Genuine);
    let tampered = Passport::new(Profile::P256, Variant::TamperedDg);
    let rsa = Passport::new(Profile::Rsa2048, Variant::Genuine);
    let reply = client.post(
        "/v1/verifications:batch",
        &json!({"documents": [genuine.document(), tampered.document(), rsa.document()]}),
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let valid: Vec<bool> = reply.json()["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["valid"].as_bool().unwrap())
        .collect();
    assert_eq!(valid, [true, false, true]);
    // The same batch as CBOR, chip files as byte strings: the same reports.
    let cbor = cbor_batch(&[&genuine, &tampered, &rsa]);
    let reply_cbor = client.post_raw("/v1/verifications:batch", "application/cbor", cbor);
    assert_eq!(
        reply_cbor.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply_cbor.body)
    );
    let strip_time = |mut v: Value| {
        for report in v["reports"].as_array_mut().unwrap() {
            report["evidence"]["at"] = Value::Null;
        }
        v
    };
    assert_eq!(strip_time(reply_cbor.json()), strip_time(reply.json()));
    // The compact view: the same verdicts and check statuses, details only where a
    // check did not pass, a fraction of the size.
    let compact = client.post_raw(
        "/v1/verifications:batch?view=compact",
        "application/cbor",
        cbor_batch(&[&genuine, &tampered, &rsa]),
    );
    assert_eq!(compact.status, 200);
    assert!(compact.body.len() * 3 < reply_cbor.body.len());
    let full = reply.json();
    let compact = compact.json();
    for (full, compact) in full["reports"]
        .as_array()
        .unwrap()
        .iter()
        .zip(compact["reports"].as_array().unwrap())
    {
        assert_eq!(compact["valid"], full["valid"]);
        assert_eq!(compact["sod_sha256"], full["evidence"]["sod_sha256"]);
        let checks = full["checks"].as_array().unwrap();
        assert_eq!(compact["checks"].as_array().unwrap().len(), checks.len());
        for (c, f) in compact["checks"].as_array().unwrap().iter().zip(checks) {
            assert_eq!((&c["id"], &c["status"]), (&f["id"], &f["status"]));
            let passed = f["status"] == "pass";
            assert_eq!(c.get("detail").is_none(), passed, "{c}");
        }
    }
    assert!(
        compact["reports"][1]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["status"] == "fail" && c["detail"].is_string())
    );
    let unknown_view = client.post(
        "/v1/verifications:batch?view=brief",
        &json!({"documents": [genuine.document()]}),
    );
    assert_eq!(
        (unknown_view.status, unknown_view.code().as_str()),
        (400, "bad_request")
    );
    let garbage = client.post_raw(
        "/v1/verifications:batch",
        "application/cbor",
        vec![0xff; 10],
    );
    assert_eq!((garbage.status, garbage.code().as_str()), (400, "bad_cbor"));
    let five = json!({"documents": vec![genuine.document(); 5]});
    let refused = client.post("/v1/verifications:batch", &five);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "bad_request")
    );
    let mut bad = genuine.document();
    bad["sod"] = json!("***");
    let refused = client.post(
        "/v1/verifications:batch",
        &json!({"documents": [genuine.document(), bad]}),
    );
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (400, "invalid_base64")
    );
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("documents[1]")
    );
}

/// A batch body in CBOR: `{"documents": [{"sod": bytes, "dg": {"1": bytes, ...}}]}`.
fn cbor_batch(passports: &[&Passport]) -> Vec<u8> {
    let documents: Vec<_> = passports.iter().map(|p| p.chip_document()).collect();
    dongpo_server::encode_cbor_batch(&documents).unwrap()
}

#[test]
fn rate_limits_per_key() {
    let server = InProcess::dev("rate", |c| {
        c.rate_limit_per_second = 1;
        c.rate_limit_burst = 3;
    });
    let client = Client::new(&server.url, Some(&server.key));
    let statuses: Vec<u16> = (0..6)
        .map(|_| client.post("/v1/challenges", &json!({})).status)
        .collect();
    assert!(statuses.iter().take(3).all(|s| *s == 201), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    // Public endpoints are not limited by key.
    assert_eq!(Client::new(&server.url, None).get("/healthz").status, 200);
}

#[test]
fn openapi_documents_every_route() {
    let yaml = dongpo_server::OPENAPI_YAML;
    for (method, path) in dongpo_server::ROUTES {
        let key = format!("\n  {path}:");
        let at = yaml
            .find(&key)
            .unwrap_or_else(|| panic!("{path} missing from openapi.yaml"));
        let section = &yaml[at + key.len()..];
        let end = section.find("\n  /").unwrap_or(section.len());
        assert!(
            section[..end].contains(&format!("\n    {method}:")),
            "{method} {path} missing from openapi.yaml"
        );
    }
}

#[test]
fn serves_tls_when_a_certificate_is_configured() {
    if !have("openssl") || Command::new("curl").arg("--version").output().is_err() {
        println!("skipped: openssl or curl not installed (TLS test)");
        return;
    }
    let dir = support::fresh_dir("tls");
    let (cert, key) = (dir.join("tls.pem"), dir.join("tls.key"));
    let (ok, out) = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key.display().to_string(),
        "-out",
        &cert.display().to_string(),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
    ]);
    assert!(ok, "{out}");
    let (tls_cert, tls_key) = (cert.clone(), key.clone());
    let server = InProcess::dev("tls", move |c| {
        c.tls_cert = Some(tls_cert);
        c.tls_key = Some(tls_key);
    });
    let https = server.url.replace("http://", "https://");
    let out = Command::new("curl")
        .args([
            "-s",
            "--cacert",
            &cert.display().to_string(),
            &format!("{https}/healthz"),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"status\":\"ok\"}");
    // Plain HTTP to the TLS port gets no answer.
    let plain = Command::new("curl")
        .args(["-s", "-m", "5", &format!("{}/healthz", server.url)])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("ok"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn slow_uploads_time_out_with_a_json_error() {
    let server = InProcess::dev("slow", |c| c.request_timeout_secs = 1);
    let client = Client::new(&server.url, Some(&server.key));
    // Announces 100 bytes and sends none: the server gives up after the timeout.
    let reply = client.post_declaring("/v1/verifications", 100);
    assert_eq!((reply.status, reply.code().as_str()), (503, "timeout"));
    assert_eq!(Client::new(&server.url, None).get("/healthz").status, 200);
}

/// The shipped profiles need chip presence (`min_assurance = "PA+CA"`): a verification
/// of a chip that offers Chip and Active Authentication without either proof is a downgrade
/// (422 `chip_presence_required`, also when DG14 and DG15 are left out of the request); a
/// chip that offers neither reaches only `PA` (422 `assurance_too_low`, naming both
/// levels); the first passport with a fresh
/// challenge answered by its chip is issued at `PA+AA`.
#[test]
fn issuance_needs_the_profiles_assurance_and_refuses_a_downgrade() {
    let server = InProcess::dev("assurance", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let without_aa = client.post("/v1/verifications", &passport.document());
    assert_eq!(without_aa.status, 201);
    assert_eq!(
        without_aa.json()["report"]["evidence"]["chip_offers"],
        json!({"chip_authentication": true, "active_authentication": true})
    );
    let refused = issue(&client, &without_aa.json()["id"], &passport.rrn(), "kb", 1);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (422, "chip_presence_required"),
        "{}",
        refused.text()
    );
    // Leaving DG14 and DG15 out hides nothing: the SOD hashes them.
    let mut withheld = passport.document();
    for n in ["14", "15"] {
        withheld["dg"].as_object_mut().unwrap().remove(n);
    }
    let withheld = client.post("/v1/verifications", &withheld);
    assert_eq!(withheld.status, 201);
    let refused = issue(&client, &withheld.json()["id"], &passport.rrn(), "kb", 1);
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (422, "chip_presence_required"),
        "{}",
        refused.text()
    );
    // A chip that offers neither proof reaches only PA.
    let no_presence = Passport::without_chip_presence(Profile::P256);
    let files_only = client.post("/v1/verifications", &no_presence.document());
    assert_eq!(files_only.status, 201);
    assert_eq!(
        files_only.json()["report"]["evidence"]["chip_offers"],
        json!({"chip_authentication": false, "active_authentication": false})
    );
    let refused = issue(
        &client,
        &files_only.json()["id"],
        &no_presence.rrn(),
        "kb",
        1,
    );
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (422, "assurance_too_low"),
        "{}",
        refused.text()
    );
    let detail = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains("(PA)") && detail.contains("PA+CA"),
        "{detail}"
    );
    assert_eq!(certificate_count(&server), 0);
    // Neither refusal used the verification (both come before the registry).
    let with_aa = verify_with_aa(&client, &passport);
    let issued = issue(&client, &with_aa["id"], &passport.rrn(), "kb", 2);
    assert_eq!(issued.status, 201, "{}", issued.text());
    assert_eq!(issued.json()["assurance"], "PA+AA");
    assert_eq!(certificate_count(&server), 1);
}

/// Revocation under concurrent OCSP reads (POST, and GET as caches see it): every read is
/// a signed good or revoked answer, and no read that starts after the revocation request
/// returned says good.
#[test]
fn ocsp_reads_during_a_revocation_are_never_stale_after_it() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let server = InProcess::dev("ocsp-race", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let verification = support::verify_with_aa(&client, &passport);
    let issued = issue(&client, &verification["id"], &passport.rrn(), "kb", 1).json();
    let serial = issued["serial"].as_str().unwrap().to_owned();
    let (request, issuer) = support::ocsp_request_for(&issued);
    let get_path = support::ocsp_get_path(&request);

    let stop = Arc::new(AtomicBool::new(false));
    let reads: Arc<Mutex<Vec<(Instant, &'static str)>>> = Arc::default();
    let readers: Vec<_> = (0..4)
        .map(|n| {
            let (stop, reads) = (Arc::clone(&stop), Arc::clone(&reads));
            let (url, request, issuer, get_path) = (
                server.url.clone(),
                request.clone(),
                issuer.clone(),
                get_path.clone(),
            );
            std::thread::spawn(move || {
                let public = Client::new(&url, None);
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let reply = if n % 2 == 0 {
                        public.post_raw("/ocsp", "application/ocsp-request", request.clone())
                    } else {
                        public.get(&get_path)
                    };
                    assert_eq!(reply.status, 200);
                    let status = support::cert_status_of(&request, &reply.body, &issuer);
                    reads.lock().unwrap().push((started, status));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let revoked = client.post(
        &format!("/v1/certificates/{serial}/revoke"),
        &json!({"reason": "keyCompromise"}),
    );
    assert_eq!(revoked.status, 200);
    let revocation_returned = Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let reads = reads.lock().unwrap();
    let before = reads
        .iter()
        .filter(|(t, _)| *t < revocation_returned)
        .count();
    let after: Vec<_> = reads
        .iter()
        .filter(|(t, _)| *t >= revocation_returned)
        .collect();
    assert!(
        before > 10 && after.len() > 10,
        "{before} reads before, {} after",
        after.len()
    );
    assert!(reads.iter().all(|(_, s)| *s == "good" || *s == "revoked"));
    assert!(reads.iter().any(|(_, s)| *s == "good"));
    let stale: Vec<_> = after.iter().filter(|(_, s)| *s != "revoked").collect();
    assert!(
        stale.is_empty(),
        "{} reads after the revocation said good",
        stale.len()
    );
}

/// The status of check `id` in a JSON report.
fn check_status(report: &Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn a_new_csca_crl_in_the_trust_directory_is_used_without_a_restart() {
    let server = InProcess::dev("trust-reload", |c| c.trust_reload_secs = 1);
    let client = Client::new(&server.url, Some(&server.key));
    // Its DSC is revoked by a CRL the server does not have yet.
    let passport = Passport::new(Profile::P256, Variant::RevokedDsc);
    let verify = || {
        let reply = client.post("/v1/verifications", &passport.document());
        assert_eq!(
            reply.status,
            201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["report"].clone()
    };
    let before = verify();
    assert_eq!(check_status(&before, "dsc.revocation"), "pass");
    assert_eq!(before["valid"], true);

    // The CSCA's new CRL lands in the trust directory.
    let trust = server.data.join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    std::fs::write(trust.join("p256-csca-new.crl"), passport.file("csca.crl")).unwrap();
    let started = std::time::Instant::now();
    let after = loop {
        let report = verify();
        if check_status(&report, "dsc.revocation") != "pass" {
            break report;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the new CRL was not picked up"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(check_status(&after, "dsc.revocation"), "fail");
    assert_eq!(after["valid"], false);

    // A file that does not parse is refused and the trust store stays as it was.
    std::fs::write(trust.join("garbage.crl"), b"not a CRL").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    assert_eq!(check_status(&verify(), "dsc.revocation"), "fail");
}

/// Another well-formed registration number: the holder's with the last serial digit moved
/// by `bump` (and the check digit recomputed).
fn another_rrn(rrn: &str, bump: u8) -> String {
    let first12: String = rrn.replace('-', "").chars().take(12).collect();
    let first12 = format!(
        "{}{}",
        &first12[..11],
        (first12.as_bytes()[11] - b'0' + bump) % 10
    );
    let check = dongpo_testkit::person::rrn_check_digit(&first12).unwrap();
    format!("{}-{}{check}", &first12[..6], &first12[6..])
}

/// The replayed registry oracle (issue 17): probing the registry through `POST
/// /v1/certificates` with many numbers on one verification gets one `registry_refused` and
/// then only `verification_used`; the answers for an unregistered number, an inactive
/// registration and a mismatching record are byte-identical but for request ids; a garbage
/// CSR is refused before the registry is consulted (without using the verification); and
/// the reasons are in the access records, with the API key that asked.
#[test]
fn registry_is_no_oracle() {
    let server = InProcess::dev("oracle", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rrn = passport.rrn();
    let unregistered = "800101-1000008".to_owned();
    let inactive_rrn = another_rrn(&rrn, 1);
    let mismatch_rrn = another_rrn(&rrn, 2);
    let mut inactive = passport.identity();
    inactive["resident_registration_number"] = json!(inactive_rrn);
    inactive["registration_status"] = json!("deceased");
    let mut mismatch = passport.identity();
    mismatch["resident_registration_number"] = json!(mismatch_rrn);
    mismatch["surname"] = json!("PARK");
    let registered = client.post("/v1/registry", &json!({"records": [inactive, mismatch]}));
    assert_eq!(registered.status, 200, "{}", registered.text());

    // A garbage CSR with any number: refused before the registry, the verification kept.
    let fresh = verify_with_aa(&client, &passport);
    let garbage = client.post(
        "/v1/certificates",
        &json!({"verification_id": fresh["id"], "profile": "kb", "csr": "garbage",
            "resident_registration_number": unregistered}),
    );
    assert_eq!((garbage.status, garbage.code().as_str()), (422, "bad_csr"));

    let probes = [&unregistered, &inactive_rrn, &mismatch_rrn];
    let mut answers = Vec::new();
    for first in probes {
        let verification = verify_with_aa(&client, &passport);
        let refused = issue(&client, &verification["id"], first, "kb", 1);
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (422, "registry_refused"),
            "{}",
            refused.text()
        );
        // Every later probe on that verification, the holder's own number included, learns
        // only that it is used.
        for (seed, next) in [&unregistered, &inactive_rrn, &mismatch_rrn, &rrn]
            .into_iter()
            .enumerate()
        {
            let again = issue(&client, &verification["id"], next, "kb", seed as u64 + 2);
            assert_eq!(
                (again.status, again.code().as_str()),
                (409, "verification_used")
            );
        }
        answers.push(refused);
    }
    let comparable = |reply: &support::Reply| {
        let mut headers: Vec<(String, String)> = reply
            .headers
            .iter()
            .filter(|(k, _)| {
                !k.eq_ignore_ascii_case("x-request-id") && !k.eq_ignore_ascii_case("date")
            })
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.sort();
        (reply.status, headers, reply.body.clone())
    };
    for answer in &answers[1..] {
        assert_eq!(comparable(answer), comparable(&answers[0]));
    }
    let text = answers[0].text();
    for telling in ["registered", "deceased", "inactive", "surname", "mismatch"] {
        assert!(!text.contains(telling), "{telling} in {text}");
    }

    // The verification the garbage CSR was tried on still issues.
    let issued = issue(&client, &fresh["id"], &rrn, "kb", 9);
    assert_eq!(issued.status, 201, "{}", issued.text());
    // The same request with another number is a repeat: the certificate comes back, and its
    // access is recorded against the certificate's person, not against the number sent.
    let repeated = issue(&client, &fresh["id"], &unregistered, "kb", 9);
    assert_eq!(repeated.status, 200, "{}", repeated.text());
    assert_eq!(repeated.json()["repeated"], json!(true));

    // The access records name the API key and keep the reasons.
    let db = rusqlite::Connection::open(server.data.join("ca").join("ca.sqlite")).unwrap();
    let bodies: Vec<(String, String)> = db
        .prepare("SELECT kind, body FROM access_records ORDER BY node, seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let lookups: Vec<String> = bodies
        .iter()
        .filter(|(kind, _)| kind == "registry.lookup")
        .map(|(_, body)| {
            let body: Value = serde_json::from_str(body).unwrap();
            body["outcome"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        lookups,
        ["not_registered", "inactive", "mismatch:surname", "found"]
    );
    // `dpk_<id>_<secret>`: every access here was made with the one development key.
    let key_id = server.key.split('_').nth(1).unwrap().to_owned();
    for (kind, body) in &bodies {
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["actor"], json!(key_id), "{kind}: {body}");
        for personal in [&rrn, &unregistered, &inactive_rrn, &mismatch_rrn] {
            assert!(!body.to_string().contains(personal.as_str()));
        }
    }
    let actions: Vec<&str> = bodies.iter().map(|(kind, _)| kind.as_str()).collect();
    for action in [
        "registry.import",
        "verification.create",
        "registry.lookup",
        "certificate.issue",
    ] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    let issuances: Vec<(String, String)> = bodies
        .iter()
        .filter(|(kind, _)| kind == "certificate.issue")
        .map(|(_, body)| {
            let body: Value = serde_json::from_str(body).unwrap();
            (
                body["outcome"].as_str().unwrap().to_owned(),
                body["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let subject_of = |prefix: &str| {
        issuances
            .iter()
            .find(|(outcome, _)| outcome.starts_with(prefix))
            .map(|(_, subject)| subject.clone())
            .unwrap_or_else(|| panic!("no {prefix} record in {issuances:?}"))
    };
    assert_eq!(subject_of("repeated:"), subject_of("issued:"));
}

/// adv19 finding 2: unknown fields in a verification body are refused, not ignored: a
/// misspelt `aa` (or a would-be Chip Authentication result) must not give a verification
/// that silently skipped the proof. The batch and the `aa` object refuse them too.
#[test]
fn unknown_fields_in_verification_bodies_are_refused() {
    let server = InProcess::dev("unknown-fields", |_| {});
    let client = Client::new(&server.url, Some(&server.key));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    for (field, value) in [
        ("AA", json!({"challenge_id": "x", "signature": "AA=="})),
        ("chip_authentication", json!("proven")),
        ("\u{1b}[31mred", json!(1)),
    ] {
        let mut body = passport.document();
        body[field] = value;
        let refused = client.post("/v1/verifications", &body);
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (400, "bad_request"),
            "{field}: {}",
            refused.text()
        );
        assert!(!refused.text().contains('\u{1b}'), "{}", refused.text());
    }
    let mut body = passport.document();
    body["aa"] = json!({"challenge_id": "x", "signature": "AA==", "extra": true});
    assert_eq!(client.post("/v1/verifications", &body).status, 400);
    let mut document = passport.document();
    document["zzz"] = json!(1);
    let batch = client.post("/v1/verifications:batch", &json!({"documents": [document]}));
    assert_eq!(batch.status, 400, "{}", batch.text());
    let batch = client.post(
        "/v1/verifications:batch",
        &json!({"documents": [passport.document()], "zzz": 1}),
    );
    assert_eq!(batch.status, 400, "{}", batch.text());
    // The plain body is still taken.
    assert_eq!(
        client
            .post("/v1/verifications", &passport.document())
            .status,
        201
    );
}
