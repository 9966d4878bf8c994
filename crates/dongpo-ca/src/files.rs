//! Files of a CA directory: secrets written once with owner-only permissions, and PEM.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file could not be read or written: the path, and what went wrong with it (kept as
/// the error's source).
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", .path.display())]
pub struct FileError {
    /// The path.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub problem: FileProblem,
}

/// What went wrong with a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileProblem {
    /// Reading, writing or creating it failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A certificate in it does not decode or encode.
    #[error(transparent)]
    Der(#[from] der::Error),
    /// No randomness for a new secret.
    #[error(transparent)]
    Random(#[from] getrandom::Error),
    /// Its content is not what it must be (described).
    #[error("{0}")]
    Invalid(&'static str),
}

impl From<&'static str> for FileProblem {
    fn from(why: &'static str) -> Self {
        FileProblem::Invalid(why)
    }
}

impl FileError {
    /// An error about `path`.
    pub fn new(path: &Path, problem: impl Into<FileProblem>) -> Self {
        FileError {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

/// Writes a new file readable by the owner only; refuses to replace an existing one, and
/// syncs it so a crash right after leaves it complete or absent.
///
/// # Errors
/// [`FileError`].
pub fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| FileError::new(path, e))?;
    file.write_all(bytes).map_err(|e| FileError::new(path, e))?;
    file.sync_all().map_err(|e| FileError::new(path, e))
}

/// Replaces a file readable by the owner only, atomically (a new temporary file, synced,
/// renamed over it), so a crash leaves the old text or the new, never a mix.
///
/// # Errors
/// [`FileError`].
pub fn replace_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    write_new_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path).map_err(|e| FileError::new(path, e))
}

/// Writes a public file (replacing it atomically through a temporary file).
///
/// # Errors
/// [`FileError`].
pub fn write_public(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| FileError::new(&tmp, e))?;
    file.write_all(bytes).map_err(|e| FileError::new(&tmp, e))?;
    file.sync_all().map_err(|e| FileError::new(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| FileError::new(path, e))
}

/// Reads a 32-octet secret stored as hex.
///
/// # Errors
/// [`FileError`] when unreadable or not 64 hex digits.
pub fn read_secret(path: &Path) -> Result<[u8; 32], FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError::new(path, e))?;
    let bytes = hex::decode(text.trim()).map_err(|_| FileError::new(path, "not hex"))?;
    bytes
        .try_into()
        .map_err(|_| FileError::new(path, "not 32 octets (64 hex digits)"))
}

/// Creates a new random 32-octet secret file.
///
/// # Errors
/// [`FileError`].
pub fn create_secret(path: &Path) -> Result<[u8; 32], FileError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| FileError::new(path, e))?;
    write_new_private(path, format!("{}\n", hex::encode(secret)).as_bytes())?;
    Ok(secret)
}

/// PEM text of a certificate.
#[must_use]
#[allow(clippy::expect_used)]
pub fn certificate_pem(der: &[u8]) -> String {
    // Invariant: PEM encoding fails only when the Base64 length overflows `usize`, which no
    // slice held in memory reaches. An empty string instead would hand a subscriber (or a
    // CA file) no certificate without saying so.
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .expect("PEM-encoding an in-memory DER slice cannot overflow")
}

/// Reads the certificates of a PEM (or single DER) file, in order.
///
/// # Errors
/// [`FileError`] when unreadable or not certificates.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::new(path, e))?;
    if bytes.starts_with(b"-----") {
        let certs =
            x509_cert::Certificate::load_pem_chain(&bytes).map_err(|e| FileError::new(path, e))?;
        certs
            .iter()
            .map(|c| der::Encode::to_der(c).map_err(|e| FileError::new(path, e)))
            .collect()
    } else {
        Ok(vec![bytes])
    }
}
