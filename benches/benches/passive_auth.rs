//! Single-document Passive Authentication with a warm trust store, beside the cost of
//! the same document's SOD signature check alone (BENCHMARKS.md, "Passive Authentication").
//!
//! `cargo bench -p dongpo-benches --bench passive_auth`
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dongpo_crypto::Verifier;
use dongpo_icao::Policy;
use dongpo_icao::Sod;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options, TimeModel};
use dongpo_pki::UnixTime;

fn load(profile: &str) -> (Document, TrustStore) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors/synthetic")
        .join(profile)
        .join("genuine");
    let mut data_groups = BTreeMap::new();
    for n in [1u8, 2, 14, 15] {
        data_groups.insert(n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap());
    }
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    trust
        .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
        .unwrap();
    (
        Document {
            sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
            data_groups,
            ..Document::default()
        },
        trust,
    )
}

fn passive_auth(c: &mut Criterion) {
    let mut group = c.benchmark_group("passive_auth");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    let options = Options {
        at: UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap(),
        policy: Policy::default_policy(),
        time_model: TimeModel::VerificationTime,
    };
    for profile in ["rsapss3072", "rsa2048", "p256", "bp256"] {
        let (document, trust) = load(profile);
        let verifier = Verifier::new();
        let report = passive_auth::verify(&document, &trust, &options, &verifier);
        assert!(report.valid, "{profile}");
        group.bench_function(format!("{profile}/whole-document"), |b| {
            b.iter(|| passive_auth::verify(black_box(&document), &trust, &options, &verifier));
        });
        // The same document's SOD signature alone: the floor for the whole check.
        let sod = Sod::parse(&document.sod).unwrap();
        let (dsc, _) = sod.cms.find_signer().unwrap();
        group.bench_function(format!("{profile}/sod-signature-only"), |b| {
            b.iter(|| {
                sod.cms
                    .verify_signature(black_box(&dsc), &verifier)
                    .unwrap()
            });
        });
        group.bench_function(format!("{profile}/sod-parse-only"), |b| {
            b.iter(|| Sod::parse(black_box(&document.sod)).unwrap());
        });
        // The other pieces of one verification, to show where the time goes.
        let csca = trust.cscas()[0].cert.clone();
        group.bench_function(format!("{profile}/dsc-parse"), |b| {
            b.iter(|| dongpo_pki::Cert::parse(black_box(&dsc.der)).unwrap());
        });
        group.bench_function(format!("{profile}/dsc-chain-signature"), |b| {
            b.iter(|| {
                dsc.verify_signed_by(black_box(&csca.key), &verifier)
                    .unwrap()
            });
        });
        group.bench_function(format!("{profile}/trust-snapshot-id"), |b| {
            b.iter(|| black_box(&trust).snapshot_id());
        });
    }
    group.finish();
}

criterion_group!(benches, passive_auth);
criterion_main!(benches);
