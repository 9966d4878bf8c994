//! The Korean CSCAs (RSA-3072, RSASSA-PSS SHA-256/MGF1-SHA-256/salt 32) verify, and the
//! 2025 link certificate admits the new key under the CSCA-KOREA key.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use std::path::PathBuf;

use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_pki::Cert;

fn cert(name: &str) -> Cert {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/real/csca-kor")
        .join(name);
    Cert::parse(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn korean_cscas_are_self_signed_rsa_pss_3072() {
    let verifier = Verifier::new();
    for name in [
        "KOR_KR_a3.cer",
        "KOR_KR_101.cer",
        "KOR_KR_12b.cer",
        "KOR_KR_1a4.cer",
    ] {
        let c = cert(name);
        assert_eq!(c.key.description(), "rsa:3072", "{name}");
        assert!(
            c.cert.signature_algorithm().oid == dongpo_crypto::oid::RSASSA_PSS,
            "{name}"
        );
        assert!(c.verify_signed_by(&c.key, &verifier).is_ok(), "{name}");
    }
}

#[test]
fn link_certificate_chains_the_2025_key_to_csca_korea() {
    let verifier = Verifier::new();
    let (old, new, link) = (
        cert("KOR_KR_12b.cer"),
        cert("KOR_KR_1a4.cer"),
        cert("KOR_KR_1a7.cer"),
    );
    assert!(
        link.verify_signed_by(&old.key, &verifier).is_ok(),
        "link signed by CSCA-KOREA"
    );
    assert!(link.verify_signed_by(&new.key, &verifier).is_err());
    assert_eq!(link.key, new.key, "the link certifies the 2025 key");
    let mut store = TrustStore::new();
    store.add_csca(&old.der, "12b").unwrap();
    let candidates = store.issuer_candidates(&link);
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0].cert.subject(), old.subject());
}

#[test]
fn link_certificate_admits_the_new_key_only_under_a_trusted_csca() {
    let verifier = Verifier::new();
    let (old, link) = (cert("KOR_KR_12b.cer"), cert("KOR_KR_1a7.cer"));
    let mut empty = TrustStore::new();
    assert!(
        empty
            .add_link_certificate(&link.der, &verifier, "1a7")
            .is_err(),
        "no trusted issuer yet"
    );
    let mut store = TrustStore::new();
    store.add_csca(&old.der, "12b").unwrap();
    store
        .add_link_certificate(&link.der, &verifier, "1a7")
        .unwrap();
    let admitted = store
        .cscas()
        .iter()
        .find(|c| c.cert.sha256 == link.sha256)
        .unwrap();
    assert!(
        admitted.sources[0].starts_with("link:"),
        "{:?}",
        admitted.sources
    );
    assert_eq!(admitted.cert.key, cert("KOR_KR_1a4.cer").key);
}

#[test]
fn quirk_certificates_parse_and_their_quirks_are_named() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/real/quirk-certs");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let cert = Cert::parse(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let quirks = cert.encoding_quirks();
        assert!(!quirks.is_empty(), "{}: no quirk named", path.display());
        names.extend(quirks);
    }
    assert!(names.contains(&"negative serial number"));
    assert!(names.contains(&"zero serial number"));
    assert!(names.contains(&"lower-case country code"));
    // The Korean CSCAs have none.
    assert!(cert("KOR_KR_12b.cer").encoding_quirks().is_empty());
}
