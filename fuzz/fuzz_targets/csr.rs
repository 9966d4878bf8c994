//! Hostile certification requests: PEM/DER detection, PKCS#10 decoding, proof of
//! possession, and the subscriber key policy on whatever key came out. The key policy
//! also gets the bytes as a bare SubjectPublicKeyInfo, since a request that verifies is
//! rare under fuzzing.
#![no_main]

use dongpo_ca::parse_csr;
use dongpo_ca::{KeyPolicy, spki_sha256};
use dongpo_crypto::{Curve, KeySpec, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Every key kind a shipped profile can allow.
    let policy = KeyPolicy::new(vec![
        KeySpec::Rsa(2048),
        KeySpec::Rsa(3072),
        KeySpec::Rsa(4096),
        KeySpec::Ec(Curve::P256),
        KeySpec::Ec(Curve::P384),
    ]);
    if let Ok(csr) = parse_csr(data) {
        let _ = policy.check(&csr.public_key);
        let _ = spki_sha256(&csr.public_key);
    }
    if let Ok(key) = PublicKey::from_spki_der(data) {
        let _ = policy.check(&key);
        let _ = spki_sha256(&key);
    }
});
