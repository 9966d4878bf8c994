//! OCSP responder throughput (BENCHMARKS.md, "OCSP"): a pre-signed cached answer (one
//! core and two threads), a live-signed P-256 answer with a nonce, and the P-256
//! signature alone as the limit of live signing.
//!
//! `cargo bench -p dongpo-benches --bench ocsp`
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dongpo_crypto::HashAlgorithm;
use dongpo_crypto::x509::SharedSigner;
use dongpo_pki::{Cert, Serial, UnixTime};
use dongpo_revocation::ocsp::{
    CertState, IssuerConfig, NoncePolicy, OcspResponseStatus, Responder, build_request, cert_id,
    parse_request,
};
use dongpo_revocation::ocsp::{IssuerId, StatusError, StatusSource};
use dongpo_testkit::{KeyStore, Profile, Variant};

const NOW: UnixTime = UnixTime(1_795_000_000);
const SERIALS: u32 = 10_000;

/// Every serial below [`SERIALS`] is good.
struct AllGood;

impl StatusSource for AllGood {
    fn status(&self, _: &IssuerId, serial: &Serial) -> Result<Option<CertState>, StatusError> {
        Ok((serial.as_bytes().len() == 4).then_some(CertState::Good))
    }
}

struct Setup {
    responder: Arc<Responder<AllGood>>,
    /// Requests for 64 different pre-signed serials, as real traffic spreads over many.
    cached_requests: Vec<Vec<u8>>,
    nonce_request: Vec<u8>,
}

fn setup() -> Setup {
    let profile = Profile::P256;
    let mut keys = KeyStore::default();
    let passport = dongpo_testkit::generate(profile, Variant::Genuine, 1, &mut keys).unwrap();
    let issuer = Cert::parse(&passport.files["csca.der"]).unwrap();
    let key = keys
        .get(1, &format!("{profile}/csca"), profile.key_spec())
        .unwrap();
    let signer = SharedSigner::new(key, profile.signature_algorithm());
    let mut responder = Responder::new(AllGood);
    let id = responder
        .add_issuer(
            IssuerConfig::new(issuer.clone(), signer, 4 * 86_400).nonce_policy(NoncePolicy::echo()),
        )
        .unwrap();
    let serials: Vec<Serial> = (0..SERIALS)
        .map(|n| Serial::from_bytes(&(0x1000_0000 + n).to_be_bytes()).unwrap())
        .collect();
    responder.presign(&id, &serials, NOW).unwrap();
    let cached_requests: Vec<Vec<u8>> = serials
        .iter()
        .step_by(151)
        .take(64)
        .map(|serial| {
            let id = cert_id(HashAlgorithm::Sha1, &issuer, &serial.to_integer()).unwrap();
            build_request(&[id], None).unwrap()
        })
        .collect();
    let one = cert_id(HashAlgorithm::Sha1, &issuer, &serials[1234].to_integer()).unwrap();
    let nonce_request = build_request(&[one], Some(&[0x5a; 32])).unwrap();
    let responder = Arc::new(responder);
    for request in &cached_requests {
        let outcome = responder.respond(request, NOW);
        assert_eq!(outcome.status, OcspResponseStatus::Successful);
        assert!(outcome.cacheable);
    }
    let outcome = responder.respond(&nonce_request, NOW);
    assert_eq!(outcome.status, OcspResponseStatus::Successful);
    assert!(!outcome.cacheable);
    Setup {
        responder,
        cached_requests,
        nonce_request,
    }
}

fn ocsp(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("ocsp");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .throughput(Throughput::Elements(1));
    group.bench_function("parse-request", |b| {
        let mut next = s.cached_requests.iter().cycle();
        b.iter(|| parse_request(black_box(next.next().unwrap())).unwrap());
    });
    group.bench_function("cached-single", |b| {
        let mut next = s.cached_requests.iter().cycle();
        b.iter(|| s.responder.respond(black_box(next.next().unwrap()), NOW));
    });
    // Two threads share the responder: criterion's time per iteration is wall time per
    // response, so its elem/s is the two-core throughput.
    group.bench_function("cached-single-2-threads", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for half in s.cached_requests.chunks(32) {
                    scope.spawn(|| {
                        let mut next = half.iter().cycle();
                        for _ in 0..iters.div_ceil(2) {
                            let request = next.next().unwrap();
                            black_box(s.responder.respond(black_box(request), NOW));
                        }
                    });
                }
            });
            start.elapsed()
        });
    });
    group.bench_function("live-signed-p256-nonce", |b| {
        b.iter(|| s.responder.respond(black_box(&s.nonce_request), NOW));
    });
    group.finish();

    // The limit of live signing: one P-256 signature over a ResponseData-sized message.
    let mut keys = KeyStore::default();
    let key = keys.get(2, "ocsp-bench", Profile::P256.key_spec()).unwrap();
    let tbs = vec![0x30u8; 180];
    let alg = Profile::P256.signature_algorithm();
    let mut group = c.benchmark_group("ocsp");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .throughput(Throughput::Elements(1));
    group.bench_function("p256-sign-alone", |b| {
        b.iter(|| key.sign(black_box(&alg), black_box(&tbs)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, ocsp);
criterion_main!(benches);
