//! A [`ChainCache`] shared by every worker of a batch: DSC chains by (DSC fingerprint,
//! trust snapshot, time window), bounded, with hit and miss counts.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use dongpo_crypto::HashAlgorithm;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{ChainCache, ChainKey, DscChain};
use dongpo_pki::UnixTime;

/// DSCs kept before the cache starts over (a national PKD holds a few thousand).
const DEFAULT_CAPACITY: usize = 16_384;

/// Chains whose DSC is compared byte for byte before an embedded certificate is hashed:
/// a stream has few DSCs.
const RECENT: usize = 8;

/// Time windows kept per DSC: a batch normally needs one; signing-time verification of
/// documents from both sides of a CRL update needs a few.
const WINDOWS_PER_DSC: usize = 8;

/// How often the cache answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Look-ups answered from the cache.
    pub hits: u64,
    /// Look-ups that had to build a chain (or were for a certificate that was not the signer).
    pub misses: u64,
    /// DSCs held now.
    pub dscs: usize,
}

/// The chains of one trust store, shared between threads.
#[derive(Debug)]
pub struct SharedChainCache {
    trust: Arc<TrustStore>,
    snapshot_id: String,
    capacity: usize,
    chains: RwLock<HashMap<Vec<u8>, Vec<Arc<DscChain>>>>,
    /// The chains answered or kept last, newest first (see [`ChainCache::get_by_der`]).
    recent: RwLock<VecDeque<Arc<DscChain>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl SharedChainCache {
    /// A cache for `trust`; its snapshot id is computed once, here.
    #[must_use]
    pub fn new(trust: Arc<TrustStore>) -> Self {
        Self::with_capacity(trust, DEFAULT_CAPACITY)
    }

    /// A cache holding at most `capacity` DSCs (it empties itself when full).
    #[must_use]
    pub fn with_capacity(trust: Arc<TrustStore>, capacity: usize) -> Self {
        SharedChainCache {
            snapshot_id: trust.snapshot_id(),
            trust,
            capacity: capacity.max(1),
            chains: RwLock::new(HashMap::new()),
            recent: RwLock::new(VecDeque::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The store it serves.
    #[must_use]
    pub fn trust(&self) -> &Arc<TrustStore> {
        &self.trust
    }

    /// Hits, misses and size so far.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            dscs: self.chains.read().map_or(0, |c| c.len()),
        }
    }
}

impl ChainCache for SharedChainCache {
    fn snapshot_id(&self, trust: &TrustStore) -> String {
        // The id computed once is only for the store this cache holds (and so keeps at
        // this address); any other store is hashed as usual.
        if std::ptr::eq(trust, Arc::as_ptr(&self.trust)) {
            self.snapshot_id.clone()
        } else {
            trust.snapshot_id()
        }
    }

    fn get(&self, key: &ChainKey<'_>) -> Option<Arc<DscChain>> {
        let found = self.chains.read().ok().and_then(|chains| {
            chains
                .get(key.dsc_sha256)?
                .iter()
                .find(|c| c.answers(key))
                .cloned()
        });
        if let Some(chain) = &found {
            self.remember(chain);
        }
        self.count(found.is_some());
        found
    }

    fn get_by_der(
        &self,
        der: &[u8],
        snapshot_id: &str,
        at: UnixTime,
        now: UnixTime,
    ) -> Option<Arc<DscChain>> {
        // The same DER has the same fingerprint: a chain of that certificate answers
        // exactly when it answers the key `get` would be asked.
        let recent = self.recent.read().ok().and_then(|recent| {
            recent
                .iter()
                .find(|c| {
                    c.dsc.der == der
                        && c.answers(&ChainKey {
                            dsc_sha256: &c.dsc.sha256,
                            snapshot_id,
                            at,
                            now,
                        })
                })
                .cloned()
        });
        if recent.is_some() {
            self.count(true);
            return recent;
        }
        self.get(&ChainKey {
            dsc_sha256: &HashAlgorithm::Sha256.digest(der),
            snapshot_id,
            at,
            now,
        })
    }

    fn put(&self, chain: Arc<DscChain>) {
        let Ok(mut chains) = self.chains.write() else {
            return;
        };
        if chains.len() >= self.capacity && !chains.contains_key(chain.dsc_sha256()) {
            chains.clear();
        }
        let windows = chains.entry(chain.dsc_sha256().to_vec()).or_default();
        // Two workers may build the same chain at once: keep one.
        if windows.iter().any(|c| {
            c.window() == chain.window()
                && c.now_window() == chain.now_window()
                && c.snapshot_id() == chain.snapshot_id()
        }) {
            return;
        }
        if windows.len() >= WINDOWS_PER_DSC {
            windows.remove(0);
        }
        windows.push(chain.clone());
        drop(chains);
        self.remember(&chain);
    }
}

impl SharedChainCache {
    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Puts `chain` first among the recent ones (unless it is there already: the common
    /// case takes only the read lock).
    fn remember(&self, chain: &Arc<DscChain>) {
        if self
            .recent
            .read()
            .is_ok_and(|recent| recent.iter().any(|c| Arc::ptr_eq(c, chain)))
        {
            return;
        }
        if let Ok(mut recent) = self.recent.write() {
            if recent.iter().any(|c| Arc::ptr_eq(c, chain)) {
                return;
            }
            if recent.len() >= RECENT {
                recent.pop_back();
            }
            recent.push_front(chain.clone());
        }
    }
}
