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

#[path = "support/cms_tree.rs"]
mod cms_tree;

use std::path::Path;
use std::process::Command;

use dongpo_crypto::Verifier;
use dongpo_icao::Sod;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Options};
use dongpo_pki::UnixTime;
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

const DOCUMENTS_PER_PROFILE: u64 = 500;

/// `openssl cms -verify` of a DER ContentInfo against `csca_pem` at `at`.
fn openssl_accepts(scratch: &Path, content_info: &[u8], csca_pem: &Path, at: UnixTime) -> bool {
    let cms = scratch.join("sod.cms");
    std::fs::write(&cms, content_info).unwrap();
    Command::new("openssl")
        .args([
            "cms", "-verify", "-inform", "DER", "-purpose", "any", "-attime",
        ])
        .arg(at.0.to_string())
        .arg("-in")
        .arg(&cms)
        .arg("-CAfile")
        .arg(csca_pem)
        .args(["-out", "/dev/null"])
        .output()
        .unwrap()
        .status
        .success()
}

/// The CSCA as PEM for OpenSSL.
fn csca_pem(scratch: &Path, name: &str, der: &[u8]) -> std::path::PathBuf {
    let pem = scratch.join(format!("{name}-csca.pem"));
    let converted = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-out"])
        .arg(&pem)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(der)?;
            child.wait()
        })
        .unwrap();
    assert!(converted.success());
    pem
}

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

/// Issue 15: SignedData with two SignerInfos (the genuine one and a copy whose
/// messageDigest matches a rewritten eContent, in both orders), the genuine SignerInfo
/// twice, and a messageDigest attribute twice. dongpo must never accept what OpenSSL
/// rejects. Where they differ dongpo is the stricter: OpenSSL accepts the genuine
/// SignerInfo twice (each copy verifies), and dongpo refuses any SignedData that has other
/// than exactly one SignerInfo (ICAO 9303-10 §4.6.2.2: one signer).
#[test]
fn dongpo_never_accepts_a_two_signer_forgery_openssl_rejects() {
    if !openssl_available() {
        println!("skipped: openssl not found (differential test against openssl cms -verify)");
        return;
    }
    let scratch =
        std::env::temp_dir().join(format!("dongpo-differential-2si-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut keys = KeyStore::default();
    let verifier = Verifier::new();
    let mut compared = 0;
    let mut openssl_accepted = Vec::new();
    for profile in [Profile::Rsa2048, Profile::P256] {
        let signer = DocumentSigner::new(profile, 7, 0, &mut keys).unwrap();
        let at = UnixTime::parse_rfc3339(&signer.verify_at()).unwrap();
        let mut trust = TrustStore::new();
        trust.add_csca(signer.csca_der(), "csca").unwrap();
        trust.add_crl(signer.crl_der(), "crl").unwrap();
        let pem = csca_pem(&scratch, &profile.to_string(), signer.csca_der());
        for index in 0..8 {
            let document = signer.document(index).unwrap();
            let other = signer.document(index + 100).unwrap();
            let genuine = Sod::parse(&document.sod).unwrap();
            let forged = Sod::parse(&other.sod).unwrap().cms.econtent;
            let digest = genuine.cms.digest_algorithm.digest(&forged);
            let content = cms_tree::sod_content(&document.sod);
            let mut twice = cms_tree::Cms::parse(&content).unwrap();
            let one = twice.signer_info();
            twice.signer_infos().kids_mut().push(one.clone());
            let mut dup_attr = cms_tree::Cms::parse(&content).unwrap();
            cms_tree::signed_attrs(dup_attr.signer_infos().kid(0))
                .kids_mut()
                .push(cms_tree::message_digest_attribute(&[&digest]));
            dup_attr.set_econtent(&forged);
            let cases = [
                (
                    "forged first",
                    cms_tree::two_signer_forgery(&content, &forged, &digest, true),
                ),
                (
                    "forged second",
                    cms_tree::two_signer_forgery(&content, &forged, &digest, false),
                ),
                ("genuine twice", twice.encode()),
                ("messageDigest twice", dup_attr.encode()),
            ];
            for (what, bytes) in cases {
                let mut document = other.clone();
                document.sod = cms_tree::sod_wrap(&bytes);
                let report = passive_auth::verify(&document, &trust, &Options::at(at), &verifier);
                let ours = report.valid
                    || ["sod.message_digest", "sod.signature", "dsc.chain"]
                        .iter()
                        .all(|id| report.check(id).is_some_and(|c| c.status == Status::Pass));
                let theirs = openssl_accepts(&scratch, &bytes, &pem, at);
                compared += 1;
                assert!(
                    !ours,
                    "{profile} #{index} ({what}): dongpo accepted (openssl {theirs})"
                );
                if theirs {
                    openssl_accepted.push(what);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(compared, 2 * 8 * 4);
    // OpenSSL accepts none of the forgeries; only the harmless duplicate, where dongpo
    // is stricter.
    assert!(
        openssl_accepted.iter().all(|what| *what == "genuine twice"),
        "{openssl_accepted:?}"
    );
}
