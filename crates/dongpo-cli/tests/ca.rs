//! The CA commands as an operator scripts them: init, registry import, issue, revoke,
//! audit verify, demo — files, exit codes and JSON.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dongpo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(args)
        .env_remove("DONGPO_CA_PASSPHRASE")
        .output()
        .expect("run dongpo")
}

/// The challenge the tests' terminal sends for Active Authentication.
const AA_CHALLENGE: &str = "0102030405060708";

/// The testkit chip's Active Authentication answer to [`AA_CHALLENGE`] (the chip of the
/// passport in `passport`, signed with its `aa_key.p8`), written beside the directory.
fn chip_answer(passport: &Path) -> PathBuf {
    let out = passport.with_extension("aa-signature");
    ok(&dongpo(&[
        "testkit",
        "aa-sign",
        "--key",
        s(&passport.join("aa_key.p8")),
        "--challenge",
        AA_CHALLENGE,
        "--out",
        s(&out),
    ]));
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-ca-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn init_register_issue_revoke_and_audit() {
    let root = scratch("flow");
    let (ca, passport, csr_dir) = (root.join("ca"), root.join("passport"), root.join("csr"));
    ok(&dongpo(&["ca", "init", "--dir", s(&ca), "--json"]));
    // A second init refuses to touch the CA.
    let again = dongpo(&["ca", "init", "--dir", s(&ca)]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a CA"));

    ok(&dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "p256",
        "--out",
        s(&passport),
    ]));
    ok(&dongpo(&[
        "testkit",
        "csr",
        "--key-algorithm",
        "p256",
        "--out",
        s(&csr_dir),
    ]));
    std::fs::create_dir_all(ca.join("trust")).unwrap();
    std::fs::copy(passport.join("csca.der"), ca.join("trust/csca.der")).unwrap();
    let identity = passport.join("identity.json");
    let csr = csr_dir.join("csr.pem");
    let issue = |profile: &str| {
        dongpo(&[
            "issue",
            "--dir",
            s(&ca),
            "--profile",
            profile,
            "--csr",
            s(&csr),
            "--identity",
            s(&identity),
            "--passport",
            s(&passport),
            "--aa-challenge",
            AA_CHALLENGE,
            "--aa-signature",
            s(&chip_answer(&passport)),
            "--json",
        ])
    };

    // Not yet registered: refused, exit 1, a code to match on.
    let refused = issue("kb");
    assert_eq!(refused.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(json["issued"], false);
    assert_eq!(json["error"]["code"], "registry_refused");
    // Without the chip's answer the verification is a downgrade, refused before the
    // registry (the chip offers Chip and Active Authentication).
    let files_only = dongpo(&[
        "issue",
        "--dir",
        s(&ca),
        "--profile",
        "kb",
        "--csr",
        s(&csr),
        "--identity",
        s(&identity),
        "--passport",
        s(&passport),
        "--json",
    ]);
    assert_eq!(files_only.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&files_only.stdout).unwrap();
    assert_eq!(json["error"]["code"], "chip_presence_required");

    ok(&dongpo(&[
        "registry",
        "import",
        "--dir",
        s(&ca),
        "--identity",
        s(&identity),
    ]));
    let json: serde_json::Value = serde_json::from_str(&ok(&issue("kb"))).unwrap();
    assert_eq!(json["issued"], true);
    assert_eq!(json["issuer"], "kb");
    assert_eq!(json["assurance"], "PA+AA");
    assert!(
        json["certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert_eq!(json["chain"].as_array().unwrap().len(), 2);
    let serial = json["serial"].as_str().unwrap().to_owned();

    // Toss takes RSA-2048 keys only.
    let refused = issue("toss");
    assert_eq!(refused.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(json["error"]["code"], "weak_key");
    // Unknown profile.
    let json: serde_json::Value = serde_json::from_slice(&issue("naver").stdout).unwrap();
    assert_eq!(json["error"]["code"], "unknown_profile");

    let out = ok(&dongpo(&[
        "revoke",
        "--dir",
        s(&ca),
        "--serial",
        &serial,
        "--reason",
        "keyCompromise",
        "--json",
    ]));
    assert!(out.contains("\"revoked\":true"), "{out}");
    let twice = dongpo(&[
        "revoke",
        "--dir",
        s(&ca),
        "--serial",
        &serial,
        "--reason",
        "superseded",
    ]);
    assert_eq!(twice.status.code(), Some(2));
    let bad_reason = dongpo(&[
        "revoke",
        "--dir",
        s(&ca),
        "--serial",
        &serial,
        "--reason",
        "whim",
    ]);
    assert!(String::from_utf8_lossy(&bad_reason.stderr).contains("keyCompromise"));

    let out = ok(&dongpo(&["audit", "verify", "--dir", s(&ca), "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["valid"], true);
    assert!(json["records"].as_u64().unwrap() >= 4);

    // The access records: the refusal (not registered), the import and the issuances,
    // by `cli`, exported for an auditor as JSON lines, intact, and caught when edited.
    let export = root.join("access.jsonl");
    ok(&dongpo(&[
        "access",
        "export",
        "--dir",
        s(&ca),
        "--since",
        "2000-01-01",
        "--out",
        s(&export),
    ]));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            assert_eq!(l["actor"], "cli", "{l}");
            (
                l["action"].as_str().unwrap().to_owned(),
                l["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pair = |a: &str, o: &str| (a.to_owned(), o.to_owned());
    assert_eq!(seen[0], pair("registry.lookup", "not_registered"));
    assert_eq!(seen[1], pair("certificate.issue", "registry_refused"));
    // The downgrade was refused without a registry lookup.
    assert_eq!(seen[2], pair("certificate.issue", "chip_presence_required"));
    assert_eq!(seen[3], pair("registry.import", "imported"));
    assert!(seen.contains(&pair("certificate.issue", &format!("issued:{serial}"))));
    assert!(seen.contains(&pair("certificate.issue", "weak_key")));
    let rrn =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&identity).unwrap())
            .unwrap()["resident_registration_number"]
            .as_str()
            .unwrap()
            .to_owned();
    assert!(!std::fs::read_to_string(&export).unwrap().contains(&rrn));
    // The export file is not overwritten.
    let twice = dongpo(&["access", "export", "--dir", s(&ca), "--out", s(&export)]);
    assert_eq!(twice.status.code(), Some(2));
    let out = ok(&dongpo(&["access", "verify", "--dir", s(&ca), "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["valid"], true, "{json}");
    // The retention purge keeps everything this young, and the chain verifies.
    ok(&dongpo(&["access", "purge", "--dir", s(&ca)]));
    let db = rusqlite::Connection::open(ca.join("ca.sqlite")).unwrap();
    db.execute(
        "UPDATE access_records SET body = replace(body, 'not_registered', 'found') WHERE seq = 1",
        [],
    )
    .unwrap();
    drop(db);
    let out = dongpo(&["access", "verify", "--dir", s(&ca)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN"));

    // Change one audit record behind the CA's back: detected, exit 1, the record named.
    let db = rusqlite::Connection::open(ca.join("ca.sqlite")).unwrap();
    let changed = db
        .execute("UPDATE audit SET body = replace(body, 'keyCompromise', 'superseded') WHERE kind = 'certificate.revoked'", [])
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    let out = dongpo(&["audit", "verify", "--dir", s(&ca), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert!(
        json["error"].as_str().unwrap().contains("node-1/"),
        "{json}"
    );
}

#[test]
fn demo_json_names_the_assurance_reached() {
    let out = ok(&dongpo(&["demo", "--json"]));
    let summary: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(summary["verification_valid"], true, "{summary}");
    assert_eq!(summary["assurance"], "PA+CA", "{summary}");
    assert_eq!(summary["issued"].as_array().unwrap().len(), 5, "{summary}");
}

#[test]
fn demo_leaves_the_contract_files_and_openssl_accepts_them() {
    let out = scratch("demo");
    let text = ok(&dongpo(&["demo", "--out", s(&out)]));
    for step in [
        "1. CA",
        "4. Verify",
        "5. Issue",
        "6. Refuse",
        "7. Revoke",
        "8. Audit",
    ] {
        assert!(text.contains(step), "missing step {step}:\n{text}");
    }
    // A Korean-style chip: Chip Authentication proves its presence, issuance at PA+CA.
    assert!(text.contains("Passive + Chip Authentication"), "{text}");
    assert!(text.contains("valid at PA+CA"), "{text}");
    assert_eq!(text.matches("  PA+CA  -> certs/").count(), 5, "{text}");
    assert!(out.join("ca/ca.toml").exists());
    for file in [
        "root.pem",
        "chain.pem",
        "shinhan.pem",
        "toss.pem",
        "kb.pem",
        "woori.pem",
        "hana.pem",
        "revoked.pem",
    ] {
        assert!(out.join("certs").join(file).exists(), "{file}");
    }
    // The CA directory works with the other CA commands.
    ok(&dongpo(&["audit", "verify", "--dir", s(&out.join("ca"))]));
    // The demo's uses of personal data are in the access records, as `dongpo registry
    // import` and `dongpo issue` write them: one import, six issued, one refused.
    let export = out.join("access.jsonl");
    ok(&dongpo(&[
        "access",
        "export",
        "--dir",
        s(&out.join("ca")),
        "--out",
        s(&export),
    ]));
    let exported = std::fs::read_to_string(&export).unwrap();
    let count = |needle: &str| exported.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(count("\"registry.import\""), 1, "{exported}");
    assert_eq!(count("\"certificate.issue\""), 7, "{exported}");
    assert_eq!(count("\"outcome\":\"weak_key\""), 1, "{exported}");
    ok(&dongpo(&["access", "verify", "--dir", s(&out.join("ca"))]));
    if Command::new("openssl").arg("version").output().is_ok() {
        for profile in ["shinhan", "toss", "kb", "woori", "hana"] {
            let status = Command::new("openssl")
                .args(["verify", "-CAfile"])
                .arg(out.join("certs/chain.pem"))
                .arg(out.join(format!("certs/{profile}.pem")))
                .output()
                .unwrap();
            assert!(
                status.status.success(),
                "{profile}: {}",
                String::from_utf8_lossy(&status.stderr)
            );
        }
        // The CRL: OpenSSL checks its signature, and reports the revoked certificate.
        let crl_pem = out.join("crl.pem");
        let conv = Command::new("openssl")
            .args(["crl", "-inform", "DER", "-in"])
            .arg(out.join("crl.der"))
            .arg("-CAfile")
            .arg(out.join("certs/chain.pem"))
            .arg("-out")
            .arg(&crl_pem)
            .output()
            .unwrap();
        assert!(
            conv.status.success(),
            "{}",
            String::from_utf8_lossy(&conv.stderr)
        );
        assert!(
            String::from_utf8_lossy(&conv.stderr).contains("verify OK"),
            "{}",
            String::from_utf8_lossy(&conv.stderr)
        );
        let check = |cert: &str| {
            Command::new("openssl")
                .args(["verify", "-crl_check", "-CAfile"])
                .arg(out.join("certs/chain.pem"))
                .arg("-CRLfile")
                .arg(&crl_pem)
                .arg(out.join(format!("certs/{cert}.pem")))
                .output()
                .unwrap()
        };
        let revoked = check("revoked");
        assert!(!revoked.status.success());
        assert!(
            String::from_utf8_lossy(&revoked.stdout).contains("revoked")
                || String::from_utf8_lossy(&revoked.stderr).contains("revoked")
        );
        assert!(check("shinhan").status.success());
    } else {
        println!("skipped: openssl not found");
    }
    assert!(out.join("crl.der").exists());
    // A second demo into the same directory refuses instead of mixing CAs.
    assert_eq!(dongpo(&["demo", "--out", s(&out)]).status.code(), Some(2));
}

fn softhsm_module() -> Option<PathBuf> {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

#[test]
fn ca_keys_in_a_pkcs11_token_issue_certificates() {
    let Some(module) = softhsm_module() else {
        println!("skipped: SoftHSM2 module not found (apt-get install softhsm2)");
        return;
    };
    let root = scratch("pkcs11");
    let tokens = root.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = root.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\n",
            tokens.display()
        ),
    )
    .unwrap();
    let init_token = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "dongpo-ci",
            "--pin",
            "4321",
            "--so-pin",
            "87654321",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output();
    let Ok(init_token) = init_token else {
        println!("skipped: softhsm2-util not found");
        return;
    };
    assert!(
        init_token.status.success(),
        "{}",
        String::from_utf8_lossy(&init_token.stderr)
    );
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .env("DONGPO_TEST_PIN", "4321")
            .env_remove("DONGPO_CA_PASSPHRASE")
            .output()
            .unwrap()
    };
    let (ca, passport, csr_dir) = (root.join("ca"), root.join("passport"), root.join("csr"));
    ok(&run(&[
        "ca",
        "init",
        "--dir",
        s(&ca),
        "--pkcs11-module",
        s(&module),
        "--pkcs11-token",
        "dongpo-ci",
        "--pkcs11-pin-env",
        "DONGPO_TEST_PIN",
    ]));
    let config = std::fs::read_to_string(ca.join("ca.toml")).unwrap();
    assert!(config.contains("key_label = \"dongpo-root\""), "{config}");
    assert!(
        !ca.join("keys/root.p8").exists(),
        "no key file when keys live in the token"
    );
    ok(&run(&[
        "testkit",
        "passport",
        "--profile",
        "p256",
        "--out",
        s(&passport),
    ]));
    ok(&run(&[
        "testkit",
        "csr",
        "--key-algorithm",
        "p256",
        "--out",
        s(&csr_dir),
    ]));
    std::fs::create_dir_all(ca.join("trust")).unwrap();
    std::fs::copy(passport.join("csca.der"), ca.join("trust/csca.der")).unwrap();
    let identity = passport.join("identity.json");
    ok(&run(&[
        "registry",
        "import",
        "--dir",
        s(&ca),
        "--identity",
        s(&identity),
    ]));
    let out = ok(&run(&[
        "issue",
        "--dir",
        s(&ca),
        "--profile",
        "hana",
        "--csr",
        s(&csr_dir.join("csr.pem")),
        "--identity",
        s(&identity),
        "--passport",
        s(&passport),
        "--aa-challenge",
        AA_CHALLENGE,
        "--aa-signature",
        s(&chip_answer(&passport)),
        "--out",
        s(&root.join("hana.pem")),
    ]));
    assert!(out.contains("BEGIN CERTIFICATE"));
    if Command::new("openssl").arg("version").output().is_ok() {
        let chain = [ca.join("certs/hana.pem"), ca.join("certs/root.pem")]
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect::<String>();
        std::fs::write(root.join("chain.pem"), chain).unwrap();
        let verify = Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(root.join("chain.pem"))
            .arg(root.join("hana.pem"))
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
    // Without the PIN the CA does not open, and says why.
    let no_pin = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["audit", "verify", "--dir", s(&ca)])
        .env("SOFTHSM2_CONF", &conf)
        .env_remove("DONGPO_TEST_PIN")
        .output()
        .unwrap();
    assert_eq!(no_pin.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_pin.stderr).contains("DONGPO_TEST_PIN"));
    ok(&run(&["audit", "verify", "--dir", s(&ca)]));
}

#[test]
fn openssl_ocsp_requests_are_answered_from_the_store() {
    if Command::new("openssl").arg("version").output().is_err() {
        println!("skipped: openssl not found");
        return;
    }
    let out = scratch("ocsp");
    ok(&dongpo(&["demo", "--out", s(&out)]));
    let ca = out.join("ca");
    let issuer = ca.join("certs/shinhan.pem");
    let ocsp = |cert: &Path, nonce: bool| -> String {
        let req = out.join("req.der");
        let resp = out.join("resp.der");
        let mut make = Command::new("openssl");
        make.args(["ocsp", "-issuer"])
            .arg(&issuer)
            .arg("-cert")
            .arg(cert)
            .arg("-reqout")
            .arg(&req);
        if !nonce {
            make.arg("-no_nonce");
        }
        assert!(make.output().unwrap().status.success());
        ok(&dongpo(&[
            "ocsp",
            "respond",
            "--dir",
            s(&ca),
            "--request",
            s(&req),
            "--out",
            s(&resp),
        ]));
        // With the request given, OpenSSL checks the echoed nonce against it.
        let mut check = Command::new("openssl");
        check
            .args(["ocsp", "-resp_text", "-respin"])
            .arg(&resp)
            .arg("-reqin")
            .arg(&req)
            .arg("-CAfile")
            .arg(out.join("certs/chain.pem"))
            .arg("-VAfile")
            .arg(&issuer);
        let result = check.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(text.contains("Response verify OK"), "{text}");
        text
    };
    for nonce in [true, false] {
        let good = ocsp(&out.join("certs/shinhan.pem"), nonce);
        assert!(good.contains("Cert Status: good"), "{good}");
        let revoked = ocsp(&out.join("certs/revoked.pem"), nonce);
        assert!(
            revoked.contains(": revoked") && revoked.contains("keyCompromise"),
            "{revoked}"
        );
    }
    // A certificate of the same issuing CA that this CA never issued: unknown.
    let stranger = out.join("stranger.pem");
    let text = std::fs::read_to_string(out.join("certs/shinhan.pem")).unwrap();
    let der = x509_from_pem(&text);
    let mut forged = der.clone();
    // Change the serial's last octet (the signature no longer matters to the responder).
    let serial_at = 15; // SEQUENCE, SEQUENCE, [0] version (5 octets), INTEGER tag+len: serial starts here
    forged[serial_at + 15] ^= 0x55;
    std::fs::write(&stranger, pem("CERTIFICATE", &forged)).unwrap();
    let unknown = ocsp(&stranger, true);
    assert!(unknown.contains("Cert Status: unknown"), "{unknown}");
}

fn x509_from_pem(text: &str) -> Vec<u8> {
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64_decode(&body)
}

fn base64_decode(text: &str) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["base64", "-d", "-A"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    out.stdout
}

fn pem(label: &str, der: &[u8]) -> String {
    let out = Command::new("openssl")
        .args(["base64", "-e"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(der)?;
            child.wait_with_output()
        })
        .unwrap();
    format!(
        "-----BEGIN {label}-----\n{}-----END {label}-----\n",
        String::from_utf8_lossy(&out.stdout)
    )
}

#[test]
fn every_crl_is_published_and_partitions_match_the_certificates() {
    let out = scratch("crls");
    ok(&dongpo(&["demo", "--out", s(&out)]));
    let dir = out.join("published");
    let text = ok(&dongpo(&[
        "crl",
        "--dir",
        s(&out.join("ca")),
        "--all-to",
        s(&dir),
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Five issuing CAs, each a full CRL and four partitions.
    assert_eq!(json["written"].as_array().unwrap().len(), 25, "{json}");
    assert!(dir.join("shinhan.crl").exists() && dir.join("shinhan-3.crl").exists());
    if Command::new("openssl").arg("version").output().is_err() {
        println!("skipped: openssl not found");
        return;
    }
    // The revoked certificate's own partition CRL (named by its CDP) lists it; OpenSSL
    // checks the IDP scope against the certificate.
    let cert_text = Command::new("openssl")
        .args(["x509", "-noout", "-ext", "crlDistributionPoints", "-in"])
        .arg(out.join("certs/revoked.pem"))
        .output()
        .unwrap();
    let cdp = String::from_utf8_lossy(&cert_text.stdout).to_string();
    let file = cdp.rsplit('/').next().unwrap().trim().to_owned();
    assert!(
        file.starts_with("shinhan-") && file.ends_with(".crl"),
        "{cdp}"
    );
    let pem = out.join("partition.pem");
    let conv = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-in"])
        .arg(dir.join(&file))
        .arg("-out")
        .arg(&pem)
        .output()
        .unwrap();
    assert!(conv.status.success());
    let verify = Command::new("openssl")
        .args(["verify", "-crl_check", "-CAfile"])
        .arg(out.join("certs/chain.pem"))
        .arg("-CRLfile")
        .arg(&pem)
        .arg(out.join("certs/revoked.pem"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        !verify.status.success() && said.contains("revoked"),
        "{said}"
    );
}

/// Issue 17: under a profile carrying the KISA VID, `dongpo issue --json` answers the VID
/// random sealed to the subscriber's key; `dongpo vid decrypt` opens it with that key and
/// `dongpo vid verify` proves the certificate's VID with it, for that RRN only.
#[test]
fn issue_json_carries_the_sealed_vid_random_that_vid_decrypt_and_verify_use() {
    let root = scratch("vid");
    let (ca, passport) = (root.join("ca"), root.join("passport"));
    ok(&dongpo(&["ca", "init", "--dir", s(&ca), "--json"]));
    // The CA's own profiles: the five, with kb carrying the VID; then the change accepted.
    dongpo_profiles::write_builtin(
        &ca.join(dongpo_testkit::ca_profiles::PROFILES_DIR),
        dongpo_testkit::ca_profiles::vid_only_on("kb"),
    )
    .unwrap();
    dongpo_testkit::ca_profiles::point_ca_at_profiles(&ca).unwrap();
    ok(&dongpo(&["ca", "accept-settings", "--dir", s(&ca)]));

    ok(&dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "p256",
        "--out",
        s(&passport),
    ]));
    std::fs::create_dir_all(ca.join("trust")).unwrap();
    std::fs::copy(passport.join("csca.der"), ca.join("trust/csca.der")).unwrap();
    let identity = passport.join("identity.json");
    ok(&dongpo(&[
        "registry",
        "import",
        "--dir",
        s(&ca),
        "--identity",
        s(&identity),
    ]));
    let identity_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&identity).unwrap()).unwrap();
    let rrn = identity_json["resident_registration_number"]
        .as_str()
        .unwrap()
        .replace('-', "");
    let rrn_file = root.join("rrn.txt");
    std::fs::write(&rrn_file, &rrn).unwrap();
    let mut other = rrn.clone().into_bytes();
    other[12] = if other[12] == b'9' {
        b'0'
    } else {
        other[12] + 1
    };
    let other_file = root.join("other-rrn.txt");
    std::fs::write(&other_file, &other).unwrap();

    for (algorithm, suite) in [
        ("p256", "hpke-p256-sha256-aes256gcm"),
        ("rsa2048", "rsa-oaep-sha256"),
    ] {
        let subscriber = root.join(algorithm);
        ok(&dongpo(&[
            "testkit",
            "csr",
            "--key-algorithm",
            algorithm,
            "--out",
            s(&subscriber),
        ]));
        let out = ok(&dongpo(&[
            "issue",
            "--dir",
            s(&ca),
            "--profile",
            "kb",
            "--csr",
            s(&subscriber.join("csr.pem")),
            "--identity",
            s(&identity),
            "--passport",
            s(&passport),
            "--aa-challenge",
            AA_CHALLENGE,
            "--aa-signature",
            s(&chip_answer(&passport)),
            "--json",
        ]));
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["issued"], true);
        assert_eq!(json["vid_random_encryption"], suite);
        let cert = subscriber.join("cert.pem");
        std::fs::write(&cert, json["certificate"].as_str().unwrap()).unwrap();
        let sealed = subscriber.join("sealed.b64");
        std::fs::write(&sealed, json["vid_random_encrypted"].as_str().unwrap()).unwrap();

        let r = subscriber.join("r.hex");
        ok(&dongpo(&[
            "vid",
            "decrypt",
            "--key",
            s(&subscriber.join("key.p8")),
            "--ciphertext-file",
            s(&sealed),
            "--out",
            s(&r),
        ]));
        let verify = |idn: &Path, random: &Path| {
            dongpo(&[
                "vid",
                "verify",
                "--cert",
                s(&cert),
                "--idn-file",
                s(idn),
                "--random-file",
                s(random),
            ])
            .status
            .code()
        };
        assert_eq!(verify(&rrn_file, &r), Some(0), "the right RRN and R match");
        assert_eq!(verify(&other_file, &r), Some(1), "another RRN does not");
        let hex_r = std::fs::read_to_string(&r).unwrap();
        let mut flipped = hex_r.trim().to_owned().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let other_r = subscriber.join("other-r.hex");
        std::fs::write(&other_r, &flipped).unwrap();
        assert_eq!(verify(&rrn_file, &other_r), Some(1), "another R does not");

        // R is in no file of the CA directory.
        let r_bytes = hex::decode(hex_r.trim()).unwrap();
        for (path, bytes) in files_under(&ca) {
            for spelling in [r_bytes.clone(), hex_r.trim().as_bytes().to_vec()] {
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

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Which of the identity's registry-only fields occur in the SQLite files of `db`.
fn registry_fields_in(db: &Path, identity: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let Ok(bytes) = std::fs::read(format!("{}{suffix}", db.display())) else {
            continue;
        };
        for field in [
            "overseas_registration_number",
            "surname",
            "given_names",
            "date_of_birth",
            "document_number",
        ] {
            let value = identity[field].as_str().unwrap().as_bytes();
            if bytes.windows(value.len()).any(|w| w == value) {
                found.push(format!("{field} in ca.sqlite{suffix}"));
            }
        }
    }
    found
}

#[test]
fn registry_delete_erases_the_record_and_keeps_the_certificate() {
    let root = scratch("erase");
    let (ca, passport, csr_dir) = (root.join("ca"), root.join("passport"), root.join("csr"));
    ok(&dongpo(&["ca", "init", "--dir", s(&ca)]));
    ok(&dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "p256",
        "--out",
        s(&passport),
    ]));
    ok(&dongpo(&[
        "testkit",
        "csr",
        "--key-algorithm",
        "p256",
        "--out",
        s(&csr_dir),
    ]));
    std::fs::create_dir_all(ca.join("trust")).unwrap();
    std::fs::copy(passport.join("csca.der"), ca.join("trust/csca.der")).unwrap();
    let identity_file = passport.join("identity.json");
    let identity: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&identity_file).unwrap()).unwrap();
    let rrn = identity["resident_registration_number"].as_str().unwrap();
    ok(&dongpo(&[
        "registry",
        "import",
        "--dir",
        s(&ca),
        "--identity",
        s(&identity_file),
    ]));
    let issue = || {
        dongpo(&[
            "issue",
            "--dir",
            s(&ca),
            "--profile",
            "kb",
            "--csr",
            s(&csr_dir.join("csr.pem")),
            "--identity",
            s(&identity_file),
            "--passport",
            s(&passport),
            "--aa-challenge",
            AA_CHALLENGE,
            "--aa-signature",
            s(&chip_answer(&passport)),
            "--json",
        ])
    };
    let issued: serde_json::Value = serde_json::from_str(&ok(&issue())).unwrap();
    let serial = issued["serial"].as_str().unwrap().to_owned();
    let store = ca.join("ca.sqlite");
    let sealed_rows = || -> i64 {
        rusqlite::Connection::open(&store)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM registry_sealed", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        sealed_rows(),
        1,
        "the person is registered before the erasure"
    );
    // Sealed at rest: none of the record's fields is in the files even before.
    let before = registry_fields_in(&store, &identity);
    assert!(before.is_empty(), "before the erasure: {before:?}");

    // The number on the command line is no option.
    let on_the_line = dongpo(&["registry", "delete", "--dir", s(&ca), "--rrn", rrn]);
    assert_eq!(on_the_line.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&on_the_line.stderr).contains("--rrn"));
    // A malformed number: refused, the file named, its content never printed.
    let bad = root.join("bad-rrn.txt");
    std::fs::write(&bad, "12345-secretish\n").unwrap();
    let refused = dongpo(&["registry", "delete", "--dir", s(&ca), "--rrn-file", s(&bad)]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("bad-rrn.txt"), "{stderr}");
    assert!(!stderr.contains("secretish"), "{stderr}");

    let rrn_file = root.join("rrn.txt");
    std::fs::write(&rrn_file, format!("{rrn}\n")).unwrap();
    let erased: serde_json::Value = serde_json::from_str(&ok(&dongpo(&[
        "registry",
        "delete",
        "--dir",
        s(&ca),
        "--rrn-file",
        s(&rrn_file),
        "--json",
    ])))
    .unwrap();
    assert_eq!(erased["record_deleted"], true);
    assert_eq!(erased["certificates_kept"], serde_json::json!([serial]));
    assert_eq!(erased["server_db"], false);
    assert_eq!(sealed_rows(), 0, "the sealed record is gone");
    // The erasure is in the access records, pseudonymously.
    let export = root.join("access.jsonl");
    ok(&dongpo(&[
        "access",
        "export",
        "--dir",
        s(&ca),
        "--out",
        s(&export),
    ]));
    let records = std::fs::read_to_string(&export).unwrap();
    let erase = records
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["action"] == "registry.erase")
        .expect("a registry.erase access record");
    assert_eq!(erase["actor"], "cli");
    assert_eq!(erase["outcome"], "erased");
    assert!(!records.contains(rrn), "no RRN in the access records");
    let left = registry_fields_in(&store, &identity);
    assert!(left.is_empty(), "after the erasure: {left:?}");

    // Not registered any more; the certificate and the audit chain stay.
    let refused = issue();
    assert_eq!(refused.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(json["issued"], false);
    let audit: serde_json::Value = serde_json::from_str(&ok(&dongpo(&[
        "audit",
        "verify",
        "--dir",
        s(&ca),
        "--json",
    ])))
    .unwrap();
    assert_eq!(audit["valid"], true);
    let db = rusqlite::Connection::open(&store).unwrap();
    let (certificates, erasures): (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM certificates), \
             (SELECT COUNT(*) FROM audit WHERE kind = 'registry.erased')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((certificates, erasures), (1, 1));
    drop(db);

    // Again, with a server database: nothing left, and said so.
    let again: serde_json::Value = serde_json::from_str(&ok(&dongpo(&[
        "registry",
        "delete",
        "--dir",
        s(&ca),
        "--rrn-file",
        s(&rrn_file),
        "--server-db",
        s(&root.join("server.sqlite")),
        "--json",
    ])))
    .unwrap();
    assert_eq!(again["record_deleted"], false);
    assert_eq!(again["server_db"], true);
    assert_eq!(again["verifications_deleted"], 0);
}

#[test]
fn a_store_url_with_a_password_is_refused_on_the_command_line() {
    let root = scratch("store-password");
    let ca = root.join("ca");
    let out = dongpo(&[
        "ca",
        "init",
        "--dir",
        s(&ca),
        "--store",
        "postgres://dongpo:hunter2@127.0.0.1:1/db",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--store-file"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!ca.join("ca.toml").exists());
}
