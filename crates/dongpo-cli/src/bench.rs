//! `dongpo bench passive-auth`: batch Passive Authentication throughput beside the limit
//! of verifying one document, measured in the same run on the same backend: its SOD
//! signature verification plus the hashing of its data groups (the two things Passive
//! Authentication cannot skip), for the documents' own algorithms and byte counts.

use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Subcommand};
use dongpo_batch::{BatchConfig, BatchVerifier};
use dongpo_crypto::{HashAlgorithm, Verifier, VerifyingKey};
use dongpo_icao::Sod;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options};
use dongpo_pki::{Cert, UnixTime};
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

use crate::exit;

/// Benchmarks.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generates documents with the testkit (a few DSCs, thousands of documents each),
    /// verifies them in a batch and prints documents/s, raw SOD signature
    /// verifications/s with the same keys and backend, their ratio, and the limit of
    /// verifying one document (its signature plus its data-group hashes) with the
    /// ratio to that limit.
    PassiveAuth(PassiveAuthArgs),
}

/// `dongpo bench passive-auth`.
#[derive(Args)]
pub struct PassiveAuthArgs {
    /// rsa2048, rsa4096, rsapss3072, p256, p384, p521, bp256, bp384, bp512.
    #[arg(long)]
    profile: String,
    /// Documents verified per round (each holds a 16 KB DG2: about 17 KB in memory).
    #[arg(long, default_value_t = 20_000)]
    documents: usize,
    /// Verification threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Document Signers the documents are spread over (one CSCA).
    #[arg(long, default_value_t = 4)]
    dscs: u32,
    /// Distinct documents generated (each signed anew); the stream repeats them.
    #[arg(long, default_value_t = 256)]
    distinct: usize,
    /// Rounds of (raw signatures, data-group hashes, then batch); the round with the
    /// median `ratio_to_limit` is printed, so that every figure comes from the same
    /// moment of a possibly shared machine.
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Seed of the generated material.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs a bench command.
pub fn run(command: &BenchCommand) -> Result<u8, String> {
    match command {
        BenchCommand::PassiveAuth(args) => passive_auth(args),
    }
}

/// The SOD signature of one document, ready to be checked again and again, and the
/// hash algorithm its SOD names for the data groups.
struct RawSignature {
    key: VerifyingKey,
    message: Vec<u8>,
    signature: Vec<u8>,
    lds_hash: HashAlgorithm,
}

impl RawSignature {
    fn of(document: &Document, verifier: &Verifier) -> Result<Self, String> {
        let sod = Sod::parse(&document.sod).map_err(|e| e.to_string())?;
        let der = sod.cms.certificates.first().ok_or("SOD without DSC")?;
        let dsc = Cert::parse(der).map_err(|e| e.to_string())?;
        let algorithm = sod.cms.signature_algorithm()?;
        Ok(RawSignature {
            key: verifier
                .prepare(&dsc.key, &algorithm)
                .map_err(|e| e.to_string())?,
            message: sod.cms.signed_attrs.ok_or("SOD without signedAttrs")?,
            signature: sod.cms.signature,
            lds_hash: sod.lds_hash,
        })
    }
}

/// Operations per second of `count` operations on `threads` threads, each thread taking
/// every `threads`-th document from `t` on (cycling through `items`); `op` returns
/// whether the operation went wrong.
fn rate<T: Sync>(
    items: &[T],
    count: usize,
    threads: usize,
    op: impl Fn(&T) -> bool + Sync,
) -> Result<f64, String> {
    let per_thread = count.div_ceil(threads);
    let op = &op;
    let start = Instant::now();
    let failures: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    items
                        .iter()
                        .cycle()
                        .skip(t)
                        .step_by(threads)
                        .take(per_thread)
                        .filter(|item| op(item))
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(1)).sum()
    });
    let seconds = start.elapsed().as_secs_f64();
    if failures > 0 {
        return Err(format!("{failures} operations failed"));
    }
    Ok((per_thread * threads) as f64 / seconds)
}

