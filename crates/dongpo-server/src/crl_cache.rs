//! Published CRLs, regenerated when older than the refresh interval or after a
//! revocation, so every request does not take a new CRL number.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dongpo_pki::time::UnixTime;

/// A CRL and when it was generated.
type Entry = (Arc<[u8]>, UnixTime);

/// CRL file name (`toss.crl`, `toss-3.crl`) -> (DER, generated at).
#[derive(Default)]
pub struct CrlCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl CrlCache {
    /// The cached CRL `name` if generated less than `max_age` seconds before `now`.
    #[must_use]
    pub fn fresh(&self, name: &str, now: UnixTime, max_age: u64) -> Option<Arc<[u8]>> {
        let entries = self.entries.lock().ok()?;
        let (der, at) = entries.get(name)?;
        (now.0.saturating_sub(at.0) < max_age).then(|| Arc::clone(der))
    }

    /// Remembers a CRL generated at `at`.
    pub fn put(&self, name: &str, der: Arc<[u8]>, at: UnixTime) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(name.to_owned(), (der, at));
        }
    }

    /// After a revocation by `issuer`: drops its partition CRLs (what certificates' CRL
    /// distribution points name) and its delta CRL, so both list the revocation at once.
    /// The complete CRL stays until its refresh: it is the base the delta is read against
    /// (RFC 5280 §5.2.4), and regenerating it on every revocation would leave deltas empty.
    pub fn invalidate(&self, issuer: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            let prefix = format!("{issuer}-");
            entries.retain(|name, _| !name.trim_end_matches(".crl").starts_with(&prefix));
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
        cache.put("toss.crl", Arc::from(&b"a"[..]), UnixTime(100));
        cache.put("toss-1.crl", Arc::from(&b"b"[..]), UnixTime(100));
        cache.put("toss-delta.crl", Arc::from(&b"d"[..]), UnixTime(100));
        cache.put("tossbank.crl", Arc::from(&b"c"[..]), UnixTime(100));
        assert!(cache.fresh("toss.crl", UnixTime(159), 60).is_some());
        assert!(cache.fresh("toss.crl", UnixTime(160), 60).is_none());
        cache.invalidate("toss");
        assert!(cache.fresh("toss.crl", UnixTime(101), 60).is_some());
        assert!(cache.fresh("toss-1.crl", UnixTime(101), 60).is_none());
        assert!(cache.fresh("toss-delta.crl", UnixTime(101), 60).is_none());
        assert_eq!(
            &*cache.fresh("tossbank.crl", UnixTime(101), 60).unwrap(),
            b"c"
        );
    }
}
