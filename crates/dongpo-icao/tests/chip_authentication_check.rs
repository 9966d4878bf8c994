//! `ca.authentication` in the report: a Chip Authentication result counts only on a DG14
//! that Passive Authentication covered, a failed one makes the report invalid, and a
//! verification that did not run it says why; `evidence.chip_offers` names what the
//! covered data groups offer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dongpo_crypto::Verifier;
use dongpo_icao::passive_auth::{self, ChipAuthenticationResult, Document, Options};
use dongpo_icao::{CheckId, Status, TrustStore, VerificationReport};
use dongpo_pki::UnixTime;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic/p256/genuine")
}

fn document(dir: &Path, groups: &[u8], ca: Option<ChipAuthenticationResult>) -> Document {
    let mut data_groups = BTreeMap::new();
    for n in groups {
        data_groups.insert(*n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap());
    }
    Document {
        sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: ca,
    }
}

fn verify(document: &Document) -> VerificationReport {
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir().join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    passive_auth::verify(document, &trust, &Options::at(at), &Verifier::new()).into_report()
}

fn proven() -> Option<ChipAuthenticationResult> {
    Some(ChipAuthenticationResult::Proven {
        detail: "id-CA-ECDH-AES-CBC-CMAC-128".into(),
    })
}

fn ca(report: &VerificationReport) -> (Status, String) {
    let check = report.check(CheckId::CaAuthentication).unwrap();
    (check.status, check.detail.clone())
}

#[test]
fn a_proof_on_a_covered_dg14_passes() {
    let report = verify(&document(&dir(), &[1, 2, 14, 15], proven()));
    assert_eq!(ca(&report).0, Status::Pass, "{report:?}");
    assert!(report.valid);
    assert!(report.evidence.chip_offers.chip_authentication);
    assert!(report.evidence.chip_offers.active_authentication);
}

#[test]
fn without_a_proof_the_check_is_skipped_with_the_reason_and_the_offer_recorded() {
    let report = verify(&document(&dir(), &[1, 2, 14, 15], None));
    let (status, detail) = ca(&report);
    assert_eq!(status, Status::Skipped);
    assert!(
        detail.contains("offers Chip Authentication but it was not run"),
        "{detail}"
    );
    assert!(report.valid, "not running CA is no failure of the files");
    assert!(report.evidence.chip_offers.chip_authentication);
    assert!(report.evidence.chip_offers.active_authentication);
}

#[test]
fn withholding_dg14_or_dg15_does_not_hide_what_the_chip_offers() {
    // The SOD hashes DG14 and DG15: leaving them out must not look like a chip without
    // presence (which a `PA` profile would accept).
    let report = verify(&document(&dir(), &[1, 2], None));
    let (status, detail) = ca(&report);
    assert_eq!(status, Status::Skipped);
    assert!(detail.contains("not supplied"), "{detail}");
    assert!(report.evidence.chip_offers.chip_authentication);
    assert!(report.evidence.chip_offers.active_authentication);

    let report = verify(&document(&dir(), &[1, 2, 14], None));
    assert!(report.evidence.chip_offers.chip_authentication);
    assert!(
        report.evidence.chip_offers.active_authentication,
        "DG15 withheld"
    );
}

#[test]
fn a_failed_proof_makes_the_report_invalid() {
    let failed = Some(ChipAuthenticationResult::Failed {
        reason: "the chip's MAC under the agreed keys does not verify".into(),
    });
    let report = verify(&document(&dir(), &[1, 2, 14], failed));
    assert_eq!(ca(&report).0, Status::Fail);
    assert!(!report.valid);
}

#[test]
fn a_proof_without_a_covered_dg14_fails() {
    // No DG14 supplied: nothing the State signed names the key the chip proved.
    let report = verify(&document(&dir(), &[1, 2], proven()));
    assert_eq!(ca(&report).0, Status::Fail);
    assert!(!report.valid);

    // A DG14 that is not the signed one (one byte changed): its hash fails, and so does CA.
    let mut doc = document(&dir(), &[1, 2, 14], proven());
    let dg14 = doc.data_groups.get_mut(&14).unwrap();
    let last = dg14.len() - 1;
    dg14[last] ^= 1;
    let report = verify(&doc);
    assert_eq!(
        report.check(CheckId::DgHash(14)).unwrap().status,
        Status::Fail
    );
    assert_eq!(ca(&report).0, Status::Fail);
    assert!(!report.evidence.chip_offers.chip_authentication);
    assert!(!report.valid);
}

#[test]
fn a_proof_on_a_document_whose_signature_fails_counts_for_nothing() {
    let bad = dir().join("../bad-signature");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(bad.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    let report = passive_auth::verify(
        &document(&bad, &[1, 2, 14], proven()),
        &trust,
        &Options::at(at),
        &Verifier::new(),
    )
    .into_report();
    assert_eq!(ca(&report).0, Status::Fail);
    assert!(!report.valid);
}
