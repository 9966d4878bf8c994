#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Differential test against OpenSSL: thousands of testkit documents (RSA PKCS#1 v1.5,
//! RSASSA-PSS and NIST curves), a quarter genuine and the rest with one byte changed in
//! the signature, the LDSSecurityObject or the signed attributes, are verified by dongpo
//! and by `openssl cms -verify` against the CSCA. Both must agree on every document:
//! dongpo's `sod.message_digest`, `sod.signature` and `dsc.chain` all pass exactly when
//! OpenSSL accepts the SignedData. Skipped (with a line saying so) without `openssl`.

use std::process::Command;

use dongpo_crypto::Verifier;
use dongpo_icao::passive_auth::{self, Options};
use dongpo_icao::report::Status;
use dongpo_icao::sod::Sod;
use dongpo_icao::trust_store::TrustStore;
use dongpo_pki::UnixTime;
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

const DOCUMENTS_PER_PROFILE: u64 = 500;

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The ContentInfo inside EF.SOD's `77` wrapper.
fn content_info(sod: &[u8]) -> &[u8] {
    let first = sod[1];
    let header = if first & 0x80 == 0 {
        2
    } else {
        2 + usize::from(first & 0x7f)
    };
    &sod[header..]
}

/// Where `needle` starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn dongpo_and_openssl_agree_on_thousands_of_sods() {
    if !openssl_available() {
        println!("skipped: openssl not found (differential test against openssl cms -verify)");
        return;
    }
    let scratch = std::env::temp_dir().join(format!("dongpo-differential-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut keys = KeyStore::default();
    let verifier = Verifier::new();
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for profile in [
        Profile::Rsa2048,
        Profile::RsaPss3072,
        Profile::P256,
        Profile::P384,
    ] {
        let signer = DocumentSigner::new(profile, 7, 0, &mut keys).unwrap();
        let at = UnixTime::parse_rfc3339(&signer.verify_at()).unwrap();
        let mut trust = TrustStore::new();
        trust.add_csca(signer.csca_der(), "csca").unwrap();
        trust.add_crl(signer.crl_der(), "crl").unwrap();
        let csca_pem = scratch.join(format!("{profile}-csca.pem"));
        let converted = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-out"])
            .arg(&csca_pem)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(signer.csca_der())?;
                child.wait()
            })
            .unwrap();
        assert!(converted.success());
        for index in 0..DOCUMENTS_PER_PROFILE {
            let mut document = signer.document(index).unwrap();
            let sod = Sod::parse(&document.sod).unwrap();
            let (what, at_byte) = match index % 4 {
                0 => ("genuine", None),
                1 => (
                    "signature",
                    Some(document.sod.len() - 1 - (index as usize % 16)),
                ),
                2 => {
                    let start = find(&document.sod, &sod.cms.econtent);
                    ("eContent", Some(start + sod.cms.econtent.len() / 2))
                }
                _ => {
                    let attrs = &sod.cms.signed_attrs.as_ref().unwrap()[1..];
                    let start = find(&document.sod, attrs);
                    (
                        "signedAttrs",
                        Some(start + attrs.len() - 1 - (index as usize % 8)),
                    )
                }
            };
            if let Some(at_byte) = at_byte {
                document.sod[at_byte] ^= 0x10;
            }
            let report = passive_auth::verify(&document, &trust, &Options::at(at), &verifier);
            let ours = ["sod.message_digest", "sod.signature", "dsc.chain"]
                .iter()
                .all(|id| report.check(id).is_some_and(|c| c.status == Status::Pass));
            let cms = scratch.join("sod.cms");
            std::fs::write(&cms, content_info(&document.sod)).unwrap();
            let theirs = Command::new("openssl")
                .args([
                    "cms", "-verify", "-inform", "DER", "-purpose", "any", "-attime",
                ])
                .arg(at.0.to_string())
                .arg("-in")
                .arg(&cms)
                .arg("-CAfile")
                .arg(&csca_pem)
                .args(["-out", "/dev/null"])
                .output()
                .unwrap()
                .status
                .success();
            compared += 1;
            if ours != theirs || ours != (what == "genuine") {
                disagreements.push(format!(
                    "{profile} #{index} ({what}): dongpo {ours}, openssl {theirs}"
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(compared, 4 * DOCUMENTS_PER_PROFILE);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
