//! Structural forgeries of genuine CMS SignedData (issue 15): the input is a program of
//! structural mutations (duplicated, reordered, extra and forged SignerInfos, duplicated
//! signed attributes and values, unsigned attributes, certificates planted, removed or
//! reordered, BER re-encoded SETs, eContent replaced) applied to a genuine EF.SOD or
//! master list. The oracle: whatever verifies carries eContent byte-equal to the
//! genuine one.
#![no_main]

#[path = "../../crates/dongpo-icao/tests/support/cms_tree.rs"]
mod cms_tree;

use std::sync::LazyLock;

use cms_tree::{Cms, Node, OID_MESSAGE_DIGEST};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_icao::signed_data::SignedDataInfo;
use dongpo_pki::{Cert, UnixTime};
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(Verifier::new);

/// A genuine object and how to tell whether a variant of it verifies.
struct Genuine {
    content_info: Vec<u8>,
    econtent: Vec<u8>,
    hash: HashAlgorithm,
    extra_cert: Vec<u8>,
    kind: Kind,
}

enum Kind {
    Sod { trust: TrustStore, at: UnixTime },
    MasterList { anchors: Vec<Cert>, at: UnixTime },
}

fn sod(sod: &[u8], csca: &[u8], crl: &[u8]) -> Genuine {
    let content_info = cms_tree::sod_content(sod);
    let mut trust = TrustStore::new();
    trust.add_csca(csca, "csca").ok();
    trust.add_crl(crl, "crl").ok();
    let info = SignedDataInfo::parse(&content_info).expect("genuine SOD");
    Genuine {
        content_info,
        econtent: info.econtent,
        hash: info.digest_algorithm,
        extra_cert: csca.to_vec(),
        kind: Kind::Sod {
            trust,
            at: UnixTime(1_780_272_000),
        },
    }
}

static GENUINE: LazyLock<Vec<Genuine>> = LazyLock::new(|| {
    let ml = include_bytes!("../../test-vectors/synthetic/masterlist/masterlist.ml").to_vec();
    let info = SignedDataInfo::parse(&ml).expect("genuine master list");
    vec![
        sod(
            include_bytes!("../../test-vectors/synthetic/p256/genuine/EF_SOD.bin"),
            include_bytes!("../../test-vectors/synthetic/p256/genuine/csca.der"),
            include_bytes!("../../test-vectors/synthetic/p256/genuine/csca.crl"),
        ),
        sod(
            include_bytes!("../../test-vectors/synthetic/rsa2048/genuine/EF_SOD.bin"),
            include_bytes!("../../test-vectors/synthetic/rsa2048/genuine/csca.der"),
            include_bytes!("../../test-vectors/synthetic/rsa2048/genuine/csca.crl"),
        ),
        Genuine {
            econtent: info.econtent,
            hash: info.digest_algorithm,
            content_info: ml,
            extra_cert: include_bytes!("../../test-vectors/synthetic/p256/genuine/csca.der")
                .to_vec(),
            kind: Kind::MasterList {
                anchors: Cert::parse(include_bytes!(
                    "../../test-vectors/synthetic/masterlist/anchor.der"
                ))
                .into_iter()
                .collect(),
                at: UnixTime(1_780_272_000),
            },
        },
    ]
});

fn accepted(genuine: &Genuine, content_info: &[u8]) -> bool {
    match &genuine.kind {
        Kind::Sod { trust, at } => {
            let document = Document {
                sod: cms_tree::sod_wrap(content_info),
                ..Document::default()
            };
            let report = passive_auth::verify(&document, trust, &Options::at(*at), &VERIFIER);
            ["sod.message_digest", "sod.signature", "dsc.chain"]
                .iter()
                .all(|id| report.check(id).is_some_and(|c| c.status == Status::Pass))
        }
        Kind::MasterList { anchors, at } => {
            dongpo_icao::masterlist::verify(content_info, anchors, *at, &VERIFIER)
                .is_ok_and(|r| r.valid)
        }
    }
}

/// Reads program bytes.
struct Program<'a>(&'a [u8]);

impl Program<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }
    fn index(&mut self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            usize::from(self.byte().unwrap_or(0)) % len
        }
    }
}

fn kids_len(node: &Node) -> usize {
    node.kids.as_ref().map_or(0, Vec::len)
}

/// The signedAttrs node of a SignerInfo, when it has one.
fn attrs_of(signer: &mut Node) -> Option<&mut Node> {
    signer.kids.as_ref()?;
    signer
        .kids_mut()
        .iter_mut()
        .find(|n| n.tag == 0xa0 && n.kids.is_some())
}

fn md_index(attrs: &Node) -> Option<usize> {
    attrs.kids.as_ref()?.iter().position(|a| {
        a.kids
            .as_ref()
            .and_then(|k| k.first())
            .is_some_and(|oid| oid.raw == OID_MESSAGE_DIGEST)
    })
}

