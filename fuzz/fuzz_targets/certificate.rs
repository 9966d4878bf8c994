//! Hostile X.509 certificates: parsing, every accessor, and RFC 5280 path validation
//! of the bytes as a leaf under the PKITS trust anchor, as an anchor of its own, and as
//! an intermediate between the two. Input: a 2-byte length, the first certificate, then
//! the second (either may be garbage).
#![no_main]

use dongpo_pki::Cert;
use dongpo_pki::path::{PathOptions, validate_path};
use dongpo_pki::time::UnixTime;
use dongpo_crypto::Verifier;
use libfuzzer_sys::fuzz_target;

const PKITS_ANCHOR: &[u8] =
    include_bytes!("../../test-vectors/pkits/certs/TrustAnchorRootCertificate.crt");

/// 2011-01-01, inside the PKITS validity periods.
const AT: UnixTime = UnixTime(1_293_840_000);

fn touch(cert: &Cert) {
    let _ = cert.subject();
    let _ = cert.issuer();
    let _ = cert.serial_hex();
    let _ = cert.encoding_quirks();
    let _ = cert.valid_at(AT);
    let _ = cert.key_usage();
    let _ = cert.basic_constraints();
    let _ = cert.self_issued();
}

fuzz_target!(|data: &[u8]| {
    let Ok(anchor) = Cert::parse(PKITS_ANCHOR) else {
        return;
    };
    let (first, second) = match data {
        [hi, lo, rest @ ..] => rest.split_at((usize::from(*hi) << 8 | usize::from(*lo)).min(rest.len())),
        _ => (data, &[][..]),
    };
    let verifier = Verifier::new();
    let options = PathOptions::new(AT);
    let parsed: Vec<Cert> = [first, second, data]
        .into_iter()
        .filter_map(|bytes| Cert::parse(bytes).ok())
        .collect();
    for cert in &parsed {
        touch(cert);
        let _ = cert.verify_signed_by(&anchor.key, &verifier);
        let _ = anchor.verify_signed_by(&cert.key, &verifier);
        let _ = validate_path(cert, &[], std::slice::from_ref(&anchor), &options);
        let _ = validate_path(cert, &parsed, std::slice::from_ref(&anchor), &options);
        let _ = validate_path(&anchor, &[], std::slice::from_ref(cert), &options);
        let _ = validate_path(cert, &[anchor.clone()], &parsed, &options);
    }
});
