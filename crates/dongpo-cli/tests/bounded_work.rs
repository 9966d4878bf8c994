//! `dongpo verify` refuses a DSC whose RSA key is over the size limits when it parses
//! the certificate, naming the size, and exits 1 without doing the key's arithmetic.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use dongpo_testkit::document_signer::{DocumentSigner, rsa_key_of_any_size};
use dongpo_testkit::{KeyStore, Profile};

#[test]
fn verify_refuses_a_dsc_with_a_16384_bit_rsa_key_naming_the_size() {
    // A long exponent too: before the limits, checking the SOD signature with this key
    // took seconds on the generic backend.
    let exponent = [0xffu8; 64];
    let key = rsa_key_of_any_size(16384, &exponent, 11);
    let signer =
        DocumentSigner::with_certified_key(Profile::Rsa2048, 3, 0, &mut KeyStore::default(), &key)
            .unwrap();
    let dir = std::env::temp_dir().join(format!("dongpo-cli-{}-oversized-dsc", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (sod, csca) = (dir.join("EF_SOD.bin"), dir.join("CSCA.cer"));
    std::fs::write(&sod, signer.document(0).unwrap().sod).unwrap();
    std::fs::write(&csca, signer.csca_der()).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(["verify", "--sod"])
        .arg(&sod)
        .arg("--csca")
        .arg(&csca)
        .args(["--at", &signer.verify_at(), "--json"])
        .output()
        .expect("run dongpo");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    let signer_check = check("sod.signer_certificate");
    assert_eq!(signer_check["status"], "fail");
    let detail = signer_check["detail"].as_str().unwrap();
    assert!(
        detail.contains("RSA modulus of 16384 bits is above the limit of 8192 bits"),
        "{detail}"
    );
    assert_eq!(check("sod.signature")["status"], "skipped");
    let _ = std::fs::remove_dir_all(&dir);
}
