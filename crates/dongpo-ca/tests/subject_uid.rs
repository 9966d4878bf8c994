//! Issue 17, item 6: a certificate's `UID` differs between issuing institutions (two
//! providers' certificates of one person are not linked by it) unless the profiles ask for
//! the shared identifier (`unique_id = "shared_subject_id"`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{Applicant, NOW, applicant, approve_p256, ca_with_profiles, new_ca};
use dongpo_ca::Ca;
use dongpo_testkit::Variant;
use x509_cert::der::Decode;

/// The `UID` (0.9.2342.19200300.100.1.1) of the subject of `der`.
fn uid(der: &[u8]) -> String {
    let cert = x509_cert::Certificate::from_der(der).unwrap();
    let oid = x509_cert::der::oid::ObjectIdentifier::new_unwrap("0.9.2342.19200300.100.1.1");
    let mut found = Vec::new();
    for atv in cert.tbs_certificate().subject().iter() {
        if atv.oid == oid {
            found.push(String::from_utf8(atv.value.value().to_vec()).unwrap());
        }
    }
    assert_eq!(found.len(), 1, "one UID");
    found.remove(0)
}

fn uids(ca: &mut Ca, person: &Applicant) -> (String, String) {
    let mut one = |profile: &str, seed: u64| {
        let approval = approve_p256(ca, person, profile, seed);
        uid(&ca.issue(&approval, NOW).unwrap().der)
    };
    (one("kb", 1), one("shinhan", 2))
}

#[test]
fn the_uid_differs_between_institutions_unless_the_profiles_share_it() {
    let person = applicant(Variant::Genuine, 31, NOW);

    let (_dir, mut ca) = new_ca("uid-per-institution", None);
    ca.register(&person.identity, NOW).unwrap();
    let (kb, shinhan) = uids(&mut ca, &person);
    assert_ne!(kb, shinhan, "two providers' certificates are not linked");
    // Stable within one institution.
    let approval = approve_p256(&mut ca, &person, "kb", 3);
    assert_eq!(uid(&ca.issue(&approval, NOW).unwrap().der), kb);

    let (_dir, mut shared_ca) = ca_with_profiles("uid-shared", None, |name, text| {
        if name == "kb" || name == "shinhan" {
            text.replace(
                "unique_id = \"subject_id\"",
                "unique_id = \"shared_subject_id\"",
            )
        } else {
            text.to_owned()
        }
    });
    assert!(shared_ca.profile("kb").unwrap().links_institutions());
    assert!(!shared_ca.profile("hana").unwrap().links_institutions());
    shared_ca.register(&person.identity, NOW).unwrap();
    let (shared_kb, shared_shinhan) = uids(&mut shared_ca, &person);
    assert_eq!(shared_kb, shared_shinhan, "the profiles asked for the link");
    // The shared identifier is none of the per-institution ones (another CA directory has
    // another registry key, so compare within the shared CA: hana keeps its own).
    let approval = approve_p256(&mut shared_ca, &person, "hana", 4);
    let hana = uid(&shared_ca.issue(&approval, NOW).unwrap().der);
    assert_ne!(hana, shared_kb);
}
