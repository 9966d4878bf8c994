//! SIGKILL in the middle of a stream of issuances or revocations: after restart every
//! certificate and every revocation that was returned is in the store, serials are unique,
//! CRL numbers never go back and the audit chain verifies.
//!
//! The test re-runs its own binary as the CA process (`crash_child`, ignored unless the
//! parent starts it) and kills it while it issues.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::{NOW, applicant, csr, new_ca};
use dongpo_ca::Ca;
use dongpo_ca::CrlScope;
use dongpo_ca::IssueError;
use dongpo_ca::RevocationReason;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::store::{CertStatus, StoreError};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::Serial;
use dongpo_revocation::CrlStatus;
use dongpo_testkit::Variant;

const CHILD_ENV: &str = "DONGPO_CRASH_CHILD_DIR";
const PASSPHRASE: &[u8] = b"test passphrase";

fn reopen(dir: &std::path::Path) -> Ca {
    Ca::open_with_passphrase(dir, Some(Passphrase::new(PASSPHRASE.to_vec()))).unwrap()
}

/// An approval for the registered testkit applicant, under the `kb` profile.
fn kb_approval(ca: &mut Ca) -> dongpo_ca::Approval {
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.approve(
        &person.report,
        &person.dg1,
        person.rrn(),
        &csr(KeySpec::Ec(Curve::P256), 5),
        "kb",
        NOW,
    )
    .unwrap()
}

