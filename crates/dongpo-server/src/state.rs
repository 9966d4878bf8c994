//! What every request handler shares.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use dongpo_batch::BatchVerifier;
use dongpo_ca::StoreStatus;
use dongpo_ca::{Access, AccessLog, Ca};
use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::Options;
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use dongpo_revocation::ocsp::{IssuerId, Responder};

use crate::auth::KeyRing;
use crate::config::ServerConfig;
use crate::crl_cache::CrlCache;
use crate::db::{DbError, ServerDb};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::receipt::ReceiptSigner;
use crate::verify_pool::VerifyPool;

/// The server's shared state.
pub struct AppState {
    /// The configuration.
    pub config: ServerConfig,
    /// The CA (registration authority, issuer, store), one caller at a time.
    pub ca: Mutex<Ca>,
    /// The server's own tables.
    pub db: Mutex<Box<dyn ServerDb>>,
    /// Passive Authentication with shared chain caches; replaced when the trust
    /// directories change (see [`AppState::verifier`]).
    pub verifier: RwLock<BatchVerifier>,
    /// [`dongpo_icao::TrustStore::snapshot_id`] of the verifier's trust store.
    pub trust_snapshot: Mutex<String>,
    /// The OCSP responder (with its own store connection and cache).
    pub ocsp: Responder<StoreStatus>,
    /// OCSP issuer ids by issuing CA name.
    pub ocsp_issuers: HashMap<String, IssuerId>,
    /// Published CRLs.
    pub crls: CrlCache,
    /// API keys and rate limits.
    pub keys: KeyRing,
    /// Metrics.
    pub metrics: Metrics,
    /// The receipt-signing key.
    pub receipts: ReceiptSigner,
    /// Key of the document fingerprints.
    pub fingerprint_key: zeroize::Zeroizing<[u8; 32]>,
    /// Revoked serials already reflected in the OCSP cache and CRLs, by issuing CA.
    pub revocations_seen: Mutex<HashMap<String, HashSet<Serial>>>,
    /// When the revocations in `revocations_seen` were last read from the store (Unix
    /// seconds, taken before the read).
    pub revocations_synced_at: AtomicU64,
    /// One thread per core for verification work, however many requests are in flight
    /// (more would only time-slice the same cores).
    pub verify_pool: VerifyPool,
    /// The access records of personal data (`dongpo_ca::access`), on a store connection
    /// of their own: recording never waits for the CA lock.
    pub access: Mutex<AccessLog>,
    /// When the access records were last purged of what is past their retention (Unix
    /// seconds; 0: not yet in this process).
    pub access_purged_at: AtomicU64,
}

impl AppState {
    /// Runs `f` on the server database in the blocking pool.
    ///
    /// # Errors
    /// 503 `unavailable` when the database fails.
    pub async fn db<R, F>(self: &Arc<Self>, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn ServerDb) -> Result<R, DbError> + Send + 'static,
    {
        let state = Arc::clone(self);
        blocking(move || state.with_db(f)).await
    }

    /// The current verifier (a cheap handle: the caches are shared).
    ///
    /// # Errors
    /// 500 when the lock is poisoned.
    pub fn verifier(&self) -> Result<BatchVerifier, ApiError> {
        self.verifier
            .read()
            .map(|v| v.clone())
            .map_err(|_| ApiError::internal("verifier lock poisoned"))
    }

    /// Puts `trust` in use when it differs from the current trust store; returns whether
    /// it did. Verifications already running finish on the old one.
    pub fn replace_trust(&self, trust: dongpo_icao::TrustStore) -> bool {
        let snapshot = trust.snapshot_id();
        let Ok(mut current) = self.trust_snapshot.lock() else {
            return false;
        };
        if *current == snapshot {
            return false;
        }
        let Ok(mut verifier) = self.verifier.write() else {
            return false;
        };
        *verifier = batch_verifier(trust);
        *current = snapshot;
        true
    }

    /// Records that the store's revocations as of `at` are reflected here.
    pub fn revocations_synced(&self, at: UnixTime) {
        self.revocations_synced_at
            .fetch_max(at.0, Ordering::Relaxed);
    }

