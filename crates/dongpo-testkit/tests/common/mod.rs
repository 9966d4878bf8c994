//! Shared helpers of the testkit's integration tests: the checked-in corpus.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use dongpo_testkit::{Profile, Variant};

/// `test-vectors/synthetic/`.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic")
}

/// One checked-in document.
pub struct Document {
    pub profile: Profile,
    pub variant: Variant,
    pub files: BTreeMap<String, Vec<u8>>,
    pub manifest: serde_json::Value,
}

/// Every checked-in document, in corpus order.
pub fn corpus() -> Vec<Document> {
    dongpo_testkit::corpus_entries()
        .into_iter()
        .map(|(profile, variant)| {
            let dir = corpus_dir().join(profile.name()).join(variant.name());
            let mut files = BTreeMap::new();
            for entry in
                std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            {
                let entry = entry.unwrap();
                files.insert(
                    entry.file_name().into_string().unwrap(),
                    std::fs::read(entry.path()).unwrap(),
                );
            }
            let manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
            Document {
                profile,
                variant,
                files,
                manifest,
            }
        })
        .collect()
}

/// The CMS ContentInfo inside an EF.SOD (strips the 0x77 tag and length).
pub fn sod_content(sod: &[u8]) -> &[u8] {
    assert_eq!(sod[0], 0x77);
    let first = sod[1];
    let header = if first < 0x80 {
        2
    } else {
        2 + usize::from(first & 0x7f)
    };
    &sod[header..]
}
