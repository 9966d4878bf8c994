//! Bounded work for untrusted input (issue 15): a batch of documents whose embedded DSC
//! carries a 16,384-bit RSA key with a 512-bit exponent, against a batch of ordinary
//! RSA-2048 documents under the same CSCA, through the batch verifier on one thread.
//! Before the key limits, each such document cost one or two unbounded generic `modpow`s
//! (seconds); now the DSC is refused when parsed and the document costs less than an
//! ordinary one.
//!
//! `cargo bench -p dongpo-benches --bench bounded_work -- --warm-up-time 1 --measurement-time 3`
//!
//! With `DONGPO_BENCH_UNBOUNDED=1` it also times what the limit saves: one public
//! operation with that key on the generic backend, bypassing the limit (seconds each).
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dongpo_batch::{BatchConfig, BatchVerifier};
use dongpo_crypto::backend::generic::RsaRaw;
use dongpo_crypto::{PublicKey, Verifier};
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options};
use dongpo_pki::UnixTime;
use dongpo_testkit::document_signer::{DocumentSigner, rsa_key_of_any_size};
use dongpo_testkit::{KeyStore, Profile};

/// Documents per batch iteration.
const BATCH: usize = 256;

/// Distinct generated documents per signer; the batch repeats them.
const DISTINCT: u64 = 16;

fn documents(signer: &DocumentSigner) -> Vec<Document> {
    let distinct: Vec<Document> = (0..DISTINCT).map(|i| signer.document(i).unwrap()).collect();
    distinct.iter().cycle().take(BATCH).cloned().collect()
}

fn bounded_work(c: &mut Criterion) {
    let mut keys = KeyStore::default();
    let ordinary = DocumentSigner::new(Profile::Rsa2048, 1, 0, &mut keys).unwrap();
    let huge_key = rsa_key_of_any_size(16384, &[0xff; 64], 1);
    let oversized =
        DocumentSigner::with_certified_key(Profile::Rsa2048, 1, 1, &mut keys, &huge_key).unwrap();
    assert_eq!(ordinary.csca_der(), oversized.csca_der());
    let mut trust = TrustStore::new();
    trust.add_csca(ordinary.csca_der(), "csca").unwrap();
    trust.add_crl(ordinary.crl_der(), "crl").unwrap();
    let options = Options::at(UnixTime::parse_rfc3339(&ordinary.verify_at()).unwrap());
    let verifier = Arc::new(Verifier::new());
    let batch = BatchVerifier::new(Arc::new(trust), options, verifier)
        .with_config(BatchConfig::with_threads(1));

    let mut group = c.benchmark_group("bounded-work");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    for (name, signer, valid) in [
        ("rsa2048-dsc", &ordinary, true),
        ("rsa16384-dsc", &oversized, false),
    ] {
        let stream = documents(signer);
        for report in batch.verify(stream.clone()).unwrap() {
            let report = report.unwrap();
            assert_eq!(report.valid, valid, "{name}");
            if !valid {
                let check = report.check("sod.signer_certificate").unwrap();
                assert_eq!(check.status, Status::Fail);
                assert!(check.detail.contains("16384 bits"), "{}", check.detail);
            }
        }
        group.bench_function(format!("{name}/batch-1-thread"), |b| {
            b.iter_batched(
                || stream.clone(),
                |documents| batch.verify(documents).unwrap().count(),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();

    if let (Some(_), PublicKey::Rsa(rsa)) = (std::env::var_os("DONGPO_BENCH_UNBOUNDED"), &huge_key)
    {
        let raw = RsaRaw::new(rsa);
        let mut signature = vec![0x5a; rsa.byte_len()];
        signature[0] = 0x01;
        let mut group = c.benchmark_group("bounded-work-unbounded");
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_secs(1));
        group.bench_function("rsa16384-e512/generic-public-op", |b| {
            b.iter(|| raw.public_op(black_box(&signature), rsa.byte_len()));
        });
        group.finish();
    }
}

criterion_group!(benches, bounded_work);
criterion_main!(benches);
