//! Hostile OCSP requests: DER parsing, GET path decoding, and a responder's answer, which
//! must always be a well-formed OCSPResponse (never a panic).
#![no_main]

use dongpo_pki::{Serial, UnixTime};
use dongpo_revocation::ocsp::{IssuerId, StatusError, StatusSource};
use dongpo_revocation::ocsp::{
    CertState, OcspError, Responder, decode_get_path, parse_request, parse_response,
};
use libfuzzer_sys::fuzz_target;

/// Knows nothing: a responder without issuers answers every parsed request
/// `unauthorized`, so the input reaches the issuer lookup.
struct Nothing;

impl StatusSource for Nothing {
    fn status(&self, _: &IssuerId, _: &Serial) -> Result<Option<CertState>, StatusError> {
        Ok(None)
    }
}

/// A successful response parses; an error response parses to its status.
fn well_formed(der: &[u8]) -> bool {
    matches!(parse_response(der), Ok(_) | Err(OcspError::Status(_)))
}

fuzz_target!(|data: &[u8]| {
    let responder = Responder::new(Nothing);
    let now = UnixTime(1_780_272_000);
    if let Ok(request) = parse_request(data) {
        assert!(!request.cert_ids.is_empty());
    }
    let outcome = responder.respond(data, now);
    assert!(well_formed(&outcome.der));
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(der) = decode_get_path(path) {
            let _ = parse_request(&der);
        }
        let outcome = responder.respond_get(path, now);
        assert!(well_formed(&outcome.der));
    }
});
