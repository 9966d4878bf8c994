//! `dongpo testkit chip serve` and `dongpo chip read` end to end over TCP: a genuine chip
//! reads valid and proves Chip Authentication (every protocol, every curve, DH), a clone
//! fails Active and Chip Authentication, a DG14 the SOD does not cover fails, a chip
//! without CA gives `ca.authentication` skipped, a chip offering PACE is read over PACE, a
//! wrong MRZ cannot open the chip, options that are not built yet are refused.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    address: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-chip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn serve(name: &str, extra: &[&str]) -> Server {
    let dir = scratch(name);
    let mut child = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["testkit", "chip", "serve", "--out"])
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address: {line:?}"))
        .to_string();
    Server {
        child,
        address,
        dir,
    }
}

/// Document number and the two dates as the MRZ writes them, from identity.json.
fn mrz_fields(dir: &Path) -> [String; 3] {
    let identity: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("identity.json")).unwrap()).unwrap();
    let yymmdd = |field: &str| identity[field].as_str().unwrap()[2..].replace('-', "");
    [
        identity["document_number"].as_str().unwrap().to_string(),
        yymmdd("date_of_birth"),
        yymmdd("date_of_expiry"),
    ]
}

fn read(server: &Server, fields: &[String; 3]) -> std::process::Output {
    let chip = format!("tcp:{}", server.address);
    Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["chip", "read", "--chip", &chip, "--json"])
        .args(["--document-number", &fields[0]])
        .args(["--date-of-birth", &fields[1]])
        .args(["--date-of-expiry", &fields[2]])
        .arg("--csca")
        .arg(server.dir.join("csca.der"))
        .output()
        .expect("run")
}

fn check(report: &serde_json::Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn genuine_chip_reads_valid_with_active_authentication() {
    let server = serve(
        "genuine",
        &["--profile", "p256", "--aa", "ecdsa", "--seed", "3"],
    );
    let fields = mrz_fields(&server.dir);
    // Twice: each connection is a new power-up.
    for _ in 0..2 {
        let out = read(&server, &fields);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["valid"], true);
        assert_eq!(check(&report, "aa.signature"), "pass");
        assert_eq!(check(&report, "dg.2.hash"), "pass");
        assert_eq!(check(&report, "ca.authentication"), "pass");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Chip Authentication proven"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn mrz_file_replaces_the_three_flags() {
    let server = serve("mrz-file", &["--profile", "bp256"]);
    // DG1 is 61 5B 5F1F 58 <88 MRZ characters>: written as the two printed lines.
    let dg1 = std::fs::read(server.dir.join("DG1.bin")).unwrap();
    let mrz = String::from_utf8(dg1[5..].to_vec()).unwrap();
    assert_eq!(mrz.len(), 88);
    let file = server.dir.join("mrz.txt");
    std::fs::write(&file, format!("{}\n{}\n", &mrz[..44], &mrz[44..])).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["chip", "read", "--chip", &format!("tcp:{}", server.address)])
        .arg("--mrz-file")
        .arg(&file)
        .arg("--csca")
        .arg(server.dir.join("csca.der"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("VALID"), "{text}");
    assert!(text.contains("pass  ca.authentication"), "{text}");
    assert!(text.contains("id-CA-ECDH-AES-CBC-CMAC-128"), "{text}");
}

#[test]
fn clone_fails_active_authentication() {
    let server = serve(
        "clone",
        &["--profile", "rsa2048", "--aa", "rsa", "--variant", "clone"],
    );
    let fields = mrz_fields(&server.dir);
    let out = read(&server, &fields);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(check(&report, "aa.signature"), "fail");
    assert_eq!(check(&report, "sod.signature"), "pass");
    assert_eq!(check(&report, "dg.14.hash"), "pass");
    assert_eq!(check(&report, "ca.authentication"), "fail");
}

/// The report's `ca.authentication` check: status and detail.
fn ca_check(report: &serde_json::Value) -> (String, String) {
    let found = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ca.authentication")
        .unwrap_or_else(|| panic!("no ca.authentication: {report}"));
    (
        found["status"].as_str().unwrap().to_string(),
        found["detail"].as_str().unwrap().to_string(),
    )
}

#[test]
fn every_protocol_and_curve_proves_chip_authentication() {
    let ecdh = ["ecdh-aes128", "ecdh-aes192", "ecdh-aes256", "ecdh-3des"];
    let curves = ["p256", "bp256", "p384", "bp384", "p521", "bp512"];
    let mut cases: Vec<(&str, &str)> = Vec::new();
    for protocol in ecdh {
        for curve in curves {
            cases.push((protocol, curve));
        }
    }
    for protocol in ["dh-3des", "dh-aes128", "dh-aes192", "dh-aes256"] {
        cases.push((protocol, "p256"));
    }
    for (protocol, curve) in cases {
        let name = format!("{protocol}-{curve}");
        let server = serve(
            &name,
            &[
                "--profile",
                "p256",
                "--chip-auth",
                protocol,
                "--ca-curve",
                curve,
                "--seed",
                "5",
            ],
        );
        let out = read(&server, &mrz_fields(&server.dir));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["valid"], true, "{name}");
        let (status, detail) = ca_check(&report);
        assert_eq!(status, "pass", "{name}: {detail}");
        let suite = if protocol.ends_with("3des") {
            "3DES-CBC-CBC".to_string()
        } else {
            format!("AES-CBC-CMAC-{}", &protocol[protocol.len() - 3..])
        };
        let agreement = if protocol.starts_with("dh") {
            "DH"
        } else {
            "ECDH"
        };
        assert!(
            detail.starts_with(&format!("id-CA-{agreement}-{suite}")),
            "{name}: {detail}"
        );
        assert!(
            report["evidence"]["chip_offers"]["chip_authentication"] == true,
            "{name}"
        );
    }
}

