//! Regenerating the corpus reproduces `test-vectors/synthetic/` byte for byte.
//! Regenerate with: `cargo run -p dongpo-cli -- testkit corpus --out test-vectors/synthetic`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use dongpo_testkit::KeyStore;

#[test]
fn regeneration_is_byte_identical() {
    let mut keys = KeyStore::default();
    let checked_in = common::corpus();
    for doc in &checked_in {
        let fresh = dongpo_testkit::generate(doc.profile, doc.variant, 1, &mut keys).unwrap();
        let name = format!("{}/{}", doc.profile, doc.variant);
        assert_eq!(
            fresh.files.keys().collect::<Vec<_>>(),
            doc.files.keys().collect::<Vec<_>>(),
            "{name}: file names"
        );
        for (file, bytes) in &fresh.files {
            assert!(
                bytes == &doc.files[file],
                "{name}/{file} differs from the checked-in copy"
            );
        }
    }
}

#[test]
fn master_list_regeneration_is_byte_identical() {
    let dir = common::corpus_dir().join("masterlist");
    let fresh = dongpo_testkit::masterlist::generate(1, &mut KeyStore::default()).unwrap();
    for (file, bytes) in &fresh.files {
        let checked_in = std::fs::read(dir.join(file)).unwrap();
        assert!(
            bytes == &checked_in,
            "masterlist/{file} differs from the checked-in copy"
        );
    }
}

#[test]
fn seeds_give_different_documents() {
    let mut keys = KeyStore::default();
    let a = dongpo_testkit::generate(
        dongpo_testkit::Profile::P256,
        dongpo_testkit::Variant::Genuine,
        1,
        &mut keys,
    )
    .unwrap();
    let b = dongpo_testkit::generate(
        dongpo_testkit::Profile::P256,
        dongpo_testkit::Variant::Genuine,
        2,
        &mut keys,
    )
    .unwrap();
    for file in [
        "csca.der",
        "EF_SOD.bin",
        "DG1.bin",
        "DG2.bin",
        "identity.json",
    ] {
        assert_ne!(a.files[file], b.files[file], "{file}");
    }
}
