#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! The outer signatureAlgorithm of a certificate is not signed: a copy whose outer
//! algorithm differs from tbsCertificate.signature must not verify (RFC 5280 §4.1.1.2).
//! Found by the mutation test of dongpo-icao (a DSC with its outer NULL parameters turned
//! into an empty OCTET STRING still verified).

use dongpo_crypto::Verifier;
use dongpo_pki::Cert;

#[test]
fn a_changed_outer_signature_algorithm_is_refused() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic/rsa2048/genuine");
    let csca = Cert::parse(&std::fs::read(dir.join("csca.der")).unwrap()).unwrap();
    let der = std::fs::read(dir.join("dsc.der")).unwrap();
    let verifier = Verifier::new();
    let genuine = Cert::parse(&der).unwrap();
    genuine.verify_signed_by(&csca.key, &verifier).unwrap();

    // sha256WithRSAEncryption's NULL parameters, after the TBS: the last `05 00` before
    // the signature BIT STRING.
    let null = der.windows(2).rposition(|w| w == [0x05, 0x00]).unwrap();
    let mut changed = der.clone();
    changed[null] = 0x04;
    let changed = Cert::parse(&changed).unwrap();
    let err = changed.verify_signed_by(&csca.key, &verifier).unwrap_err();
    assert!(
        err.to_string().contains("differs from tbsCertificate"),
        "{err}"
    );
}
