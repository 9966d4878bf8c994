//! Deterministic, realistic ICAO 9303 test material.
//!
//! [`passport::generate`] makes a CSCA -> DSC -> EF.SOD chain with matching data
//! groups (DG1 with a valid TD3 MRZ, DG2, DG14, DG15), EF.COM, the CSCA's CRL, the
//! holder's registry record and a manifest of the expected verification outcome, for
//! every algorithm [`Profile`] and every failure [`Variant`]. The same seed always gives
//! the same bytes: keys come from a seeded generator, ECDSA uses RFC 6979 nonces and
//! no clock is read. [`masterlist::generate`] adds a CSCA master list with a link
//! certificate and a broken entry.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use dongpo_crypto::{KeySpec, SigningKey};

pub mod active_auth;
pub mod ber;
pub mod ca_profiles;
pub mod chip;
pub mod chip_auth;
pub mod chip_document;
pub mod csr;
pub mod deviation_list;
pub mod dg;
pub mod document_signer;
pub mod masterlist;
pub mod mrz;
pub mod passport;
pub mod person;
#[cfg(feature = "postgres")]
pub mod pg_database;
pub mod pki;
pub mod profile;
pub mod rng;
pub mod signed_data;
pub mod sod;
pub mod time;
pub mod trust_cases;
pub mod variant;

pub use passport::{Passport, generate};
pub use profile::Profile;
pub use variant::Variant;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum TestkitError {
    /// The variant does not apply to the profile.
    #[error("not applicable: {0}")]
    NotApplicable(String),
    /// DER encoding failed.
    #[error("DER: {0}")]
    Der(#[from] der::Error),
    /// Certificate building failed.
    #[error("certificate builder: {0}")]
    Builder(#[from] x509_cert::builder::Error),
    /// Signing or key generation failed.
    #[error(transparent)]
    Sign(#[from] dongpo_crypto::SignError),
    /// JSON encoding failed.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Writing files failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Keys generated so far, so that the variants of one profile share the expensive RSA
/// keys within one process. Keys depend only on `(seed, label)`.
#[derive(Default)]
pub struct KeyStore {
    keys: HashMap<(u64, String), Arc<SigningKey>>,
}

impl KeyStore {
    /// The key for `(seed, label)`, generated on first use.
    ///
    /// # Errors
    /// Key generation failures.
    pub fn get(
        &mut self,
        seed: u64,
        label: &str,
        spec: KeySpec,
    ) -> Result<Arc<SigningKey>, TestkitError> {
        if let Some(key) = self.keys.get(&(seed, label.to_string())) {
            return Ok(key.clone());
        }
        let mut rng = rng::SeededRng::new(seed, &format!("key/{label}"));
        let key = Arc::new(SigningKey::generate_with_rng(spec, &mut rng)?);
        self.keys.insert((seed, label.to_string()), key.clone());
        Ok(key)
    }
}

/// Writes `files` into `dir` (created if missing).
///
/// # Errors
/// [`TestkitError::Io`] naming the path that failed.
pub fn write_files(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
    dir: &Path,
) -> Result<(), TestkitError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| TestkitError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
    }
    Ok(())
}

impl Passport {
    /// Writes every file into `dir` (created if missing).
    ///
    /// # Errors
    /// [`TestkitError::Io`] naming the path that failed.
    pub fn write_to(&self, dir: &Path) -> Result<(), TestkitError> {
        write_files(&self.files, dir)
    }
}

/// Every applicable `(profile, variant)` pair, the corpus under `test-vectors/synthetic/`.
#[must_use]
pub fn corpus_entries() -> Vec<(Profile, Variant)> {
    let mut out = Vec::new();
    for profile in Profile::ALL {
        for variant in Variant::ALL {
            if variant == Variant::ShortR && profile.curve().is_none() {
                continue;
            }
            out.push((profile, variant));
        }
    }
    out
}
