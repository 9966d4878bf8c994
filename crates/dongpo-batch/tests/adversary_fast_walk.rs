//! Adversarial review of the EF.SOD fast path's hand walk (`walk.rs`, `signer.rs`,
//! `lds.rs`): hostile variants of genuine SODs, each required to give `None` from the
//! fast path or exactly what `Sod::parse` gives (`common::agrees`). Two parts: a
//! structured mutation of every TLV node of every synthetic SOD (non-minimal lengths,
//! other tags, children removed, repeated, swapped, added; primitive values emptied,
//! padded, cut), and hand-picked shapes (INTEGER and OID encodings, algorithm parameters,
//! SET OF order and duplicates, times, sids, certificates, wrapper variations).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::agrees;
use dongpo_icao::KnownCertificates;

/// A TLV tree with one-byte tags and definite lengths; a primitive OCTET STRING whose
/// value is itself one constructed TLV (the eContent) is walked into as well.
#[derive(Clone, Debug)]
struct T {
    tag: u8,
    /// Extra leading zero length octets (0: the DER length).
    pad: usize,
    /// The value of a primitive node.
    value: Vec<u8>,
    /// The children of a constructed (or encapsulating) node.
    kids: Option<Vec<T>>,
}

fn length(len: usize, pad: usize) -> Vec<u8> {
    if pad == 0 && len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mut digits = vec![0u8; pad.saturating_sub(usize::from(len < 0x80 && pad > 0))];
    digits.extend_from_slice(&bytes[skip..]);
    if digits.is_empty() {
        digits.push(0);
    }
    let mut out = vec![0x80 | digits.len() as u8];
    out.extend_from_slice(&digits);
    out
}

impl T {
    fn parse(bytes: &[u8]) -> Option<(T, usize)> {
        let tag = *bytes.first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let first = *bytes.get(1)?;
        let (len, header) = match first {
            0..=0x7f => (usize::from(first), 2),
            0x81..=0x84 => {
                let n = usize::from(first & 0x7f);
                let mut len = 0usize;
                for b in bytes.get(2..2 + n)? {
                    len = (len << 8) | usize::from(*b);
                }
                (len, 2 + n)
            }
            _ => return None,
        };
        let value = bytes.get(header..header + len)?.to_vec();
        let kids = if tag & 0x20 != 0 {
            Some(T::parse_all(&value)?)
        } else if tag == 0x04 {
            T::parse_all(&value).filter(|k| k.len() == 1 && k[0].kids.is_some() && k[0].tag == 0x30)
        } else {
            None
        };
        Some((
            T {
                tag,
                pad: 0,
                value,
                kids,
            },
            header + len,
        ))
    }

    fn parse_all(mut bytes: &[u8]) -> Option<Vec<T>> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (t, used) = T::parse(bytes)?;
            out.push(t);
            bytes = &bytes[used..];
        }
        Some(out)
    }

    fn value_bytes(&self) -> Vec<u8> {
        match &self.kids {
            Some(kids) => kids.iter().flat_map(T::encode).collect(),
            None => self.value.clone(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let value = self.value_bytes();
        let mut out = vec![self.tag];
        out.extend(length(value.len(), self.pad));
        out.extend(value);
        out
    }

    fn prim(tag: u8, value: &[u8]) -> T {
        T {
            tag,
            pad: 0,
            value: value.to_vec(),
            kids: None,
        }
    }

    fn cons(tag: u8, kids: Vec<T>) -> T {
        T {
            tag,
            pad: 0,
            value: Vec::new(),
            kids: Some(kids),
        }
    }

    /// Index paths of every node, the root's (empty) first.
    fn paths(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new()];
        if let Some(kids) = &self.kids {
            for (i, kid) in kids.iter().enumerate() {
                for mut path in kid.paths() {
                    path.insert(0, i);
                    out.push(path);
                }
            }
        }
        out
    }

    fn at(&mut self, path: &[usize]) -> &mut T {
        match path.split_first() {
            None => self,
            Some((i, rest)) => self.kids.as_mut().unwrap()[*i].at(rest),
        }
    }

    fn get(&self, path: &[usize]) -> &T {
        match path.split_first() {
            None => self,
            Some((i, rest)) => self.kids.as_ref().unwrap()[*i].get(rest),
        }
    }
}

/// The genuine EF.SOD of every synthetic profile.
fn genuine_sods() -> Vec<(String, Vec<u8>)> {
    common::synthetic_dirs()
        .into_iter()
        .filter(|(name, _)| name.ends_with("/genuine"))
        .map(|(name, dir)| (name, std::fs::read(dir.join("EF_SOD.bin")).unwrap()))
        .collect()
}

