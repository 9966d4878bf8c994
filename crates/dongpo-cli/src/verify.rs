//! `dongpo verify`: Passive Authentication of one document (`docs/cli.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use dongpo_crypto::Verifier;
use dongpo_icao::Policy;
use dongpo_icao::Sod;
use dongpo_icao::TrustSources;
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, NoCache, Options, TimeModel};
use dongpo_icao::{Status, VerificationReport};
use dongpo_pki::UnixTime;

use crate::exit;

/// `dongpo verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// EF.SOD as read from the chip.
    #[arg(long)]
    sod: PathBuf,
    /// A data group as read, `N=FILE` (repeat for several).
    #[arg(long = "dg", value_name = "N=FILE")]
    dgs: Vec<String>,
    /// EF.COM (informational; never trusted).
    #[arg(long)]
    com: Option<PathBuf>,
    /// A trusted CSCA certificate, DER or PEM (repeat for several).
    #[arg(long)]
    csca: Vec<PathBuf>,
    /// A CSCA link certificate, admitted when a CSCA from any trust source (--csca,
    /// --csca-dir, --masterlist, --pkd-ldif, or another link) signed it; links are
    /// processed after every other trust source, in any order (repeat for several).
    #[arg(long)]
    link: Vec<PathBuf>,
    /// A Document Signer certificate for SODs that do not embed theirs (not trusted:
    /// it is verified through its CSCA; repeat for several).
    #[arg(long)]
    dsc: Vec<PathBuf>,
    /// A directory of trusted CSCA certificates (.der .cer .crt .pem).
    #[arg(long = "csca-dir")]
    csca_dir: Vec<PathBuf>,
    /// A CSCA master list whose accepted entries are trusted (pairs with
    /// --masterlist-anchor, in order).
    #[arg(long)]
    masterlist: Vec<PathBuf>,
    /// The anchor of the master list at the same position.
    #[arg(long = "masterlist-anchor")]
    masterlist_anchor: Vec<PathBuf>,
    /// An ICAO PKD LDIF download whose self-signed CSCA certificates (cA and
    /// keyCertSign, self-signature verified, never an o=dsc entry) and CRLs are trusted
    /// (only load one obtained through a channel you already trust); its other CA
    /// certificates are treated as link certificates, DSC entries are not trusted.
    #[arg(long = "pkd-ldif")]
    pkd_ldif: Vec<PathBuf>,
    /// A signed ICAO deviation list, verified against the trusted CSCAs: its signer must
    /// be valid at --at, issued by a valid trusted CSCA and not revoked by a fresh CRL of
    /// that CSCA (given with --crl or --pkd-ldif; without one the list is refused). Its
    /// waivers apply to the documents of the DSCs it names (repeat for several).
    #[arg(long = "deviation-list")]
    deviation_list: Vec<PathBuf>,
    /// A CSCA CRL, DER or PEM (repeat for several).
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Treat an undetermined revocation status as a failure.
    #[arg(long = "require-revocation")]
    require_revocation: bool,
    /// Verification time, RFC 3339 UTC (default: now).
    #[arg(long)]
    at: Option<String>,
    /// Judge certificate validity at the verification time (`verification`, default) or
    /// at the SOD's signingTime (`signing`).
    #[arg(long = "time-model", default_value = "verification")]
    time_model: String,
    /// `default` or `strict`.
    #[arg(long, default_value = "default")]
    policy: String,
    /// The Active Authentication challenge the verifier chose (hex); needs --dg 15.
    #[arg(long = "aa-challenge")]
    aa_challenge: Option<String>,
    /// The chip's Active Authentication signature over the challenge.
    #[arg(long = "aa-signature")]
    aa_signature: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_dg(spec: &str) -> Result<(u8, PathBuf), String> {
    let (number, file) = spec
        .split_once('=')
        .ok_or_else(|| format!("--dg {spec}: expected N=FILE"))?;
    let n: u8 = number
        .parse()
        .ok()
        .filter(|n| (1..=16).contains(n))
        .ok_or_else(|| format!("--dg {spec}: N must be 1 to 16"))?;
    Ok((n, PathBuf::from(file)))
}

