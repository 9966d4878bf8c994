#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Forgery oracles (issue 15): structural mutations of genuine CMS SignedData objects,
//! real and testkit EF.SODs, the real Dutch and the testkit master list, and a testkit
//! deviation list: duplicated, reordered and extra SignerInfos, duplicated signed
//! attributes and attribute values, extra, removed and swapped certificates, BER
//! re-encoded SETs, unsigned attributes, eContent replaced. The property for every one:
//! **whatever verifies carries eContent byte-equal to the genuine one**. And the shapes
//! RFC 5652 forbids (two SignerInfos, an attribute type twice, a messageDigest with two
//! values) are refused when read, before any signature is looked at.
//!
//! `mutation.rs` flips single bytes of the signed parts; this file changes structure.

#[path = "support/cms_tree.rs"]
mod cms_tree;

use std::path::PathBuf;

use cms_tree::{Cms, Node, message_digest_attribute, message_digest_index, signed_attrs};
use der::Encode;
use der::asn1::{Any, PrintableString, SetOfVec};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::deviation_list::{self, asn1, deviation_oid};
use dongpo_icao::masterlist;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_icao::signed_data::{SignedDataError, SignedDataInfo};
use dongpo_icao::{Sod, SodError};
use dongpo_pki::{Cert, UnixTime};
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::passport::csca_certificate;
use dongpo_testkit::pki::{self, CertRequest, Role};
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::signed_data::{SignedDataRequest, sign};
use dongpo_testkit::time::Timeline;
use dongpo_testkit::{KeyStore, Profile};

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(vectors().join(path)).unwrap()
}

/// A mutation, and whether RFC 5652 structure rules alone must refuse it.
struct Mutation {
    name: String,
    bytes: Vec<u8>,
    structurally_refused: bool,
}

