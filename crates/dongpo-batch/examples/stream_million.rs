//! Verifies a stream of generated documents (1,000,000 unless a count is given) and
//! prints the throughput and the peak resident memory, which stays flat however long
//! the stream: documents are made as the batch asks for them and dropped once verified.
//!
//! ```text
//! /usr/bin/time -v cargo run --release -p dongpo-batch --example stream_million -- 1000000
//! ```
#![allow(clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use dongpo_batch::{BatchConfig, BatchVerifier};
use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::Options;
use dongpo_pki::UnixTime;
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn Error>> {
    let count: u64 = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 1_000_000,
    };
    // Two DSCs, eight distinct documents: the stream repeats them (a copy per item),
    // so generation is cheap and every item is a full verification.
    let mut keys = KeyStore::default();
    let signers = [
        DocumentSigner::new(Profile::Rsa2048, 1, 0, &mut keys)?,
        DocumentSigner::new(Profile::Rsa2048, 1, 1, &mut keys)?,
    ];
    let mut trust = TrustStore::new();
    trust.add_csca(signers[0].csca_der(), "csca")?;
    trust.add_crl(signers[0].crl_der(), "crl")?;
    let pool = (0..8u64)
        .map(|i| signers[(i % 2) as usize].document(i / 2))
        .collect::<Result<Vec<_>, _>>()?;
    let at = UnixTime::parse_rfc3339(&signers[0].verify_at()).expect("testkit time");
    let batch = BatchVerifier::new(Arc::new(trust), Options::at(at), Arc::new(Verifier::new()))
        .with_config(BatchConfig::default());
    let before = peak_rss_kib();
    let start = Instant::now();
    let stream = (0..count).map(|i| pool[(i % 8) as usize].clone());
    let (mut valid, mut total) = (0u64, 0u64);
    for report in batch.verify(stream)? {
        valid += u64::from(report?.valid);
        total += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let stats = batch.cache_stats();
    println!("documents: {total}, valid: {valid}");
    println!(
        "seconds: {seconds:.1}, documents_per_second: {:.0}",
        total as f64 / seconds
    );
    println!(
        "threads: {}, in flight at most: {}",
        batch.config().threads,
        batch.config().in_flight
    );
    println!("chain cache: {} hits, {} misses", stats.hits, stats.misses);
    println!(
        "peak RSS: {} KiB before the stream, {} KiB after",
        before.unwrap_or(0),
        peak_rss_kib().unwrap_or(0)
    );
    if valid != count {
        return Err(format!("{} documents did not verify", count - valid).into());
    }
    Ok(())
}
