//! The responder core: answers requests for the issuers it serves, from a cache of
//! pre-signed responses where it can, signing live where it must.
//!
//! The hot path (one `Request`, no nonce to echo, cache hit) parses the request, finds
//! the issuer by comparing precomputed hashes, and clones an `Arc<[u8]>`: no signing.
//! Everything else (nonces under [`NoncePolicy::Echo`], several requests in one message,
//! misses, `unknown` serials) is signed live.
//!
//! Every serial is keyed as a [`Serial`] (the positive INTEGER's magnitude): a request's
//! CertID is read with [`Serial::from_integer`], pre-signed CertIDs are written with
//! [`Serial::to_int`], and [`Responder::invalidate`] takes the store's own [`Serial`], so a
//! revocation always reaches the entry a client is served from.

use std::sync::Arc;

use dongpo_crypto::HashAlgorithm;
use std::borrow::Borrow;

use dongpo_pki::{Cert, Serial, UnixTime};

use crate::ocsp::asn1::{CertId, OcspResponseStatus};
use crate::ocsp::cache::CachedResponse;
pub use crate::ocsp::cache::ETag;
use crate::ocsp::error::OcspError;
use crate::ocsp::issuer::Issuer;
pub use crate::ocsp::issuer::{IssuerConfig, NoncePolicy};
use crate::ocsp::request::{Nonce, ParsedRequest, decode_get_path, parse_request};
use crate::ocsp::response::{CertState, error_response};
pub use crate::ocsp::source::{IssuerId, StatusError, StatusSource};

/// What to send back, with the HTTP caching facts of RFC 5019 §6.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseOutcome {
    /// The `OCSPResponse` DER.
    pub der: Arc<[u8]>,
    /// Its status.
    pub status: OcspResponseStatus,
    /// Whether HTTP caches may keep it (no nonce echoed, every status known).
    pub cacheable: bool,
    /// Seconds until nextUpdate (`Cache-Control: max-age`), 0 when not cacheable.
    pub max_age: u64,
    /// nextUpdate (`Expires`), for cacheable responses.
    pub next_update: Option<UnixTime>,
    /// Entity tag, for cacheable responses.
    pub etag: Option<ETag>,
}

impl ResponseOutcome {
    fn error(status: OcspResponseStatus) -> Self {
        ResponseOutcome {
            der: error_response(status).into(),
            status,
            cacheable: false,
            max_age: 0,
            next_update: None,
            etag: None,
        }
    }

    fn cached(der: Arc<[u8]>, next_update: UnixTime, etag: ETag, now: UnixTime) -> Self {
        ResponseOutcome {
            der,
            status: OcspResponseStatus::Successful,
            cacheable: true,
            max_age: next_update.0.saturating_sub(now.0),
            next_update: Some(next_update),
            etag: Some(etag),
        }
    }

    fn live(der: Vec<u8>) -> Self {
        ResponseOutcome {
            der: der.into(),
            status: OcspResponseStatus::Successful,
            cacheable: false,
            max_age: 0,
            next_update: None,
            etag: None,
        }
    }
}

/// An OCSP responder for one or more issuers.
pub struct Responder<S> {
    source: S,
    issuers: Vec<Issuer>,
}

impl<S> std::fmt::Debug for Responder<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.issuers.iter().map(|i| i.name.as_str()).collect();
        f.debug_struct("Responder")
            .field("issuers", &names)
            .finish_non_exhaustive()
    }
}

fn status_of(e: &StatusError) -> OcspResponseStatus {
    match e {
        StatusError::Unavailable(_) => OcspResponseStatus::TryLater,
        StatusError::Failed(_) => OcspResponseStatus::InternalError,
    }
}

impl<S: StatusSource> Responder<S> {
    /// A responder with no issuers yet, asking `source` for statuses.
    pub fn new(source: S) -> Self {
        Responder {
            source,
            issuers: Vec::new(),
        }
    }

    /// The status source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Adds an issuer after checking that the signer matches the issuer (or the delegated
    /// responder certificate, which must be issued by the issuer for OCSP signing).
    ///
    /// # Errors
    /// [`OcspError::Config`] naming the inconsistency.
    pub fn add_issuer(&mut self, config: IssuerConfig) -> Result<IssuerId, OcspError> {
        let issuer = Issuer::from_config(config)?;
        if self.issuers.iter().any(|i| i.id == issuer.id) {
            return Err(OcspError::Config(format!(
                "issuer {} added twice",
                issuer.name
            )));
        }
        let id = issuer.id.clone();
        self.issuers.push(issuer);
        Ok(id)
    }

