//! `dongpo ca init`: a root CA, one issuing CA per profile, the store, the secrets and
//! `ca.toml` (written last, so a directory without it is an unfinished init).

use std::path::Path;

use dongpo_crypto::SigningKey;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Profile;

use crate::audit::{AuditChain, AuditEntry};
use crate::config::{CaConfig, CaEntry, KeyRef, PassphraseSource, Pkcs11Ref, key_spec};
use crate::files::{FileError, certificate_pem, write_new_private, write_public};
use crate::hierarchy::{issuing_ca_certificate, issuing_ca_request, root_certificate};
use crate::keyring::{Kek, KeyName, Keyring, KeyringError};
use crate::keys::file::write_encrypted_pkcs8;
use crate::keys::pkcs11::{Pkcs11Config, Pkcs11Key};
use crate::keys::{Passphrase, signature_algorithm_for};
use crate::subject::{Attribute, name};
use dongpo_crypto::Signer;

/// The config file name.
pub const CONFIG_FILE: &str = "ca.toml";
/// Default SQLite file.
pub const SQLITE_FILE: &str = "ca.sqlite";
/// Where earlier versions kept the audit HMAC key (moved into the keyring on open).
pub const AUDIT_KEY_FILE: &str = "secrets/audit.key";
/// Where earlier versions kept the registry HMAC key (moved into the keyring on open).
pub const REGISTRY_KEY_FILE: &str = "secrets/registry.key";
/// Where earlier versions kept a generated passphrase (moved into the keyring on open).
pub const PASSPHRASE_FILE: &str = "secrets/passphrase";
/// The environment variable read for the key passphrase.
pub const PASSPHRASE_ENV: &str = "DONGPO_CA_PASSPHRASE";

/// Why init failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The directory already holds a CA.
    #[error("{0} already holds a CA (ca.toml exists); refusing to overwrite it")]
    Exists(String),
    /// Unknown key algorithm.
    #[error("key algorithm '{0}' is not p256, p384 or rsa3072")]
    KeyAlgorithm(String),
    /// A file operation failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// Key generation, storage or signing failed: the error of the step that failed.
    #[error("{0}")]
    Key(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A profile's name cannot name an issuing CA.
    #[error("{0}")]
    Name(String),
    /// The store holds another CA (described in words).
    #[error("store: {0}")]
    Store(String),
    /// The store could not be opened, read or written.
    #[error("store: {0}")]
    StoreFailed(#[source] crate::store::StoreError),
    /// The keyring could not be created or written.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The external root given is not a usable CA certificate.
    #[error("external root: {0}")]
    ExternalRoot(String),
}

/// Where `dongpo ca init --external-root` writes the request of `profile`'s issuing CA.
#[must_use]
pub fn csr_file(profile: &str) -> String {
    format!("csr/{profile}.csr.pem")
}

/// The subject of `profile`'s issuing CA, generation `generation` (1 at init).
pub(crate) fn issuing_subject(
    profile: &Profile,
    generation: u32,
) -> Result<x509_cert::name::Name, crate::subject::NameError> {
    let cn = format!("{} Overseas Citizen CA {generation}", profile.institution);
    name(&[
        Attribute::Country("KR"),
        Attribute::Organization(&profile.institution),
        Attribute::CommonName(&cn),
    ])
}

/// PEM text of a DER PKCS#10 request.
#[must_use]
pub fn request_pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, der)
        .unwrap_or_default()
}

/// What `init` needs.
pub struct InitOptions<'a> {
    /// `p256`, `p384` or `rsa3072`.
    pub key_algorithm: &'a str,
    /// The profiles; one issuing CA is created for each.
    pub profiles: &'a [Profile],
    /// Passphrase for the key files; `None` generates one into `secrets/passphrase`.
    pub passphrase: Option<Passphrase>,
    /// Store location; `None` for `ca.sqlite` in the directory.
    pub store: Option<String>,
    /// Audit node id.
    pub node: &'a str,
    /// Creation time (notBefore of the CA certificates).
    pub at: UnixTime,
    /// Generate the CA keys in this PKCS#11 token instead of encrypted files.
    pub pkcs11: Option<Pkcs11Ref>,
    /// The key directory, as `ca.toml`'s `key_dir` (relative to the CA directory, or
    /// absolute); `None`: `<dir>.keys` beside the directory.
    pub key_dir: Option<String>,
    /// The key-encryption key wrapping the keyring's keys; `None`: the environment's
    /// (`DONGPO_KEK`, `DONGPO_KEK_FILE`), if any.
    pub kek: Option<Kek>,
}

