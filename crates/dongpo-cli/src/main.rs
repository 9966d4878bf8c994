//! `dongpo`: the command-line face of the dongpo workspace (see `docs/cli.md`).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod aa;
mod access;
mod bench;
mod ca;
mod chip;
mod chip_relay;
mod chip_transport;
mod demo;
mod issue;
mod masterlist;
mod mrz_input;
mod passport;
mod path;
mod printable;
mod testkit;
mod verify;
mod vid;

/// Batch verification (`bench passive-auth`, and any command verifying many documents)
/// allocates and frees the reports' small strings on several threads; mimalloc's
/// per-thread heaps cost less there than glibc's arenas, as in `dongpo-server`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Remote ePassport verification and overseas-citizen certificates.
#[derive(Parser)]
#[command(name = "dongpo", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Passive Authentication of one document (EF.SOD, data groups, CSCAs, CRLs).
    Verify(Box<verify::VerifyArgs>),
    /// Read an ePassport chip (BAC, files, Active Authentication) and verify it.
    #[command(subcommand)]
    Chip(chip::ChipCommand),
    /// Active Authentication: verify a chip's signature over a challenge.
    #[command(subcommand)]
    Aa(aa::AaCommand),
    /// KISA virtual ID (identifyData) of an identification number.
    #[command(subcommand)]
    Vid(vid::VidCommand),
    /// CSCA master lists: verify against a pinned anchor, or extract.
    #[command(subcommand)]
    Masterlist(masterlist::MasterlistCommand),
    /// Generate realistic, deterministic test material for integrators' tests.
    #[command(subcommand)]
    Testkit(testkit::TestkitCommand),
    /// Certification paths: RFC 5280 validation up to pinned anchors.
    #[command(subcommand)]
    Path(path::PathCommand),
    /// Benchmarks on generated documents.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Certificate authority set-up.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Issue a certificate: passport verified, registry matched, CSR checked.
    Issue(Box<issue::IssueArgs>),
    /// Revoke a certificate.
    Revoke(issue::RevokeArgs),
    /// Write the current CRL of an issuing CA.
    Crl(issue::CrlArgs),
    /// OCSP answers from the CA's store.
    #[command(subcommand)]
    Ocsp(issue::OcspCommand),
    /// The registry of overseas citizens.
    #[command(subcommand)]
    Registry(ca::RegistryCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(ca::AuditCommand),
    /// The access records of personal data: export for an auditor, verify, purge.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// The whole flow on generated data: verify, register, issue under five profiles, revoke.
    Demo(demo::DemoArgs),
}

/// Exit codes (`docs/cli.md`).
pub(crate) mod exit {
    /// Valid / done.
    pub const OK: u8 = 0;
    /// Checked and invalid.
    pub const INVALID: u8 = 1;
    /// Usage error or unreadable input.
    pub const USAGE: u8 = 2;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Testkit(command) => testkit::run(command),
        Command::Verify(args) => verify::run(&args),
        Command::Masterlist(command) => masterlist::run(&command),
        Command::Aa(command) => aa::run(&command),
        Command::Chip(command) => chip::run(&command),
        Command::Vid(command) => vid::run(&command),
        Command::Path(command) => path::run(&command),
        Command::Bench(command) => bench::run(&command),
        Command::Ca(command) => ca::run(&command),
        Command::Issue(args) => issue::issue(&args),
        Command::Revoke(args) => issue::revoke(&args),
        Command::Crl(args) => issue::crl(&args),
        Command::Ocsp(command) => issue::ocsp(&command),
        Command::Registry(command) => ca::registry(&command),
        Command::Audit(command) => ca::audit(&command),
        Command::Access(command) => access::run(&command),
        Command::Demo(args) => demo::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            // Messages quote file names and flag values: escaped, never raw.
            eprintln!("dongpo: {}", printable::printable(&message));
            ExitCode::from(exit::USAGE)
        }
    }
}
