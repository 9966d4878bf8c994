//! Hostile sealed values through `dongpo_crypto::seal::open` (the VID random an app
//! receives): HPKE `enc ‖ ct` for P-256, P-384 and P-521 keys and RSA-OAEP ciphertexts, then
//! the bytes as the PKCS#8 private key itself. The first byte picks the key; the rest is the
//! sealed value. Keys are the testkit's deterministic subscriber keys, so findings replay.
#![no_main]

use std::sync::OnceLock;

use dongpo_crypto::seal::{VID_RANDOM_INFO, open};
use dongpo_crypto::{Curve, KeySpec};
use libfuzzer_sys::fuzz_target;

fn keys() -> &'static [Vec<u8>] {
    static KEYS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            KeySpec::Ec(Curve::P256),
            KeySpec::Ec(Curve::P384),
            KeySpec::Ec(Curve::P521),
            KeySpec::Rsa(2048),
        ]
        .into_iter()
        .filter_map(|spec| dongpo_testkit::csr::subscriber_key(spec, 1, "fuzz").ok())
        .filter_map(|key| key.to_pkcs8_der().ok())
        .map(|der| der.to_vec())
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let keys = keys();
    match keys.get(usize::from(selector) % (keys.len() + 1)) {
        Some(key) => {
            let _ = open(key, VID_RANDOM_INFO, rest);
        }
        // The bytes as the private key, with a value of every suite's shape.
        None => {
            for len in [101, 133, 169, 256] {
                let _ = open(rest, VID_RANDOM_INFO, &vec![0x04; len]);
            }
        }
    }
});
