//! Hostile bytes into EF.DG14: as the whole file, and as the SecurityInfos inside a valid
//! `6E { 31 ... }` wrapper; every chip-authentication key that parses is read too.
#![no_main]

use dongpo_icao::lds::Dg14;
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fn exercise(bytes: &[u8]) {
    if let Ok(dg14) = Dg14::parse(bytes) {
        for key in dg14.chip_authentication_public_keys() {
            let _ = key.public_key();
        }
        if let Some(aa) = dg14.active_authentication() {
            let _ = aa.hash_algorithm();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data);
    exercise(&encode(&[0x6E], &encode(&[0x31], data)));
});
