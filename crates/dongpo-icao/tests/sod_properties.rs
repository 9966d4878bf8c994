#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests: every EF.SOD the testkit writes, whatever its data groups, hash and
//! LDS version, is DER that re-encodes to the same bytes and parses back to what went in:
//! each data-group hash, the hash algorithm, the LDS version, the embedded signer, a
//! matching messageDigest and a signature that verifies.

use std::collections::BTreeMap;

use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::Sod;
use dongpo_icao::signed_data::Encoding;
use dongpo_pki::Cert;
use dongpo_testkit::passport::csca_certificate;
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::sod::{self, SodRequest};
use dongpo_testkit::time::Timeline;
use dongpo_testkit::{KeyStore, Profile};
use proptest::prelude::*;

fn hash() -> impl Strategy<Value = HashAlgorithm> {
    prop_oneof![
        Just(HashAlgorithm::Sha1),
        Just(HashAlgorithm::Sha224),
        Just(HashAlgorithm::Sha256),
        Just(HashAlgorithm::Sha384),
        Just(HashAlgorithm::Sha512),
    ]
}

/// Up to 16 distinct data groups with their contents.
fn data_groups() -> impl Strategy<Value = BTreeMap<u8, Vec<u8>>> {
    proptest::collection::btree_map(
        1u8..=16,
        proptest::collection::vec(any::<u8>(), 0..300),
        1..=16,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn sods_round_trip(
        groups in data_groups(),
        hash in hash(),
        lds_v1 in any::<bool>(),
        p256 in any::<bool>(),
        seed in 0u64..4,
    ) {
        let profile = if p256 { Profile::P256 } else { Profile::Rsa2048 };
        let (signer, key) =
            csca_certificate(profile, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap();
        let hashed: Vec<(u8, &[u8])> = groups.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let signed = sod::build(
            &SodRequest {
                hash,
                data_groups: &hashed,
                lds_v1,
                dsc: &signer,
                dsc_key: &key,
                algorithm: profile.signature_algorithm(),
                signing_time: Timeline::CURRENT.signing_time,
                content_type: dongpo_icao::oid::LDS_SECURITY_OBJECT,
                wrong_message_digest: false,
                corrupt_signature: false,
            },
            &mut SeededRng::new(seed, "sod-properties"),
        )
        .unwrap();
        let content_info = cms::content_info::ContentInfo::from_der(&signed.content_info).unwrap();
        prop_assert_eq!(content_info.to_der().unwrap(), signed.content_info.clone());

        let parsed = Sod::parse(&sod::wrap(&signed.content_info)).unwrap();
        prop_assert!(parsed.wrapped);
        prop_assert_eq!(parsed.cms.encoding, Encoding::Der);
        prop_assert_eq!(parsed.lds_hash, hash);
        let expected: BTreeMap<u8, Vec<u8>> =
            groups.iter().map(|(n, b)| (*n, hash.digest(b))).collect();
        prop_assert_eq!(&parsed.dg_hashes, &expected);
        prop_assert_eq!(parsed.lds_version().is_some(), lds_v1);
        prop_assert!(parsed.cms.message_digest_matches());
        prop_assert_eq!(&parsed.cms.certificates, &vec![signer.to_der().unwrap()]);
        let (embedded, _) = parsed.cms.find_signer().unwrap();
        prop_assert_eq!(&embedded.der, &Cert::parse(&signer.to_der().unwrap()).unwrap().der);
        prop_assert!(parsed.cms.verify_signature(&embedded, &Verifier::new()).is_ok());
    }
}
