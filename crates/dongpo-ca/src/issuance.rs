//! The issuance service: one workflow from an application to a stored certificate, the
//! one the server and the CLI both call (after Boulder's RA `FinalizeOrder`).
//!
//! [`finalize`] takes a [`Request`] and, for a new application, runs in this order:
//!
//! 1. the RA decision ([`Ca::approve_application`]): a [`Refusal`] stops here; after a
//!    [`Refusal::RegistryRefused`] the verification is consumed first
//!    ([`IssuanceHooks::consume`]), so that one verification buys one registry answer;
//! 2. [`IssuanceHooks::approved`]: the caller's checks that rest on the approval (the server
//!    binds the passport to the approved person); an error stops here, nothing consumed;
//! 3. [`IssuanceHooks::consume`]: the single-use verification is taken (the server's
//!    conditional update); one already taken is [`IssuanceError::AlreadyConsumed`];
//! 4. the issuer ([`Ca::issue`]): serial reserved, certificate built, linted, signed, the
//!    KISA VID random (when the profile carries a VID) sealed to the certified key, stored
//!    with the certificate and audited; when it fails, [`IssuanceHooks::release`] gives the verification back, so
//!    the applicant can retry without scanning the passport again;
//! 5. [`IssuanceHooks::record`]: the serial is written on the verification, so that a retry
//!    finds it;
//! 6. [`IssuanceHooks::issued`]: what the caller does for a new certificate (the server
//!    pre-signs its OCSP response).
//!
//! A request on a verification already used ([`Request::Repeat`]) is idempotent: when it
//! repeats the issuance made on it (same profile, same key) the stored certificate is
//! answered again with [`Finalized::repeated`] set; any other is
//! [`IssuanceError::NotARetry`]. The CLI, which verifies the passport in the same process
//! and keeps no verification records, uses [`Standalone`].

use std::convert::Infallible;

use dongpo_pki::time::UnixTime;

use crate::access;
use crate::authority::{Application, Ca};
use crate::csr::parse_csr;
use crate::evidence::{Assurance, EvidenceError, PassportEvidence};
use crate::issue::{IssueError, Issued};
use crate::key_policy::spki_sha256;
use crate::ra::{Approval, Refusal};
use crate::store::StoreError;
use crate::vid::SealedRandom;
use dongpo_pki::Serial;

/// What the service is asked.
#[derive(Clone)]
pub enum Request<'a> {
    /// A first request on an unused verification.
    New(Application<'a>),
    /// A request on a verification already used: answered with the certificate issued on it
    /// when it asks for the same profile and key (a client retrying after a timeout).
    Repeat {
        /// The serial recorded on the verification (`None`: used without a certificate).
        serial: Option<Serial>,
        /// The request's CSR (PEM or DER; anything unreadable is no retry).
        csr: &'a [u8],
        /// The request's profile.
        profile: &'a str,
    },
}

/// What the caller adds around the CA's own steps: the record of the verification an
/// application rests on, its single-use consumption, and what follows a new certificate.
/// Each method runs on the caller's thread, inside [`finalize`], in the order the module
/// documentation gives.
pub trait IssuanceHooks {
    /// The caller's error, returned as [`IssuanceError::Hook`].
    type Error;

    /// The RA approved `application`: the caller's own checks that rest on the approval.
    /// An error stops the issuance before anything is consumed.
    ///
    /// # Errors
    /// The caller's refusal or failure.
    fn approved(
        &mut self,
        application: &Application<'_>,
        approval: &Approval,
        now: UnixTime,
    ) -> Result<(), Self::Error>;

    /// Takes the single-use verification: `false` when it was already taken.
    ///
    /// # Errors
    /// The caller's failure (nothing was taken).
    fn consume(&mut self, now: UnixTime) -> Result<bool, Self::Error>;

    /// Gives back the verification taken by [`IssuanceHooks::consume`]: the issuance failed
    /// and nothing was issued. A failure here is the hook's to report; the issuance error is
    /// returned either way.
    fn release(&mut self);

    /// Records the certificate issued on the verification, so that a retry finds it. A
    /// failure here is the hook's to report: the certificate is issued and returned.
    fn record(&mut self, issued: &Issued);

    /// A new certificate is stored and recorded (the server pre-signs its OCSP response).
    /// A failure here is the hook's to report.
    fn issued(&mut self, issued: &Issued, now: UnixTime);
}

/// Hooks for a caller without verification records (the CLI): nothing to bind, consume,
/// give back or record.
#[derive(Clone, Copy, Debug, Default)]
pub struct Standalone;