    /// The issuers served, in the order added.
    #[must_use]
    pub fn issuer_ids(&self) -> Vec<IssuerId> {
        self.issuers.iter().map(|i| i.id.clone()).collect()
    }

    /// Number of pre-signed responses held.
    #[must_use]
    pub fn cached_len(&self) -> usize {
        self.issuers.iter().map(|i| i.cache.len()).sum()
    }

    /// Answers a GET request: `path` is what follows the responder's URL prefix.
    pub fn respond_get(&self, path: &str, now: UnixTime) -> ResponseOutcome {
        match decode_get_path(path) {
            Ok(der) => self.respond(&der, now),
            Err(_) => ResponseOutcome::error(OcspResponseStatus::MalformedRequest),
        }
    }

    /// Answers a DER `OCSPRequest` (a POST body). Never fails: problems become error
    /// responses (`malformedRequest`, `unauthorized`, `tryLater`, `internalError`).
    pub fn respond(&self, request_der: &[u8], now: UnixTime) -> ResponseOutcome {
        match parse_request(request_der) {
            Ok(request) => self.respond_parsed(&request, now),
            Err(_) => ResponseOutcome::error(OcspResponseStatus::MalformedRequest),
        }
    }

    /// The pre-signed answer to a DER request, when one exists: a single CertID, no nonce
    /// to echo, cached and fresh. No signing and no status look-up, so an async server can
    /// answer it on its event loop and hand everything else (`None`) to a blocking pool.
    pub fn respond_cached(&self, request_der: &[u8], now: UnixTime) -> Option<ResponseOutcome> {
        let request = parse_request(request_der).ok()?;
        let [single] = request.cert_ids.as_slice() else {
            return None;
        };
        let (index, hash) = self.owner_of(single)?;
        let issuer = self.issuers.get(index)?;
        if request.nonce.is_some() && matches!(issuer.nonce, NoncePolicy::Echo { .. }) {
            return None;
        }
        let serial = Serial::from_integer(single.serial_number.as_bytes())?;
        let (der, next_update, etag) = issuer.cache.get(hash, &serial, now)?;
        Some(ResponseOutcome::cached(der, next_update, etag, now))
    }

    /// [`Responder::respond_cached`] for a GET path.
    pub fn respond_get_cached(&self, path: &str, now: UnixTime) -> Option<ResponseOutcome> {
        self.respond_cached(&decode_get_path(path).ok()?, now)
    }

    /// Answers an already parsed request.
    pub fn respond_parsed(&self, request: &ParsedRequest, now: UnixTime) -> ResponseOutcome {
        match self.answer(request, now) {
            Ok(outcome) => outcome,
            Err(status) => ResponseOutcome::error(status),
        }
    }

    fn answer(
        &self,
        request: &ParsedRequest,
        now: UnixTime,
    ) -> Result<ResponseOutcome, OcspResponseStatus> {
        let owners: Vec<Option<(usize, HashAlgorithm)>> = request
            .cert_ids
            .iter()
            .map(|id| self.owner_of(id))
            .collect();
        // RFC 5019 §2.2.3: not authoritative for any certificate asked about.
        let (index, hash) = owners
            .iter()
            .flatten()
            .next()
            .copied()
            .ok_or(OcspResponseStatus::Unauthorized)?;
        let issuer = self
            .issuers
            .get(index)
            .ok_or(OcspResponseStatus::InternalError)?;
        let echo = match (issuer.nonce, &request.nonce) {
            (NoncePolicy::Echo { max_len }, Some(nonce)) => {
                let len = nonce.value().len();
                if len == 0 || len > max_len {
                    return Err(OcspResponseStatus::MalformedRequest);
                }
                Some(nonce)
            }
            _ => None,
        };
        match (request.cert_ids.as_slice(), echo) {
            ([single], None) => self.answer_cacheable(issuer, hash, single, now),
            _ => {
                let der = self.sign_live(index, &request.cert_ids, &owners, echo, now)?;
                Ok(ResponseOutcome::live(der))
            }
        }
    }

