//! Hostile bytes into EF.COM: as the whole file, and as the content of a valid `60`
//! wrapper.
#![no_main]

use dongpo_icao::lds::EfCom;
use dongpo_icao::tlv::encode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(com) = EfCom::parse(data) {
        let _ = com.lds_version_number();
    }
    let _ = EfCom::parse(&encode(&[0x60], data));
});
