//! Bounded work for untrusted input: a DSC's key is used only after the DSC chained to a
//! trust anchor, and a key over the size limits is refused when its certificate is
//! parsed, before any arithmetic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::{Arc, Mutex};

use dongpo_crypto::backend::{self, Backend, PreparedKey};
use dongpo_crypto::{KeyError, PublicKey, SignatureAlgorithm, Verifier};
use dongpo_icao::Outcome;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Options};
use dongpo_pki::{Cert, UnixTime};
use dongpo_testkit::document_signer::{DocumentSigner, rsa_key_of_any_size};
use dongpo_testkit::{KeyStore, Profile};

/// Every backend, with each signature check recorded by the key it used.
struct Counting {
    inner: Arc<dyn Backend>,
    used: Arc<Mutex<Vec<PublicKey>>>,
}

struct CountingKey {
    inner: Arc<dyn PreparedKey>,
    key: PublicKey,
    used: Arc<Mutex<Vec<PublicKey>>>,
}

impl PreparedKey for CountingKey {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.used.lock().unwrap().push(self.key.clone());
        self.inner.verify(message, signature)
    }
}

impl Backend for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn prepare(
        &self,
        key: &PublicKey,
        algorithm: &SignatureAlgorithm,
    ) -> Option<Result<Arc<dyn PreparedKey>, KeyError>> {
        let prepared = self.inner.prepare(key, algorithm)?;
        Some(prepared.map(|inner| {
            Arc::new(CountingKey {
                inner,
                key: key.clone(),
                used: self.used.clone(),
            }) as Arc<dyn PreparedKey>
        }))
    }
}

fn counting_verifier() -> (Verifier, Arc<Mutex<Vec<PublicKey>>>) {
    let used = Arc::new(Mutex::new(Vec::new()));
    let backends = backend::all()
        .into_iter()
        .map(|inner| {
            Arc::new(Counting {
                inner,
                used: used.clone(),
            }) as Arc<dyn Backend>
        })
        .collect();
    (Verifier::with_backends(backends), used)
}

fn trust_of(signer: &DocumentSigner) -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add_csca(signer.csca_der(), "csca").unwrap();
    trust.add_crl(signer.crl_der(), "crl").unwrap();
    trust
}

fn options(signer: &DocumentSigner) -> Options {
    Options::at(UnixTime::parse_rfc3339(&signer.verify_at()).unwrap())
}

fn check<'a>(report: &'a Outcome, id: &str) -> (Status, &'a str) {
    let c = report.check(id).unwrap();
    (c.status, c.detail.as_str())
}

#[test]
fn a_dsc_with_a_16384_bit_key_is_refused_when_parsed_naming_the_size() {
    let key = rsa_key_of_any_size(16384, &[1, 0, 1], 7);
    let signer =
        DocumentSigner::with_certified_key(Profile::Rsa2048, 1, 0, &mut KeyStore::default(), &key)
            .unwrap();
    // The certificate itself is refused by the crypto layer's limits.
    assert!(matches!(
        Cert::parse(signer.dsc_der()),
        Err(dongpo_pki::cert::CertError::Key(
            KeyError::RsaModulusTooLarge {
                bits: 16384,
                max: 8192
            }
        ))
    ));
    let document = signer.document(0).unwrap();
    // As a forger would send it: a signature value as long as the modulus.
    let sod = dongpo_icao::Sod::parse(&document.sod).unwrap();
    assert_eq!(sod.cms.signature.len(), 2048);

    let (verifier, used) = counting_verifier();
    let report = passive_auth::verify(&document, &trust_of(&signer), &options(&signer), &verifier);
    assert!(!report.valid);
    let (status, detail) = check(&report, "sod.signer_certificate");
    assert_eq!(status, Status::Fail);
    assert!(
        detail.contains("RSA modulus of 16384 bits is above the limit of 8192 bits"),
        "{detail}"
    );
    assert_eq!(check(&report, "sod.signature").0, Status::Skipped);
    // No signature was checked at all: the refused key never reached a backend.
    assert!(used.lock().unwrap().is_empty());
}

#[test]
fn the_sod_signature_is_checked_only_after_the_dsc_chained() {
    let signer = DocumentSigner::new(Profile::Rsa2048, 1, 0, &mut KeyStore::default()).unwrap();
    let document = signer.document(0).unwrap();
    let dsc_key = Cert::parse(signer.dsc_der()).unwrap().key;

    // Chained: the SOD signature is checked with the DSC's key, once.
    let (verifier, used) = counting_verifier();
    let report = passive_auth::verify(&document, &trust_of(&signer), &options(&signer), &verifier);
    assert!(report.valid);
    assert_eq!(check(&report, "sod.signature").0, Status::Pass);
    let uses = |used: &Arc<Mutex<Vec<PublicKey>>>| {
        used.lock()
            .unwrap()
            .iter()
            .filter(|k| **k == dsc_key)
            .count()
    };
    assert_eq!(uses(&used), 1);

    // No trusted CSCA: the DSC's key is never used and the report stays invalid.
    let (verifier, used) = counting_verifier();
    let report = passive_auth::verify(&document, &TrustStore::new(), &options(&signer), &verifier);
    assert!(!report.valid);
    let (status, detail) = check(&report, "sod.signature");
    assert_eq!(status, Status::Skipped);
    assert!(detail.contains("does not chain"), "{detail}");
    assert_ne!(check(&report, "dsc.chain").0, Status::Pass);
    assert_eq!(uses(&used), 0);

    // A CSCA of the same name but another key: the chain fails, the key is not used.
    let other = DocumentSigner::new(Profile::Rsa2048, 2, 0, &mut KeyStore::default()).unwrap();
    let (verifier, used) = counting_verifier();
    let report = passive_auth::verify(&document, &trust_of(&other), &options(&signer), &verifier);
    assert!(!report.valid);
    let (status, detail) = check(&report, "sod.signature");
    assert_eq!(status, Status::Skipped, "{detail}");
    assert!(
        detail.contains("does not chain") || detail.contains("no trusted CSCA"),
        "{detail}"
    );
    assert_ne!(check(&report, "dsc.chain").0, Status::Pass);
    assert_eq!(uses(&used), 0);
}

#[test]
fn a_broken_signature_under_a_chained_dsc_costs_at_most_one_retry() {
    let signer = DocumentSigner::new(Profile::Rsa2048, 1, 0, &mut KeyStore::default()).unwrap();
    let mut document = signer.document(0).unwrap();
    let sod = dongpo_icao::Sod::parse(&document.sod).unwrap();
    let at = document
        .sod
        .windows(sod.cms.signature.len())
        .position(|w| w == sod.cms.signature.as_slice())
        .unwrap();
    document.sod[at + 100] ^= 0x01;
    let dsc_key = Cert::parse(signer.dsc_der()).unwrap().key;
    let (verifier, used) = counting_verifier();
    let report = passive_auth::verify(&document, &trust_of(&signer), &options(&signer), &verifier);
    assert_eq!(check(&report, "sod.signature").0, Status::Fail);
    // The labelled padding, then the other one (quirk mislabelled-rsa-padding): a
    // 2048-bit key with e = 65537 is cheap enough to try twice.
    let uses = used
        .lock()
        .unwrap()
        .iter()
        .filter(|k| **k == dsc_key)
        .count();
    assert_eq!(uses, 2);
}