    /// One CertID, no nonce: the pre-signed response, or sign and remember it.
    fn answer_cacheable(
        &self,
        issuer: &Issuer,
        hash: HashAlgorithm,
        cert_id: &CertId,
        now: UnixTime,
    ) -> Result<ResponseOutcome, OcspResponseStatus> {
        let Some(serial) = Serial::from_integer(cert_id.serial_number.as_bytes()) else {
            // A negative or zero serial: no certificate of ours, `unknown`, not cached.
            let der = issuer
                .sign(&[(cert_id.clone(), None)], None, now)
                .map_err(|_| OcspResponseStatus::InternalError)?;
            return Ok(ResponseOutcome::live(der));
        };
        let serial = &serial;
        // Only an answer over our own canonical CertID may be cached: the cache is keyed
        // by (hash, serial), so an answer signed over a requester's variant (other
        // AlgorithmIdentifier parameters) would be served to every later client, whose
        // CertID it does not carry. A variant is answered live, over its own CertID.
        if !issuer.is_canonical(hash, cert_id, serial) {
            return self.answer_live(issuer, cert_id, serial, now);
        }
        if let Some((der, next_update, etag)) = issuer.cache.get(hash, serial, now) {
            return Ok(ResponseOutcome::cached(der, next_update, etag, now));
        }
        // Read before the status: a revocation recorded after this point bumps it, and
        // the answer below is then not cached.
        let generation = issuer.cache.generation(serial);
        let (der, state) = self.signed_status(issuer, cert_id, serial, now)?;
        if state.is_none() {
            // Not cached: the serial may be issued any moment, and an `unknown` held
            // until nextUpdate would hide it (the EJBCA "unknown after issuance" trap).
            return Ok(ResponseOutcome::live(der));
        }
        let entry = CachedResponse::new(der, issuer.next_update(now));
        let outcome =
            ResponseOutcome::cached(Arc::clone(&entry.der), entry.next_update, entry.etag, now);
        if issuer
            .cache
            .insert_if_current(hash, serial, entry, generation)
        {
            Ok(outcome)
        } else {
            // A revocation raced this answer: the status it was signed over may be out of
            // date. Read it again and answer live (not cached), so that this client, too,
            // sees the revocation.
            self.answer_live(issuer, cert_id, serial, now)
        }
    }

    /// Reads `serial`'s status now and signs it over `cert_id`, returning the answer and
    /// the status it carries.
    fn signed_status(
        &self,
        issuer: &Issuer,
        cert_id: &CertId,
        serial: &Serial,
        now: UnixTime,
    ) -> Result<(Vec<u8>, Option<CertState>), OcspResponseStatus> {
        let state = self
            .source
            .status(&issuer.id, serial)
            .map_err(|e| status_of(&e))?;
        let der = issuer
            .sign(&[(cert_id.clone(), state)], None, now)
            .map_err(|_| OcspResponseStatus::InternalError)?;
        Ok((der, state))
    }

    /// [`Responder::signed_status`] as an answer that is never cached.
    fn answer_live(
        &self,
        issuer: &Issuer,
        cert_id: &CertId,
        serial: &Serial,
        now: UnixTime,
    ) -> Result<ResponseOutcome, OcspResponseStatus> {
        self.signed_status(issuer, cert_id, serial, now)
            .map(|(der, _)| ResponseOutcome::live(der))
    }

    fn sign_live(
        &self,
        index: usize,
        cert_ids: &[CertId],
        owners: &[Option<(usize, HashAlgorithm)>],
        nonce: Option<&Nonce>,
        now: UnixTime,
    ) -> Result<Vec<u8>, OcspResponseStatus> {
        let issuer = self
            .issuers
            .get(index)
            .ok_or(OcspResponseStatus::InternalError)?;
        let mut answers = Vec::with_capacity(cert_ids.len());
        for (id, owner) in cert_ids.iter().zip(owners) {
            // RFC 6960 §2.2: `unknown` for certificates of issuers this signer does not
            // speak for (another of our issuers signs with another key).
            let serial = Serial::from_integer(id.serial_number.as_bytes());
            let state = match (owner, serial) {
                (Some((i, _)), Some(serial)) if *i == index => self
                    .source
                    .status(&issuer.id, &serial)
                    .map_err(|e| status_of(&e))?,
                _ => None,
            };
            answers.push((id.clone(), state));
        }
        issuer
            .sign(&answers, nonce, now)
            .map_err(|_| OcspResponseStatus::InternalError)
    }

