//! `ca.toml`: what a CA directory holds and where. Written by `dongpo ca init`, read by
//! every other CA command; unknown keys are refused so a typo cannot be silently ignored.

use serde::{Deserialize, Serialize};

/// The CA configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaConfig {
    /// This node's id in the audit chain (unique per CA process sharing a store).
    pub node: String,
    /// The store: a SQLite file (relative to the directory) or a `postgres://` URL.
    pub store: String,
    /// Key algorithm of the CA keys: `p256`, `p384` or `rsa3072`.
    pub key_algorithm: String,
    /// Number of CRL partitions per issuing CA.
    pub crl_partitions: u32,
    /// Directory of profile TOML files (relative); the built-in five when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles_dir: Option<String>,
    /// Oldest verification report accepted for issuance, in seconds.
    pub max_report_age: u64,
    /// Refuse issuance without a passing Active Authentication (default: no; the
    /// assurance reached is written into each certificate either way).
    #[serde(default)]
    pub require_active_authentication: bool,
    /// Where the passphrase of encrypted key files comes from.
    pub passphrase: PassphraseSource,
    /// The root CA.
    pub root: CaEntry,
    /// The issuing CAs.
    #[serde(rename = "issuer")]
    pub issuers: Vec<CaEntry>,
}

/// Passphrase source: an environment variable, else a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassphraseSource {
    /// Environment variable name, tried first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// File (relative to the directory), tried second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One CA of the hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaEntry {
    /// Short name (`root`, `toss`).
    pub name: String,
    /// Its certificate, PEM (relative path).
    pub cert: String,
    /// Its key.
    pub key: KeyRef,
    /// Profiles it issues (empty for the root).
    #[serde(default)]
    pub profiles: Vec<String>,
}

/// Where a CA key lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum KeyRef {
    /// An encrypted PKCS#8 file (relative path).
    File(String),
    /// A PKCS#11 token.
    Pkcs11(Pkcs11Ref),
}

/// A key in a PKCS#11 token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Ref {
    /// The module (`/usr/lib/softhsm/libsofthsm2.so`).
    pub module: String,
    /// Token label.
    pub token: String,
    /// Key label (CKA_LABEL).
    pub key_label: String,
    /// Environment variable holding the user PIN.
    pub pin_env: String,
}

/// Reading or checking the configuration failed.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// What was wrong.
    pub reason: String,
}

impl CaConfig {
    /// Parses and checks `ca.toml`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and the problem.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let bad = |reason: String| ConfigError {
            file: file.into(),
            reason,
        };
        let config: CaConfig = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if config.node.is_empty() {
            return Err(bad("node must not be empty".into()));
        }
        if crate::init::key_spec(&config.key_algorithm).is_none() {
            return Err(bad(format!(
                "key_algorithm '{}' is not p256, p384 or rsa3072",
                config.key_algorithm
            )));
        }
        if config.crl_partitions == 0 || config.crl_partitions > 256 {
            return Err(bad("crl_partitions must be 1 to 256".into()));
        }
        if config.issuers.is_empty() {
            return Err(bad("at least one [[issuer]] is needed".into()));
        }
        let mut names = std::collections::HashSet::new();
        for entry in std::iter::once(&config.root).chain(&config.issuers) {
            if !names.insert(entry.name.as_str()) {
                return Err(bad(format!("CA name '{}' is used twice", entry.name)));
            }
        }
        Ok(config)
    }

    /// The TOML text.
    ///
    /// # Errors
    /// [`ConfigError`] if serialisation fails.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string_pretty(self).map_err(|e| ConfigError {
            file: "ca.toml".into(),
            reason: e.to_string(),
        })
    }
}
