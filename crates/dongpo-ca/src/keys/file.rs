//! Software issuing keys at rest: PKCS#8 `EncryptedPrivateKeyInfo` (PBES2: scrypt +
//! AES-256-CBC) in a PEM `ENCRYPTED PRIVATE KEY` file that OpenSSL reads as is.
//!
//! Files are created owner-only (0600) under a temporary name and linked into place,
//! so a crash never leaves a half-written key and an existing key is never replaced.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use der::{Decode, Document};
use dongpo_crypto::SigningKey;
use pkcs8::pkcs5::pbes2::{self, Kdf};
use pkcs8::pkcs5::{EncryptionScheme, scrypt};
use pkcs8::{EncryptedPrivateKeyInfoRef, LineEnding, PrivateKeyInfoRef};

use super::{IssuerKeyError, Passphrase};

/// scrypt `N = 2^14`, `r = 8`, `p = 4` (16 MiB, four sequential passes): ~90 ms per
/// derivation measured on the development machine (optimised build; `p = 1` ~25 ms,
/// `p = 2` ~45 ms), inside the 50-200 ms budget that keeps guessing expensive and a CA
/// restart instant. OpenSSL 3 refuses scrypt needing more than 32 MiB (`N = 2^15, r = 8`
/// already fails with "memory limit exceeded"), so cost is added with `p`, not `N`.
pub const SCRYPT_LOG_N: u8 = 14;
/// scrypt block size `r`.
pub const SCRYPT_R: u32 = 8;
/// scrypt parallelism `p` (run sequentially here, so it multiplies the time).
pub const SCRYPT_P: u32 = 4;

/// Key files are a few KiB; a larger file is not a key.
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;
/// Refuse files whose KDF would take more than this much memory (1 GiB) to open:
/// the parameters come from the file, so a tampered file must not exhaust the CA host.
const MAX_SCRYPT_MEMORY: u128 = 1 << 30;
/// The same guard for PBKDF2 (RFC 8018 calls 10 million iterations the high end).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Writes `key` to `path` encrypted under `passphrase` (PBES2 with scrypt and
/// AES-256-CBC, fresh random salt and IV), as PEM `ENCRYPTED PRIVATE KEY`, mode 0600.
///
/// # Errors
/// [`IssuerKeyError::EmptyPassphrase`] for an empty passphrase,
/// [`IssuerKeyError::FileExists`] when `path` exists (a key is never overwritten),
/// [`IssuerKeyError::Encrypt`] when encryption fails, [`IssuerKeyError::Io`] when the
/// file cannot be written.
pub fn write_encrypted_pkcs8(
    path: &Path,
    key: &SigningKey,
    passphrase: &Passphrase,
) -> Result<(), IssuerKeyError> {
    if passphrase.is_empty() {
        return Err(IssuerKeyError::EmptyPassphrase {
            origin: format!("the caller writing {}", path.display()),
        });
    }
    if path.symlink_metadata().is_ok() {
        return Err(IssuerKeyError::FileExists {
            path: path.to_path_buf(),
        });
    }
    let pem = encrypt_to_pem(key, passphrase)?;
    write_new_file(path, pem.as_bytes())
}

/// Reads and decrypts a key written by [`write_encrypted_pkcs8`] or by
/// `openssl pkcs8 -topk8 -v2 aes-256-cbc` (PBES2 with scrypt or PBKDF2).
///
/// # Errors
/// [`IssuerKeyError::WrongPassphrase`] when decryption fails, [`IssuerKeyError::BadKeyFile`]
/// for a file that is not an encrypted PKCS#8 key dongpo supports (including unencrypted
/// keys, refused on purpose), [`IssuerKeyError::Io`] when it cannot be read.
pub fn read_encrypted_pkcs8(
    path: &Path,
    passphrase: &Passphrase,
) -> Result<SigningKey, IssuerKeyError> {
    let bad = |reason: String| IssuerKeyError::BadKeyFile {
        path: path.to_path_buf(),
        reason,
    };
    let len = fs::metadata(path).map_err(|e| io_error(path, &e))?.len();
    if len > MAX_KEY_FILE_LEN {
        return Err(bad(format!("{len} bytes is too large for a key file")));
    }
    let bytes = fs::read(path).map_err(|e| io_error(path, &e))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad("not a PEM text file".into()))?;
    let (label, doc) = Document::from_pem(text).map_err(|e| bad(format!("not PEM: {e}")))?;
    match label {
        "ENCRYPTED PRIVATE KEY" => {}
        "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
            return Err(bad(format!(
                "it holds an unencrypted key ({label}); issuing keys must be stored encrypted"
            )));
        }
        other => {
            return Err(bad(format!(
                "PEM label {other}, expected ENCRYPTED PRIVATE KEY"
            )));
        }
    }
    let info = EncryptedPrivateKeyInfoRef::from_der(doc.as_bytes())
        .map_err(|e| bad(format!("EncryptedPrivateKeyInfo: {e}")))?;
    check_scheme(&info.encryption_algorithm).map_err(bad)?;
    // Every decryption failure looks the same from here (bad padding, or garbage that
    // is not PKCS#8): by far the most likely cause is a wrong passphrase.
    let wrong = || IssuerKeyError::WrongPassphrase {
        path: path.to_path_buf(),
    };
    let plain = info.decrypt(passphrase.expose()).map_err(|_| wrong())?;
    PrivateKeyInfoRef::from_der(plain.as_bytes()).map_err(|_| wrong())?;
    SigningKey::from_pkcs8_der(plain.as_bytes())
        .map_err(|e| bad(format!("decrypted, but the key is unusable: {e}")))
}

