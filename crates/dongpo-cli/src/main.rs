//! `dongpo`: the command-line face of the dongpo workspace (see CONTRACT.md).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod aa;
mod masterlist;
mod testkit;
mod verify;
mod vid;

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
}

/// Exit codes of CONTRACT.md.
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
        Command::Vid(command) => vid::run(&command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("dongpo: {message}");
            ExitCode::from(exit::USAGE)
        }
    }
}
