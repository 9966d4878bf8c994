#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! OCSP cache against revocation races: an answer signed over a status read before a
//! concurrent revocation is never stored (and so never served after the revocation).
//! Deterministic: the status source stops between its read and the responder's insert
//! while the revocation runs.

mod ocsp_support;

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::Serial;
use dongpo_revocation::ocsp::{
    CertState, IssuerConfig, Responder, Status, build_request, cert_id, verify_response,
};
use dongpo_revocation::ocsp::{IssuerId, StatusError, StatusSource};
use ocsp_support::{NOW, TestCa};
use x509_cert::ext::pkix::CrlReason;

const DAY: u64 = 86_400;

/// A status map whose next read, once armed, reports that it has read and then waits
/// for a go before returning what it read.
#[derive(Default)]
struct GatedSource {
    states: Mutex<HashMap<Serial, CertState>>,
    gate: Mutex<Option<(Sender<()>, Receiver<()>)>>,
}

impl StatusSource for GatedSource {
    fn status(&self, _: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        let state = self.states.lock().unwrap().get(serial).copied();
        let gate = self.gate.lock().unwrap().take();
        if let Some((read, go)) = gate {
            read.send(()).unwrap();
            go.recv().unwrap();
        }
        Ok(state)
    }
}

fn status_of(der: &[u8], id: &dongpo_revocation::ocsp::CertId, ca: &TestCa) -> Status {
    verify_response(der, id, &ca.cert, NOW, None, &Verifier::new())
        .unwrap()
        .status
}

/// Runs one race: `answer` reads "good", then the certificate is revoked and the cache
/// invalidated, then `answer` goes on to sign and (before the fix) cache its "good".
fn race(
    answer: impl FnOnce(&Responder<Arc<GatedSource>>, &IssuerId, &Serial, &dongpo_pki::Cert) + Send,
) {
    let ca = TestCa::new("CN=dongpo OCSP race CA,O=dongpo test,C=KR", NOW);
    let source = Arc::new(GatedSource::default());
    let mut responder = Responder::new(Arc::clone(&source));
    let id = responder
        .add_issuer(IssuerConfig::new(ca.cert.clone(), ca.signer(), DAY))
        .unwrap();
    let serial = Serial::from_hex("3107").unwrap();
    source
        .states
        .lock()
        .unwrap()
        .insert(serial.clone(), CertState::Good);
    let (read_tx, read_rx) = channel();
    let (go_tx, go_rx) = channel();
    *source.gate.lock().unwrap() = Some((read_tx, go_rx));
    let revoked = CertState::Revoked {
        at: NOW,
        reason: Some(CrlReason::KeyCompromise),
    };
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| answer(&responder, &id, &serial, &ca.cert));
        // The reader has read "good" and not yet stored anything.
        read_rx.recv().unwrap();
        source
            .states
            .lock()
            .unwrap()
            .insert(serial.clone(), revoked);
        responder.invalidate(&id, &serial, NOW).unwrap();
        go_tx.send(()).unwrap();
        reader.join().unwrap();
    });
    // Every hash algorithm a client may use sees the revocation, from the cache or live.
    for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let cid = cert_id(hash, &ca.cert, &serial.to_integer()).unwrap();
        let der = build_request(std::slice::from_ref(&cid), None).unwrap();
        if let Some(cached) = responder.respond_cached(&der, NOW) {
            assert!(
                matches!(status_of(&cached.der, &cid, &ca), Status::Revoked { .. }),
                "{hash:?}: the cache serves an answer older than the revocation"
            );
        }
        let answered = responder.respond(&der, NOW);
        assert!(matches!(
            status_of(&answered.der, &cid, &ca),
            Status::Revoked { .. }
        ));
    }
}

#[test]
fn a_request_answered_across_a_revocation_is_not_cached_as_good() {
    race(|responder, _, serial, ca_cert| {
        // The cache is cold, so this request reads the status and signs.
        let cid = cert_id(HashAlgorithm::Sha256, ca_cert, &serial.to_integer()).unwrap();
        let der = build_request(std::slice::from_ref(&cid), None).unwrap();
        let outcome = responder.respond(&der, NOW);
        // The racing client itself is told the truth after the revocation, too.
        assert!(matches!(
            verify_response(&outcome.der, &cid, ca_cert, NOW, None, &Verifier::new())
                .unwrap()
                .status,
            Status::Revoked { .. }
        ));
    });
}

#[test]
fn a_presign_across_a_revocation_is_not_cached_as_good() {
    race(|responder, id, serial, _| {
        responder.presign(id, [serial], NOW).unwrap();
    });
}