/// Every structural mutation of the genuine ContentInfo `genuine`: `forged` is the
/// eContent a forger wants signed, `extra_cert` a certificate to plant.
fn mutations(genuine: &[u8], forged: &[u8], extra_cert: &[u8]) -> Vec<Mutation> {
    let hash = SignedDataInfo::parse(genuine).unwrap().digest_algorithm;
    let real_digest = hash.digest(&Cms::parse(genuine).unwrap().econtent());
    let forged_digest = hash.digest(forged);
    let base = Cms::parse(genuine).unwrap();
    let signer = base.signer_info();
    let forged_signer = cms_tree::with_message_digest(&signer, &forged_digest);
    let mut out = Vec::new();
    let mut add = |name: &str, cms: Cms, refused: bool| {
        out.push(Mutation {
            name: name.to_string(),
            bytes: cms.encode(),
            structurally_refused: refused,
        });
    };
    let with = |f: &dyn Fn(&mut Cms)| {
        let mut cms = base.clone();
        f(&mut cms);
        cms
    };
    let replaced = |f: &dyn Fn(&mut Cms)| {
        with(&|cms: &mut Cms| {
            cms.set_econtent(forged);
            f(cms);
        })
    };

    add("genuine re-read", with(&|_| {}), false);
    // SignerInfos.
    for (name, signers, econtent_replaced) in [
        (
            "two signers, forged first",
            vec![forged_signer.clone(), signer.clone()],
            true,
        ),
        (
            "two signers, forged second",
            vec![signer.clone(), forged_signer.clone()],
            true,
        ),
        (
            "two signers, forged first, genuine eContent",
            vec![forged_signer.clone(), signer.clone()],
            false,
        ),
        (
            "genuine signer twice",
            vec![signer.clone(), signer.clone()],
            false,
        ),
        (
            "three signers",
            vec![signer.clone(), forged_signer.clone(), signer.clone()],
            true,
        ),
    ] {
        let set = |cms: &mut Cms| *cms.signer_infos().kids_mut() = signers.clone();
        add(
            name,
            if econtent_replaced {
                replaced(&set)
            } else {
                with(&set)
            },
            true,
        );
        let indefinite = |cms: &mut Cms| {
            set(cms);
            cms.signer_infos().make_indefinite();
        };
        let name = format!("{name}, BER signerInfos");
        add(
            &name,
            if econtent_replaced {
                replaced(&indefinite)
            } else {
                with(&indefinite)
            },
            true,
        );
    }
    add(
        "no signer",
        with(&|cms: &mut Cms| cms.signer_infos().kids_mut().clear()),
        true,
    );
    add(
        "forged signer alone",
        replaced(&|cms: &mut Cms| *cms.signer_infos().kid(0) = forged_signer.clone()),
        false,
    );
    add("eContent replaced", replaced(&|_| {}), false);
    // Signed attributes.
    for forged_first in [true, false] {
        let dup = |cms: &mut Cms| {
            let attrs = signed_attrs(cms.signer_infos().kid(0));
            let extra = message_digest_attribute(&[&forged_digest]);
            let at = if forged_first {
                0
            } else {
                attrs.kids_mut().len()
            };
            attrs.kids_mut().insert(at, extra);
        };
        add(
            &format!("messageDigest attribute twice (forged first: {forged_first})"),
            replaced(&dup),
            true,
        );
        add(
            &format!(
                "messageDigest attribute twice, genuine eContent (forged first: {forged_first})"
            ),
            with(&dup),
            true,
        );
        let two_values = |cms: &mut Cms| {
            let attrs = signed_attrs(cms.signer_infos().kid(0));
            let i = message_digest_index(attrs);
            let values: [&[u8]; 2] = if forged_first {
                [&forged_digest, &real_digest]
            } else {
                [&real_digest, &forged_digest]
            };
            *attrs.kid(i) = message_digest_attribute(&values);
        };
        add(
            &format!("messageDigest with two values (forged first: {forged_first})"),
            replaced(&two_values),
            true,
        );
    }
    add(
        "signed attributes reversed",
        with(&|cms: &mut Cms| signed_attrs(cms.signer_infos().kid(0)).kids_mut().reverse()),
        false,
    );
    add(
        "signedAttrs re-encoded BER",
        with(&|cms: &mut Cms| signed_attrs(cms.signer_infos().kid(0)).make_indefinite()),
        false,
    );
    // Unsigned attributes: a forged messageDigest where no signature covers it.
    for econtent_replaced in [true, false] {
        let unsigned = |cms: &mut Cms| {
            let attr = message_digest_attribute(&[&forged_digest]);
            cms.signer_infos()
                .kid(0)
                .kids_mut()
                .push(Node::cons(0xa1, vec![attr]));
        };
        let name = format!("unsigned messageDigest (eContent replaced: {econtent_replaced})");
        add(
            &name,
            if econtent_replaced {
                replaced(&unsigned)
            } else {
                with(&unsigned)
            },
            false,
        );
    }
    // Certificates.
    let planted = Node::parse_exact(extra_cert).unwrap();
    let has_certs = base.clone().certificates().is_some();
    if has_certs {
        add(
            "extra certificate first",
            with(&|cms: &mut Cms| {
                cms.certificates()
                    .unwrap()
                    .kids_mut()
                    .insert(0, planted.clone())
            }),
            false,
        );
        add(
            "extra certificate last, eContent replaced",
            replaced(&|cms: &mut Cms| cms.certificates().unwrap().kids_mut().push(planted.clone())),
            false,
        );
        add(
            "certificates reversed",
            with(&|cms: &mut Cms| cms.certificates().unwrap().kids_mut().reverse()),
            false,
        );
        add(
            "certificates removed",
            with(&|cms: &mut Cms| cms.signed_data().kids_mut().retain(|n| n.tag != 0xa0)),
            false,
        );
    }
    // digestAlgorithms and BER re-encodings of the outer SETs.
    add(
        "digestAlgorithms emptied",
        with(&|cms: &mut Cms| cms.signed_data().kid(1).kids_mut().clear()),
        false,
    );
    add(
        "SignedData and ContentInfo BER",
        with(&|cms: &mut Cms| {
            cms.signed_data().kid(1).make_indefinite();
            cms.signed_data().make_indefinite();
            cms.root.kid(1).make_indefinite();
            cms.root.make_indefinite();
        }),
        false,
    );
    add(
        "BER, eContent replaced",
        replaced(&|cms: &mut Cms| {
            cms.signer_infos().make_indefinite();
            cms.root.make_indefinite();
        }),
        false,
    );
    out
}

