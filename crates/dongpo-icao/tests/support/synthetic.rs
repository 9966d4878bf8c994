//! The checked-in synthetic corpus (`test-vectors/synthetic/`) and the verification time
//! its documents are valid at, for the trust-decision tests (shared with `#[path]`).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use dongpo_pki::UnixTime;

/// A path inside `test-vectors/synthetic/`.
pub fn vectors(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic")
        .join(path)
}

/// The bytes of a file inside `test-vectors/synthetic/`.
pub fn read(path: &str) -> Vec<u8> {
    std::fs::read(vectors(path)).unwrap()
}

/// The verification time the corpus is valid at.
pub fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap()
}
