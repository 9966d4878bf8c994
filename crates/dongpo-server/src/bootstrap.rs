//! Start-up: the data directory, the CA (created on first start), the server's own keys
//! and tables, the trust store and the OCSP responder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use dongpo_ca::StoreStatus;
use dongpo_ca::keyring::KeyName;
use dongpo_ca::write_new_private;
use dongpo_ca::{Ca, Overrides};
use dongpo_ca::{InitOptions, init};
use dongpo_crypto::SigningKey;
use dongpo_icao::TrustStore;
use dongpo_pki::Cert;
use dongpo_pki::time::UnixTime;
use dongpo_revocation::ocsp::issuer_id;

use crate::auth::{KeyRing, Scopes, new_key};
use crate::config::ServerConfig;
use crate::crl_cache::CrlCache;
use crate::db;
use crate::metrics::Metrics;
use crate::private_files;
use crate::receipt::ReceiptSigner;
use crate::role::Role;
use crate::serve_error::ServeError;
use crate::state::{AppState, batch_verifier};
use crate::verify_pool::VerifyPool;

/// The file the bootstrap admin API key is written to (dev mode: `dev-api-key`).
pub const ADMIN_KEY_FILE: &str = "admin-api-key";
/// `--dev`'s admin API key file (`docs/operators.md`).
pub const DEV_KEY_FILE: &str = "dev-api-key";

