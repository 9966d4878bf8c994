//! Found by the adversarial review of issue 18: `crl_partitions` came from ca.toml at every
//! open and was neither pinned in the store nor recorded with the certificates. A CA
//! reopened (or a second node started) with another count published the partition CRL that
//! a revoked certificate's CRL distribution point names, with a higher cRLNumber and the
//! same issuingDistributionPoint, *without* the certificate. Now the store pins the count:
//! a changed count is refused at open, and the original count still lists it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, applicant, new_ca};
use dongpo_ca::Ca;
use dongpo_ca::CrlScope;
use dongpo_ca::RevocationReason;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::partition_of;
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

#[test]
fn a_changed_partition_count_never_drops_a_revocation_from_its_crl() {
    let (dir, mut ca) = new_ca("atk18-partitions", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    // A serial whose partition differs between 4 and 8 partitions.
    let mut chosen = None;
    for seed in 0..64u64 {
        let approval = common::approve_p256(&mut ca, &person, "woori", 5000 + seed);
        let issued = ca.issue(&approval, NOW).unwrap();
        if partition_of(&issued.serial, 4) != partition_of(&issued.serial, 8) {
            chosen = Some(issued);
            break;
        }
    }
    let issued = chosen.unwrap();
    let old_partition = partition_of(&issued.serial, 4);
    ca.revoke(&issued.serial, RevocationReason::KeyCompromise, NOW)
        .unwrap();
    drop(ca);

    let toml = dir.join("ca.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(text.contains("crl_partitions = 4"));
    std::fs::write(
        &toml,
        text.replace("crl_partitions = 4", "crl_partitions = 8"),
    )
    .unwrap();
    let refused =
        Ca::open_with_passphrase(&dir, Some(Passphrase::new(b"test passphrase".to_vec())))
            .err()
            .expect("a changed crl_partitions must be refused")
            .to_string();
    assert!(
        refused.contains("crl_partitions = 8") && refused.contains("the 4 recorded"),
        "{refused}"
    );
    // The original count opens and its partition CRL lists the revoked certificate.
    std::fs::write(&toml, &text).unwrap();
    let mut reopened =
        Ca::open_with_passphrase(&dir, Some(Passphrase::new(b"test passphrase".to_vec()))).unwrap();
    let der = reopened
        .crl(
            &issued.issuer,
            CrlScope::Partition(old_partition),
            UnixTime(NOW.0 + 10),
        )
        .unwrap();
    let crl = dongpo_revocation::Crl::parse(&der).unwrap();
    let listed: Vec<Serial> = crl
        .revoked()
        .filter_map(|e| Serial::from_bytes(e.serial_number.as_bytes()))
        .collect();
    assert!(
        listed.contains(&issued.serial),
        "partition {old_partition} CRL (the certificate's CDP) omits the revoked certificate"
    );
}
