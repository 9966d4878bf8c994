//! Hostile DG15, challenge and signature bytes into Active Authentication: DG15 wrapper
//! and SubjectPublicKeyInfo parsing, dispatch on the key type, ISO/IEC 9796-2 recovery
//! and ECDSA (plain and DER).
//!
//! Input layout: `hash selector (1) || DG15 length (2, big-endian) || challenge length (1)
//! || DG15 || challenge || signature` (lengths are clamped to what is there).
#![no_main]

use dongpo_crypto::HashAlgorithm;
use dongpo_icao::active_auth;
use dongpo_icao::lds::Dg15;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [selector, hi, lo, challenge_len, rest @ ..] = data else {
        return;
    };
    let dg15_len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
    let (dg15, rest) = rest.split_at(dg15_len);
    let challenge_len = usize::from(*challenge_len).min(rest.len());
    let (challenge, signature) = rest.split_at(challenge_len);
    // 0..=4: a DG14 hash; 5 and above: no DG14
    let hash = HashAlgorithm::ALL.get(usize::from(*selector)).copied();
    let Ok(dg15) = Dg15::parse_file_or_spki(dg15) else {
        return;
    };
    if let Ok(outcome) = active_auth::verify(&dg15, hash, challenge, signature) {
        // a valid signature must stay valid on a second look (caches, complement rule)
        assert_eq!(
            active_auth::verify(&dg15, hash, challenge, signature),
            Ok(outcome)
        );
    }
});