/// Elements added to constructed nodes, and swapped in for primitive values.
fn extras() -> Vec<T> {
    vec![
        T::prim(0x05, &[]),
        T::prim(0x04, &[]),
        T::prim(0x02, &[0]),
        T::prim(0x02, &[0x00, 0x01]),
        T::prim(0x02, &[0xff]),
        T::cons(0x30, vec![]),
        T::cons(0x31, vec![]),
        T::cons(0xa0, vec![]),
        T::cons(0xa1, vec![]),
        T::prim(0x80, &[1]),
        T::prim(0x06, &[0x2a, 0x80, 0x01]),
        T::prim(0x17, b"491231235959Z"),
    ]
}

/// Every variant of `node` alone (the caller puts it back into the tree).
fn variants(node: &T) -> Vec<T> {
    let mut out = Vec::new();
    for pad in [1, 2] {
        let mut v = node.clone();
        v.pad = pad;
        out.push(v);
    }
    for tag in [
        node.tag ^ 0x20,
        0x04,
        0x05,
        0x02,
        0x06,
        0x30,
        0x31,
        0xa0,
        0xa1,
        0x80,
        0x13,
        0x17,
        0x18,
        0x24,
        0x77,
    ] {
        if tag != node.tag {
            let mut v = node.clone();
            v.tag = tag;
            if tag & 0x20 == 0 || v.kids.is_none() {
                // Keep the bytes: a primitive tag over the children's encoding.
                v.value = node.value_bytes();
                v.kids = None;
            }
            out.push(v);
        }
    }
    match &node.kids {
        Some(kids) => {
            let n = kids.len();
            for (i, kid) in kids.iter().enumerate() {
                let mut v = node.clone();
                v.kids.as_mut().unwrap().remove(i);
                out.push(v);
                let mut v = node.clone();
                v.kids.as_mut().unwrap().insert(i, kid.clone());
                out.push(v);
                if i + 1 < n {
                    let mut v = node.clone();
                    v.kids.as_mut().unwrap().swap(i, i + 1);
                    out.push(v);
                }
            }
            let mut v = node.clone();
            v.kids.as_mut().unwrap().reverse();
            out.push(v);
            for extra in extras() {
                let mut v = node.clone();
                v.kids.as_mut().unwrap().push(extra.clone());
                out.push(v);
                let mut v = node.clone();
                v.kids.as_mut().unwrap().insert(0, extra);
                out.push(v);
            }
        }
        None => {
            let value = &node.value;
            let mut edits: Vec<Vec<u8>> = vec![Vec::new(), vec![0x00], vec![0x80]];
            for prefix in [0x00u8, 0xff, 0x80] {
                let mut v = vec![prefix];
                v.extend_from_slice(value);
                edits.push(v);
            }
            if !value.is_empty() {
                edits.push(value[..value.len() - 1].to_vec());
                edits.push(value[1..].to_vec());
                let mut v = value.clone();
                v.push(0x00);
                edits.push(v);
                let mut v = value.clone();
                v[0] ^= 0x80;
                edits.push(v);
                let mut v = value.clone();
                let last = v.len() - 1;
                v[last] ^= 0x80;
                edits.push(v);
            }
            for value in edits {
                let mut v = node.clone();
                v.value = value;
                out.push(v);
            }
            for extra in extras() {
                out.push(extra);
            }
        }
    }
    out
}

/// Runs every variant of every node of `sod` through `agrees`: how many there were and
/// how many the fast path answered.
fn mutate(name: &str, sod: &[u8], known: &KnownCertificates) -> (usize, usize) {
    let (tree, used) = T::parse(sod).unwrap();
    assert_eq!(used, sod.len());
    assert_eq!(tree.encode(), sod, "{name}: the tree re-encodes the file");
    let (mut total, mut answered) = (0, 0);
    for path in tree.paths() {
        for variant in variants(tree.get(&path)) {
            let mut forged = tree.clone();
            *forged.at(&path) = variant;
            let file = forged.encode();
            total += 1;
            if agrees(&file, known, &format!("{name} node {path:?}: {file:02x?}")) {
                answered += 1;
            }
        }
    }
    (total, answered)
}

#[test]
fn every_node_mutated_agrees() {
    let known = KnownCertificates::default();
    let (mut total, mut answered) = (0, 0);
    let sods = genuine_sods();
    assert!(sods.len() >= 9, "{}", sods.len());
    for (name, sod) in &sods {
        assert!(agrees(sod, &known, name), "{name}: genuine is fast");
        let (t, a) = mutate(name, sod, &known);
        total += t;
        answered += a;
    }
    // The mutations reach the fast path's answers, not only its refusals (a variant
    // that only changes an unread value, e.g. a hash byte, is answered).
    assert!(total > 10_000, "{total}");
    assert!(answered > total / 20, "{answered} of {total}");
}

