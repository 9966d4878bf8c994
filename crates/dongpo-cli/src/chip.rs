//! `dongpo testkit chip serve` (a virtual chip over TCP) and `dongpo chip read` (the
//! reference terminal, then the verification report) (`docs/cli.md`).

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use dongpo_chip::bac::MrzKey;
use dongpo_chip::terminal::{TcpTransport, Terminal};
use dongpo_crypto::Verifier;
use dongpo_icao::passive_auth::{ActiveAuthResponse, Document, Options, TimeModel};
use dongpo_icao::{Policy, TrustSources};
use dongpo_pki::UnixTime;
use dongpo_testkit::chip::{ChipOptions, ChipVariant, VirtualChip};
use dongpo_testkit::{KeyStore, Profile, Variant};

use crate::exit;

/// `dongpo testkit chip`.
#[derive(Subcommand)]
pub enum TestkitChipCommand {
    /// Serve a virtual ePassport chip over TCP (2-byte length framing).
    Serve(ServeArgs),
}

/// `dongpo testkit chip serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// rsa2048, rsa4096, rsapss3072, p256, p384, p521, bp256, bp384, bp512.
    #[arg(long)]
    profile: String,
    /// bac (pace: not yet supported).
    #[arg(long, default_value = "bac")]
    access: String,
    /// Chip Authentication the chip offers (only the default is accepted yet, and CA
    /// commands are refused by the chip until Chip Authentication is built).
    #[arg(long = "chip-auth", default_value = "ecdh-aes128")]
    chip_auth: String,
    /// Curve of Chip Authentication and PACE (only the default yet).
    #[arg(long = "ca-curve", default_value = "p256")]
    ca_curve: String,
    /// Active Authentication: none, rsa (RSA profiles) or ecdsa (EC profiles).
    #[arg(long, default_value = "none")]
    aa: String,
    /// clone (ca-key-not-covered: not yet supported).
    #[arg(long)]
    variant: Option<String>,
    /// The same seed always gives the same document.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the document's files and identity.json are written.
    #[arg(long)]
    out: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:0 (a free port).
    #[arg(long)]
    listen: String,
}

/// `dongpo chip`.
#[derive(Subcommand)]
pub enum ChipCommand {
    /// Read a chip (BAC, files, Active Authentication) and verify what it holds.
    Read(Box<ReadArgs>),
    /// Read a chip and relay a server chip session (the server runs Chip Authentication).
    Relay(Box<crate::chip_relay::RelayArgs>),
}