/// Raw SOD signature verifications per second on `threads` threads.
fn raw_rate(raw: &[RawSignature], count: usize, threads: usize) -> Result<f64, String> {
    rate(raw, count, threads, |r| {
        r.key.verify(&r.message, &r.signature).is_err()
    })
    .map_err(|e| format!("raw signature checks: {e}"))
}

/// Documents whose data groups are all hashed per second on `threads` threads, each
/// with its SOD's hash algorithm.
fn hash_rate(
    documents: &[(HashAlgorithm, &Document)],
    count: usize,
    threads: usize,
) -> Result<f64, String> {
    rate(documents, count, threads, |(hash, document)| {
        // The digests are compared with nothing, but must not be optimised away.
        let total: usize = document
            .data_groups
            .values()
            .map(|bytes| std::hint::black_box(hash.digest(bytes)).len())
            .sum();
        total == 0
    })
    .map_err(|e| format!("data-group hashes: {e}"))
}

/// What one round found.
struct Measured {
    documents_per_second: f64,
    raw_verify_per_second: f64,
    /// Documents whose data groups were all hashed, per second (on the same threads).
    dg_hash_documents_per_second: f64,
    threads: usize,
    cache_hits: u64,
    cache_misses: u64,
}

impl Measured {
    fn ratio(&self) -> f64 {
        self.documents_per_second / self.raw_verify_per_second
    }

    /// One document's SOD signature verification on one thread, in seconds
    /// (`threads` threads verified `raw_verify_per_second` together).
    fn t_signature(&self) -> f64 {
        self.threads as f64 / self.raw_verify_per_second
    }

    /// Hashing one document's data groups on one thread, in seconds.
    fn t_hash(&self) -> f64 {
        self.threads as f64 / self.dg_hash_documents_per_second
    }

    /// Documents per second if verifying one cost only its signature and its hashes.
    fn limit(&self) -> f64 {
        self.threads as f64 / (self.t_signature() + self.t_hash())
    }

    fn ratio_to_limit(&self) -> f64 {
        self.documents_per_second / self.limit()
    }
}

