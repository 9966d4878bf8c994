//! `dongpo ca init --external-root` and `dongpo ca install-issuing` as a bank's operator
//! scripts them: the requests OpenSSL signs as the bank's root, a refused certificate
//! (exit 2, the failed check named) and an installed one.
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
        .env("DONGPO_CA_PASSPHRASE", "external root test passphrase")
        .output()
        .expect("run dongpo")
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

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-external-root-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_bank_root_signs_the_requests_and_install_issuing_checks_them() {
    if Command::new("openssl").arg("version").output().is_err() {
        println!("skipped: openssl not found");
        return;
    }
    let work = scratch("flow");
    std::fs::write(
        work.join("root.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3\n\
         [dn]\nC = KR\nO = Example Bank\nCN = Example Bank Root CA\n\
         [v3]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier = hash\n",
    )
    .unwrap();
    openssl(
        &work,
        &[
            "req",
            "-x509",
            "-config",
            "root.cnf",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-days",
            "7300",
        ],
    );
    let ca = work.join("ca");
    let out = ok(&dongpo(&[
        "ca",
        "init",
        "--dir",
        s(&ca),
        "--external-root",
        s(&work.join("root.pem")),
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["external_root"], true);
    let requests = json["requests"].as_array().unwrap();
    assert!(requests.iter().any(|r| r == "csr/kb.csr.pem"), "{json}");
    assert!(ca.join("csr/kb.csr.pem").exists());

    // The kb policy, as the built-in profile asserts it.
    let policy = dongpo_profiles::builtin()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "kb")
        .unwrap()
        .policy_oid
        .to_string();
    std::fs::write(
        work.join("issuing.cnf"),
        format!(
            "[good]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n\
             keyUsage = critical,keyCertSign,cRLSign\ncertificatePolicies = {policy}\n\
             subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n\
             [notca]\nbasicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature\ncertificatePolicies = {policy}\n"
        ),
    )
    .unwrap();
    for (section, serial) in [("notca", "1"), ("good", "2")] {
        openssl(
            &work,
            &[
                "x509",
                "-req",
                "-in",
                s(&ca.join("csr/kb.csr.pem")),
                "-CA",
                "root.pem",
                "-CAkey",
                "root.key",
                "-set_serial",
                serial,
                "-days",
                "3650",
                "-sha256",
                "-extfile",
                "issuing.cnf",
                "-extensions",
                section,
                "-out",
                &format!("kb-{section}.pem"),
            ],
        );
    }
    let refused = dongpo(&[
        "ca",
        "install-issuing",
        "--dir",
        s(&ca),
        "--profile",
        "kb",
        "--cert",
        s(&work.join("kb-notca.pem")),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("CA check"), "{message}");
    assert!(!ca.join("certs/kb.pem").exists());

    let out = ok(&dongpo(&[
        "ca",
        "install-issuing",
        "--dir",
        s(&ca),
        "--profile",
        "kb",
        "--cert",
        s(&work.join("kb-good.pem")),
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["installed"], true);
    let pending = json["pending"].as_array().unwrap();
    assert!(!pending.iter().any(|p| p == "kb") && pending.iter().any(|p| p == "shinhan"));
    assert!(ca.join("certs/kb.pem").exists());
    assert!(
        !std::fs::read_to_string(ca.join("ca.toml"))
            .unwrap()
            .contains("csr/kb.csr.pem")
    );

    // A rollover under the external root writes the next request.
    let out = ok(&dongpo(&[
        "ca",
        "rollover",
        "--dir",
        s(&ca),
        "--profile",
        "kb",
        "--json",
    ]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["installed"], false);
    assert_eq!(json["csr"], "csr/kb-g2.csr.pem");
    assert!(ca.join("csr/kb-g2.csr.pem").exists());
    let again = dongpo(&["ca", "rollover", "--dir", s(&ca), "--profile", "kb"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("awaits its certificate"));
    // The bank's root revokes its own issuing CAs: no ARL here.
    let refused = dongpo(&["ca", "revoke-issuing", "--dir", s(&ca), "--issuer", "kb"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("external"));
}

#[test]
fn revoke_issuing_writes_an_arl_listing_the_issuing_ca() {
    let work = scratch("arl");
    let ca = work.join("ca");
    ok(&dongpo(&["ca", "init", "--dir", s(&ca)]));
    let arl = work.join("root.crl");
    let out = ok(&dongpo(&[
        "ca",
        "revoke-issuing",
        "--dir",
        s(&ca),
        "--issuer",
        "kb",
        "--reason",
        "keyCompromise",
        "--arl-out",
        s(&arl),
    ]));
    assert!(
        out.contains("revoked the certificate of issuing CA kb"),
        "{out}"
    );
    let listed = dongpo_revocation::Crl::parse(&std::fs::read(&arl).unwrap())
        .unwrap()
        .revoked()
        .count();
    assert_eq!(listed, 1);
    let again = dongpo(&["ca", "revoke-issuing", "--dir", s(&ca), "--issuer", "kb"]);
    assert_eq!(again.status.code(), Some(2));
    let bad = dongpo(&[
        "ca",
        "revoke-issuing",
        "--dir",
        s(&ca),
        "--issuer",
        "kb",
        "--reason",
        "nope",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    ok(&dongpo(&[
        "ca",
        "arl",
        "--dir",
        s(&ca),
        "--out",
        s(&work.join("again.crl")),
    ]));
    assert!(work.join("again.crl").exists());
}
