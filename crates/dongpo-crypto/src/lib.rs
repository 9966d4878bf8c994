//! The one place in dongpo that knows cryptographic algorithms.
//!
//! * [`SignatureAlgorithm`] and [`HashAlgorithm`] are parsed from AlgorithmIdentifiers
//!   once and passed around as values.
//! * [`PublicKey`] comes from a SubjectPublicKeyInfo, with explicit EC domain parameters
//!   (as nearly all passport keys have) mapped to a named [`Curve`].
//! * [`Verifier`] picks a [`backend`] per key and algorithm and caches prepared keys:
//!   AWS-LC for RSA and NIST curves, RustCrypto for brainpoolP256r1/P384r1, and a
//!   generic big-integer implementation for everything else.
//! * [`Signer`] is the one signing interface: [`SigningKey`] (software keys, for CAs and
//!   test PKIs) implements it, and so do the CA's PKCS#11 keys. [`x509::CertSigner`] binds
//!   a signer to an algorithm for `x509-cert`'s builders, CRLs and OCSP responses.
//! * [`seal`] seals a short secret to a public key (HPKE, RSA-OAEP) and opens it.
//! * [`agreement`] is ECDH and finite-field DH as Chip Authentication and PACE use them
//!   (key pairs from the OS CSPRNG, validated public keys, the PACE generic mapping).
#![forbid(unsafe_code)]

// Modules are private and their items re-exported below, except those that read better
// by path: `agreement` (key agreement), `backend` (benchmarks and cross-checks name
// backends), `oid` (constants), `seal` and `x509` (the builder adapter).
pub mod agreement;
mod algorithm;
pub mod backend;
mod curve;
mod ecdsa_sig;
mod error;
mod hash;
mod key;
pub mod oid;
mod pss;
pub mod seal;
mod sign;
mod verify;
mod weierstrass;
pub mod x509;

/// Signing with a caller-chosen ECDSA nonce, for deterministic test fixtures only.
///
/// Behind the `test-signing` feature: the functions are variable time and a reused or
/// biased nonce reveals the private key, so production builds do not expose them.
#[cfg(feature = "test-signing")]
pub mod test_signing {
    pub use crate::weierstrass::{public_key, sign_prehash_with_nonce};
}

pub use algorithm::{EcdsaEncoding, SignatureAlgorithm};
pub use curve::{Curve, CurveParams};
pub use ecdsa_sig::EcdsaSignature;
pub use error::{AlgorithmError, KeyError, SignError, VerifyError};
pub use hash::HashAlgorithm;
pub use key::{
    EcPublicKey, MAX_RSA_EXPONENT_BITS, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, PublicKey,
    RsaPublicKey,
};
pub use pss::PssParams;
pub use seal::{SealError, SealSuite};
pub use sign::{KeySpec, Signer, SigningKey};
pub use verify::{Verifier, VerifyingKey};
