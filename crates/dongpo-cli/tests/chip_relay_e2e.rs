//! Chip presence end to end over HTTP: `dongpo testkit chip serve` (a Korean-style chip:
//! Chip Authentication, no Active Authentication), `dongpo chip relay` to a `dongpo-server
//! --dev` (the target binary, on a temporary data directory), then `POST /v1/certificates`.
//!
//! * every Chip Authentication protocol of the contract relays to a verification with
//!   `ca.authentication` passing, which issues at `PA+CA` (in the answer and in the
//!   certificate's passport-evidence extension): the four ECDH protocols on P-256,
//!   ECDH on brainpoolP256r1, and one DH protocol (`dh-aes256`) (DH 2048 is slow in debug builds; the other DH
//!   protocols are read end to end by `tests/chip.rs` and run against the server by
//!   dongpo-chip's and dongpo-server's library tests);
//! * a `clone` chip fails Chip Authentication: exit 1, no verification, no certificate;
//! * `ca-key-not-covered` fails: the server opens no chip session on a DG14 whose hash
//!   does not pass (422 `chip_authentication_unavailable`, exit 2), so no verification;
//! * the same chip's files posted as a files-only verification (`POST /v1/verifications`,
//!   no proof of chip presence) are refused at issuance with 422 `chip_presence_required`.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use serde_json::{Value, json};

