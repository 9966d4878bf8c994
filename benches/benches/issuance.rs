//! Durable issuance (P-256 issuing key, SQLite on local disk) in batches, beside the
//! signature-only rate of the same key as the limit (BENCHMARKS.md, "Issuance").
//!
//! `cargo bench -p dongpo-benches --bench issuance`
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

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dongpo_ca::Ca;
use dongpo_ca::Identity;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{InitOptions, init};
use dongpo_crypto::{Curve, KeySpec, Verifier};
use dongpo_icao::Policy;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options, TimeModel};
use dongpo_pki::UnixTime;
use dongpo_testkit::{KeyStore, Profile, Variant};

const NOW: UnixTime = UnixTime(1_795_000_000);

fn ca_with_approval() -> (Ca, dongpo_ca::Approval) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bench-issuance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let profiles = dongpo_profiles::builtin().unwrap();
    let passphrase = || Passphrase::new(b"bench".to_vec());
    init(
        &dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: Some(passphrase()),
            store: None,
            node: "bench",
            at: UnixTime(NOW.0 - 86_400),
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
    )
    .unwrap();
    let mut ca = Ca::open_with_passphrase(&dir, Some(passphrase())).unwrap();
    let passport =
        dongpo_testkit::generate(Profile::P256, Variant::Genuine, 1, &mut KeyStore::default())
            .unwrap();
    let file = |name: &str| passport.files[name].clone();
    let mut data_groups = BTreeMap::new();
    for n in [1u8, 2, 14, 15] {
        data_groups.insert(n, file(&format!("DG{n}.bin")));
    }
    let mut trust = TrustStore::new();
    trust.add_csca(&file("csca.der"), "csca").unwrap();
    // The chip answers Active Authentication: the profiles need chip presence.
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let signature = dongpo_testkit::active_auth::sign(
        &file("aa_key.p8"),
        &challenge,
        dongpo_crypto::HashAlgorithm::Sha256,
    )
    .unwrap();
    let document = Document {
        sod: file("EF_SOD.bin"),
        data_groups,
        active_auth: Some(dongpo_icao::passive_auth::ActiveAuthResponse {
            challenge: challenge.to_vec(),
            signature,
        }),
        ..Document::default()
    };
    let options = Options {
        at: NOW,
        policy: Policy::default_policy(),
        time_model: TimeModel::VerificationTime,
    };
    let report = passive_auth::verify(&document, &trust, &options, &Verifier::new());
    let identity = Identity::from_json(
        std::str::from_utf8(&file("identity.json")).unwrap(),
        "identity",
    )
    .unwrap();
    ca.register(&identity, NOW).unwrap();
    let spec = KeySpec::Ec(Curve::P256);
    let key = dongpo_testkit::csr::subscriber_key(spec, 1, "bench").unwrap();
    let csr = dongpo_testkit::csr::csr(&key, spec, "bench").unwrap();
    let approval = ca
        .approve(
            &report,
            &file("DG1.bin"),
            &identity.resident_registration_number,
            &csr,
            "kb",
            NOW,
        )
        .unwrap();
    (ca, approval)
}

fn issuance(c: &mut Criterion) {
    let (mut ca, approval) = ca_with_approval();
    let mut group = c.benchmark_group("issuance");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .sample_size(10);

    // The limit: one P-256 signature by the issuing key over a certificate-sized message.
    let tbs = vec![0x5a_u8; 700];
    let algorithm = ca.issuer().ca_for("kb").unwrap().algorithm;
    group.throughput(Throughput::Elements(1));
    group.bench_function("signature-only-p256", |b| {
        let key = &ca.issuer().ca_for("kb").unwrap().key;
        b.iter(|| black_box(key.sign(&algorithm, black_box(&tbs)).unwrap()));
    });

    for batch in [1usize, 64, 512] {
        let approvals = vec![approval.clone(); batch];
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(format!("durable-sqlite-batch-{batch}"), |b| {
            b.iter(|| {
                let results = ca.issuer().issue_batch(black_box(&approvals), NOW);
                assert!(results.iter().all(Result::is_ok));
            });
        });
    }
    group.finish();
}

criterion_group!(benches, issuance);
criterion_main!(benches);
