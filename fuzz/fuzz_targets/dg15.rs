//! Hostile bytes into EF.DG15: as the whole file, and as the SubjectPublicKeyInfo inside
//! a valid `6F` wrapper (reaching the RSA unsigned-integer repair).
#![no_main]

use dongpo_icao::lds::Dg15;
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(dg15) = Dg15::parse(data) {
        assert!(data.ends_with(dg15.spki));
    }
    let _ = Dg15::parse(&encode(&[0x6F], data));
});
