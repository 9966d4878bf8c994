//! Passive Authentication uses a CSCA CRL for `dsc.revocation` only when it can speak for
//! the DSC: a delta CRL without its base, or a CRL whose issuingDistributionPoint does not
//! cover the DSC, leaves the status undetermined (skipped, with the reason). The CRLs are
//! signed with the testkit CSCA's key through the CA's CRL builder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{EcdsaEncoding, HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_pki::time::UnixTime;
use dongpo_revocation::{CrlIssuer, CrlNumber, CrlSpec, Scope, build_crl};
use dongpo_testkit::time::Timeline;
use dongpo_testkit::{KeyStore, Profile, Variant};

fn revocation_check(crl: &[u8]) -> (Status, String) {
    let mut keys = KeyStore::default();
    let passport = dongpo_testkit::generate(Profile::P256, Variant::Genuine, 1, &mut keys).unwrap();
    let file = |n: &str| passport.files.get(n).unwrap().clone();
    let mut trust = TrustStore::new();
    trust.add_csca(&file("csca.der"), "testkit CSCA").unwrap();
    trust.add_crl(crl, "test CRL").unwrap();
    let data_groups = (1..=16u8)
        .filter_map(|n| {
            passport
                .files
                .get(&format!("DG{n}.bin"))
                .map(|b| (n, b.clone()))
        })
        .collect();
    let document = Document {
        sod: file("EF_SOD.bin"),
        data_groups,
        com: None,
        active_auth: None,
        chip_authentication: None,
    };
    let report = passive_auth::verify(
        &document,
        &trust,
        &Options::at(UnixTime::now()),
        &Verifier::new(),
    );
    let check = report.check("dsc.revocation").unwrap();
    (check.status, check.detail.clone())
}

fn csca_crl(scope: Scope<'_>, delta_of: Option<u64>) -> Vec<u8> {
    let mut keys = KeyStore::default();
    let (csca, key) =
        dongpo_testkit::passport::csca_certificate(Profile::P256, 1, &Timeline::CURRENT, &mut keys)
            .unwrap();
    let issuer = CrlIssuer::from_certificate(&csca).unwrap();
    let now = UnixTime::now();
    let number = CrlNumber::from(9);
    let base = delta_of.map(CrlNumber::from);
    let algorithm = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    build_crl(
        &CrlSpec {
            issuer: &issuer,
            crl_number: &number,
            this_update: UnixTime(now.0 - 60),
            next_update: UnixTime(now.0 + 86_400),
            entries: &[],
            scope,
            delta_of: base.as_ref(),
            freshest: None,
        },
        &CertSigner::new(key.as_ref(), algorithm),
    )
    .unwrap()
}

#[test]
fn a_complete_crl_of_the_csca_vouches_for_the_dsc() {
    let (status, detail) = revocation_check(&csca_crl(Scope::Full, None));
    assert_eq!(status, Status::Pass, "{detail}");
}

#[test]
fn a_delta_crl_alone_leaves_the_status_undetermined() {
    let delta = csca_crl(Scope::Full, Some(8));
    let parsed = dongpo_revocation::Crl::parse(&delta).unwrap();
    assert_eq!(parsed.delta_base_hex().as_deref(), Some("08"));
    let (status, detail) = revocation_check(&delta);
    assert_eq!(status, Status::Skipped, "{detail}");
    assert!(detail.contains("delta CRL"), "{detail}");
}

#[test]
fn a_crl_for_another_partition_leaves_the_status_undetermined() {
    let scope = Scope::Partition {
        index: 3,
        partitions: 8,
        url: "http://csca.example/crl-3.crl",
    };
    let (status, detail) = revocation_check(&csca_crl(scope, None));
    assert_eq!(status, Status::Skipped, "{detail}");
}
