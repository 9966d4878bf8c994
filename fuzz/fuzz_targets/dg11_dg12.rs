//! Hostile bytes into EF.DG11 and EF.DG12: as whole files, and as the content of a
//! valid `6B` / `6C` wrapper.
#![no_main]

use dongpo_icao::lds::{Dg11, Dg12};
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Dg11::parse(data);
    let _ = Dg12::parse(data);
    let _ = Dg11::parse(&encode(&[0x6B], data));
    let _ = Dg12::parse(&encode(&[0x6C], data));
});
