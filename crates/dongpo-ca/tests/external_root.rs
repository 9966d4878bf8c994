//! A bank's own root: `init_external_root` makes the issuing keys and requests, OpenSSL
//! (as the bank's root) signs them, `install_issuing` checks and installs the certificate,
//! and what the CA then issues verifies under the bank's root with `openssl verify`.
//! Certificates with the wrong key, not a CA, without cRLSign, without the policy, with
//! a longer path length, from another root or expired are refused, installing nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{applicant, csr, fresh_dir, have};
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{Ca, InitError, InitOptions, InstallError, certificate_pem, init_external_root};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

const PASSPHRASE: &[u8] = b"test passphrase";

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A self-signed P-256 root made by OpenSSL: `<label>.pem`, `<label>.key`.
fn openssl_root(dir: &Path, label: &str, cn: &str) -> PathBuf {
    let config = format!(
        "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_root\n\
         [dn]\nC = KR\nO = Example Bank\nCN = {cn}\n\
         [v3_root]\nbasicConstraints = critical,CA:TRUE\n\
         keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n"
    );
    std::fs::write(dir.join(format!("{label}.cnf")), config).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-config",
            &format!("{label}.cnf"),
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &format!("{label}.key"),
            "-out",
            &format!("{label}.pem"),
            "-days",
            "7300",
        ],
    );
    dir.join(format!("{label}.pem"))
}

/// The extension sections the bank's root might use, `good` as docs/operators.md says.
fn extfile(dir: &Path, policy: &str) {
    let common = "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n";
    let text = format!(
        "[good]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n\
         keyUsage = critical,keyCertSign,cRLSign\ncertificatePolicies = {policy}\n{common}\
         [notca]\nbasicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature\ncertificatePolicies = {policy}\n{common}\
         [nocrlsign]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n\
         keyUsage = critical,keyCertSign\ncertificatePolicies = {policy}\n{common}\
         [nopolicy]\nbasicConstraints = critical,CA:TRUE,pathlen:0\n\
         keyUsage = critical,keyCertSign,cRLSign\n{common}\
         [pathlen1]\nbasicConstraints = critical,CA:TRUE,pathlen:1\n\
         keyUsage = critical,keyCertSign,cRLSign\ncertificatePolicies = {policy}\n{common}"
    );
    std::fs::write(dir.join("issuing.cnf"), text).unwrap();
}

/// Signs `csr` with the root `root` (`<root>.pem`, `<root>.key`) using `section`.
fn sign(dir: &Path, csr: &Path, root: &str, section: &str, serial: u32) -> Vec<u8> {
    let out = format!("{root}-{section}-{serial}.pem");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr.display().to_string(),
            "-CA",
            &format!("{root}.pem"),
            "-CAkey",
            &format!("{root}.key"),
            "-set_serial",
            &serial.to_string(),
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            "issuing.cnf",
            "-extensions",
            section,
            "-out",
            &out,
        ],
    );
    std::fs::read(dir.join(out)).unwrap()
}

fn options(profiles: &[dongpo_profiles::Profile], at: UnixTime) -> InitOptions<'_> {
    InitOptions {
        key_algorithm: "p256",
        profiles,
        passphrase: Some(Passphrase::new(PASSPHRASE.to_vec())),
        store: None,
        node: "test",
        at,
        pkcs11: None,
        key_dir: None,
        kek: None,
    }
}

fn open(dir: &Path) -> Ca {
    Ca::open_with_passphrase(dir, Some(Passphrase::new(PASSPHRASE.to_vec()))).unwrap()
}