/// Paths into the tree of a genuine SOD (`77 { ContentInfo { OID, [0] { SignedData } } }`).
const SIGNED_DATA: [usize; 3] = [0, 1, 0];

fn signed_data(t: &mut T) -> &mut T {
    t.at(&SIGNED_DATA)
}

fn signer_info(t: &mut T) -> &mut T {
    let sd = signed_data(t);
    let last = sd.kids.as_ref().unwrap().len() - 1;
    sd.at(&[last, 0])
}

fn signed_attrs(t: &mut T) -> &mut T {
    signer_info(t).at(&[3])
}

fn lds(t: &mut T) -> &mut T {
    signed_data(t).at(&[2, 1, 0, 0])
}

fn oid(bytes: &[u8]) -> T {
    T::prim(0x06, bytes)
}

const SHA1: [u8; 5] = [0x2b, 0x0e, 0x03, 0x02, 0x1a];
const SHA256: [u8; 9] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const ATTR_SIGNING_TIME: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
/// 1.2.840.113549.1.9.52 (CMSAlgorithmProtection): an attribute dongpo does not read.
const ATTR_OTHER: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x34];

fn attribute(kind: &[u8], values: Vec<T>) -> T {
    T::cons(0x30, vec![oid(kind), T::cons(0x31, values)])
}

fn algorithm(kind: &[u8], parameters: Option<T>) -> T {
    let mut kids = vec![oid(kind)];
    kids.extend(parameters);
    T::cons(0x30, kids)
}

/// Applies `edit` to the tree of every genuine SOD and checks agreement: how many of the
/// SODs the fast path answered.
fn each(what: &str, edit: impl Fn(&mut T)) -> usize {
    let known = KnownCertificates::default();
    let mut answered = 0;
    for (name, sod) in genuine_sods() {
        let mut tree = T::parse(&sod).unwrap().0;
        edit(&mut tree);
        let file = tree.encode();
        if agrees(&file, &known, &format!("{name}: {what}")) {
            answered += 1;
        }
    }
    answered
}

/// A named edit of the tree, with whether the fast path must answer it.
type Case = (&'static str, Option<bool>, Box<dyn Fn(&mut T)>);

/// Every case, with whether the fast path must answer it (`Some(true)`), must decline
/// it (`Some(false)`), or may do either (`None`); agreement is checked for all.
fn check(cases: Vec<Case>) {
    let mut wrong = Vec::new();
    for (what, expected, edit) in cases {
        let answered = each(what, edit);
        match expected {
            Some(true) if answered == 0 => wrong.push(format!("{what}: never answered")),
            Some(false) if answered > 0 => wrong.push(format!("{what}: answered {answered}")),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn integers_of_every_encoding() {
    let mut cases: Vec<Case> = Vec::new();
    // SignedData version: CMSVersion 0..=5 decode, nothing else.
    for (what, value, answer) in [
        ("SignedData v0", &[0u8][..], Some(true)),
        ("SignedData v5", &[5], Some(true)),
        ("SignedData v6", &[6], Some(false)),
        ("SignedData v3 with a leading zero", &[0, 3], Some(false)),
        ("SignedData version negative", &[0xff], Some(false)),
        ("SignedData version empty", &[], Some(false)),
    ] {
        cases.push((
            what,
            answer,
            Box::new(move |t| signed_data(t).at(&[0]).value = value.to_vec()),
        ));
    }
    // SignerInfo version against its sid.
    for (what, value, answer) in [
        (
            "SignerInfo v3 with issuerAndSerialNumber",
            &[3u8][..],
            Some(false),
        ),
        ("SignerInfo v1 with a leading zero", &[0, 1], Some(false)),
        ("SignerInfo v0", &[0], Some(false)),
    ] {
        cases.push((
            what,
            answer,
            Box::new(move |t| signer_info(t).at(&[0]).value = value.to_vec()),
        ));
    }
    // Serial numbers: as `SerialNumber` decodes them (negative, zero, 20 and 21 octets).
    for (what, value) in [
        ("serial negative", vec![0xff]),
        ("serial zero", vec![0x00]),
        ("serial with a superfluous zero", vec![0x00, 0x01]),
        ("serial 0x80 with its zero", vec![0x00, 0x80]),
        ("serial empty", vec![]),
        ("serial 20 octets", vec![0x7f; 20]),
        ("serial 21 octets", vec![0x7f; 21]),
        ("serial 21 octets, leading zero", {
            let mut v = vec![0x00];
            v.extend([0xff; 20]);
            v
        }),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| signer_info(t).at(&[1, 1]).value = value.clone()),
        ));
    }
    // LDSSecurityObject version and data-group numbers (a shared reader, walked too).
    for (what, value) in [
        ("LDS version 2", vec![2u8]),
        ("LDS version 255", vec![0x00, 0xff]),
        ("LDS version 0x00 0x01", vec![0x00, 0x01]),
        ("LDS version 256", vec![0x01, 0x00]),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| lds(t).at(&[0]).value = value.clone()),
        ));
    }
    for (what, value) in [
        ("DG number 0", vec![0u8]),
        ("DG number 255", vec![0x00, 0xff]),
        ("DG number 0x80 unpadded", vec![0x80]),
        ("DG number with a superfluous zero", vec![0x00, 0x01]),
        ("DG number 256", vec![0x01, 0x00]),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| lds(t).at(&[2, 0, 0]).value = value.clone()),
        ));
    }
    check(cases);
}

