//! `dongpo bench passive-auth`: the figures it prints are measured and consistent.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

fn dongpo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(args)
        .output()
        .expect("run dongpo")
}

#[test]
fn passive_auth_bench_prints_consistent_json() {
    let out = dongpo(&[
        "bench",
        "passive-auth",
        "--profile",
        "p256",
        "--documents",
        "300",
        "--threads",
        "2",
        "--dscs",
        "3",
        "--distinct",
        "12",
        "--rounds",
        "1",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"], "p256");
    assert_eq!(json["documents"], 300);
    assert_eq!(json["invalid_reports"], 0);
    assert_eq!(json["documents_per_dsc"], 100);
    let docs = json["documents_per_second"].as_f64().unwrap();
    let raw = json["raw_verify_per_second"].as_f64().unwrap();
    assert!(docs > 0.0 && raw > 0.0, "{json}");
    assert!(
        (json["ratio"].as_f64().unwrap() - docs / raw).abs() < 0.01,
        "{json}"
    );
    // The limit of one document: its signature plus its data-group hashes, each timed
    // per thread; the limit is below the raw signature rate and the ratio is to it.
    let t_signature = json["t_signature_us"].as_f64().unwrap();
    let t_hash = json["t_hash_us"].as_f64().unwrap();
    assert!(t_signature > 0.0 && t_hash > 0.0, "{json}");
    let limit = json["limit_documents_per_second"].as_f64().unwrap();
    assert!(limit > 0.0 && limit < raw, "{json}");
    assert!(
        (limit - 2.0e6 / (t_signature + t_hash)).abs() / limit < 0.01,
        "{json}"
    );
    assert!(
        (json["ratio_to_limit"].as_f64().unwrap() - docs / limit).abs() < 0.01,
        "{json}"
    );
    // Every DSC chain is built once (twice when both threads miss at once).
    let misses = json["cache_misses"].as_u64().unwrap();
    assert!((3..=6).contains(&misses), "{json}");
    assert_eq!(json["cache_hits"].as_u64().unwrap() + misses, 300);
}

#[test]
fn passive_auth_bench_refuses_unknown_profiles_and_zero_counts() {
    for args in [
        vec!["bench", "passive-auth", "--profile", "rsa1024"],
        vec![
            "bench",
            "passive-auth",
            "--profile",
            "p256",
            "--threads",
            "0",
        ],
    ] {
        let out = dongpo(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}