fn passive_auth(args: &PassiveAuthArgs) -> Result<u8, String> {
    let profile = Profile::from_name(&args.profile).ok_or_else(|| {
        let all: Vec<_> = Profile::ALL.iter().map(|p| p.name()).collect();
        format!(
            "unknown profile '{}' (one of: {})",
            args.profile,
            all.join(", ")
        )
    })?;
    if args.documents == 0 || args.threads == 0 || args.dscs == 0 || args.distinct == 0 {
        return Err("--documents, --threads, --dscs and --distinct must be at least 1".into());
    }
    let mut keys = KeyStore::default();
    let signers = (0..args.dscs)
        .map(|n| DocumentSigner::new(profile, args.seed, n, &mut keys))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut trust = TrustStore::new();
    let first = signers.first().ok_or("no signer")?;
    trust
        .add_csca(first.csca_der(), "testkit CSCA")
        .map_err(|e| e.to_string())?;
    trust
        .add_crl(first.crl_der(), "testkit CRL")
        .map_err(|e| e.to_string())?;
    let at = UnixTime::parse_rfc3339(&first.verify_at()).ok_or("testkit verify_at")?;
    let distinct = args.distinct.min(args.documents).max(signers.len());
    // Document i comes from signer i mod dscs: every DSC signs a share of the stream.
    let pool = (0..distinct)
        .map(|i| {
            let signer = signers.get(i % signers.len()).ok_or("no signer")?;
            signer
                .document((i / signers.len()) as u64)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let verifier = Arc::new(Verifier::new());
    let raw = pool
        .iter()
        .map(|d| RawSignature::of(d, &verifier))
        .collect::<Result<Vec<_>, _>>()?;
    let hashing: Vec<(HashAlgorithm, &Document)> =
        raw.iter().map(|r| r.lds_hash).zip(pool.iter()).collect();
    let backend = raw.first().map_or("none", |r| r.key.backend());
    let trust = Arc::new(trust);
    let config = BatchConfig::with_threads(args.threads);

    let mut rounds = Vec::new();
    let mut invalid = 0;
    for _ in 0..args.rounds.max(1) {
        let raw_verify_per_second = raw_rate(&raw, args.documents, args.threads)?;
        let dg_hash_documents_per_second = hash_rate(&hashing, args.documents, args.threads)?;
        let documents: Vec<Document> = pool.iter().cycle().take(args.documents).cloned().collect();
        let batch = BatchVerifier::new(trust.clone(), Options::at(at), verifier.clone())
            .with_config(config);
        let start = Instant::now();
        let mut count = 0usize;
        for report in batch.verify(documents).map_err(|e| e.to_string())? {
            let report = report.map_err(|e| e.to_string())?;
            invalid += usize::from(!report.valid);
            count += 1;
        }
        let seconds = start.elapsed().as_secs_f64();
        let stats = batch.cache_stats();
        rounds.push(Measured {
            documents_per_second: count as f64 / seconds,
            raw_verify_per_second,
            dg_hash_documents_per_second,
            threads: args.threads,
            cache_hits: stats.hits,
            cache_misses: stats.misses,
        });
    }
    rounds.sort_by(|a, b| a.ratio_to_limit().total_cmp(&b.ratio_to_limit()));
    let median = rounds.get(rounds.len() / 2).ok_or("no round ran")?;
    let ratio = median.ratio();
    let ratio_to_limit = median.ratio_to_limit();
    let micros = |seconds: f64| (seconds * 1e7).round() / 10.0;
    let algorithm = profile.signature_algorithm().name();
    if args.json {
        let out = serde_json::json!({
            "profile": profile.name(),
            "algorithm": algorithm,
            "backend": backend,
            "threads": args.threads,
            "documents": args.documents,
            "distinct_documents": distinct,
            "dscs": args.dscs,
            "documents_per_dsc": args.documents / signers.len(),
            "rounds": args.rounds.max(1),
            "documents_per_second": median.documents_per_second.round(),
            "raw_verify_per_second": median.raw_verify_per_second.round(),
            "ratio": (ratio * 1000.0).round() / 1000.0,
            "t_signature_us": micros(median.t_signature()),
            "t_hash_us": micros(median.t_hash()),
            "limit_documents_per_second": median.limit().round(),
            "ratio_to_limit": (ratio_to_limit * 1000.0).round() / 1000.0,
            "cache_hits": median.cache_hits,
            "cache_misses": median.cache_misses,
            "invalid_reports": invalid,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "profile: {} ({algorithm}, backend {backend})",
            profile.name()
        );
        println!(
            "documents: {} per round, {distinct} distinct, {} DSCs, {} threads, median of {} rounds",
            args.documents,
            args.dscs,
            args.threads,
            args.rounds.max(1)
        );
        println!("documents_per_second: {:.0}", median.documents_per_second);
        println!("raw_verify_per_second: {:.0}", median.raw_verify_per_second);
        println!("ratio: {ratio:.3}");
        println!(
            "t_signature_us: {:.1}, t_hash_us: {:.1} (per document, one thread)",
            micros(median.t_signature()),
            micros(median.t_hash())
        );
        println!("limit_documents_per_second: {:.0}", median.limit());
        println!("ratio_to_limit: {ratio_to_limit:.3}");
        println!(
            "chain cache: {} hits, {} misses",
            median.cache_hits, median.cache_misses
        );
    }
    if invalid > 0 {
        eprintln!("dongpo: {invalid} generated documents did not verify");
        return Ok(exit::INVALID);
    }
    Ok(exit::OK)
}
