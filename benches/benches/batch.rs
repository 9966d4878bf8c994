//! Batch Passive Authentication beside its limits (BENCHMARKS.md, "Batch Passive
//! Authentication"): per algorithm, the raw SOD signature check with the same key, one
//! document alone, and batches on one and two threads; then, for the two most common
//! algorithms, where a document's time goes: chain cache hit versus miss, SOD parsing
//! (full and fast), the data-group hashes, and hashing a 20 KB DG2.
//!
//! `cargo bench -p dongpo-benches --bench batch`
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
use dongpo_batch::{BatchConfig, BatchVerifier, SharedChainCache};
use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_icao::Sod;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, NoCache, Options};
use dongpo_icao::{KnownCertificates, sod_fast};
use dongpo_pki::{Cert, UnixTime};
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::{KeyStore, Profile};

/// Documents per batch iteration (all under one DSC, as a State's documents are).
const BATCH: usize = 256;

/// Distinct generated documents per profile; the batch repeats them.
const DISTINCT: u64 = 32;

struct Setup {
    documents: Vec<Document>,
    trust: Arc<TrustStore>,
    options: Options,
}

fn setup(profile: Profile) -> Setup {
    let signer = DocumentSigner::new(profile, 1, 0, &mut KeyStore::default()).unwrap();
    let mut trust = TrustStore::new();
    trust.add_csca(signer.csca_der(), "csca").unwrap();
    trust.add_crl(signer.crl_der(), "crl").unwrap();
    Setup {
        documents: (0..DISTINCT).map(|i| signer.document(i).unwrap()).collect(),
        trust: Arc::new(trust),
        options: Options::at(UnixTime::parse_rfc3339(&signer.verify_at()).unwrap()),
    }
}

fn per_algorithm(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10);
    let verifier = Arc::new(Verifier::new());
    for profile in Profile::ALL {
        let s = setup(profile);
        let sod = Sod::parse(&s.documents[0].sod).unwrap();
        let dsc = Cert::parse(&sod.cms.certificates[0]).unwrap();
        let key = verifier
            .prepare(&dsc.key, &sod.cms.signature_algorithm().unwrap())
            .unwrap();
        let message = sod.cms.signed_attrs.clone().unwrap();
        group.throughput(Throughput::Elements(1));
        // The limit: the SOD signature alone, key prepared, as the batch checks it.
        group.bench_function(format!("{profile}/raw-verify"), |b| {
            b.iter(|| key.verify(black_box(&message), &sod.cms.signature).unwrap());
        });
        group.bench_function(format!("{profile}/single-document"), |b| {
            b.iter(|| {
                passive_auth::verify(black_box(&s.documents[0]), &s.trust, &s.options, &verifier)
            });
        });
        for threads in [1, 2] {
            let batch = BatchVerifier::new(s.trust.clone(), s.options.clone(), verifier.clone())
                .with_config(BatchConfig::with_threads(threads));
            let stream: Vec<Document> = s.documents.iter().cycle().take(BATCH).cloned().collect();
            assert!(
                batch
                    .verify(stream.clone())
                    .unwrap()
                    .all(|r| r.unwrap().valid)
            );
            group.throughput(Throughput::Elements(BATCH as u64));
            group.bench_function(format!("{profile}/batch-{threads}-thread"), |b| {
                b.iter_batched(
                    || stream.clone(),
                    |documents| batch.verify(documents).unwrap().count(),
                    BatchSize::LargeInput,
                );
            });
        }
    }
    group.finish();
}

fn breakdown(c: &mut Criterion) {
    let mut group = c.benchmark_group("breakdown");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    let verifier = Arc::new(Verifier::new());
    for profile in [Profile::Rsa2048, Profile::P256] {
        let s = setup(profile);
        let document = &s.documents[0];
        let cache = SharedChainCache::new(s.trust.clone());
        let warm = passive_auth::verify_with(document, &s.trust, &s.options, &verifier, &cache);
        assert!(warm.valid);
        // One document with its chain from the cache, and with the chain built anew.
        group.bench_function(format!("{profile}/cache-hit"), |b| {
            b.iter(|| {
                passive_auth::verify_with(
                    black_box(document),
                    &s.trust,
                    &s.options,
                    &verifier,
                    &cache,
                )
            });
        });
        group.bench_function(format!("{profile}/cache-miss"), |b| {
            b.iter(|| {
                passive_auth::verify_with(
                    black_box(document),
                    &s.trust,
                    &s.options,
                    &verifier,
                    &NoCache,
                )
            });
        });
        // The batch's path for one document: fast parse and warm cache, one thread.
        let batch = BatchVerifier::new(s.trust.clone(), s.options.clone(), verifier.clone());
        assert!(batch.verify_one(document).valid);
        group.bench_function(format!("{profile}/batch-path-one-document"), |b| {
            b.iter(|| batch.verify_one(black_box(document)));
        });
        group.bench_function(format!("{profile}/sod-parse"), |b| {
            b.iter(|| Sod::parse(black_box(&document.sod)).unwrap());
        });
        // The data-group hashes every document needs (DG1, DG2 of 16 KB, DG14, DG15).
        let hash = Sod::parse(&document.sod).unwrap().lds_hash;
        group.bench_function(format!("{profile}/dg-hashes"), |b| {
            b.iter(|| {
                for bytes in black_box(document).data_groups.values() {
                    black_box(hash.digest(bytes));
                }
            });
        });
        let known = KnownCertificates::default();
        assert!(sod_fast::parse(&document.sod, &known).is_some());
        group.bench_function(format!("{profile}/sod-parse-fast"), |b| {
            b.iter(|| sod_fast::parse(black_box(&document.sod), &known).unwrap());
        });
    }
    let dg2 = SeededRng::new(1, "dg2-20kb").bytes(20 * 1024);
    group.throughput(Throughput::Bytes(dg2.len() as u64));
    for hash in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ] {
        group.bench_function(format!("dg2-20kb/{}", hash.name()), |b| {
            b.iter(|| hash.digest(black_box(&dg2)));
        });
    }
    group.finish();
}

criterion_group!(benches, per_algorithm, breakdown);
criterion_main!(benches);
