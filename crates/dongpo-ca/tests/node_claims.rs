//! One process per audit node: a second claimant of a node id is refused; a writer whose
//! audit position was taken re-reads the chain and retries instead of failing until
//! restart; a CA directory other than the one a store was first opened with is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, applicant, csr, new_ca};
use dongpo_ca::AuditEntry;
use dongpo_ca::RevocationReason;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{Ca, Overrides};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_testkit::Variant;

fn open(dir: &std::path::Path, read_only: bool) -> Result<Ca, String> {
    Ca::open_with(
        dir,
        Some(Passphrase::new(b"test passphrase".to_vec())),
        &Overrides {
            read_only,
            ..Overrides::default()
        },
    )
    .map_err(|e| e.to_string())
}

#[test]
fn a_second_process_with_the_same_node_is_refused_until_the_first_ends() {
    let (dir, ca) = new_ca("claim-twice", None);
    let err = open(&dir, false).map(|_| ()).unwrap_err();
    assert!(err.contains("audit node \"test\" is in use"), "{err}");
    assert!(err.contains("node-test.lock"), "{err}");
    // Readers do not claim; the claim ends with its holder.
    assert!(open(&dir, true).is_ok());
    drop(ca);
    assert!(open(&dir, false).is_ok());
}

#[test]
fn an_audit_position_taken_by_another_writer_is_retried_not_wedged() {
    let (dir, mut ca) = new_ca("claim-retry", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    // Another writer with the same node id (bypassing the claim, as a process from before
    // claims would) advances the chain behind this one's back.
    let mut other = open(&dir, true).unwrap();
    let mut advance_other = || {
        other
            .issuer()
            .audit(&[AuditEntry {
                at: NOW,
                kind: "test.other_writer".into(),
                body: "{}".into(),
            }])
            .unwrap();
    };
    advance_other();
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), 1),
            "kb",
            NOW,
        )
        .unwrap();
    let issued = ca.issue(&approval, NOW).expect("issuance after a conflict");
    advance_other();
    ca.revoke(&issued.serial, RevocationReason::KeyCompromise, NOW)
        .expect("revocation after a conflict");
    assert!(ca.writable().is_ok());
    let summary = ca.verify_audit().unwrap();
    assert!(summary.records >= 5);
}

#[test]
fn a_store_first_opened_with_one_ca_refuses_another() {
    let (dir_a, ca_a) = new_ca("pin-a", None);
    drop(ca_a);
    let (dir_b, ca_b) = new_ca("pin-b", None);
    drop(ca_b);
    // B's ca.toml pointed at A's store: another root, another CA.
    let store_a = dir_a.join("ca.sqlite");
    let config = std::fs::read_to_string(dir_b.join("ca.toml")).unwrap();
    let line = config
        .lines()
        .find(|l| l.starts_with("store = "))
        .unwrap()
        .to_owned();
    let config = config.replacen(
        &line,
        &format!("store = {:?}", store_a.display().to_string()),
        1,
    );
    std::fs::write(dir_b.join("ca.toml"), config).unwrap();
    let err = open(&dir_b, false).map(|_| ()).unwrap_err();
    assert!(err.contains("already belongs to another CA"), "{err}");
    assert!(err.contains("root_sha256"), "{err}");
}

#[test]
fn a_postgres_node_claim_is_exclusive_and_released_with_its_holder() {
    let Ok(url) = std::env::var("DONGPO_TEST_POSTGRES_URL") else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (PostgreSQL node claims)");
        return;
    };
    use dongpo_ca::store::StoreError;
    use dongpo_ca::store::claim::claim_node;
    // A node id of this run only, so parallel runs on the database do not meet.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let node = format!("claim-{}-{nanos}", std::process::id());
    let mut first = claim_node(&url, &node).unwrap();
    first.check().unwrap();
    let err = claim_node(&url, &node).unwrap_err();
    assert!(
        matches!(&err, StoreError::NodeInUse { node: n, .. } if *n == node),
        "{err}"
    );
    assert!(claim_node(&url, &format!("{node}-other")).is_ok());
    drop(first);
    let started = std::time::Instant::now();
    loop {
        match claim_node(&url, &node) {
            Ok(_) => break,
            Err(e) => assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "not released: {e}"
            ),
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
