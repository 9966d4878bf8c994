//! Server configuration: a TOML file, then `DONGPO_*` environment overrides, then the
//! command line, validated once at start with messages that name the setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};

use crate::db::PurgeCutoffs;

/// Everything the server is configured with. Every TOML key `name` can also be given as the
/// environment variable `DONGPO_<NAME>` (upper case): see [`env_name`].
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The part this process plays: `all` (default), `verifier` or `ca`
    /// (`docs/operators.md`, roles).
    pub role: crate::role::Role,
    /// Address to listen on (`127.0.0.1:8080`); port 0 picks a free port, written to
    /// `DATA_DIR/server.addr`.
    pub listen: String,
    /// Where the CA directory, the SQLite state and the server keys live.
    pub data_dir: PathBuf,
    /// `postgres://...` moves the CA store and the server state to PostgreSQL
    /// (environment: `DATABASE_URL`).
    pub database_url: Option<String>,
    /// This process's id in the CA audit chain: unique per server sharing a database.
    pub node: String,
    /// Key passphrase of the CA key files (else `ca.toml`'s sources).
    #[serde(skip)]
    /// (Wiped from memory when dropped, and never printed by `Debug`.)
    pub ca_passphrase: Option<dongpo_ca::keys::Passphrase>,
    /// Extra directories of trusted CSCA certificates and CSCA CRLs (`.der`, `.pem`, `.crl`),
    /// besides `DATA_DIR/trust`.
    pub trust_dirs: Vec<PathBuf>,
    /// PEM certificate chain for TLS; plain HTTP when absent.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    pub tls_key: Option<PathBuf>,
    /// Largest request body in bytes (a single verification with a DG2 face image).
    pub max_body_bytes: usize,
    /// Largest batch request body in bytes.
    pub max_batch_body_bytes: usize,
    /// Most documents in one batch request.
    pub max_batch_documents: usize,
    /// Seconds before a request is answered with 503 `timeout`.
    pub request_timeout_secs: u64,
    /// Seconds an Active Authentication challenge stays usable.
    pub challenge_ttl_secs: u64,
    /// Seconds a chip session (`POST /v1/chip-sessions`) stays usable.
    pub chip_session_ttl_secs: u64,
    /// Days a verification no certificate was issued on (valid or failed) is kept, with its
    /// receipt, before the purge deletes it.
    pub verification_retention_days: u64,
    /// Days a verification a certificate was issued on (its receipt and the serial a retried
    /// request gets back) is kept before the purge deletes it.
    pub receipt_retention_days: u64,
    /// Days a passport's binding to one person (duplicate-document protection) is kept
    /// after its first use before the purge deletes it.
    pub document_retention_days: u64,
    /// Requests per second per API key (sustained).
    pub rate_limit_per_second: u32,
    /// Requests per API key allowed in a burst.
    pub rate_limit_burst: u32,
    /// Seconds between polls of the shared store for revocations made by other servers.
    pub revocation_poll_secs: u64,
    /// Longest time OCSP answers may rest on revocation data not re-read from the store
    /// (seconds): past it, while the store does not answer, OCSP says `tryLater` and
    /// `/readyz` fails, rather than vouch for a certificate another server may have revoked.
    pub revocation_max_staleness_secs: u64,
    /// Seconds between re-reads of the trust directories (CSCA certificates and CRLs):
    /// a changed set replaces the trust store without a restart.
    pub trust_reload_secs: u64,
    /// Seconds a published CRL is served before it is regenerated.
    pub crl_refresh_secs: u64,
    /// Days before an issuing CA's notAfter from which a warning is logged and
    /// `dongpo_issuing_ca_expiry_warning` is 1.
    pub ca_expiry_warning_days: u64,
    /// Log as JSON lines.
    pub log_json: bool,
    /// Seconds to let requests in flight finish at shutdown.
    pub shutdown_grace_secs: u64,
    /// Development mode (`--dev`): testkit trust and identities, an admin key on disk.
    #[serde(skip)]
    pub dev: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            role: crate::role::Role::All,
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("dongpo-data"),
            database_url: None,
            node: "server-1".into(),
            ca_passphrase: None,
            trust_dirs: Vec::new(),
            tls_cert: None,
            tls_key: None,
            max_body_bytes: 4 * 1024 * 1024,
            max_batch_body_bytes: 64 * 1024 * 1024,
            max_batch_documents: 1000,
            request_timeout_secs: 30,
            challenge_ttl_secs: 300,
            chip_session_ttl_secs: 120,
            verification_retention_days: 30,
            receipt_retention_days: 365,
            document_retention_days: 3650,
            rate_limit_per_second: 1000,
            rate_limit_burst: 2000,
            revocation_poll_secs: 2,
            revocation_max_staleness_secs: 30,
            trust_reload_secs: 300,
            crl_refresh_secs: 3600,
            ca_expiry_warning_days: 90,
            log_json: false,
            shutdown_grace_secs: 10,
            dev: false,
        }
    }
}

