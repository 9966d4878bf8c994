#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

//! The lazy parser against x509-cert's full decoder on every CRL in the repository's
//! test vectors (PKITS and the synthetic CSCA CRLs): same verdict, same entries, and
//! every listed serial found by the index.

use std::path::{Path, PathBuf};

use der::Decode;
use dongpo_pki::UnixTime;
use dongpo_revocation::{Crl, CrlStatus};
use x509_cert::crl::CertificateList;

fn crl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            crl_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "crl") {
            out.push(path);
        }
    }
}

#[test]
fn agrees_with_x509_cert_on_every_test_vector_crl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let mut files = Vec::new();
    crl_files(&root, &mut files);
    if files.is_empty() {
        println!("skipped: no CRLs under {}", root.display());
        return;
    }
    let mut entries_seen = 0;
    for path in &files {
        let der = std::fs::read(path).unwrap();
        let full = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der);
        let lazy = Crl::parse(&der);
        let (Ok(full), Ok(lazy)) = (&full, &lazy) else {
            assert_eq!(full.is_ok(), lazy.is_ok(), "{}: {lazy:?}", path.display());
            continue;
        };
        let listed = full
            .tbs_cert_list
            .revoked_certificates
            .clone()
            .unwrap_or_default();
        assert_eq!(
            lazy.revoked().collect::<Vec<_>>(),
            listed,
            "{}",
            path.display()
        );
        assert_eq!(lazy.revoked_count(), listed.len());
        for entry in &listed {
            assert_eq!(
                lazy.status(entry.serial_number.as_bytes()),
                CrlStatus::Revoked {
                    at: UnixTime::from_x509(&entry.revocation_date)
                },
                "{}",
                path.display()
            );
        }
        let mut tbs = full.tbs_cert_list.clone();
        tbs.revoked_certificates = None;
        assert_eq!(lazy.crl.tbs_cert_list, tbs);
        entries_seen += listed.len();
    }
    println!("{} CRLs, {entries_seen} entries", files.len());
    assert!(entries_seen > 0);
}
