//! Shared set-up for dongpo's criterion benchmarks: the algorithm matrix and keys.
#![forbid(unsafe_code)]

use dongpo_crypto::{
    Curve, EcdsaEncoding, HashAlgorithm, KeySpec, PssParams, SignatureAlgorithm, SigningKey,
};
use dongpo_testkit::rng::SeededRng;

/// One row of the benchmark tables.
pub struct Case {
    /// Row label, e.g. `rsa2048-pkcs1-sha256`.
    pub label: &'static str,
    /// Key type.
    pub spec: KeySpec,
    /// Signature algorithm.
    pub algorithm: SignatureAlgorithm,
}

const fn ecdsa(label: &'static str, curve: Curve, hash: HashAlgorithm) -> Case {
    Case {
        label,
        spec: KeySpec::Ec(curve),
        algorithm: SignatureAlgorithm::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Der,
        },
    }
}

/// Every algorithm an ePassport or the CA uses.
#[must_use]
pub fn cases() -> Vec<Case> {
    use HashAlgorithm::{Sha256, Sha384, Sha512};
    vec![
        Case {
            label: "rsa2048-pkcs1-sha256",
            spec: KeySpec::Rsa(2048),
            algorithm: SignatureAlgorithm::RsaPkcs1 { hash: Sha256 },
        },
        Case {
            label: "rsa3072-pss-sha256",
            spec: KeySpec::Rsa(3072),
            algorithm: SignatureAlgorithm::RsaPss(PssParams::with_hash(Sha256)),
        },
        Case {
            label: "rsa4096-pkcs1-sha256",
            spec: KeySpec::Rsa(4096),
            algorithm: SignatureAlgorithm::RsaPkcs1 { hash: Sha256 },
        },
        ecdsa("p224-sha256", Curve::P224, Sha256),
        ecdsa("p256-sha256", Curve::P256, Sha256),
        ecdsa("p384-sha384", Curve::P384, Sha384),
        ecdsa("p521-sha512", Curve::P521, Sha512),
        ecdsa("bp224-sha256", Curve::BrainpoolP224r1, Sha256),
        ecdsa("bp256-sha256", Curve::BrainpoolP256r1, Sha256),
        ecdsa("bp320-sha256", Curve::BrainpoolP320r1, Sha256),
        ecdsa("bp384-sha384", Curve::BrainpoolP384r1, Sha384),
        ecdsa("bp512-sha512", Curve::BrainpoolP512r1, Sha512),
    ]
}

/// A deterministic key for a case.
///
/// # Panics
/// If key generation fails (benchmarks only).
#[must_use]
#[allow(clippy::expect_used)]
pub fn key(case: &Case) -> SigningKey {
    SigningKey::generate_with_rng(case.spec, &mut SeededRng::new(42, case.label))
        .expect("key generation")
}

/// A message the size of an EF.SOD's signedAttrs.
#[must_use]
pub fn message() -> Vec<u8> {
    SeededRng::new(42, "message").bytes(128)
}
