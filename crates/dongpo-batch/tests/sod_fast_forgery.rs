//! Issue 15 on the batch fast path: it reads the signer with the same code as
//! `Sod::parse`, so the two-SignerInfo forgery, a duplicated messageDigest attribute,
//! trailing bytes and a duplicated data-group number are never answered by it (and
//! `Sod::parse` refuses or reports them).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "../../dongpo-icao/tests/support/cms_tree.rs"]
mod cms_tree;

use cms_tree::{Cms, Node};
use dongpo_icao::Sod;
use dongpo_icao::{KnownCertificates, sod_fast};
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

#[test]
fn fast_path_refuses_what_sod_parse_refuses() {
    let signer = DocumentSigner::new(Profile::P256, 7, 0, &mut KeyStore::default()).unwrap();
    let genuine_sod = signer.document(0).unwrap().sod;
    let other = Sod::parse(&signer.document(1).unwrap().sod)
        .unwrap()
        .cms
        .econtent;
    let genuine = Sod::parse(&genuine_sod).unwrap();
    let known = KnownCertificates::default();
    assert!(sod_fast::parse(&genuine_sod, &known).is_some());
    let content = cms_tree::sod_content(&genuine_sod);
    let digest = genuine.cms.digest_algorithm.digest(&other);

    let mut refused = Vec::new();
    for forged_first in [true, false] {
        refused.push(cms_tree::sod_wrap(&cms_tree::two_signer_forgery(
            &content,
            &other,
            &digest,
            forged_first,
        )));
    }
    let mut dup_attr = Cms::parse(&content).unwrap();
    cms_tree::signed_attrs(dup_attr.signer_infos().kid(0))
        .kids_mut()
        .push(cms_tree::message_digest_attribute(&[&digest]));
    refused.push(cms_tree::sod_wrap(&dup_attr.encode()));
    let mut lds = Node::parse_exact(&genuine.cms.econtent).unwrap();
    let first = lds.kid(2).get(0).clone();
    lds.kid(2).kids_mut().push(first);
    let mut dup_dg = Cms::parse(&content).unwrap();
    dup_dg.set_econtent(&lds.encode());
    refused.push(cms_tree::sod_wrap(&dup_dg.encode()));
    for (i, file) in refused.iter().enumerate() {
        assert!(sod_fast::parse(file, &known).is_none(), "case {i}");
        assert!(Sod::parse(file).is_err(), "case {i}");
    }

    // Trailing bytes: left to Sod::parse, which reports them (quirk trailing-data).
    let trailing = [&genuine_sod[..], &[0u8; 3]].concat();
    assert!(sod_fast::parse(&trailing, &known).is_none());
    let full = Sod::parse(&trailing).unwrap();
    assert_eq!(full.trailing_bytes, 3);
    assert_eq!(full.file_sha256, genuine.file_sha256);
}