#[test]
fn clone_fails_chip_authentication_for_dh_and_ecdh() {
    for (protocol, curve) in [("ecdh-3des", "bp384"), ("dh-aes256", "p256")] {
        let server = serve(
            &format!("clone-{protocol}"),
            &[
                "--profile",
                "p384",
                "--chip-auth",
                protocol,
                "--ca-curve",
                curve,
                "--variant",
                "clone",
            ],
        );
        let out = read(&server, &mrz_fields(&server.dir));
        assert_eq!(out.status.code(), Some(1), "{protocol}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["valid"], false);
        assert_eq!(check(&report, "sod.signature"), "pass");
        assert_eq!(check(&report, "dg.14.hash"), "pass");
        let (status, detail) = ca_check(&report);
        assert_eq!(status, "fail", "{protocol}");
        assert!(detail.contains("proof of presence"), "{protocol}: {detail}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Chip Authentication failed"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_ca_key_the_sod_does_not_cover_never_passes() {
    let server = serve(
        "not-covered",
        &["--profile", "bp256", "--variant", "ca-key-not-covered"],
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(server.dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["expected"]["valid"], false);
    let out = read(&server, &mrz_fields(&server.dir));
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(check(&report, "dg.14.hash"), "fail");
    assert_eq!(check(&report, "sod.signature"), "pass");
    let (status, detail) = ca_check(&report);
    assert_eq!(status, "fail");
    assert!(detail.contains("did not cover"), "{detail}");
    assert_eq!(
        report["evidence"]["chip_offers"]["chip_authentication"],
        false
    );
}

#[test]
fn a_chip_without_chip_authentication_skips_it_with_a_reason() {
    let server = serve("no-ca", &["--profile", "rsa2048", "--chip-auth", "none"]);
    let out = read(&server, &mrz_fields(&server.dir));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    let (status, detail) = ca_check(&report);
    assert_eq!(status, "skipped");
    assert!(detail.contains("no Chip Authentication key"), "{detail}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Chip Authentication not offered"));
}

#[test]
fn wrong_mrz_cannot_open_the_chip() {
    let server = serve("wrong-mrz", &["--profile", "p256"]);
    let mut fields = mrz_fields(&server.dir);
    let birth = fields[1].clone();
    let year: u8 = birth[..2].parse().unwrap();
    fields[1] = format!("{:02}{}", (year + 1) % 100, &birth[2..]);
    let out = read(&server, &fields);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Basic Access Control failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn options_not_built_yet_or_unknown_are_refused() {
    for (flags, named) in [
        (&["--access", "eac"][..], "--access eac"),
        (&["--chip-auth", "dh-aes512"][..], "--chip-auth dh-aes512"),
        (&["--ca-curve", "p224"][..], "--ca-curve p224"),
        (
            &["--chip-auth", "none", "--variant", "ca-key-not-covered"][..],
            "--variant ca-key-not-covered",
        ),
        (&["--aa", "rsa"][..], "--aa rsa"),
    ] {
        let dir = scratch("refused");
        let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(["testkit", "chip", "serve", "--profile", "p256", "--out"])
            .arg(&dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{named}");
        assert!(
            !dir.exists(),
            "{named}: nothing may be written on a usage error"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(named),
            "{named}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `--access pace`: the terminal finds PACE in EF.CardAccess, runs it (ECDH generic
/// mapping) instead of BAC, then Chip Authentication inside the PACE channel.
#[test]
fn pace_chip_reads_valid_over_pace() {
    for curve in ["p256", "bp256"] {
        let server = serve(
            &format!("pace-{curve}"),
            &["--profile", "p256", "--access", "pace", "--ca-curve", curve],
        );
        assert!(server.dir.join("EF_CardAccess.bin").exists());
        let fields = mrz_fields(&server.dir);
        let out = read(&server, &fields);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{curve}: {stderr}");
        assert!(stderr.contains("read over PACE"), "{curve}: {stderr}");
        assert!(
            stderr.contains("Chip Authentication proven"),
            "{curve}: {stderr}"
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["valid"], true);
        // A wrong MRZ fails PACE (no fallback to BAC).
        let mut wrong = fields.clone();
        wrong[0] = format!("{}X", &wrong[0][..wrong[0].len() - 1]);
        let out = read(&server, &wrong);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("PACE"), "{curve}: {stderr}");
    }
}
