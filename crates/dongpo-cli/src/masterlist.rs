//! `dongpo masterlist verify|extract` (`docs/cli.md`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dongpo_crypto::Verifier;
use dongpo_pki::{Cert, UnixTime};

use crate::exit;

/// Master-list commands.
#[derive(Subcommand)]
pub enum MasterlistCommand {
    /// Verify a CSCA master list against a pinned anchor.
    Verify(VerifyArgs),
    /// Write every certificate of a master list to DIR as DER files (no checks).
    Extract(ExtractArgs),
}

/// `dongpo masterlist verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The master list (CMS, DER or BER).
    file: PathBuf,
    /// The anchor the signer must chain to (repeat for several).
    #[arg(long, required = true)]
    anchor: Vec<PathBuf>,
    /// Verification time, RFC 3339 UTC (default: now).
    #[arg(long)]
    at: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo masterlist extract`.
#[derive(Args)]
pub struct ExtractArgs {
    /// The master list.
    file: PathBuf,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

/// Reads anchor certificates.
pub fn anchors(paths: &[PathBuf]) -> Result<Vec<Cert>, String> {
    paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Cert::parse(&bytes).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// Parses `--at` (default now).
pub fn at(text: Option<&str>) -> Result<UnixTime, String> {
    match text {
        Some(t) => {
            UnixTime::parse_rfc3339(t).ok_or_else(|| format!("--at {t}: not an RFC 3339 UTC time"))
        }
        None => Ok(UnixTime::now()),
    }
}

/// Runs a master-list command.
pub fn run(command: &MasterlistCommand) -> Result<u8, String> {
    match command {
        MasterlistCommand::Verify(args) => {
            let bytes =
                std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
            let anchors = anchors(&args.anchor)?;
            let report = dongpo_icao::masterlist::verify(
                &bytes,
                &anchors,
                at(args.at.as_deref())?,
                &Verifier::new(),
            )
            .map_err(|e| format!("{}: {e}", args.file.display()))?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
                );
            } else {
                println!("{}", if report.valid { "VALID" } else { "INVALID" });
                for error in &report.errors {
                    println!("  {error}");
                }
                if let Some(signer) = &report.signer {
                    println!("signer {}", signer.subject);
                }
                println!(
                    "{} certificates, {} countries, {} rejected",
                    report.certificates,
                    report.countries,
                    report.rejected.len()
                );
                for r in &report.rejected {
                    println!("  rejected #{} {}: {}", r.index, r.subject, r.reason);
                }
            }
            Ok(if report.valid {
                exit::OK
            } else {
                exit::INVALID
            })
        }
        MasterlistCommand::Extract(args) => {
            let bytes =
                std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
            let entries = dongpo_icao::masterlist::entries(&bytes)
                .map_err(|e| format!("{}: {e}", args.file.display()))?;
            std::fs::create_dir_all(&args.out)
                .map_err(|e| format!("{}: {e}", args.out.display()))?;
            for (index, der) in entries.iter().enumerate() {
                let path = args.out.join(format!("{index:04}.der"));
                std::fs::write(&path, der).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            println!(
                "wrote {} certificates to {}",
                entries.len(),
                args.out.display()
            );
            Ok(exit::OK)
        }
    }
}
