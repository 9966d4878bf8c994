//! Hostile bytes into every parser of dongpo-crypto: SubjectPublicKeyInfo (incl.
//! explicit EC parameters), signature AlgorithmIdentifiers (incl. PSS parameters),
//! ECDSA signatures, and a full verification with whatever parsed.
#![no_main]

use dongpo_crypto::{EcdsaSignature, PublicKey, SignatureAlgorithm, Verifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (head, tail) = data.split_at(split);
    let key = PublicKey::from_spki_der(head);
    let _ = PublicKey::from_spki_der(data);
    let alg = SignatureAlgorithm::from_identifier_der(tail, Some(dongpo_crypto::HashAlgorithm::Sha256));
    let _ = EcdsaSignature::from_der(tail);
    let _ = EcdsaSignature::from_plain(tail, 32);
    if let (Ok(key), Ok(alg)) = (key, alg) {
        let _ = Verifier::new().verify(&key, &alg, head, tail);
    }
});
