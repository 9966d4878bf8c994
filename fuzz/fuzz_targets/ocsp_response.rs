//! Hostile OCSP responses: parsing, and relying-party verification of arbitrary bytes
//! against a real issuer (signature, responder ID, delegate, CertID, freshness, nonce).
#![no_main]

use dongpo_crypto::{HashAlgorithm, Verifier};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::ocsp::{cert_id, parse_response, verify_response};
use libfuzzer_sys::fuzz_target;

const ISSUER: &[u8] = include_bytes!("../../test-vectors/synthetic/p256/genuine/csca.der");

fuzz_target!(|data: &[u8]| {
    let _ = parse_response(data);
    let Ok(issuer) = Cert::parse(ISSUER) else {
        return;
    };
    let verifier = Verifier::new();
    let at = UnixTime(1_780_272_000);
    for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        if let Ok(id) = cert_id(hash, &issuer, &[0x01]) {
            let _ = verify_response(data, &id, &issuer, at, None, &verifier);
            let _ = verify_response(data, &id, &issuer, at, Some(&[7; 32]), &verifier);
        }
    }
});