/// Builds the shared state from the configuration, creating what a first start needs.
///
/// # Errors
/// [`ServeError`] naming what failed.
pub fn build(mut config: ServerConfig) -> Result<AppState, ServeError> {
    let now = UnixTime::now();
    let data = config.data_dir.clone();
    private_files::private_dir(&data)?;
    // Before anything is created or opened: development material never serves production.
    dev_guard(&config)?;
    if config.dev {
        crate::dev::mark(&data)?;
    }
    let location = match &config.database_url {
        Some(url) => url.clone(),
        None => {
            let path = data.join("server.sqlite");
            private_files::create_private_file(&path)?;
            path.display().to_string()
        }
    };
    let mut server_db = db::open(&location).map_err(ServeError::other)?;
    // The database may be shared (PostgreSQL) or outlive the directory's marker.
    if server_db.dev_marked().map_err(ServeError::other)? && !config.dev {
        return Err(dev_refusal(&format!(
            "the server database ({}) was used by a --dev server",
            if config.database_url.is_some() {
                "database_url"
            } else {
                "server.sqlite"
            }
        )));
    }
    if config.dev {
        server_db.mark_dev(now).map_err(ServeError::other)?;
    }
    crate::role_guard::check(server_db.as_mut(), config.role)?;
    // After the check: a data directory or database of another role gets no CA or registry.
    let ca = match config.role {
        Role::Verifier => open_verifier_registry(&config, now)?,
        Role::All | Role::Ca => {
            crate::role_guard::refuse_registry_dir(&config)?;
            private_files::private_dir(&config.ca_dir())?;
            open_or_create_ca(&mut config, now)?
        }
    };
    let secrets = data.join("server");
    private_files::private_dir(&secrets)?;
    let mut ca = ca;
    if !config.role.holds_registry() {
        crate::role_guard::refuse_registry_rows(&mut ca)?;
    }
    // Recorded only now: a start the guards refused leaves no role behind.
    crate::role_guard::claim(server_db.as_mut(), config.role, now)?;
    let receipt_path = secrets.join("receipt-key.p8");
    // Earlier versions kept the fingerprint key here: it moves into the keyring.
    ca.keyring()
        .adopt(
            KeyName::DocumentFingerprint,
            &secrets.join(LEGACY_FINGERPRINT_FILE),
        )
        .map_err(ServeError::other)?;
    let fingerprint_path = ca
        .keyring()
        .dir()
        .join(KeyName::DocumentFingerprint.file_name());
    let fingerprint_held = ca.keyring().holds(KeyName::DocumentFingerprint);
    // Nodes sharing a store share these keys too: a node lacking one never makes its own.
    for (held, path, pin) in [
        (receipt_path.exists(), &receipt_path, RECEIPT_PIN),
        (fingerprint_held, &fingerprint_path, FINGERPRINT_PIN),
    ] {
        if !held
            && ca
                .issuer()
                .store()
                .pinned(pin)
                .map_err(ServeError::other)?
                .is_some()
        {
            return Err(ServeError::Refused(format!(
                "{} is missing, but the CA store already pins this key for the nodes sharing it: \
                 copy it from the first node (docs/operators.md, several nodes) instead of creating another",
                path.display(),
            )));
        }
    }
    let receipt_signing = receipt_key(&receipt_path)?;
    let receipt_fingerprint = {
        use sha2::Digest;
        let digest: [u8; 32] = sha2::Sha256::digest(
            receipt_signing
                .to_pkcs8_der()
                .map_err(ServeError::other)?
                .as_slice(),
        )
        .into();
        dongpo_ca::store::claim::secret_fingerprint(&digest, "receipt key")
    };
    let fingerprint_key = ca
        .keyring()
        .key32_or_create(KeyName::DocumentFingerprint)
        .map_err(ServeError::other)?;
    for (pin, value) in [
        (RECEIPT_PIN, receipt_fingerprint),
        (
            FINGERPRINT_PIN,
            dongpo_ca::store::claim::secret_fingerprint(
                &fingerprint_key,
                "document fingerprint key",
            ),
        ),
    ] {
        dongpo_ca::store::claim::check_pin(ca.issuer().store(), pin, &value)
            .map_err(ServeError::step(secrets.display()))?;
    }
    let receipts = ReceiptSigner::new(receipt_signing).map_err(ServeError::other)?;

    if config.dev {
        crate::dev::prepare(&mut ca, &data, now)?;
    }
    tighten_data_dir(&config, &ca)?;
    let metrics = Metrics::default();
    let trust = load_trust(&config, &metrics)?;
    if trust.cscas().is_empty() {
        tracing::warn!(
            "no trusted CSCA: put CSCA certificates (and CRLs) in {} or set trust_dirs; every verification will fail dsc.chain",
            data.join("trust").display()
        );
    } else {
        tracing::info!(cscas = trust.cscas().len(), "trust store loaded");
    }
    let key_file = data.join(if config.dev {
        DEV_KEY_FILE
    } else {
        ADMIN_KEY_FILE
    });
    bootstrap_admin_key(server_db.as_mut(), &key_file, now)?;

    let trust_snapshot = trust.snapshot_id();
    let verifier = batch_verifier(trust);
    let store_location = dongpo_ca::resolve_store(ca.dir(), &ca.config().store);
    let status_store = dongpo_ca::store::open(&store_location).map_err(ServeError::other)?;
    let mut cas = Vec::new();
    for issuing in ca.issuer().cas() {
        let cert = Cert::parse(&issuing.cert_der).map_err(ServeError::step(&issuing.name))?;
        cas.push((issuing.name.clone(), cert));
    }
    let ocsp_issuers: HashMap<_, _> = cas
        .iter()
        .map(|(name, cert)| (name.clone(), issuer_id(cert)))
        .collect();
    let ocsp = dongpo_ca::responder(ca.issuer(), StoreStatus::new(status_store, &cas))
        .map_err(ServeError::other)?;
    let synced_at = UnixTime::now();
    let revoked = revoked_now(&mut ca).map_err(ServeError::other)?;
    metrics.ca_expiry.watch(
        ca.issuer()
            .cas()
            .iter()
            .map(|c| (c.name.clone(), c.not_after()))
            .collect(),
        config.ca_expiry_warning_days.saturating_mul(86_400),
        synced_at,
    );
    let access = ca.access_log().map_err(ServeError::other)?;
    Ok(AppState {
        access: Mutex::new(access),
        access_purged_at: std::sync::atomic::AtomicU64::new(0),
        keys: KeyRing::new(config.rate_limit_per_second, config.rate_limit_burst),
        config,
        ca: Mutex::new(ca),
        db: Mutex::new(server_db),
        verifier: std::sync::RwLock::new(verifier),
        trust_snapshot: Mutex::new(trust_snapshot),
        ocsp,
        ocsp_issuers,
        crls: CrlCache::default(),
        metrics,
        receipts,
        fingerprint_key,
        revocations_seen: Mutex::new(revoked),
        revocations_synced_at: std::sync::atomic::AtomicU64::new(synced_at.0),
        verify_pool: VerifyPool::new(std::thread::available_parallelism().map_or(1, usize::from))
            .map_err(ServeError::step("verification threads"))?,
    })
}

