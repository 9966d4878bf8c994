//! Typed errors of the crypto layer: each names what was wrong.

use const_oid::ObjectIdentifier;

/// An algorithm identifier dongpo cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlgorithmError {
    /// The OID names no digest dongpo supports.
    #[error("unknown digest algorithm {0}")]
    UnknownDigest(ObjectIdentifier),
    /// The OID names no signature algorithm dongpo supports.
    #[error("unknown signature algorithm {0}")]
    UnknownSignature(ObjectIdentifier),
    /// The algorithm needs a hash from elsewhere (bare `rsaEncryption`) and none was given.
    #[error("signature algorithm rsaEncryption names no hash and none was supplied")]
    HashNotSupplied,
    /// The parameters of the algorithm identifier are malformed or unsupported.
    #[error("bad parameters for {oid}: {reason}")]
    BadParameters {
        /// The algorithm whose parameters were rejected.
        oid: ObjectIdentifier,
        /// What was wrong with them.
        reason: String,
    },
}

/// A public key dongpo cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a DER SubjectPublicKeyInfo (or an inner structure is malformed).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure failed to parse.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The key algorithm OID is not RSA or EC.
    #[error("unsupported public key algorithm {0}")]
    UnsupportedAlgorithm(ObjectIdentifier),
    /// An EC key on a named curve dongpo does not know.
    #[error("unsupported named curve {0}")]
    UnknownNamedCurve(ObjectIdentifier),
    /// Explicit EC domain parameters that match no known curve (never guessed).
    #[error("explicit EC domain parameters match no known curve")]
    UnknownExplicitCurve,
    /// The EC point is not a valid point on the curve.
    #[error("invalid EC public point on {curve}: {reason}")]
    BadPoint {
        /// The curve name.
        curve: &'static str,
        /// Why the point was rejected.
        reason: String,
    },
    /// An RSA key with an impossible modulus or exponent.
    #[error("invalid RSA key: {0}")]
    BadRsaKey(String),
    /// An RSA modulus longer than dongpo verifies with ([`crate::key::MAX_RSA_MODULUS_BITS`]).
    #[error("RSA modulus of {bits} bits is above the limit of {max} bits")]
    RsaModulusTooLarge {
        /// The modulus length in bits.
        bits: usize,
        /// The limit.
        max: usize,
    },
    /// An RSA public exponent longer than dongpo verifies with
    /// ([`crate::key::MAX_RSA_EXPONENT_BITS`]).
    #[error("RSA public exponent of {bits} bits is above the limit of {max} bits")]
    RsaExponentTooLarge {
        /// The exponent length in bits.
        bits: usize,
        /// The limit.
        max: usize,
    },
    /// The key does not fit the signature algorithm (e.g. an EC key with an RSA signature).
    #[error("key type {key} cannot verify {algorithm} signatures")]
    Mismatch {
        /// The key description (`rsa:2048`, `ec:P-256`).
        key: String,
        /// The signature algorithm name.
        algorithm: String,
    },
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The key cannot be used with the algorithm.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The signature bytes are not in the encoding the algorithm prescribes.
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// The signature is well formed but wrong.
    #[error("signature does not verify")]
    Invalid,
    /// No backend implements this algorithm for this key.
    #[error("no backend supports {0}")]
    Unsupported(String),
}

/// Why signing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The private key could not be read or is unsuitable.
    #[error("bad private key: {0}")]
    BadKey(String),
    /// The key cannot produce the requested algorithm.
    #[error("key cannot sign {0}")]
    Unsupported(String),
    /// The backend failed.
    #[error("signing failed: {0}")]
    Backend(String),
    /// A key kept outside this crate (an HSM reached through PKCS#11, say) failed to
    /// sign; its own error is kept as it is, message and source.
    #[error(transparent)]
    Key(Box<dyn std::error::Error + Send + Sync>),
}
