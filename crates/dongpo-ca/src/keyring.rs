//! The keyring: the CA's symmetric secrets, kept outside the data directory so that a copy
//! of the data directory (or of the database) alone recovers nothing.
//!
//! It holds the registry's RRN-HMAC key (the lookup key), the registry sealing key (which
//! wraps the registry's data keys stored in the database, [`crate::registry_seal`]), the
//! audit-chain key, the document-fingerprint key of the server and a generated key-file
//! passphrase. They live in a key directory, by default `<CA directory>.keys/` beside the CA
//! directory (mode 0700, files 0600), one file per key. With a key-encryption key (KEK) from
//! `DONGPO_KEK` or `DONGPO_KEK_FILE`, every file holds its key wrapped
//! (AES-256-GCM under the KEK, the key's name as associated data), so the key directory
//! alone recovers nothing either.
//!
//! Earlier versions kept these keys as plain files in the data directory
//! (`secrets/registry.key`, `secrets/audit.key`, `secrets/passphrase`,
//! `server/document-fingerprint.key`): [`Keyring::adopt`] moves each into the keyring on
//! first open and deletes it from the data directory.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64ct::Encoding as _;
use zeroize::Zeroizing;

use crate::files::{FileError, write_new_private};

/// The environment variable holding a key-encryption key (64 hex digits or base64 of 32
/// octets).
pub const KEK_ENV: &str = "DONGPO_KEK";
/// The environment variable naming a file holding a key-encryption key (as [`KEK_ENV`]).
pub const KEK_FILE_ENV: &str = "DONGPO_KEK_FILE";
/// Appended to a data (CA) directory's path to name its default key directory.
pub const KEY_DIR_SUFFIX: &str = ".keys";

/// First word of a wrapped key file.
const WRAPPED_TAG: &str = "dongpo-wrapped-v1";

/// A key the keyring holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyName {
    /// The HMAC key of registry identifiers (HMAC of the RRN).
    Registry,
    /// The key wrapping the registry's data keys.
    RegistrySeal,
    /// The HMAC key of the audit chain.
    Audit,
    /// The server's document-fingerprint HMAC key.
    DocumentFingerprint,
    /// A key-file passphrase `dongpo ca init` generated.
    Passphrase,
}

impl KeyName {
    /// Its file name in the key directory (also its name in messages).
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            KeyName::Registry => "registry.key",
            KeyName::RegistrySeal => "registry-seal.key",
            KeyName::Audit => "audit.key",
            KeyName::DocumentFingerprint => "document-fingerprint.key",
            KeyName::Passphrase => "passphrase",
        }
    }
}

impl std::fmt::Display for KeyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why the keyring could not give or keep a key. Messages name the key and where it was
/// looked for, never a key's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The key is not in the key directory (a data directory copied without its keys).
    #[error(
        "key {key} is missing from the keyring {}: the data directory alone opens nothing; \
         restore the key directory (docs/operators.md, keys)",
        .dir.display()
    )]
    Missing {
        /// Which key.
        key: KeyName,
        /// The key directory.
        dir: PathBuf,
    },
    /// The key is wrapped and no key-encryption key is given.
    #[error(
        "key {key} in {} is wrapped under a key-encryption key: set {KEK_ENV} or \
         {KEK_FILE_ENV}",
        .dir.display()
    )]
    NeedsKek {
        /// Which key.
        key: KeyName,
        /// The key directory.
        dir: PathBuf,
    },
    /// The key does not unwrap under the key-encryption key given.
    #[error("key {key} in {} does not unwrap under the key-encryption key from {kek} (wrong key-encryption key, or the file was altered)", .dir.display())]
    WrongKek {
        /// Which key.
        key: KeyName,
        /// The key directory.
        dir: PathBuf,
        /// Where the key-encryption key came from.
        kek: String,
    },
    /// The key-encryption key could not be read or is malformed.
    #[error("key-encryption key from {origin}: {reason}")]
    BadKek {
        /// Where it came from.
        origin: String,
        /// What was wrong (never the value).
        reason: String,
    },
    /// A key file of the data directory differs from the keyring's key of the same name.
    #[error(
        "{} differs from key {key} in the keyring {}: remove the one that is not this CA's",
        .legacy.display(), .dir.display()
    )]
    Conflict {
        /// Which key.
        key: KeyName,
        /// The old file in the data directory.
        legacy: PathBuf,
        /// The key directory.
        dir: PathBuf,
    },
    /// A key file is malformed (not hex, not a wrapped key).
    #[error("{}: {reason}", .path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: &'static str,
    },
    /// Reading or writing a file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// Wrapping a key failed (the OS random generator).
    #[error("wrapping a key failed: {0}")]
    Wrap(String),
}

