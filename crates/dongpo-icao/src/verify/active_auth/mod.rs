//! Active Authentication (ICAO 9303-11 §6.1): the chip signs a terminal challenge with
//! the private key whose public key is in DG15.
//!
//! * RSA keys: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery
//!   ([`verify_rsa_iso9796_2`]).
//! * EC keys: ECDSA over the challenge with the hash named by DG14
//!   `ActiveAuthenticationInfo` ([`verify_ecdsa`]); plain `r || s` as chips send it, or DER.
//!
//! [`verify`] takes the parsed DG15 ([`Dg15`], whose reader also repairs an RSA modulus
//! written as a negative INTEGER) and dispatches on the key type. The challenge must be the server's own fresh random nonce: a verifier that
//! accepts a client-chosen challenge proves nothing about the chip being present.

mod ecdsa;
mod iso9796;

use dongpo_crypto::{EcdsaEncoding, HashAlgorithm, KeyError, PublicKey, SignatureAlgorithm};

use crate::lds::{Dg15, LdsError};

pub use ecdsa::verify_ecdsa;
pub use iso9796::verify_rsa_iso9796_2;

/// The signature scheme a chip used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AaAlgorithm {
    /// ISO/IEC 9796-2 digital signature scheme 1 (RSA keys).
    RsaIso9796_2,
    /// ECDSA (EC keys).
    Ecdsa,
}

impl AaAlgorithm {
    /// The name used in reports and JSON: `rsa-iso9796-2` or `ecdsa`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            AaAlgorithm::RsaIso9796_2 => "rsa-iso9796-2",
            AaAlgorithm::Ecdsa => "ecdsa",
        }
    }
}

impl std::fmt::Display for AaAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The ISO/IEC 9796-2 trailer that named the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trailer {
    /// `0xBC`: SHA-1, implicit.
    Implicit,
    /// `id || 0xCC`: the hash named by its ISO/IEC 10118-3 identifier (`0x34` SHA-256, ...).
    Explicit(u8),
}

impl Trailer {
    /// The trailer bytes as they end the message representative.
    #[must_use]
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Trailer::Implicit => vec![0xbc],
            Trailer::Explicit(id) => vec![id, 0xcc],
        }
    }
}

/// How the signature was laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureEncoding {
    /// An ISO/IEC 9796-2 scheme 1 message representative.
    Iso9796_2 {
        /// The trailer that named the hash.
        trailer: Trailer,
        /// Partial recovery (header `0x6A`/`0x6B`, the challenge is not in the block) rather
        /// than full recovery (`0x4A`/`0x4B`, the challenge ends the recovered message).
        partial_recovery: bool,
        /// The chip returned `n - s` (ISO/IEC 9796-2 allows `min(s, n - s)`).
        complemented: bool,
        /// Length in bytes of the recovered message M1.
        recovered_len: usize,
    },
    /// ECDSA, plain `r || s` (BSI TR-03111) or X9.62 DER.
    Ecdsa(EcdsaEncoding),
}

impl SignatureEncoding {
    /// Short name for reports: `iso9796-2`, `plain` or `der`.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            SignatureEncoding::Iso9796_2 { .. } => "iso9796-2",
            SignatureEncoding::Ecdsa(EcdsaEncoding::Plain) => "plain",
            SignatureEncoding::Ecdsa(EcdsaEncoding::Der) => "der",
        }
    }
}

/// A valid Active Authentication signature and what it was made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AaOutcome {
    /// The signature scheme.
    pub algorithm: AaAlgorithm,
    /// The hash (from the ISO/IEC 9796-2 trailer, or from DG14 for ECDSA).
    pub hash: HashAlgorithm,
    /// The signature layout.
    pub signature_encoding: SignatureEncoding,
    /// The DG15 key as written in reports (`rsa:1792`, `ec:brainpoolP256r1`).
    pub key: String,
}

