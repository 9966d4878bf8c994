//! Published CRLs, regenerated when older than the refresh interval or after a
//! revocation, so every request does not take a new CRL number.
//!
//! Keyed by issuing CA and scope, never by the request string: only the canonical names
//! reach the cache (see `routes::publish`), and however a name is spelled it maps to one
//! entry. The number of entries is bounded ([`MAX_ENTRIES`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dongpo_pki::time::UnixTime;

/// Most CRLs held: far above what a CA publishes (issuers × (partitions + 2)), a cap so
/// that no request pattern can grow the cache without bound.
pub const MAX_ENTRIES: usize = 4096;

/// Which CRL of an issuing CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CrlKind {
    /// The complete CRL (`<issuer>.crl`).
    Full,
    /// One partition (`<issuer>-<n>.crl`, as certificates' CRL distribution points name it).
    Partition(u32),
    /// The delta CRL (`<issuer>-delta.crl`).
    Delta,
}

/// A CRL and when it was generated.
type Entry = (Arc<[u8]>, UnixTime);

/// (issuing CA, scope) -> (DER, generated at).
#[derive(Default)]
pub struct CrlCache {
    entries: Mutex<HashMap<(String, CrlKind), Entry>>,
}

impl CrlCache {
    /// The cached CRL if generated less than `max_age` seconds before `now`.
    #[must_use]
    pub fn fresh(
        &self,
        issuer: &str,
        kind: CrlKind,
        now: UnixTime,
        max_age: u64,
    ) -> Option<Arc<[u8]>> {
        let entries = self.entries.lock().ok()?;
        let (der, at) = entries.get(&(issuer.to_owned(), kind))?;
        (now.0.saturating_sub(at.0) < max_age).then(|| Arc::clone(der))
    }

    /// Remembers a CRL generated at `at` (not when the cache is full of other CRLs).
    pub fn put(&self, issuer: &str, kind: CrlKind, der: Arc<[u8]>, at: UnixTime) {
        if let Ok(mut entries) = self.entries.lock() {
            let key = (issuer.to_owned(), kind);
            if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
                return;
            }
            entries.insert(key, (der, at));
        }
    }

    /// Number of CRLs held.
    #[must_use]
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// After a revocation by `issuer`: drops its partition CRLs (what certificates' CRL
    /// distribution points name) and its delta CRL, so both list the revocation at once.
    /// The complete CRL stays until its refresh: it is the base the delta is read against
    /// (RFC 5280 §5.2.4), and regenerating it on every revocation would leave deltas empty.
    pub fn invalidate(&self, issuer: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(name, kind), _| name != issuer || *kind == CrlKind::Full);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fresh_until_max_age_and_partitions_and_deltas_invalidated() {
        let cache = CrlCache::default();
        cache.put("toss", CrlKind::Full, Arc::from(&b"a"[..]), UnixTime(100));
        cache.put(
            "toss",
            CrlKind::Partition(1),
            Arc::from(&b"b"[..]),
            UnixTime(100),
        );
        cache.put("toss", CrlKind::Delta, Arc::from(&b"d"[..]), UnixTime(100));
        cache.put(
            "tossbank",
            CrlKind::Full,
            Arc::from(&b"c"[..]),
            UnixTime(100),
        );
        cache.put(
            "tossbank",
            CrlKind::Partition(1),
            Arc::from(&b"e"[..]),
            UnixTime(100),
        );
        let full = CrlKind::Full;
        assert!(cache.fresh("toss", full, UnixTime(159), 60).is_some());
        assert!(cache.fresh("toss", full, UnixTime(160), 60).is_none());
        cache.invalidate("toss");
        assert!(cache.fresh("toss", full, UnixTime(101), 60).is_some());
        assert!(
            cache
                .fresh("toss", CrlKind::Partition(1), UnixTime(101), 60)
                .is_none()
        );
        assert!(
            cache
                .fresh("toss", CrlKind::Delta, UnixTime(101), 60)
                .is_none()
        );
        assert_eq!(
            &*cache.fresh("tossbank", full, UnixTime(101), 60).unwrap(),
            b"c"
        );
        assert_eq!(
            &*cache
                .fresh("tossbank", CrlKind::Partition(1), UnixTime(101), 60)
                .unwrap(),
            b"e"
        );
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = CrlCache::default();
        for i in 0..(MAX_ENTRIES as u32 + 10) {
            cache.put(
                "toss",
                CrlKind::Partition(i),
                Arc::from(&b"x"[..]),
                UnixTime(1),
            );
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        // An entry already held is still replaced.
        cache.put(
            "toss",
            CrlKind::Partition(0),
            Arc::from(&b"y"[..]),
            UnixTime(2),
        );
        assert_eq!(
            &*cache
                .fresh("toss", CrlKind::Partition(0), UnixTime(2), 60)
                .unwrap(),
            b"y"
        );
    }
}
