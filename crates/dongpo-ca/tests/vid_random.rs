//! Issue 17, item 1: a profile carrying the KISA VID gets a fresh random `R` per
//! certificate, delivered only sealed to the certified key; the CA keeps the sealed value
//! (for an idempotent retry) and never `R`, so a copy of the CA directory gives back
//! neither `R` nor, through it, the RRN.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::{Path, PathBuf};

use common::{Applicant, NOW, applicant, new_ca, vid_ca};
use dongpo_ca::{
    Application, Ca, Finalized, IssuanceError, Refusal, Request, Standalone, finalize,
};
use dongpo_crypto::seal::{SealSuite, VID_RANDOM_INFO, open};
use dongpo_crypto::{Curve, HashAlgorithm, KeySpec};
use dongpo_profiles::vid::{VidMatch, verify_certificate};
use dongpo_testkit::Variant;
use zeroize::Zeroizing;

/// A subscriber key and its CSR (DER).
fn subscriber(spec: KeySpec, seed: u64) -> (Zeroizing<Vec<u8>>, Vec<u8>) {
    let key = dongpo_testkit::csr::subscriber_key(spec, seed, "vid").unwrap();
    let csr = dongpo_testkit::csr::csr(&key, spec, "vid subscriber").unwrap();
    (key.to_pkcs8_der().unwrap(), csr)
}

fn application<'a>(person: &'a Applicant, csr: &'a [u8]) -> Application<'a> {
    Application {
        report: &person.report,
        dg1: &person.dg1,
        receipt: None,
        rrn: person.rrn(),
        csr,
        profile: "kb",
    }
}

fn issue(
    ca: &mut Ca,
    person: &Applicant,
    csr: &[u8],
) -> Result<Finalized, IssuanceError<std::convert::Infallible>> {
    finalize(
        ca,
        &Request::New(application(person, csr)),
        &mut Standalone,
        NOW,
    )
}

/// Every file under `dir`, raw bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// `R` is in no file under `dir`, as bytes or as hex.
fn assert_nowhere(dir: &Path, r: &[u8]) {
    let spellings = [
        r.to_vec(),
        hex::encode(r).into_bytes(),
        hex::encode_upper(r).into_bytes(),
    ];
    let found = files(dir);
    assert!(
        found
            .iter()
            .any(|(p, _)| p.to_string_lossy().ends_with("-wal"))
            || found
                .iter()
                .any(|(p, _)| p.to_string_lossy().ends_with(".sqlite")),
        "the store's files are scanned"
    );
    for (path, bytes) in found {
        for s in &spellings {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_slice()),
                "{} holds R",
                path.display()
            );
        }
    }
}

fn digits(person: &Applicant) -> String {
    person.rrn().replace('-', "")
}

/// Another RRN of the same shape (last digit changed).
fn other_rrn(person: &Applicant) -> String {
    let mut d = digits(person).into_bytes();
    let last = d.last_mut().unwrap();
    *last = if *last == b'9' { b'0' } else { *last + 1 };
    String::from_utf8(d).unwrap()
}