#[test]
fn object_identifiers_of_odd_encodings() {
    let odd: Vec<(&str, Vec<u8>)> = vec![
        ("leading 0x80 arc octet", vec![0x2a, 0x80, 0x86, 0x48]),
        ("huge arc", {
            let mut v = vec![0x2a];
            v.extend([0xff; 12]);
            v.push(0x7f);
            v
        }),
        ("40 octets", vec![0x2a; 40]),
        ("39 octets", vec![0x2a; 39]),
        ("unfinished arc", vec![0x2a, 0x86]),
        ("empty", vec![]),
        ("first arc 2, large", vec![0x88, 0x37, 0x01]),
        ("sha256 with a trailing 0x80 0x00", {
            let mut v = SHA256.to_vec();
            v.extend([0x80, 0x00]);
            v
        }),
    ];
    let mut cases: Vec<Case> = Vec::new();
    for (what, value) in odd {
        for place in [
            "eContentType",
            "attribute type",
            "signature algorithm",
            "digestAlgorithms",
        ] {
            let value = value.clone();
            let what: &str = Box::leak(format!("{place}: {what}").into_boxed_str());
            cases.push((
                what,
                None,
                Box::new(move |t| match place {
                    "eContentType" => signed_data(t).at(&[2, 0]).value = value.clone(),
                    "attribute type" => signed_attrs(t)
                        .kids
                        .as_mut()
                        .unwrap()
                        .push(attribute(&value, vec![T::prim(0x05, &[])])),
                    "signature algorithm" => signer_info(t).at(&[4, 0]).value = value.clone(),
                    _ => signed_data(t)
                        .at(&[1])
                        .kids
                        .as_mut()
                        .unwrap()
                        .push(algorithm(&value, None)),
                }),
            ));
        }
    }
    check(cases);
}

