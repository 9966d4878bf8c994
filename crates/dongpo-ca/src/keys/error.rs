//! What can go wrong loading, storing and using an issuing key. Messages name the file,
//! token or label involved and never contain a passphrase, PIN or key material.

use std::path::PathBuf;

use dongpo_crypto::SignError;

/// Why an issuing key could not be loaded, stored or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerKeyError {
    /// The environment variable meant to hold a passphrase or PIN is not set.
    #[error("passphrase environment variable {var} is not set")]
    PassphraseEnvMissing {
        /// The variable name.
        var: String,
    },
    /// The passphrase file could not be read.
    #[error("cannot read passphrase file {path}: {reason}")]
    PassphraseFile {
        /// The file.
        path: PathBuf,
        /// The I/O error or size problem.
        reason: String,
    },
    /// A passphrase or PIN was empty.
    #[error("empty passphrase from {origin}")]
    EmptyPassphrase {
        /// Where it came from (`environment variable X`, `file Y`).
        origin: String,
    },
    /// Writing a key file would replace an existing file.
    #[error("key file {path} already exists; refusing to overwrite it")]
    FileExists {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a key file failed at the file-system level.
    #[error("key file {path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The key file is not a PEM `ENCRYPTED PRIVATE KEY` dongpo can open.
    #[error("key file {path} is not a usable encrypted PKCS#8 key: {reason}")]
    BadKeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Decryption failed: the usual cause is the wrong passphrase.
    #[error("wrong passphrase or corrupted key file {path}")]
    WrongPassphrase {
        /// The file.
        path: PathBuf,
    },
    /// Encrypting a key for storage failed.
    #[error("cannot encrypt the private key: {0}")]
    Encrypt(String),
    /// A software key refused to sign (wrong algorithm for the key, backend failure).
    #[error(transparent)]
    Software(SignError),
    /// The key cannot produce the requested signature algorithm.
    #[error("{key} cannot sign {algorithm}")]
    Unsupported {
        /// The key description.
        key: String,
        /// The algorithm name.
        algorithm: String,
    },
    /// The PKCS#11 module could not be loaded or initialised.
    #[error("PKCS#11 module {module}: {reason}")]
    Module {
        /// The shared library path.
        module: PathBuf,
        /// The loader's or the module's error.
        reason: String,
    },
    /// No initialised token carries the configured label.
    #[error("no PKCS#11 token labelled '{token}' in module {module} (tokens present: {present})")]
    TokenNotFound {
        /// The label looked for.
        token: String,
        /// The shared library path.
        module: PathBuf,
        /// Labels of the tokens that are there, to spot a typo.
        present: String,
    },
    /// The token has no key object with the configured label.
    #[error("PKCS#11 token '{token}' has no {class} key labelled '{label}'")]
    KeyNotFound {
        /// The token label.
        token: String,
        /// The key label looked for.
        label: String,
        /// `private` or `public`.
        class: &'static str,
    },
    /// More than one key object carries the label, so which one signs is ambiguous.
    #[error("PKCS#11 token '{token}' has {count} {class} keys labelled '{label}'")]
    AmbiguousKey {
        /// The token label.
        token: String,
        /// The key label.
        label: String,
        /// `private` or `public`.
        class: &'static str,
        /// How many match.
        count: usize,
    },
    /// Generating would create a second key under a label already in use.
    #[error("PKCS#11 token '{token}' already has a key labelled '{label}'")]
    KeyExists {
        /// The token label.
        token: String,
        /// The key label.
        label: String,
    },
    /// The key type cannot be generated in a token.
    #[error("cannot generate {spec} in a PKCS#11 token (supported: P-256, P-384, RSA-3072)")]
    UnsupportedSpec {
        /// The requested key type.
        spec: String,
    },
    /// The token's public key attributes do not describe a key dongpo can use.
    #[error("PKCS#11 token '{token}' key '{label}': unusable public key: {reason}")]
    BadPublicKey {
        /// The token label.
        token: String,
        /// The key label.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// A PKCS#11 call failed.
    #[error("PKCS#11 token '{token}': {operation} failed: {reason}")]
    Pkcs11 {
        /// The token label.
        token: String,
        /// What was being done (`login`, `sign`, ...).
        operation: &'static str,
        /// The module's return value.
        reason: String,
    },
}
