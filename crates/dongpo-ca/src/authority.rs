//! An opened CA directory: the registration authority and the issuer together, as the
//! CLI and the server use them.

use std::path::{Path, PathBuf};

use dongpo_icao::Outcome;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Profile;

use crate::access::{AccessError, AccessLog, access_key};
use crate::audit::{AuditChain, AuditEntry, AuditError, AuditRecord, AuditSummary, verify_chain};
use crate::config::{CaConfig, CaEntry, KeyRef};
use crate::files::{FileError, read_certificates};
use crate::init::{AUDIT_KEY_FILE, CONFIG_FILE, PASSPHRASE_FILE, REGISTRY_KEY_FILE, resolve_store};
use crate::install::{self, InstallError};

mod arl;
mod rollover;
use crate::issue::{IssueError, Issued, Issuer, IssuingCa};
use crate::keyring::{Kek, KeyName, Keyring, KeyringError};
use crate::keys::file::read_encrypted_pkcs8;
use crate::keys::pkcs11::{Pkcs11Config, Pkcs11Key};
use crate::keys::{Passphrase, signature_algorithm_for};
use crate::ra::{Approval, RaPolicy, Refusal, decide};
use crate::reason::RevocationReason;
use crate::registry::{Erasure, Identity, RegistryError, RegistryKey, import_csv};
use crate::registry_seal::{RegistrySeal, SealError};
use crate::store::{RegistryRecord, StoreError};
pub use arl::{ArlError, ROOT_NAME};
use dongpo_crypto::Signer;
use dongpo_pki::Serial;
pub use rollover::{Rollover, RolloverError};

mod registry_only;
pub use registry_only::{REGISTRY_STORE, ROLE_PIN, VERIFIER_ROLE};