/// Why a server without `--dev` refuses a data directory or database a `--dev` server used.
fn dev_refusal(what: &str) -> ServeError {
    ServeError::Refused(format!(
        "refusing to start without --dev: {what}, so its development admin key ({}) and the testkit identity would be valid; \
         start with a fresh data directory (and database) for production, or keep using --dev",
        DEV_KEY_FILE
    ))
}

/// Refuses, without `--dev`, a data directory a `--dev` server created or ran on: its
/// marker, or (directories from before the marker) the dev admin key or testkit trust.
///
/// # Errors
/// [`ServeError::Refused`] saying what was found and how to proceed.
pub fn dev_guard(config: &ServerConfig) -> Result<(), ServeError> {
    if config.dev {
        return Ok(());
    }
    let data = &config.data_dir;
    for (path, what) in [
        (crate::dev::marker(data), "it was run with --dev"),
        (data.join(DEV_KEY_FILE), "it holds the --dev admin key"),
        (
            crate::dev::trust_dir(data),
            "it holds the --dev testkit trust",
        ),
    ] {
        if path.exists() {
            return Err(dev_refusal(&format!(
                "the data directory {} is development material ({what}: {})",
                data.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// Sets owner-only modes on what the data directory holds (databases, keys, secrets,
/// API keys) where they are looser, with a warning naming each path.
fn tighten_data_dir(config: &ServerConfig, ca: &Ca) -> Result<(), ServeError> {
    let data = &config.data_dir;
    private_files::tighten(data, private_files::DIR_MODE)?;
    private_files::tighten_sqlite(&data.join("server.sqlite"))?;
    for file in [ADMIN_KEY_FILE, DEV_KEY_FILE] {
        private_files::tighten(&data.join(file), private_files::FILE_MODE)?;
    }
    private_files::tighten_tree(&data.join("server"))?;
    private_files::tighten_tree(ca.keyring().dir())?;
    let ca_dir = ca.dir();
    if !ca.holds_hierarchy() {
        return tighten_store(&dongpo_ca::resolve_store(ca_dir, &ca.config().store));
    }
    private_files::tighten(ca_dir, private_files::DIR_MODE)?;
    private_files::tighten(
        &ca_dir.join(dongpo_ca::CONFIG_FILE),
        private_files::FILE_MODE,
    )?;
    for sub in ["keys", "secrets"] {
        private_files::tighten_tree(&ca_dir.join(sub))?;
    }
    tighten_store(&dongpo_ca::resolve_store(ca_dir, &ca.config().store))
}

/// Owner-only modes on the CA store's SQLite file (nothing for PostgreSQL).
fn tighten_store(store: &str) -> Result<(), ServeError> {
    if !(store.starts_with("postgres://") || store.starts_with("postgresql://")) {
        private_files::tighten_sqlite(Path::new(store))?;
    }
    Ok(())
}

/// The revoked serials per issuing CA in the store now.
///
/// # Errors
/// The store's failure.
pub fn revoked_now(
    ca: &mut Ca,
) -> Result<
    HashMap<String, std::collections::HashSet<dongpo_pki::Serial>>,
    dongpo_ca::store::StoreError,
> {
    let names: Vec<String> = ca.issuer().cas().iter().map(|c| c.name.clone()).collect();
    let mut out = HashMap::new();
    for name in names {
        let entries = ca.issuer().store().revoked(&name)?;
        // The store holds canonical magnitudes only (its CHECK and `check_serial`).
        let serials = entries
            .iter()
            .filter_map(|e| dongpo_pki::Serial::from_bytes(&e.serial))
            .collect();
        out.insert(name, serials);
    }
    Ok(out)
}

/// Where earlier versions kept the document fingerprint key (under `DATA/server/`).
const LEGACY_FINGERPRINT_FILE: &str = "document-fingerprint.key";

/// The store pin of the receipt-signing key.
const RECEIPT_PIN: &str = "server:receipt_key";
/// The store pin of the document fingerprint key.
const FINGERPRINT_PIN: &str = "server:document_fingerprint_key";

/// Refuses to create a CA in a shared store that already holds one: a second root,
/// issuing CAs and keys would split the nodes into CAs that do not know each other.
fn refuse_second_ca(config: &ServerConfig, dir: &Path) -> Result<(), ServeError> {
    let Some(url) = &config.database_url else {
        return Ok(());
    };
    let mut store = dongpo_ca::store::open(url).map_err(ServeError::step("database_url"))?;
    if store
        .pinned(dongpo_ca::ROLE_PIN)
        .map_err(ServeError::other)?
        .is_some_and(|role| role == dongpo_ca::VERIFIER_ROLE)
    {
        return Err(ServeError::Refused(
            "refusing to start as role ca: the database (database_url) holds a verifier's registry; \
             a provider CA keeps its own database (docs/operators.md, roles)"
                .into(),
        ));
    }
    // A store `dongpo ca init --store` made holds the CA's first audit record but no pins
    // until the CA is first opened: any history at all means another CA's store.
    if store.holds_history().map_err(ServeError::other)? {
        let root = store
            .pinned("root_sha256")
            .map_err(ServeError::other)?
            .unwrap_or_else(|| "not pinned yet: made by dongpo ca init".into());
        return Err(ServeError::Refused(format!(
            "the database (database_url) already holds a CA (root certificate SHA-256 {root}) and {} has none: \
             this node would create a second CA in a shared store. Provision this node with the first node's \
             CA directory (DATA/ca: ca.toml, certs/, keys/ or the HSM token), its key directory (DATA.keys/) and \
             receipt key (DATA/server/receipt-key.p8) as docs/operators.md \
             (several nodes) describes, then start it again",
            dir.display()
        )));
    }
    Ok(())
}

/// A verifier's registry (`DATA/registry`, or `database_url`): a registry-only
/// [`Ca`] with no root, issuing CA or signing key ([`Ca::open_registry`]). Refused on a
/// data directory that holds a CA.
fn open_verifier_registry(config: &ServerConfig, now: UnixTime) -> Result<Ca, ServeError> {
    crate::role_guard::refuse_ca_dir(config)?;
    let dir = config.data_dir.join(crate::role::REGISTRY_DIR);
    private_files::private_dir(&dir)?;
    if config.database_url.is_none() {
        private_files::create_private_file(&dir.join(dongpo_ca::REGISTRY_STORE))?;
    }
    Ca::open_registry(
        &dir,
        &Overrides {
            store: config.database_url.clone(),
            node: Some(config.node.clone()),
            default_key_dir: Some(config.key_dir()),
            keys_outside: Some(config.data_dir.clone()),
            now: Some(now),
            ..Overrides::default()
        },
    )
    .map_err(ServeError::step(format!(
        "opening the verifier's registry in {}",
        dir.display()
    )))
}

fn open_or_create_ca(config: &mut ServerConfig, now: UnixTime) -> Result<Ca, ServeError> {
    let dir = config.ca_dir();
    if !dir.join(dongpo_ca::CONFIG_FILE).exists() {
        refuse_second_ca(config, &dir)?;
        let profiles = dongpo_profiles::builtin().map_err(ServeError::other)?;
        init(
            &dir,
            InitOptions {
                key_algorithm: "p256",
                profiles: &profiles,
                passphrase: config.ca_passphrase.clone(),
                store: config.database_url.clone(),
                node: &config.node,
                at: now,
                pkcs11: None,
                key_dir: Some(ca_key_dir(&config.data_dir)),
                kek: None,
            },
        )
        .map_err(ServeError::step(format!(
            "creating the CA in {}",
            dir.display()
        )))?;
        tracing::warn!(
            dir = %dir.display(),
            "development mode: created a root CA and {} issuing CAs on first start; for production create the CA with `dongpo ca init` (keys in an HSM) and point data_dir at it",
            profiles.len()
        );
    }
    Ca::open_with(
        &dir,
        config.ca_passphrase.clone(),
        &Overrides {
            store: config.database_url.clone(),
            node: Some(config.node.clone()),
            read_only: false,
            accept_settings: None,
            default_key_dir: Some(config.key_dir()),
            keys_outside: Some(config.data_dir.clone()),
            kek: None,
            now: Some(now),
        },
    )
    .map_err(ServeError::step(format!(
        "opening the CA in {}",
        dir.display()
    )))
    .inspect(|ca| tracing::info!("keyring: {}", ca.keyring().describe()))
}

/// `ca.toml`'s `key_dir` for the CA a server creates in `DATA/ca`: `DATA.keys`, beside the
/// data directory (relative to the CA directory, so the pair can move together).
fn ca_key_dir(data: &Path) -> String {
    match data.file_name() {
        Some(name) => format!(
            "../../{}{}",
            name.to_string_lossy(),
            dongpo_ca::keyring::KEY_DIR_SUFFIX
        ),
        None => dongpo_ca::keyring::Keyring::default_dir(data)
            .display()
            .to_string(),
    }
}

fn receipt_key(path: &Path) -> Result<SigningKey, ServeError> {
    if path.exists() {
        let der = std::fs::read(path).map_err(|e| dongpo_ca::FileError::new(path, e))?;
        return SigningKey::from_pkcs8_der(&der).map_err(ServeError::step(path.display()));
    }
    let key = ReceiptSigner::generate().map_err(ServeError::other)?;
    let der = key.to_pkcs8_der().map_err(ServeError::other)?;
    write_new_private(path, &der)?;
    tracing::info!(path = %path.display(), "created the receipt-signing key");
    Ok(key)
}

/// The trust store from disk: `DATA/trust`, every `trust_dirs` entry and (`--dev`) the
/// testkit trust. A file that does not load (unparsable certificate or CRL) is refused
/// alone, with an error log line naming it, and the rest applies; the number refused is
/// set in `metrics` (`dongpo_trust_files_refused`).
///
/// # Errors
/// [`FileError`](dongpo_ca::FileError) naming a directory that cannot be read.
pub fn load_trust(
    config: &ServerConfig,
    metrics: &Metrics,
) -> Result<TrustStore, dongpo_ca::FileError> {
    let mut trust = TrustStore::new();
    let mut refused = load_trust_dir(&mut trust, &config.data_dir.join("trust"))?;
    for dir in &config.trust_dirs {
        refused += load_trust_dir(&mut trust, dir)?;
    }
    if config.dev {
        refused += load_trust_dir(&mut trust, &crate::dev::trust_dir(&config.data_dir))?;
    }
    metrics
        .trust_files_refused
        .set(i64::try_from(refused).unwrap_or(i64::MAX));
    if refused > 0 {
        tracing::error!(
            refused,
            "trust files refused (see the lines above): the rest of the trust store applies; fix or remove them"
        );
    }
    Ok(trust)
}

/// Trusts every CSCA certificate (`.der`, `.cer`, `.crt`, `.pem`) and CRL (`.crl`) in
/// `dir` (certificates first, so a CRL finds its CSCA); returns how many files were refused
/// (each logged as an error naming it).
///
/// # Errors
/// [`FileError`](dongpo_ca::FileError) naming the directory when it cannot be read.
pub fn load_trust_dir(trust: &mut TrustStore, dir: &Path) -> Result<usize, dongpo_ca::FileError> {
    if !dir.is_dir() {
        return Ok(0);
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| dongpo_ca::FileError::new(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    let extension = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
    };
    let mut refused = 0;
    for path in paths
        .iter()
        .filter(|p| matches!(extension(p).as_deref(), Some("der" | "cer" | "crt" | "pem")))
    {
        if let Err(e) = trust.add_csca_file(path) {
            refused += 1;
            tracing::error!(file = %path.display(), error = %e, "trust file refused: not a usable CSCA certificate");
        }
    }
    for path in paths
        .iter()
        .filter(|p| extension(p).as_deref() == Some("crl"))
    {
        if let Err(e) = trust.add_crl_file(path) {
            refused += 1;
            tracing::error!(file = %path.display(), error = %e, "trust file refused: not a usable CRL");
        }
    }
    Ok(refused)
}

/// Writes a new admin API key to `path` unless the file exists (an operator keeps it or
/// deletes it; deleting makes the next start write another).
fn bootstrap_admin_key(
    db: &mut dyn db::ServerDb,
    path: &Path,
    now: UnixTime,
) -> Result<(), ServeError> {
    if path.exists() {
        return Ok(());
    }
    let scopes = Scopes::parse(["admin"]).map_err(ServeError::Refused)?;
    let made = new_key("bootstrap admin", scopes).map_err(ServeError::other)?;
    db.insert_api_key(&made.stored, now)
        .map_err(ServeError::other)?;
    write_new_private(path, format!("{}\n", made.key).as_bytes())?;
    tracing::warn!(path = %path.display(), key_id = %made.stored.id, "wrote an admin API key (keep the file private; create narrower keys with POST /v1/api-keys)");
    Ok(())
}
