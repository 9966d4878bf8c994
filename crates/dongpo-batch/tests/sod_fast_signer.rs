//! The fast path's borrowed SignerInfo reader (`dongpo-icao/src/lds/sod/signer.rs`) against
//! `Sod::parse` on SignerInfos of every shape it must read or decline: wherever the fast
//! path answers, `Sod::parse` gives the same value; where it must answer, it does.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

#[path = "../../dongpo-icao/tests/support/cms_tree.rs"]
mod cms_tree;

use cms_tree::{Cms, Node};
use common::agrees;
use dongpo_icao::KnownCertificates;
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

/// `contentType` (1.2.840.113549.1.9.3), `signingTime` (1.2.840.113549.1.9.5) and an
/// attribute type dongpo does not read (1.2.840.113549.1.9.52), DER.
const OID_CONTENT_TYPE: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03,
];
const OID_SIGNING_TIME: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
];
const OID_OTHER: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x34,
];

fn attribute(oid: &[u8], values: Vec<Node>) -> Node {
    Node::cons(
        0x30,
        vec![Node::parse_exact(oid).unwrap(), Node::cons(0x31, values)],
    )
}

/// Replaces the signed attributes of type `oid` (if any) by one with `values`.
fn set_attribute(signer_info: &mut Node, oid: &[u8], values: Vec<Node>) {
    let attrs = cms_tree::signed_attrs(signer_info).kids_mut();
    attrs.retain(|a| a.get(0).raw != oid);
    attrs.push(attribute(oid, values));
}

/// The genuine SOD's ContentInfo with its SignerInfo changed by `change`.
fn variant(content: &[u8], change: impl FnOnce(&mut Node)) -> Vec<u8> {
    let mut cms = Cms::parse(content).unwrap();
    change(cms.signer_infos().kid(0));
    cms_tree::sod_wrap(&cms.encode())
}

