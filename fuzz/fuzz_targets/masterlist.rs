//! Hostile master lists: extraction and verification.
#![no_main]

use dongpo_crypto::Verifier;
use dongpo_pki::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dongpo_icao::masterlist::entries(data);
    let _ = dongpo_icao::masterlist::verify(data, &[], UnixTime(1_780_272_000), &Verifier::new());
});
