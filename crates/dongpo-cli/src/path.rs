//! `dongpo path validate`: RFC 5280 path validation of a leaf certificate against
//! pinned trust anchors, optionally with CRLs (RFC 5280 §6.3: `dongpo_revocation::CrlChecker`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use dongpo_crypto::Verifier;
use dongpo_pki::Cert;
use dongpo_pki::path::{PathOptions, validate_path};
use dongpo_revocation::{Crl, CrlChecker};

use crate::exit;
use crate::masterlist::at;

/// Path commands.
#[derive(Subcommand)]
pub enum PathCommand {
    /// Validate a leaf certificate up to a trust anchor (RFC 5280 §6).
    Validate(ValidateArgs),
}

/// `dongpo path validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Trust anchor certificates, DER or PEM (a PEM file may hold several).
    #[arg(long, required = true, num_args = 1..)]
    anchor: Vec<PathBuf>,
    /// Intermediate certificates, in any order (repeat, or a PEM bundle).
    #[arg(long, num_args = 1..)]
    intermediate: Vec<PathBuf>,
    /// The certificate to validate.
    #[arg(long)]
    leaf: PathBuf,
    /// Validation time, RFC 3339 UTC (default: now).
    #[arg(long)]
    at: Option<String>,
    /// CRLs, DER or PEM. With any CRL, every certificate of the path needs a
    /// fresh, verified CRL from its issuer.
    #[arg(long, num_args = 1..)]
    crl: Vec<PathBuf>,
    /// Print JSON: {"valid", "error", "chain"}.
    #[arg(long)]
    json: bool,
}

/// Runs a path command.
///
/// # Errors
/// A message for unreadable input (exit 2).
pub fn run(command: &PathCommand) -> Result<u8, String> {
    match command {
        PathCommand::Validate(args) => validate(args),
    }
}

fn validate(args: &ValidateArgs) -> Result<u8, String> {
    let anchors = certs(&args.anchor)?;
    let intermediates = certs(&args.intermediate)?;
    let leaf = single(&args.leaf)?;
    let when = at(args.at.as_deref())?;
    let crls = args
        .crl
        .iter()
        .map(|p| Crl::parse(&read(p)?).map_err(|e| format!("{}: {e}", p.display())))
        .collect::<Result<Vec<_>, _>>()?;
    let verifier = Verifier::new();
    let checker = CrlChecker::new(&crls, &intermediates, &anchors, &verifier);
    let mut options = PathOptions::new(when).with_verifier(&verifier);
    if !crls.is_empty() {
        options = options.with_revocation(&checker);
    }
    let outcome = validate_path(&leaf, &intermediates, &anchors, &options);
    let (valid, error, chain) = match &outcome {
        Ok(path) => (true, None, path.subjects()),
        Err(e) => (false, Some(e.to_string()), Vec::new()),
    };
    if args.json {
        let report = serde_json::json!({ "valid": valid, "error": error, "chain": chain });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else if let Some(error) = error {
        println!("INVALID\n  {}", crate::printable::printable(&error));
    } else {
        println!("VALID");
        for subject in &chain {
            println!("  {subject}");
        }
    }
    Ok(if valid { exit::OK } else { exit::INVALID })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every certificate of `paths`: DER files, or PEM files with one or more blocks.
fn certs(paths: &[PathBuf]) -> Result<Vec<Cert>, String> {
    let mut out = Vec::new();
    for path in paths {
        let bytes = read(path)?;
        let blocks = pem_blocks(&bytes);
        if blocks.is_empty() {
            out.push(Cert::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?);
        }
        for block in blocks {
            out.push(Cert::parse(block).map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    Ok(out)
}

fn single(path: &Path) -> Result<Cert, String> {
    Cert::parse(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `-----BEGIN CERTIFICATE-----` blocks of a PEM file, each with its armour.
fn pem_blocks(bytes: &[u8]) -> Vec<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = bytes;
    while let Some(start) = find(rest, BEGIN) {
        let Some(tail) = rest.get(start..) else { break };
        let Some(end) = find(tail, END) else { break };
        let stop = end + END.len();
        if let Some(block) = tail.get(..stop) {
            out.push(block);
        }
        rest = tail.get(stop..).unwrap_or_default();
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