    /// Whether the revocations reflected here are older than the configured bound at
    /// `now` (the store has not answered the polls since).
    pub fn revocations_stale(&self, now: UnixTime) -> bool {
        let synced = self.revocations_synced_at.load(Ordering::Relaxed);
        now.0.saturating_sub(synced) > self.config.revocation_max_staleness_secs
    }

    /// Runs `f` on the server database on this thread (from inside a blocking job).
    ///
    /// # Errors
    /// 503 `unavailable` when the database fails.
    pub fn with_db<R>(
        &self,
        f: impl FnOnce(&mut dyn ServerDb) -> Result<R, DbError>,
    ) -> Result<R, ApiError> {
        let mut db = self
            .db
            .lock()
            .map_err(|_| ApiError::internal("server database lock poisoned"))?;
        f(db.as_mut()).map_err(ApiError::unavailable)
    }

    /// Runs `f` on the CA in the blocking pool.
    ///
    /// # Errors
    /// What `f` returns; 500 when the lock is poisoned.
    pub async fn ca<R, F>(self: &Arc<Self>, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Ca, &AppState) -> Result<R, ApiError> + Send + 'static,
    {
        let state = Arc::clone(self);
        blocking(move || {
            let mut ca = state
                .ca
                .lock()
                .map_err(|_| ApiError::internal("CA lock poisoned"))?;
            f(&mut ca, &state)
        })
        .await
    }

    /// After a revocation this process recorded (or saw another record): OCSP answers and
    /// CRLs for the issuing CA stop vouching for the certificate at once. `serial` is the
    /// canonical [`Serial`] the responder's cache is keyed by, whatever spelling (with or
    /// without the INTEGER's leading zero octet) clients' requests use.
    pub fn revocation_seen(&self, issuer: &str, serial: &Serial, now: UnixTime) {
        if let Ok(mut seen) = self.revocations_seen.lock() {
            seen.entry(issuer.to_owned())
                .or_default()
                .insert(serial.clone());
        }
        if let Some(id) = self.ocsp_issuers.get(issuer)
            && let Err(e) = self.ocsp.invalidate(id, serial, now)
        {
            tracing::warn!(error = %e, issuer, "OCSP cache refresh after revocation failed");
        }
        self.crls.invalidate(issuer);
    }
}

impl AppState {
    /// Appends access records of personal data. A failure is logged at error level, not
    /// returned: the access has happened by then, and the operators must
    /// find out (docs/operators.md, access records).
    pub fn record_access(&self, accesses: &[Access]) {
        let result = match self.access.lock() {
            Ok(mut log) => log.record(accesses).map_err(|e| e.to_string()),
            Err(_) => Err("access log lock poisoned".into()),
        };
        if let Err(error) = result {
            tracing::error!(%error, records = accesses.len(), "recording access to personal data failed");
        }
    }

    /// The pseudonymous subject of a passport in access records: its keyed document
    /// fingerprint (`document:<hex>`), or `document:unreadable` without an MRZ.
    pub fn document_subject(&self, mrz: Option<&dongpo_icao::MrzSummary>) -> String {
        mrz.map_or_else(
            || "document:unreadable".to_owned(),
            |mrz| {
                format!(
                    "document:{}",
                    crate::fingerprint::document_fingerprint(
                        &self.fingerprint_key,
                        &mrz.issuing_state,
                        &mrz.document_number,
                    )
                )
            },
        )
    }
}

impl AppState {
    /// Runs CPU-bound verification work on the verification pool (one thread per core).
    ///
    /// # Errors
    /// What `f` returns; 500 when the work panicked or the pool stopped.
    pub async fn compute<R, F>(self: &Arc<Self>, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&AppState) -> Result<R, ApiError> + Send + 'static,
    {
        let state = Arc::clone(self);
        self.verify_pool.run(move || f(&state)).await?
    }
}

/// Runs blocking work (database, signing, the CA lock) off the event loop.
///
/// # Errors
/// What `f` returns; 500 when the task panicked.
pub async fn blocking<R, F>(f: F) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce() -> Result<R, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// The verifier (with empty caches) over `trust`; documents are verified at the request's
/// time, so the options' time is only a default.
pub fn batch_verifier(trust: TrustStore) -> BatchVerifier {
    BatchVerifier::new(
        Arc::new(trust),
        Options::at(UnixTime::now()),
        Arc::new(Verifier::new()),
    )
}
