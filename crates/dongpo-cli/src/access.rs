//! `dongpo access`: the access records of personal data (`docs/operators.md`), exported
//! for an auditor, verified, and purged after their retention.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use dongpo_ca::{CLI_ACTOR, Ca};
use dongpo_pki::time::UnixTime;

use crate::exit;

/// `dongpo access ...`.
#[derive(Subcommand)]
pub enum AccessCommand {
    /// Write the access records of a period as JSON lines (one record a line) for an
    /// auditor; the export is itself recorded.
    Export(ExportArgs),
    /// Verify the HMAC chains of the access records (exit 0 intact, 1 broken).
    Verify(VerifyArgs),
    /// Delete this node's access records older than the retention (`ca.toml`
    /// `access_retention_days`, default 730), leaving a checkpoint so the chain still
    /// verifies.
    Purge(PurgeArgs),
}

/// `dongpo access export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// First instant included: `YYYY-MM-DD` (UTC midnight) or RFC 3339 UTC.
    #[arg(long)]
    since: Option<String>,
    /// First instant excluded: `YYYY-MM-DD` (UTC midnight) or RFC 3339 UTC.
    #[arg(long)]
    until: Option<String>,
    /// The file to write (created; an existing file is refused).
    #[arg(long)]
    out: PathBuf,
}

/// `dongpo access verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo access purge`.
#[derive(Args)]
pub struct PurgeArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
}

/// An instant given on the command line.
fn instant(flag: &str, text: &str) -> Result<UnixTime, String> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    UnixTime::parse_rfc3339(&full)
        .ok_or_else(|| format!("{flag}: not YYYY-MM-DD or RFC 3339 UTC: {text:?}"))
}

/// The CA opened for reading beside a server holding the directory's node.
fn open_read_only(dir: &Path) -> Result<Ca, String> {
    Ca::open_with(
        dir,
        None,
        &dongpo_ca::Overrides {
            read_only: true,
            ..dongpo_ca::Overrides::default()
        },
    )
    .map_err(|e| e.to_string())
}

/// Runs `dongpo access`.
pub fn run(command: &AccessCommand) -> Result<u8, String> {
    match command {
        AccessCommand::Export(args) => export(args),
        AccessCommand::Verify(args) => verify(args),
        AccessCommand::Purge(args) => purge(args),
    }
}

fn export(args: &ExportArgs) -> Result<u8, String> {
    let since = args
        .since
        .as_deref()
        .map(|t| instant("--since", t))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| instant("--until", t))
        .transpose()?;
    let mut ca = open_read_only(&args.dir)?;
    let records = ca.access_records().map_err(|e| e.to_string())?;
    let lines = dongpo_ca::access::export(&records, since, until);
    let mut text = Vec::new();
    for line in &lines {
        serde_json::to_writer(&mut text, line).map_err(|e| e.to_string())?;
        text.push(b'\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    // Who exported which period is itself an access to (pseudonymous) personal data.
    let period = format!(
        "{}..{}",
        since.map(UnixTime::rfc3339).unwrap_or_default(),
        until.map(UnixTime::rfc3339).unwrap_or_default()
    );
    ca.access_log()
        .and_then(|mut log| {
            log.record(&[dongpo_ca::Access {
                at: UnixTime::now(),
                actor: CLI_ACTOR.into(),
                action: dongpo_ca::Action::AccessExport,
                subject: format!("period:{period}"),
                outcome: format!("exported:{}", lines.len()),
                reference: None,
            }])
            .map_err(dongpo_ca::OpenError::StoreFailed)
        })
        .map_err(|e| format!("the export was written, but recording it failed: {e}"))?;
    eprintln!(
        "wrote {} access record(s) to {}",
        lines.len(),
        args.out.display()
    );
    Ok(exit::OK)
}

fn verify(args: &VerifyArgs) -> Result<u8, String> {
    let mut ca = open_read_only(&args.dir)?;
    match ca.verify_access() {
        Ok(summary) => Ok(crate::ca::print_chain_verdict(
            "access records",
            args.json,
            Ok(&summary),
        )),
        Err(dongpo_ca::AccessError::Chain(e)) => Ok(crate::ca::print_chain_verdict(
            "access records",
            args.json,
            Err(&e),
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn purge(args: &PurgeArgs) -> Result<u8, String> {
    // Writes this node's chain: the directory's node is claimed (refused while a server
    // runs on it; the server purges daily by itself).
    let ca = crate::ca::open(&args.dir)?;
    let days = ca.config().access_retention_days();
    let now = UnixTime::now();
    let before = UnixTime(now.0.saturating_sub(u64::from(days).saturating_mul(86_400)));
    let removed = ca
        .access_log()
        .map_err(|e| e.to_string())?
        .purge(before, now)
        .map_err(|e| e.to_string())?;
    println!(
        "purged {removed} access record(s) older than {} ({days} days)",
        before.rfc3339()
    );
    Ok(exit::OK)
}
