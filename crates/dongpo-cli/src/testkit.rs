//! `dongpo testkit`: generated passports (and the whole synthetic corpus).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use dongpo_testkit::{KeyStore, Profile, Variant, corpus_entries};

use crate::exit;

/// What to generate.
#[derive(Subcommand)]
pub enum TestkitCommand {
    /// One passport: csca.der, dsc.der, EF_SOD.bin, EF_COM.bin, DG1/2/14/15.bin,
    /// aa_key.p8, csca.crl, identity.json, manifest.json.
    Passport(PassportArgs),
    /// A CSCA master list (masterlist.ml) with its anchor, signer, link certificate and
    /// manifest.json (which entry must be rejected).
    Masterlist(MasterlistArgs),
    /// Every profile and variant into DIR/<profile>/<variant>/, and the master list into
    /// DIR/masterlist/ (this is test-vectors/synthetic).
    Corpus(CorpusArgs),
    /// A subscriber key (key.p8, unencrypted PKCS#8: test material only) and its CSR
    /// (csr.pem), as a citizen's phone app makes them.
    Csr(CsrArgs),
    /// The chip's side of Active Authentication: signs a challenge with a testkit
    /// passport's aa_key.p8 (what a phone app gets back from the chip).
    AaSign(AaSignArgs),
    /// A virtual ePassport chip of a testkit passport, served over TCP.
    #[command(subcommand)]
    Chip(crate::chip::TestkitChipCommand),
}

/// `dongpo testkit csr`.
#[derive(Args)]
pub struct CsrArgs {
    /// p256, p384, rsa2048, rsa3072 or rsa4096.
    #[arg(long, default_value = "p256")]
    key_algorithm: String,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The same seed always gives the same key.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// `dongpo testkit aa-sign`.
#[derive(Args)]
pub struct AaSignArgs {
    /// The chip's Active Authentication key (aa_key.p8 of `dongpo testkit passport`).
    #[arg(long)]
    key: PathBuf,
    /// The challenge (hex, 8 octets from the terminal or the server).
    #[arg(long)]
    challenge: String,
    /// Where to write the signature (raw, as the chip returns it).
    #[arg(long)]
    out: PathBuf,
}

/// `dongpo testkit masterlist`.
#[derive(Args)]
pub struct MasterlistArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// `dongpo testkit passport`.
#[derive(Args)]
pub struct PassportArgs {
    /// rsa2048, rsa4096, rsapss3072, p256, p384, p521, bp256, bp384, bp512.
    #[arg(long)]
    profile: String,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// The same seed always gives the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// tampered-dg, bad-signature, wrong-message-digest, expired-dsc, revoked-dsc,
    /// uncovered-dg, unknown-csca, short-r, ber-indefinite, id-data (default: genuine).
    #[arg(long)]
    variant: Option<String>,
    /// Print the manifest as JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo testkit corpus`.
#[derive(Args)]
pub struct CorpusArgs {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", ")
}

/// Runs a testkit command.
pub fn run(command: TestkitCommand) -> Result<u8, String> {
    match command {
        TestkitCommand::Passport(args) => passport(args),
        TestkitCommand::Masterlist(args) => {
            masterlist(&args.out, args.seed, &mut KeyStore::default())
        }
        TestkitCommand::Corpus(args) => corpus(args),
        TestkitCommand::Csr(args) => csr(&args),
        TestkitCommand::AaSign(args) => aa_sign(&args),
        TestkitCommand::Chip(command) => crate::chip::testkit(&command),
    }
}

fn aa_sign(args: &AaSignArgs) -> Result<u8, String> {
    let key = std::fs::read(&args.key).map_err(|e| format!("{}: {e}", args.key.display()))?;
    let challenge =
        hex::decode(&args.challenge).map_err(|e| format!("--challenge: not hex: {e}"))?;
    let signature =
        dongpo_testkit::active_auth::sign(&key, &challenge, dongpo_crypto::HashAlgorithm::Sha256)
            .map_err(|e| e.to_string())?;
    std::fs::write(&args.out, signature).map_err(|e| format!("{}: {e}", args.out.display()))?;
    Ok(exit::OK)
}

fn csr(args: &CsrArgs) -> Result<u8, String> {
    use dongpo_testkit::csr;
    let spec = csr::key_spec(&args.key_algorithm).ok_or_else(|| {
        format!(
            "--key-algorithm {}: p256, p384, rsa2048, rsa3072 or rsa4096",
            args.key_algorithm
        )
    })?;
    let key =
        csr::subscriber_key(spec, args.seed, &args.key_algorithm).map_err(|e| e.to_string())?;
    let der = csr::csr(&key, spec, "dongpo testkit subscriber").map_err(|e| e.to_string())?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| e.to_string())?;
    let files = std::collections::BTreeMap::from([
        ("key.p8".to_string(), pkcs8.to_vec()),
        ("csr.pem".to_string(), csr::csr_pem(&der).into_bytes()),
    ]);
    dongpo_testkit::write_files(&files, &args.out).map_err(|e| e.to_string())?;
    println!(
        "wrote key.p8 and csr.pem ({}, seed {}) to {}",
        args.key_algorithm,
        args.seed,
        args.out.display()
    );
    Ok(exit::OK)
}