#[test]
fn algorithm_parameters_and_set_of_order() {
    let params: Vec<(&str, Option<T>)> = vec![
        ("absent", None),
        ("NULL", Some(T::prim(0x05, &[]))),
        ("NULL with content", Some(T::prim(0x05, &[0x00]))),
        ("empty SEQUENCE", Some(T::cons(0x30, vec![]))),
        (
            "SEQUENCE with a non-minimal length inside",
            Some(T::prim(0x30, &[0x04, 0x81, 0x01, 0xaa])),
        ),
        (
            "SEQUENCE with an indefinite length inside",
            Some(T::prim(0x30, &[0x30, 0x80, 0x00, 0x00])),
        ),
        ("SEQUENCE holding garbage", Some(T::prim(0x30, &[0xff]))),
        ("OCTET STRING", Some(T::prim(0x04, &[1]))),
        ("primitive SEQUENCE tag", Some(T::prim(0x10, &[]))),
        ("two parameters", None),
    ];
    let mut cases: Vec<Case> = Vec::new();
    for (what, p) in params {
        let two = what == "two parameters";
        let p2 = p.clone();
        let what_sig: &str =
            Box::leak(format!("signatureAlgorithm parameters {what}").into_boxed_str());
        cases.push((
            what_sig,
            None,
            Box::new(move |t| {
                let alg = signer_info(t).at(&[4]);
                let kids = alg.kids.as_mut().unwrap();
                kids.truncate(1);
                kids.extend(p2.clone());
                if two {
                    kids.push(T::prim(0x05, &[]));
                    kids.push(T::prim(0x05, &[]));
                }
            }),
        ));
        let p3 = p.clone();
        let what_digest: &str =
            Box::leak(format!("SignerInfo digestAlgorithm parameters {what}").into_boxed_str());
        cases.push((
            what_digest,
            None,
            Box::new(move |t| {
                let alg = signer_info(t).at(&[2]);
                let kids = alg.kids.as_mut().unwrap();
                kids.truncate(1);
                kids.extend(p3.clone());
            }),
        ));
        let what_set: &str =
            Box::leak(format!("digestAlgorithms entry parameters {what}").into_boxed_str());
        cases.push((
            what_set,
            None,
            Box::new(move |t| {
                signed_data(t)
                    .at(&[1])
                    .kids
                    .as_mut()
                    .unwrap()
                    .push(algorithm(&SHA1, p.clone()));
            }),
        ));
        let p4 = p_clone_for_lds(what);
        let what_lds: &str =
            Box::leak(format!("LDS hashAlgorithm parameters {what}").into_boxed_str());
        cases.push((
            what_lds,
            None,
            Box::new(move |t| {
                let alg = lds(t).at(&[1]);
                let kids = alg.kids.as_mut().unwrap();
                kids.truncate(1);
                kids.extend(p4.clone());
            }),
        ));
    }
    // SET OF order and duplicates.
    cases.push((
        "digestAlgorithms empty",
        Some(true),
        Box::new(|t| signed_data(t).at(&[1]).kids = Some(vec![])),
    ));
    cases.push((
        "digestAlgorithms out of DER order (sha256, sha1)",
        Some(true),
        Box::new(|t| {
            signed_data(t).at(&[1]).kids =
                Some(vec![algorithm(&SHA256, None), algorithm(&SHA1, None)]);
        }),
    ));
    cases.push((
        "digestAlgorithms the same twice",
        Some(true),
        Box::new(|t| {
            let set = signed_data(t).at(&[1]);
            let first = set.get(&[0]).clone();
            set.kids.as_mut().unwrap().push(first);
        }),
    ));
    cases.push((
        "signedAttrs reversed",
        Some(true),
        Box::new(|t| signed_attrs(t).kids.as_mut().unwrap().reverse()),
    ));
    cases.push((
        "signedAttrs empty",
        Some(true),
        Box::new(|t| signed_attrs(t).kids = Some(vec![])),
    ));
    cases.push((
        "signedAttrs as a primitive [0]",
        Some(false),
        Box::new(|t| {
            let attrs = signed_attrs(t);
            attrs.value = attrs.value_bytes();
            attrs.kids = None;
            attrs.tag = 0x80;
        }),
    ));
    cases.push((
        "signedAttrs tagged SET",
        Some(false),
        Box::new(|t| signed_attrs(t).tag = 0x31),
    ));
    cases.push((
        "signedAttrs absent",
        Some(true),
        Box::new(|t| {
            signer_info(t).kids.as_mut().unwrap().remove(3);
        }),
    ));
    for (what, values) in [
        ("unknown attribute, no value", vec![]),
        (
            "unknown attribute, values out of order",
            vec![T::prim(0x04, &[2]), T::prim(0x04, &[1])],
        ),
        (
            "unknown attribute, one value twice",
            vec![T::prim(0x04, &[1]), T::prim(0x04, &[1])],
        ),
        (
            "unknown attribute, a value with a non-minimal length",
            vec![T::prim(0x04, &[1]).padded()],
        ),
        (
            "unknown attribute, constructed value with odd inside",
            vec![T::prim(0x30, &[0x04, 0x81, 0x01, 0xaa])],
        ),
        (
            "unknown attribute, a long-form tag value",
            vec![T::prim(0x1f, &[0x1f, 0x00])],
        ),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| {
                signed_attrs(t)
                    .kids
                    .as_mut()
                    .unwrap()
                    .push(attribute(&ATTR_OTHER, values.clone()));
            }),
        ));
    }
    cases.push((
        "unknown attribute twice",
        Some(false),
        Box::new(|t| {
            let kids = signed_attrs(t).kids.as_mut().unwrap();
            kids.push(attribute(&ATTR_OTHER, vec![T::prim(0x05, &[])]));
            kids.push(attribute(&ATTR_OTHER, vec![T::prim(0x04, &[])]));
        }),
    ));
    cases.push((
        "unknown attribute with a trailing element",
        Some(false),
        Box::new(|t| {
            let mut a = attribute(&ATTR_OTHER, vec![T::prim(0x05, &[])]);
            a.kids.as_mut().unwrap().push(T::prim(0x05, &[]));
            signed_attrs(t).kids.as_mut().unwrap().push(a);
        }),
    ));
    check(cases);
}