    /// The issuer (index) and hash algorithm of `cert_id`, if we serve that issuer.
    fn owner_of(&self, cert_id: &CertId) -> Option<(usize, HashAlgorithm)> {
        let hash = HashAlgorithm::from_oid(&cert_id.hash_algorithm.oid).ok()?;
        self.issuers
            .iter()
            .position(|issuer| issuer.owns(hash, cert_id))
            .map(|index| (index, hash))
    }

    fn issuer(&self, id: &IssuerId) -> Result<&Issuer, OcspError> {
        self.issuers
            .iter()
            .find(|i| i.id == *id)
            .ok_or_else(|| OcspError::UnknownIssuer(id.to_string()))
    }

    /// Signs and caches responses for `serial` under each of `hashes`. Returns how many
    /// were signed: none when the source does not know the serial.
    fn presign_one(
        &self,
        issuer: &Issuer,
        hashes: &[HashAlgorithm],
        serial: &Serial,
        now: UnixTime,
    ) -> Result<usize, OcspError> {
        let generation = issuer.cache.generation(serial);
        let state = self
            .source
            .status(&issuer.id, serial)
            .map_err(OcspError::Source)?;
        let Some(state) = state else {
            return Ok(0);
        };
        let mut count = 0;
        for &hash in hashes {
            let Some(cert_id) = issuer.cert_id(hash, serial)? else {
                continue;
            };
            let der = issuer.sign(&[(cert_id, Some(state))], None, now)?;
            // Not stored when a revocation raced it (the revocation re-signs its own).
            if issuer.cache.insert_if_current(
                hash,
                serial,
                CachedResponse::new(der, issuer.next_update(now)),
                generation,
            ) {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Pre-signs responses for `serials` of `issuer` (every pre-sign hash), so that
    /// requests for them are answered without signing. Serials the source does not know
    /// are skipped. Returns the number of responses signed.
    ///
    /// # Errors
    /// [`OcspError::UnknownIssuer`], [`OcspError::Source`], or signing failures.
    pub fn presign<I, B>(
        &self,
        issuer: &IssuerId,
        serials: I,
        now: UnixTime,
    ) -> Result<usize, OcspError>
    where
        I: IntoIterator<Item = B>,
        B: Borrow<Serial>,
    {
        let issuer = self.issuer(issuer)?;
        let mut count = 0;
        for serial in serials {
            count += self.presign_one(issuer, &issuer.presign_hashes, serial.borrow(), now)?;
        }
        Ok(count)
    }

    /// Re-signs every cached response whose nextUpdate falls before `now + margin` (run it
    /// on a schedule well inside the validity period). Returns the number re-signed.
    ///
    /// # Errors
    /// [`OcspError::Source`] or signing failures; responses re-signed before the failure
    /// are kept.
    pub fn refresh_due(&self, now: UnixTime, margin: u64) -> Result<usize, OcspError> {
        let horizon = UnixTime(now.0.saturating_add(margin));
        let mut count = 0;
        for issuer in &self.issuers {
            for (hash, serial) in issuer.cache.due(horizon) {
                let signed = self.presign_one(issuer, &[hash], &serial, now)?;
                if signed == 0 {
                    // The source no longer knows the serial: drop rather than re-sign.
                    issuer.cache.remove_one(hash, &serial);
                }
                count += signed;
            }
        }
        Ok(count)
    }

    /// Drops every cached response for `serial` and re-signs it at once from the status
    /// source: call it right after a revocation is recorded. Returns the number signed.
    ///
    /// # Errors
    /// [`OcspError::UnknownIssuer`], [`OcspError::Source`], or signing failures (the stale
    /// responses are gone either way, so requests fall through to live signing).
    pub fn invalidate(
        &self,
        issuer: &IssuerId,
        serial: &Serial,
        now: UnixTime,
    ) -> Result<usize, OcspError> {
        let issuer = self.issuer(issuer)?;
        let mut hashes = issuer.presign_hashes.clone();
        for hash in issuer.cache.remove(serial) {
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        self.presign_one(issuer, &hashes, serial, now)
    }
}

/// The [`Serial`] of a certificate, as [`Responder::presign`], [`Responder::invalidate`]
/// and [`StatusSource::status`] take it; `None` for a negative or zero serial number.
#[must_use]
pub fn serial_of(cert: &Cert) -> Option<Serial> {
    Serial::of(cert)
}

/// The issuer ID [`Responder::add_issuer`] gives `issuer`.
#[must_use]
pub fn issuer_id(issuer: &Cert) -> IssuerId {
    IssuerId(issuer.sha256.clone())
}