/// A child process killed (and its directory removed) when dropped.
struct Running {
    child: Child,
    dir: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-relay-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `dongpo-server`, built next to this test's `dongpo` binary (`cargo build -p
/// dongpo-server`).
fn server_binary() -> PathBuf {
    let dongpo = PathBuf::from(env!("CARGO_BIN_EXE_dongpo"));
    let server = dongpo.with_file_name(format!("dongpo-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        server.exists(),
        "{} is missing: run `cargo build -p dongpo-server` first",
        server.display()
    );
    server
}

struct Server {
    process: Running,
    url: String,
    key: String,
}

fn start_server(name: &str) -> Server {
    let dir = scratch(&format!("server-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(server_binary())
        .args(["--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let process = Running {
        child,
        dir: dir.clone(),
    };
    let started = Instant::now();
    let addr = loop {
        if let Ok(addr) = std::fs::read_to_string(dir.join("server.addr")) {
            break addr.trim().to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "dongpo-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let key = std::fs::read_to_string(dir.join("dev-api-key"))
        .unwrap()
        .trim()
        .to_owned();
    Server {
        process,
        url: format!("http://{addr}"),
        key,
    }
}

struct Chip {
    process: Running,
    address: String,
}

/// `dongpo testkit chip serve` of the testkit passport `--dev` trusts (P-256, seed 1),
/// without Active Authentication.
fn serve_chip(name: &str, chip_auth: &str, curve: &str, variant: Option<&str>) -> Chip {
    let dir = scratch(name);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dongpo"));
    command
        .args([
            "testkit",
            "chip",
            "serve",
            "--profile",
            "p256",
            "--seed",
            "1",
        ])
        .args([
            "--aa",
            "none",
            "--chip-auth",
            chip_auth,
            "--ca-curve",
            curve,
        ])
        .args(["--listen", "127.0.0.1:0", "--out"])
        .arg(&dir);
    if let Some(variant) = variant {
        command.args(["--variant", variant]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address: {line:?}"))
        .to_owned();
    Chip {
        process: Running { child, dir },
        address,
    }
}

impl Chip {
    fn dir(&self) -> &Path {
        &self.process.dir
    }

    fn identity(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.dir().join("identity.json")).unwrap()).unwrap()
    }

    /// `dongpo chip relay --json` of this chip to `server`.
    fn relay(&self, server: &Server) -> Output {
        let identity = self.identity();
        let yymmdd = |field: &str| identity[field].as_str().unwrap()[2..].replace('-', "");
        Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(["chip", "relay", "--json", "--chip"])
            .arg(format!("tcp:{}", self.address))
            .args([
                "--document-number",
                identity["document_number"].as_str().unwrap(),
            ])
            .args(["--date-of-birth", &yymmdd("date_of_birth")])
            .args(["--date-of-expiry", &yymmdd("date_of_expiry")])
            .args(["--server", &server.url])
            .env("DONGPO_API_KEY", &server.key)
            .output()
            .unwrap()
    }

    /// The chip's files as a files-only `POST /v1/verifications` body.
    fn files_only(&self) -> Value {
        let mut dg = serde_json::Map::new();
        for n in 1..=16 {
            if let Ok(bytes) = std::fs::read(self.dir().join(format!("DG{n}.bin"))) {
                dg.insert(n.to_string(), json!(Base64::encode_string(&bytes)));
            }
        }
        let sod = std::fs::read(self.dir().join("EF_SOD.bin")).unwrap();
        json!({ "sod": Base64::encode_string(&sod), "dg": dg })
    }
}

fn post(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(format!("{}{path}", server.url))
        .header("Authorization", format!("Bearer {}", server.key))
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn issue(server: &Server, chip: &Chip, verification_id: &Value, seed: u64) -> (u16, Value) {
    let spec = dongpo_crypto::KeySpec::Ec(dongpo_crypto::Curve::P256);
    let key = dongpo_testkit::csr::subscriber_key(spec, seed, "relay-e2e").unwrap();
    let csr = dongpo_testkit::csr::csr(&key, spec, "dongpo relay subscriber").unwrap();
    post(
        server,
        "/v1/certificates",
        &json!({
            "verification_id": verification_id,
            "profile": "shinhan",
            "csr": dongpo_testkit::csr::csr_pem(&csr),
            "resident_registration_number": chip.identity()["resident_registration_number"],
        }),
    )
}

fn check(verification: &Value, id: &str) -> String {
    verification["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn certificate_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Base64::decode_vec(&body).unwrap()
}

#[test]
fn every_chip_authentication_protocol_relayed_issues_at_pa_ca() {
    let server = start_server("genuine");
    let suites = [
        ("dh-aes256", "p256"),
        ("ecdh-aes128", "p256"),
        ("ecdh-aes192", "p256"),
        ("ecdh-aes256", "p256"),
        ("ecdh-3des", "p256"),
        ("ecdh-aes128", "bp256"),
    ];
    for (index, (protocol, curve)) in suites.into_iter().enumerate() {
        let chip = serve_chip(&format!("{protocol}-{curve}"), protocol, curve, None);
        let out = chip.relay(&server);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{protocol} {curve}: {}",
            stderr(&out)
        );
        let verification: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(verification["report"]["valid"], true, "{protocol} {curve}");
        assert_eq!(
            check(&verification, "ca.authentication"),
            "pass",
            "{protocol} {curve}"
        );
        assert_eq!(
            check(&verification, "aa.signature"),
            "skipped",
            "{protocol} {curve}"
        );

        let (status, issued) = issue(&server, &chip, &verification["id"], index as u64 + 1);
        assert_eq!(
            status,
            201,
            "{protocol} {curve}: {issued}\n{}",
            std::fs::read_to_string(server.process.dir.join("server.log")).unwrap_or_default()
        );
        assert_eq!(issued["assurance"], "PA+CA", "{protocol} {curve}: {issued}");
        let der = certificate_der(issued["certificate"].as_str().unwrap());
        let evidence = dongpo_ca::PassportEvidence::of_certificate(&der)
            .unwrap()
            .expect("passport evidence extension");
        assert_eq!(
            evidence.assurance,
            dongpo_ca::Assurance::PaCa,
            "{protocol} {curve}"
        );
    }
}

#[test]
fn a_clone_or_an_uncovered_key_gets_no_certificate_nor_do_the_files_alone() {
    let server = start_server("refused");

    // The clone answers Chip Authentication with its own key: the server refuses the
    // session's verification (exit 1, nothing to issue on).
    let clone = serve_chip("clone", "ecdh-aes128", "p256", Some("clone"));
    let out = clone.relay(&server);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "a clone got a verification");

    // DG14's key is not the one the SOD covers: never a passing verification.
    let uncovered = serve_chip(
        "uncovered",
        "ecdh-aes128",
        "p256",
        Some("ca-key-not-covered"),
    );
    let out = uncovered.relay(&server);
    // The server will not run Chip Authentication with a key PA did not cover: no session,
    // so no verification (exit 2, the problem's code named).
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("chip_authentication_unavailable"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("dg.14.hash"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "an uncovered key got a verification");

    // The genuine chip's files without a proof of chip presence: a valid verification
    // that no profile issues on.
    let genuine = serve_chip("files-only", "ecdh-aes128", "p256", None);
    let (status, verification) = post(&server, "/v1/verifications", &genuine.files_only());
    assert_eq!(status, 201, "{verification}");
    assert_eq!(verification["report"]["valid"], true, "{verification}");
    let (status, refused) = issue(&server, &genuine, &verification["id"], 51);
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        refused["error"]["code"], "chip_presence_required",
        "{refused}"
    );
}