/// Applies one operation; `None` when the structure has no place for it.
fn apply(
    op: u8,
    p: &mut Program<'_>,
    cms: &mut Cms,
    signer: &Node,
    forged: &[u8],
    extra: &Node,
    hash: HashAlgorithm,
) -> Option<()> {
    let digest = hash.digest(forged);
    let signers = cms.signer_infos();
    let n = kids_len(signers);
    match op % 13 {
        0 => {
            let at = p.index(n + 1);
            signers.kids_mut().insert(at, signer.clone());
        }
        1 => {
            let mut copy = signer.clone();
            let attrs = attrs_of(&mut copy)?;
            let i = md_index(attrs)?;
            *attrs.kid(i) = cms_tree::message_digest_attribute(&[&digest]);
            let at = p.index(n + 1);
            signers.kids_mut().insert(at, copy);
        }
        2 => cms.set_econtent(forged),
        3 if n >= 2 => {
            let (a, b) = (p.index(n), p.index(n));
            signers.kids_mut().swap(a, b);
        }
        4 if n >= 1 => {
            let i = p.index(n);
            let attrs = attrs_of(signers.kid(i))?;
            let at = p.index(kids_len(attrs) + 1);
            attrs
                .kids_mut()
                .insert(at, cms_tree::message_digest_attribute(&[&digest]));
        }
        5 if n >= 1 => {
            let i = p.index(n);
            let attrs = attrs_of(signers.kid(i))?;
            let m = md_index(attrs)?;
            let real = attrs.get(m).get(1).kids.as_ref()?.first()?.value().to_vec();
            let values: [&[u8]; 2] = if p.byte()? & 1 == 0 {
                [&real, &digest]
            } else {
                [&digest, &real]
            };
            *attrs.kid(m) = cms_tree::message_digest_attribute(&values);
        }
        6 if n >= 1 => {
            let i = p.index(n);
            attrs_of(signers.kid(i))?.kids_mut().reverse();
        }
        7 => match p.byte()? % 4 {
            0 => signers.make_indefinite(),
            1 => cms.signed_data().make_indefinite(),
            2 => cms.root.make_indefinite(),
            _ if n >= 1 => attrs_of(signers.kid(0))?.make_indefinite(),
            _ => return None,
        },
        8 if n >= 1 => {
            let i = p.index(n);
            let unsigned = Node::cons(0xa1, vec![cms_tree::message_digest_attribute(&[&digest])]);
            signers.kid(i).kids_mut().push(unsigned);
        }
        9 => {
            let certs = cms.certificates()?;
            match p.byte()? % 3 {
                0 => {
                    let at = p.index(kids_len(certs) + 1);
                    certs.kids_mut().insert(at, extra.clone());
                }
                1 => certs.kids_mut().reverse(),
                _ => cms.signed_data().kids_mut().retain(|k| k.tag != 0xa0),
            }
        }
        10 if n >= 1 => {
            let i = p.index(n);
            signers.kids_mut().remove(i);
        }
        11 => cms.signed_data().kid(1).kids_mut().clear(),
        12 if n >= 1 => {
            // A forged signer alone in place of the genuine one.
            let i = p.index(n);
            let mut copy = signer.clone();
            let attrs = attrs_of(&mut copy)?;
            let m = md_index(attrs)?;
            *attrs.kid(m) = cms_tree::message_digest_attribute(&[&digest]);
            *signers.kid(i) = copy;
        }
        _ => return None,
    }
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let mut program = Program(data);
    let Some(choice) = program.byte() else { return };
    let genuine = &GENUINE[usize::from(choice) % GENUINE.len()];
    // The eContent a forger wants: the genuine one with one byte changed, or (odd
    // selector) the rest of the input.
    let mut forged = genuine.econtent.clone();
    let flip = program.index(forged.len());
    if let Some(b) = forged.get_mut(flip) {
        *b ^= program.byte().unwrap_or(1).max(1);
    }
    let Some(mut cms) = Cms::parse(&genuine.content_info) else {
        return;
    };
    let signer = cms.signer_info();
    let Some(extra) = Node::parse_exact(&genuine.extra_cert) else {
        return;
    };
    for _ in 0..8 {
        let Some(op) = program.byte() else { break };
        let _ = apply(
            op,
            &mut program,
            &mut cms,
            &signer,
            &forged,
            &extra,
            genuine.hash,
        );
    }
    let bytes = cms.encode();
    if accepted(genuine, &bytes) {
        let econtent = SignedDataInfo::parse(&bytes).map(|i| i.econtent);
        assert_eq!(
            econtent.as_ref().ok(),
            Some(&genuine.econtent),
            "a structural mutation verified with another eContent"
        );
    }
});
