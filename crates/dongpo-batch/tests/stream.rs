//! Streaming: memory is bounded by the documents in flight (the input is read only as
//! reports are taken), and dropping the reports stops the work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use dongpo_batch::{BatchConfig, BatchVerifier};
use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options};
use dongpo_pki::UnixTime;

fn batch(threads: usize, in_flight: usize) -> (BatchVerifier, Document) {
    let dir = common::vectors().join("synthetic/rsa2048/genuine");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    let options = Options::at(UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap());
    let verifier = BatchVerifier::new(Arc::new(trust), options, Arc::new(Verifier::new()))
        .with_config(BatchConfig { threads, in_flight });
    (verifier, common::synthetic_document(&dir))
}

/// Documents counted as the batch pulls them from the input.
fn counted(document: Document, n: u64, pulled: Arc<AtomicU64>) -> impl Iterator<Item = Document> {
    (0..n).map(move |_| {
        pulled.fetch_add(1, Ordering::SeqCst);
        document.clone()
    })
}

#[test]
fn the_input_is_read_no_further_than_in_flight_ahead_of_the_consumer() {
    for (threads, in_flight) in [(1, 1), (2, 3), (2, 16)] {
        let (batch, document) = batch(threads, in_flight);
        let pulled = Arc::new(AtomicU64::new(0));
        let mut taken = 0u64;
        for report in batch
            .verify(counted(document, 200, pulled.clone()))
            .unwrap()
        {
            assert!(report.unwrap().valid);
            taken += 1;
            // Give the workers time to run ahead if they could.
            if taken.is_multiple_of(50) {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let ahead = pulled.load(Ordering::SeqCst) - taken;
            assert!(
                ahead < in_flight as u64,
                "{ahead} documents read ahead ({threads}, {in_flight})"
            );
        }
        assert_eq!(taken, 200);
    }
}

#[test]
fn dropping_the_reports_stops_reading_and_joins_the_threads() {
    let (batch, document) = batch(2, 8);
    let pulled = Arc::new(AtomicU64::new(0));
    let mut reports = batch
        .verify(counted(document, 1_000_000, pulled.clone()))
        .unwrap();
    for _ in 0..10 {
        assert!(reports.next().unwrap().unwrap().valid);
    }
    drop(reports);
    let after_drop = pulled.load(Ordering::SeqCst);
    assert!(after_drop <= 10 + 8, "{after_drop}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(pulled.load(Ordering::SeqCst), after_drop);
}

#[test]
fn an_empty_stream_gives_no_reports() {
    let (batch, _) = batch(2, 4);
    assert_eq!(batch.verify(Vec::new()).unwrap().count(), 0);
    assert_eq!(batch.verify_tagged(Vec::new()).unwrap().count(), 0);
}
