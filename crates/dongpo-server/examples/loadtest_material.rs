//! Material for `loadtest/run.sh`, and the in-process baseline it is compared with.
//!
//! For each profile given: the testkit passport of seed 1 (what `--dev` trusts) as a
//! single-verification body and as a batch body of `--batch` copies, written to OUT; then
//! the same document verified in-process by `BatchVerifier` on `--threads` threads, the
//! figure printed as `inprocess <profile> <documents/s>`.
//!
//! `cargo run --release -p dongpo-server --example loadtest_material -- OUT p256 rsa2048`
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use base64ct::{Base64, Encoding};
use dongpo_batch::{BatchConfig, BatchVerifier};
use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{Document, Options};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::{KeyStore, Profile, Variant};
use serde_json::json;

const BATCH: usize = 64;
const THREADS: usize = 2;
const DOCUMENTS: usize = 20_000;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: OUT PROFILE...")?);
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    for name in args {
        let profile = Profile::from_name(&name).ok_or(format!("unknown profile {name}"))?;
        let passport =
            dongpo_testkit::generate(profile, Variant::Genuine, 1, &mut KeyStore::default())
                .map_err(|e| e.to_string())?;
        let file = |n: &str| passport.files.get(n).cloned().unwrap_or_default();
        let mut dg = serde_json::Map::new();
        let mut data_groups = std::collections::BTreeMap::new();
        for n in 1..=16u8 {
            if let Some(bytes) = passport.files.get(&format!("DG{n}.bin")) {
                dg.insert(n.to_string(), json!(Base64::encode_string(bytes)));
                data_groups.insert(n, bytes.clone());
            }
        }
        let body = json!({ "sod": Base64::encode_string(&file("EF_SOD.bin")), "dg": dg });
        let write = |path: std::path::PathBuf, text: String| {
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        write(out.join(format!("single-{name}.json")), body.to_string())?;
        write(
            out.join(format!("batch-{name}.json")),
            json!({ "documents": vec![body; BATCH] }).to_string(),
        )?;

        // The same batch as CBOR (chip files as byte strings).
        let document = Document {
            sod: file("EF_SOD.bin"),
            data_groups,
            com: None,
            active_auth: None,
            chip_authentication: None,
        };
        let cbor = dongpo_server::encode_cbor_batch(&vec![document.clone(); BATCH])?;
        let path = out.join(format!("batch-{name}.cbor"));
        std::fs::write(&path, cbor).map_err(|e| format!("{}: {e}", path.display()))?;

        let mut trust = TrustStore::new();
        trust
            .add_csca(&file("csca.der"), "testkit")
            .map_err(|e| e.to_string())?;
        trust
            .add_crl(&file("csca.crl"), "testkit")
            .map_err(|e| e.to_string())?;
        let verifier = BatchVerifier::new(
            Arc::new(trust),
            Options::at(UnixTime::now()),
            Arc::new(Verifier::new()),
        )
        .with_config(BatchConfig::with_threads(THREADS));
        // Warm the chain cache and the prepared keys, as a running server has them.
        if !verifier.verify_one(&document).valid {
            return Err(format!("{name}: the testkit passport does not verify"));
        }
        let started = Instant::now();
        let mut valid = 0usize;
        for report in verifier
            .verify(std::iter::repeat_n(document, DOCUMENTS))
            .map_err(|e| e.to_string())?
        {
            valid += usize::from(report.map_err(|e| e.to_string())?.valid);
        }
        let rate = DOCUMENTS as f64 / started.elapsed().as_secs_f64();
        if valid != DOCUMENTS {
            return Err(format!("{name}: {valid} of {DOCUMENTS} valid"));
        }
        println!("inprocess {name} {rate:.0}");
    }
    Ok(())
}
