#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Adversarial review of issue 18, fixed: the pre-signed cache is keyed by (hash OID,
//! Serial) and used to store the response signed over the *first requester's* CertID.
//! An attacker who asks first with junk AlgorithmIdentifier parameters (here an OCTET
//! STRING "poison") makes every later client get a response whose CertID is not theirs:
//! strict clients (pyca/cryptography cannot even parse it; BouncyCastle/Java compare the
//! whole AlgorithmIdentifier) find no answer for their certificate, for up to nextUpdate,
//! and HTTP caches keep it (`public, max-age`). For a hash not pre-signed (SHA-384/512)
//! this also worked after revocation: the `revoked` answer no strict client could match.
//! Now only answers over the responder's canonical CertID are cached.

mod ocsp_support;

use std::sync::Arc;

use der::asn1::{Any, OctetString};
use der::{Encode, Tag};
use dongpo_crypto::HashAlgorithm;
use dongpo_revocation::ocsp::{
    CertState, IssuerConfig, NoncePolicy, Responder, build_request, cert_id,
};
use ocsp_support::{MapSource, NOW, TestCa};
use x509_cert::ext::pkix::CrlReason;

const DAY: u64 = 86_400;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn poisoned_then_victim(hash: HashAlgorithm, state: CertState) {
    let ca = TestCa::new("CN=dongpo atk18 CA,O=dongpo test,C=KR", NOW);
    let source = Arc::new(MapSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let id = responder
        .add_issuer(
            IssuerConfig::new(ca.cert.clone(), ca.signer(), DAY).nonce_policy(NoncePolicy::Ignore),
        )
        .unwrap();
    let serial = [0x31, 0x07];
    source.set(&id, &serial, state);

    let victim_id = cert_id(hash, &ca.cert, &serial).unwrap();
    let mut attacker_id = victim_id.clone();
    attacker_id.hash_algorithm.parameters = Some(
        Any::new(
            Tag::OctetString,
            OctetString::new(*b"poison").unwrap().as_bytes(),
        )
        .unwrap(),
    );

    // The attacker asks first (a node that has not pre-signed this serial yet, or a hash
    // that is never pre-signed).
    let first = responder.respond(&build_request(&[attacker_id.clone()], None).unwrap(), NOW);
    // Answered over its own CertID, live: a variant CertID is never cached.
    assert!(!first.cacheable);
    assert!(contains(&first.der, &attacker_id.to_der().unwrap()));
    // A well-behaved client, afterwards.
    let victim = responder.respond(
        &build_request(std::slice::from_ref(&victim_id), None).unwrap(),
        NOW,
    );
    assert!(
        contains(&victim.der, &victim_id.to_der().unwrap()),
        "the victim's response does not carry the victim's CertID (attacker's: {})",
        contains(&victim.der, b"poison")
    );
}

#[test]
fn a_cached_answer_carries_the_askers_cert_id_not_the_first_requesters() {
    poisoned_then_victim(HashAlgorithm::Sha1, CertState::Good);
}

#[test]
fn a_revoked_answer_under_sha384_cannot_be_poisoned() {
    poisoned_then_victim(
        HashAlgorithm::Sha384,
        CertState::Revoked {
            at: NOW,
            reason: Some(CrlReason::KeyCompromise),
        },
    );
}
