//! Builds, signs and parses a CRL of many entries, printing times, so peak memory can
//! be read with `/usr/bin/time -v`:
//!
//! `cargo run --release -p dongpo-revocation --example crl_million -- build 1000000 /tmp/big.crl`
//! `cargo run --release -p dongpo-revocation --example crl_million -- parse /tmp/big.crl`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::Instant;

use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::UnixTime;
use dongpo_revocation::{Crl, CrlIssuer, CrlNumber, CrlSpec, RevokedEntry, Scope, build_crl};
use std::str::FromStr;
use x509_cert::name::Name;

const NOW: UnixTime = UnixTime(1_780_272_000);

/// `n` revoked entries with 16-octet pseudo-random serials, like dongpo-ca's.
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
            serial[0] &= 0x7f;
            serial[0] |= 0x01;
            RevokedEntry {
                serial,
                revoked_at: UnixTime(NOW.0 - (i as u64 % 86_400)),
                reason: Some([1, 4, 5, 0][i % 4]),
                invalidity_date: (i % 8 == 0).then_some(UnixTime(NOW.0 - 200_000)),
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("build") => {
            let n: usize = args[2].parse().unwrap();
            let entries = entries(n);
            let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
            let algorithm = SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha256,
                encoding: EcdsaEncoding::Der,
            };
            let issuer = CrlIssuer {
                name: Name::from_str("CN=Issuing CA,O=Example,C=KR").unwrap(),
                key_identifier: vec![7; 20],
                public_key: None,
            };
            let number = CrlNumber::next(None, NOW).unwrap();
            let spec = CrlSpec {
                issuer: &issuer,
                crl_number: &number,
                this_update: NOW,
                next_update: UnixTime(NOW.0 + 7 * 86_400),
                entries: &entries,
                scope: Scope::Full,
                delta_of: None,
                freshest: None,
            };
            let start = Instant::now();
            let der = build_crl(&spec, &CertSigner::new(&key, algorithm)).unwrap();
            println!(
                "build+sign {n} entries: {:.3} s, {} bytes",
                start.elapsed().as_secs_f64(),
                der.len()
            );
            std::fs::write(&args[3], der).unwrap();
        }
        Some("parse") => {
            let bytes = std::fs::read(&args[2]).unwrap();
            let start = Instant::now();
            let crl = Crl::parse(&bytes).unwrap();
            let parsed = start.elapsed();
            let probes = entries(1000);
            let mut revoked = 0;
            for probe in &probes {
                let mut serial = probe.serial.clone();
                if serial[0] >= 0x80 {
                    serial.insert(0, 0);
                }
                if crl.status(&serial) != dongpo_revocation::CrlStatus::Good {
                    revoked += 1;
                }
            }
            println!(
                "parse: {:.3} s; parse + 1000 lookups: {:.3} s; {revoked} revoked",
                parsed.as_secs_f64(),
                start.elapsed().as_secs_f64()
            );
        }
        _ => panic!("usage: crl_million build N FILE | parse FILE"),
    }
}