/// `dongpo chip read`.
#[derive(Args)]
pub struct ReadArgs {
    /// The chip: tcp:HOST:PORT.
    #[arg(long)]
    chip: String,
    /// Document number as in the MRZ.
    #[arg(long = "document-number")]
    document_number: Option<String>,
    /// Date of birth, YYMMDD.
    #[arg(long = "date-of-birth")]
    date_of_birth: Option<String>,
    /// Date of expiry, YYMMDD.
    #[arg(long = "date-of-expiry")]
    date_of_expiry: Option<String>,
    /// A file holding the MRZ (two or three lines), instead of the three flags.
    #[arg(long = "mrz-file")]
    mrz_file: Option<PathBuf>,
    /// A trusted CSCA certificate, DER or PEM (repeat for several).
    #[arg(long)]
    csca: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn not_yet(what: &str) -> String {
    format!("{what}: not yet supported by the virtual chip")
}

/// Runs `dongpo testkit chip ...`.
pub fn testkit(command: &TestkitChipCommand) -> Result<u8, String> {
    let TestkitChipCommand::Serve(args) = command;
    let profile = Profile::from_name(&args.profile)
        .ok_or_else(|| format!("unknown profile '{}'", args.profile))?;
    match args.access.as_str() {
        "bac" => {}
        "pace" => return Err(not_yet("--access pace")),
        other => return Err(format!("--access {other}: bac or pace")),
    }
    match args.chip_auth.as_str() {
        "ecdh-aes128" | "none" => {}
        "ecdh-aes192" | "ecdh-aes256" | "ecdh-3des" | "dh-3des" | "dh-aes128" | "dh-aes192"
        | "dh-aes256" => return Err(not_yet(&format!("--chip-auth {}", args.chip_auth))),
        other => return Err(format!("--chip-auth {other}: unknown")),
    }
    match args.ca_curve.as_str() {
        "p256" => {}
        "bp256" | "p384" | "bp384" | "p521" | "bp512" => {
            return Err(not_yet(&format!("--ca-curve {}", args.ca_curve)));
        }
        other => return Err(format!("--ca-curve {other}: unknown")),
    }
    let rsa_profile = profile.curve().is_none();
    let active_authentication = match (args.aa.as_str(), rsa_profile) {
        ("none", _) => false,
        ("rsa", true) | ("ecdsa", false) => true,
        ("rsa", false) => {
            return Err(format!(
                "--aa rsa: profile {profile} has an ECDSA AA key (use --aa ecdsa or an RSA profile)"
            ));
        }
        ("ecdsa", true) => {
            return Err(format!(
                "--aa ecdsa: profile {profile} has an RSA AA key (use --aa rsa or an EC profile)"
            ));
        }
        (other, _) => return Err(format!("--aa {other}: none, rsa or ecdsa")),
    };
    let variant = match args.variant.as_deref() {
        None => ChipVariant::Genuine,
        Some("clone") => ChipVariant::Clone,
        Some("ca-key-not-covered") => return Err(not_yet("--variant ca-key-not-covered")),
        Some(other) => return Err(format!("--variant {other}: clone or ca-key-not-covered")),
    };
    let mut keys = KeyStore::default();
    let passport = dongpo_testkit::generate(profile, Variant::Genuine, args.seed, &mut keys)
        .map_err(|e| e.to_string())?;
    let mut chip = VirtualChip::new(
        &passport,
        profile,
        args.seed,
        &ChipOptions {
            active_authentication,
            variant,
        },
        &mut keys,
    )
    .map_err(|e| e.to_string())?;
    // Bound before anything is written: a usage error leaves no files behind.
    let listener = TcpListener::bind(&args.listen).map_err(|e| format!("--listen: {e}"))?;
    passport.write_to(&args.out).map_err(|e| e.to_string())?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("--listen: {e}"))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {address}").map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;
    // One chip, one connection at a time; each connection is a new power-up.
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        if let Err(e) = dongpo_testkit::chip::serve_connection(&mut chip, &mut stream) {
            eprintln!("dongpo: connection ended: {e}");
        }
    }
    Ok(exit::OK)
}

fn mrz_key(args: &ReadArgs) -> Result<MrzKey, String> {
    crate::mrz_input::mrz_key_from(
        args.mrz_file.as_ref(),
        args.document_number.as_ref(),
        args.date_of_birth.as_ref(),
        args.date_of_expiry.as_ref(),
    )
}

/// Runs `dongpo chip ...`.
pub fn run(command: &ChipCommand) -> Result<u8, String> {
    let args = match command {
        ChipCommand::Read(args) => args,
        ChipCommand::Relay(args) => return crate::chip_relay::run(args),
    };
    let key = mrz_key(args)?;
    let address = args
        .chip
        .strip_prefix("tcp:")
        .ok_or_else(|| format!("--chip {}: expected tcp:HOST:PORT", args.chip))?;
    let transport = TcpTransport::connect(address).map_err(|e| format!("--chip: {e}"))?;
    let contents = Terminal::new(transport)
        .read_document(&key)
        .map_err(|e| format!("chip unreadable: {e}"))?;
    let at = UnixTime::now();
    let verifier = Verifier::new();
    let trust = TrustSources {
        csca_files: args.csca.clone(),
        ..TrustSources::default()
    }
    .load(at, &verifier)
    .map_err(|e| e.to_string())?;
    let document = Document {
        sod: contents.sod,
        data_groups: contents.data_groups,
        com: contents.com,
        active_auth: contents
            .active_auth
            .map(|(challenge, signature)| ActiveAuthResponse {
                challenge,
                signature,
            }),
        chip_authentication: None,
    };
    let (report, unreadable) = crate::verify::check_document(
        &document,
        &trust,
        &Options {
            at,
            policy: Policy::default(),
            time_model: TimeModel::VerificationTime,
        },
        &verifier,
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        crate::verify::print_human(&report);
        println!("  skip  ca.authentication         Chip Authentication is not yet implemented");
    }
    eprintln!(
        "dongpo: read over {}; Chip Authentication not attempted (not yet implemented)",
        contents.access
    );
    if let Some(error) = unreadable {
        return Err(format!("EF.SOD from the chip is not readable: {error}"));
    }
    Ok(if report.valid {
        exit::OK
    } else {
        exit::INVALID
    })
}