fn passport(args: PassportArgs) -> Result<u8, String> {
    let profile = Profile::from_name(&args.profile).ok_or_else(|| {
        format!(
            "unknown profile '{}' (one of: {})",
            args.profile,
            names(&Profile::ALL, Profile::name)
        )
    })?;
    let variant = match &args.variant {
        None => Variant::Genuine,
        Some(name) => Variant::from_name(name).ok_or_else(|| {
            format!(
                "unknown variant '{name}' (one of: {})",
                names(&Variant::ALL[1..], Variant::name)
            )
        })?,
    };
    let passport = dongpo_testkit::generate(profile, variant, args.seed, &mut KeyStore::default())
        .map_err(|e| e.to_string())?;
    passport.write_to(&args.out).map_err(|e| e.to_string())?;
    let manifest = passport
        .files
        .get("manifest.json")
        .cloned()
        .unwrap_or_default();
    if args.json {
        print!("{}", String::from_utf8_lossy(&manifest));
    } else {
        println!(
            "wrote {} files for profile {profile}, variant {variant}, seed {} to {}",
            passport.files.len(),
            args.seed,
            args.out.display()
        );
    }
    Ok(exit::OK)
}

fn masterlist(out: &Path, seed: u64, keys: &mut KeyStore) -> Result<u8, String> {
    let list = dongpo_testkit::masterlist::generate(seed, keys).map_err(|e| e.to_string())?;
    dongpo_testkit::write_files(&list.files, out).map_err(|e| e.to_string())?;
    println!(
        "wrote {} files (master list, seed {seed}) to {}",
        list.files.len(),
        out.display()
    );
    Ok(exit::OK)
}

fn corpus(args: CorpusArgs) -> Result<u8, String> {
    let mut keys = KeyStore::default();
    let mut written = Vec::new();
    for (profile, variant) in corpus_entries() {
        let passport = dongpo_testkit::generate(profile, variant, args.seed, &mut keys)
            .map_err(|e| e.to_string())?;
        let dir = args.out.join(profile.name()).join(variant.name());
        passport.write_to(&dir).map_err(|e| e.to_string())?;
        if !args.json {
            println!("{}", dir.display());
        }
        written.push(format!("{profile}/{variant}"));
    }
    let list =
        dongpo_testkit::masterlist::generate(args.seed, &mut keys).map_err(|e| e.to_string())?;
    dongpo_testkit::write_files(&list.files, &args.out.join("masterlist"))
        .map_err(|e| e.to_string())?;
    written.push("masterlist".to_string());
    if args.json {
        let summary = serde_json::json!({ "seed": args.seed, "documents": written });
        println!("{summary}");
    }
    Ok(exit::OK)
}
