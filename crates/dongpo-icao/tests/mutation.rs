#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Mutation test: every single-byte change of a signed part of a real or synthetic EF.SOD
//! (the LDSSecurityObject, the signed attributes, the signature, the embedded DSC) must
//! stop the document from verifying. Bytes outside those parts (the SignedData version,
//! its digestAlgorithms set, lengths the parser tolerates) may change without effect;
//! the test counts them, and checks that the unmutated file verified in the first place.

use std::ops::Range;
use std::path::{Path, PathBuf};

use dongpo_crypto::Verifier;
use dongpo_icao::Outcome;
use dongpo_icao::Sod;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_pki::UnixTime;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

/// Where `needle` lies in `haystack`, if it does.
fn find(haystack: &[u8], needle: &[u8]) -> Option<Range<usize>> {
    (!needle.is_empty())
        .then(|| haystack.windows(needle.len()).position(|w| w == needle))
        .flatten()
        .map(|at| at..at + needle.len())
}

/// The byte ranges of the file that a signature protects.
fn signed_parts(file: &[u8]) -> Vec<(&'static str, Range<usize>)> {
    let sod = Sod::parse(file).unwrap();
    let mut parts = Vec::new();
    let mut add = |name, bytes: &[u8]| {
        let range = find(file, bytes).unwrap_or_else(|| panic!("{name} not found in the file"));
        parts.push((name, range));
    };
    add("eContent", &sod.cms.econtent);
    // Signed as a SET (0x31), stored as [0] IMPLICIT: the same bytes after the tag.
    let attrs = sod.cms.signed_attrs.as_ref().unwrap();
    add("signedAttrs", &attrs[1..]);
    add("signature", &sod.cms.signature);
    for certificate in &sod.cms.certificates {
        add("DSC", certificate);
    }
    parts
}

/// The checks a byte change of a signed part must break (one of them at least).
fn signature_holds(report: &Outcome) -> bool {
    ["sod.message_digest", "sod.signature", "dsc.chain"]
        .iter()
        .all(|id| report.check(id).is_some_and(|c| c.status == Status::Pass))
}

/// Flips each byte of every signed part in turn; returns how many flips were tried.
fn every_signed_byte_matters(
    label: &str,
    document: &Document,
    trust: &TrustStore,
    at: UnixTime,
    whole_report: bool,
) -> usize {
    let verifier = Verifier::new();
    let options = Options::at(at);
    let original = passive_auth::verify(document, trust, &options, &verifier);
    assert!(
        signature_holds(&original),
        "{label}: {:?}",
        original.failed()
    );
    if whole_report {
        assert!(original.valid, "{label}: {:?}", original.failed());
    }
    let mut tried = 0;
    let mut still_valid = Vec::new();
    for (part, range) in signed_parts(&document.sod) {
        for at_byte in range {
            let mut mutated = document.clone();
            mutated.sod[at_byte] ^= 0x01;
            let report = passive_auth::verify(&mutated, trust, &options, &verifier);
            tried += 1;
            if signature_holds(&report) || (whole_report && report.valid) {
                still_valid.push(format!("{part} byte {at_byte}"));
            }
        }
    }
    assert!(
        still_valid.is_empty(),
        "{label}: changed signed bytes still verify: {still_valid:?}"
    );
    tried
}

fn trust_of(cscas: &[&Path]) -> TrustStore {
    let mut trust = TrustStore::new();
    for path in cscas {
        trust
            .add_csca(&std::fs::read(path).unwrap(), &path.display().to_string())
            .unwrap();
    }
    trust
}

#[test]
fn synthetic_sods_break_on_every_signed_byte() {
    let mut tried = 0;
    for profile in ["rsa2048", "p256", "bp256", "rsa4096"] {
        let dir = vectors().join("synthetic").join(profile).join("genuine");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let at = UnixTime::parse_rfc3339(manifest["verify_at"].as_str().unwrap()).unwrap();
        let document = Document {
            sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
            data_groups: [1u8, 2, 14, 15]
                .into_iter()
                .map(|n| (n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap()))
                .collect(),
            com: None,
            active_auth: None,
            chip_authentication: None,
        };
        let mut trust = trust_of(&[&dir.join("csca.der")]);
        trust
            .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
            .unwrap();
        tried += every_signed_byte_matters(profile, &document, &trust, at, true);
    }
    assert!(tried > 4_000, "only {tried} flips");
}

/// Real SODs (no data groups: the signature and the chain are what is checked).
#[test]
fn real_sods_break_on_every_signed_byte() {
    // Inside every document's validity (test-vectors/real/README.md).
    let at = UnixTime::parse_rfc3339("2026-11-27T00:00:00Z").unwrap();
    let mut tried = 0;
    let mut checked = Vec::new();
    for state in ["AT", "AU", "DE", "FR", "SG", "US"] {
        let dir = vectors().join("real/sod").join(state);
        let document = Document {
            sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
            data_groups: Default::default(),
            com: None,
            active_auth: None,
            chip_authentication: None,
        };
        let trust = trust_of(&[&dir.join("CSCA.cer")]);
        let report = passive_auth::verify(&document, &trust, &Options::at(at), &Verifier::new());
        if !signature_holds(&report) {
            // A quirk documented in the README (expired DSC, unknown issuer): skipped here.
            continue;
        }
        tried += every_signed_byte_matters(state, &document, &trust, at, false);
        checked.push(state);
    }
    assert!(checked.len() >= 3, "only {checked:?} verified unmutated");
    assert!(tried > 3_000, "only {tried} flips");
}