/// Runs `dongpo verify`.
pub fn run(args: &VerifyArgs) -> Result<u8, String> {
    let mut policy = Policy::by_name(&args.policy)
        .ok_or_else(|| format!("unknown policy '{}' (default or strict)", args.policy))?;
    policy.require_revocation = args.require_revocation;
    let time_model = match args.time_model.as_str() {
        "verification" => TimeModel::VerificationTime,
        "signing" => TimeModel::SigningTime,
        other => return Err(format!("--time-model {other}: verification or signing")),
    };
    let at = match &args.at {
        Some(text) => UnixTime::parse_rfc3339(text)
            .ok_or_else(|| format!("--at {text}: not an RFC 3339 UTC time"))?,
        None => UnixTime::now(),
    };
    let verifier = Verifier::new();
    if args.masterlist.len() != args.masterlist_anchor.len() {
        return Err("--masterlist and --masterlist-anchor must be given in pairs".into());
    }
    let mut master_lists = Vec::new();
    for (list, anchor) in args.masterlist.iter().zip(&args.masterlist_anchor) {
        let anchors = crate::masterlist::anchors(std::slice::from_ref(anchor))?;
        master_lists.push((list.clone(), anchors));
    }
    // One loading order for every source: links come after every CSCA source, deviation
    // lists after the CRLs (TrustSources::load).
    let trust = TrustSources {
        csca_files: args.csca.clone(),
        csca_dirs: args.csca_dir.clone(),
        master_lists,
        pkd_ldif: args.pkd_ldif.clone(),
        crl_files: args.crl.clone(),
        links: args.link.clone(),
        dscs: args.dsc.clone(),
        deviation_lists: args.deviation_list.clone(),
    }
    .load(at, &verifier)
    .map_err(|e| e.to_string())?;
    let mut data_groups = BTreeMap::new();
    for spec in &args.dgs {
        let (n, path) = parse_dg(spec)?;
        if data_groups.insert(n, read(&path)?).is_some() {
            return Err(format!("--dg {n} given twice"));
        }
    }
    let com = args.com.as_deref().map(read).transpose()?;
    let active_auth = match (&args.aa_challenge, &args.aa_signature) {
        (None, None) => None,
        (Some(challenge), Some(signature)) => {
            if !data_groups.contains_key(&15) {
                return Err("--aa-challenge needs --dg 15=FILE".into());
            }
            let challenge =
                hex::decode(challenge).map_err(|e| format!("--aa-challenge: not hex: {e}"))?;
            // A bad flag value is a usage error (exit 2), as `dongpo aa verify` says of the
            // same empty challenge; it proves nothing, so there is nothing to report on.
            if challenge.is_empty() {
                return Err("--aa-challenge: empty challenge".into());
            }
            Some(ActiveAuthResponse {
                challenge,
                signature: read(signature)?,
            })
        }
        _ => return Err("--aa-challenge and --aa-signature go together".into()),
    };
    let document = Document {
        sod: read(&args.sod)?,
        data_groups,
        com,
        active_auth,
        chip_authentication: None,
    };
    let (report, unreadable) = check_document(
        &document,
        &trust,
        &Options {
            at,
            policy,
            time_model,
        },
        &verifier,
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print_human(&report);
    }
    if let Some(error) = unreadable {
        return Err(format!(
            "{}: not a readable EF.SOD: {error}",
            args.sod.display()
        ));
    }
    Ok(if report.valid {
        exit::OK
    } else {
        exit::INVALID
    })
}

/// The report on one document (`dongpo verify`, `dongpo chip read`), and why its EF.SOD is
/// unreadable if it is. Parsed here (once) so that an unreadable EF.SOD, including one
/// refused for its CMS structure (not exactly one SignerInfo, a duplicated signed attribute
/// or data-group number), exits 2 like any unreadable input, after the report. A SOD that
/// parses but that the policy refuses (e.g. trailing data under strict) is checked and
/// invalid: exit 1.
pub(crate) fn check_document(
    document: &Document,
    trust: &dongpo_icao::TrustStore,
    options: &Options,
    verifier: &Verifier,
) -> (VerificationReport, Option<String>) {
    let parsed = Sod::parse(&document.sod);
    let unreadable = parsed.as_ref().err().map(ToString::to_string);
    let report = passive_auth::verify_parsed(document, parsed, trust, options, verifier, &NoCache)
        .into_report();
    (report, unreadable)
}

pub(crate) fn print_human(report: &VerificationReport) {
    println!("{}", if report.valid { "VALID" } else { "INVALID" });
    for check in &report.checks {
        let mark = match check.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Skipped => "skip",
        };
        // Details quote file names (`from DIR/NAME`): escaped, never raw.
        println!(
            "  {mark:4}  {:24} {}",
            check.id,
            crate::printable::printable(&check.detail)
        );
    }
    if let Some(dsc) = &report.dsc {
        println!("DSC   {} (serial {}, {})", dsc.subject, dsc.serial, dsc.key);
    }
    if let Some(csca) = &report.csca {
        println!("CSCA  {} ({})", csca.subject, csca.key);
    }
    println!(
        "trust {}  policy {}  at {}",
        report.evidence.trust_snapshot, report.evidence.policy, report.evidence.at
    );
}
