#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests: every CRL dongpo builds parses back to what was put in (each serial
//! listed with its revocation time and reason, nothing else listed), verifies with its
//! issuer, and CRL numbers only ever grow, whatever the clock does.

mod support;

use der::Decode;
use der::oid::db::rfc5280::ID_CE_CRL_REASONS;
use dongpo_crypto::Verifier;
use dongpo_pki::UnixTime;
use dongpo_revocation::{
    Crl, CrlIssuer, CrlNumber, CrlSpec, CrlStatus, RevokedEntry, Scope, build_crl,
};
use proptest::prelude::*;
use support::{Hierarchy, NOW};
use x509_cert::ext::pkix::CrlReason;

/// Reason codes a complete CRL may carry (RFC 5280 §5.3.1 without 7 and removeFromCRL).
const REASONS: [u8; 9] = [0, 1, 2, 3, 4, 5, 6, 9, 10];

/// Positive serial magnitudes whose DER fits RFC 5280's 20 octets (a 20-octet magnitude
/// with its top bit set would need a 21st, sign octet: the builder refuses it).
fn serial() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..=20)
        .prop_filter("not zero", |s| s.iter().any(|&b| b != 0))
        .prop_map(|s| {
            let start = s.iter().position(|&b| b != 0).unwrap_or(0);
            let mut magnitude = s[start..].to_vec();
            if magnitude.len() == 20 {
                magnitude[0] &= 0x7f;
                magnitude[19] |= 1;
            }
            let start = magnitude.iter().position(|&b| b != 0).unwrap_or(0);
            magnitude[start..].to_vec()
        })
}

fn entries() -> impl Strategy<Value = Vec<RevokedEntry>> {
    proptest::collection::btree_map(
        serial(),
        (
            0..10 * 365 * 86_400u64,
            proptest::option::of(0..REASONS.len()),
        ),
        0..40,
    )
    .prop_map(|map| {
        map.into_iter()
            .map(|(serial, (ago, reason))| RevokedEntry {
                serial,
                revoked_at: UnixTime(NOW.0 - ago),
                reason: reason.map(|i| REASONS[i]),
                invalidity_date: None,
            })
            .collect()
    })
}

fn reason_of(entry: &x509_cert::crl::RevokedCert) -> Option<u8> {
    entry
        .crl_entry_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_CRL_REASONS)
        .map(|e| CrlReason::from_der(e.extn_value.as_bytes()).unwrap() as u8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn built_crls_read_back_entry_for_entry(entries in entries(), absent in serial()) {
        let pki = Hierarchy::new();
        let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
        let number = CrlNumber::next(None, NOW).unwrap();
        let spec = CrlSpec {
            issuer: &issuer,
            crl_number: &number,
            this_update: NOW,
            next_update: UnixTime(NOW.0 + 86_400),
            entries: &entries,
            scope: Scope::Full,
            delta_of: None,
            freshest: None,
        };
        let crl = Crl::parse(&build_crl(&spec, &pki.issuing.signer()).unwrap()).unwrap();
        crl.verify(&pki.issuing.parsed(), NOW, &Verifier::new()).unwrap();
        prop_assert_eq!(crl.number_hex(), Some(number.to_hex()));
        prop_assert_eq!(crl.revoked_count(), entries.len());
        for entry in &entries {
            prop_assert_eq!(
                crl.status(&serial_content(&entry.serial)),
                CrlStatus::Revoked { at: entry.revoked_at }
            );
        }
        if !entries.iter().any(|e| e.serial == absent) {
            prop_assert_eq!(crl.status(&serial_content(&absent)), CrlStatus::Good);
        }
        // Reasons as given, `unspecified` (0) written as none.
        let mut read: Vec<(Vec<u8>, Option<u8>)> = crl
            .revoked()
            .map(|e| {
                let bytes = e.serial_number.as_bytes();
                let start = bytes.iter().position(|&b| b != 0).unwrap_or(0);
                (bytes[start..].to_vec(), reason_of(&e))
            })
            .collect();
        read.sort();
        let mut given: Vec<(Vec<u8>, Option<u8>)> = entries
            .iter()
            .map(|e| (e.serial.clone(), e.reason.filter(|&r| r != 0)))
            .collect();
        given.sort();
        prop_assert_eq!(read, given);
    }

    #[test]
    fn crl_numbers_only_grow(steps in proptest::collection::vec(-100_000i64..100_000, 1..50)) {
        let mut clock = NOW.0;
        let mut last: Option<CrlNumber> = None;
        for step in steps {
            // The clock may stand still or go backwards (another node, a bad NTP step).
            clock = clock.saturating_add_signed(step);
            let next = CrlNumber::next(last.as_ref(), UnixTime(clock)).unwrap();
            if let Some(previous) = &last {
                prop_assert!(next > *previous, "{} after {}", next.to_hex(), previous.to_hex());
            }
            let again = CrlNumber::from_bytes(next.as_bytes()).unwrap();
            prop_assert_eq!(&again, &next);
            last = Some(next);
        }
    }
}

/// DER INTEGER content bytes of a positive magnitude (a sign octet when the top bit is set).
fn serial_content(magnitude: &[u8]) -> Vec<u8> {
    if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
        [&[0u8][..], magnitude].concat()
    } else {
        magnitude.to_vec()
    }
}
