//! The server on a real disk that fills up or slows down (an ext4 loop device; needs root,
//! skipped otherwise): it answers 503 where it cannot write, never returns a certificate it
//! did not store, keeps answering OCSP, and recovers by itself when the disk does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use std::time::{Duration, Instant};

use dongpo_testkit::{Profile, Variant};
use serde_json::{Value, json};
use support::disk::ScratchDisk;
use support::{
    Client, Passport, Process, Reply, cert_status_of, issue, ocsp_get_path, ocsp_request_for,
};

fn scratch_disk(name: &str) -> Option<ScratchDisk> {
    match ScratchDisk::new(name, 48) {
        Ok(disk) => Some(disk),
        Err(why) => {
            println!("skipped: no scratch disk here (needs root, losetup, mkfs.ext4): {why}");
            None
        }
    }
}

fn start(disk: &ScratchDisk, config: Option<&str>) -> (Process, Client, std::path::PathBuf) {
    let data = disk.mount.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut args = vec!["--dev".to_owned()];
    if let Some(text) = config {
        let file = disk.mount.join("server.toml");
        std::fs::write(&file, text).unwrap();
        args.extend(["--config".to_owned(), file.to_string_lossy().into_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Process::start_logging_to(&data, &disk.logs, &args, &[]);
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let client = Client::new(&server.url, Some(key.trim()));
    (server, client, data)
}

/// A refusal the disk caused: 503 with a JSON error and no certificate in it.
fn assert_unavailable(reply: &Reply) {
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert!(
        ["unavailable", "timeout"].contains(&reply.code().as_str()),
        "{}",
        reply.text()
    );
    assert!(reply.json().get("certificate").is_none());
}

fn serial_of(reply: &Reply) -> String {
    reply.json()["serial"].as_str().unwrap().to_owned()
}

fn status_of(client: &Client, serial: &str) -> String {
    let reply = client.get(&format!("/v1/certificates/{serial}"));
    assert_eq!(reply.status, 200, "{serial}: {}", reply.text());
    reply.json()["status"].as_str().unwrap().to_owned()
}

fn ocsp_get(client: &Client, request: &[u8]) -> Reply {
    client.get(&ocsp_get_path(request))
}

/// Needs no root: stdout and stderr on `/dev/full`, as when the log's disk is full.
#[test]
fn a_log_that_cannot_be_written_does_not_stop_the_server() {
    let data = support::fresh_dir("log-full");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let server = Process::start_writing_to(&data, full, &["--dev"], &[("DONGPO_LOG", "debug")]);
    let key = std::fs::read_to_string(data.join("dev-api-key")).unwrap();
    let client = Client::new(&server.url, Some(key.trim()));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    for _ in 0..3 {
        let reply = client.post("/v1/verifications", &passport.document());
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    assert_eq!(client.get("/healthz").status, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_full_disk_is_refused_with_503_loses_nothing_and_recovers() {
    let Some(disk) = scratch_disk("full") else {
        return;
    };
    let (server, client, data) = start(&disk, None);
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rrn = passport.rrn();
    // With the chip's Active Authentication answer (the shipped profiles need chip
    // presence); on the full disk the challenge or the verification is refused.
    let verify = || support::post_verification_with_aa(&client, &passport);

    let first = verify();
    assert_eq!(first.status, 201, "{}", first.text());
    let issued = issue(&client, &first.json()["id"], &rrn, "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let mut returned = vec![serial_of(&issued)];
    let (ocsp_request, issuer) = ocsp_request_for(&issued.json());
    let made_before: Vec<Value> = (0..6).map(|_| verify().json()["id"].clone()).collect();

    disk.fill();
    // Writes may still land in space SQLite already holds. Every answer must be either a
    // stored success or a clean 503: issuance on verifications made before the disk
    // filled, then new verifications.
    let mut refused_verifications: Vec<Value> = Vec::new();
    for (n, id) in made_before.iter().enumerate() {
        let reply = issue(&client, id, &rrn, "kb", 10 + n as u64);
        if reply.status == 201 {
            returned.push(serial_of(&reply));
        } else {
            assert_unavailable(&reply);
            refused_verifications.push(id.clone());
        }
    }
    let mut refusals = refused_verifications.len();
    for _ in 0..20 {
        let verification = verify();
        if verification.status == 503 {
            assert_unavailable(&verification);
            refusals += 1;
        } else {
            assert_eq!(verification.status, 201, "{}", verification.text());
        }
    }
    assert!(
        !refused_verifications.is_empty() && refusals > refused_verifications.len(),
        "the full disk did not refuse both issuance and verification"
    );
    // Reads keep working: statuses and OCSP.
    for serial in &returned {
        assert_eq!(status_of(&client, serial), "good");
    }
    let ocsp = ocsp_get(&client, &ocsp_request);
    assert_eq!(ocsp.status, 200);
    assert_eq!(cert_status_of(&ocsp_request, &ocsp.body, &issuer), "good");
    // A revocation either lands (and OCSP says so) or is refused with 503.
    let revoke = client.post(
        &format!("/v1/certificates/{}/revoke", returned[0]),
        &json!({ "reason": "keyCompromise" }),
    );
    let revoked_on_full_disk = match revoke.status {
        200 => true,
        _ => {
            assert_unavailable(&revoke);
            false
        }
    };
    assert_eq!(
        status_of(&client, &returned[0]),
        if revoked_on_full_disk {
            "revoked"
        } else {
            "good"
        }
    );
    // A CRL needs its number stored: served, or refused with 503 (never a 500).
    let crl = client.get(&format!(
        "/crl/{}.crl",
        issued.json()["issuer"].as_str().unwrap()
    ));
    if crl.status != 200 {
        assert_unavailable(&crl);
    }
    println!(
        "full disk: {} certificates stored, {refusals} refusals ({} at issuance), revocation {}, CRL {}",
        returned.len(),
        refused_verifications.len(),
        revoke.status,
        crl.status
    );

    disk.free();
    // No restart: the next writes succeed, and a verification the full disk refused to
    // issue for is still usable.
    let started = Instant::now();
    let again = loop {
        let reply = verify();
        if reply.status == 201 {
            break reply;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{}",
            reply.text()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let after = issue(&client, &again.json()["id"], &rrn, "kb", 500);
    assert_eq!(after.status, 201, "{}", after.text());
    returned.push(serial_of(&after));
    for (n, id) in refused_verifications.iter().enumerate() {
        let reply = issue(&client, id, &rrn, "kb", 600 + n as u64);
        assert_eq!(reply.status, 201, "{}", reply.text());
        returned.push(serial_of(&reply));
    }
    if !revoked_on_full_disk {
        let revoke = client.post(
            &format!("/v1/certificates/{}/revoke", returned[0]),
            &json!({ "reason": "keyCompromise" }),
        );
        assert_eq!(revoke.status, 200, "{}", revoke.text());
    }
    let ocsp = ocsp_get(&client, &ocsp_request);
    assert_eq!(
        cert_status_of(&ocsp_request, &ocsp.body, &issuer),
        "revoked"
    );

    // After a restart every certificate that was returned is there, as it was.
    drop(server);
    let server = Process::start_logging_to(&data, &disk.logs, &["--dev"], &[]);
    let client = Client::new(&server.url, client.key.as_deref());
    assert_eq!(status_of(&client, &returned[0]), "revoked");
    for serial in &returned[1..] {
        assert_eq!(status_of(&client, serial), "good");
    }
}

#[test]
fn a_slow_disk_delays_issuance_but_every_answer_is_right() {
    let Some(disk) = scratch_disk("slow") else {
        return;
    };
    let (server, client, _data) = start(&disk, Some("request_timeout_secs = 2\n"));
    let passport = Passport::new(Profile::P256, Variant::Genuine);
    let rrn = passport.rrn();
    let first = support::post_verification_with_aa(&client, &passport);
    let issued = issue(&client, &first.json()["id"], &rrn, "kb", 1);
    assert_eq!(issued.status, 201, "{}", issued.text());
    let (ocsp_request, issuer) = ocsp_request_for(&issued.json());
    let verifications: Vec<Value> = (0..6)
        .map(|_| {
            let reply = support::post_verification_with_aa(&client, &passport);
            assert_eq!(reply.status, 201, "{}", reply.text());
            reply.json()["id"].clone()
        })
        .collect();

    if let Err(why) = disk.throttle_writes(3) {
        println!("skipped: cannot slow the scratch disk down: {why}");
        return;
    }
    // Three clients issue at once on a disk that takes three writes a second; OCSP is
    // read meanwhile.
    let outcomes = std::thread::scope(|scope| {
        let workers: Vec<_> = verifications
            .chunks(2)
            .enumerate()
            .map(|(worker, ids)| {
                let (client, rrn) = (&client, &rrn);
                scope.spawn(move || {
                    ids.iter()
                        .enumerate()
                        .map(|(n, id)| {
                            let seed = 100 + (worker * 2 + n) as u64;
                            (id.clone(), seed, issue(client, id, rrn, "kb", seed))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for _ in 0..10 {
            let ocsp = ocsp_get(&client, &ocsp_request);
            assert_eq!(ocsp.status, 200, "OCSP stalled behind the slow disk");
            assert_eq!(cert_status_of(&ocsp_request, &ocsp.body, &issuer), "good");
            std::thread::sleep(Duration::from_millis(100));
        }
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    disk.throttle_writes(0).unwrap();

    let mut timed_out = 0;
    for (id, seed, reply) in &outcomes {
        let serial = if reply.status == 201 {
            serial_of(reply)
        } else {
            assert_unavailable(reply);
            timed_out += 1;
            // The same request again once the disk is back: the certificate the slow
            // request stored is returned, or it is issued now; never two, never none.
            // A 409 means the slow issuance is still running: it finishes by itself.
            let started = Instant::now();
            let retry = loop {
                let retry = issue(&client, id, &rrn, "kb", *seed);
                if retry.status != 409 || started.elapsed() > Duration::from_secs(30) {
                    break retry;
                }
                std::thread::sleep(Duration::from_millis(250));
            };
            assert!(
                [200, 201].contains(&retry.status),
                "retry after a timeout: {}",
                retry.text()
            );
            serial_of(&retry)
        };
        assert_eq!(status_of(&client, &serial), "good");
    }
    println!(
        "{timed_out} of {} issuances timed out on the slow disk",
        outcomes.len()
    );
    drop(server);
}
