//! Hostile certificate-profile TOML through the loader and its validation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = dongpo_profiles::load_str(text, "profiles/fuzz.toml");
    }
});
