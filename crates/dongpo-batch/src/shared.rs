//! What every worker of a batch shares: the options, the [`Verifier`] with its prepared
//! keys, the chain cache and the known DSCs. Its own module so that the pool (which runs
//! it) and the verifier (which builds it) both depend on it and not on each other.

use std::sync::Arc;

use dongpo_crypto::Verifier;
use dongpo_icao::Outcome;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_icao::{KnownCertificates, Sod};

use crate::cache::SharedChainCache;

/// What every worker shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) options: Options,
    pub(crate) verifier: Arc<Verifier>,
    pub(crate) cache: SharedChainCache,
    pub(crate) known: KnownCertificates,
}

impl Shared {
    pub(crate) fn verify(&self, document: &Document) -> Outcome {
        self.verify_with(document, &self.options)
    }

    pub(crate) fn verify_with(&self, document: &Document, options: &Options) -> Outcome {
        passive_auth::verify_parsed(
            document,
            Sod::parse_known(&document.sod, &self.known),
            self.cache.trust(),
            options,
            &self.verifier,
            &self.cache,
        )
    }
}
