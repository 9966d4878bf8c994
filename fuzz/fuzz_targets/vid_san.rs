//! Hostile subjectAltName values through the KISA identifyData VID parser and verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = dongpo_profiles::vid::find_vid(data);
    let _ = dongpo_profiles::vid::verify(data, "1234561234567", &[0x55; 20]);
});
