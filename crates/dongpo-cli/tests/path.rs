#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `dongpo path validate`: JSON contract and exit codes, PKITS revocation tests
//! through the CLI's CRL checker, synthetic ePassport chains, and agreement with
//! `openssl verify`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pkits() -> PathBuf {
    root().join("test-vectors/pkits")
}

const PKITS_AT: &str = "2011-04-15T00:00:00Z";

/// Runs `dongpo path validate ARGS --json`: exit code and parsed output.
fn validate(args: &[String]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["path", "validate", "--json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (code, json)
}

fn arg(flag: &str, path: &Path) -> [String; 2] {
    [flag.to_string(), path.display().to_string()]
}

/// One PKITS row: id, expected validity, leaf, intermediates, CRLs.
struct Row {
    id: String,
    valid: bool,
    ee: String,
    intermediates: Vec<String>,
    crls: Vec<String>,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(pkits().join("tests.tsv")).unwrap();
    let list = |f: &str| -> Vec<String> {
        if f == "-" {
            Vec::new()
        } else {
            f.split(' ').map(String::from).collect()
        }
    };
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                id: f[0].into(),
                valid: f[2] == "valid",
                ee: f[6].into(),
                intermediates: list(f[7]),
                crls: list(f[8]),
            }
        })
        .collect()
}

fn row(id: &str) -> Row {
    rows().into_iter().find(|r| r.id == id).unwrap()
}

fn row_args(row: &Row, with_crls: bool) -> Vec<String> {
    let certs = pkits().join("certs");
    let mut args: Vec<String> = Vec::new();
    args.extend(arg(
        "--anchor",
        &certs.join("TrustAnchorRootCertificate.crt"),
    ));
    args.extend(arg("--leaf", &certs.join(format!("{}.crt", row.ee))));
    args.extend(["--at".to_string(), PKITS_AT.to_string()]);
    for i in &row.intermediates {
        args.extend(arg("--intermediate", &certs.join(format!("{i}.crt"))));
    }
    if with_crls {
        for c in &row.crls {
            args.extend(arg("--crl", &pkits().join("crls").join(format!("{c}.crl"))));
        }
    }
    args
}

#[test]
fn valid_path_prints_the_chain_and_exits_zero() {
    let (code, json) = validate(&row_args(&row("4.1.1"), false));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["valid"], true);
    assert!(json["error"].is_null());
    assert_eq!(
        json["chain"],
        serde_json::json!([
            "CN=Valid EE Certificate Test1,O=Test Certificates 2011,C=US",
            "CN=Good CA,O=Test Certificates 2011,C=US",
            "CN=Trust Anchor,O=Test Certificates 2011,C=US"
        ])
    );
}

#[test]
fn invalid_path_names_certificate_and_rule_and_exits_one() {
    let (code, json) = validate(&row_args(&row("4.1.2"), false));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid"], false);
    let error = json["error"].as_str().unwrap();
    assert!(
        error.contains("Bad Signed CA") && error.contains("signature"),
        "{error}"
    );
    assert_eq!(json["chain"], serde_json::json!([]));
}

#[test]
fn usage_errors_and_unreadable_input_exit_two() {
    let good = row_args(&row("4.1.1"), false);
    let mut missing = good.clone();
    missing.extend(["--intermediate".into(), "/nonexistent/ca.crt".into()]);
    assert_eq!(validate(&missing).0, 2);
    let mut bad_time = good.clone();
    bad_time.extend(["--at".into(), "yesterday".into()]);
    assert_eq!(validate(&bad_time).0, 2);
    let mut not_a_crl = good.clone();
    not_a_crl.extend(arg("--crl", &pkits().join("certs/GoodCACert.crt")));
    assert_eq!(validate(&not_a_crl).0, 2);
    let no_leaf: Vec<String> = good[..2].to_vec();
    assert_eq!(validate(&no_leaf).0, 2);
    let mut garbage = good.clone();
    garbage.extend(arg("--anchor", &pkits().join("tests.tsv")));
    assert_eq!(validate(&garbage).0, 2);
}

/// Invalid PKITS tests whose CRLs list the certificate (they must fail as revoked).
const REVOKED: [&str; 22] = [
    "4.4.2", "4.4.3", "4.4.15", "4.4.18", "4.4.20", "4.5.2", "4.5.5", "4.5.7", "4.14.2", "4.14.6",
    "4.14.15", "4.14.16", "4.14.20", "4.14.21", "4.14.23", "4.14.31", "4.14.32", "4.14.34",
    "4.15.3", "4.15.4", "4.15.6", "4.15.9",
];

/// Whether a test is decided by its CRLs: then an invalid one must fail as revoked
/// (`REVOKED`) or as "no CRL can vouch", not for another reason.
fn decided_by_crls(id: &str) -> bool {
    ["4.4.", "4.14.", "4.15."].iter().any(|s| id.starts_with(s))
        || ["4.5.2", "4.5.5", "4.5.7", "4.7.4", "4.7.5"].contains(&id)
}

