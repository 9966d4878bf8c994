//! A dongpo-server on a loopback port (in this process, or as child processes), an HTTP
//! client, and the testkit material the tests send.
#![allow(dead_code)]

pub mod disk;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use dongpo_server::{CommandLine, ServerConfig};
use dongpo_testkit::{KeyStore, Profile, Variant};
use serde_json::{Value, json};

/// A fresh directory under the target dir.
pub fn fresh_dir(name: &str) -> PathBuf {
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).unwrap();
    let dir = std::env::temp_dir().join(format!("dongpo-server-{name}-{}", hex::encode(random)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_for_addr(data: &Path, child: Option<&mut Child>) -> String {
    let started = Instant::now();
    let file = data.join(dongpo_server::ADDR_FILE);
    let mut child = child;
    loop {
        if let Ok(addr) = std::fs::read_to_string(&file) {
            return addr.trim().to_owned();
        }
        if let Some(child) = child.as_deref_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("dongpo-server exited at start: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "dongpo-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A server running in this process on a background runtime.
pub struct InProcess {
    pub url: String,
    pub data: PathBuf,
    pub key: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl InProcess {
    /// `--dev` on a fresh data directory, with `tune` applied to the configuration.
    pub fn dev(name: &str, tune: impl FnOnce(&mut ServerConfig)) -> Self {
        Self::dev_in(fresh_dir(name), tune)
    }

    /// The `--dev` configuration of the data directory `data`, as [`InProcess::dev_in`]
    /// loads it (to prepare the directory before the server starts).
    pub fn dev_config(data: &Path) -> ServerConfig {
        ServerConfig::load(
            &CommandLine {
                listen: Some("127.0.0.1:0".into()),
                data_dir: Some(data.to_path_buf()),
                dev: true,
                ..CommandLine::default()
            },
            &|_| None,
        )
        .unwrap()
    }

    /// [`InProcess::dev`] on a data directory the test prepared (a CA already in it).
    pub fn dev_in(data: PathBuf, tune: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config = Self::dev_config(&data);
        tune(&mut config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime
                .block_on(dongpo_server::serve(config, async {
                    let _ = stopped.await;
                }))
                .unwrap();
        });
        let addr = wait_for_addr(&data, None);
        let key = std::fs::read_to_string(data.join("dev-api-key"))
            .unwrap()
            .trim()
            .to_owned();
        InProcess {
            url: format!("http://{addr}"),
            data,
            key,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Runs `dongpo-server` expecting it to exit at start (within 60 s); its output, or `None`
/// when it kept running (it is killed).
pub fn start_expecting_exit(
    data: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Option<std::process::Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dongpo-server"));
    command
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Copies the directory tree `from` to `to` (a node's data directory provisioned from
/// another's).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A `dongpo-server` child process, killed on drop.
pub struct Process {
    pub url: String,
    child: Child,
}

impl Process {
    /// Starts the binary with `args` and `envs`, and waits for its address file.
    pub fn start(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start_logging_to(data, data, args, envs)
    }

    /// [`Process::start`] with the log file in `logs` instead of the data directory.
    pub fn start_logging_to(
        data: &Path,
        logs: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        // Logs kept for the personal-data check (one file per process and start).
        let log = std::fs::File::create(logs.join(format!(
            "server-{}.log",
            envs.len() + args.len() + std::process::id() as usize + rand_u16()
        )))
        .unwrap();
        Self::start_writing_to(data, log, args, envs)
    }

    /// [`Process::start`] with stdout and stderr going to `log`.
    pub fn start_writing_to(
        data: &Path,
        log: std::fs::File,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        let _ = std::fs::remove_file(data.join(dongpo_server::ADDR_FILE));
        let mut command = Command::new(env!("CARGO_BIN_EXE_dongpo-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(args)
            .env("DONGPO_LOG", "debug")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let addr = wait_for_addr(data, Some(&mut child));
        Process {
            url: format!("http://{addr}"),
            child,
        }
    }
}

impl Process {
    /// Sends SIGTERM (through `kill`, as an init system would) and waits for the exit,
    /// at most `within`; `None` when it did not exit by then (it is killed on drop).
    pub fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let started = Instant::now();
        while started.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_u16() -> usize {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).unwrap();
    usize::from(u16::from_be_bytes(b))
}

/// Every `server-*.log` in `data`, concatenated.
pub fn server_logs(data: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(data).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("server-") && name.ends_with(".log") {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    text
}

/// Status and body of a response.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not JSON ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text (for assertion messages).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of a JSON error reply.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP client over ureq that never turns statuses into errors.
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    pub key: Option<String>,
}

impl Client {
    pub fn new(base: &str, key: Option<&str>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_owned(),
            key: key.map(str::to_owned),
        }
    }

    fn finish(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.unwrap();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        Reply {
            status: response.status().as_u16(),
            body: response
                .body_mut()
                .with_config()
                .limit(64 * 1024 * 1024)
                .read_to_vec()
                .unwrap(),
            headers,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(key) = &self.key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        Self::finish(request.call())
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type);
        if let Some(key) = &self.key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        Self::finish(request.send(&body[..]))
    }

    /// A POST that announces a `Content-Length` of `length` and sends no body: what a
    /// huge upload looks like to the server before it reads any of it (sending the bytes
    /// would race the server's early 413 and the connection close that follows).
    pub fn post_declaring(&self, path: &str, length: usize) -> Reply {
        use std::io::{Read, Write};
        let host = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let auth = self
            .key
            .as_ref()
            .map(|k| format!("Authorization: Bearer {k}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            headers,
        }
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, "application/json", body.to_string().into_bytes())
    }
}

pub fn b64(bytes: &[u8]) -> String {
    Base64::encode_string(bytes)
}

/// A testkit passport (seed 1, as `--dev` trusts).
pub struct Passport {
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl Passport {
    pub fn new(profile: Profile, variant: Variant) -> Self {
        let passport =
            dongpo_testkit::generate(profile, variant, 1, &mut KeyStore::default()).unwrap();
        Passport {
            files: passport.files,
        }
    }

    pub fn file(&self, name: &str) -> &[u8] {
        self.files.get(name).unwrap()
    }

    /// The document as the API takes it (SOD and every DG).
    pub fn document(&self) -> Value {
        let mut dg = serde_json::Map::new();
        for n in 1..=16 {
            if let Some(bytes) = self.files.get(&format!("DG{n}.bin")) {
                dg.insert(n.to_string(), json!(b64(bytes)));
            }
        }
        json!({ "sod": b64(self.file("EF_SOD.bin")), "dg": dg })
    }

    /// The document as the verifier takes it (SOD and every DG).
    pub fn chip_document(&self) -> dongpo_icao::passive_auth::Document {
        dongpo_icao::passive_auth::Document {
            sod: self.file("EF_SOD.bin").to_vec(),
            data_groups: (1..=16u8)
                .filter_map(|n| {
                    self.files
                        .get(&format!("DG{n}.bin"))
                        .map(|b| (n, b.clone()))
                })
                .collect(),
            com: None,
            active_auth: None,
            chip_authentication: None,
        }
    }

    /// The chip's Active Authentication signature over `challenge_hex`.
    pub fn aa_sign(&self, challenge_hex: &str) -> String {
        b64(&dongpo_testkit::active_auth::sign(
            self.file("aa_key.p8"),
            &hex::decode(challenge_hex).unwrap(),
            dongpo_crypto::HashAlgorithm::Sha256,
        )
        .unwrap())
    }

    pub fn identity(&self) -> Value {
        serde_json::from_slice(self.file("identity.json")).unwrap()
    }

    pub fn rrn(&self) -> String {
        self.identity()["resident_registration_number"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A P-256 subscriber CSR (PEM).
pub fn csr_pem(seed: u64) -> String {
    use dongpo_testkit::csr;
    let spec = dongpo_crypto::KeySpec::Ec(dongpo_crypto::Curve::P256);
    let key = csr::subscriber_key(spec, seed, "server-test").unwrap();
    csr::csr_pem(&csr::csr(&key, spec, "dongpo test subscriber").unwrap())
}

/// PEM -> DER of the first block.
pub fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    Base64::decode_vec(&body).unwrap()
}

/// Runs `openssl` with `args`: whether it succeeded, and stdout then stderr.
pub fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `openssl ocsp` against the server for the issued certificate: its verdict line.
pub fn openssl_ocsp(dir: &Path, url: &str, issued: &Value) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::write(path("cert.pem"), issued["certificate"].as_str().unwrap()).unwrap();
    std::fs::write(path("issuer.pem"), issued["chain"][0].as_str().unwrap()).unwrap();
    std::fs::write(path("root.pem"), issued["chain"][1].as_str().unwrap()).unwrap();
    let (ok, out) = openssl(&[
        "ocsp",
        "-url",
        &format!("{url}/ocsp"),
        "-issuer",
        &path("issuer.pem"),
        "-cert",
        &path("cert.pem"),
        "-CAfile",
        &path("root.pem"),
        "-VAfile",
        &path("issuer.pem"),
        "-no_nonce",
    ]);
    assert!(ok, "{out}");
    out
}

/// Whether a command exists on PATH.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Challenge, then verification with the chip's Active Authentication answer: the
/// verification's reply, or the challenge's when that was refused (a server that cannot
/// store may refuse either).
pub fn post_verification_with_aa(client: &Client, passport: &Passport) -> Reply {
    let challenge = client.post("/v1/challenges", &json!({}));
    if challenge.status != 201 {
        return challenge;
    }
    let challenge = challenge.json();
    let mut body = passport.document();
    body["aa"] = json!({
        "challenge_id": challenge["id"],
        "signature": passport.aa_sign(challenge["challenge"].as_str().unwrap()),
    });
    client.post("/v1/verifications", &body)
}

/// Challenge, verification (with Active Authentication), returning the verification id.
pub fn verify_with_aa(client: &Client, passport: &Passport) -> Value {
    let reply = post_verification_with_aa(client, passport);
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// A DER OCSP request for the issued certificate (SHA-1 CertID, as OpenSSL sends), and
/// the issuer to check answers against.
pub fn ocsp_request_for(issued: &serde_json::Value) -> (Vec<u8>, dongpo_pki::Cert) {
    let cert = pem_der(issued["certificate"].as_str().unwrap());
    let issuer = pem_der(issued["chain"][0].as_str().unwrap());
    let cert = dongpo_pki::Cert::parse(&cert).unwrap();
    let issuer = dongpo_pki::Cert::parse(&issuer).unwrap();
    // The certificate's serialNumber verbatim (`00 c0 ...` when the top bit is set), as
    // OpenSSL puts it in the CertID.
    let serial = cert
        .cert
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec();
    let id = dongpo_revocation::ocsp::cert_id(dongpo_crypto::HashAlgorithm::Sha1, &issuer, &serial)
        .unwrap();
    (
        dongpo_revocation::ocsp::build_request(&[id], None).unwrap(),
        issuer,
    )
}

/// `GET /ocsp/{...}` for a DER request: base64, URL-encoded, as RFC 5019 clients send it.
pub fn ocsp_get_path(request: &[u8]) -> String {
    format!(
        "/ocsp/{}",
        b64(request).replace('+', "%2B").replace('/', "%2F")
    )
}

/// `good`, `revoked` or `unknown` from a DER OCSP response, its signature checked.
pub fn cert_status_of(request: &[u8], response: &[u8], issuer: &dongpo_pki::Cert) -> &'static str {
    let parsed = dongpo_revocation::ocsp::parse_request(request).unwrap();
    let status = dongpo_revocation::ocsp::verify_response(
        response,
        &parsed,
        issuer,
        dongpo_pki::time::UnixTime::now(),
        None,
        &dongpo_crypto::Verifier::new(),
    )
    .unwrap();
    match status.status {
        dongpo_revocation::ocsp::Status::Good => "good",
        dongpo_revocation::ocsp::Status::Revoked { .. } => "revoked",
        dongpo_revocation::ocsp::Status::Unknown => "unknown",
    }
}

/// `POST /v1/certificates` for a verification, with a testkit subscriber CSR of `seed`.
pub fn issue(
    client: &Client,
    verification_id: &Value,
    rrn: &str,
    profile: &str,
    seed: u64,
) -> Reply {
    client.post(
        "/v1/certificates",
        &json!({
            "verification_id": verification_id,
            "profile": profile,
            "csr": csr_pem(seed),
            "resident_registration_number": rrn,
        }),
    )
}
