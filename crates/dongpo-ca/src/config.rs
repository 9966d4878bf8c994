//! `ca.toml`: what a CA directory holds and where. Written by `dongpo ca init`, read by
//! every other CA command; unknown keys are refused so a typo cannot be silently ignored.

use dongpo_crypto::{Curve, KeySpec};
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
    /// How long access records of personal data are kept, in days (default
    /// [`crate::DEFAULT_RETENTION_DAYS`], two years); older ones are purged by `dongpo
    /// access purge` and the server's daily task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_retention_days: Option<u32>,
    /// Where the passphrase of encrypted key files comes from.
    pub passphrase: PassphraseSource,
    /// The key directory (the keyring: registry, audit and fingerprint keys), relative to
    /// the CA directory or absolute; `<CA directory>.keys` beside it when absent. Never
    /// inside the CA directory: a copy of that must recover nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_dir: Option<String>,
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
    /// Its certificate, PEM (relative path). For an issuing CA awaiting its certificate
    /// from an external root ([`CaEntry::csr`]), the file is absent until `dongpo ca
    /// install-issuing` writes it.
    pub cert: String,
    /// Its key. `None` only for the root of a CA whose root is external (the bank's own,
    /// `dongpo ca init --external-root`): this CA does not hold that key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyRef>,
    /// Profiles it issues (empty for the root).
    #[serde(default)]
    pub profiles: Vec<String>,
    /// The PKCS#10 request (PEM, relative path) of an issuing CA whose certificate the
    /// external root has not signed yet; cleared when `dongpo ca install-issuing` installs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr: Option<String>,
    /// Replaced by a rollover (`dongpo ca rollover`): issues nothing, and keeps signing the
    /// CRLs and OCSP responses of the certificates it issued.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
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

/// Why an issuing CA name cannot be used, if it cannot: its CRLs are published as
/// `<name>.crl`, `<name>-<partition>.crl` and `<name>-delta.crl`, so a name ending in
/// `-<digits>` or `-delta` would collide with a partition or delta CRL of another CA
/// (`kb-0.crl` is both the complete CRL of `kb-0` and partition 0 of `kb`). Names of
/// letters, digits, `-` and `_` only, not empty, so they are safe in URLs and file names.
#[must_use]
pub fn issuer_name_problem(name: &str) -> Option<String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some(format!(
            "CA name '{name}' must be letters, digits, '-' and '_' only"
        ));
    }
    if let Some((_, suffix)) = name.rsplit_once('-')
        && (suffix == "delta" || (!suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit())))
    {
        return Some(format!(
            "CA name '{name}' ends in '-{suffix}', which CRL names reserve for partitions and delta CRLs; choose a name without it"
        ));
    }
    None
}

/// Why `key_dir` (as `ca.toml` or `--key-dir` gives it) cannot name the key directory of
/// the CA directory `ca_dir`, if it cannot: a path that lands inside the CA directory
/// (`keys`, `x/../keys`, an absolute path under it, or one through a symlink into it) would
/// put the keys back beside the data they protect. The path is resolved against `ca_dir`
/// and normalised (`.` and `..` folded); where both exist their real paths are compared too.
#[must_use]
pub fn key_dir_problem(ca_dir: &std::path::Path, key_dir: &str) -> Option<String> {
    lies_inside(&ca_dir.join(key_dir), ca_dir).then(|| {
        format!(
            "key_dir '{key_dir}' is inside the CA directory; the keys must live outside it (an absolute path, or one starting with ../)"
        )
    })
}

/// Whether `path` lies inside `dir` (or is it): compared normalised (`.` and `..` folded),
/// and where both exist by their real paths too (a symlink into `dir`). A path that cannot
/// be resolved counts as inside: refused rather than guessed.
#[must_use]
pub fn lies_inside(path: &std::path::Path, dir: &std::path::Path) -> bool {
    (match (lexical(dir), lexical(path)) {
        (Some(d), Some(p)) => p.starts_with(&d),
        _ => true,
    }) || matches!(
        (std::fs::canonicalize(dir), std::fs::canonicalize(path)),
        (Ok(d), Ok(p)) if p.starts_with(&d)
    )
}

/// `path` made absolute and normalised without touching the file system: `.` dropped,
/// `..` taking off the previous component (as the kernel does for existing directories).
fn lexical(path: &std::path::Path) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for component in std::path::absolute(path).ok()?.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The setting the profiles' `min_assurance` replaced: a configuration (`ca.toml`, the
/// server's) that still names it is refused with [`REPLACED_BY_MIN_ASSURANCE`].
pub const REPLACED_SETTING: &str = "require_active_authentication";

/// Why [`REPLACED_SETTING`] is refused, and what to do instead.
pub const REPLACED_BY_MIN_ASSURANCE: &str = "require_active_authentication was replaced by the \
    certificate profiles' min_assurance (the shipped profiles require \"PA+CA\": proof that the \
    genuine chip was present); remove the setting, and change min_assurance in the profiles \
    (profiles_dir) to change what issuance requires";

