//! OCSP answers for the issuing CAs from the store: `dongpo ocsp respond` and the demo.
//! Responses are signed by the issuing CA's own key and echo nonces (RFC 8954 limits).
//!
//! A one-shot answer reads only the serials the request names (a snapshot), so no store
//! lock is held while signing; the server keeps a long-lived `Responder` with its cache.

use std::collections::HashMap;

use dongpo_pki::Cert;
use dongpo_pki::time::UnixTime;
use dongpo_revocation::ocsp::issuer_id;
use dongpo_revocation::ocsp::{
    CertState, IssuerConfig, IssuerId, NoncePolicy, Responder, StatusError, StatusSource,
    parse_request,
};
use x509_cert::ext::pkix::crl::CrlReason;

use crate::issue::{IssueError, Issuer};
use crate::publish::PublishError;
use crate::store::CertStatus;
use dongpo_crypto::x509::SharedSigner;
use dongpo_pki::Serial;

/// How long an OCSP response is valid (nextUpdate - thisUpdate).
pub const OCSP_VALIDITY: u64 = 86_400;

/// Statuses of the certificates one request asks about, read from the store beforehand.
#[derive(Debug, Default)]
pub struct StatusSnapshot {
    states: HashMap<(IssuerId, Serial), CertState>,
}

impl StatusSource for StatusSnapshot {
    fn status(&self, issuer: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        Ok(self.states.get(&(issuer.clone(), serial.clone())).copied())
    }
}

fn reason(code: u8) -> Option<CrlReason> {
    CrlReason::try_from(u32::from(code)).ok()
}

/// Answers one DER OCSP request (malformed requests get `malformedRequest`, never an error).
///
/// # Errors
/// [`PublishError`] when an issuing CA cannot be set up or the store fails.
pub fn respond(
    issuer: &mut Issuer,
    request_der: &[u8],
    now: UnixTime,
) -> Result<Vec<u8>, PublishError> {
    let mut ids = Vec::new();
    for ca in issuer.cas() {
        let cert = Cert::parse(&ca.cert_der).map_err(|e| PublishError::Crl(Box::new(e)))?;
        ids.push((ca.name.clone(), issuer_id(&cert)));
    }
    let mut snapshot = StatusSnapshot::default();
    if let Ok(request) = parse_request(request_der) {
        for cert_id in &request.cert_ids {
            // A negative or zero serial is no certificate of ours: `unknown`.
            let Some(serial) = Serial::from_integer(cert_id.serial_number.as_bytes()) else {
                continue;
            };
            let Some(stored) = issuer
                .store()
                .certificate(serial.as_bytes())
                .map_err(IssueError::from)?
            else {
                continue;
            };
            // The responder itself matches the CertID's issuer hashes; the store says which
            // CA issued the serial, so a serial of another CA stays unknown.
            let Some((_, id)) = ids.iter().find(|(name, _)| *name == stored.cert.issuer) else {
                continue;
            };
            snapshot
                .states
                .insert((id.clone(), serial), state_of(stored.status));
        }
    }
    Ok(responder(issuer, snapshot)?
        .respond(request_der, now)
        .der
        .to_vec())
}

/// The OCSP state of a stored certificate status.
fn state_of(status: CertStatus) -> CertState {
    match status {
        CertStatus::Good => CertState::Good,
        CertStatus::Revoked { at, reason: code } => CertState::Revoked {
            at,
            reason: reason(code),
        },
    }
}

/// Statuses read from the store on demand, for a long-lived [`Responder`] (the server):
/// it holds its own store connection, so answering never waits for the issuer's lock.
pub struct StoreStatus {
    store: std::sync::Mutex<Box<dyn crate::store::Store>>,
    /// Issuing CA name by the issuer id the responder uses.
    names: HashMap<IssuerId, String>,
}

impl StoreStatus {
    /// Whether the responder's store answers (see [`crate::store::Store::ping`]).
    ///
    /// # Errors
    /// The store's error, or a poisoned lock.
    pub fn ping(&self) -> Result<(), crate::store::StoreError> {
        self.store
            .lock()
            .map_err(|_| crate::store::StoreError::Backend("OCSP store lock poisoned".into()))?
            .ping()
    }

    /// Statuses from `store` for the issuing CAs `cas` (name, certificate).
    #[must_use]
    pub fn new(store: Box<dyn crate::store::Store>, cas: &[(String, Cert)]) -> Self {
        StoreStatus {
            store: std::sync::Mutex::new(store),
            names: cas
                .iter()
                .map(|(name, cert)| (issuer_id(cert), name.clone()))
                .collect(),
        }
    }
}

impl StatusSource for StoreStatus {
    fn status(&self, issuer: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        let Some(name) = self.names.get(issuer) else {
            return Ok(None);
        };
        let mut store = self
            .store
            .lock()
            .map_err(|_| StatusError::Failed("store lock poisoned".into()))?;
        let stored = store
            .certificate(serial.as_bytes())
            .map_err(|e| StatusError::Unavailable(e.to_string()))?;
        Ok(match stored {
            // A serial of another of our CAs is unknown to this one.
            Some(stored) if stored.cert.issuer == *name => Some(state_of(stored.status)),
            _ => None,
        })
    }
}

/// A long-lived responder over `status` for the issuing CAs of `issuer`, each signing its
/// own responses; nonces are echoed (RFC 8954 limits), nonce-less single requests are
/// answered from its cache.
///
/// # Errors
/// [`PublishError::Crl`] when an issuing CA certificate does not parse or does not
/// match its key.
pub fn responder<S: StatusSource>(
    issuer: &Issuer,
    status: S,
) -> Result<Responder<S>, PublishError> {
    let mut responder = Responder::new(status);
    for ca in issuer.cas() {
        let cert = Cert::parse(&ca.cert_der).map_err(|e| PublishError::Crl(Box::new(e)))?;
        let config = IssuerConfig::new(
            cert,
            SharedSigner::new(ca.key.clone(), ca.algorithm),
            OCSP_VALIDITY,
        )
        .nonce_policy(NoncePolicy::echo());
        responder
            .add_issuer(config)
            .map_err(|e| PublishError::Crl(Box::new(e)))?;
    }
    Ok(responder)
}