fn encrypt_to_pem(
    key: &SigningKey,
    passphrase: &Passphrase,
) -> Result<zeroize::Zeroizing<String>, IssuerKeyError> {
    let fail = |e: &dyn std::fmt::Display| IssuerKeyError::Encrypt(e.to_string());
    let der = key.to_pkcs8_der().map_err(|e| fail(&e))?;
    let info = PrivateKeyInfoRef::from_der(&der).map_err(|e| fail(&e))?;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| fail(&e))?;
    getrandom::fill(&mut iv).map_err(|e| fail(&e))?;
    let cost = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P).map_err(|e| fail(&e))?;
    let params =
        pbes2::Parameters::generate_scrypt_aes256cbc(cost, &salt, iv).map_err(|e| fail(&e))?;
    let doc = info
        .encrypt_with_params(params, passphrase.expose())
        .map_err(|e| fail(&e))?;
    doc.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .map_err(|e| fail(&e))
}

/// Refuses schemes we cannot or should not run before spending any work on them.
fn check_scheme(scheme: &EncryptionScheme) -> Result<(), String> {
    let Some(params) = scheme.pbes2() else {
        return Err(format!(
            "legacy PBES1 encryption {} is not supported; re-encrypt with \
             `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
            scheme.oid()
        ));
    };
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => Err(format!(
            "PBKDF2 iteration count {} exceeds the limit of {MAX_PBKDF2_ITERATIONS}",
            p.iteration_count
        )),
        Kdf::Scrypt(s) => {
            let memory = 128 * u128::from(s.block_size) * u128::from(s.cost_parameter);
            if memory > MAX_SCRYPT_MEMORY || s.parallelization > 16 {
                Err(format!(
                    "scrypt N={} r={} p={} needs more than the 1 GiB / p<=16 allowed",
                    s.cost_parameter, s.block_size, s.parallelization
                ))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> IssuerKeyError {
    IssuerKeyError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes `bytes` to a fresh owner-only temporary file beside `path`, then links it to
/// `path`; the link fails if `path` appeared meanwhile, so nothing is ever replaced.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), IssuerKeyError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| IssuerKeyError::Io {
        path: path.to_path_buf(),
        reason: "no file name".into(),
    })?;
    let mut tag = [0u8; 8];
    getrandom::fill(&mut tag).map_err(|e| IssuerKeyError::Io {
        path: path.to_path_buf(),
        reason: format!("random temporary name: {e}"),
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        hex::encode(tag)
    ));
    let result = write_private(&tmp, bytes).and_then(|()| publish(&tmp, path));
    // After a successful link the temporary name is a second link to the same file.
    let _ = fs::remove_file(&tmp);
    result?;
    // Persist the directory entry too; some file systems cannot fsync a directory,
    // and the key is already safely written, so this is best effort.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_private(tmp: &Path, bytes: &[u8]) -> Result<(), IssuerKeyError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(tmp).map_err(|e| io_error(tmp, &e))?;
    file.write_all(bytes).map_err(|e| io_error(tmp, &e))?;
    file.sync_all().map_err(|e| io_error(tmp, &e))
}

fn publish(tmp: &Path, path: &Path) -> Result<(), IssuerKeyError> {
    match fs::hard_link(tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(IssuerKeyError::FileExists {
                path: path.to_path_buf(),
            })
        }
        // File systems without hard links: fall back to a checked rename.
        Err(_) if path.symlink_metadata().is_ok() => Err(IssuerKeyError::FileExists {
            path: path.to_path_buf(),
        }),
        Err(_) => fs::rename(tmp, path).map_err(|e| io_error(path, &e)),
    }
}
