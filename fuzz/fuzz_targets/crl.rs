//! Hostile CRLs and certificates: parsing, number, delta base, the serial index (every
//! entry the lazy decoder yields must be found by the index), status lookup.
#![no_main]

use dongpo_revocation::CrlStatus;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(crl) = dongpo_revocation::Crl::parse(data) {
        let _ = crl.number_hex();
        let _ = crl.delta_base_hex();
        let _ = crl.status(&[1, 2, 3]);
        let mut listed = 0;
        for entry in crl.revoked() {
            listed += 1;
            assert_ne!(crl.status(entry.serial_number.as_bytes()), CrlStatus::Good);
        }
        assert_eq!(listed, crl.revoked_count());
    }
    let _ = dongpo_pki::Cert::parse(data);
});