#[test]
fn borrowed_signer_reader_agrees_on_every_shape() {
    for profile in [Profile::Rsa2048, Profile::P256] {
        let signer = DocumentSigner::new(profile, 11, 0, &mut KeyStore::default()).unwrap();
        let genuine = signer.document(0).unwrap().sod;
        let content = cms_tree::sod_content(&genuine);
        let known = KnownCertificates::default();
        // Twice: the second time the issuer name comes from the reader's cache.
        assert!(agrees(&genuine, &known, "genuine"));
        assert!(agrees(&genuine, &known, "genuine again"));

        let utc = || Node::prim(0x17, b"260101000000Z");
        let octets = || Node::prim(0x04, &[0x55; 32]);
        // (what, change, whether the fast path must answer)
        type Change = Box<dyn FnOnce(&mut Node)>;
        let cases: Vec<(&str, Change, bool)> = vec![
            (
                "subjectKeyIdentifier sid",
                Box::new(move |si: &mut Node| {
                    // RFC 5652 §5.3: version 3 goes with a subjectKeyIdentifier.
                    *si.kid(0) = Node::prim(0x02, &[3]);
                    *si.kid(1) = Node::prim(0x80, &[7; 20]);
                }),
                true,
            ),
            (
                "subjectKeyIdentifier sid under version 1",
                Box::new(move |si: &mut Node| *si.kid(1) = Node::prim(0x80, &[7; 20])),
                false,
            ),
            (
                "issuerAndSerialNumber sid under version 3",
                Box::new(move |si: &mut Node| *si.kid(0) = Node::prim(0x02, &[3])),
                false,
            ),
            (
                "constructed [0] sid",
                Box::new(move |si: &mut Node| *si.kid(1) = Node::cons(0xa0, vec![octets()])),
                false,
            ),
            (
                "signedAttrs reversed",
                Box::new(move |si: &mut Node| cms_tree::signed_attrs(si).kids_mut().reverse()),
                true,
            ),
            (
                "signingTime replaced",
                Box::new(move |si: &mut Node| {
                    set_attribute(si, &OID_SIGNING_TIME, vec![utc()]);
                }),
                true,
            ),
            (
                "signingTime in GeneralizedTime",
                Box::new(move |si: &mut Node| {
                    set_attribute(
                        si,
                        &OID_SIGNING_TIME,
                        vec![Node::prim(0x18, b"20260101000000Z")],
                    );
                }),
                true,
            ),
            (
                "signingTime with two values",
                Box::new(move |si: &mut Node| {
                    set_attribute(si, &OID_SIGNING_TIME, vec![utc(), utc()]);
                }),
                false,
            ),
            (
                "signingTime of the wrong type",
                Box::new(move |si: &mut Node| {
                    set_attribute(si, &OID_SIGNING_TIME, vec![octets()]);
                }),
                false,
            ),
            (
                "unknown attribute without values",
                Box::new(move |si: &mut Node| {
                    cms_tree::signed_attrs(si)
                        .kids_mut()
                        .push(attribute(&OID_OTHER, vec![]));
                }),
                true,
            ),
            (
                "unknown attribute with two values",
                Box::new(move |si: &mut Node| {
                    cms_tree::signed_attrs(si)
                        .kids_mut()
                        .push(attribute(&OID_OTHER, vec![octets(), utc()]));
                }),
                true,
            ),
            (
                "contentType twice",
                Box::new(move |si: &mut Node| {
                    let attrs = cms_tree::signed_attrs(si);
                    let ct = attrs
                        .kids
                        .as_ref()
                        .unwrap()
                        .iter()
                        .find(|a| a.get(0).raw == OID_CONTENT_TYPE)
                        .unwrap()
                        .clone();
                    attrs.kids_mut().push(ct);
                }),
                false,
            ),
            (
                "messageDigest without values",
                Box::new(move |si: &mut Node| {
                    let attrs = cms_tree::signed_attrs(si);
                    let i = cms_tree::message_digest_index(attrs);
                    *attrs.kid(i) = cms_tree::message_digest_attribute(&[]);
                }),
                false,
            ),
            (
                "messageDigest of the wrong type",
                Box::new(move |si: &mut Node| {
                    let attrs = cms_tree::signed_attrs(si);
                    let i = cms_tree::message_digest_index(attrs);
                    *attrs.kid(i) =
                        attribute(&cms_tree::OID_MESSAGE_DIGEST, vec![Node::prim(0x02, &[1])]);
                }),
                false,
            ),
            (
                "attribute not a SEQUENCE",
                Box::new(move |si: &mut Node| {
                    cms_tree::signed_attrs(si).kids_mut().push(octets());
                }),
                false,
            ),
            (
                "empty signedAttrs",
                Box::new(move |si: &mut Node| cms_tree::signed_attrs(si).kids_mut().clear()),
                true,
            ),
            (
                "no signedAttrs",
                Box::new(move |si: &mut Node| si.kids_mut().retain(|n| n.tag != 0xa0)),
                true,
            ),
            (
                "unsignedAttrs",
                Box::new(move |si: &mut Node| {
                    si.kids_mut()
                        .push(Node::cons(0xa1, vec![attribute(&OID_OTHER, vec![utc()])]));
                }),
                true,
            ),
            (
                "version 7",
                Box::new(move |si: &mut Node| *si.kid(0) = Node::prim(0x02, &[7])),
                false,
            ),
            (
                "signature constructed",
                Box::new(move |si: &mut Node| {
                    let last = si.kids_mut().len() - 1;
                    *si.kid(last) = Node::cons(0x24, vec![octets()]);
                }),
                false,
            ),
            (
                "trailing field",
                Box::new(move |si: &mut Node| si.kids_mut().push(octets())),
                false,
            ),
            (
                "serial number of 30 bytes",
                Box::new(move |si: &mut Node| *si.kid(1).kid(1) = Node::prim(0x02, &[0x11; 30])),
                false,
            ),
        ];
        for (what, change, answers) in cases {
            let file = variant(&content, change);
            let what = format!("{}: {what}", profile.name());
            // Twice: a cached issuer name must not change the answer.
            assert_eq!(agrees(&file, &known, &what), answers, "{what}");
            assert_eq!(agrees(&file, &known, &what), answers, "{what} again");
        }
    }
}