/// Every PKITS test with the default policy settings, each with its CRLs, through
/// `dongpo path validate --crl` (RFC 5280 §6.3: distribution points, reasons, indirect
/// and delta CRLs). The README's CLI table is checked against the outcome.
#[test]
fn pkits_with_crls_through_the_cli() {
    // DSA (unsupported) and the 1950 notBefore (unparseable) are not run anywhere.
    let not_run = ["4.1.4", "4.1.5", "4.1.6", "4.2.3"];
    let text = std::fs::read_to_string(pkits().join("tests.tsv")).unwrap();
    let default_policy: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f[3] == "any" && f[4] == "-"
        })
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let selected: Vec<Row> = rows()
        .into_iter()
        .filter(|r| default_policy.contains(&r.id.as_str()) && !not_run.contains(&r.id.as_str()))
        .collect();
    let mut failures = Vec::new();
    let mut by_crls = 0;
    for r in &selected {
        let (code, json) = validate(&row_args(r, true));
        let error = json["error"].as_str().unwrap_or_default().to_string();
        let ok = if r.valid {
            code == 0
        } else if !decided_by_crls(&r.id) {
            code == 1
        } else if REVOKED.contains(&r.id.as_str()) {
            code == 1 && error.contains("revoked:")
        } else {
            code == 1 && error.contains("revocation status unknown")
        };
        by_crls += usize::from(decided_by_crls(&r.id));
        if !ok {
            failures.push(format!("{}: exit {code}, {error}", r.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(by_crls, 71, "4.4, 4.14, 4.15 and five CRL-decided tests");
    // Without CRLs the revocation verdicts are lost: the checker is what decides.
    for id in ["4.4.3", "4.14.2", "4.15.4"] {
        let (code, _) = validate(&row_args(&row(id), false));
        assert_eq!(code, 0, "{id} without CRLs");
    }
    let readme = std::fs::read_to_string(pkits().join("README.md")).unwrap();
    let line = format!(
        "| CLI with CRLs (every test with the default policy settings) | {} | {} |",
        selected.len(),
        selected.len()
    );
    assert!(readme.contains(&line), "README should contain:\n{line}");
}

/// Synthetic ePassport PKIs (CSCA -> DSC, CSCA CRL), at each variant's manifest time.
#[test]
fn synthetic_csca_chains_with_crls() {
    for profile in ["rsa2048", "p256", "bp256"] {
        for (variant, valid, needle) in [
            ("genuine", true, ""),
            ("revoked-dsc", false, "revoked:"),
            ("unknown-csca", false, "signature"),
            ("expired-dsc", false, "expired"),
        ] {
            let dir = root()
                .join("test-vectors/synthetic")
                .join(profile)
                .join(variant);
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            let at = manifest["verify_at"].as_str().unwrap().to_string();
            let mut args: Vec<String> = Vec::new();
            args.extend(arg("--anchor", &dir.join("csca.der")));
            args.extend(arg("--leaf", &dir.join("dsc.der")));
            args.extend(arg("--crl", &dir.join("csca.crl")));
            args.extend(["--at".into(), at]);
            let (code, json) = validate(&args);
            let error = json["error"].as_str().unwrap_or_default();
            assert_eq!(
                code,
                if valid { 0 } else { 1 },
                "{profile}/{variant}: {json}"
            );
            assert!(error.contains(needle), "{profile}/{variant}: {error}");
        }
    }
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// PEM copy of a DER certificate, for `openssl verify`.
fn pem(der: &Path, out: &Path) {
    let status = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(der)
        .arg("-out")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

/// `openssl verify` (no CRLs, no policy checks) and dongpo agree on every PKITS
/// test that needs neither: signatures, validity, name chaining, basic
/// constraints, key usage, name constraints, private extensions.
#[test]
fn agrees_with_openssl_verify_on_pkits() {
    if !openssl_available() {
        println!("skipped: openssl not found");
        return;
    }
    let scratch = std::env::temp_dir().join(format!("dongpo-path-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let certs = pkits().join("certs");
    let anchor = scratch.join("anchor.pem");
    pem(&certs.join("TrustAnchorRootCertificate.crt"), &anchor);
    let sections = ["4.1.", "4.2.", "4.3.", "4.6.", "4.7.", "4.13.", "4.16."];
    // DSA and pre-1970 (unparseable here) and CRL-decided tests are not comparable.
    let skip = ["4.1.4", "4.1.5", "4.1.6", "4.2.3", "4.7.4", "4.7.5"];
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for r in rows() {
        if !sections.iter().any(|s| r.id.starts_with(s)) || skip.contains(&r.id.as_str()) {
            continue;
        }
        let leaf = scratch.join("leaf.pem");
        pem(&certs.join(format!("{}.crt", r.ee)), &leaf);
        let bundle = scratch.join("untrusted.pem");
        let mut text = String::new();
        for (k, i) in r.intermediates.iter().enumerate() {
            let one = scratch.join(format!("i{k}.pem"));
            pem(&certs.join(format!("{i}.crt")), &one);
            text.push_str(&std::fs::read_to_string(&one).unwrap());
        }
        std::fs::write(&bundle, text).unwrap();
        let mut cmd = Command::new("openssl");
        cmd.args(["verify", "-attime", "1302825600", "-CAfile"])
            .arg(&anchor);
        if !r.intermediates.is_empty() {
            cmd.arg("-untrusted").arg(&bundle);
        }
        let theirs = cmd.arg(&leaf).output().unwrap().status.success();
        let (code, _) = validate(&row_args(&r, false));
        let ours = code == 0;
        compared += 1;
        if theirs != ours || ours != r.valid {
            disagreements.push(format!(
                "{}: openssl {theirs}, dongpo {ours}, PKITS {}",
                r.id, r.valid
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(compared >= 70, "compared {compared}");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
