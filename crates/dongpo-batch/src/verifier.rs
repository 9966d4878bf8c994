//! [`BatchVerifier`]: one trust store, one [`Verifier`] (with its prepared keys), one
//! chain cache, shared by every document and thread.

use std::sync::Arc;

use dongpo_crypto::Verifier;
use dongpo_icao::KnownCertificates;
use dongpo_icao::Outcome;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options};
use dongpo_pki::time::UnixTime;

use crate::cache::{CacheStats, SharedChainCache};
use crate::error::BatchError;
use crate::pool::{Reports, Tagged};
use crate::shared::Shared;

/// Documents held per thread: enough to keep every core busy while the caller reads
/// the next documents, few enough that memory does not depend on the stream.
const IN_FLIGHT_PER_THREAD: usize = 64;

/// How a batch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// Verification threads (at least 1).
    pub threads: usize,
    /// Documents held at once, queued or verified but not yet returned (at least 1).
    pub in_flight: usize,
}

impl BatchConfig {
    /// `threads` threads, 64 documents in flight per thread.
    #[must_use]
    pub fn with_threads(threads: usize) -> Self {
        let threads = threads.max(1);
        BatchConfig {
            threads,
            in_flight: threads * IN_FLIGHT_PER_THREAD,
        }
    }
}

impl Default for BatchConfig {
    /// One thread per core.
    fn default() -> Self {
        Self::with_threads(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

/// Verifies streams of documents against one trust store at one verification time.
/// Every report is the one `passive_auth::verify` gives for the same document, check for
/// check; only the work behind it is shared.
#[derive(Clone, Debug)]
pub struct BatchVerifier {
    shared: Arc<Shared>,
    config: BatchConfig,
}

impl BatchVerifier {
    /// A verifier over `trust` with `options`, one thread per core.
    #[must_use]
    pub fn new(trust: Arc<TrustStore>, options: Options, verifier: Arc<Verifier>) -> Self {
        BatchVerifier {
            shared: Arc::new(Shared {
                options,
                verifier,
                cache: SharedChainCache::new(trust),
                known: KnownCertificates::default(),
            }),
            config: BatchConfig::default(),
        }
    }

    /// The same verifier (and cache) run with `config`.
    #[must_use]
    pub fn with_config(mut self, config: BatchConfig) -> Self {
        self.config = BatchConfig {
            threads: config.threads.max(1),
            in_flight: config.in_flight.max(1),
        };
        self
    }

    /// How batches run.
    #[must_use]
    pub fn config(&self) -> BatchConfig {
        self.config
    }

    /// Verifies one document on the calling thread, with the shared caches.
    #[must_use]
    pub fn verify_one(&self, document: &Document) -> Outcome {
        self.shared.verify(document)
    }

    /// Verifies one document on the calling thread at `at` instead of the configured time
    /// (a server verifies at "now"); chains cached for other times are not reused where
    /// their validity window does not cover `at`.
    #[must_use]
    pub fn verify_one_at(&self, document: &Document, at: UnixTime) -> Outcome {
        let options = Options {
            at,
            ..self.shared.options.clone()
        };
        self.shared.verify_with(document, &options)
    }

    /// Verifies `documents` on the configured threads; reports come back in input order.
    /// The input is read on the calling thread as room frees up, so a stream of any
    /// length is verified in bounded memory. Dropping the iterator stops the workers.
    ///
    /// # Errors
    /// [`BatchError::Spawn`] when a thread cannot be started; each item is
    /// [`BatchError::Panicked`] or [`BatchError::WorkersGone`] only on a bug.
    pub fn verify<I>(&self, documents: I) -> Result<Reports<I::IntoIter>, BatchError>
    where
        I: IntoIterator<Item = Document>,
    {
        Reports::start(
            &self.shared,
            documents.into_iter(),
            self.config.threads,
            self.config.in_flight,
        )
    }

    /// As [`BatchVerifier::verify`], but each report comes as soon as it is ready,
    /// tagged with the document's input position (from 0).
    ///
    /// # Errors
    /// As [`BatchVerifier::verify`].
    pub fn verify_tagged<I>(&self, documents: I) -> Result<Tagged<I::IntoIter>, BatchError>
    where
        I: IntoIterator<Item = Document>,
    {
        Tagged::start(
            &self.shared,
            documents.into_iter(),
            self.config.threads,
            self.config.in_flight,
        )
    }

    /// How often DSC chains came from the cache.
    #[must_use]
    pub fn cache_stats(&self) -> CacheStats {
        self.shared.cache.stats()
    }
}