impl IssuanceHooks for Standalone {
    type Error = Infallible;

    fn approved(
        &mut self,
        _application: &Application<'_>,
        _approval: &Approval,
        _now: UnixTime,
    ) -> Result<(), Infallible> {
        Ok(())
    }

    fn consume(&mut self, _now: UnixTime) -> Result<bool, Infallible> {
        Ok(true)
    }

    fn release(&mut self) {}

    fn record(&mut self, _issued: &Issued) {}

    fn issued(&mut self, _issued: &Issued, _now: UnixTime) {}
}

/// A certificate the service answers with.
#[derive(Clone, Debug)]
pub struct Finalized {
    /// Serial.
    pub serial: Serial,
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// The issuing CA's name.
    pub issuer: String,
    /// The profile.
    pub profile: String,
    /// The issuing CA chain: its certificate, then the root (DER).
    pub chain: Vec<Vec<u8>>,
    /// The assurance the certificate records (`None` only for a repeated certificate
    /// without the passport-evidence extension).
    pub assurance: Option<Assurance>,
    /// Whether this is the certificate of an earlier request, answered again.
    pub repeated: bool,
    /// For a certificate carrying a KISA VID: its random `R` sealed to the certified key
    /// (the stored value again for a repeated request). Only the subscriber's private key
    /// opens it; the CA never keeps `R` itself.
    pub vid_random: Option<SealedRandom>,
}

/// Why the service issued nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuanceError<E> {
    /// The RA refused.
    #[error(transparent)]
    Refused(Refusal),
    /// A hook refused or failed.
    #[error("{0}")]
    Hook(E),
    /// The verification was taken by another request between the lookup and
    /// [`IssuanceHooks::consume`].
    #[error("the verification was already used for a certificate")]
    AlreadyConsumed,
    /// The verification was used, and this request does not repeat the issuance made on it.
    #[error("the verification was already used for a certificate; verify the passport again")]
    NotARetry,
    /// The issuer failed or refused; the verification was given back.
    #[error(transparent)]
    Issue(IssueError),
    /// The store could not be asked for the certificate of a repeated request.
    #[error("the CA store is unavailable: {0}")]
    Lookup(StoreError),
    /// The stored certificate of a repeated request has an unreadable evidence extension.
    #[error("the stored certificate's passport evidence: {0}")]
    Evidence(EvidenceError),
    /// No issuing CA of this CA serves the certificate's profile any more, so there is no
    /// chain to return with it (a configuration changed since it was issued).
    #[error("no issuing CA serves profile {profile}")]
    NoChain {
        /// The certificate's profile.
        profile: String,
    },
}

/// Runs the issuance workflow for `request` at `now` (see the module documentation).
///
/// # Errors
/// [`IssuanceError`]: the first step that refused or failed.
pub fn finalize<H: IssuanceHooks>(
    ca: &mut Ca,
    request: &Request<'_>,
    hooks: &mut H,
    now: UnixTime,
) -> Result<Finalized, IssuanceError<H::Error>> {
    match request {
        Request::New(application) => issue_new(ca, application, hooks, now),
        Request::Repeat {
            serial,
            csr,
            profile,
        } => repeat(ca, serial.as_ref(), csr, profile),
    }
}

fn issue_new<H: IssuanceHooks>(
    ca: &mut Ca,
    application: &Application<'_>,
    hooks: &mut H,
    now: UnixTime,
) -> Result<Finalized, IssuanceError<H::Error>> {
    let approval = match ca.approve_application(application, now) {
        Ok(approval) => approval,
        Err(refusal @ Refusal::RegistryRefused(_)) => {
            // The registry was consulted: the verification is spent, so one verification
            // buys at most one registry answer (no oracle by repeated probes).
            hooks.consume(now).map_err(IssuanceError::Hook)?;
            return Err(IssuanceError::Refused(refusal));
        }
        Err(refusal) => return Err(IssuanceError::Refused(refusal)),
    };
    hooks
        .approved(application, &approval, now)
        .map_err(IssuanceError::Hook)?;
    if !hooks.consume(now).map_err(IssuanceError::Hook)? {
        return Err(IssuanceError::AlreadyConsumed);
    }
    let issued = match ca.issue(&approval, now) {
        Ok(issued) => issued,
        Err(e) => {
            hooks.release();
            return Err(IssuanceError::Issue(e));
        }
    };
    let assurance = approval.evidence().assurance;
    // The approval holds the VID random R, now sealed into `issued`: wiped here, not later.
    drop(approval);
    hooks.record(&issued);
    hooks.issued(&issued, now);
    // The issuing CA that just signed serves this profile, so a chain is there; an empty
    // chain would reach the subscriber as a certificate without its issuers.
    let chain = ca
        .chain(&issued.profile)
        .ok_or_else(|| IssuanceError::NoChain {
            profile: issued.profile.clone(),
        })?;
    Ok(Finalized {
        serial: issued.serial,
        der: issued.der,
        issuer: issued.issuer,
        profile: issued.profile,
        chain,
        assurance: Some(assurance),
        repeated: false,
        vid_random: issued.vid_random,
    })
}

