//! Secrets that unlock keys: the passphrase of a PKCS#8 file or the user PIN of a token.

use std::path::Path;

use zeroize::Zeroizing;

use super::IssuerKeyError;

/// A passphrase or PIN, wiped from memory when dropped and never printed.
///
/// Operators hand it over in an environment variable or a file (for systemd
/// credentials or a tmpfs mount), never on a command line where `ps` would show it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<Vec<u8>>);

/// Passphrase files are a line or two; anything larger is the wrong file.
const MAX_FILE_LEN: u64 = 4096;

impl Passphrase {
    /// Wraps `bytes` as given. An empty passphrase is accepted here (a token may have
    /// no PIN) but refused by [`crate::keys::file::write_encrypted_pkcs8`], where it
    /// would leave a key unprotected.
    #[must_use]
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Passphrase(Zeroizing::new(bytes.into()))
    }

    /// Reads the passphrase from environment variable `var` (taken as is, no trimming).
    ///
    /// # Errors
    /// [`IssuerKeyError::PassphraseEnvMissing`] when `var` is unset,
    /// [`IssuerKeyError::EmptyPassphrase`] when it is empty.
    pub fn from_env(var: &str) -> Result<Self, IssuerKeyError> {
        let value = std::env::var_os(var).ok_or_else(|| IssuerKeyError::PassphraseEnvMissing {
            var: var.to_owned(),
        })?;
        Self::checked(
            Zeroizing::new(value.into_encoded_bytes()),
            &format!("environment variable {var}"),
        )
    }

    /// Reads the passphrase from the file at `path`; one trailing newline (`\n` or
    /// `\r\n`, as editors and `echo` add) is removed.
    ///
    /// # Errors
    /// [`IssuerKeyError::PassphraseFile`] when the file cannot be read or is over 4 KiB,
    /// [`IssuerKeyError::EmptyPassphrase`] when nothing is left after trimming.
    pub fn from_file(path: &Path) -> Result<Self, IssuerKeyError> {
        let unreadable = |reason: String| IssuerKeyError::PassphraseFile {
            path: path.to_path_buf(),
            reason,
        };
        let len = std::fs::metadata(path)
            .map_err(|e| unreadable(e.to_string()))?
            .len();
        if len > MAX_FILE_LEN {
            return Err(unreadable(format!(
                "{len} bytes, more than {MAX_FILE_LEN} for a passphrase"
            )));
        }
        let mut bytes = Zeroizing::new(std::fs::read(path).map_err(|e| unreadable(e.to_string()))?);
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Self::checked(bytes, &format!("file {}", path.display()))
    }

    fn checked(bytes: Zeroizing<Vec<u8>>, origin: &str) -> Result<Self, IssuerKeyError> {
        if bytes.is_empty() {
            return Err(IssuerKeyError::EmptyPassphrase {
                origin: origin.to_owned(),
            });
        }
        Ok(Passphrase(bytes))
    }

    /// True for a zero-length passphrase.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secret bytes, for handing to a KDF or a token login.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_loses_exactly_one_trailing_newline() {
        let dir = std::env::temp_dir().join(format!("dongpo-pass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&[u8], Option<&[u8]>); 5] = [
            (b"secret\n", Some(b"secret")),
            (b"secret\r\n", Some(b"secret")),
            (b"secret\n\n", Some(b"secret\n")),
            (b" secret ", Some(b" secret ")),
            (b"\n", None),
        ];
        for (i, (content, expected)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("p{i}"));
            std::fs::write(&path, content).unwrap();
            let got = Passphrase::from_file(&path);
            match expected {
                Some(want) => assert_eq!(got.unwrap().expose(), want),
                None => assert!(matches!(got, Err(IssuerKeyError::EmptyPassphrase { .. }))),
            }
        }
        let missing = Passphrase::from_file(&dir.join("absent")).unwrap_err();
        assert!(missing.to_string().contains("absent"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_and_missing_are_refused_and_debug_redacts() {
        assert!(Passphrase::new(Vec::new()).is_empty());
        let err = Passphrase::from_env("DONGPO_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(
            err.to_string()
                .contains("DONGPO_TEST_SURELY_UNSET_VARIABLE")
        );
        // A variable that is set is taken byte for byte.
        if let Some(path) = std::env::var_os("PATH").filter(|p| !p.is_empty()) {
            let from_env = Passphrase::from_env("PATH").unwrap();
            assert_eq!(from_env.expose(), path.as_encoded_bytes());
        }
        let p = Passphrase::new(b"hunter2".to_vec());
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
