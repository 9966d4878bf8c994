//! Background work: revocations made by other server processes sharing the database reach
//! this one's OCSP cache and CRLs within `revocation_poll_secs`; cached OCSP responses are
//! re-signed before they expire; expired challenges, stale reports and everything past its
//! retention (`verification_retention_days`, `receipt_retention_days`,
//! `document_retention_days`) are purged.

use std::sync::Arc;
use std::time::Duration;

use dongpo_pki::time::UnixTime;

use crate::state::AppState;

/// Cached OCSP responses are re-signed when nextUpdate is closer than this (seconds).
const OCSP_REFRESH_MARGIN: u64 = 6 * 3600;

/// Re-reads the trust directories every `trust_reload_secs` and puts a changed set in use
/// (a new CSCA CRL, a CSCA added or removed); a directory that fails to load leaves the
/// trust store as it was.
pub fn spawn_trust_reload(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let period = Duration::from_secs(state.config.trust_reload_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await; // the first tick is now: the store was just loaded
        loop {
            ticker.tick().await;
            let worker = Arc::clone(&state);
            let reloaded = tokio::task::spawn_blocking(move || {
                crate::bootstrap::load_trust(&worker.config, &worker.metrics).map(|trust| {
                    let cscas = trust.cscas().len();
                    (worker.replace_trust(trust), cscas)
                })
            })
            .await;
            match reloaded {
                Ok(Ok((true, cscas))) => tracing::info!(cscas, "trust store reloaded"),
                Ok(Ok((false, _))) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "reloading the trust store failed; keeping the current one")
                }
                Err(e) => tracing::warn!(error = %e, "reloading the trust store failed"),
            }
        }
    })
}

/// Starts the background loop; abort the handle to stop it.
pub fn spawn(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let period = Duration::from_secs(state.config.revocation_poll_secs);
    // Pre-signing a large store takes a while; the revocation polls must not wait for it,
    // or OCSP would answer tryLater past revocation_max_staleness_secs.
    let worker = Arc::clone(&state);
    tokio::spawn(async move {
        match tokio::task::spawn_blocking(move || presign_all(&worker)).await {
            Ok(Ok(signed)) => {
                tracing::info!(signed, "OCSP responses pre-signed for every certificate")
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "pre-signing OCSP responses failed; they are signed on first request")
            }
            Err(e) => tracing::warn!(error = %e, "pre-signing OCSP responses failed"),
        }
    });
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds: u64 = 0;
        loop {
            ticker.tick().await;
            rounds += 1;
            let worker = Arc::clone(&state);
            let housekeeping = rounds.is_multiple_of(30);
            let done = tokio::task::spawn_blocking(move || round(&worker, housekeeping)).await;
            if let Ok(Err(e)) = done {
                tracing::warn!(error = %e, "background round failed; retrying next round");
            }
        }
    })
}

/// Why a background round (or the start-up pre-signing) failed; logged, then retried.
#[derive(Debug, thiserror::Error)]
enum RoundError {
    /// A lock a panicking thread held.
    #[error("{0} lock poisoned")]
    Poisoned(&'static str),
    /// The CA store.
    #[error(transparent)]
    Store(#[from] dongpo_ca::store::StoreError),
    /// The OCSP responder.
    #[error(transparent)]
    Ocsp(#[from] dongpo_revocation::ocsp::OcspError),
    /// The server database.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// Signs an OCSP response for every certificate in the store, so that requests are
/// answered from the cache from the start.
fn presign_all(state: &AppState) -> Result<usize, RoundError> {
    let now = UnixTime::now();
    let serials = {
        let mut ca = state.ca.lock().map_err(|_| RoundError::Poisoned("CA"))?;
        ca.issuer().store().serials()?
    };
    // The store holds canonical magnitudes only (its CHECK and `check_serial`).
    let serials: Vec<dongpo_pki::Serial> = serials
        .iter()
        .filter_map(|s| dongpo_pki::Serial::from_bytes(s))
        .collect();
    let mut signed = 0;
    // The status source knows which CA issued each serial and answers `None` to the
    // others, which the responder skips.
    for id in state.ocsp_issuers.values() {
        signed += state.ocsp.presign(id, serials.iter(), now)?;
    }
    Ok(signed)
}

fn round(state: &AppState, housekeeping: bool) -> Result<(), RoundError> {
    let now = UnixTime::now();
    let current = {
        let mut ca = state.ca.lock().map_err(|_| RoundError::Poisoned("CA"))?;
        crate::bootstrap::revoked_now(&mut ca)?
    };
    let mut fresh = Vec::new();
    if let Ok(mut seen) = state.revocations_seen.lock() {
        for (issuer, serials) in current {
            let known = seen.entry(issuer.clone()).or_default();
            for serial in serials {
                if known.insert(serial.clone()) {
                    fresh.push((issuer.clone(), serial));
                }
            }
        }
    }
    for (issuer, serial) in fresh {
        tracing::info!(issuer, "revocation by another server seen");
        state.revocation_seen(&issuer, &serial, now);
    }
    state.revocations_synced(now);
    if housekeeping {
        state.ocsp.refresh_due(now, OCSP_REFRESH_MARGIN)?;
        let max_age = state
            .ca
            .lock()
            .map_err(|_| RoundError::Poisoned("CA"))?
            .ra_policy()
            .max_report_age;
        let cutoffs = state.config.purge_cutoffs(now, max_age);
        let removed = state
            .db
            .lock()
            .map_err(|_| RoundError::Poisoned("server database"))?
            .purge(now, &cutoffs)?;
        if removed != crate::db::Removed::default() {
            tracing::info!(
                verifications = removed.verifications,
                reports = removed.reports,
                documents = removed.documents,
                "purged past retention"
            );
        }
        purge_access(state, now)?;
    }
    Ok(())
}

/// Once a day: this node's access records older than their retention are deleted (a
/// checkpoint keeps the chain verifiable).
fn purge_access(state: &AppState, now: UnixTime) -> Result<(), RoundError> {
    use std::sync::atomic::Ordering;
    let last = state.access_purged_at.load(Ordering::Relaxed);
    if now.0.saturating_sub(last) < 86_400 {
        return Ok(());
    }
    let days = state
        .ca
        .lock()
        .map_err(|_| RoundError::Poisoned("CA"))?
        .config()
        .access_retention_days();
    let before = UnixTime(now.0.saturating_sub(u64::from(days).saturating_mul(86_400)));
    let removed = state
        .access
        .lock()
        .map_err(|_| RoundError::Poisoned("access log"))?
        .purge(before, now)?;
    state.access_purged_at.store(now.0, Ordering::Relaxed);
    if removed > 0 {
        tracing::info!(removed, days, "access records past their retention purged");
    }
    Ok(())
}
