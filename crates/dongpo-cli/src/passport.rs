//! A passport directory (the file names `dongpo testkit passport` writes) verified for
//! issuance: the CA trusts the CSCAs in its `trust/` directory and any given with `--csca`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dongpo_crypto::Verifier;
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, Options, TimeModel};
use dongpo_pki::time::UnixTime;

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads EF_SOD.bin, EF_COM.bin (optional) and every DG<n>.bin of `dir`.
pub fn load(dir: &Path, active_auth: Option<ActiveAuthResponse>) -> Result<Document, String> {
    let mut data_groups = BTreeMap::new();
    for n in 1..=16u8 {
        let path = dir.join(format!("DG{n}.bin"));
        if path.exists() {
            data_groups.insert(n, read(&path)?);
        }
    }
    let com_path = dir.join("EF_COM.bin");
    Ok(Document {
        sod: read(&dir.join("EF_SOD.bin"))?,
        data_groups,
        com: com_path.exists().then(|| read(&com_path)).transpose()?,
        active_auth,
        chip_authentication: None,
    })
}

/// A trust store from the CA's `trust/` directory, `--csca` files and `--crl` files.
pub fn trust(ca_dir: &Path, cscas: &[PathBuf], crls: &[PathBuf]) -> Result<TrustStore, String> {
    let mut trust = TrustStore::new();
    let trust_dir = ca_dir.join("trust");
    if trust_dir.is_dir() {
        trust.add_csca_dir(&trust_dir).map_err(|e| e.to_string())?;
    }
    for path in cscas {
        trust.add_csca_file(path).map_err(|e| e.to_string())?;
    }
    for path in crls {
        trust.add_crl_file(path).map_err(|e| e.to_string())?;
    }
    if trust.cscas().is_empty() {
        return Err(format!(
            "no CSCA to verify the passport against: put CSCA certificates in {} or give --csca",
            trust_dir.display()
        ));
    }
    Ok(trust)
}

/// Passive (and, with a response, Active) Authentication at `at`, default policy.
pub fn verify(document: &Document, trust: &TrustStore, at: UnixTime) -> Outcome {
    passive_auth::verify(
        document,
        trust,
        &Options {
            at,
            policy: Policy::default(),
            time_model: TimeModel::VerificationTime,
        },
        &Verifier::new(),
    )
}