/// The certificate issued on a used verification, when the request asks for it again.
fn repeat<E>(
    ca: &mut Ca,
    serial: Option<&Serial>,
    csr: &[u8],
    profile: &str,
) -> Result<Finalized, IssuanceError<E>> {
    let serial = serial.ok_or(IssuanceError::NotARetry)?;
    let csr = parse_csr(csr).map_err(|_| IssuanceError::NotARetry)?;
    // As the store holds it: the key's canonical SPKI (a compressed EC point decompressed),
    // not the request's encoding.
    let spki = spki_sha256(&csr.public_key);
    let cert = ca
        .issuer()
        .store()
        .certificate(serial.as_bytes())
        .map_err(IssuanceError::Lookup)?
        .ok_or(IssuanceError::NotARetry)?
        .cert;
    if cert.spki_sha256 != spki || cert.profile != profile {
        return Err(IssuanceError::NotARetry);
    }
    let chain = ca.chain(profile).ok_or_else(|| IssuanceError::NoChain {
        profile: profile.to_owned(),
    })?;
    let assurance = PassportEvidence::of_certificate(&cert.der)
        .map_err(IssuanceError::Evidence)?
        .map(|evidence| evidence.assurance);
    Ok(Finalized {
        serial: Serial::from_bytes(&cert.serial).unwrap_or_else(|| serial.clone()),
        der: cert.der,
        issuer: cert.issuer,
        profile: cert.profile,
        chain,
        assurance,
        repeated: true,
        vid_random: cert.vid_random,
    })
}

/// The access records of one application for a certificate ([`crate::finalize`]): a
/// `registry.lookup` when the RA consulted the registry (outcome `found`, or the
/// [`RegistryRefusal`](crate::RegistryRefusal) detail the applicant never sees), and a
/// `certificate.issue` with the outcome (`issued:<serial>`, `repeated:<serial>`, or the
/// refusal's code). `person` is the applicant's registry id (`None`: the number given was
/// not a well-formed resident registration number); `new` whether the request was a
/// [`Request::New`](crate::Request::New); `reference` the verification id, if any.
#[must_use]
pub fn access_records<E>(
    actor: &str,
    person: Option<&str>,
    new: bool,
    result: &Result<Finalized, IssuanceError<E>>,
    reference: Option<&str>,
    at: UnixTime,
) -> Vec<access::Access> {
    let subject = person.map_or_else(|| "person:malformed".to_owned(), access::person_subject);
    // The registry is consulted last in the RA's order: any other refusal came before it.
    let lookup = match result {
        Ok(finalized) => (!finalized.repeated).then(|| "found".to_owned()),
        Err(IssuanceError::Refused(Refusal::RegistryRefused(why))) => Some(why.detail()),
        Err(IssuanceError::Refused(_)) => None,
        Err(_) => new.then(|| "found".to_owned()),
    };
    let outcome = match result {
        Ok(f) if f.repeated => format!("repeated:{}", f.serial.to_hex()),
        Ok(f) => format!("issued:{}", f.serial.to_hex()),
        Err(IssuanceError::Refused(refusal)) => refusal.code().to_owned(),
        Err(IssuanceError::AlreadyConsumed | IssuanceError::NotARetry) => {
            "verification_used".to_owned()
        }
        Err(IssuanceError::Hook(_)) => "refused_by_caller".to_owned(),
        Err(_) => "failed".to_owned(),
    };
    let make = |action, outcome| access::Access {
        at,
        actor: actor.to_owned(),
        action,
        subject: subject.clone(),
        outcome,
        reference: reference.map(str::to_owned),
    };
    let mut out = Vec::with_capacity(2);
    if let Some(found) = lookup {
        out.push(make(access::Action::RegistryLookup, found));
    }
    out.push(make(access::Action::CertificateIssue, outcome));
    out
}
