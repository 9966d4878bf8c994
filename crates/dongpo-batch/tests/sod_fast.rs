//! The fast EF.SOD parser never disagrees with `Sod::parse`: whenever it answers, the
//! full parser gives the same value; and it does answer for the common shape.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::agrees;
use dongpo_icao::KnownCertificates;

fn sods() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = common::synthetic_dirs()
        .into_iter()
        .map(|(name, dir)| (name, std::fs::read(dir.join("EF_SOD.bin")).unwrap()))
        .collect();
    let real = common::vectors().join("real");
    for country in ["AT", "AU", "DE", "FR", "SG", "US"] {
        out.push((
            country.to_string(),
            std::fs::read(real.join(format!("sod/{country}/EF_SOD.bin"))).unwrap(),
        ));
    }
    for set in ["bsi-tr03105-5", "jmrtd-bsi2008"] {
        out.push((
            set.into(),
            std::fs::read(real.join(set).join("EF_SOD.bin")).unwrap(),
        ));
    }
    out
}

#[test]
fn agrees_on_every_vector_and_takes_the_common_shape() {
    let known = KnownCertificates::default();
    let mut fast = Vec::new();
    for (name, file) in sods() {
        // Twice: the second time the certificate is already known.
        if agrees(&file, &known, &name) && agrees(&file, &known, &name) {
            fast.push(name);
        }
    }
    // Every DER synthetic SOD takes the fast path; BER ones go to Sod::parse.
    for (name, _) in common::synthetic_dirs() {
        assert_eq!(
            fast.contains(&name),
            !name.ends_with("ber-indefinite"),
            "{name}"
        );
    }
    assert!(fast.iter().any(|n| n == "FR"), "{fast:?}");
}

#[test]
fn agrees_on_every_flipped_byte_and_every_truncation() {
    let known = KnownCertificates::default();
    for name in ["rsa2048/genuine", "p256/id-data", "bp256/genuine"] {
        let file = std::fs::read(
            common::vectors()
                .join("synthetic")
                .join(name)
                .join("EF_SOD.bin"),
        )
        .unwrap();
        let mut answered = 0;
        for i in 0..file.len() {
            for mask in [0x01u8, 0x80] {
                let mut mutated = file.clone();
                mutated[i] ^= mask;
                answered += usize::from(agrees(
                    &mutated,
                    &known,
                    &format!("{name} byte {i} ^ {mask:#x}"),
                ));
            }
        }
        for len in 0..file.len() {
            agrees(&file[..len], &known, &format!("{name} truncated to {len}"));
        }
        let mut longer = file.clone();
        longer.extend_from_slice(&[0, 0, 0]);
        agrees(&longer, &known, &format!("{name} with trailing bytes"));
        // Most flips land in hashes, names or the signature and still parse.
        assert!(answered > file.len() / 2, "{name}: {answered}");
    }
}