/// How keys are wrapped: by the holder of the key-encryption key.
trait Wrapper: Send + Sync {
    fn wrap(&self, label: &[u8], plain: &[u8]) -> Result<Vec<u8>, String>;
    fn unwrap(&self, label: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// A key-encryption key held in memory (from the environment or a file).
struct MemoryKek(Zeroizing<[u8; 32]>);

impl Wrapper for MemoryKek {
    fn wrap(&self, label: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
        seal(&self.0, label, plain).ok_or_else(|| "AES-GCM failed".to_owned())
    }
    fn unwrap(&self, label: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open(&self.0, label, wrapped)
    }
}

/// AES-256-GCM of `plain` under `key` with `aad`: nonce (12 random octets) || ciphertext
/// || tag. `None` when the OS random generator fails.
pub(crate) fn seal(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Option<Vec<u8>> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).ok()?;
    let cipher = Aes256Gcm::new(&(*key).into());
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .ok()?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Some(out)
}

/// Opens what [`seal`] made; `None` when it does not authenticate.
pub(crate) fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let (nonce, body) = sealed.split_at_checked(12)?;
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let cipher = Aes256Gcm::new(&(*key).into());
    cipher
        .decrypt(&Nonce::from(nonce), Payload { msg: body, aad })
        .ok()
        .map(Zeroizing::new)
}

/// A key-encryption key and where it came from.
#[derive(Clone)]
pub struct Kek {
    wrapper: std::sync::Arc<dyn Wrapper>,
    origin: String,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek(from {})", self.origin)
    }
}

impl Kek {
    /// A key-encryption key of 32 octets; `origin` names its source in messages.
    #[must_use]
    pub fn new(key: [u8; 32], origin: &str) -> Self {
        Kek {
            wrapper: std::sync::Arc::new(MemoryKek(Zeroizing::new(key))),
            origin: origin.to_owned(),
        }
    }

    /// Parses 64 hex digits or the base64 of 32 octets (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`KeyringError::BadKek`] naming `origin`, never the text.
    pub fn parse(text: &str, origin: &str) -> Result<Self, KeyringError> {
        let text = Zeroizing::new(text.trim().to_owned());
        let bytes = Zeroizing::new(if text.len() == 64 {
            hex::decode(text.as_bytes()).ok()
        } else {
            base64ct::Base64::decode_vec(&text).ok()
        });
        let key: [u8; 32] = bytes
            .as_deref()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| KeyringError::BadKek {
                origin: origin.to_owned(),
                reason: "not 64 hex digits or the base64 of 32 octets".into(),
            })?;
        Ok(Kek::new(key, origin))
    }

    /// The key-encryption key the environment gives: [`KEK_ENV`], else the file
    /// [`KEK_FILE_ENV`] names, else none. `env` reads a variable (`std::env::var` in
    /// production, a map in tests).
    ///
    /// # Errors
    /// [`KeyringError::BadKek`] when one is given but unreadable or malformed.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Self>, KeyringError> {
        if let Some(text) = env(KEK_ENV).map(Zeroizing::new) {
            return Kek::parse(&text, KEK_ENV).map(Some);
        }
        if let Some(path) = env(KEK_FILE_ENV) {
            let origin = format!("{KEK_FILE_ENV} ({path})");
            let text = std::fs::read_to_string(&path)
                .map(Zeroizing::new)
                .map_err(|e| KeyringError::BadKek {
                    origin: origin.clone(),
                    reason: e.to_string(),
                })?;
            return Kek::parse(&text, &origin).map(Some);
        }
        Ok(None)
    }

    /// The key-encryption key of the process environment, as [`Kek::from_env`].
    ///
    /// # Errors
    /// As [`Kek::from_env`].
    pub fn from_process_env() -> Result<Option<Self>, KeyringError> {
        Kek::from_env(&|name| std::env::var(name).ok())
    }

    /// Where it came from.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The key directory and, when one is given, the key-encryption key wrapping its keys.