/// The LDS parameters case uses the same list; kept apart so the closure owns its own.
fn p_clone_for_lds(what: &str) -> Option<T> {
    match what {
        "NULL" => Some(T::prim(0x05, &[])),
        "NULL with content" => Some(T::prim(0x05, &[0x00])),
        "empty SEQUENCE" => Some(T::cons(0x30, vec![])),
        "OCTET STRING" => Some(T::prim(0x04, &[1])),
        _ => None,
    }
}

impl T {
    fn padded(mut self) -> T {
        self.pad = 1;
        self
    }
}

#[test]
fn signing_times_sids_and_digests() {
    let mut cases: Vec<Case> = Vec::new();
    for (what, time) in [
        ("UTCTime", T::prim(0x17, b"491231235959Z")),
        ("UTCTime without seconds", T::prim(0x17, b"4912312359Z")),
        (
            "UTCTime with an offset",
            T::prim(0x17, b"491231235959+0100"),
        ),
        ("UTCTime 1950", T::prim(0x17, b"500101000000Z")),
        ("UTCTime month 13", T::prim(0x17, b"491331235959Z")),
        ("UTCTime leap second", T::prim(0x17, b"491231235960Z")),
        ("GeneralizedTime 2049", T::prim(0x18, b"20491231235959Z")),
        ("GeneralizedTime 2050", T::prim(0x18, b"20500101000000Z")),
        (
            "GeneralizedTime with a fraction",
            T::prim(0x18, b"20501231235959.5Z"),
        ),
        ("GeneralizedTime local", T::prim(0x18, b"20501231235959")),
        (
            "GeneralizedTime year 9999",
            T::prim(0x18, b"99991231235959Z"),
        ),
        (
            "constructed UTCTime",
            T::cons(0x37, vec![T::prim(0x04, b"491231235959Z")]),
        ),
        ("OCTET STRING", T::prim(0x04, b"491231235959Z")),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| {
                let kids = signed_attrs(t).kids.as_mut().unwrap();
                kids.retain(|a| a.get(&[0]).value != ATTR_SIGNING_TIME);
                kids.push(attribute(&ATTR_SIGNING_TIME, vec![time.clone()]));
            }),
        ));
    }
    cases.push((
        "signingTime with two values",
        Some(false),
        Box::new(|t| {
            let kids = signed_attrs(t).kids.as_mut().unwrap();
            kids.retain(|a| a.get(&[0]).value != ATTR_SIGNING_TIME);
            kids.push(attribute(
                &ATTR_SIGNING_TIME,
                vec![
                    T::prim(0x17, b"491231235959Z"),
                    T::prim(0x17, b"481231235959Z"),
                ],
            ));
        }),
    ));
    for (what, version, key_id) in [
        ("keyId sid, v3", 3u8, vec![1u8, 2, 3]),
        ("empty keyId sid, v3", 3, vec![]),
        ("keyId sid, v1", 1, vec![1, 2, 3]),
    ] {
        cases.push((
            what,
            if version == 3 {
                Some(true)
            } else {
                Some(false)
            },
            Box::new(move |t| {
                let si = signer_info(t);
                si.at(&[0]).value = vec![version];
                *si.at(&[1]) = T::prim(0x80, &key_id);
            }),
        ));
    }
    cases.push((
        "keyId sid, constructed [0]",
        Some(false),
        Box::new(|t| {
            let si = signer_info(t);
            si.at(&[0]).value = vec![3];
            *si.at(&[1]) = T::cons(0xa0, vec![T::prim(0x04, &[1])]);
        }),
    ));
    for (what, issuer) in [
        ("issuer empty", T::cons(0x30, vec![])),
        (
            "issuer with an empty RDN",
            T::cons(0x30, vec![T::cons(0x31, vec![])]),
        ),
        (
            "issuer RDN unsorted",
            T::cons(
                0x30,
                vec![T::cons(
                    0x31,
                    vec![
                        T::cons(0x30, vec![oid(&[0x55, 0x04, 0x0a]), T::prim(0x13, b"B")]),
                        T::cons(0x30, vec![oid(&[0x55, 0x04, 0x03]), T::prim(0x13, b"A")]),
                    ],
                )],
            ),
        ),
        (
            "issuer PrintableString with a bad character",
            T::cons(
                0x30,
                vec![T::cons(
                    0x31,
                    vec![T::cons(
                        0x30,
                        vec![oid(&[0x55, 0x04, 0x03]), T::prim(0x13, b"A@")],
                    )],
                )],
            ),
        ),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| *signer_info(t).at(&[1, 0]) = issuer.clone()),
        ));
    }
    for (what, digest) in [
        ("messageDigest empty", T::prim(0x04, &[])),
        (
            "messageDigest constructed",
            T::cons(0x24, vec![T::prim(0x04, &[1])]),
        ),
        ("messageDigest BIT STRING", T::prim(0x03, &[0, 1])),
    ] {
        cases.push((
            what,
            None,
            Box::new(move |t| {
                let attrs = signed_attrs(t);
                let i = (0..attrs.kids.as_ref().unwrap().len())
                    .find(|&i| attrs.get(&[i, 0]).value.ends_with(&[0x09, 0x04]))
                    .unwrap();
                attrs.at(&[i, 1]).kids = Some(vec![digest.clone()]);
            }),
        ));
    }
    cases.push((
        "signature empty",
        Some(true),
        Box::new(|t| signer_info(t).at(&[5]).value = vec![]),
    ));
    cases.push((
        "signature constructed",
        Some(false),
        Box::new(|t| {
            let sig = signer_info(t).at(&[5]);
            *sig = T::cons(0x24, vec![T::prim(0x04, &sig.value.clone())]);
        }),
    ));
    // unsignedAttrs: the borrowed signer reader declines, the fast path then reads the
    // signer with `SignerFields::read` (the full reader): answered, and the same.
    cases.push((
        "unsignedAttrs",
        None,
        Box::new(|t| {
            signer_info(t).kids.as_mut().unwrap().push(T::cons(
                0xa1,
                vec![attribute(&ATTR_OTHER, vec![T::prim(0x05, &[])])],
            ));
        }),
    ));
    cases.push((
        "empty unsignedAttrs",
        None,
        Box::new(|t| {
            signer_info(t)
                .kids
                .as_mut()
                .unwrap()
                .push(T::cons(0xa1, vec![]))
        }),
    ));
    cases.push((
        "a stray [0] after the signature",
        Some(false),
        Box::new(|t| {
            signer_info(t)
                .kids
                .as_mut()
                .unwrap()
                .push(T::cons(0xa0, vec![]))
        }),
    ));
    check(cases);
}

