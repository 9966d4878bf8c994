//! `dongpo testkit chip serve` (a virtual chip over TCP) and `dongpo chip read` (the
//! reference terminal, then the verification report) (`docs/cli.md`).

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use dongpo_chip::PaCoveredDg14;
use dongpo_chip::terminal::{ChipContents, Terminal, Transport};

use crate::chip_transport::ChipAddress;
use dongpo_crypto::Verifier;
use dongpo_icao::lds::Dg14;
use dongpo_icao::passive_auth::{
    ActiveAuthResponse, ChipAuthenticationResult, Document, Options, TimeModel,
};
use dongpo_icao::{CheckId, Policy, Status, TrustSources};
use dongpo_pki::UnixTime;
use dongpo_testkit::chip::{ChipOptions, ChipVariant, VirtualChip};
use dongpo_testkit::chip_auth::ChipAuthSpec;
use dongpo_testkit::{KeyStore, Profile};

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
    /// bac, or pace (PACE, ECDH generic mapping with AES-128 on the --ca-curve curve,
    /// offered in EF.CardAccess; BAC stays available).
    #[arg(long, default_value = "bac")]
    access: String,
    /// Chip Authentication the chip offers: ecdh-aes128, ecdh-aes192, ecdh-aes256,
    /// ecdh-3des, dh-3des, dh-aes128, dh-aes192, dh-aes256 or none.
    #[arg(long = "chip-auth", default_value = "ecdh-aes128")]
    chip_auth: String,
    /// Curve of ECDH Chip Authentication and of PACE: p256, bp256, p384, bp384, p521,
    /// bp512 (DH Chip Authentication uses the RFC 5114 2048-bit group with a 224-bit
    /// subgroup).
    #[arg(long = "ca-curve", default_value = "p256")]
    ca_curve: String,
    /// Active Authentication: none, rsa (RSA profiles) or ecdsa (EC profiles).
    #[arg(long, default_value = "none")]
    aa: String,
    /// clone (AA and CA keys not the published ones) or ca-key-not-covered (DG14's CA
    /// key is not the one the SOD covers).
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
    /// Read a chip (BAC, files, Active Authentication, Chip Authentication) and verify
    /// what it holds.
    Read(Box<ReadArgs>),
    /// Read a chip and relay a server chip session (the server runs Chip Authentication).
    Relay(Box<crate::chip_relay::RelayArgs>),
}