/// Why an Active Authentication signature was not accepted; each names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AaError {
    /// DG15 is neither `6F L SubjectPublicKeyInfo` nor a bare SubjectPublicKeyInfo.
    #[error("malformed DG15: {0}")]
    MalformedDg15(#[source] LdsError),
    /// The DG15 public key could not be parsed.
    #[error("DG15 public key: {0}")]
    Key(#[from] KeyError),
    /// The key cannot be used for this scheme (e.g. an RSASSA-PSS-only key).
    #[error("unsuitable Active Authentication key: {0}")]
    UnsuitableKey(String),
    /// An empty challenge proves nothing (ICAO uses 8 random bytes).
    #[error("empty challenge")]
    EmptyChallenge,
    /// ECDSA Active Authentication names its hash only in DG14.
    #[error(
        "ECDSA Active Authentication needs the hash from DG14 ActiveAuthenticationInfo, and none was given"
    )]
    EcdsaHashRequired,
    /// The DG14 `ActiveAuthenticationInfo.signatureAlgorithm` is not an ECDSA algorithm.
    #[error("ActiveAuthenticationInfo signature algorithm {0} is not ECDSA")]
    NotAnEcdsaAlgorithm(String),
    /// An RSA modulus that is not a whole number of bytes or above 8192 bits (neither
    /// is seen on chips).
    #[error(
        "RSA modulus of {bits} bits: ISO/IEC 9796-2 here needs a whole number of bytes, at most 8192 bits"
    )]
    UnsupportedModulus {
        /// The modulus length.
        bits: usize,
    },
    /// The RSA signature is not exactly as long as the modulus.
    #[error("RSA signature of {got} bytes for a {expected}-byte modulus")]
    SignatureLength {
        /// Bytes received.
        got: usize,
        /// Modulus length in bytes.
        expected: usize,
    },
    /// The RSA signature, as an integer, is not below the modulus.
    #[error("RSA signature is not below the modulus")]
    SignatureOutOfRange,
    /// The recovered block ends in neither `0xBC` nor `0x..CC`.
    #[error("recovered block ends in {0:#04x}, not an ISO/IEC 9796-2 trailer (0xBC or 0x..CC)")]
    BadTrailer(u8),
    /// A two-byte trailer naming a hash dongpo does not support.
    #[error("ISO/IEC 9796-2 trailer names hash identifier {0:#04x}, which is not supported")]
    UnsupportedHashId(u8),
    /// The first byte of the recovered block is not an ISO/IEC 9796-2 scheme 1 header.
    #[error(
        "recovered block starts with {0:#04x}, not an ISO/IEC 9796-2 header (0x6A, 0x6B, 0x4A, 0x4B)"
    )]
    BadHeader(u8),
    /// Padding after a `..B` header that is not `BB .. BB BA`.
    #[error("ISO/IEC 9796-2 padding is not 0xBB .. 0xBA")]
    BadPadding,
    /// No room for a recovered message between header and digest.
    #[error("no recoverable message in the ISO/IEC 9796-2 block")]
    NoRecoverableMessage,
    /// Full message recovery, but the recovered message does not end with the challenge.
    #[error("fully recovered message does not contain the challenge")]
    ChallengeNotRecovered,
    /// The digest in the block is not the hash of the recovered message and the challenge.
    #[error("{0} digest in the signature does not match the recovered message and challenge")]
    DigestMismatch(HashAlgorithm),
    /// The signature bytes are neither plain `r || s` of the right length nor DER.
    #[error("malformed ECDSA signature: {0}")]
    MalformedSignature(String),
    /// A well-formed ECDSA signature that does not verify.
    #[error("ECDSA signature does not verify")]
    EcdsaInvalid,
}

impl AaError {
    /// True when the inputs could not be used at all (bad DG15, unusable key, missing
    /// DG14 hash, empty challenge) rather than a signature that was checked and failed.
    #[must_use]
    pub const fn is_input_error(&self) -> bool {
        matches!(
            self,
            AaError::MalformedDg15(_)
                | AaError::Key(_)
                | AaError::UnsuitableKey(_)
                | AaError::EmptyChallenge
                | AaError::EcdsaHashRequired
                | AaError::NotAnEcdsaAlgorithm(_)
                | AaError::UnsupportedModulus { .. }
        )
    }
}

/// A DG15 that did not parse: its unusable key is [`AaError::Key`], anything else
/// [`AaError::MalformedDg15`].
impl From<LdsError> for AaError {
    fn from(e: LdsError) -> Self {
        match e {
            LdsError::Key { source, .. } => AaError::Key(source),
            other => AaError::MalformedDg15(other),
        }
    }
}