#[derive(Debug)]
pub struct Keyring {
    dir: PathBuf,
    kek: Option<Kek>,
}

/// The associated data binding a wrapped key to its name.
fn label(key: KeyName) -> Vec<u8> {
    format!("dongpo keyring v1\0{}", key.file_name()).into_bytes()
}

/// The key directory of a CA directory: `key_dir` of `ca.toml` (relative to the CA
/// directory, or absolute), else `<dir>.keys` beside it.
#[must_use]
pub fn resolve_dir(ca_dir: &Path, key_dir: Option<&str>) -> PathBuf {
    match key_dir {
        Some(k) => ca_dir.join(k),
        None => Keyring::default_dir(ca_dir),
    }
}

impl Keyring {
    /// The default key directory of a data (CA) directory: `<dir>.keys`, beside it.
    #[must_use]
    pub fn default_dir(data_dir: &Path) -> PathBuf {
        let mut name = data_dir.as_os_str().to_owned();
        name.push(KEY_DIR_SUFFIX);
        PathBuf::from(name)
    }

    /// The keyring in `dir` (nothing is read or created yet).
    #[must_use]
    pub fn new(dir: PathBuf, kek: Option<Kek>) -> Self {
        Keyring { dir, kek }
    }

    /// The key directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// One line for an operator: where the keys are and how they are kept (no secret).
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.kek {
            Some(kek) => format!(
                "keys in {}, wrapped under the key-encryption key from {}",
                self.dir.display(),
                kek.origin
            ),
            None => format!(
                "keys in {} (not wrapped: set {KEK_ENV} or {KEK_FILE_ENV} to wrap them), outside the data directory",
                self.dir.display()
            ),
        }
    }

    /// Creates the key directory owner-only (0700) if missing.
    ///
    /// # Errors
    /// [`KeyringError::File`].
    pub fn create_dir(&self) -> Result<(), KeyringError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(|e| FileError::new(&self.dir, e))?;
        Ok(())
    }

    fn path(&self, key: KeyName) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// Whether the keyring holds `key`.
    #[must_use]
    pub fn holds(&self, key: KeyName) -> bool {
        self.path(key).is_file()
    }

    /// The octets of `key`. A key kept unwrapped while a key-encryption key is given is
    /// wrapped in place first (so, once a KEK is set, the directory holds only wrapped keys).
    ///
    /// # Errors
    /// [`KeyringError::Missing`], [`KeyringError::NeedsKek`], [`KeyringError::WrongKek`],
    /// [`KeyringError::Malformed`], [`KeyringError::File`].
    pub fn get(&self, key: KeyName) -> Result<Zeroizing<Vec<u8>>, KeyringError> {
        let path = self.path(key);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyringError::Missing {
                    key,
                    dir: self.dir.clone(),
                });
            }
            Err(e) => return Err(FileError::new(&path, e).into()),
        };
        let malformed = |reason| KeyringError::Malformed {
            path: path.clone(),
            reason,
        };
        match text.trim().split_once(' ') {
            Some((WRAPPED_TAG, body)) => {
                let wrapped = base64ct::Base64::decode_vec(body)
                    .map_err(|_| malformed("wrapped key is not base64"))?;
                let kek = self.kek.as_ref().ok_or_else(|| KeyringError::NeedsKek {
                    key,
                    dir: self.dir.clone(),
                })?;
                kek.wrapper
                    .unwrap(&label(key), &wrapped)
                    .ok_or_else(|| KeyringError::WrongKek {
                        key,
                        dir: self.dir.clone(),
                        kek: kek.origin.clone(),
                    })
            }
            Some(_) => Err(malformed("not a key file of the keyring")),
            None => {
                let plain = Zeroizing::new(
                    hex::decode(text.trim()).map_err(|_| malformed("key is not hex"))?,
                );
                if self.kek.is_some() {
                    self.replace(key, &plain)?;
                }
                Ok(plain)
            }
        }
    }

    /// `key` as 32 octets.
    ///
    /// # Errors
    /// As [`Keyring::get`]; [`KeyringError::Malformed`] when it is not 32 octets.
    pub fn key32(&self, key: KeyName) -> Result<Zeroizing<[u8; 32]>, KeyringError> {
        let bytes = self.get(key)?;
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| KeyringError::Malformed {
                path: self.path(key),
                reason: "not 32 octets",
            })?;
        Ok(Zeroizing::new(array))
    }

    /// The file text of `plain` as kept: wrapped when a KEK is given, else hex.
    fn encode(&self, key: KeyName, plain: &[u8]) -> Result<Zeroizing<String>, KeyringError> {
        Ok(Zeroizing::new(match &self.kek {
            Some(kek) => {
                let wrapped = kek
                    .wrapper
                    .wrap(&label(key), plain)
                    .map_err(KeyringError::Wrap)?;
                format!(
                    "{WRAPPED_TAG} {}\n",
                    base64ct::Base64::encode_string(&wrapped)
                )
            }
            None => format!("{}\n", hex::encode(plain)),
        }))
    }

    /// Stores a new key; refuses to replace one.
    ///
    /// # Errors
    /// [`KeyringError::File`] (also when it exists).
    pub fn put(&self, key: KeyName, plain: &[u8]) -> Result<(), KeyringError> {
        self.create_dir()?;
        let text = self.encode(key, plain)?;
        write_new_private(&self.path(key), text.as_bytes())?;
        sync_dir(&self.dir);
        Ok(())
    }

    /// Replaces a key's file atomically (a temporary file renamed over it).
    fn replace(&self, key: KeyName, plain: &[u8]) -> Result<(), KeyringError> {
        let text = self.encode(key, plain)?;
        crate::files::replace_private(&self.path(key), text.as_bytes())?;
        sync_dir(&self.dir);
        Ok(())
    }

    /// A new random 32-octet key stored as `key`.
    ///
    /// # Errors
    /// As [`Keyring::put`]; [`KeyringError::File`] when the OS random generator fails.
    pub fn create(&self, key: KeyName) -> Result<Zeroizing<[u8; 32]>, KeyringError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut_slice()).map_err(|e| FileError::new(&self.path(key), e))?;
        self.put(key, secret.as_slice())?;
        Ok(secret)
    }

    /// `key`, created when the keyring lacks it.
    ///
    /// # Errors
    /// As [`Keyring::key32`] and [`Keyring::create`].
    pub fn key32_or_create(&self, key: KeyName) -> Result<Zeroizing<[u8; 32]>, KeyringError> {
        if self.holds(key) {
            self.key32(key)
        } else {
            self.create(key)
        }
    }

    /// Moves the key file `legacy` of an earlier version's data directory (hex, or for
    /// [`KeyName::Passphrase`] the passphrase text) into the keyring as `key`, then deletes
    /// it. A legacy file equal to the keyring's key is just deleted. Whether one was moved.
    ///
    /// # Errors
    /// [`KeyringError::Conflict`] when both exist and differ; the file errors.
    pub fn adopt(&self, key: KeyName, legacy: &Path) -> Result<bool, KeyringError> {
        let text = match std::fs::read_to_string(legacy) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(FileError::new(legacy, e).into()),
        };
        let plain = Zeroizing::new(if key == KeyName::Passphrase {
            text.trim_end_matches(['\r', '\n']).as_bytes().to_vec()
        } else {
            hex::decode(text.trim()).map_err(|_| KeyringError::Malformed {
                path: legacy.to_path_buf(),
                reason: "key is not hex",
            })?
        });
        if self.holds(key) {
            if self.get(key)?.as_slice() != plain.as_slice() {
                return Err(KeyringError::Conflict {
                    key,
                    legacy: legacy.to_path_buf(),
                    dir: self.dir.clone(),
                });
            }
        } else {
            self.put(key, &plain)?;
        }
        // Only once the keyring's copy is durable.
        std::fs::remove_file(legacy).map_err(|e| FileError::new(legacy, e))?;
        if let Some(parent) = legacy.parent() {
            sync_dir(parent);
        }
        Ok(true)
    }
}

