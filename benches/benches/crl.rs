//! CRL issuance and reading at a million entries (BENCHMARKS.md, "CRLs"): build and
//! sign with a P-256 issuing key, parse, and look serials up.
//!
//! `cargo bench -p dongpo-benches --bench crl`
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::UnixTime;
use dongpo_revocation::{
    Crl, CrlIssuer, CrlNumber, CrlSpec, CrlStatus, RevokedEntry, Scope, build_crl,
};
use x509_cert::name::Name;

const NOW: UnixTime = UnixTime(1_780_272_000);
const ENTRIES: usize = 1_000_000;

/// 16-octet pseudo-random serials like dongpo-ca's; three in four carry a reason, one
/// in eight an invalidity date.
fn entries(n: usize) -> Vec<RevokedEntry> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            let mut serial = [next().to_be_bytes(), next().to_be_bytes()].concat();
            serial[0] = (serial[0] & 0x7f) | 0x01;
            RevokedEntry {
                serial,
                revoked_at: UnixTime(NOW.0 - (i as u64 % 86_400)),
                reason: Some([1, 4, 5, 0][i % 4]),
                invalidity_date: (i % 8 == 0).then_some(UnixTime(NOW.0 - 200_000)),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let revoked = entries(ENTRIES);
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let signer = CertSigner::new(
        &key,
        SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        },
    );
    let issuer = CrlIssuer {
        name: Name::from_str("CN=Issuing CA,O=Example,C=KR").unwrap(),
        key_identifier: vec![7; 20],
        // The key check is one comparison; leave it out of the figures.
        public_key: None,
    };
    let number = CrlNumber::next(None, NOW).unwrap();
    let spec = CrlSpec {
        issuer: &issuer,
        crl_number: &number,
        this_update: NOW,
        next_update: UnixTime(NOW.0 + 7 * 86_400),
        entries: &revoked,
        scope: Scope::Full,
        delta_of: None,
        freshest: None,
    };
    let der = build_crl(&spec, &signer).unwrap();
    // Half the probes are listed; the other half differ in their first octet.
    let listed = revoked
        .iter()
        .step_by(ENTRIES / 500)
        .map(|e| e.serial.clone());
    let unlisted = listed.clone().map(|mut s| {
        s[0] ^= 0x40;
        s
    });
    let probes: Vec<Vec<u8>> = listed.chain(unlisted).collect();

    let mut group = c.benchmark_group("crl");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(ENTRIES as u64));
    group.bench_function("build_sign_1m", |b| {
        b.iter(|| build_crl(black_box(&spec), &signer).unwrap());
    });
    group.bench_function("parse_1m", |b| {
        b.iter(|| Crl::parse(black_box(&der)).unwrap());
    });
    group.bench_function("parse_1m_and_1000_lookups", |b| {
        b.iter(|| {
            let crl = Crl::parse(black_box(&der)).unwrap();
            probes
                .iter()
                .filter(|p| crl.status(p) != CrlStatus::Good)
                .count()
        });
    });
    group.finish();

    let crl = Crl::parse(&der).unwrap();
    let mut group = c.benchmark_group("crl");
    group.throughput(Throughput::Elements(1));
    group.bench_function("status_lookup_in_1m", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % probes.len();
            crl.status(black_box(&probes[i]))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