#[test]
fn certificates_econtent_and_wrapper() {
    let mut cases: Vec<Case> = Vec::new();
    let certs_index = |t: &mut T| {
        let sd = signed_data(t);
        (0..sd.kids.as_ref().unwrap().len()).find(|&i| sd.get(&[i]).tag == 0xa0)
    };
    cases.push((
        "certificates empty",
        Some(true),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                signed_data(t).at(&[i]).kids = Some(vec![]);
            }
        }),
    ));
    cases.push((
        "certificates absent",
        Some(true),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                signed_data(t).kids.as_mut().unwrap().remove(i);
            }
        }),
    ));
    cases.push((
        "the certificate twice",
        Some(false),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                let set = signed_data(t).at(&[i]);
                let cert = set.get(&[0]).clone();
                set.kids.as_mut().unwrap().push(cert);
            }
        }),
    ));
    cases.push((
        "certificates [0] twice",
        Some(false),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                let set = signed_data(t).get(&[i]).clone();
                signed_data(t).kids.as_mut().unwrap().insert(i, set);
            }
        }),
    ));
    cases.push((
        "certificate with a non-minimal length",
        Some(false),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                signed_data(t).at(&[i, 0]).pad = 1;
            }
        }),
    ));
    cases.push((
        "an attribute certificate [2] for the certificate",
        Some(false),
        Box::new(move |t| {
            if let Some(i) = certs_index(t) {
                signed_data(t).at(&[i, 0]).tag = 0xa2;
            }
        }),
    ));
    cases.push((
        "crls [1]",
        Some(false),
        Box::new(|t| {
            let sd = signed_data(t);
            let last = sd.kids.as_ref().unwrap().len() - 1;
            sd.kids
                .as_mut()
                .unwrap()
                .insert(last, T::cons(0xa1, vec![]));
        }),
    ));
    cases.push((
        "eContent constructed",
        Some(false),
        Box::new(|t| {
            let econtent = signed_data(t).at(&[2, 1, 0]);
            let inner = econtent.clone();
            *econtent = T::cons(0x24, vec![inner]);
        }),
    ));
    cases.push((
        "eContent empty",
        Some(false),
        Box::new(|t| *signed_data(t).at(&[2, 1, 0]) = T::prim(0x04, &[])),
    ));
    cases.push((
        "eContent absent",
        Some(false),
        Box::new(|t| {
            signed_data(t).at(&[2]).kids.as_mut().unwrap().truncate(1);
        }),
    ));
    cases.push((
        "eContentType id-data",
        Some(true),
        Box::new(|t| {
            signed_data(t).at(&[2, 0]).value =
                vec![0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
        }),
    ));
    cases.push((
        "wrapper with a non-minimal length",
        Some(false),
        Box::new(|t| t.pad = 1),
    ));
    cases.push((
        "ContentInfo with a non-minimal length",
        Some(false),
        Box::new(|t| t.at(&[0]).pad = 1),
    ));
    cases.push((
        "wrapper 0x57 (primitive)",
        Some(false),
        Box::new(|t| {
            t.value = t.value_bytes();
            t.kids = None;
            t.tag = 0x57;
        }),
    ));
    cases.push((
        "ContentInfo twice in the wrapper",
        Some(false),
        Box::new(|t| {
            let ci = t.get(&[0]).clone();
            t.kids.as_mut().unwrap().push(ci);
        }),
    ));
    cases.push((
        "LDS version info with an extra field",
        None,
        Box::new(|t| {
            let l = lds(t);
            let n = l.kids.as_ref().unwrap().len();
            if n == 4 {
                l.at(&[3]).kids.as_mut().unwrap().push(T::prim(0x13, b"x"));
            }
        }),
    ));
    cases.push((
        "LDS v0 with version info, v1 without",
        None,
        Box::new(|t| {
            let l = lds(t);
            let n = l.kids.as_ref().unwrap().len();
            if n == 4 {
                l.at(&[0]).value = vec![0];
            } else {
                l.at(&[0]).value = vec![1];
            }
        }),
    ));
    cases.push((
        "LDS hash list empty",
        Some(true),
        Box::new(|t| lds(t).at(&[2]).kids = Some(vec![])),
    ));
    check(cases);
    // Whole-file shapes: trailing bytes, a bare ContentInfo, a long-form 0x77 tag.
    let known = KnownCertificates::default();
    for (name, sod) in genuine_sods() {
        let mut trailing = sod.clone();
        trailing.push(0);
        assert!(!agrees(&trailing, &known, &name));
        let tree = T::parse(&sod).unwrap().0;
        let bare = tree.get(&[0]).encode();
        assert!(!agrees(&bare, &known, &name));
        let mut long_tag = vec![0x7f, 0x17];
        long_tag.extend_from_slice(&sod[1..]);
        assert!(!agrees(&long_tag, &known, &name));
    }
}

