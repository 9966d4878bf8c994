//! Hostile CRLs and certificates: parsing, number, delta base, the serial index (every
//! entry the lazy decoder yields must be found by the index), status lookup, and the
//! RFC 5280 §6.3 checker (distribution points, reasons, indirect and delta CRLs) with
//! the bytes as a CRL of the PKITS trust anchor for a PKITS certificate.
#![no_main]

use dongpo_crypto::Verifier;
use dongpo_pki::path::RevocationChecker;
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{CrlChecker, CrlStatus};
use libfuzzer_sys::fuzz_target;

const ANCHOR: &[u8] =
    include_bytes!("../../test-vectors/pkits/certs/TrustAnchorRootCertificate.crt");
const LEAF: &[u8] = include_bytes!("../../test-vectors/pkits/certs/GoodCACert.crt");

fuzz_target!(|data: &[u8]| {
    if let Ok(crl) = dongpo_revocation::Crl::parse(data) {
        let _ = crl.number_hex();
        let _ = crl.delta_base_hex();
        let _ = crl.is_indirect();
        let _ = crl.status(&[1, 2, 3]);
        let mut listed = 0;
        for entry in crl.revoked() {
            listed += 1;
            assert_ne!(crl.status(entry.serial_number.as_bytes()), CrlStatus::Good);
        }
        assert_eq!(listed, crl.revoked_count());
        if let (Ok(anchor), Ok(leaf)) = (Cert::parse(ANCHOR), Cert::parse(LEAF)) {
            let verifier = Verifier::new();
            let crls = [crl];
            let anchors = [anchor];
            let checker = CrlChecker::new(&crls, &[], &anchors, &verifier);
            let _ = checker.status(&leaf, &anchors[0], UnixTime(1_302_825_600));
        }
    }
    let _ = dongpo_pki::Cert::parse(data);
});
