//! The one place in dongpo that knows cryptographic algorithms.
//!
//! * [`SignatureAlgorithm`] and [`HashAlgorithm`] are parsed from AlgorithmIdentifiers
//!   once and passed around as values.
//! * [`PublicKey`] comes from a SubjectPublicKeyInfo, with explicit EC domain parameters
//!   (as nearly all passport keys have) mapped to a named [`Curve`].
//! * [`Verifier`] picks a [`backend`] per key and algorithm and caches prepared keys:
//!   AWS-LC for RSA and NIST curves, RustCrypto for brainpoolP256r1/P384r1, and a
//!   generic big-integer implementation for everything else.
//! * [`SigningKey`] signs for CAs and test PKIs.
//! * [`seal`] seals a short secret to a public key (HPKE, RSA-OAEP) and opens it.
#![forbid(unsafe_code)]

pub mod algorithm;
pub mod backend;
pub mod curve;
pub mod ecdsa_sig;
pub mod error;
pub mod hash;
pub mod key;
pub mod oid;
pub mod pss;
pub mod seal;
pub mod sign;
pub mod verify;
pub mod weierstrass;
pub mod x509;

pub use algorithm::{EcdsaEncoding, SignatureAlgorithm};
pub use curve::Curve;
pub use ecdsa_sig::EcdsaSignature;
pub use error::{AlgorithmError, KeyError, SignError, VerifyError};
pub use hash::HashAlgorithm;
pub use key::{EcPublicKey, PublicKey, RsaPublicKey};
pub use pss::PssParams;
pub use seal::{SealError, SealSuite};
pub use sign::{KeySpec, SigningKey};
pub use verify::{Verifier, VerifyingKey};
