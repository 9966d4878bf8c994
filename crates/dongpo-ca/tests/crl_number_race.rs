//! Found by the adversarial review of issue 18: a CRL with a higher cRLNumber must never
//! omit a revocation that a lower-numbered CRL of the same scope lists (RFC 5280 §5.2.3:
//! relying parties keep the highest number). `publish::crl` used to read the revoked list
//! in one store call and take the number in a later transaction, so two nodes interleaved:
//! A reads (no S) -> B revokes S, reads (S), takes N -> A takes N+1 and signs without S.
//! Now the number is taken first and the list read in the same transaction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::BTreeSet;

use common::{NOW, applicant, new_ca};
use dongpo_ca::CrlScope;
use dongpo_ca::RevocationReason;
use dongpo_ca::{Ca, Overrides};
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

const PROFILE: &str = "woori";

fn listed(der: &[u8]) -> (u64, BTreeSet<Serial>) {
    let crl = dongpo_revocation::Crl::parse(der).unwrap();
    let number = u64::from_str_radix(&crl.number_hex().unwrap(), 16).unwrap();
    let set = crl
        .revoked()
        .filter_map(|e| Serial::from_bytes(e.serial_number.as_bytes()))
        .collect();
    (number, set)
}

#[test]
fn a_higher_numbered_crl_never_omits_a_revocation_across_nodes_sqlite() {
    race(None);
}

#[test]
fn a_higher_numbered_crl_never_omits_a_revocation_across_nodes_postgres() {
    let Some(database) =
        dongpo_testkit::pg_database::Database::from_env("dongpo_crl_race").unwrap()
    else {
        println!(
            "skipped: DONGPO_TEST_POSTGRES_URL is not set (CRL numbers across PostgreSQL nodes)"
        );
        return;
    };
    race(Some(database.url.clone()));
}

/// Node A publishes complete CRLs in a loop while node B revokes and publishes; across
/// both, CRLs ordered by number never lose a revocation.
fn race(store: Option<String>) {
    let (dir, mut a, person) = {
        let (dir, mut ca) = new_ca("crl-race", store);
        let person = applicant(Variant::Genuine, 1, NOW);
        ca.register(&person.identity, NOW).unwrap();
        (dir, ca, person)
    };
    let mut serials = Vec::new();
    let mut issuer = String::new();
    for seed in 0..60u64 {
        let approval = common::approve_p256(&mut a, &person, PROFILE, 1000 + seed);
        let issued = a.issue(&approval, NOW).unwrap();
        issuer = issued.issuer.clone();
        serials.push(issued.serial);
    }
    let open_b = || {
        Ca::open_with(
            &dir,
            Some(dongpo_ca::keys::Passphrase::new(
                b"test passphrase".to_vec(),
            )),
            &Overrides {
                node: Some("node-b".into()),
                ..Overrides::default()
            },
        )
        .unwrap()
    };
    let mut b = open_b();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let at = UnixTime(NOW.0 + 100);
    // Node A: builds complete CRLs as fast as it can (its CRL route under load).
    let issuer_a = issuer.clone();
    let stop_a = std::sync::Arc::clone(&stop);
    let node_a = std::thread::spawn(move || {
        let mut out = Vec::new();
        while !stop_a.load(std::sync::atomic::Ordering::Relaxed) {
            out.push(a.crl(&issuer_a, CrlScope::Full, at).unwrap());
        }
        out
    });
    // Node B: revokes, then publishes at once (what the server does after a revocation).
    let mut out_b = Vec::new();
    for serial in &serials {
        b.revoke(serial, RevocationReason::KeyCompromise, at)
            .unwrap();
        out_b.push(b.crl(&issuer, CrlScope::Full, at).unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut all: Vec<(u64, BTreeSet<Serial>)> = node_a
        .join()
        .unwrap()
        .iter()
        .chain(out_b.iter())
        .map(|d| listed(d))
        .collect();
    all.sort_by_key(|(n, _)| *n);
    let mut lies = 0;
    for pair in all.windows(2) {
        let (lo, hi) = (&pair[0], &pair[1]);
        let missing: Vec<_> = lo.1.difference(&hi.1).collect();
        if !missing.is_empty() {
            lies += 1;
            eprintln!(
                "CRL #{} lists {} revocation(s) that the later CRL #{} omits",
                lo.0,
                missing.len(),
                hi.0
            );
        }
    }
    assert_eq!(
        lies, 0,
        "{lies} higher-numbered CRLs omit a revocation a lower one lists"
    );
}