/// `dongpo chip read`.
#[derive(Args)]
pub struct ReadArgs {
    /// The chip: tcp:HOST:PORT, or pcsc / pcsc:READER (built with the feature pcsc).
    #[arg(long)]
    chip: String,
    /// The MRZ that opens the chip (BAC).
    #[command(flatten)]
    mrz: crate::mrz_input::MrzArgs,
    /// A trusted CSCA certificate, DER or PEM (repeat for several).
    #[arg(long)]
    csca: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs Chip Authentication on the terminal's open session when the read DG14 offers it:
/// only with a DG14 whose hash, SOD signature and messageDigest passed in the first report
/// (without CA; `passed` tells). A DG14 that offers CA but is not covered gives a failure
/// without running it (its key proves nothing); no offer gives `None` (the report says why).
pub(crate) fn chip_authentication<T: Transport>(
    terminal: &mut Terminal<T>,
    contents: &ChipContents,
    passed: impl Fn(CheckId) -> bool,
) -> Option<ChipAuthenticationResult> {
    let dg14 = Dg14::parse(contents.data_groups.get(&14)?).ok()?;
    dg14.chip_authentication_public_keys().next()?;
    let covered = [
        CheckId::SodMessageDigest,
        CheckId::SodSignature,
        CheckId::DgHash(14),
    ]
    .into_iter()
    .all(passed);
    if !covered {
        return Some(ChipAuthenticationResult::Failed {
            reason: "not run: DG14 offers Chip Authentication but Passive Authentication did not cover it (sod.message_digest, sod.signature and dg.14.hash must pass), so its key proves nothing".into(),
        });
    }
    let covered = PaCoveredDg14::covered_by_passive_authentication(&dg14);
    Some(match terminal.chip_authenticate(covered, contents) {
        Ok(proof) => ChipAuthenticationResult::Proven {
            detail: proof.to_string(),
        },
        Err(e) => ChipAuthenticationResult::Failed {
            reason: e.to_string(),
        },
    })
}

/// Runs `dongpo testkit chip ...`.
pub fn testkit(command: &TestkitChipCommand) -> Result<u8, String> {
    let TestkitChipCommand::Serve(args) = command;
    let profile = Profile::from_name(&args.profile)
        .ok_or_else(|| format!("unknown profile '{}'", args.profile))?;
    let pace = match args.access.as_str() {
        "bac" => None,
        "pace" => Some(dongpo_testkit::chip_auth::curve_from_name(&args.ca_curve)?),
        other => return Err(format!("--access {other}: bac or pace")),
    };
    let chip_authentication = ChipAuthSpec::from_names(&args.chip_auth, &args.ca_curve)?;
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
        Some("ca-key-not-covered") if chip_authentication.is_none() => {
            return Err(
                "--variant ca-key-not-covered needs Chip Authentication (not --chip-auth none)"
                    .into(),
            );
        }
        Some("ca-key-not-covered") => ChipVariant::CaKeyNotCovered,
        Some(other) => return Err(format!("--variant {other}: clone or ca-key-not-covered")),
    };
    let options = ChipOptions {
        active_authentication,
        variant,
        chip_authentication,
        pace,
    };
    let mut keys = KeyStore::default();
    let passport = dongpo_testkit::chip_document::passport(profile, args.seed, &options, &mut keys)
        .map_err(|e| e.to_string())?;
    let mut chip = VirtualChip::new(&passport, profile, args.seed, &options, &mut keys)
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
        // A terminal that goes quiet must not hold the one chip for ever: an idle
        // connection is dropped (a card pulled from the reader).
        let _ = stream.set_read_timeout(Some(IDLE_CONNECTION));
        if let Err(e) = dongpo_testkit::chip::serve_connection(&mut chip, &mut stream) {
            eprintln!("dongpo: connection ended: {e}");
        }
    }
    Ok(exit::OK)
}

/// How long `testkit chip serve` waits for the next command of a connection.
const IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs `dongpo chip ...`.
pub fn run(command: &ChipCommand) -> Result<u8, String> {
    let args = match command {
        ChipCommand::Read(args) => args,
        ChipCommand::Relay(args) => return crate::chip_relay::run(args),
    };
    let key = args.mrz.key()?;
    let transport = ChipAddress::parse(&args.chip)?.connect()?;
    let mut terminal = Terminal::new(transport);
    let contents = terminal
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
    let mut document = Document {
        sod: contents.sod.clone(),
        data_groups: contents.data_groups.clone(),
        com: contents.com.clone(),
        active_auth: contents.active_auth.clone().map(|(challenge, signature)| {
            ActiveAuthResponse {
                challenge,
                signature,
            }
        }),
        chip_authentication: None,
    };
    let options = Options {
        at,
        policy: Policy::default(),
        time_model: TimeModel::VerificationTime,
    };
    // Passive Authentication first: Chip Authentication counts only with a key from a
    // DG14 that it covered.
    let (first, _) = crate::verify::check_document(&document, &trust, &options, &verifier);
    document.chip_authentication = chip_authentication(&mut terminal, &contents, |id| {
        first.check(id).is_some_and(|c| c.status == Status::Pass)
    });
    let (report, unreadable) =
        crate::verify::check_document(&document, &trust, &options, &verifier);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        crate::verify::print_human(&report);
    }
    let ca = match &document.chip_authentication {
        None => "not offered",
        Some(ChipAuthenticationResult::Proven { .. }) => "proven",
        Some(ChipAuthenticationResult::Failed { .. }) => "failed",
    };
    eprintln!(
        "dongpo: read over {}; Chip Authentication {ca}",
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
