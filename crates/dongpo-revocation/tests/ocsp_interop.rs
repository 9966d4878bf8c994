#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! OCSP interop: `openssl ocsp` builds requests that our responder answers and then
//! verifies the answers; OpenSSL's own responder answers and our client verifies; pkilint
//! reports no ERROR on our responses. Each test prints `skipped: <tool> not found` when
//! the tool is missing.

mod ocsp_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use dongpo_crypto::x509::SharedSigner;
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::ocsp::serial_of;
use dongpo_revocation::ocsp::{
    CertState, IssuerConfig, NoncePolicy, OcspResponseStatus, Responder, SignedBy, Status, cert_id,
    parse_request, verify_response,
};
use ocsp_support::{ALG, MapSource, TestCa, pem};
use x509_cert::ext::pkix::CrlReason;

const HOUR: u64 = 3600;

fn tool(name: &str, probe: &[&str]) -> bool {
    let found = Command::new(name)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        println!("skipped: {name} not found");
    }
    found
}

fn scratch(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ocsp-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `openssl` in `dir`, returning (success, stdout + stderr).
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

struct Pki {
    ca: TestCa,
    source: Arc<MapSource>,
    good: Cert,
    revoked: Cert,
    unknown: Cert,
    revoked_at: UnixTime,
}

/// A CA valid around the real clock (OpenSSL checks response times against it), three
/// leaves, and their PEM files in `dir`.
fn pki(dir: &Path) -> Pki {
    let now = UnixTime::now();
    let ca = TestCa::new("CN=dongpo Interop CA,O=dongpo test,C=KR", now);
    let (good, good_key) = ca.leaf(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
    let (revoked, _) = ca.leaf(&[0x4e, 0x77, 0x01]);
    let (unknown, _) = ca.leaf(&[0x00, 0xc0, 0xff, 0xee]);
    std::fs::write(dir.join("ca.pem"), pem("CERTIFICATE", &ca.cert.der)).unwrap();
    std::fs::write(
        dir.join("ca.key"),
        pem("PRIVATE KEY", &ca.key.to_pkcs8_der().unwrap()),
    )
    .unwrap();
    for (name, cert) in [
        ("good", &good),
        ("revoked", &revoked),
        ("unknown", &unknown),
    ] {
        std::fs::write(
            dir.join(format!("{name}.pem")),
            pem("CERTIFICATE", &cert.der),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("good.key"),
        pem("PRIVATE KEY", &good_key.to_pkcs8_der().unwrap()),
    )
    .unwrap();
    let source = Arc::new(MapSource::default());
    let id = dongpo_revocation::ocsp::issuer_id(&ca.cert);
    let revoked_at = UnixTime(now.0 - HOUR);
    source.set(
        &id,
        &serial_of(&good).unwrap().to_integer(),
        CertState::Good,
    );
    source.set(
        &id,
        &serial_of(&revoked).unwrap().to_integer(),
        CertState::Revoked {
            at: revoked_at,
            reason: Some(CrlReason::KeyCompromise),
        },
    );
    Pki {
        ca,
        source,
        good,
        revoked,
        unknown,
        revoked_at,
    }
}

fn responder(
    pki: &Pki,
    policy: NoncePolicy,
    delegate: Option<(&Cert, SharedSigner)>,
) -> Responder<Arc<MapSource>> {
    let mut responder = Responder::new(Arc::clone(&pki.source));
    let config = match delegate {
        Some((cert, signer)) => {
            IssuerConfig::delegated(pki.ca.cert.clone(), cert.clone(), signer, HOUR)
        }
        None => IssuerConfig::new(pki.ca.cert.clone(), pki.ca.signer(), HOUR),
    };
    responder.add_issuer(config.nonce_policy(policy)).unwrap();
    responder
}

/// Has OpenSSL build a request for `leaf`, answers it, and returns OpenSSL's verdict.
fn round_trip(
    dir: &Path,
    responder: &Responder<Arc<MapSource>>,
    leaf: &str,
    nonce: bool,
    va: &str,
    extra: &[&str],
) -> String {
    let mut args = vec![
        "ocsp", "-issuer", "ca.pem", "-cert", leaf, "-reqout", "req.der",
    ];
    if !nonce {
        args.push("-no_nonce");
    }
    args.extend_from_slice(extra);
    let (ok, text) = openssl(dir, &args);
    assert!(ok, "request: {text}");
    let request = std::fs::read(dir.join("req.der")).unwrap();
    let outcome = responder.respond(&request, UnixTime::now());
    assert_eq!(outcome.status, OcspResponseStatus::Successful);
    std::fs::write(dir.join("resp.der"), &*outcome.der).unwrap();
    // With -reqin (and no -cert) OpenSSL checks the nonce against the request it sent.
    let args: Vec<&str> = if nonce {
        vec![
            "ocsp",
            "-reqin",
            "req.der",
            "-respin",
            "resp.der",
            "-VAfile",
            va,
            "-resp_text",
        ]
    } else {
        vec![
            "ocsp",
            "-respin",
            "resp.der",
            "-issuer",
            "ca.pem",
            "-cert",
            leaf,
            "-VAfile",
            va,
            "-no_nonce",
            "-resp_text",
        ]
    };
    let (ok, text) = openssl(dir, &args);
    assert!(ok, "verify: {text}");
    assert!(text.contains("Response verify OK"), "{text}");
    text
}

/// OpenSSL's `ASN1_TIME_print` form: `Nov  7 05:07:15 2026 GMT`.
fn openssl_time(t: UnixTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(t.0)).unwrap();
    format!(
        "{} {:>2} {:02}:{:02}:{:02} {} GMT",
        MONTHS[usize::from(dt.month()) - 1],
        dt.day(),
        dt.hour(),
        dt.minutes(),
        dt.seconds(),
        dt.year()
    )
}

fn lint(dir: &Path, label: &str) {
    let out = Command::new("lint_ocsp_response")
        .current_dir(dir)
        .args(["lint", "-s", "WARNING", "resp.der"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    println!(
        "pkilint {label}: {}",
        if text.trim().is_empty() {
            "clean"
        } else {
            text.trim()
        }
    );
    assert!(
        !text.contains("ERROR") && !text.contains("FATAL"),
        "{label}: {text}"
    );
}

#[test]
fn openssl_verifies_our_answers_to_its_requests() {
    if !tool("openssl", &["version"]) {
        return;
    }
    let dir = scratch("openssl-client");
    let pki = pki(&dir);
    let linting = tool("lint_ocsp_response", &["--help"]);
    let ignore = responder(&pki, NoncePolicy::Ignore, None);
    let echo = responder(&pki, NoncePolicy::echo(), None);

    let text = round_trip(&dir, &ignore, "good.pem", false, "ca.pem", &[]);
    assert!(text.contains("good.pem: good"), "{text}");
    if linting {
        lint(&dir, "good");
    }
    let text = round_trip(&dir, &ignore, "revoked.pem", false, "ca.pem", &[]);
    assert!(text.contains("revoked.pem: revoked"), "{text}");
    assert!(text.contains("Reason: keyCompromise"), "{text}");
    let when = openssl_time(pki.revoked_at);
    assert!(
        text.contains(&format!("Revocation Time: {when}")),
        "{when}: {text}"
    );
    if linting {
        lint(&dir, "revoked");
    }
    let text = round_trip(&dir, &ignore, "unknown.pem", false, "ca.pem", &[]);
    assert!(text.contains("unknown.pem: unknown"), "{text}");
    if linting {
        lint(&dir, "unknown");
    }

    // Nonce echoed under Echo: OpenSSL finds it and says nothing.
    let text = round_trip(&dir, &echo, "good.pem", true, "ca.pem", &[]);
    assert!(text.contains("Cert Status: good"), "{text}");
    assert!(text.contains("OCSP Nonce"), "{text}");
    assert!(
        !text.to_lowercase().contains("nonce verify error"),
        "{text}"
    );
    assert!(!text.contains("WARNING: no nonce"), "{text}");
    if linting {
        lint(&dir, "nonce");
    }
    // Ignored under Ignore: OpenSSL notices the missing nonce but the response verifies.
    let text = round_trip(&dir, &ignore, "revoked.pem", true, "ca.pem", &[]);
    assert!(text.contains("WARNING: no nonce in response"), "{text}");
    assert!(text.contains("Cert Status: revoked"), "{text}");

    // A signed request (the signature is accepted and not checked).
    let text = round_trip(
        &dir,
        &ignore,
        "good.pem",
        false,
        "ca.pem",
        &["-signer", "good.pem", "-signkey", "good.key"],
    );
    assert!(text.contains("good.pem: good"), "{text}");
    assert!(
        parse_request(&std::fs::read(dir.join("req.der")).unwrap())
            .unwrap()
            .signed
    );
}

#[test]
fn openssl_verifies_a_delegated_responder() {
    if !tool("openssl", &["version"]) {
        return;
    }
    let dir = scratch("openssl-delegate");
    let pki = pki(&dir);
    let (delegate, key) = pki.ca.responder(true, pki.ca.not_before, pki.ca.not_after);
    std::fs::write(dir.join("responder.pem"), pem("CERTIFICATE", &delegate.der)).unwrap();
    let signer = SharedSigner::new(key, ALG);
    let responder = responder(&pki, NoncePolicy::echo(), Some((&delegate, signer)));
    let text = round_trip(&dir, &responder, "revoked.pem", false, "responder.pem", &[]);
    assert!(text.contains("revoked.pem: revoked"), "{text}");
    if tool("lint_ocsp_response", &["--help"]) {
        lint(&dir, "delegated");
    }
    let text = round_trip(&dir, &responder, "good.pem", true, "responder.pem", &[]);
    assert!(text.contains("Cert Status: good"), "{text}");
    assert!(!text.contains("WARNING: no nonce"), "{text}");
    // Trusting the CA instead (-CAfile) verifies the chain responder -> CA as well.
    let (ok, text) = openssl(
        &dir,
        &[
            "ocsp",
            "-respin",
            "resp.der",
            "-CAfile",
            "ca.pem",
            "-issuer",
            "ca.pem",
            "-no_nonce",
            "-resp_text",
        ],
    );
    assert!(ok && text.contains("Response verify OK"), "{text}");
}

#[test]
fn our_client_verifies_openssl_responses() {
    if !tool("openssl", &["version"]) {
        return;
    }
    let dir = scratch("openssl-responder");
    let pki = pki(&dir);
    let verifier = Verifier::new();
    // OpenSSL's index.txt: V(alid) and R(evoked) lines; the unknown leaf is absent.
    let expiry = "351231235959Z";
    let revoked_at = {
        let t = pki.revoked_at.rfc3339();
        format!(
            "{}{}{}{}{}{}Z",
            &t[2..4],
            &t[5..7],
            &t[8..10],
            &t[11..13],
            &t[14..16],
            &t[17..19]
        )
    };
    let index = format!(
        "V\t{expiry}\t\t{}\tunknown\t/CN=good\nR\t{expiry}\t{revoked_at},keyCompromise\t{}\tunknown\t/CN=revoked\n",
        pki.good.serial_hex().to_uppercase(),
        pki.revoked.serial_hex().to_uppercase(),
    );
    std::fs::write(dir.join("index.txt"), index).unwrap();
    let now = UnixTime::now();
    for (leaf, cert, expected, key_id) in [
        ("good.pem", &pki.good, Status::Good, false),
        (
            "revoked.pem",
            &pki.revoked,
            Status::Revoked {
                at: pki.revoked_at,
                reason: Some(CrlReason::KeyCompromise),
            },
            true,
        ),
        ("unknown.pem", &pki.unknown, Status::Unknown, false),
    ] {
        let (ok, text) = openssl(
            &dir,
            &[
                "ocsp", "-issuer", "ca.pem", "-cert", leaf, "-reqout", "req.der",
            ],
        );
        assert!(ok, "{text}");
        let request = parse_request(&std::fs::read(dir.join("req.der")).unwrap()).unwrap();
        let nonce = request.nonce.as_ref().unwrap().value().to_vec();
        let mut args = vec![
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "ca.pem",
            "-rkey",
            "ca.key",
            "-CA",
            "ca.pem",
            "-reqin",
            "req.der",
            "-respout",
            "resp.der",
            "-ndays",
            "1",
        ];
        if key_id {
            args.push("-resp_key_id");
        }
        let (ok, text) = openssl(&dir, &args);
        assert!(ok, "{text}");
        let response = std::fs::read(dir.join("resp.der")).unwrap();
        // OpenSSL names itself byName by default: our client reads both forms.
        let single = verify_response(
            &response,
            &request,
            &pki.ca.cert,
            now,
            Some(&nonce),
            &verifier,
        )
        .unwrap();
        assert_eq!(single.status, expected, "{leaf}");
        assert_eq!(single.signed_by, SignedBy::Issuer);
        let id = cert_id(
            HashAlgorithm::Sha1,
            &pki.ca.cert,
            &serial_of(cert).unwrap().to_integer(),
        )
        .unwrap();
        assert!(verify_response(&response, &id, &pki.ca.cert, now, None, &verifier).is_ok());
    }
}