/// The largest `access_retention_days`: as the server's retention periods.
pub const MAX_ACCESS_RETENTION_DAYS: u32 = 100_000;

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
    /// The retention of access records in days.
    #[must_use]
    pub fn access_retention_days(&self) -> u32 {
        self.access_retention_days
            .unwrap_or(crate::access::DEFAULT_RETENTION_DAYS)
    }

    /// Parses and checks `ca.toml`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and the problem.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let bad = |reason: String| ConfigError {
            file: file.into(),
            reason,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if table.contains_key(REPLACED_SETTING) {
            return Err(bad(REPLACED_BY_MIN_ASSURANCE.into()));
        }
        let config: CaConfig = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if config.node.is_empty() {
            return Err(bad("node must not be empty".into()));
        }
        if key_spec(&config.key_algorithm).is_none() {
            return Err(bad(format!(
                "key_algorithm '{}' is not p256, p384 or rsa3072",
                config.key_algorithm
            )));
        }
        if config.crl_partitions == 0 || config.crl_partitions > 256 {
            return Err(bad("crl_partitions must be 1 to 256".into()));
        }
        // Where `key_dir` lands is checked against the CA directory when it is opened
        // (`key_dir_problem`): this text does not know the directory.
        if let Some(days) = config.access_retention_days
            && !(1..=MAX_ACCESS_RETENTION_DAYS).contains(&days)
        {
            return Err(bad(format!(
                "access_retention_days must be 1 to {MAX_ACCESS_RETENTION_DAYS} (0 would purge every access record at once)"
            )));
        }
        if config.issuers.is_empty() {
            return Err(bad("at least one [[issuer]] is needed".into()));
        }
        if let Some(entry) = config.issuers.iter().find(|entry| entry.key.is_none()) {
            return Err(bad(format!("issuing CA '{}' names no key", entry.name)));
        }
        if config.root.csr.is_some() {
            return Err(bad("the root takes no csr".into()));
        }
        let mut names = std::collections::HashSet::new();
        for entry in std::iter::once(&config.root).chain(&config.issuers) {
            if let Some(problem) = issuer_name_problem(&entry.name) {
                return Err(bad(problem));
            }
            if !names.insert(entry.name.as_str()) {
                return Err(bad(format!("CA name '{}' is used twice", entry.name)));
            }
        }
        Ok(config)
    }

    /// Whether the root is external (the bank's own root, whose key this CA does not hold).
    #[must_use]
    pub fn external_root(&self) -> bool {
        self.root.key.is_none()
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

/// The `key_algorithm` names of `ca.toml` (and `dongpo ca init`), `p256` / `p384` /
/// `rsa3072`, to a key spec.
#[must_use]
pub fn key_spec(name: &str) -> Option<KeySpec> {
    match name {
        "p256" => Some(KeySpec::Ec(Curve::P256)),
        "p384" => Some(KeySpec::Ec(Curve::P384)),
        "rsa3072" => Some(KeySpec::Rsa(3072)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config_with_issuer(name: &str) -> String {
        format!(
            r#"node = "n1"
store = "ca.sqlite"
key_algorithm = "p256"
crl_partitions = 4
max_report_age = 600
[passphrase]
env = "X"
[root]
name = "root"
cert = "certs/root.pem"
key = {{ file = "keys/root.p8" }}
[[issuer]]
name = "{name}"
cert = "certs/i.pem"
key = {{ file = "keys/i.p8" }}
profiles = ["kb"]
"#
        )
    }

    #[test]
    fn issuer_names_that_collide_with_crl_names_are_refused() {
        for name in ["kb-0", "kb-12", "kb-delta", "a-b-3", "kb/x", "kb.crl", ""] {
            let err = CaConfig::parse(&config_with_issuer(name), "ca.toml").unwrap_err();
            assert!(err.reason.contains(name), "{name}: {err}");
        }
        for name in ["kb", "kb-x", "kb-0a", "kb_0", "toss-bank", "kb-deltas"] {
            CaConfig::parse(&config_with_issuer(name), "ca.toml").unwrap();
        }
    }

    #[test]
    fn a_key_dir_that_lands_inside_the_ca_directory_is_refused() {
        let base = std::env::temp_dir().join(format!("dongpo-key-dir-{}", std::process::id()));
        let ca = base.join("ca");
        std::fs::create_dir_all(&ca).unwrap();
        let inside_abs = ca.join("k").display().to_string();
        for inside in [
            "keys",
            "./keys",
            "x/../keys",
            "../ca/keys",
            "..//ca/./x/../keys",
            inside_abs.as_str(),
        ] {
            assert!(key_dir_problem(&ca, inside).is_some(), "{inside}");
        }
        let outside_abs = base.join("ca.keys").display().to_string();
        for outside in ["../ca.keys", "../../elsewhere", outside_abs.as_str()] {
            assert!(key_dir_problem(&ca, outside).is_none(), "{outside}");
        }
        // Through a symlink that points into the CA directory.
        #[cfg(unix)]
        {
            std::fs::create_dir_all(ca.join("real")).unwrap();
            std::os::unix::fs::symlink(ca.join("real"), base.join("link")).unwrap();
            assert!(key_dir_problem(&ca, "../link").is_some());
        }
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn access_retention_of_zero_days_is_refused() {
        let text = config_with_issuer("kb");
        for (days, ok) in [
            (0, false),
            (1, true),
            (730, true),
            (100_000, true),
            (100_001, false),
        ] {
            let result = CaConfig::parse(
                &format!("access_retention_days = {days}\n{text}"),
                "ca.toml",
            );
            assert_eq!(result.is_ok(), ok, "{days}: {result:?}");
        }
    }

    #[test]
    fn the_replaced_active_authentication_setting_is_refused_naming_min_assurance() {
        let text = config_with_issuer("kb");
        assert!(CaConfig::parse(&text, "ca.toml").is_ok());
        for value in ["true", "false"] {
            let err = CaConfig::parse(
                &format!("require_active_authentication = {value}\n{text}"),
                "ca.toml",
            )
            .unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("ca.toml: require_active_authentication was replaced by")
                    && message.contains("min_assurance"),
                "{message}"
            );
        }
    }
}
