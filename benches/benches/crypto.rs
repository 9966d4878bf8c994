//! Signature verify and sign per algorithm and backend (BENCHMARKS.md, "Signatures").
//!
//! `cargo bench -p dongpo-benches --bench crypto`
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dongpo_benches::{cases, key, message};
use dongpo_crypto::Verifier;
use dongpo_crypto::backend;
use dongpo_testkit::rng::SeededRng;

fn verify(c: &mut Criterion) {
    let msg = message();
    let mut group = c.benchmark_group("verify");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    for case in cases() {
        let key = key(&case);
        let signature = key.sign(&case.algorithm, &msg).expect("sign");
        for b in backend::all() {
            let verifier = Verifier::with_backends(vec![Arc::clone(&b)]);
            let Ok(prepared) = verifier.prepare(key.public_key(), &case.algorithm) else {
                continue;
            };
            assert!(
                prepared.verify(&msg, &signature).is_ok(),
                "{} on {}",
                case.label,
                b.name()
            );
            group.bench_function(format!("{}/{}", case.label, b.name()), |bench| {
                bench.iter(|| prepared.verify(black_box(&msg), black_box(&signature)));
            });
        }
    }
    group.finish();
}

fn sign(c: &mut Criterion) {
    let msg = message();
    let mut group = c.benchmark_group("sign");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10);
    for case in cases() {
        let key = key(&case);
        if key.backend() == "aws-lc" {
            group.bench_function(format!("{}/aws-lc", case.label), |bench| {
                bench.iter(|| key.sign(black_box(&case.algorithm), black_box(&msg)));
            });
        }
        let mut rng = SeededRng::new(1, "bench");
        let software = key.software_backend();
        group.bench_function(format!("{}/{software}", case.label), |bench| {
            bench.iter(|| key.sign_with_rng(black_box(&case.algorithm), black_box(&msg), &mut rng));
        });
    }
    group.finish();
}

criterion_group!(benches, verify, sign);
criterion_main!(benches);
