//! The pre-signed response cache: per issuer, keyed by (CertID hash algorithm, serial),
//! sharded by serial so that concurrent readers of different serials touch different
//! locks.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use dongpo_crypto::HashAlgorithm;
use dongpo_pki::UnixTime;

/// Lock shards per issuer; serials are random, so their last octet spreads evenly.
const SHARDS: usize = 16;

/// An RFC 5019 §6.2 entity tag: the first 16 octets of the response's SHA-256. `Copy`,
/// so handing it out costs no reference counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ETag(pub [u8; 16]);

impl ETag {
    /// The tag of `der`.
    #[must_use]
    pub fn of(der: &[u8]) -> Self {
        let digest = HashAlgorithm::Sha256.digest(der);
        let mut tag = [0u8; 16];
        for (t, d) in tag.iter_mut().zip(digest) {
            *t = d;
        }
        ETag(tag)
    }
}

impl std::fmt::Display for ETag {
    /// The quoted header value, `"0123…"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", hex::encode(self.0))
    }
}

/// A pre-signed response.
#[derive(Clone, Debug)]
pub(crate) struct CachedResponse {
    pub(crate) der: Arc<[u8]>,
    pub(crate) next_update: UnixTime,
    pub(crate) etag: ETag,
}

impl CachedResponse {
    pub(crate) fn new(der: Vec<u8>, next_update: UnixTime) -> Self {
        CachedResponse {
            etag: ETag::of(&der),
            der: der.into(),
            next_update,
        }
    }
}

type Shard = HashMap<HashAlgorithm, HashMap<Box<[u8]>, CachedResponse>>;

/// One issuer's cache.
pub(crate) struct ResponseCache {
    shards: Vec<RwLock<Shard>>,
}

impl ResponseCache {
    pub(crate) fn new() -> Self {
        ResponseCache {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, serial: &[u8]) -> Option<&RwLock<Shard>> {
        let index = usize::from(serial.last().copied().unwrap_or(0)) % SHARDS;
        self.shards.get(index)
    }

    /// The entry for (`hash`, `serial`) if it is still fresh at `now`.
    pub(crate) fn get(
        &self,
        hash: HashAlgorithm,
        serial: &[u8],
        now: UnixTime,
    ) -> Option<(Arc<[u8]>, UnixTime, ETag)> {
        let shard = self.shard(serial)?.read().ok()?;
        let hit = shard.get(&hash)?.get(serial)?;
        (hit.next_update > now).then(|| (Arc::clone(&hit.der), hit.next_update, hit.etag))
    }

    pub(crate) fn insert(&self, hash: HashAlgorithm, serial: &[u8], entry: CachedResponse) {
        if let Some(shard) = self.shard(serial) {
            shard
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(hash)
                .or_default()
                .insert(serial.into(), entry);
        }
    }

    /// Removes every entry for `serial`; returns the hash algorithms that had one.
    pub(crate) fn remove(&self, serial: &[u8]) -> Vec<HashAlgorithm> {
        let Some(shard) = self.shard(serial) else {
            return Vec::new();
        };
        let mut shard = shard.write().unwrap_or_else(PoisonError::into_inner);
        shard
            .iter_mut()
            .filter_map(|(hash, by_serial)| by_serial.remove(serial).map(|_| *hash))
            .collect()
    }

    pub(crate) fn remove_one(&self, hash: HashAlgorithm, serial: &[u8]) {
        if let Some(shard) = self.shard(serial)
            && let Some(by_serial) = shard
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(&hash)
        {
            by_serial.remove(serial);
        }
    }

    /// Entries whose nextUpdate is at or before `horizon`.
    pub(crate) fn due(&self, horizon: UnixTime) -> Vec<(HashAlgorithm, Box<[u8]>)> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
            for (hash, by_serial) in shard.iter() {
                out.extend(
                    by_serial
                        .iter()
                        .filter(|(_, e)| e.next_update <= horizon)
                        .map(|(serial, _)| (*hash, serial.clone())),
                );
            }
        }
        out
    }

    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .values()
                    .map(HashMap::len)
                    .sum::<usize>()
            })
            .sum()
    }
}
