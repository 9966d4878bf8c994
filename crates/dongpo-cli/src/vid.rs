//! `dongpo vid compute | verify | decrypt`: the KISA virtual ID of an identification number,
//! a relying party's check of a certificate's VID, and opening the sealed R a subscriber
//! received (`docs/cli.md`, `docs/vid.md`).
//!
//! The identification number and R are secrets: they are read from files (never the
//! command line, where `ps` and shell history keep them) and never printed back.

use std::path::{Path, PathBuf};

use base64ct::Encoding;
use clap::{Args, Subcommand};
use dongpo_crypto::HashAlgorithm;
use dongpo_crypto::seal::{self, VID_RANDOM_INFO};
use dongpo_profiles::vid::{self, VidMatch};
use zeroize::Zeroizing;

use crate::exit;

/// VID commands.
#[derive(Subcommand)]
pub enum VidCommand {
    /// Compute `H(H(DER(HashContent{idn, R})))` (KCAC.TS.SIVID).
    Compute(ComputeArgs),
    /// Check a certificate's VID against an identification number and R (exit 0 match,
    /// 1 no match).
    Verify(VerifyArgs),
    /// Open `vid_random_encrypted` with the subscriber's private key and write R as hex.
    Decrypt(DecryptArgs),
}

/// The secret inputs, as files.
#[derive(Args)]
pub struct SecretFiles {
    /// File holding the identification number: 13 digits (whitespace around is ignored).
    #[arg(long)]
    idn_file: PathBuf,
    /// File holding the random number R as hex, at least 20 bytes.
    #[arg(long)]
    random_file: PathBuf,
}

/// `dongpo vid compute`.
#[derive(Args)]
pub struct ComputeArgs {
    #[command(flatten)]
    secrets: SecretFiles,
    /// `sha256` (default) or `sha1` (legacy).
    #[arg(long, default_value = "sha256")]
    hash: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo vid verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The certificate (PEM or DER; the first of a PEM file).
    #[arg(long)]
    cert: PathBuf,
    #[command(flatten)]
    secrets: SecretFiles,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo vid decrypt`.
#[derive(Args)]
pub struct DecryptArgs {
    /// The subscriber's private key: unencrypted PKCS#8, DER or PEM.
    #[arg(long)]
    key: PathBuf,
    /// File holding `vid_random_encrypted` as issued (base64).
    #[arg(long)]
    ciphertext_file: PathBuf,
    /// Write R (hex) to this new file, readable by the owner only; without it R goes to
    /// standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs a VID command. Neither the number nor R is ever printed back (except R by
/// `decrypt`, whose purpose it is, to the file or stream asked for).
pub fn run(command: &VidCommand) -> Result<u8, String> {
    match command {
        VidCommand::Compute(args) => compute(args),
        VidCommand::Verify(args) => verify(args),
        VidCommand::Decrypt(args) => decrypt(args),
    }
}

/// A file's text, wiped from memory when dropped; the error names the file, never the content.
pub(crate) fn read_secret_text(path: &Path) -> Result<Zeroizing<String>, String> {
    use std::io::Read;
    // A number or a hex R is a few dozen bytes: reading stops past this, so `/dev/zero`
    // or a huge file is refused instead of exhausting memory.
    const MAX: u64 = 4096;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX {
        return Err(format!("{}: longer than {MAX} bytes", path.display()));
    }
    std::str::from_utf8(&bytes)
        .map(|s| Zeroizing::new(s.to_owned()))
        .map_err(|_| format!("{}: not text", path.display()))
}

/// The identification number and R from their files.
fn read_secrets(files: &SecretFiles) -> Result<(Zeroizing<String>, Zeroizing<Vec<u8>>), String> {
    let idn = vid::idn_from_text(&read_secret_text(&files.idn_file)?)
        .map_err(|e| format!("{}: {e}", files.idn_file.display()))?;
    let random = vid::random_from_hex(&read_secret_text(&files.random_file)?)
        .map_err(|e| format!("{}: {e}", files.random_file.display()))?;
    Ok((idn, random))
}

fn compute(args: &ComputeArgs) -> Result<u8, String> {
    let hash = HashAlgorithm::from_name(&args.hash)
        .ok_or_else(|| format!("--hash {}: sha256 or sha1", args.hash))?;
    let (idn, random) = read_secrets(&args.secrets)?;
    let vid = vid::virtual_id(&idn, &random, hash).map_err(|e| e.to_string())?;
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

fn verify(args: &VerifyArgs) -> Result<u8, String> {
    let cert = dongpo_ca::read_certificates(&args.cert)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: no certificate", args.cert.display()))?;
    let (idn, random) = read_secrets(&args.secrets)?;
    let found = vid::verify_certificate(&cert, &idn, &random)
        .map_err(|e| format!("{}: {e}", args.cert.display()))?;
    let matched = match found {
        VidMatch::Match => true,
        VidMatch::NoMatch => false,
        VidMatch::NoVid => {
            return Err(format!(
                "{}: the certificate carries no identifyData VID",
                args.cert.display()
            ));
        }
    };
    if args.json {
        println!("{}", serde_json::json!({ "match": matched }));
    } else {
        println!("{}", if matched { "match" } else { "no match" });
    }
    Ok(if matched { exit::OK } else { exit::INVALID })
}

/// The DER inside a PEM `PRIVATE KEY` (unencrypted PKCS#8, RFC 7468 §10).
fn pkcs8_from_pem(pem: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    let text = std::str::from_utf8(pem).map_err(|_| "PEM: not text".to_string())?;
    let body = text
        .trim()
        .strip_prefix(BEGIN)
        .and_then(|rest| rest.strip_suffix(END))
        .ok_or_else(|| "not an unencrypted PKCS#8 PEM \"PRIVATE KEY\"".to_string())?;
    let base64: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    base64ct::Base64::decode_vec(&base64)
        .map(Zeroizing::new)
        .map_err(|_| "PEM: bad base64".to_string())
}

fn decrypt(args: &DecryptArgs) -> Result<u8, String> {
    let key_bytes = Zeroizing::new(
        std::fs::read(&args.key).map_err(|e| format!("{}: {e}", args.key.display()))?,
    );
    let key = if key_bytes.starts_with(b"-----") {
        pkcs8_from_pem(&key_bytes).map_err(|e| format!("{}: {e}", args.key.display()))?
    } else {
        key_bytes
    };
    let text = std::fs::read_to_string(&args.ciphertext_file)
        .map_err(|e| format!("{}: {e}", args.ciphertext_file.display()))?;
    let sealed = base64ct::Base64::decode_vec(text.trim())
        .map_err(|_| format!("{}: not base64", args.ciphertext_file.display()))?;
    let random = seal::open(&key, VID_RANDOM_INFO, &sealed)
        .map_err(|e| format!("{}: {e}", args.ciphertext_file.display()))?;
    let hex = Zeroizing::new(format!("{}\n", hex::encode(random.as_slice())));
    match &args.out {
        Some(path) => {
            dongpo_ca::write_new_private(path, hex.as_bytes()).map_err(|e| e.to_string())?;
        }
        None => print!("{}", hex.as_str()),
    }
    Ok(exit::OK)
}