/// Every TOML key of [`ServerConfig`], in declaration order (serde's own field list, so a
/// new setting gets its environment override without another line of code).
#[must_use]
pub fn setting_names() -> &'static [&'static str] {
    use serde::de::{Error as _, Visitor};
    struct Capture<'a>(&'a mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Capture<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("field names only"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(Self::Error::custom("field names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = ServerConfig::deserialize(Capture(&mut fields));
    fields
}

/// The environment variable of TOML key `key`: `DONGPO_` and the key in upper case
/// (`database_url` also reads `DATABASE_URL`).
#[must_use]
pub fn env_name(key: &str) -> String {
    format!("DONGPO_{}", key.to_ascii_uppercase())
}

/// A setting that is wrong.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {setting}: {reason}")]
pub struct ConfigError {
    /// The setting (TOML key or environment variable).
    pub setting: String,
    /// What is wrong with it.
    pub reason: String,
}

fn bad(setting: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        reason: reason.into(),
    }
}

/// The command-line values that take precedence over the file and the environment.
#[derive(Clone, Debug, Default)]
pub struct CommandLine {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--listen ADDR`.
    pub listen: Option<String>,
    /// `--data-dir DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--dev`.
    pub dev: bool,
    /// `--role ROLE`.
    pub role: Option<crate::role::Role>,
}

impl ServerConfig {
    /// The configuration from `--config` (if any), the environment `env` and the command
    /// line, validated.
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting.
    pub fn load(
        cli: &CommandLine,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match &cli.config {
            Some(path) => Self::from_file(path)?,
            None => ServerConfig::default(),
        };
        config.apply_env(env)?;
        if let Some(listen) = &cli.listen {
            config.listen.clone_from(listen);
        }
        if let Some(dir) = &cli.data_dir {
            config.data_dir.clone_from(dir);
        }
        config.dev = cli.dev;
        if let Some(role) = cli.role {
            config.role = role;
        }
        config.validate()?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let setting = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| bad(&setting, e.to_string()))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| bad(&setting, e.to_string()))?;
        if table.contains_key(dongpo_ca::REPLACED_SETTING) {
            return Err(bad(&setting, dongpo_ca::REPLACED_BY_MIN_ASSURANCE));
        }
        toml::from_str(&text).map_err(|e| bad(&setting, e.to_string()))
    }

    /// Applies `DONGPO_<KEY>` for every TOML key (and `DATABASE_URL`, `DONGPO_CA_PASSPHRASE`),
    /// one rule for all: booleans take `1/true/yes` or `0/false/no`, numbers decimal digits,
    /// lists (`trust_dirs`) `:`-separated paths, everything else the text as given.
    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let defaults = toml::Table::try_from(ServerConfig::default())
            .map_err(|e| bad("configuration", e.to_string()))?;
        let mut table =
            toml::Table::try_from(&*self).map_err(|e| bad("configuration", e.to_string()))?;
        let replaced = env_name(dongpo_ca::REPLACED_SETTING);
        if env(&replaced).is_some() {
            return Err(bad(&replaced, dongpo_ca::REPLACED_BY_MIN_ASSURANCE));
        }
        let mut changed = false;
        for key in setting_names() {
            let name = env_name(key);
            let mut value = env(&name);
            if *key == "database_url"
                && let Some(plain) = env("DATABASE_URL")
            {
                if let Some(ours) = &value
                    && *ours != plain
                {
                    return Err(bad(
                        "DATABASE_URL/DONGPO_DATABASE_URL",
                        "both are set and differ; set one",
                    ));
                }
                value = Some(plain);
            }
            let Some(value) = value else { continue };
            let parsed = match defaults.get(*key) {
                Some(toml::Value::Boolean(_)) => toml::Value::Boolean(match value.trim() {
                    "1" | "true" | "yes" => true,
                    "0" | "false" | "no" => false,
                    other => {
                        return Err(bad(&name, format!("'{other}' is neither true nor false")));
                    }
                }),
                Some(toml::Value::Integer(_)) => toml::Value::Integer(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| bad(&name, format!("'{value}' is not a number")))?,
                ),
                Some(toml::Value::Array(_)) => toml::Value::Array(
                    value
                        .split(':')
                        .filter(|part| !part.is_empty())
                        .map(|part| toml::Value::String(part.to_owned()))
                        .collect(),
                ),
                _ => toml::Value::String(value.clone()),
            };
            table.insert((*key).to_owned(), parsed);
            // Checked one variable at a time, so that a value the setting cannot hold (a
            // negative or too large number) is refused naming its variable.
            if let Err(e) = toml::Value::Table(table.clone()).try_into::<ServerConfig>() {
                return Err(bad(&name, format!("'{value}' is refused: {}", e.message())));
            }
            changed = true;
        }
        if changed {
            let mut merged: ServerConfig = toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| bad("environment", e.message().to_owned()))?;
            merged.ca_passphrase = self.ca_passphrase.take();
            merged.dev = self.dev;
            *self = merged;
        }
        if let Some(v) = env("DONGPO_CA_PASSPHRASE") {
            self.ca_passphrase = Some(dongpo_ca::keys::Passphrase::new(v.into_bytes()));
        }
        Ok(())
    }

    /// Checks every value, so that a bad one stops the server at start, not at first use.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first bad setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if self.dev && self.role != crate::role::Role::All {
            return Err(bad(
                "role",
                format!(
                    "--dev runs every part in one process (role all), not role {}",
                    self.role.name()
                ),
            ));
        }
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(bad(
                "database_url",
                "must be a postgres:// URL (leave it unset for SQLite under data_dir)",
            ));
        }
        if self.node.is_empty()
            || !self
                .node
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad("node", "letters, digits, '-' and '_' only"));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(bad("tls_cert/tls_key", "give both or neither"));
            }
            (Some(cert), Some(key)) => {
                for (name, path) in [("tls_cert", cert), ("tls_key", key)] {
                    if !path.is_file() {
                        return Err(bad(name, format!("{} is not a file", path.display())));
                    }
                }
            }
            (None, None) => {}
        }
        for (name, value) in [
            ("max_body_bytes", self.max_body_bytes),
            ("max_batch_body_bytes", self.max_batch_body_bytes),
            ("max_batch_documents", self.max_batch_documents),
        ] {
            if value == 0 {
                return Err(bad(name, "must be positive"));
            }
        }
        for (name, value) in [
            ("request_timeout_secs", self.request_timeout_secs),
            ("challenge_ttl_secs", self.challenge_ttl_secs),
            ("chip_session_ttl_secs", self.chip_session_ttl_secs),
            ("revocation_poll_secs", self.revocation_poll_secs),
            (
                "revocation_max_staleness_secs",
                self.revocation_max_staleness_secs,
            ),
            ("crl_refresh_secs", self.crl_refresh_secs),
            ("trust_reload_secs", self.trust_reload_secs),
            (
                "verification_retention_days",
                self.verification_retention_days,
            ),
            ("receipt_retention_days", self.receipt_retention_days),
            ("document_retention_days", self.document_retention_days),
        ] {
            if value == 0 {
                return Err(bad(name, "must be positive"));
            }
        }
        // Past this a count of seconds overflows; nobody means 25 million years.
        for (name, value) in [
            (
                "verification_retention_days",
                self.verification_retention_days,
            ),
            ("receipt_retention_days", self.receipt_retention_days),
            ("document_retention_days", self.document_retention_days),
        ] {
            if value > 100_000 {
                return Err(bad(name, "must be at most 100000 days"));
            }
        }
        if self.revocation_max_staleness_secs <= self.revocation_poll_secs {
            return Err(bad(
                "revocation_max_staleness_secs",
                "must be above revocation_poll_secs, or every poll would be late",
            ));
        }
        if self.crl_refresh_secs >= dongpo_ca::CRL_VALIDITY {
            return Err(bad(
                "crl_refresh_secs",
                format!(
                    "must be below the CRL validity ({} s) so nextUpdate never passes",
                    dongpo_ca::CRL_VALIDITY
                ),
            ));
        }
        if self.rate_limit_per_second == 0 || self.rate_limit_burst == 0 {
            return Err(bad(
                "rate_limit_per_second/rate_limit_burst",
                "must be positive",
            ));
        }
        Ok(())
    }

    /// The listen address.
    ///
    /// # Errors
    /// [`ConfigError`] when `listen` is not `IP:PORT`.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen
            .parse()
            .map_err(|_| bad("listen", format!("'{}' is not IP:PORT", self.listen)))
    }

    /// What the purge job deletes at `now`: the retention settings as cutoffs (`reports`
    /// from the CA's `max_report_age`, seconds, plus a minute for clock skew between nodes).
    #[must_use]
    pub fn purge_cutoffs(&self, now: UnixTime, max_report_age: u64) -> PurgeCutoffs {
        let before = |secs: u64| UnixTime(now.0.saturating_sub(secs));
        let days = |d: u64| d.saturating_mul(86_400);
        PurgeCutoffs {
            reports: before(max_report_age.saturating_add(60)),
            verifications: before(days(self.verification_retention_days)),
            receipts: before(days(self.receipt_retention_days)),
            documents: before(days(self.document_retention_days)),
        }
    }

    /// The CA directory under the data directory.
    #[must_use]
    pub fn ca_dir(&self) -> PathBuf {
        self.data_dir.join("ca")
    }

    /// The key directory (the keyring of the CA and the server): `<data_dir>.keys`, beside
    /// the data directory, so a copy of the data directory alone recovers nothing.
    #[must_use]
    pub fn key_dir(&self) -> PathBuf {
        dongpo_ca::keyring::Keyring::default_dir(&self.data_dir)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_are_valid_and_local() {
        let config = ServerConfig::load(&CommandLine::default(), &no_env).unwrap();
        assert!(config.listen_addr().unwrap().ip().is_loopback());
        assert!(config.database_url.is_none());
    }

    #[test]
    fn role_from_environment_command_line_wins_and_dev_runs_all_only() {
        use crate::role::Role;
        assert_eq!(
            ServerConfig::load(&CommandLine::default(), &no_env)
                .unwrap()
                .role,
            Role::All
        );
        let env = |name: &str| (name == "DONGPO_ROLE").then(|| "verifier".to_owned());
        assert_eq!(
            ServerConfig::load(&CommandLine::default(), &env)
                .unwrap()
                .role,
            Role::Verifier
        );
        let cli = CommandLine {
            role: Some(Role::Ca),
            ..CommandLine::default()
        };
        assert_eq!(ServerConfig::load(&cli, &env).unwrap().role, Role::Ca);
        let bad = |name: &str| (name == "DONGPO_ROLE").then(|| "registry".to_owned());
        let err = ServerConfig::load(&CommandLine::default(), &bad).unwrap_err();
        assert_eq!(err.setting, "DONGPO_ROLE");
        let dev = CommandLine {
            dev: true,
            role: Some(Role::Verifier),
            ..CommandLine::default()
        };
        assert_eq!(
            ServerConfig::load(&dev, &no_env).unwrap_err().setting,
            "role"
        );
    }

    #[test]
    fn environment_overrides_and_command_line_wins() {
        let env = |name: &str| match name {
            "DATABASE_URL" => Some("postgres://u@h/db".to_owned()),
            "DONGPO_LISTEN" => Some("127.0.0.1:1".to_owned()),
            "DONGPO_RATE_LIMIT_PER_SECOND" => Some("7".to_owned()),
            _ => None,
        };
        let cli = CommandLine {
            listen: Some("127.0.0.1:2".into()),
            ..CommandLine::default()
        };
        let config = ServerConfig::load(&cli, &env).unwrap();
        assert_eq!(config.database_url.as_deref(), Some("postgres://u@h/db"));
        assert_eq!(config.listen, "127.0.0.1:2");
        assert_eq!(config.rate_limit_per_second, 7);
    }

    #[test]
    fn the_replaced_active_authentication_setting_is_refused_naming_min_assurance() {
        let env =
            |name: &str| (name == "DONGPO_REQUIRE_ACTIVE_AUTHENTICATION").then(|| "0".to_owned());
        let err = ServerConfig::load(&CommandLine::default(), &env).unwrap_err();
        assert_eq!(err.setting, "DONGPO_REQUIRE_ACTIVE_AUTHENTICATION");
        assert!(err.reason.contains("min_assurance"), "{err}");
        let file = std::env::temp_dir().join(format!(
            "dongpo-server-replaced-setting-{}.toml",
            std::process::id()
        ));
        std::fs::write(&file, "require_active_authentication = true\n").unwrap();
        let cli = CommandLine {
            config: Some(file.clone()),
            ..CommandLine::default()
        };
        let err = ServerConfig::load(&cli, &|_| None).unwrap_err();
        std::fs::remove_file(&file).unwrap();
        assert!(err.reason.contains("replaced by"), "{err}");
        assert!(err.reason.contains("min_assurance"), "{err}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let env = |name: &str| (name == "DONGPO_RATE_LIMIT_BURST").then(|| "many".to_owned());
        let err = ServerConfig::load(&CommandLine::default(), &env).unwrap_err();
        assert_eq!(err.setting, "DONGPO_RATE_LIMIT_BURST");
        let env = |name: &str| (name == "DATABASE_URL").then(|| "mysql://x".to_owned());
        let err = ServerConfig::load(&CommandLine::default(), &env).unwrap_err();
        assert_eq!(err.setting, "database_url");
        let cli = CommandLine {
            listen: Some("localhost".into()),
            ..CommandLine::default()
        };
        assert_eq!(
            ServerConfig::load(&cli, &no_env).unwrap_err().setting,
            "listen"
        );
    }

    #[test]
    fn every_setting_has_its_environment_override() {
        let names = setting_names();
        assert_eq!(names.len(), 26, "{names:?}");
        let env = |name: &str| match name {
            "DONGPO_MAX_BATCH_DOCUMENTS" => Some("7".to_owned()),
            "DONGPO_CRL_REFRESH_SECS" => Some("60".to_owned()),
            "DONGPO_SHUTDOWN_GRACE_SECS" => Some("3".to_owned()),
            "DONGPO_TRUST_DIRS" => Some("/a:/b".to_owned()),
            "DONGPO_MAX_BATCH_BODY_BYTES" => Some("1000".to_owned()),
            "DONGPO_REQUEST_TIMEOUT_SECS" => Some("9".to_owned()),
            "DONGPO_CHALLENGE_TTL_SECS" => Some("8".to_owned()),
            "DONGPO_CHIP_SESSION_TTL_SECS" => Some("11".to_owned()),
            "DONGPO_LOG_JSON" => Some("yes".to_owned()),
            "DONGPO_CA_EXPIRY_WARNING_DAYS" => Some("30".to_owned()),
            "DONGPO_RECEIPT_RETENTION_DAYS" => Some("40".to_owned()),
            _ => None,
        };
        let config = ServerConfig::load(&CommandLine::default(), &env).unwrap();
        assert_eq!(config.max_batch_documents, 7);
        assert_eq!(config.crl_refresh_secs, 60);
        assert_eq!(config.shutdown_grace_secs, 3);
        assert_eq!(config.max_batch_body_bytes, 1000);
        assert_eq!(config.request_timeout_secs, 9);
        assert_eq!(config.challenge_ttl_secs, 8);
        assert_eq!(config.chip_session_ttl_secs, 11);
        assert_eq!(config.ca_expiry_warning_days, 30);
        assert_eq!(config.receipt_retention_days, 40);
        assert!(config.log_json);
        assert_eq!(
            config.trust_dirs,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        // Every key is read from its variable, one rule for all.
        for key in names {
            let seen = std::cell::RefCell::new(Vec::new());
            let env = |name: &str| {
                seen.borrow_mut().push(name.to_owned());
                None
            };
            ServerConfig::load(&CommandLine::default(), &env).unwrap();
            assert!(seen.borrow().contains(&env_name(key)), "{key}");
        }
        let env = |name: &str| (name == "DONGPO_LOG_JSON").then(|| "maybe".to_owned());
        let err = ServerConfig::load(&CommandLine::default(), &env).unwrap_err();
        assert_eq!(err.setting, "DONGPO_LOG_JSON");
    }

    #[test]
    fn retention_settings_become_cutoffs_and_zero_is_refused() {
        let config = ServerConfig::load(&CommandLine::default(), &no_env).unwrap();
        let now = UnixTime(1_000_000_000);
        let cutoffs = config.purge_cutoffs(now, 600);
        assert_eq!(cutoffs.reports, UnixTime(now.0 - 660));
        assert_eq!(cutoffs.verifications, UnixTime(now.0 - 30 * 86_400));
        assert_eq!(cutoffs.receipts, UnixTime(now.0 - 365 * 86_400));
        assert_eq!(cutoffs.documents, UnixTime(now.0 - 3650 * 86_400));
        // Early times do not wrap around.
        assert_eq!(config.purge_cutoffs(UnixTime(5), 600).receipts, UnixTime(0));
        for (name, value) in [
            ("DONGPO_VERIFICATION_RETENTION_DAYS", "0"),
            ("DONGPO_DOCUMENT_RETENTION_DAYS", "100001"),
        ] {
            let env = |n: &str| (n == name).then(|| value.to_owned());
            let err = ServerConfig::load(&CommandLine::default(), &env).unwrap_err();
            assert!(name.ends_with(&err.setting.to_ascii_uppercase()), "{err}");
        }
    }

    #[test]
    fn toml_file_with_unknown_key_is_refused() {
        let dir = std::env::temp_dir().join(format!("dongpo-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9\"\nlisten_port = 3\n").unwrap();
        let cli = CommandLine {
            config: Some(path.clone()),
            ..CommandLine::default()
        };
        let err = ServerConfig::load(&cli, &no_env).unwrap_err();
        assert!(err.reason.contains("listen_port"), "{err}");
        std::fs::write(&path, "listen = \"127.0.0.1:9\"\nmax_batch_documents = 5\n").unwrap();
        let config = ServerConfig::load(&cli, &no_env).unwrap();
        assert_eq!(config.max_batch_documents, 5);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
