//! `dongpo issue`, `dongpo revoke`, `dongpo crl` and `dongpo ocsp respond` (`docs/cli.md`).
//!
//! Issuance rests on a passport verified here and now: `--passport DIR` (the chip files)
//! is verified against the CA's trusted CSCAs before the RA decides.

use std::path::PathBuf;

use base64ct::Encoding;
use clap::Args;
use dongpo_ca::Assurance;
use dongpo_ca::Identity;
use dongpo_ca::RevocationReason;
use dongpo_ca::certificate_pem;
use dongpo_ca::{Application, Ca, Finalized, IssuanceError, Request, Standalone, finalize};
use dongpo_icao::passive_auth::ActiveAuthResponse;
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;

use crate::{ca, exit, passport};

/// `dongpo issue`.
#[derive(Args)]
pub struct IssueArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Certificate profile (shinhan, toss, kb, woori, hana, or one of the CA's own).
    #[arg(long)]
    profile: String,
    /// The subscriber's PKCS#10 CSR (PEM or DER).
    #[arg(long)]
    csr: PathBuf,
    /// The applicant's identity.json (their resident registration number finds the
    /// registry record; the record must match the passport's DG1).
    #[arg(long)]
    identity: PathBuf,
    /// The applicant's passport files (EF_SOD.bin, DG1.bin, ... as `dongpo testkit
    /// passport` writes them).
    #[arg(long)]
    passport: PathBuf,
    /// Extra trusted CSCA certificates (besides DIR/trust/).
    #[arg(long = "csca")]
    cscas: Vec<PathBuf>,
    /// CSCA CRLs.
    #[arg(long = "crl")]
    crls: Vec<PathBuf>,
    /// Active Authentication challenge (hex) the chip signed.
    #[arg(long, requires = "aa_signature")]
    aa_challenge: Option<String>,
    /// The chip's Active Authentication signature (file).
    #[arg(long, requires = "aa_challenge")]
    aa_signature: Option<PathBuf>,
    /// Also write the certificate (PEM) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo revoke`.
#[derive(Args)]
pub struct RevokeArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Serial number (hex).
    #[arg(long)]
    serial: String,
    /// RFC 5280 reason: unspecified, keyCompromise, affiliationChanged, superseded,
    /// cessationOfOperation, privilegeWithdrawn.
    #[arg(long)]
    reason: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `dongpo issue`.
pub fn issue(args: &IssueArgs) -> Result<u8, String> {
    let mut ca = ca::open(&args.dir)?;
    let now = UnixTime::now();
    let identity_text = String::from_utf8(read(&args.identity)?)
        .map_err(|_| format!("{}: not UTF-8", args.identity.display()))?;
    let identity = Identity::from_json(&identity_text, &args.identity.display().to_string())
        .map_err(|e| e.to_string())?;
    let csr = read(&args.csr)?;
    let active_auth = match (&args.aa_challenge, &args.aa_signature) {
        (Some(challenge), Some(signature)) => Some(ActiveAuthResponse {
            challenge: hex::decode(challenge)
                .map_err(|e| format!("--aa-challenge: not hex: {e}"))?,
            signature: read(signature)?,
        }),
        _ => None,
    };
    let document = passport::load(&args.passport, active_auth)?;
    let trust = passport::trust(&args.dir, &args.cscas, &args.crls)?;
    let report = passport::verify(&document, &trust, now);
    let dg1 = document.data_groups.get(&1).cloned().unwrap_or_default();
    let application = Application {
        report: &report,
        dg1: &dg1,
        receipt: None,
        rrn: &identity.resident_registration_number,
        csr: &csr,
        profile: &args.profile,
    };
    let issued = match finalize_recorded(&mut ca, application, now)? {
        Ok(issued) => issued,
        Err(IssuanceError::Refused(refusal)) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({ "issued": false, "error": { "code": refusal.code(), "message": refusal.to_string() } })
                );
            } else {
                eprintln!(
                    "refused ({}): {}",
                    refusal.code(),
                    crate::printable::printable(&refusal.to_string())
                );
            }
            return Ok(exit::INVALID);
        }
        Err(e) => return Err(format!("issuance failed: {e}")),
    };
    let pem = certificate_pem(&issued.der);
    if let Some(out) = &args.out {
        std::fs::write(out, &pem).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let chain: Vec<String> = issued
        .chain
        .iter()
        .map(|der| certificate_pem(der))
        .collect();
    let assurance = issued.assurance.map_or("", Assurance::label);
    if args.json {
        let mut answer = serde_json::json!({
            "issued": true,
            "serial": issued.serial.to_hex(),
            "profile": issued.profile,
            "issuer": issued.issuer,
            "assurance": assurance,
            "certificate": pem,
            "chain": chain,
        });
        // Only a profile carrying identifyData has a VID random: sealed to the certified
        // key, opened with `dongpo vid decrypt` (docs/vid.md).
        if let (Some(sealed), Some(fields)) = (&issued.vid_random, answer.as_object_mut()) {
            fields.insert(
                "vid_random_encrypted".into(),
                base64ct::Base64::encode_string(&sealed.ciphertext).into(),
            );
            fields.insert("vid_random_encryption".into(), sealed.suite.name().into());
        }
        println!("{answer}");
    } else {
        eprintln!(
            "issued serial {} under profile {} by issuing CA {} ({assurance})",
            issued.serial, issued.profile, issued.issuer,
        );
        if let Some(sealed) = &issued.vid_random {
            eprintln!(
                "VID random sealed to the subscriber key ({}; open with dongpo vid decrypt): {}",
                sealed.suite.name(),
                base64ct::Base64::encode_string(&sealed.ciphertext)
            );
        }
        print!("{pem}");
    }
    Ok(exit::OK)
}