/// Makes a directory's entries (a new or removed file) durable; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dongpo-keyring-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn kek_parses_hex_and_base64_and_names_its_origin_not_its_value() {
        let hex_text = "11".repeat(32);
        assert_eq!(Kek::parse(&hex_text, "t").unwrap().origin(), "t");
        let b64 = base64ct::Base64::encode_string(&[0x22; 32]);
        Kek::parse(&format!(" {b64}\n"), "t").unwrap();
        let err = Kek::parse("abcd", KEK_ENV).unwrap_err().to_string();
        assert!(err.contains(KEK_ENV) && !err.contains("abcd"), "{err}");
        let env = |name: &str| (name == KEK_FILE_ENV).then(|| "/nonexistent/kek".to_owned());
        assert!(matches!(
            Kek::from_env(&env),
            Err(KeyringError::BadKek { .. })
        ));
        assert!(Kek::from_env(&|_| None).unwrap().is_none());
    }

    #[test]
    fn wrapped_keys_need_the_same_kek_and_their_own_name() {
        let dir = temp("wrap");
        let ring = Keyring::new(dir.clone(), Some(Kek::new([7; 32], "test")));
        let audit = ring.create(KeyName::Audit).unwrap();
        let text = std::fs::read_to_string(dir.join("audit.key")).unwrap();
        assert!(text.starts_with(WRAPPED_TAG), "{text}");
        assert!(!text.contains(&hex::encode(audit.as_slice())));
        assert_eq!(ring.key32(KeyName::Audit).unwrap(), audit);

        let bare = Keyring::new(dir.clone(), None);
        assert!(matches!(
            bare.get(KeyName::Audit),
            Err(KeyringError::NeedsKek {
                key: KeyName::Audit,
                ..
            })
        ));
        let other = Keyring::new(dir.clone(), Some(Kek::new([8; 32], "other")));
        assert!(matches!(
            other.get(KeyName::Audit),
            Err(KeyringError::WrongKek { .. })
        ));
        // A wrapped key moved to another name does not unwrap.
        std::fs::copy(dir.join("audit.key"), dir.join("registry.key")).unwrap();
        assert!(matches!(
            ring.get(KeyName::Registry),
            Err(KeyringError::WrongKek { .. })
        ));
        assert!(matches!(
            ring.get(KeyName::RegistrySeal),
            Err(KeyringError::Missing {
                key: KeyName::RegistrySeal,
                ..
            })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn plain_keys_are_wrapped_once_a_kek_is_given_and_legacy_files_move_in() {
        let dir = temp("adopt");
        let data = temp("adopt-data");
        std::fs::create_dir_all(&data).unwrap();
        let legacy = data.join("registry.key");
        std::fs::write(&legacy, format!("{}\n", "ab".repeat(32))).unwrap();
        let plain = Keyring::new(dir.clone(), None);
        assert!(plain.adopt(KeyName::Registry, &legacy).unwrap());
        assert!(!legacy.exists());
        assert!(!plain.adopt(KeyName::Registry, &legacy).unwrap());
        std::fs::write(&legacy, format!("{}\n", "cd".repeat(32))).unwrap();
        assert!(matches!(
            plain.adopt(KeyName::Registry, &legacy),
            Err(KeyringError::Conflict { .. })
        ));
        assert!(
            legacy.exists(),
            "a conflicting file is kept for the operator"
        );

        let wrapped = Keyring::new(dir.clone(), Some(Kek::new([1; 32], "test")));
        assert_eq!(
            wrapped.key32(KeyName::Registry).unwrap().as_slice(),
            &[0xab; 32]
        );
        let text = std::fs::read_to_string(dir.join("registry.key")).unwrap();
        assert!(text.starts_with(WRAPPED_TAG) && !text.contains(&"ab".repeat(32)));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&data);
    }
}