/// Runs every mutation: structurally refused ones must not parse (a Structure error);
/// any that `accepted` must carry the genuine eContent. Returns how many were tried.
fn check_oracle(
    label: &str,
    genuine: &[u8],
    forged: &[u8],
    extra_cert: &[u8],
    accepted: &dyn Fn(&[u8]) -> bool,
) -> usize {
    assert!(
        accepted(genuine),
        "{label}: the genuine object does not verify"
    );
    let genuine_econtent = SignedDataInfo::parse(genuine).unwrap().econtent;
    assert_ne!(
        genuine_econtent, forged,
        "{label}: forged eContent must differ"
    );
    let mut failures = Vec::new();
    let all = mutations(genuine, forged, extra_cert);
    for m in &all {
        let parsed = SignedDataInfo::parse(&m.bytes);
        // A BER SET inside a definite-length parent does not decode at all (`der` reads
        // indefinite lengths only where the whole path is indefinite): refused as well.
        let refused = if m.name.contains("BER") {
            parsed.is_err()
        } else {
            matches!(parsed, Err(SignedDataError::Structure(_)))
        };
        if m.structurally_refused && !refused {
            failures.push(format!(
                "{}: not refused for its structure: {parsed:?}",
                m.name
            ));
        }
        if accepted(&m.bytes) {
            match parsed {
                Ok(info) if info.econtent == genuine_econtent => {}
                _ => failures.push(format!("{}: FORGERY ACCEPTED", m.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{label}:\n{}", failures.join("\n"));
    all.len()
}

/// What a forger needs: the SOD's signature, digest and chain checks all pass.
fn sod_accepted(report: &Outcome) -> bool {
    [
        "sod.parse",
        "sod.message_digest",
        "sod.signature",
        "dsc.chain",
    ]
    .iter()
    .all(|id| report.check(id).is_some_and(|c| c.status == Status::Pass))
}

fn sod_oracle(
    label: &str,
    sod: &[u8],
    trust: &TrustStore,
    at: UnixTime,
    forged: &[u8],
    extra: &[u8],
) -> usize {
    let verifier = Verifier::new();
    let accepted = |content_info: &[u8]| {
        let document = Document {
            sod: cms_tree::sod_wrap(content_info),
            ..Document::default()
        };
        [Policy::default_policy(), Policy::strict()]
            .into_iter()
            .any(|policy| {
                let options = Options {
                    policy,
                    ..Options::at(at)
                };
                sod_accepted(&passive_auth::verify(&document, trust, &options, &verifier))
            })
    };
    check_oracle(label, &cms_tree::sod_content(sod), forged, extra, &accepted)
}

/// The LDSSecurityObject with its last byte changed (a data-group hash, or the LDS
/// version): what a forger writes instead of the signed one.
fn forged_lds(econtent: &[u8]) -> Vec<u8> {
    let mut out = econtent.to_vec();
    let last = out.len() - 1;
    out[last] ^= 0x5a;
    out
}

#[test]
fn testkit_sods_verify_only_with_their_own_econtent() {
    let mut keys = KeyStore::default();
    let mut tried = 0;
    for profile in [Profile::P256, Profile::Rsa2048] {
        let signer = DocumentSigner::new(profile, 7, 0, &mut keys).unwrap();
        let at = UnixTime::parse_rfc3339(&signer.verify_at()).unwrap();
        let mut trust = TrustStore::new();
        trust.add_csca(signer.csca_der(), "csca").unwrap();
        trust.add_crl(signer.crl_der(), "crl").unwrap();
        let victim = signer.document(0).unwrap();
        let other = signer.document(1).unwrap();
        // The forger's eContent: the other person's LDSSecurityObject (its DG1 hash).
        let forged = Sod::parse(&other.sod).unwrap().cms.econtent;
        tried += sod_oracle(
            &profile.to_string(),
            &victim.sod,
            &trust,
            at,
            &forged,
            signer.csca_der(),
        );
    }
    assert!(tried > 50, "{tried}");
}

#[test]
fn real_sods_verify_only_with_their_own_econtent() {
    let at = UnixTime::parse_rfc3339("2026-11-27T00:00:00Z").unwrap();
    let verifier = Verifier::new();
    let mut checked = Vec::new();
    for state in ["AT", "AU", "DE", "FR", "SG", "US"] {
        let sod = read(&format!("real/sod/{state}/EF_SOD.bin"));
        let mut trust = TrustStore::new();
        trust
            .add_csca(&read(&format!("real/sod/{state}/CSCA.cer")), "csca")
            .unwrap();
        let report = passive_auth::verify(
            &Document {
                sod: sod.clone(),
                ..Document::default()
            },
            &trust,
            &Options::at(at),
            &verifier,
        );
        if !sod_accepted(&report) {
            // Documented quirks (test-vectors/real/README.md): not a base for the oracle.
            continue;
        }
        let econtent = Sod::parse(&sod).unwrap().cms.econtent;
        sod_oracle(
            state,
            &sod,
            &trust,
            at,
            &forged_lds(&econtent),
            &read("real/sod/FR/CSCA.cer"),
        );
        checked.push(state);
    }
    assert!(checked.len() >= 3, "only {checked:?} verified unmutated");
}

/// The master list with one more certificate in its certList (a forger's own CSCA).
fn master_list_with(econtent: &[u8], extra_cert: &[u8]) -> Vec<u8> {
    let mut list = Node::parse_exact(econtent).unwrap();
    list.kid(1)
        .kids_mut()
        .push(Node::parse_exact(extra_cert).unwrap());
    list.encode()
}

#[test]
fn master_lists_verify_only_with_their_own_econtent() {
    let verifier = Verifier::new();
    let self_made = read("synthetic/p256/genuine/csca.der");
    // The real Dutch list against its pinned root.
    let nl = read("real/masterlist/NL_ML_2026-07-22.ml");
    let nl_anchor = [Cert::parse(&read("real/masterlist/NL_ROOT_CA.cer")).unwrap()];
    let nl_at = UnixTime::parse_rfc3339("2026-11-27T00:00:00Z").unwrap();
    let accepted = |bytes: &[u8]| {
        masterlist::verify(bytes, &nl_anchor, nl_at, &verifier).is_ok_and(|r| r.valid)
    };
    let econtent = SignedDataInfo::parse(&nl).unwrap().econtent;
    let forged = master_list_with(&econtent, &self_made);
    check_oracle("NL master list", &nl, &forged, &self_made, &accepted);

    // The testkit list against its anchor.
    let ml = read("synthetic/masterlist/masterlist.ml");
    let anchor = [Cert::parse(&read("synthetic/masterlist/anchor.der")).unwrap()];
    let manifest: serde_json::Value =
        serde_json::from_slice(&read("synthetic/masterlist/manifest.json")).unwrap();
    let at = UnixTime::parse_rfc3339(manifest["verify_at"].as_str().unwrap()).unwrap();
    let accepted =
        |bytes: &[u8]| masterlist::verify(bytes, &anchor, at, &verifier).is_ok_and(|r| r.valid);
    let econtent = SignedDataInfo::parse(&ml).unwrap().econtent;
    let forged = master_list_with(&econtent, &self_made);
    check_oracle("testkit master list", &ml, &forged, &self_made, &accepted);
}

/// The replay of the finding for master lists: the Dutch list, its certList extended by
/// a self-made "C=KR" CSCA, and a second SignerInfo whose messageDigest matches it.
#[test]
fn dutch_master_list_with_a_second_signer_is_refused() {
    let nl = read("real/masterlist/NL_ML_2026-07-22.ml");
    let anchor = [Cert::parse(&read("real/masterlist/NL_ROOT_CA.cer")).unwrap()];
    let at = UnixTime::parse_rfc3339("2026-11-27T00:00:00Z").unwrap();
    let info = SignedDataInfo::parse(&nl).unwrap();
    let forged = master_list_with(&info.econtent, &read("synthetic/p256/genuine/csca.der"));
    let digest = info.digest_algorithm.digest(&forged);
    for forged_first in [true, false] {
        let bytes = cms_tree::two_signer_forgery(&nl, &forged, &digest, forged_first);
        let result = masterlist::verify(&bytes, &anchor, at, &Verifier::new());
        assert!(
            matches!(
                result,
                Err(masterlist::MasterListError::SignedData(
                    SignedDataError::Structure(_)
                ))
            ),
            "{:?}",
            result.map(|r| r.valid)
        );
        assert!(masterlist::entries(&bytes).is_err());
    }
}

fn deviation_list_material() -> (Vec<u8>, Vec<u8>, Vec<Cert>, UnixTime) {
    let profile = Profile::P256;
    let mut keys = KeyStore::default();
    let (csca, csca_key) = csca_certificate(profile, 1, &Timeline::CURRENT, &mut keys).unwrap();
    let key = keys.get(1, "p256/dls", profile.key_spec()).unwrap();
    let t = Timeline::CURRENT;
    let cert = pki::issue(
        &CertRequest {
            role: Role::DeviationListSigner,
            subject: "CN=dongpo Test Deviation List Signer,O=dongpo test PKI,C=KR",
            issuer: &csca.tbs_certificate().subject().to_string(),
            subject_key: key.public_key(),
            explicit_ec_parameters: false,
            issuer_key: &csca_key,
            algorithm: profile.signature_algorithm(),
            not_before: t.dsc_not_before,
            not_after: t.dsc_not_after,
            key_usage_end: t.dsc_key_usage_end,
        },
        &[0x44, 0x56],
        &mut SeededRng::new(1, "oracle-dls-cert"),
    )
    .unwrap();
    let content = |text: &str| {
        let description = Any::encode_from(&asn1::DeviationDescription {
            description: Some(PrintableString::new(text).unwrap()),
            deviation_type: deviation_oid::DG_HASH_WRONG,
            parameters: Some(Any::encode_from(&2u8).unwrap()),
            national_use: None,
        })
        .unwrap();
        let mut descriptions = SetOfVec::new();
        descriptions.insert(description).unwrap();
        let deviation = Any::encode_from(&asn1::Deviation {
            documents: asn1::DeviationDocuments {
                document_type: None,
                dsc_identifier: None,
                issuing_date: None,
                document_numbers: None,
            },
            descriptions,
        })
        .unwrap();
        let mut deviations = SetOfVec::new();
        deviations.insert(deviation).unwrap();
        asn1::DeviationList {
            version: 0,
            digest_algorithm: None,
            deviations,
        }
        .to_der()
        .unwrap()
    };
    let genuine = sign(
        &SignedDataRequest {
            content_type: dongpo_icao::oid::DEVIATION_LIST,
            content: &content("DG2 hash wrong"),
            hash: HashAlgorithm::Sha256,
            signer: &cert,
            key: &key,
            algorithm: profile.signature_algorithm(),
            certificates: &[&cert],
            signing_time: t.signing_time,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "oracle-dl-sign"),
    )
    .unwrap()
    .content_info;
    let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
    (
        genuine,
        content("DG2 hash wrong, and whatever else"),
        vec![Cert::parse(&csca.to_der().unwrap()).unwrap()],
        at,
    )
}

#[test]
fn deviation_lists_verify_only_with_their_own_econtent() {
    let (genuine, forged, cscas, at) = deviation_list_material();
    let verifier = Verifier::new();
    // The signer's CSCA is the synthetic p256 CSCA; its CRL shows the signer is not revoked
    // (deviation-list signers are path-validated, CRL included).
    let crl = dongpo_revocation::Crl::parse(&read("synthetic/p256/genuine/csca.crl")).unwrap();
    let accepted =
        |bytes: &[u8]| deviation_list::verify(bytes, &cscas, &[&crl], at, &verifier).is_ok();
    let extra = read("synthetic/p256/genuine/dsc.der");
    check_oracle("deviation list", &genuine, &forged, &extra, &accepted);
}

/// The bytes of EF.SOD around the CMS: trailing data and the indefinite 0x77 length.
#[test]
fn sod_wrapper_trailing_data_and_indefinite_length() {
    let sod = read("synthetic/p256/genuine/EF_SOD.bin");
    let genuine = Sod::parse(&sod).unwrap();
    assert_eq!(genuine.trailing_bytes, 0);
    assert_eq!(genuine.file_sha256, HashAlgorithm::Sha256.digest(&sod));

    // Trailing bytes: ignored, counted, and not part of the evidence hash.
    for tail in [&[0u8][..], &[0x90, 0x00], &[0xff; 40]] {
        let file = [&sod[..], tail].concat();
        let parsed = Sod::parse(&file).unwrap();
        assert_eq!(parsed.trailing_bytes, tail.len());
        assert_eq!(
            parsed.file_sha256, genuine.file_sha256,
            "one document, one hash"
        );
    }

    // Indefinite-length 0x77: read, its content the same ContentInfo.
    let content = cms_tree::sod_content(&sod);
    let indefinite = [&[0x77, 0x80][..], &content, &[0, 0]].concat();
    let parsed = Sod::parse(&indefinite).unwrap();
    assert!(parsed.wrapped);
    assert_eq!(parsed.cms.econtent, genuine.cms.econtent);
    assert_eq!(parsed.trailing_bytes, 0);
    assert_eq!(
        parsed.file_sha256,
        HashAlgorithm::Sha256.digest(&indefinite)
    );
    let with_tail = [&indefinite[..], &[1, 2, 3]].concat();
    assert_eq!(Sod::parse(&with_tail).unwrap().trailing_bytes, 3);
    // Without its end-of-contents it is truncated.
    assert!(matches!(
        Sod::parse(&indefinite[..indefinite.len() - 2]),
        Err(SodError::Wrapper(_))
    ));
}

/// Through Passive Authentication: trailing data is quirk `trailing-data` under the
/// default policy and fails `sod.parse` under strict.
#[test]
fn trailing_data_is_a_named_quirk_and_strict_refuses_it() {
    let dir = vectors().join("synthetic/p256/genuine");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let at = UnixTime::parse_rfc3339(manifest["verify_at"].as_str().unwrap()).unwrap();
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca")
        .unwrap();
    trust
        .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "crl")
        .unwrap();
    let sod = std::fs::read(dir.join("EF_SOD.bin")).unwrap();
    let mut document = Document {
        sod: [&sod[..], &[0xde, 0xad]].concat(),
        data_groups: [1u8, 2, 14, 15]
            .into_iter()
            .map(|n| (n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap()))
            .collect(),
        ..Document::default()
    };
    let verifier = Verifier::new();
    let default = passive_auth::verify(&document, &trust, &Options::at(at), &verifier);
    assert!(default.valid, "{:?}", default.failed());
    let parse = default.check("sod.parse").unwrap();
    assert_eq!(parse.status, Status::Pass);
    assert!(
        parse.detail.contains("quirk trailing-data: 2 bytes"),
        "{}",
        parse.detail
    );
    let strict = Options {
        policy: Policy::strict(),
        ..Options::at(at)
    };
    let report = passive_auth::verify(&document, &trust, &strict, &verifier);
    assert!(!report.valid);
    assert_eq!(report.check("sod.parse").unwrap().status, Status::Fail);
    // The evidence hash is the one of the file without the tail.
    document.sod = sod;
    let clean = passive_auth::verify(&document, &trust, &Options::at(at), &verifier);
    assert_eq!(clean.evidence.sod_sha256, default.evidence.sod_sha256);
}

/// A data-group number listed twice in the LDSSecurityObject is refused, whichever hash
/// comes first (a map that kept the last would have verified the second).
#[test]
fn duplicate_data_group_numbers_are_refused() {
    let sod = read("synthetic/p256/genuine/EF_SOD.bin");
    let parsed = Sod::parse(&sod).unwrap();
    let mut lds = Node::parse_exact(&parsed.cms.econtent).unwrap();
    let hashes = lds.kid(2);
    let first = hashes.get(0).clone();
    hashes.kids_mut().push(first);
    let mut cms = Cms::parse(&cms_tree::sod_content(&sod)).unwrap();
    cms.set_econtent(&lds.encode());
    let file = cms_tree::sod_wrap(&cms.encode());
    assert!(matches!(
        Sod::parse(&file),
        Err(SodError::DuplicateDataGroup(1))
    ));
}

/// Planted certificates buy bounded work (adversarial review): a genuine SOD with more
/// than `MAX_CERTIFICATES` embedded certificates is refused for its structure before any
/// of them is parsed; up to the cap, it still verifies.
#[test]
fn planted_certificates_beyond_the_cap_are_refused_for_the_structure() {
    use dongpo_icao::signed_data::MAX_CERTIFICATES;
    let sod = read("synthetic/p256/genuine/EF_SOD.bin");
    let planted = Node::parse_exact(&read("synthetic/rsa2048/genuine/dsc.der")).unwrap();
    let with_certs = |extra: usize| {
        let mut cms = Cms::parse(&cms_tree::sod_content(&sod)).unwrap();
        let certs = cms.certificates().unwrap().kids_mut();
        for _ in 0..extra {
            certs.insert(0, planted.clone());
        }
        cms_tree::sod_wrap(&cms.encode())
    };
    let at_cap = with_certs(MAX_CERTIFICATES - 1);
    assert!(Sod::parse(&at_cap).is_ok());
    let over = with_certs(MAX_CERTIFICATES);
    assert!(
        matches!(
            Sod::parse(&over),
            Err(SodError::SignedData(SignedDataError::Structure(ref m))) if m.contains("certificates")
        ),
        "{:?}",
        Sod::parse(&over).map(|_| ())
    );
}
