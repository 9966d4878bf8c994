//! The testkit's many-documents-per-DSC generator, which the benchmarks rely on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Options};
use dongpo_pki::UnixTime;
use dongpo_testkit::KeyStore;
use dongpo_testkit::Profile;
use dongpo_testkit::document_signer::DocumentSigner;

#[test]
fn documents_differ_share_their_dsc_and_verify() {
    let mut keys = KeyStore::default();
    let signer = DocumentSigner::new(Profile::P256, 7, 0, &mut keys).unwrap();
    let other = DocumentSigner::new(Profile::P256, 7, 1, &mut keys).unwrap();
    assert_eq!(signer.csca_der(), other.csca_der());
    assert_ne!(signer.dsc_der(), other.dsc_der());
    let mut trust = TrustStore::new();
    trust.add_csca(signer.csca_der(), "csca").unwrap();
    trust.add_crl(signer.crl_der(), "crl").unwrap();
    let options = Options::at(UnixTime::parse_rfc3339(&signer.verify_at()).unwrap());
    let verifier = Verifier::new();
    let (a, b) = (signer.document(0).unwrap(), signer.document(1).unwrap());
    assert_ne!(a.sod, b.sod);
    assert_ne!(a.data_groups.get(&1), b.data_groups.get(&1));
    assert_ne!(a.data_groups.get(&2), b.data_groups.get(&2));
    assert!(a.data_groups[&2].len() > 15_000);
    for (document, dsc) in [
        (&a, &signer),
        (&b, &signer),
        (&other.document(0).unwrap(), &other),
    ] {
        let report = passive_auth::verify(document, &trust, &options, &verifier);
        assert!(report.valid, "{:?}", report.failed());
        assert_eq!(
            report.dsc.map(|d| d.sha256),
            Some(hex::encode(HashAlgorithm::Sha256.digest(dsc.dsc_der())))
        );
        assert_eq!(report.evidence.covered_dgs, [1, 2, 14, 15]);
    }
}
