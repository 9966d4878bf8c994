//! Hostile CRLs and certificates: parsing, number, status lookup.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(crl) = dongpo_revocation::Crl::parse(data) {
        let _ = crl.number_hex();
        let _ = crl.status(&[1, 2, 3]);
    }
    let _ = dongpo_pki::Cert::parse(data);
});