fn key_error(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> InitError {
    InitError::Key(e.into())
}

/// Creates a CA directory.
///
/// # Errors
/// [`InitError`] saying what failed; an existing CA is never touched.
pub fn init(dir: &Path, options: InitOptions<'_>) -> Result<CaConfig, InitError> {
    init_with(dir, options, None)
}

/// Creates a CA directory under an external root (a bank's own root, whose key this CA
/// never holds): the issuing CA keys and, per profile, a PKCS#10 request
/// `csr/<profile>.csr.pem` for that root to sign; `root` (PEM or DER) is kept as
/// `certs/root.pem`. No root key is made, and no issuing CA is usable until `dongpo ca
/// install-issuing` installs its certificate ([`crate::Ca::install_issuing`]).
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use dongpo_ca::{InitOptions, init_external_root};
/// use dongpo_pki::time::UnixTime;
/// let profiles = dongpo_profiles::builtin()?;
/// let root = std::fs::read("bank-root.pem")?;
/// let config = init_external_root(
///     std::path::Path::new("ca"),
///     InitOptions {
///         key_algorithm: "p256",
///         profiles: &profiles,
///         passphrase: None,
///         store: None,
///         node: "node-1",
///         at: UnixTime(1_795_000_000),
///         pkcs11: None,
///         key_dir: None,
///         kek: None,
///     },
///     &root,
/// )?;
/// assert!(config.external_root());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`InitError`]; [`InitError::ExternalRoot`] when `root` is no CA certificate.
pub fn init_external_root(
    dir: &Path,
    options: InitOptions<'_>,
    root: &[u8],
) -> Result<CaConfig, InitError> {
    let root = dongpo_pki::Cert::parse(root).map_err(|e| InitError::ExternalRoot(e.to_string()))?;
    if !root.can_certify() {
        return Err(InitError::ExternalRoot(format!(
            "{} is not a CA certificate (basicConstraints cA and keyUsage keyCertSign are both needed)",
            root.subject()
        )));
    }
    init_with(dir, options, Some(&root))
}

fn init_with(
    dir: &Path,
    options: InitOptions<'_>,
    external_root: Option<&dongpo_pki::Cert>,
) -> Result<CaConfig, InitError> {
    let config_path = dir.join(CONFIG_FILE);
    if config_path.exists() {
        return Err(InitError::Exists(dir.display().to_string()));
    }
    let spec = key_spec(options.key_algorithm)
        .ok_or_else(|| InitError::KeyAlgorithm(options.key_algorithm.into()))?;
    // Checked before anything is written: issuing CAs are named after their profiles.
    for profile in options.profiles {
        if let Some(problem) = crate::config::issuer_name_problem(&profile.name) {
            return Err(InitError::Name(problem));
        }
    }
    if let Some(problem) = options
        .key_dir
        .as_deref()
        .and_then(|key_dir| crate::config::key_dir_problem(dir, key_dir))
    {
        return Err(InitError::Name(problem));
    }
    // Owner-only: the directory holds the store (the registry), keys and secrets.
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    let subdirs: &[&str] = if external_root.is_some() {
        &["keys", "certs", "csr"]
    } else {
        &["keys", "certs"]
    };
    for sub in subdirs {
        builder
            .create(dir.join(sub))
            .map_err(|e| FileError::new(&dir.join(sub), e))?;
    }
    // The store first: one that already holds a CA is refused before any key is made or
    // anything written into it (a second CA's audit record would break the first's chain).
    let store_location = options.store.clone().unwrap_or_else(|| SQLITE_FILE.into());
    let mut store =
        crate::store::open(&resolve_store(dir, &store_location)).map_err(InitError::StoreFailed)?;
    if store.holds_history().map_err(InitError::StoreFailed)? {
        return Err(InitError::Store(format!(
            "{} already holds a CA (audit records or pins): a store holds one CA; to add a \
             node to it, copy the first node's CA directory (docs/operators.md, several nodes)",
            crate::store::redacted_location(&store_location)
        )));
    }
    // The keyring outside the directory: a copy of the directory alone recovers nothing.
    let kek = match options.kek {
        Some(kek) => Some(kek),
        None => Kek::from_process_env()?,
    };
    let keyring = Keyring::new(
        crate::keyring::resolve_dir(dir, options.key_dir.as_deref()),
        kek,
    );
    keyring.create_dir()?;
    let source = PassphraseSource {
        env: Some(PASSPHRASE_ENV.into()),
        file: None,
    };
    let passphrase = match options.passphrase {
        Some(p) => p,
        None => {
            let mut random = [0u8; 24];
            getrandom::fill(&mut random).map_err(key_error)?;
            let text = zeroize::Zeroizing::new(hex::encode(random));
            keyring.put(KeyName::Passphrase, text.as_bytes())?;
            Passphrase::new(text.as_bytes().to_vec())
        }
    };

    // Each CA key is made where it will live: an encrypted file, or the token.
    let new_key = |label: &str| -> Result<(Box<dyn Signer>, KeyRef), InitError> {
        let token = options.pkcs11.as_ref().map(|token| Pkcs11Ref {
            key_label: format!("{}-{label}", token.key_label),
            ..token.clone()
        });
        new_ca_key(dir, label, spec, token, &passphrase)
    };
    let algorithm_of = |key: &dyn Signer| {
        signature_algorithm_for(key.public_key())
            .ok_or_else(|| key_error("no signature algorithm for the CA key"))
    };

    // The root: made here, or the external root as given (its key stays with its owner).
    let root = match external_root {
        Some(cert) => {
            write_public(
                &dir.join("certs/root.pem"),
                certificate_pem(&cert.der).as_bytes(),
            )?;
            None
        }
        None => {
            let (root_key, root_key_ref) = new_key("root")?;
            let root_algorithm = algorithm_of(root_key.as_ref())?;
            let root_subject = name(&[
                Attribute::Country("KR"),
                Attribute::Organization("dongpo"),
                Attribute::CommonName("dongpo Overseas Citizen Root CA"),
            ])
            .map_err(key_error)?;
            let root_der =
                root_certificate(root_key.as_ref(), root_algorithm, &root_subject, options.at)
                    .map_err(key_error)?;
            write_public(
                &dir.join("certs/root.pem"),
                certificate_pem(&root_der).as_bytes(),
            )?;
            Some((root_key, root_key_ref, root_algorithm, root_subject))
        }
    };

    let mut issuers = Vec::new();
    for profile in options.profiles {
        let (key, key_ref) = new_key(&profile.name)?;
        let subject = issuing_subject(profile, 1).map_err(key_error)?;
        let cert_rel = format!("certs/{}.pem", profile.name);
        let csr = match &root {
            Some((root_key, _, root_algorithm, root_subject)) => {
                let der = issuing_ca_certificate(
                    root_key.as_ref(),
                    *root_algorithm,
                    root_subject,
                    &subject,
                    key.public_key(),
                    &[profile.policy_oid],
                    options.at,
                )
                .map_err(key_error)?;
                write_public(&dir.join(&cert_rel), certificate_pem(&der).as_bytes())?;
                None
            }
            None => {
                let algorithm = algorithm_of(key.as_ref())?;
                let der =
                    issuing_ca_request(key.as_ref(), algorithm, &subject).map_err(key_error)?;
                let csr_rel = csr_file(&profile.name);
                write_public(&dir.join(&csr_rel), request_pem(&der).as_bytes())?;
                Some(csr_rel)
            }
        };
        issuers.push(CaEntry {
            name: profile.name.clone(),
            cert: cert_rel,
            key: Some(key_ref),
            profiles: vec![profile.name.clone()],
            csr,
            retired: false,
        });
    }

    let audit_key = keyring.create(KeyName::Audit)?;
    keyring.create(KeyName::Registry)?;
    keyring.create(KeyName::RegistrySeal)?;
    let tail = store
        .audit_tail(options.node)
        .map_err(InitError::StoreFailed)?;
    let mut chain = AuditChain::resume(&audit_key, options.node, tail.as_ref());
    let records = chain.draft(&[AuditEntry {
        at: options.at,
        kind: "ca.initialized".into(),
        body: serde_json::json!({
            "key_algorithm": options.key_algorithm,
            "external_root": external_root.is_some(),
            "issuers": issuers.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
        })
        .to_string(),
    }]);
    store
        .append_audit(&records)
        .map_err(InitError::StoreFailed)?;
    chain.confirm(&records);

    let config = CaConfig {
        node: options.node.into(),
        store: store_location,
        key_algorithm: options.key_algorithm.into(),
        crl_partitions: 4,
        profiles_dir: None,
        max_report_age: 600,
        access_retention_days: None,
        passphrase: source,
        key_dir: options.key_dir.clone(),
        root: CaEntry {
            name: "root".into(),
            cert: "certs/root.pem".into(),
            key: root.map(|(_, key_ref, _, _)| key_ref),
            profiles: Vec::new(),
            csr: None,
            retired: false,
        },
        issuers,
    };
    let text = config.to_toml().map_err(key_error)?;
    write_new_private(&config_path, text.as_bytes())?;
    Ok(config)
}

/// A new CA key where it will live: the encrypted file `keys/<label>.p8` under
/// `passphrase`, or, with `token`, generated in that PKCS#11 token under its label.
pub(crate) fn new_ca_key(
    dir: &Path,
    label: &str,
    spec: dongpo_crypto::KeySpec,
    token: Option<Pkcs11Ref>,
    passphrase: &Passphrase,
) -> Result<(Box<dyn Signer>, KeyRef), InitError> {
    match token {
        None => {
            let key = SigningKey::generate(spec).map_err(key_error)?;
            let rel = format!("keys/{label}.p8");
            write_encrypted_pkcs8(&dir.join(&rel), &key, passphrase).map_err(key_error)?;
            Ok((Box::new(key), KeyRef::File(rel)))
        }
        Some(reference) => {
            let config = Pkcs11Config {
                module: reference.module.clone().into(),
                token_label: reference.token.clone(),
                pin: Passphrase::from_env(&reference.pin_env).map_err(key_error)?,
                key_label: reference.key_label.clone(),
            };
            let key = Pkcs11Key::generate(&config, spec).map_err(key_error)?;
            Ok((Box::new(key), KeyRef::Pkcs11(reference)))
        }
    }
}

/// A store location from `ca.toml`: URLs as given, file paths relative to the directory.
#[must_use]
pub fn resolve_store(dir: &Path, location: &str) -> String {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        location.to_owned()
    } else {
        dir.join(location).display().to_string()
    }
}
