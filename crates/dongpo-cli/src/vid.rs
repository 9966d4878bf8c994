//! `dongpo vid compute`: the KISA virtual ID of an identification number (`docs/cli.md`).

use clap::{Args, Subcommand};
use dongpo_crypto::HashAlgorithm;

use crate::exit;

/// VID commands.
#[derive(Subcommand)]
pub enum VidCommand {
    /// Compute `H(H(DER(HashContent{idn, R})))` (KCAC.TS.SIVID).
    Compute(ComputeArgs),
}

/// `dongpo vid compute`.
#[derive(Args)]
pub struct ComputeArgs {
    /// The identification number, digits only (e.g. a resident registration number).
    #[arg(long)]
    idn: String,
    /// The random number R, hex (at least 20 bytes).
    #[arg(long)]
    random: String,
    /// `sha256` (default) or `sha1` (legacy).
    #[arg(long, default_value = "sha256")]
    hash: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs a VID command. Neither the number nor R is ever printed back.
pub fn run(command: &VidCommand) -> Result<u8, String> {
    let VidCommand::Compute(args) = command;
    let hash = HashAlgorithm::from_name(&args.hash)
        .ok_or_else(|| format!("--hash {}: sha256 or sha1", args.hash))?;
    let random = hex::decode(&args.random).map_err(|e| format!("--random: not hex: {e}"))?;
    let vid =
        dongpo_profiles::vid::virtual_id(&args.idn, &random, hash).map_err(|e| e.to_string())?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "virtual_id": hex::encode(vid), "hash": hash.name() })
        );
    } else {
        println!("{}", hex::encode(vid));
    }
    Ok(exit::OK)
}