/// Runs `dongpo revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<u8, String> {
    let serial = Serial::from_hex(&args.serial)
        .ok_or_else(|| format!("--serial {}: not a hex serial", args.serial))?;
    let reason = RevocationReason::from_name(&args.reason).ok_or_else(|| {
        format!(
            "--reason {}: one of {}",
            args.reason,
            RevocationReason::names().join(", ")
        )
    })?;
    let mut ca = ca::open(&args.dir)?;
    ca.revoke(&serial, reason, UnixTime::now())
        .map_err(|e| format!("serial {serial}: {e}"))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "serial": serial.to_hex(), "revoked": true, "reason": reason.name() })
        );
    } else {
        println!("revoked serial {serial} ({})", reason.name());
    }
    Ok(exit::OK)
}

/// `dongpo crl`.
#[derive(Args)]
pub struct CrlArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The issuing CA (`toss`, ...); the first in ca.toml when absent.
    #[arg(long)]
    issuer: Option<String>,
    /// Only this partition (as named in the certificates' CRL distribution points).
    #[arg(long)]
    partition: Option<u32>,
    /// Where to write the CRL (DER).
    #[arg(long, required_unless_present = "all_to")]
    out: Option<PathBuf>,
    /// Write every CRL (each issuing CA's full CRL and each partition, named as the
    /// certificates' distribution points name them) into this directory: run it from a
    /// timer, well inside the 7-day CRL validity, so nextUpdate never passes.
    #[arg(long, conflicts_with_all = ["issuer", "partition", "out"])]
    all_to: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `dongpo crl`.
pub fn crl(args: &CrlArgs) -> Result<u8, String> {
    let mut ca = ca::open(&args.dir)?;
    if let Some(dir) = &args.all_to {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let crls = ca
            .publish_crls(UnixTime::now())
            .map_err(|e| e.to_string())?;
        for (name, der) in &crls {
            let path = dir.join(name);
            dongpo_ca::write_public(&path, der).map_err(|e| e.to_string())?;
        }
        if args.json {
            let names: Vec<&str> = crls.iter().map(|(n, _)| n.as_str()).collect();
            println!(
                "{}",
                serde_json::json!({ "written": names, "dir": dir.display().to_string() })
            );
        } else {
            println!("wrote {} CRLs to {}", crls.len(), dir.display());
        }
        return Ok(exit::OK);
    }
    let out = args.out.as_ref().ok_or("give --out FILE or --all-to DIR")?;
    let issuer = match &args.issuer {
        Some(name) => name.clone(),
        None => ca
            .config()
            .issuers
            .first()
            .map(|i| i.name.clone())
            .ok_or("ca.toml lists no issuing CA")?,
    };
    let scope = match args.partition {
        Some(index) => dongpo_ca::CrlScope::Partition(index),
        None => dongpo_ca::CrlScope::Full,
    };
    let der = ca
        .crl(&issuer, scope, UnixTime::now())
        .map_err(|e| e.to_string())?;
    std::fs::write(out, &der).map_err(|e| format!("{}: {e}", out.display()))?;
    let parsed = dongpo_revocation::Crl::parse(&der).map_err(|e| e.to_string())?;
    let number = parsed.number_hex().unwrap_or_default();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "issuer": issuer, "crl_number": number, "entries": parsed.revoked_count(),
                "out": out.display().to_string(),
            })
        );
    } else {
        println!(
            "wrote the CRL of issuing CA {issuer} (number {number}, {} revoked) to {}",
            parsed.revoked_count(),
            out.display()
        );
    }
    Ok(exit::OK)
}

/// `dongpo ocsp ...`.
#[derive(clap::Subcommand)]
pub enum OcspCommand {
    /// Answer a DER OCSP request (e.g. from `openssl ocsp -reqout`) from the CA's store.
    Respond(OcspArgs),
}

/// `dongpo ocsp respond`.
#[derive(Args)]
pub struct OcspArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The OCSPRequest (DER).
    #[arg(long)]
    request: PathBuf,
    /// Where to write the OCSPResponse (DER).
    #[arg(long)]
    out: PathBuf,
}

/// Runs `dongpo ocsp`.
pub fn ocsp(command: &OcspCommand) -> Result<u8, String> {
    let OcspCommand::Respond(args) = command;
    let request = read(&args.request)?;
    let mut ca = ca::open(&args.dir)?;
    let response = ca
        .ocsp_respond(&request, UnixTime::now())
        .map_err(|e| e.to_string())?;
    std::fs::write(&args.out, &response).map_err(|e| format!("{}: {e}", args.out.display()))?;
    println!(
        "wrote the OCSP response ({} bytes) to {}",
        response.len(),
        args.out.display()
    );
    Ok(exit::OK)
}

/// One new certificate through the issuance service, its use of personal data written to
/// the access records (actor `cli`) whatever the outcome: the one path of `dongpo issue`
/// and `dongpo demo`.
///
/// # Errors
/// The outer error: the access could not be recorded (the issuance itself may have
/// happened; the message says so).
pub(crate) fn finalize_recorded(
    ca: &mut Ca,
    application: Application<'_>,
    now: UnixTime,
) -> Result<Result<Finalized, IssuanceError<std::convert::Infallible>>, String> {
    let rrn = application.rrn;
    let result = finalize(ca, &Request::New(application), &mut Standalone, now);
    let person = ca.person_id(rrn).ok();
    let accesses = dongpo_ca::access_records(
        dongpo_ca::CLI_ACTOR,
        person.as_deref(),
        true,
        &result,
        None,
        now,
    );
    ca::record_access(ca, &accesses)?;
    Ok(result)
}