/// Opening a CA directory failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// No `ca.toml`.
    #[error("{0} is not a CA directory (no ca.toml; create one with `dongpo ca init`)")]
    NotACa(String),
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A file is missing or unreadable.
    #[error(transparent)]
    File(#[from] FileError),
    /// A key could not be loaded.
    #[error("CA '{ca}': {reason}")]
    Key {
        /// Which CA.
        ca: String,
        /// What failed.
        reason: String,
    },
    /// The profiles could not be loaded.
    #[error("profiles: {0}")]
    Profiles(#[source] dongpo_profiles::ProfileError),
    /// The store is not this CA's (described in words).
    #[error("store: {0}")]
    Store(String),
    /// The store could not be opened, claimed or read.
    #[error("store: {0}")]
    StoreFailed(#[source] StoreError),
    /// The store refused one of this CA directory's pins (root, keys, issuers, settings).
    #[error("store: {}: {source}", .dir.display())]
    Pin {
        /// The CA directory.
        dir: PathBuf,
        /// The refusal.
        #[source]
        source: StoreError,
    },
    /// Issuing CA setup failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// A key of the keyring is missing, wrapped without a KEK given, or unreadable.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The registry's data keys or rows could not be opened or re-sealed.
    #[error("registry: {0}")]
    Registry(#[from] SealError),
}

/// An application for a certificate: what the RA decides on, before the CA looks the
/// applicant up in the registry and the key on the blocked list (see `ra::Application`).
#[derive(Clone, Copy)]
pub struct Application<'a> {
    /// The verification outcome of the passport (typed; the display report is built from it).
    pub report: &'a Outcome,
    /// DG1 (the raw file) of the verified passport.
    pub dg1: &'a [u8],
    /// The id of the signed verification receipt the report was stored under, written into
    /// the certificate's evidence extension (`None` when there is no receipt).
    pub receipt: Option<&'a str>,
    /// The applicant's resident registration number (finds the registry record).
    pub rrn: &'a str,
    /// The CSR (PEM or DER).
    pub csr: &'a [u8],
    /// The profile's name.
    pub profile: &'a str,
}

/// Values that replace those of `ca.toml` for one process.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// The store location (a `postgres://` URL or a SQLite path).
    pub store: Option<String>,
    /// The audit node id (unique per process sharing a store).
    pub node: Option<String>,
    /// Open without claiming the audit node (a process that only reads, e.g. `dongpo
    /// audit verify`); every write is still possible but unprotected, so only readers set it.
    pub read_only: bool,
    /// Record this process's values of the pinned settings that may change
    /// (`max_report_age`, the profiles with their `min_assurance`) as the store's,
    /// audited at the given time (`dongpo ca accept-settings`); `crl_partitions` never
    /// changes.
    pub accept_settings: Option<UnixTime>,
    /// The key directory when `ca.toml` names none (instead of `<dir>.keys`): a server keeps
    /// its CA's keys beside its data directory.
    pub default_key_dir: Option<PathBuf>,
    /// A directory the key directory must lie outside of as well as the CA directory: a
    /// server's data directory (which holds the CA directory and is backed up as a whole).
    pub keys_outside: Option<PathBuf>,
    /// The key-encryption key of the keyring; `None`: the environment's (`DONGPO_KEK`,
    /// `DONGPO_KEK_FILE`), else none.
    pub kek: Option<Kek>,
    /// The time recorded for what opening writes (the registry's first data key, the
    /// re-sealing of a plaintext registry from an earlier version); `None`: the clock.
    pub now: Option<UnixTime>,
}

/// An opened CA.
pub struct Ca {
    dir: PathBuf,
    config: CaConfig,
    profiles: Vec<Profile>,
    keyring: Keyring,
    registry_key: RegistryKey,
    audit_key: zeroize::Zeroizing<[u8; 32]>,
    seal: RegistrySeal,
    root_der: Vec<u8>,
    ra_policy: RaPolicy,
    issuer: Issuer,
    pending: Vec<PendingIssuer>,
}

/// An issuing CA whose key exists and whose certificate the external root has not
/// signed yet (`dongpo ca init --external-root`).
struct PendingIssuer {
    entry: CaEntry,
    key: std::sync::Arc<dyn Signer>,
    algorithm: dongpo_crypto::SignatureAlgorithm,
}

/// The settings pinned in the store, as `(name, value)`: `profiles` is the SHA-256 of the
/// profiles as loaded (every field, in name order).
fn settings_pins(config: &CaConfig, profiles: &[Profile]) -> Vec<(&'static str, String)> {
    let mut sorted: Vec<&Profile> = profiles.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let described: String = sorted.iter().map(|p| format!("{p:?}\n")).collect();
    vec![
        ("crl_partitions", config.crl_partitions.to_string()),
        ("max_report_age", config.max_report_age.to_string()),
        ("profiles", hex::encode(sha256(described.as_bytes()))),
    ]
}

/// The passphrase from the sources `ca.toml` names, else the one `dongpo ca init`
/// generated into the keyring, or why none could be read.
fn passphrase(dir: &Path, config: &CaConfig, keyring: &Keyring) -> Result<Passphrase, String> {
    let mut tried = Vec::new();
    if let Some(var) = &config.passphrase.env {
        match Passphrase::from_env(var) {
            Ok(p) => return Ok(p),
            Err(e) => tried.push(format!("{var}: {e}")),
        }
    }
    if let Some(file) = &config.passphrase.file {
        match Passphrase::from_file(&dir.join(file)) {
            Ok(p) => return Ok(p),
            Err(e) => tried.push(e.to_string()),
        }
    }
    if keyring.holds(KeyName::Passphrase) {
        return match keyring.get(KeyName::Passphrase) {
            Ok(p) => Ok(Passphrase::new(p.to_vec())),
            Err(e) => {
                tried.push(e.to_string());
                Err(tried.join("; "))
            }
        };
    }
    Err(if tried.is_empty() {
        "ca.toml names no passphrase source".into()
    } else {
        tried.join("; ")
    })
}

fn load_key(
    dir: &Path,
    entry: &CaEntry,
    pass: &Result<Passphrase, String>,
) -> Result<Box<dyn Signer>, OpenError> {
    let bad = |reason: String| OpenError::Key {
        ca: entry.name.clone(),
        reason,
    };
    let Some(key) = &entry.key else {
        return Err(bad("ca.toml names no key".into()));
    };
    match key {
        KeyRef::File(rel) => {
            let pass = pass.as_ref().map_err(|why| {
                bad(format!(
                    "no key passphrase ({why}); set {} or the passphrase file of ca.toml",
                    crate::init::PASSPHRASE_ENV
                ))
            })?;
            let key = read_encrypted_pkcs8(&dir.join(rel), pass).map_err(|e| bad(e.to_string()))?;
            Ok(Box::new(key))
        }
        KeyRef::Pkcs11(p) => {
            let pin = Passphrase::from_env(&p.pin_env)
                .map_err(|e| bad(format!("PIN from {}: {e}", p.pin_env)))?;
            let config = Pkcs11Config {
                module: PathBuf::from(&p.module),
                token_label: p.token.clone(),
                pin,
                key_label: p.key_label.clone(),
            };
            Ok(Box::new(
                Pkcs11Key::open(&config).map_err(|e| bad(e.to_string()))?,
            ))
        }
    }
}

fn first_certificate(dir: &Path, rel: &str) -> Result<Vec<u8>, OpenError> {
    let path = dir.join(rel);
    read_certificates(&path)?
        .into_iter()
        .next()
        .ok_or_else(|| OpenError::File(FileError::new(&path, "no certificate in the file")))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

impl Ca {
    /// Opens the CA in `dir`: reads `ca.toml`, decrypts the keys, opens the store and
    /// resumes this node's audit chain.
    ///
    /// # Errors
    /// [`OpenError`] naming what is missing or wrong.
    pub fn open(dir: &Path) -> Result<Self, OpenError> {
        Self::open_with_passphrase(dir, None)
    }

    /// As [`Ca::open`], with the key-file passphrase given directly (it then takes
    /// precedence over the sources `ca.toml` names).
    ///
    /// # Errors
    /// [`OpenError`] naming what is missing or wrong.
    pub fn open_with_passphrase(dir: &Path, given: Option<Passphrase>) -> Result<Self, OpenError> {
        Self::open_with(dir, given, &Overrides::default())
    }

    /// As [`Ca::open_with_passphrase`], with `ca.toml` values overridden: what a server
    /// process sharing one CA directory and store with others needs (its own audit node).
    ///
    /// # Errors
    /// [`OpenError`] naming what is missing or wrong.
    pub fn open_with(
        dir: &Path,
        given: Option<Passphrase>,
        overrides: &Overrides,
    ) -> Result<Self, OpenError> {
        let config_path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&config_path)
            .map_err(|_| OpenError::NotACa(dir.display().to_string()))?;
        let mut config = CaConfig::parse(&text, &config_path.display().to_string())?;
        if let Some(store) = &overrides.store {
            config.store.clone_from(store);
        }
        if let Some(node) = &overrides.node {
            config.node.clone_from(node);
        }
        let profiles = match &config.profiles_dir {
            Some(rel) => dongpo_profiles::load_dir(&dir.join(rel)),
            None => dongpo_profiles::builtin(),
        }
        .map_err(OpenError::Profiles)?;
        let kek = match &overrides.kek {
            Some(kek) => Some(kek.clone()),
            None => Kek::from_process_env()?,
        };
        if let Some(problem) = config
            .key_dir
            .as_deref()
            .and_then(|key_dir| crate::config::key_dir_problem(dir, key_dir))
        {
            return Err(OpenError::Config(crate::config::ConfigError {
                file: config_path.display().to_string(),
                reason: problem,
            }));
        }
        let key_dir = match (&config.key_dir, &overrides.default_key_dir) {
            (None, Some(default)) => default.clone(),
            (named, _) => crate::keyring::resolve_dir(dir, named.as_deref()),
        };
        if let Some(outer) = &overrides.keys_outside
            && crate::config::lies_inside(&key_dir, outer)
        {
            return Err(OpenError::Config(crate::config::ConfigError {
                file: config_path.display().to_string(),
                reason: format!(
                    "the key directory {} is inside the data directory {}; the keys must live outside it",
                    key_dir.display(),
                    outer.display()
                ),
            }));
        }
        let keyring = Keyring::new(key_dir, kek);
        // Keys an earlier version kept in the directory move into the keyring.
        for (key, legacy) in [
            (KeyName::Audit, AUDIT_KEY_FILE),
            (KeyName::Registry, REGISTRY_KEY_FILE),
            (KeyName::Passphrase, PASSPHRASE_FILE),
        ] {
            keyring.adopt(key, &dir.join(legacy))?;
        }
        // The keyring first: a missing key directory or KEK is named as such.
        let audit_key = keyring.key32(KeyName::Audit)?;
        let registry_secret = keyring.key32(KeyName::Registry)?;
        let registry_key = RegistryKey::new(*registry_secret);
        let pass = given.map_or_else(|| passphrase(dir, &config, &keyring), Ok);
        let mut cas = Vec::new();
        let mut pending = Vec::new();
        for entry in &config.issuers {
            let key = load_key(dir, entry, &pass)?;
            let algorithm =
                signature_algorithm_for(key.public_key()).ok_or_else(|| OpenError::Key {
                    ca: entry.name.clone(),
                    reason: "no signature algorithm for this key type".into(),
                })?;
            // Requested from an external root and not installed yet: usable once
            // `install_issuing` has checked and written its certificate.
            if entry.csr.is_some() && !dir.join(&entry.cert).exists() {
                pending.push(PendingIssuer {
                    entry: entry.clone(),
                    key: std::sync::Arc::from(key),
                    algorithm,
                });
                continue;
            }
            let cert = first_certificate(dir, &entry.cert)?;
            let mut ca = IssuingCa::new(
                &entry.name,
                cert,
                std::sync::Arc::from(key),
                algorithm,
                entry.profiles.clone(),
            )?;
            ca.retired = entry.retired;
            cas.push(ca);
        }
        let root_der = first_certificate(dir, &config.root.cert)?;
        let location = resolve_store(dir, &config.store);
        // The node first: a second process with this node id is refused before it reads
        // the chain tail it would race for.
        let claim = if overrides.read_only {
            None
        } else {
            Some(
                crate::store::claim::claim_node(&location, &config.node)
                    .map_err(OpenError::StoreFailed)?,
            )
        };
        let mut store = crate::store::open(&location).map_err(OpenError::StoreFailed)?;
        // Pins are written by the first open of a store `dongpo ca init` created (its
        // first audit record is in there). A store holding nothing is not this CA's: a
        // `database_url` naming a new database, a moved or deleted SQLite file. Opening it
        // would give the CA an empty history: CRLs numbered above those published, without
        // their revocations.
        if !store.holds_history().map_err(OpenError::StoreFailed)? {
            return Err(OpenError::Store(format!(
                "{}: the store at {} holds nothing of this CA (no audit record, no pins): it \
                 is not the store this CA directory was created with. A CA moves to another \
                 database only with its data; point ca.toml `store` (or database_url) at the \
                 CA's own store",
                dir.display(),
                crate::store::redacted_location(&location)
            )));
        }
        // A verifier's registry store (`Ca::open_registry`) never takes a hierarchy.
        if store
            .pinned(ROLE_PIN)
            .map_err(OpenError::StoreFailed)?
            .is_some_and(|role| role == VERIFIER_ROLE)
        {
            return Err(OpenError::Store(format!(
                "{}: the store at {} is a verifier's registry: a CA keeps its own database",
                dir.display(),
                crate::store::redacted_location(&location)
            )));
        }
        let mut pins = vec![
            ("root_sha256".to_owned(), hex::encode(sha256(&root_der))),
            (
                "audit_key".to_owned(),
                crate::store::claim::secret_fingerprint(&audit_key, "audit key"),
            ),
            (
                "registry_key".to_owned(),
                crate::store::claim::secret_fingerprint(&registry_secret, "registry key"),
            ),
        ];
        for ca in &cas {
            pins.push((
                format!("issuer:{}", ca.name),
                hex::encode(sha256(&ca.cert_der)),
            ));
        }
        for (name, value) in &pins {
            crate::store::claim::check_pin(store.as_mut(), name, value).map_err(|source| {
                OpenError::Pin {
                    dir: dir.to_path_buf(),
                    source,
                }
            })?;
        }
        // Every certificate names its partition CRL by the count in force when it was
        // issued; a different count would publish that CRL without it. The RA settings and
        // the profiles decide what every node issues: nodes of one CA agree on them.
        let settings = settings_pins(&config, &profiles);
        for (name, value) in &settings {
            if overrides.accept_settings.is_some() && *name != "crl_partitions" {
                store
                    .replace_pin(&format!("setting:{name}"), value)
                    .map_err(OpenError::StoreFailed)?;
            }
            crate::store::claim::check_setting_pin(store.as_mut(), name, value).map_err(
                |source| OpenError::Pin {
                    dir: dir.to_path_buf(),
                    source,
                },
            )?;
        }
        let tail = store
            .audit_tail(&config.node)
            .map_err(OpenError::StoreFailed)?;
        let chain = AuditChain::resume(&audit_key, &config.node, tail.as_ref());
        let now = overrides.now.unwrap_or_else(UnixTime::now);
        let seal_key = registry_seal_key(&keyring, store.as_mut())?;
        let seal = RegistrySeal::load(seal_key, store.as_mut(), now)?;
        let ra_policy = RaPolicy {
            max_report_age: config.max_report_age,
        };
        let mut issuer = Issuer::new(cas, store, chain, config.crl_partitions).with_claim(claim);
        if let Some(at) = overrides.accept_settings {
            let body: serde_json::Map<String, serde_json::Value> = settings
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone().into()))
                .collect();
            issuer.audit(&[AuditEntry {
                at,
                kind: "ca.settings.accepted".into(),
                body: serde_json::Value::Object(body).to_string(),
            }])?;
        }
        let mut ca = Ca {
            dir: dir.to_path_buf(),
            config,
            profiles,
            keyring,
            registry_key,
            audit_key,
            seal,
            root_der,
            ra_policy,
            issuer,
            pending,
        };
        ca.seal_plaintext_registry(now)?;
        Ok(ca)
    }

    /// Whether this process can write the CA store: its node claim still holds (a
    /// PostgreSQL connection that dropped lost it) and its last audited write did not end in
    /// an audit-sequence conflict it could not resolve. `/readyz` reports it.
    ///
    /// # Errors
    /// [`NotWritable`] saying why it cannot write.
    pub fn writable(&mut self) -> Result<(), NotWritable> {
        self.issuer.check_claim().map_err(NotWritable::Claim)?;
        self.issuer
            .store()
            .ping_write()
            .map_err(NotWritable::Store)?;
        match self.issuer.write_failure() {
            Some(reason) => Err(NotWritable::LastWrite(reason.to_owned())),
            None => Ok(()),
        }
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &CaConfig {
        &self.config
    }

    /// The profiles.
    #[must_use]
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// The profile called `name`.
    #[must_use]
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The root certificate (DER).
    #[must_use]
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The issuing CAs (names) awaiting their certificate from the external root.
    #[must_use]
    pub fn pending_issuers(&self) -> Vec<&str> {
        self.pending.iter().map(|p| p.entry.name.as_str()).collect()
    }

    /// Installs the certificate (PEM or DER) the external root signed for `profile`'s
    /// issuing CA, after checking it at `now`: its public key is the issuing CA's key; it
    /// is a CA (basicConstraints cA, pathLenConstraint 0, keyUsage keyCertSign and
    /// cRLSign); it asserts the profile's policy (or anyPolicy); it chains to the
    /// configured root ([`dongpo_pki::path::validate_path`]: signature, validity at `now`,
    /// names; the root must be a CA). Nothing is written when a check fails. Then the
    /// certificate is written to the entry's `cert` file, pinned in the store, audited
    /// (`issuing_ca.installed`), and the request is cleared from `ca.toml`; the CA issues
    /// under it at once.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut ca = dongpo_ca::Ca::open(std::path::Path::new("ca"))?;
    /// let cert = std::fs::read("kb-issuing.pem")?;
    /// ca.install_issuing("kb", &cert, dongpo_pki::time::UnixTime(1_795_000_000))?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`InstallError`] naming the check that failed.
    pub fn install_issuing(
        &mut self,
        profile: &str,
        cert: &[u8],
        now: UnixTime,
    ) -> Result<(), InstallError> {
        let Some(index) = self
            .pending
            .iter()
            .position(|p| p.entry.profiles.iter().any(|q| q == profile))
        else {
            return Err(match self.issuer.ca_for(profile) {
                Some(ca) => InstallError::NotPending(ca.name.clone()),
                None => InstallError::UnknownProfile(profile.to_owned()),
            });
        };
        let profile_def = self
            .profile(profile)
            .ok_or_else(|| InstallError::UnknownProfile(profile.to_owned()))?;
        let pending = self
            .pending
            .get(index)
            .ok_or_else(|| InstallError::UnknownProfile(profile.to_owned()))?;
        let checked = install::check(
            cert,
            &install::Expected {
                name: &pending.entry.name,
                key: pending.key.public_key(),
                profile: profile_def,
                root: &self.root_der,
            },
            now,
        )?;
        let issuing = IssuingCa::new(
            &pending.entry.name,
            checked.der.clone(),
            pending.key.clone(),
            pending.algorithm,
            pending.entry.profiles.clone(),
        )?;
        // Every check passed: write the certificate, pin and audit it, then clear the
        // request from ca.toml (a crash before that leaves the certificate in place, which
        // the next open uses as installed).
        let name = pending.entry.name.clone();
        let cert_path = self.dir.join(&pending.entry.cert);
        crate::files::write_public(
            &cert_path,
            crate::files::certificate_pem(&checked.der).as_bytes(),
        )?;
        let fingerprint = hex::encode(sha256(&checked.der));
        crate::store::claim::check_pin(
            self.issuer.store(),
            &format!("issuer:{name}"),
            &fingerprint,
        )
        .map_err(IssueError::from)?;
        self.issuer.audit(&[AuditEntry {
            at: now,
            kind: "issuing_ca.installed".into(),
            body: serde_json::json!({
                "issuer": name,
                "profile": profile,
                "certificate_sha256": fingerprint,
                "not_after": checked.not_after.rfc3339(),
            })
            .to_string(),
        }])?;
        let mut config = self.config.clone();
        for entry in &mut config.issuers {
            if entry.name == name {
                entry.csr = None;
            } else if entry.profiles.iter().any(|q| q == profile) {
                // A rollover under the external root: the CA it replaces retires now.
                entry.retired = true;
            }
        }
        crate::files::replace_private(&self.dir.join(CONFIG_FILE), config.to_toml()?.as_bytes())?;
        self.config = config;
        self.pending.remove(index);
        self.issuer.add_ca(issuing);
        self.issuer.retire_others(profile, &name);
        Ok(())
    }

    /// The issuer (issuing CAs and store).
    pub fn issuer(&mut self) -> &mut Issuer {
        &mut self.issuer
    }

    /// The RA policy in force.
    #[must_use]
    pub fn ra_policy(&self) -> &RaPolicy {
        &self.ra_policy
    }

    /// The chain of `profile`'s issuing CA: its certificate, then the root (DER).
    #[must_use]
    pub fn chain(&self, profile: &str) -> Option<Vec<Vec<u8>>> {
        let ca = self.issuer.ca_for(profile)?;
        Some(vec![ca.cert_der.clone(), self.root_der.clone()])
    }

    /// The registry identifier of a resident registration number.
    ///
    /// # Errors
    /// [`RegistryError::BadRrn`].
    pub fn person_id(&self, rrn: &str) -> Result<String, RegistryError> {
        self.registry_key
            .person_id(rrn, "resident registration number")
    }

    /// Registers overseas citizens from a CSV export (all or nothing). Returns the registry
    /// ids (keyed hashes) of the people imported, in input order, for the caller's access
    /// records.
    ///
    /// # Errors
    /// [`RegistryError`] for bad input (nothing stored), or the store's failure.
    pub fn import_registry_csv(
        &mut self,
        text: &str,
        now: UnixTime,
    ) -> Result<Vec<String>, ImportError> {
        let records = import_csv(text, &self.registry_key)?;
        self.import_records(&records, now)?;
        Ok(records.into_iter().map(|r| r.person).collect())
    }

    /// Registers one identity (`identity.json`).
    ///
    /// # Errors
    /// As [`Ca::import_registry_csv`].
    pub fn register(&mut self, identity: &Identity, now: UnixTime) -> Result<(), ImportError> {
        self.register_all(std::slice::from_ref(identity), now)
            .map(drop)
    }

    /// Registers several identities (all or nothing, one audit record): every one is
    /// checked before anything is stored. Returns their registry ids, in input order.
    ///
    /// # Errors
    /// As [`Ca::import_registry_csv`]; a bad identity is named by its index.
    pub fn register_all(
        &mut self,
        identities: &[Identity],
        now: UnixTime,
    ) -> Result<Vec<String>, ImportError> {
        let records = identities
            .iter()
            .enumerate()
            .map(|(i, identity)| identity.to_record(&self.registry_key, &format!("records[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.import_records(&records, now)?;
        Ok(records.into_iter().map(|r| r.person).collect())
    }

    /// Stores registry records (all or nothing, one audit record), each sealed under the
    /// newest data key (read again first: another node may have rotated).
    ///
    /// # Errors
    /// [`ImportError::Seal`], [`ImportError::Issue`] (the store's failure).
    pub fn import_records(
        &mut self,
        records: &[RegistryRecord],
        now: UnixTime,
    ) -> Result<(), ImportError> {
        self.seal.refresh(self.issuer.store())?;
        let rows = records
            .iter()
            .map(|r| self.seal.seal(r))
            .collect::<Result<Vec<_>, _>>()?;
        self.issuer.import_registry(&rows, now)?;
        Ok(())
    }

    /// The registry record of `person`, opened. A row under a data key this process has
    /// not seen yet (another node rotated) is opened after reading the keys again.
    ///
    /// # Errors
    /// [`SealError`]: a row that does not authenticate, an unknown key version, the store.
    pub fn registry_record(&mut self, person: &str) -> Result<Option<RegistryRecord>, SealError> {
        let Some(row) = self.issuer.store().registry(person)? else {
            return Ok(None);
        };
        match self.seal.open(&row) {
            Err(SealError::UnknownVersion { .. }) => {
                self.seal.refresh(self.issuer.store())?;
                self.seal.open(&row).map(Some)
            }
            other => other.map(Some),
        }
    }

    /// The keyring (the audit, registry and fingerprint keys; [`Keyring::describe`] says
    /// where they are).
    #[must_use]
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The audit-chain HMAC key (for processes that verify or extend the chain, e.g.
    /// access records).
    #[must_use]
    pub fn audit_key(&self) -> &[u8; 32] {
        &self.audit_key
    }

    /// Re-seals the rows of a plaintext `registry` table (schema before version 5) under
    /// the newest data key, then deletes them and drops the table, in one transaction
    /// (audited as `registry.sealed`). Nothing to do once the table is gone.
    fn seal_plaintext_registry(&mut self, now: UnixTime) -> Result<(), OpenError> {
        let Some(records) = self
            .issuer
            .store()
            .plaintext_registry()
            .map_err(OpenError::StoreFailed)?
        else {
            return Ok(());
        };
        if records.is_empty() {
            // A new store's empty table (schema version 1 made it): nothing to audit.
            self.issuer
                .store()
                .retire_plaintext_registry(&[], &[])
                .map_err(OpenError::StoreFailed)?;
        } else {
            let rows = records
                .iter()
                .map(|r| self.seal.seal(r))
                .collect::<Result<Vec<_>, _>>()?;
            self.issuer.retire_plaintext_registry(&rows, now)?;
        }
        Ok(())
    }

    /// Adds a new registry data key (audited as `registry.key_rotated`) unless `resume`,
    /// then re-seals every row under an older key in batches of `batch` rows, each its own
    /// transaction: lookups and imports go on meanwhile (old rows still open, new ones are
    /// sealed under the new key). `progress` is told the running count after each batch.
    ///
    /// # Errors
    /// [`SealError`]: a row that does not open (altered), the store's failure.
    pub fn rotate_registry_key(
        &mut self,
        resume: bool,
        batch: u32,
        now: UnixTime,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Rotation, RotationError> {
        self.seal.refresh(self.issuer.store())?;
        if !resume {
            let version = self.seal.newest().saturating_add(1);
            let (wrapped, key) = self.seal.new_data_key(version, now)?;
            match self.issuer.add_registry_key(&wrapped, now) {
                Ok(()) => self.seal.insert(version, key),
                // Another process rotated at the same moment: re-seal under its key.
                Err(IssueError::Store(StoreError::KeyVersionTaken { .. })) => {
                    self.seal.refresh(self.issuer.store())?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let version = self.seal.newest();
        let mut resealed = 0;
        loop {
            let rows = self
                .issuer
                .store()
                .registry_sealed_below(version, batch.max(1))
                .map_err(SealError::Store)?;
            if rows.is_empty() {
                break;
            }
            let mut pairs = Vec::with_capacity(rows.len());
            for row in rows {
                let record = self.seal.open(&row)?;
                pairs.push((row, self.seal.seal(&record)?));
            }
            let replaced = self
                .issuer
                .store()
                .reseal_registry(&pairs)
                .map_err(SealError::Store)?;
            resealed += replaced;
            progress(resealed);
        }
        Ok(Rotation { version, resealed })
    }

    /// Erases a person from the registry (identified by their resident registration number):
    /// the record is deleted, audited without personal data; the pseudonymous records a CA
    /// must keep stay (certificates, serials, key bindings), and their serials are returned
    /// so the caller can erase what it holds about them (`dongpo_server::erasure`).
    ///
    /// # Errors
    /// [`ImportError::Registry`] for a malformed number (nothing changed), else the store's
    /// failure.
    pub fn erase_person(&mut self, rrn: &str, now: UnixTime) -> Result<Erasure, ImportError> {
        let person = self.person_id(rrn)?;
        Ok(self.issuer.erase_registry(&person, now)?)
    }

    /// The RA decision for an applicant (identified by their resident registration number).
    ///
    /// # Errors
    /// [`Refusal`] with the reason.
    pub fn approve(
        &mut self,
        report: &Outcome,
        dg1: &[u8],
        rrn: &str,
        csr: &[u8],
        profile: &str,
        now: UnixTime,
    ) -> Result<Approval, Refusal> {
        self.approve_application(
            &Application {
                report,
                dg1,
                receipt: None,
                rrn,
                csr,
                profile,
            },
            now,
        )
    }

    /// The RA decision on an application: the profile and the registry record looked up,
    /// the key checked against the blocked list, then [`decide`]. The issuance service
    /// ([`crate::issuance::finalize`]) runs it as its first step.
    ///
    /// # Errors
    /// [`Refusal`] with the reason.
    pub fn approve_application(
        &mut self,
        application: &Application<'_>,
        now: UnixTime,
    ) -> Result<Approval, Refusal> {
        let profile = self
            .profile(application.profile)
            .cloned()
            .ok_or_else(|| Refusal::UnknownProfile(application.profile.to_owned()))?;
        // A malformed number is refused as an unregistered one, and only once the RA
        // consults the registry (after the checks that need no personal data). The sealed
        // record is opened here (opening needs the CA's keys), but what it says is looked at
        // only then: a failure to read it is `unavailable`, which says nothing of the person.
        let record = match self.person_id(application.rrn) {
            Err(_) => None,
            Ok(person) => self
                .registry_record(&person)
                .map_err(|e| Refusal::Unavailable(e.to_string()))?,
        };
        let lookup = || Ok(record.clone());
        let registry_key = &self.registry_key;
        let subject_id = |person: &str| registry_key.subject_id_for(person, &profile);
        let store = std::cell::RefCell::new(self.issuer.store());
        // A lookup failure counts as blocked: refusing is the safe side.
        let key_blocked = |spki: &[u8; 32]| store.borrow_mut().is_blocked(spki).unwrap_or(true);
        let approval = decide(
            &crate::ra::Application {
                report: application.report,
                dg1: application.dg1,
                registry: &lookup,
                rrn: application.rrn,
                csr: application.csr,
                profile: &profile,
                key_blocked: &key_blocked,
                subject_id: &subject_id,
                receipt: application.receipt,
            },
            &self.ra_policy,
            now,
        )?;
        Ok(approval)
    }

    /// Issues a certificate for an Approval.
    ///
    /// # Errors
    /// [`IssueError`].
    pub fn issue(&mut self, approval: &Approval, now: UnixTime) -> Result<Issued, IssueError> {
        self.issuer.issue(approval, now)
    }

    /// Revokes a certificate.
    ///
    /// # Errors
    /// [`IssueError`].
    pub fn revoke(
        &mut self,
        serial: &Serial,
        reason: RevocationReason,
        now: UnixTime,
    ) -> Result<(), IssueError> {
        self.issuer.revoke(serial, reason, now)
    }

    /// The current CRL of the issuing CA `name` (full, or one partition).
    ///
    /// # Errors
    /// [`crate::publish::PublishError`].
    pub fn crl(
        &mut self,
        name: &str,
        scope: crate::publish::CrlScope,
        now: UnixTime,
    ) -> Result<Vec<u8>, crate::publish::PublishError> {
        let profile = self
            .issuer
            .cas()
            .iter()
            .find(|ca| ca.name == name)
            .and_then(|ca| ca.profiles.first())
            .and_then(|p| self.profiles.iter().find(|q| &q.name == p))
            .cloned();
        crate::publish::crl(&mut self.issuer, name, profile.as_ref(), scope, now)
    }

    /// Every CRL the CA publishes, at `now`: per issuing CA the full CRL and one per
    /// partition, named as the certificates' CRL distribution points name them
    /// (`<issuer>.crl`, `<issuer>-<partition>.crl`). Run it on a schedule well inside
    /// [`crate::publish::CRL_VALIDITY`] (and after revocations) so nextUpdate never passes.
    ///
    /// # Errors
    /// [`crate::publish::PublishError`] for the first CRL that fails.
    pub fn publish_crls(
        &mut self,
        now: UnixTime,
    ) -> Result<Vec<(String, Vec<u8>)>, crate::publish::PublishError> {
        let names: Vec<String> = self.issuer.cas().iter().map(|ca| ca.name.clone()).collect();
        let partitions = self.issuer.crl_partitions();
        let mut out = Vec::new();
        for name in names {
            out.push((
                format!("{name}.crl"),
                self.crl(&name, crate::publish::CrlScope::Full, now)?,
            ));
            for index in 0..partitions {
                let der = self.crl(&name, crate::publish::CrlScope::Partition(index), now)?;
                out.push((format!("{name}-{index}.crl"), der));
            }
        }
        Ok(out)
    }

    /// Answers a DER OCSP request for the issuing CAs.
    ///
    /// # Errors
    /// [`crate::publish::PublishError`].
    pub fn ocsp_respond(
        &mut self,
        request_der: &[u8],
        now: UnixTime,
    ) -> Result<Vec<u8>, crate::publish::PublishError> {
        crate::ocsp::respond(&mut self.issuer, request_der, now)
    }

    /// A writer of this node's access records ([`crate::access`]), on a store connection
    /// of its own so that recording an access never waits for issuance.
    ///
    /// # Errors
    /// [`OpenError::StoreFailed`] when the store cannot be opened or read.
    pub fn access_log(&self) -> Result<AccessLog, OpenError> {
        let location = resolve_store(&self.dir, &self.config.store);
        let store = crate::store::open(&location).map_err(OpenError::StoreFailed)?;
        AccessLog::resume(store, &self.config.node, &access_key(&self.audit_key))
            .map_err(OpenError::StoreFailed)
    }

    /// Every access record in the store, by node, then seq.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn access_records(&mut self) -> Result<Vec<AuditRecord>, StoreError> {
        self.issuer.store().access_records()
    }

    /// Verifies every access chain in the store (each from its newest retention
    /// checkpoint).
    ///
    /// # Errors
    /// [`AccessError`] naming the first broken record, or the store's failure.
    pub fn verify_access(&mut self) -> Result<AuditSummary, AccessError> {
        let records = self.access_records()?;
        Ok(crate::access::verify(
            &records,
            &access_key(&self.audit_key),
        )?)
    }

    /// Verifies the whole audit chain in the store.
    ///
    /// # Errors
    /// [`AuditError`] naming the first broken record, or a store failure as `Err(None)`.
    pub fn verify_audit(&mut self) -> Result<AuditSummary, AuditVerifyError> {
        let records = self
            .issuer
            .store()
            .audit_records()
            .map_err(AuditVerifyError::Store)?;
        verify_chain(&records, &self.audit_key).map_err(AuditVerifyError::Chain)
    }
}

/// What [`Ca::rotate_registry_key`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// The data key version every row is now sealed under.
    pub version: u32,
    /// How many rows were re-sealed.
    pub resealed: u64,
}

/// Rotating the registry's data key failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// A row or key did not open, or the store failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Recording the new key failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// Looking a person up in the registry failed.
pub type RegistryLookupError = SealError;

/// Importing registry records failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Bad input.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Sealing failed (no data key, no randomness, the store).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The store failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// Audit verification failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditVerifyError {
    /// The chain is broken.
    #[error(transparent)]
    Chain(AuditError),
    /// The records could not be read.
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

/// Why this process cannot write the CA store ([`Ca::writable`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotWritable {
    /// The node claim no longer holds.
    #[error(transparent)]
    Claim(IssueError),
    /// A test write failed.
    #[error(transparent)]
    Store(StoreError),
    /// The last audited write ended in a conflict it could not resolve (the recorded
    /// reason).
    #[error("{0}")]
    LastWrite(String),
}

/// The registry-sealing key of `keyring`, created when neither the keyring nor the store
/// has one yet. A store with sealed rows or data keys needs this keyring's sealing key: a
/// new one would not open them, so it is never created then. (The one rule for the CA and
/// the verifier's registry-only store.)
fn registry_seal_key(
    keyring: &Keyring,
    store: &mut dyn crate::store::Store,
) -> Result<zeroize::Zeroizing<[u8; 32]>, OpenError> {
    let fresh_store = store
        .registry_keys()
        .map_err(OpenError::StoreFailed)?
        .is_empty();
    Ok(if keyring.holds(KeyName::RegistrySeal) || fresh_store {
        keyring.key32_or_create(KeyName::RegistrySeal)?
    } else {
        keyring.key32(KeyName::RegistrySeal)?
    })
}