#[test]
fn a_bank_root_signs_the_requests_and_the_checked_certificate_issues() {
    if !have("openssl") {
        println!("skipped: openssl not found");
        return;
    }
    let work = fresh_dir("external-root");
    let root = openssl_root(&work, "root", "Example Bank Root CA");
    openssl_root(&work, "other", "Example Bank Root CA");
    let dir = work.join("ca");
    let profiles = dongpo_profiles::builtin().unwrap();
    let now = UnixTime::now();
    let config = init_external_root(
        &dir,
        options(&profiles, now),
        &std::fs::read(&root).unwrap(),
    )
    .unwrap();
    assert!(config.external_root());
    assert!(!dir.join("keys/root.p8").exists(), "no root key is made");
    for profile in &profiles {
        let request = dir.join(format!("csr/{}.csr.pem", profile.name));
        let text = std::fs::read_to_string(&request).unwrap();
        assert!(text.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        // OpenSSL checks the request's proof of possession.
        openssl(
            &work,
            &[
                "req",
                "-verify",
                "-noout",
                "-in",
                &request.display().to_string(),
            ],
        );
        assert!(!dir.join(format!("certs/{}.pem", profile.name)).exists());
    }

    let mut ca = open(&dir);
    assert!(ca.pending_issuers().contains(&"kb"));
    assert!(
        ca.issuer().ca_for("kb").is_none(),
        "nothing issues before install"
    );
    let policy = ca.profile("kb").unwrap().policy_oid.to_string();
    extfile(&work, &policy);
    let kb_csr = dir.join("csr/kb.csr.pem");
    let config_before = std::fs::read_to_string(dir.join("ca.toml")).unwrap();

    // Each refusal names its check and installs nothing.
    let wrong_key = sign(&work, &dir.join("csr/shinhan.csr.pem"), "root", "good", 1);
    let refusals: Vec<(Vec<u8>, UnixTime, &str)> = vec![
        (wrong_key, now, "key check"),
        (
            sign(&work, &kb_csr, "root", "notca", 2),
            now,
            "CA check: basicConstraints",
        ),
        (
            sign(&work, &kb_csr, "root", "nocrlsign", 3),
            now,
            "keyUsage lacks cRLSign",
        ),
        (
            sign(&work, &kb_csr, "root", "nopolicy", 4),
            now,
            "policy check",
        ),
        (
            sign(&work, &kb_csr, "root", "pathlen1", 5),
            now,
            "pathLenConstraint is 1",
        ),
        (sign(&work, &kb_csr, "other", "good", 6), now, "chain check"),
        (
            sign(&work, &kb_csr, "root", "good", 7),
            UnixTime(now.0 + 3651 * 86_400),
            "chain check",
        ),
        (b"not a certificate".to_vec(), now, "not a certificate"),
    ];
    for (cert, at, check) in refusals {
        let err = ca.install_issuing("kb", &cert, at).unwrap_err();
        assert!(err.to_string().contains(check), "{check}: {err}");
        assert!(ca.pending_issuers().contains(&"kb"));
        assert!(!dir.join("certs/kb.pem").exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("ca.toml")).unwrap(),
            config_before
        );
    }
    let expired = ca
        .install_issuing(
            "kb",
            &sign(&work, &kb_csr, "root", "good", 8),
            UnixTime(now.0 + 3651 * 86_400),
        )
        .unwrap_err();
    assert!(expired.to_string().contains("expired"), "{expired}");
    assert!(matches!(
        ca.install_issuing("nosuch", b"", now),
        Err(InstallError::UnknownProfile(_))
    ));

    // The good one installs, and the CA issues under it at once.
    let good = sign(&work, &kb_csr, "root", "good", 9);
    // OpenSSL dates the certificate at the moment it signs.
    let now = UnixTime::now();
    ca.install_issuing("kb", &good, now).unwrap();
    assert!(!ca.pending_issuers().contains(&"kb"));
    assert!(dir.join("certs/kb.pem").exists());
    assert!(matches!(
        ca.install_issuing("kb", &good, now),
        Err(InstallError::NotPending(_))
    ));
    let person = applicant(Variant::Genuine, 1, now);
    ca.register(&person.identity, now).unwrap();
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), 7),
            "kb",
            now,
        )
        .unwrap();
    let issued = ca.issue(&approval, now).unwrap();
    let leaf = work.join("leaf.pem");
    std::fs::write(&leaf, certificate_pem(&issued.der)).unwrap();
    let chain = ca.chain("kb").unwrap();
    assert_eq!(
        chain[1],
        dongpo_pki::Cert::parse(&std::fs::read(&root).unwrap())
            .unwrap()
            .der
    );
    let output = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&root)
        .arg("-untrusted")
        .arg(dir.join("certs/kb.pem"))
        .arg(&leaf)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl verify: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    drop(ca);

    // Reopened: installed (the request is cleared from ca.toml), the others still wait.
    let text = std::fs::read_to_string(dir.join("ca.toml")).unwrap();
    assert!(!text.contains("csr/kb.csr.pem") && text.contains("csr/shinhan.csr.pem"));
    let mut ca = open(&dir);
    assert!(ca.issuer().ca_for("kb").is_some());
    assert!(!ca.pending_issuers().contains(&"kb"));
    assert!(ca.pending_issuers().contains(&"shinhan"));
    let kinds: Vec<String> = ca
        .issuer()
        .store()
        .audit_records()
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert!(
        kinds.iter().any(|k| k == "issuing_ca.installed"),
        "{kinds:?}"
    );

    // A rollover under the external root: a request; the current key issues until the
    // new certificate is installed, which retires it.
    let pass = || Some(Passphrase::new(PASSPHRASE.to_vec()));
    let done = ca.rollover("kb", now, pass()).unwrap();
    assert_eq!(
        done,
        dongpo_ca::Rollover::Requested {
            name: "kb-g2".into(),
            csr: "csr/kb-g2.csr.pem".into()
        }
    );
    assert_eq!(ca.issuer().ca_for("kb").unwrap().name, "kb");
    assert!(matches!(
        ca.rollover("kb", now, pass()),
        Err(dongpo_ca::RolloverError::Pending(_))
    ));
    let renewed = sign(&work, &dir.join("csr/kb-g2.csr.pem"), "root", "good", 10);
    let now = UnixTime::now();
    ca.install_issuing("kb", &renewed, now).unwrap();
    assert_eq!(ca.issuer().ca_for("kb").unwrap().name, "kb-g2");
    assert!(
        ca.issuer()
            .cas()
            .iter()
            .any(|c| c.name == "kb" && c.retired)
    );
    let config = std::fs::read_to_string(dir.join("ca.toml")).unwrap();
    assert!(config.contains("retired = true") && !config.contains("csr/kb-g2.csr.pem"));
    ca.verify_audit().unwrap();
}

#[test]
fn an_external_root_that_is_no_ca_is_refused_before_anything_is_written() {
    if !have("openssl") {
        println!("skipped: openssl not found");
        return;
    }
    let work = fresh_dir("external-root-not-ca");
    let config = "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = leaf\n\
                  [dn]\nCN = Not A CA\n[leaf]\nbasicConstraints = critical,CA:FALSE\n";
    std::fs::write(work.join("leaf.cnf"), config).unwrap();
    openssl(
        &work,
        &[
            "req",
            "-x509",
            "-config",
            "leaf.cnf",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.pem",
        ],
    );
    let dir = work.join("ca");
    let profiles = dongpo_profiles::builtin().unwrap();
    let err = init_external_root(
        &dir,
        options(&profiles, UnixTime::now()),
        &std::fs::read(work.join("leaf.pem")).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(err, InitError::ExternalRoot(_)), "{err}");
    assert!(!dir.exists());
    let err =
        init_external_root(&dir, options(&profiles, UnixTime::now()), b"garbage").unwrap_err();
    assert!(matches!(err, InitError::ExternalRoot(_)), "{err}");
}