/// Runs the ignored test `child` of this binary as a CA process on `dir` (through `env`),
/// feeds its output lines to `record` (true = one more returned operation) and SIGKILLs it
/// after `kill_after` of them; what it printed before dying is recorded too.
fn run_and_kill(
    child: &str,
    env: &str,
    dir: &std::path::Path,
    kill_after: usize,
    record: &mut dyn FnMut(&str) -> bool,
) {
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args([
            child,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(env, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while seen < kill_after {
        let line = lines.next().expect("child ended before the kill").unwrap();
        seen += usize::from(record(&line));
    }
    process.kill().unwrap(); // SIGKILL on Unix
    for line in lines {
        let Ok(line) = line else { break };
        record(&line);
    }
    process.wait().unwrap();
}

/// The CA process: issues batches forever, printing each serial once it is returned.
#[test]
#[ignore = "run by sigkill_mid_stream_loses_no_returned_certificate"]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut ca = reopen(dir.as_ref());
    let approval = kb_approval(&mut ca);
    let batch = vec![approval; 16];
    let stdout = std::io::stdout();
    for _ in 0..100_000 {
        let results = ca.issuer().issue_batch(&batch, NOW);
        let mut out = stdout.lock();
        for issued in results {
            writeln!(out, "ISSUED {}", issued.unwrap().serial).unwrap();
        }
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_mid_stream_loses_no_returned_certificate() {
    let (dir, mut ca) = new_ca("crash", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    drop(ca);

    let mut returned = Vec::new();
    for round in 0..2 {
        // Kill at a different point each round, mid-stream.
        run_and_kill(
            "crash_child",
            CHILD_ENV,
            &dir,
            100 + round * 137,
            &mut |line| {
                let serial = line.strip_prefix("ISSUED ");
                returned.extend(serial.map(str::to_owned));
                serial.is_some()
            },
        );
    }

    let mut ca = reopen(&dir);
    for serial in &returned {
        let serial = Serial::from_hex(serial).unwrap();
        assert!(
            ca.issuer()
                .store()
                .certificate(serial.as_bytes())
                .unwrap()
                .is_some(),
            "returned certificate {serial} is missing after the crash"
        );
    }
    let stored = ca.issuer().store().serials().unwrap();
    let unique: HashSet<_> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "duplicate serials in the store");
    assert!(stored.len() >= returned.len());
    let summary = ca.verify_audit().unwrap();
    assert!(summary.records > returned.len());
}

const REVOKE_CHILD_ENV: &str = "DONGPO_REVOKE_CHILD_DIR";

/// The issuing CA of `profile`.
fn issuer_of(ca: &mut Ca, profile: &str) -> String {
    let cas = ca.issuer().cas();
    let issuing = cas.iter().find(|c| c.profiles.iter().any(|p| p == profile));
    issuing.unwrap().name.clone()
}

/// The CA process: revokes every stored certificate that is still good, printing each
/// serial once `revoke` returned, and every fifth revocation publishes a CRL and prints
/// its number.
#[test]
#[ignore = "run by sigkill_during_revocations_loses_no_returned_revocation"]
fn revoke_child() {
    let Ok(dir) = std::env::var(REVOKE_CHILD_ENV) else {
        return;
    };
    let mut ca = reopen(dir.as_ref());
    let issuer = issuer_of(&mut ca, "kb");
    let stdout = std::io::stdout();
    let mut done = 0;
    for serial in ca.issuer().store().serials().unwrap() {
        let serial = Serial::from_bytes(&serial).unwrap();
        match ca.revoke(&serial, RevocationReason::KeyCompromise, NOW) {
            Ok(()) => {}
            Err(IssueError::Store(StoreError::AlreadyRevoked)) => continue,
            Err(e) => panic!("{e}"),
        }
        let mut out = stdout.lock();
        writeln!(out, "REVOKED {}", serial.to_hex()).unwrap();
        done += 1;
        if done % 5 == 0 {
            let crl = ca.crl(&issuer, CrlScope::Full, NOW).unwrap();
            let number = dongpo_revocation::Crl::parse(&crl).unwrap().number_hex();
            writeln!(out, "CRL {}", number.unwrap()).unwrap();
        }
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_during_revocations_loses_no_returned_revocation() {
    let (dir, mut ca) = new_ca("crash-revoke", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let approval = kb_approval(&mut ca);
    for issued in ca.issuer().issue_batch(&vec![approval; 300], NOW) {
        issued.unwrap();
    }
    let issuer = issuer_of(&mut ca, "kb");
    drop(ca);

    let mut revoked = Vec::new();
    let mut crl_numbers: Vec<u128> = Vec::new();
    for round in 0..2 {
        run_and_kill(
            "revoke_child",
            REVOKE_CHILD_ENV,
            &dir,
            40 + round * 53,
            &mut |line| {
                if let Some(number) = line.strip_prefix("CRL ") {
                    crl_numbers.push(u128::from_str_radix(number, 16).unwrap());
                }
                let serial = line.strip_prefix("REVOKED ");
                revoked.extend(serial.map(str::to_owned));
                serial.is_some()
            },
        );
    }

    let mut ca = reopen(&dir);
    for serial in &revoked {
        let stored = ca
            .issuer()
            .store()
            .certificate(Serial::from_hex(serial).unwrap().as_bytes())
            .unwrap()
            .unwrap();
        assert!(
            matches!(stored.status, CertStatus::Revoked { .. }),
            "revocation of {serial} was returned but is lost after the crash"
        );
    }
    // The CRL published after the crashes lists every returned revocation, and CRL
    // numbers never went back, across both kills.
    let crl = ca.crl(&issuer, CrlScope::Full, NOW).unwrap();
    let crl = dongpo_revocation::Crl::parse(&crl).unwrap();
    for serial in &revoked {
        let serial = Serial::from_hex(serial).unwrap();
        // The CRL is searched by the DER INTEGER content: a sign octet before a high bit.
        let mut content = serial.as_bytes().to_vec();
        if content[0] & 0x80 != 0 {
            content.insert(0, 0);
        }
        assert!(
            matches!(crl.status(&content), CrlStatus::Revoked { .. }),
            "{serial} missing from the CRL ({} listed, {} revoked)",
            crl.revoked_count(),
            revoked.len()
        );
    }
    crl_numbers.push(u128::from_str_radix(&crl.number_hex().unwrap(), 16).unwrap());
    assert!(
        crl_numbers.windows(2).all(|w| w[0] < w[1]),
        "CRL numbers went back: {crl_numbers:?}"
    );
    let summary = ca.verify_audit().unwrap();
    assert!(summary.records > revoked.len());
}
