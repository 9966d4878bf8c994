//! Batch and single-document verification agree, check for check, on every synthetic
//! and real test vector: the same ids, statuses, details, summaries and evidence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use dongpo_batch::{BatchConfig, BatchVerifier, SharedChainCache};
use dongpo_crypto::Verifier;
use dongpo_icao::Policy;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Options, TimeModel};
use dongpo_pki::UnixTime;

/// Each case three times in one stream: a miss, then two hits (one document in flight,
/// so that the order is fixed).
#[test]
fn every_case_gives_the_single_document_report_also_from_the_cache() {
    let verifier = Arc::new(Verifier::new());
    let cases: Vec<_> = common::synthetic_cases()
        .into_iter()
        .chain(common::real_cases())
        .collect();
    assert!(cases.len() > 500, "{}", cases.len());
    let (mut hits, mut signed) = (0, 0);
    for case in &cases {
        let single = passive_auth::verify(&case.document, &case.trust, &case.options, &verifier);
        let batch = BatchVerifier::new(case.trust.clone(), case.options.clone(), verifier.clone())
            .with_config(BatchConfig {
                threads: 2,
                in_flight: 1,
            });
        let reports: Vec<_> = batch
            .verify(vec![case.document.clone(); 3])
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(reports.len(), 3, "{}", case.name);
        for report in reports {
            assert_eq!(report, single, "{}", case.name);
        }
        hits += batch.cache_stats().hits;
        signed += u64::from(single.dsc.is_some());
    }
    assert!(signed > 450, "{signed}");
    assert!(hits >= 2 * signed, "{hits} hits for {signed} signed cases");
}

/// The whole corpus in one stream against one store holding every CSCA and CRL: DSCs
/// shared by several documents, reports in input order, tagged reports complete.
#[test]
fn whole_corpus_in_one_stream_matches_in_order_and_tagged() {
    let verifier = Arc::new(Verifier::new());
    let dirs = common::synthetic_dirs();
    let mut trust = TrustStore::new();
    let mut crls = BTreeSet::new();
    for (name, dir) in &dirs {
        trust
            .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), name)
            .unwrap();
        // Every variant of a profile shares its DSC serial, and the testkit numbers every
        // CRL 1: the revoked-dsc CRL and the others are two CRLs of one number that
        // disagree, which the verifier resolves fail-closed (revoked) since issue 15.
        // Trust only the CRLs that revoke nothing, so that genuine documents stay valid.
        if name.ends_with("revoked-dsc") {
            continue;
        }
        let crl = std::fs::read(dir.join("csca.crl")).unwrap();
        if crls.insert(crl.clone()) {
            trust.add_crl(&crl, name).unwrap();
        }
    }
    let trust = Arc::new(trust);
    let options = Options::at(UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap());
    let documents: Vec<_> = dirs
        .iter()
        .map(|(_, dir)| common::synthetic_document(dir))
        .collect();
    let singles: Vec<_> = documents
        .iter()
        .map(|d| passive_auth::verify(d, &trust, &options, &verifier))
        .collect();
    assert!(singles.iter().filter(|r| r.valid).count() >= 9);
    let batch = BatchVerifier::new(trust.clone(), options, verifier)
        .with_config(BatchConfig::with_threads(2));
    let stream = documents.iter().cycle().take(documents.len() * 4).cloned();
    for (i, report) in batch.verify(stream).unwrap().enumerate() {
        assert_eq!(
            report.unwrap(),
            singles[i % singles.len()],
            "{}",
            dirs[i % dirs.len()].0
        );
    }
    let mut seen = BTreeSet::new();
    for (index, report) in batch.verify_tagged(documents.clone()).unwrap() {
        assert_eq!(report.unwrap(), singles[index as usize], "{index}");
        assert!(seen.insert(index));
    }
    assert_eq!(seen.len(), documents.len());
    let stats = batch.cache_stats();
    assert!(stats.hits > stats.misses, "{stats:?}");
}

/// One cache asked at times on both sides of every boundary of a chain (certificate
/// validity, CRL thisUpdate/nextUpdate) answers as a fresh verification at that time.
#[test]
fn cached_chains_are_reused_only_within_their_time_window() {
    let verifier = Verifier::new();
    let dir = common::vectors().join("synthetic/p256/genuine");
    let mut trust = TrustStore::new();
    trust
        .add_csca(&std::fs::read(dir.join("csca.der")).unwrap(), "csca.der")
        .unwrap();
    trust
        .add_crl(&std::fs::read(dir.join("csca.crl")).unwrap(), "csca.crl")
        .unwrap();
    let trust = Arc::new(trust);
    let cache = SharedChainCache::new(trust.clone());
    let document = common::synthetic_document(&dir);
    let dsc = dongpo_pki::Cert::parse(&std::fs::read(dir.join("dsc.der")).unwrap()).unwrap();
    let crl = dongpo_revocation::Crl::parse(&std::fs::read(dir.join("csca.crl")).unwrap()).unwrap();
    let tbs = &crl.crl.tbs_cert_list;
    let mut times = vec![
        dsc.not_before,
        dsc.not_after,
        UnixTime::from_x509(&tbs.this_update),
    ];
    times.extend(tbs.next_update.as_ref().map(UnixTime::from_x509));
    let mut instants = Vec::new();
    for t in times {
        instants.extend([UnixTime(t.0 - 1), t, UnixTime(t.0 + 1)]);
    }
    // Twice over, so that the second round is answered from the cache.
    for model in [TimeModel::VerificationTime, TimeModel::SigningTime] {
        for at in instants.iter().chain(&instants) {
            let options = Options {
                at: *at,
                policy: Policy::default_policy(),
                time_model: model,
            };
            let single = passive_auth::verify(&document, &trust, &options, &verifier);
            let cached = passive_auth::verify_with(&document, &trust, &options, &verifier, &cache);
            assert_eq!(cached, single, "at {}", at.rfc3339());
        }
    }
    let stats = cache.stats();
    assert!(stats.hits >= instants.len() as u64, "{stats:?}");
    // Several windows were needed: the validity outcome changes across them.
    assert!(stats.misses >= 4, "{stats:?}");
}