/// Finding: both signer readers refused a repeated attribute type by searching a list of
/// the types seen, a comparison of every pair: 9,000 distinct attributes (82 kB) cost
/// 0.28 s on the fast path and 0.37 s in `Sod::parse`, and a request body of a few
/// megabytes minutes. 40,000 (about 360 kB) took over 10 s before the set; now they are
/// read in milliseconds, and agree.
#[test]
fn many_distinct_attributes_cost_linear_work() {
    let (name, sod) = genuine_sods().remove(0);
    let mut tree = T::parse(&sod).unwrap().0;
    let kids = signed_attrs(&mut tree).kids.as_mut().unwrap();
    for i in 0..40_000u32 {
        let kind = [
            0x2a,
            0x80 | (1 + (i >> 14)) as u8,
            0x80 | ((i >> 7) & 0x7f) as u8,
            (i & 0x7f) as u8,
        ];
        kids.push(attribute(&kind, vec![]));
    }
    let file = tree.encode();
    let known = KnownCertificates::default();
    let start = std::time::Instant::now();
    assert!(agrees(&file, &known, &name), "{name}: answered");
    let elapsed = start.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "{name}: {} bytes took {elapsed:?}",
        file.len()
    );
}

/// Two or three mutations at once (seeded, reproducible): a non-minimal length together
/// with a tag change, a duplicated child with a trailing element, and so on.
#[test]
fn combined_mutations_agree() {
    let known = KnownCertificates::default();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let (mut total, mut answered) = (0, 0);
    for (name, sod) in genuine_sods() {
        let genuine = T::parse(&sod).unwrap().0;
        for round in 0..400 {
            let mut tree = genuine.clone();
            let mut done = Vec::new();
            for _ in 0..2 + next(2) {
                // Inside the certificate only the certificate itself: its own fields
                // are the certificate decoder's, and would take most of the draws.
                let paths: Vec<_> = tree
                    .paths()
                    .into_iter()
                    .filter(|p| {
                        !(p.len() > 5 && p[..3] == SIGNED_DATA && tree.get(&p[..4]).tag == 0xa0)
                    })
                    .collect();
                let path = paths[next(paths.len())].clone();
                let options = variants(tree.get(&path));
                let choice = next(options.len());
                *tree.at(&path) = options[choice].clone();
                done.push((path, choice));
            }
            total += 1;
            if agrees(
                &tree.encode(),
                &known,
                &format!("{name} round {round}: {done:?}"),
            ) {
                answered += 1;
            }
        }
    }
    assert!(total >= 3_600 && answered > 0, "{answered} of {total}");
}