#[test]
fn the_sealed_random_opens_with_the_subscriber_key_only_and_proves_the_vid() {
    let (dir, mut ca) = vid_ca("vid-round-trip", None);
    for (seed, spec, suite) in [
        (1, KeySpec::Ec(Curve::P256), SealSuite::HpkeP256),
        (2, KeySpec::Rsa(2048), SealSuite::RsaOaepSha256),
    ] {
        let person = applicant(Variant::Genuine, seed, NOW);
        ca.register(&person.identity, NOW).unwrap();
        let (key, csr) = subscriber(spec, seed);
        let done = issue(&mut ca, &person, &csr).unwrap();
        let sealed = done.vid_random.clone().expect("a VID profile delivers R");
        assert_eq!(sealed.suite, suite);

        let r = open(&key, VID_RANDOM_INFO, &sealed.ciphertext).unwrap();
        assert_eq!(r.len(), dongpo_ca::RANDOM_LEN);
        assert_eq!(
            verify_certificate(&done.der, &digits(&person), &r).unwrap(),
            VidMatch::Match
        );
        assert_eq!(
            verify_certificate(&done.der, &other_rrn(&person), &r).unwrap(),
            VidMatch::NoMatch
        );
        let mut other_r = r.to_vec();
        other_r[0] ^= 1;
        assert_eq!(
            verify_certificate(&done.der, &digits(&person), &other_r).unwrap(),
            VidMatch::NoMatch
        );
        // Another key does not open it.
        let (stranger, _) = subscriber(spec, seed + 100);
        assert!(open(&stranger, VID_RANDOM_INFO, &sealed.ciphertext).is_err());

        // Only the sealed value is stored, with the certificate; a retry gets it again.
        let stored = ca
            .issuer()
            .store()
            .certificate(done.serial.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(stored.cert.vid_random.as_ref(), Some(&sealed));
        let again = finalize(
            &mut ca,
            &Request::Repeat {
                serial: Some(done.serial.clone()),
                csr: &csr,
                profile: "kb",
            },
            &mut Standalone,
            NOW,
        )
        .unwrap();
        assert!(again.repeated);
        assert_eq!(again.vid_random, Some(sealed));

        // R is nowhere in the CA directory: not while the store is open (WAL included) ...
        assert_nowhere(&dir, &r);
    }
    // ... nor once it is closed and checkpointed.
    let person = applicant(Variant::Genuine, 3, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let (key, csr) = subscriber(KeySpec::Ec(Curve::P256), 3);
    let done = issue(&mut ca, &person, &csr).unwrap();
    let r = open(&key, VID_RANDOM_INFO, &done.vid_random.unwrap().ciphertext).unwrap();
    drop(ca);
    assert_nowhere(&dir, &r);
}

#[test]
fn every_certificate_gets_a_new_random() {
    let (_dir, mut ca) = vid_ca("vid-fresh", None);
    let person = applicant(Variant::Genuine, 4, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let mut randoms = Vec::new();
    for seed in [40, 41] {
        let (key, csr) = subscriber(KeySpec::Ec(Curve::P256), seed);
        let done = issue(&mut ca, &person, &csr).unwrap();
        randoms.push(open(&key, VID_RANDOM_INFO, &done.vid_random.unwrap().ciphertext).unwrap());
    }
    assert_ne!(randoms[0], randoms[1]);
}

#[test]
fn profiles_without_the_vid_deliver_no_random() {
    let (_dir, mut ca) = new_ca("vid-none", None);
    let person = applicant(Variant::Genuine, 5, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let (_, csr) = subscriber(KeySpec::Ec(Curve::P256), 5);
    let done = issue(&mut ca, &person, &csr).unwrap();
    assert_eq!(done.vid_random, None);
    assert_eq!(
        verify_certificate(&done.der, &digits(&person), &[7; 20]).unwrap(),
        VidMatch::NoVid
    );
}

/// A CSR whose key is restricted to RSASSA-PSS (RFC 4055): an RSA-2048 key, the size the
/// profiles take, that must neither decrypt (so `R` could not be sealed to it) nor be
/// certified as `rsaEncryption` (which would drop its restriction).
fn pss_restricted_csr(seed: u64) -> Vec<u8> {
    let key = dongpo_testkit::csr::subscriber_key(KeySpec::Rsa(2048), seed, "vid-pss").unwrap();
    dongpo_testkit::csr::pss_restricted_csr(&key, "pss subscriber").unwrap()
}

#[test]
fn a_pss_restricted_key_is_refused_by_the_ra_before_anything_is_reserved() {
    // Under a profile with the VID and under one without: the key policy refuses the key
    // (it was once approved and then failed the pre-issuance lint, after a serial had
    // been reserved).
    for (label, vid) in [("vid-pss", true), ("plain-pss", false)] {
        let (_dir, mut ca) = if vid {
            vid_ca(label, None)
        } else {
            new_ca(label, None)
        };
        let person = applicant(Variant::Genuine, 6, NOW);
        ca.register(&person.identity, NOW).unwrap();
        let csr = pss_restricted_csr(6);
        let parsed = dongpo_ca::parse_csr(&csr).unwrap();
        assert!(SealSuite::for_key(&parsed.public_key).is_err());
        for profile in ["kb", "hana"] {
            let mut app = application(&person, &csr);
            app.profile = profile;
            match finalize(&mut ca, &Request::New(app), &mut Standalone, NOW) {
                Err(IssuanceError::Refused(refusal @ Refusal::WeakKey(_))) => {
                    assert_eq!(refusal.code(), "weak_key");
                    assert!(refusal.to_string().contains("RSASSA-PSS"), "{refusal}");
                }
                other => panic!(
                    "{label}/{profile}: expected weak_key, got {:?}",
                    other.map(|f| f.serial)
                ),
            }
        }
        // Refused before anything was reserved or signed.
        assert_eq!(ca.issuer().store().serials().unwrap().len(), 0);
        assert_eq!(ca.issuer().store().certificate_count().unwrap(), 0);
    }
}

#[test]
fn an_approval_prints_no_random() {
    let (_dir, mut ca) = vid_ca("vid-debug", None);
    let person = applicant(Variant::Genuine, 8, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let (_, csr) = subscriber(KeySpec::Ec(Curve::P256), 8);
    let approval = ca
        .approve_application(&application(&person, &csr), NOW)
        .unwrap();
    let vid = approval.vid().unwrap();
    assert_eq!(vid.virtual_id().len(), 32);
    let text = format!("{approval:?}");
    assert!(text.contains("AssignedVid(..)"), "{text}");
    assert!(!text.contains(&digits(&person)));
    // The approval's R is the one sealed: issuing it delivers a value that proves the VID
    // the approval computed.
    let (key, _) = subscriber(KeySpec::Ec(Curve::P256), 8);
    let issued = ca.issue(&approval, NOW).unwrap();
    let r = open(
        &key,
        VID_RANDOM_INFO,
        &issued.vid_random.unwrap().ciphertext,
    )
    .unwrap();
    assert_eq!(
        dongpo_profiles::vid::virtual_id(&digits(&person), &r, HashAlgorithm::Sha256).unwrap(),
        vid.virtual_id()
    );
}
