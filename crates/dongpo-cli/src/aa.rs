//! `dongpo aa verify`: Active Authentication of a chip's answer (`docs/cli.md`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dongpo_icao::active_auth;
use dongpo_icao::lds::Dg14;
use dongpo_icao::lds::Dg15;

use crate::exit;

/// Active Authentication commands.
#[derive(Subcommand)]
pub enum AaCommand {
    /// Verify a chip's signature over a challenge with its DG15 key.
    Verify(VerifyArgs),
}

/// `dongpo aa verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// DG15 (the chip's public key), as read.
    #[arg(long)]
    dg15: PathBuf,
    /// The challenge, hex.
    #[arg(long)]
    challenge: String,
    /// The chip's signature.
    #[arg(long)]
    signature: PathBuf,
    /// DG14, whose ActiveAuthenticationInfo names the hash for ECDSA chips.
    #[arg(long)]
    dg14: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `dongpo aa verify`.
pub fn run(command: &AaCommand) -> Result<u8, String> {
    let AaCommand::Verify(args) = command;
    let dg15 = read(&args.dg15)?;
    let challenge =
        hex::decode(&args.challenge).map_err(|e| format!("--challenge: not hex: {e}"))?;
    let signature = read(&args.signature)?;
    let hash = match &args.dg14 {
        Some(path) => {
            let dg14 = Dg14::parse(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            dg14.active_authentication()
                .map(|aa| aa.hash_algorithm())
                .transpose()
                .map_err(|e| format!("DG14: {e}"))?
        }
        None => None,
    };
    let verified = Dg15::parse_file_or_spki(&dg15)
        .map_err(active_auth::AaError::from)
        .and_then(|dg15| active_auth::verify(&dg15, hash, &challenge, &signature));
    let outcome = match verified {
        Ok(o) => Ok(o),
        Err(e) if e.is_input_error() => return Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match (&outcome, args.json) {
        (Ok(o), true) => {
            let json = serde_json::json!({"valid": true, "algorithm": o.algorithm.name(), "hash": o.hash.name(), "key": o.key});
            println!("{json}");
        }
        (Err(e), true) => println!(
            "{}",
            serde_json::json!({"valid": false, "algorithm": null, "hash": null, "error": e})
        ),
        (Ok(o), false) => println!("VALID {} {} ({})", o.algorithm.name(), o.hash.name(), o.key),
        (Err(e), false) => println!("INVALID {e}"),
    }
    Ok(if outcome.is_ok() {
        exit::OK
    } else {
        exit::INVALID
    })
}
