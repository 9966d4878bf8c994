//! High-throughput batch Passive Authentication: integrators re-verify millions of
//! stored documents when a CSCA or DSC is revoked, and servers verify in bursts.
//!
//! [`BatchVerifier`] verifies a stream of [`Document`]s on every core and gives back the
//! reports `passive_auth::verify` would give, check for check, in input order
//! ([`BatchVerifier::verify`]) or tagged as they finish
//! ([`BatchVerifier::verify_tagged`]). What it shares between documents:
//! - the DSC chain (CSCA signature, CRL, profile), cached by (DSC fingerprint, trust
//!   snapshot, time window) in a [`SharedChainCache`], so a DSC that signed thousands of
//!   documents is validated once;
//! - the parsed DSC: `Sod::parse_known` (dongpo-icao's EF.SOD parser) reads the
//!   common EF.SOD shape without decoding an embedded certificate it has seen before;
//! - the trust store's snapshot id and the `Verifier`'s prepared keys.
//!
//! Memory is bounded by [`BatchConfig::in_flight`] documents, whatever the stream length.
//!
//! [`Document`]: dongpo_icao::passive_auth::Document
#![forbid(unsafe_code)]

mod cache;
mod error;
mod pool;
mod shared;
mod verifier;

pub use cache::{CacheStats, SharedChainCache};
pub use error::BatchError;
pub use pool::{Reports, Tagged};
pub use verifier::{BatchConfig, BatchVerifier};