/// Verifies an Active Authentication `signature` over `challenge` with the key of DG15.
///
/// `dg15` is the parsed DG15 ([`Dg15::parse`], or [`Dg15::parse_file_or_spki`] for a key
/// that may come as a bare SubjectPublicKeyInfo). `aa_algorithm_hash` is the hash of DG14 `ActiveAuthenticationInfo` (see
/// [`ecdsa_hash_from_oid`]); it is mandatory for EC keys and unused for RSA keys, whose
/// signature names its hash in the ISO/IEC 9796-2 trailer. DG15 must have been checked
/// by Passive Authentication before this result means anything.
///
/// # Errors
/// An [`AaError`] naming what was malformed or why the signature is invalid.
pub fn verify(
    dg15: &Dg15<'_>,
    aa_algorithm_hash: Option<HashAlgorithm>,
    challenge: &[u8],
    signature: &[u8],
) -> Result<AaOutcome, AaError> {
    let key = &dg15.public_key;
    match key {
        PublicKey::Rsa(rsa) => verify_rsa_iso9796_2(rsa, challenge, signature),
        PublicKey::Ec(_) => {
            let hash = aa_algorithm_hash.ok_or(AaError::EcdsaHashRequired)?;
            verify_ecdsa(key, hash, challenge, signature)
        }
    }
}

/// The hash of a DG14 `ActiveAuthenticationInfo.signatureAlgorithm` OID
/// (ecdsa-plain-SHAxxx 0.4.0.127.0.7.1.1.4.1.x or X9.62 ecdsa-with-SHAxxx).
///
/// # Errors
/// [`AaError::NotAnEcdsaAlgorithm`] for any other OID.
pub fn ecdsa_hash_from_oid(oid: &const_oid::ObjectIdentifier) -> Result<HashAlgorithm, AaError> {
    match SignatureAlgorithm::from_oid_and_parameters(oid, None, None) {
        Ok(SignatureAlgorithm::Ecdsa { hash, .. }) => Ok(hash),
        _ => Err(AaError::NotAnEcdsaAlgorithm(oid.to_string())),
    }
}

/// The hash an ECDSA Active Authentication key of `curve` is assumed to sign with when no
/// DG14 `ActiveAuthenticationInfo` names one: the hash whose output is as long as the
/// curve order (P-224 and brainpoolP224r1: SHA-224; P-256 and brainpoolP256r1: SHA-256;
/// P-384 and brainpoolP384r1: SHA-384; P-521 and brainpoolP512r1: SHA-512). `None` for
/// brainpoolP320r1, which no SHA-2 output matches: such a chip needs its DG14.
#[must_use]
pub fn ecdsa_hash_for_curve(curve: dongpo_crypto::Curve) -> Option<HashAlgorithm> {
    use dongpo_crypto::Curve;
    match curve {
        Curve::P224 | Curve::BrainpoolP224r1 => Some(HashAlgorithm::Sha224),
        Curve::P256 | Curve::BrainpoolP256r1 => Some(HashAlgorithm::Sha256),
        Curve::P384 | Curve::BrainpoolP384r1 => Some(HashAlgorithm::Sha384),
        Curve::P521 | Curve::BrainpoolP512r1 => Some(HashAlgorithm::Sha512),
        Curve::BrainpoolP320r1 => None,
    }
}

/// Compares two digests without an early exit.
fn digests_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_comparison() {
        assert!(digests_equal(b"abc", b"abc"));
        assert!(!digests_equal(b"abc", b"abd"));
        assert!(!digests_equal(b"abc", b"ab"));
    }

    #[test]
    fn dg14_oids_give_the_hash() {
        let plain_sha256 = const_oid::ObjectIdentifier::new_unwrap("0.4.0.127.0.7.1.1.4.1.3");
        let x962_sha384 = const_oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
        let rsa = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
        assert_eq!(
            ecdsa_hash_from_oid(&plain_sha256),
            Ok(HashAlgorithm::Sha256)
        );
        assert_eq!(ecdsa_hash_from_oid(&x962_sha384), Ok(HashAlgorithm::Sha384));
        assert!(matches!(
            ecdsa_hash_from_oid(&rsa),
            Err(AaError::NotAnEcdsaAlgorithm(_))
        ));
    }
}
