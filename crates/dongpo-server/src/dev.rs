//! `--dev`: what an integrator needs to try the whole API against testkit passports.
//! Trusts the testkit CSCAs (and CRLs) of the default seed for every testkit profile and
//! registers the testkit person of the default seed. Never for production.

use std::path::Path;

use dongpo_ca::Ca;
use dongpo_ca::Identity;
use dongpo_pki::time::UnixTime;
use dongpo_testkit::{KeyStore, Profile, Variant};

use crate::serve_error::ServeError;

/// The testkit seed `--dev` trusts (`dongpo testkit passport`'s default).
pub const SEED: u64 = 1;

/// The marker `--dev` leaves in a data directory it created or ran on: a server started
/// without `--dev` refuses that directory.
pub const MARKER_FILE: &str = "DEVELOPMENT-ONLY";

/// The path of [`MARKER_FILE`] in `data`.
pub fn marker(data: &Path) -> std::path::PathBuf {
    data.join(MARKER_FILE)
}

/// Marks `data` as development material (idempotent).
///
/// # Errors
/// [`ServeError`] naming the file.
pub fn mark(data: &Path) -> Result<(), ServeError> {
    let path = marker(data);
    if path.exists() {
        return Ok(());
    }
    dongpo_ca::write_public(
        &path,
        b"This data directory was used by dongpo-server --dev: its admin key and testkit identity\n\
          are for development only. dongpo-server refuses to start on it without --dev;\n\
          use a fresh data directory for production.\n",
    )
    .map_err(ServeError::File)
}

/// Where `--dev` keeps the testkit CSCAs and CRLs.
pub fn trust_dir(data: &Path) -> std::path::PathBuf {
    data.join("dev-trust")
}

/// Writes the testkit trust to `DATA/dev-trust/` (kept, so later starts are quick; the
/// trust store loads it from there) and registers the testkit identity.
///
/// # Errors
/// [`ServeError`] naming what failed.
pub fn prepare(ca: &mut Ca, data: &Path, now: UnixTime) -> Result<(), ServeError> {
    tracing::warn!(
        "DEVELOPMENT MODE (--dev): trusting the testkit CSCAs and registering the testkit identity of seed {SEED}; never use --dev in production"
    );
    let dir = trust_dir(data);
    std::fs::create_dir_all(&dir).map_err(ServeError::step(dir.display()))?;
    let mut keys = KeyStore::default();
    for profile in Profile::ALL {
        let csca = dir.join(format!("{profile}-csca.der"));
        let crl = dir.join(format!("{profile}-csca.crl"));
        if csca.exists() && crl.exists() {
            continue;
        }
        let passport = dongpo_testkit::generate(profile, Variant::Genuine, SEED, &mut keys)
            .map_err(ServeError::step(format!("testkit {profile}")))?;
        for (name, path) in [("csca.der", &csca), ("csca.crl", &crl)] {
            let bytes = passport
                .files
                .get(name)
                .ok_or_else(|| ServeError::Refused(format!("testkit {profile} wrote no {name}")))?;
            dongpo_ca::write_public(path, bytes)?;
        }
    }
    // The testkit holder's record, made in memory: even a synthetic resident registration
    // number is not written to a file (earlier versions left `identity.json` here).
    let _ = std::fs::remove_file(dir.join("identity.json"));
    let record = serde_json::to_string(&dongpo_testkit::passport::holder_identity(SEED))
        .map_err(ServeError::other)?;
    let identity = Identity::from_json(&record, "testkit identity").map_err(ServeError::other)?;
    ca.register(&identity, now).map_err(ServeError::other)?;
    Ok(())
}
