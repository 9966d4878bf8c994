//! The pre-signed response cache: per issuer, keyed by (CertID hash algorithm, [`Serial`]),
//! sharded by serial so that concurrent readers of different serials touch different
//! locks.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use dongpo_crypto::HashAlgorithm;
use dongpo_pki::{Serial, UnixTime};

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

/// One lock's worth of entries, with the generation of its serials.
#[derive(Default)]
struct Shard {
    /// Bumped by every [`ResponseCache::remove`] (a revocation): an answer whose status
    /// was read under an older generation may predate the revocation and is not stored.
    generation: u64,
    entries: HashMap<HashAlgorithm, HashMap<Serial, CachedResponse>>,
}

/// A shard's generation, read before the status an answer is signed over (see
/// [`ResponseCache::insert_if_current`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Generation(u64);

/// One issuer's cache.
pub(crate) struct ResponseCache {
    shards: Vec<RwLock<Shard>>,
}

impl ResponseCache {
    pub(crate) fn new() -> Self {
        ResponseCache {
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
        }
    }

    fn shard(&self, serial: &Serial) -> Option<&RwLock<Shard>> {
        let index = usize::from(serial.as_bytes().last().copied().unwrap_or(0)) % SHARDS;
        self.shards.get(index)
    }

    /// The entry for (`hash`, `serial`) if it is still fresh at `now`.
    pub(crate) fn get(
        &self,
        hash: HashAlgorithm,
        serial: &Serial,
        now: UnixTime,
    ) -> Option<(Arc<[u8]>, UnixTime, ETag)> {
        let shard = self.shard(serial)?.read().ok()?;
        let hit = shard.entries.get(&hash)?.get(serial)?;
        (hit.next_update > now).then(|| (Arc::clone(&hit.der), hit.next_update, hit.etag))
    }

    /// The generation of `serial`'s shard: read it before reading the status that an
    /// answer to be cached is signed over.
    pub(crate) fn generation(&self, serial: &Serial) -> Generation {
        Generation(self.shard(serial).map_or(0, |shard| {
            shard
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .generation
        }))
    }

    /// Stores `entry` if no revocation ([`ResponseCache::remove`]) touched `serial`'s
    /// shard since `generation` was read; returns whether it did. The check and the
    /// insert happen under one lock, so an answer signed over a status read before a
    /// concurrent revocation is never served after it.
    pub(crate) fn insert_if_current(
        &self,
        hash: HashAlgorithm,
        serial: &Serial,
        entry: CachedResponse,
        generation: Generation,
    ) -> bool {
        let Some(shard) = self.shard(serial) else {
            return false;
        };
        let mut shard = shard.write().unwrap_or_else(PoisonError::into_inner);
        if shard.generation != generation.0 {
            return false;
        }
        shard
            .entries
            .entry(hash)
            .or_default()
            .insert(serial.clone(), entry);
        true
    }

    /// Removes every entry for `serial` and bumps its shard's generation (answers being
    /// signed meanwhile will not be stored); returns the hash algorithms that had one.
    pub(crate) fn remove(&self, serial: &Serial) -> Vec<HashAlgorithm> {
        let Some(shard) = self.shard(serial) else {
            return Vec::new();
        };
        let mut shard = shard.write().unwrap_or_else(PoisonError::into_inner);
        shard.generation = shard.generation.wrapping_add(1);
        shard
            .entries
            .iter_mut()
            .filter_map(|(hash, by_serial)| by_serial.remove(serial).map(|_| *hash))
            .collect()
    }

    pub(crate) fn remove_one(&self, hash: HashAlgorithm, serial: &Serial) {
        if let Some(shard) = self.shard(serial)
            && let Some(by_serial) = shard
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entries
                .get_mut(&hash)
        {
            by_serial.remove(serial);
        }
    }

    /// Entries whose nextUpdate is at or before `horizon`.
    pub(crate) fn due(&self, horizon: UnixTime) -> Vec<(HashAlgorithm, Serial)> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let shard = shard.read().unwrap_or_else(PoisonError::into_inner);
            for (hash, by_serial) in shard.entries.iter() {
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
                    .entries
                    .values()
                    .map(HashMap::len)
                    .sum::<usize>()
            })
            .sum()
    }
}
