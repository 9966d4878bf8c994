//! Hostile bytes into EF.DG1: as the whole file, and as the MRZ inside a valid wrapper.
#![no_main]

use dongpo_icao::lds::Mrz;
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Mrz::from_dg1(data);
    let _ = Mrz::from_dg1(&encode(&[0x61], &encode(&[0x5F, 0x1F], data)));
});
