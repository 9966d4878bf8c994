//! `dongpo ca init`, `dongpo registry import`, `dongpo audit verify` (`docs/cli.md`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use dongpo_ca::Identity;
use dongpo_ca::Pkcs11Ref;
use dongpo_ca::access::registry_imports;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{Access, AuditVerifyError, CLI_ACTOR, Ca};
use dongpo_ca::{InitOptions, PASSPHRASE_ENV, init};
use dongpo_pki::time::UnixTime;

use crate::exit;

/// `dongpo ca ...`.
#[derive(Subcommand)]
pub enum CaCommand {
    /// Create a CA directory: root CA, one issuing CA per profile, store, secrets, ca.toml.
    /// With --external-root: the bank's own root, issuing CA keys and one request per
    /// profile (DIR/csr/<profile>.csr.pem) for that root to sign.
    Init(Box<InitArgs>),
    /// Install the certificate an external root signed for a profile's issuing CA, after
    /// checking it (key, CA constraints, key usage, policy, chain to the root).
    InstallIssuing(InstallIssuingArgs),
    /// Give a profile's issuing CA a new key: with the root key held, the root signs it and
    /// it issues at once; under an external root, a request (DIR/csr/<profile>-g<N>.csr.pem)
    /// for install-issuing. The old key keeps signing CRLs and OCSP for its certificates.
    Rollover(RolloverArgs),
    /// Revoke an issuing CA's certificate by the CA's own root (it then issues nothing); the
    /// root's ARL lists it.
    RevokeIssuing(RevokeIssuingArgs),
    /// Write the root's current ARL (DER): the issuing CA certificates it revoked.
    Arl(ArlArgs),
    /// Record this directory's `max_report_age` and profiles (with their `min_assurance`)
    /// as the CA's settings in its store (audited), after changing them on every node;
    /// nodes with other values are then refused at start.
    AcceptSettings(AcceptSettingsArgs),
}

/// `dongpo ca accept-settings`.
#[derive(Args)]
pub struct AcceptSettingsArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
}

/// `dongpo ca revoke-issuing`.
#[derive(Args)]
pub struct RevokeIssuingArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The issuing CA's name (`ca.toml` `[[issuer]]` name, e.g. kb or kb-g2).
    #[arg(long)]
    issuer: String,
    /// RFC 5280 reason: unspecified, keyCompromise, affiliationChanged, superseded,
    /// cessationOfOperation, ...
    #[arg(long, default_value = "superseded")]
    reason: String,
    /// Also write the new ARL (DER) here.
    #[arg(long)]
    arl_out: Option<PathBuf>,
}

/// `dongpo ca arl`.
#[derive(Args)]
pub struct ArlArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Where to write the ARL (DER).
    #[arg(long)]
    out: PathBuf,
}

/// `dongpo ca rollover`.
#[derive(Args)]
pub struct RolloverArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The profile whose issuing CA gets a new key.
    #[arg(long)]
    profile: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo ca install-issuing`.
#[derive(Args)]
pub struct InstallIssuingArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The profile whose issuing CA the certificate is for.
    #[arg(long)]
    profile: String,
    /// The certificate the external root signed (PEM or DER).
    #[arg(long)]
    cert: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo ca init`.
#[derive(Args)]
pub struct InitArgs {
    /// The CA directory (created; must not already hold a CA).
    #[arg(long)]
    dir: PathBuf,
    /// Key algorithm of the root and issuing CAs: p256, p384 or rsa3072.
    #[arg(long, default_value = "p256")]
    key_algorithm: String,
    /// Store: a `postgres://` URL without a password (default: SQLite file ca.sqlite in
    /// the directory).
    #[arg(long, conflicts_with = "store_file")]
    store: Option<String>,
    /// A file holding the store's `postgres://` URL, for a URL that carries a password
    /// (never on the command line, where `ps` and the shell history would keep it).
    #[arg(long)]
    store_file: Option<PathBuf>,
    /// Audit node id of this CA process.
    #[arg(long, default_value = "node-1")]
    node: String,
    /// The key directory (keyring), relative to DIR or absolute, outside DIR (default
    /// DIR.keys beside it); recorded in ca.toml.
    #[arg(long)]
    key_dir: Option<String>,
    /// Generate the CA keys in a PKCS#11 token through this module (e.g.
    /// /usr/lib/softhsm/libsofthsm2.so) instead of encrypted files.
    #[arg(long, requires_all = ["pkcs11_token", "pkcs11_pin_env"])]
    pkcs11_module: Option<String>,
    /// Label of the PKCS#11 token.
    #[arg(long)]
    pkcs11_token: Option<String>,
    /// Environment variable holding the token's user PIN (read now and at every start).
    #[arg(long)]
    pkcs11_pin_env: Option<String>,
    /// Prefix of the key labels in the token (`<prefix>-root`, `<prefix>-toss`, ...).
    #[arg(long, default_value = "dongpo")]
    pkcs11_key_label: String,
    /// The bank's own root certificate (PEM or DER): no root key is made; each issuing CA
    /// gets a request DIR/csr/<profile>.csr.pem for that root to sign, installed with
    /// `dongpo ca install-issuing`.
    #[arg(long)]
    external_root: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo registry ...`.
#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Register overseas citizens: a CSV export (header row with the identity.json field
    /// names) or one identity.json. Resident registration numbers are stored only as a
    /// keyed hash.
    Import(ImportArgs),
    /// Add a new registry data key and re-seal every record under it, in batches, while
    /// the CA keeps serving (old records open until re-sealed).
    RotateKey(RotateKeyArgs),
    /// Erase a person: their registry record and what the server database holds about
    /// them (verifications and receipts their certificates were issued on, document
    /// bindings). Certificates, serials and key bindings stay (pseudonymous).
    Delete(DeleteArgs),
}

/// `dongpo registry rotate-key`.
#[derive(Args)]
pub struct RotateKeyArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Records re-sealed per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    batch: u32,
    /// Finish an interrupted rotation: re-seal under the newest key, add none.
    #[arg(long)]
    resume: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo registry delete`.
#[derive(Args)]
pub struct DeleteArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// A file holding the person's resident registration number (never on the command
    /// line, where `ps` and the shell history would keep it).
    #[arg(long)]
    rrn_file: PathBuf,
    /// The server database: a SQLite file or a `postgres://` URL (default: the CA store's
    /// PostgreSQL database, else `server.sqlite` beside the CA directory when it exists).
    #[arg(long)]
    server_db: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `dongpo registry import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// A registry CSV file.
    #[arg(
        long,
        conflicts_with = "identity",
        required_unless_present = "identity"
    )]
    csv: Option<PathBuf>,
    /// One identity.json.
    #[arg(long)]
    identity: Option<PathBuf>,
}

/// `dongpo audit ...`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the HMAC chain of the audit log: any changed, removed or reordered record
    /// is reported with its node and sequence number.
    Verify(AuditArgs),
}

/// `dongpo audit verify`.
#[derive(Args)]
pub struct AuditArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The key passphrase from `DONGPO_CA_PASSPHRASE`, if set.
pub fn passphrase_from_env() -> Option<Passphrase> {
    Passphrase::from_env(PASSPHRASE_ENV).ok()
}

/// Opens the CA directory to write it, with a message that says what to do. It claims the
/// directory's audit node (`ca.toml`'s `node`): while a server runs on the directory with
/// that node id, the command is refused (stop the server, or make the change through it).
pub fn open(dir: &Path) -> Result<Ca, String> {
    Ca::open(dir).map_err(|e| e.to_string())
}

/// Runs `dongpo ca`.
pub fn run(command: &CaCommand) -> Result<u8, String> {
    let args = match command {
        CaCommand::Init(args) => args,
        CaCommand::AcceptSettings(args) => return accept_settings(args),
        CaCommand::InstallIssuing(args) => return install_issuing(args),
        CaCommand::Rollover(args) => return rollover(args),
        CaCommand::RevokeIssuing(args) => return revoke_issuing(args),
        CaCommand::Arl(args) => return arl(args),
    };
    let store = store_location(args)?;
    let profiles = dongpo_profiles::builtin().map_err(|e| e.to_string())?;
    let passphrase = passphrase_from_env();
    let generated = passphrase.is_none();
    let external_root = match &args.external_root {
        Some(path) => Some(std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?),
        None => None,
    };
    let options = InitOptions {
        key_algorithm: &args.key_algorithm,
        profiles: &profiles,
        passphrase,
        store,
        node: &args.node,
        at: UnixTime::now(),
        pkcs11: match (
            &args.pkcs11_module,
            &args.pkcs11_token,
            &args.pkcs11_pin_env,
        ) {
            (Some(module), Some(token), Some(pin_env)) => Some(Pkcs11Ref {
                module: module.clone(),
                token: token.clone(),
                key_label: args.pkcs11_key_label.clone(),
                pin_env: pin_env.clone(),
            }),
            _ => None,
        },
        key_dir: args.key_dir.clone(),
        kek: None,
    };
    let config = match &external_root {
        Some(root) => dongpo_ca::init_external_root(&args.dir, options, root),
        None => init(&args.dir, options),
    }
    .map_err(|e| e.to_string())?;
    let requests: Vec<&str> = config
        .issuers
        .iter()
        .filter_map(|i| i.csr.as_deref())
        .collect();
    let issuers: Vec<&str> = config.issuers.iter().map(|i| i.name.as_str()).collect();
    let keyring = dongpo_ca::keyring::Keyring::new(
        dongpo_ca::keyring::resolve_dir(&args.dir, config.key_dir.as_deref()),
        dongpo_ca::keyring::Kek::from_process_env().map_err(|e| e.to_string())?,
    );
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "dir": args.dir.display().to_string(),
                "key_algorithm": config.key_algorithm,
                "root": config.root.cert,
                "issuers": issuers,
                "store": config.store,
                "passphrase_generated": generated,
                "key_dir": keyring.dir().display().to_string(),
                "external_root": config.external_root(),
                "requests": requests,
            })
        );
    } else if config.external_root() {
        println!(
            "created a CA in {} under the external root {}: issuing CA keys {} ({} keys), store {}",
            args.dir.display(),
            config.root.cert,
            issuers.join(", "),
            config.key_algorithm,
            config.store
        );
        println!(
            "requests for the root to sign: {} (install each certificate with `dongpo ca install-issuing`)",
            requests.join(", ")
        );
        println!("keyring: {}", keyring.describe());
    } else {
        println!(
            "created a CA in {}: root CA and issuing CAs {} ({} keys), store {}",
            args.dir.display(),
            issuers.join(", "),
            config.key_algorithm,
            config.store
        );
        println!("keyring: {}", keyring.describe());
        if generated {
            eprintln!(
                "note: {PASSPHRASE_ENV} was not set; a random key passphrase was stored in the keyring. \
                 Set {PASSPHRASE_ENV} (or use a PKCS#11 token) for production."
            );
        }
    }
    Ok(exit::OK)
}

/// Appends access records of what this command did (`docs/operators.md`). What was done
/// stays done when recording fails, and the message says so.
pub fn record_access(ca: &Ca, accesses: &[Access]) -> Result<(), String> {
    ca.access_log()
        .map_err(|e| e.to_string())
        .and_then(|mut log| log.record(accesses).map_err(|e| e.to_string()))
        .map_err(|e| format!("done, but recording the access failed: {e}"))
}

/// Whether a `postgres://` URL carries a password (`user:password@` before the host, or a
/// `password=` parameter).
fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let in_userinfo = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let in_query = rest.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| pair.to_ascii_lowercase().starts_with("password="))
    });
    in_userinfo || in_query
}

/// `--store`, refused when it carries a password, or the URL in `--store-file`.
fn store_location(args: &InitArgs) -> Result<Option<String>, String> {
    if let Some(url) = &args.store {
        if url_has_password(url) {
            return Err(
                "--store: the URL carries a password; give it in a file with --store-file FILE \
                 instead of on the command line"
                    .into(),
            );
        }
        return Ok(Some(url.clone()));
    }
    match &args.store_file {
        Some(path) => {
            let text = crate::vid::read_secret_text(path)?;
            Ok(Some(text.trim().to_owned()))
        }
        None => Ok(None),
    }
}

/// Runs `dongpo registry`.
pub fn registry(command: &RegistryCommand) -> Result<u8, String> {
    let args = match command {
        RegistryCommand::Import(args) => args,
        RegistryCommand::RotateKey(args) => return rotate_key(args),
        RegistryCommand::Delete(args) => return delete(args),
    };
    let mut ca = open(&args.dir)?;
    let now = UnixTime::now();
    let persons = match (&args.csv, &args.identity) {
        (Some(csv), _) => {
            let text =
                std::fs::read_to_string(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
            ca.import_registry_csv(&text, now)
                .map_err(|e| format!("{}: {e}", csv.display()))?
        }
        (None, Some(path)) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let identity = Identity::from_json(&text, &path.display().to_string())
                .map_err(|e| e.to_string())?;
            ca.register_all(std::slice::from_ref(&identity), now)
                .map_err(|e| e.to_string())?
        }
        (None, None) => return Err("give --csv FILE or --identity FILE".into()),
    };
    record_access(&ca, &registry_imports(CLI_ACTOR, &persons, now))?;
    println!("registered {} overseas citizen(s)", persons.len());
    Ok(exit::OK)
}

/// Runs `dongpo registry rotate-key`.
fn rotate_key(args: &RotateKeyArgs) -> Result<u8, String> {
    let mut ca = open(&args.dir)?;
    let quiet = args.json;
    let rotation = ca
        .rotate_registry_key(args.resume, args.batch, UnixTime::now(), &mut |done| {
            if !quiet {
                eprintln!("re-sealed {done} record(s)");
            }
        })
        .map_err(|e| e.to_string())?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "key_version": rotation.version, "resealed": rotation.resealed })
        );
    } else {
        println!(
            "registry sealed under data key version {}: {} record(s) re-sealed",
            rotation.version, rotation.resealed
        );
    }
    Ok(exit::OK)
}

/// The server database `dongpo registry delete` erases from: `--server-db`, else the CA
/// store's PostgreSQL database (the server keeps its tables there), else the data
/// directory's `server.sqlite` when the CA directory sits in one.
fn server_db_location(args: &DeleteArgs, ca: &Ca) -> Option<String> {
    if let Some(location) = &args.server_db {
        return Some(location.clone());
    }
    let store = dongpo_ca::resolve_store(ca.dir(), &ca.config().store);
    if store.starts_with("postgres://") || store.starts_with("postgresql://") {
        return Some(store);
    }
    let beside = args.dir.parent()?.join("server.sqlite");
    beside.is_file().then(|| beside.display().to_string())
}

/// Runs `dongpo registry delete`: [`dongpo_server::erasure::erase_person`].
fn delete(args: &DeleteArgs) -> Result<u8, String> {
    // Surrounding whitespace (a final newline) is ignored by the registry's parser.
    let rrn = crate::vid::read_secret_text(&args.rrn_file)?;
    let mut ca = open(&args.dir)?;
    let location = server_db_location(args, &ca);
    let mut db = match &location {
        Some(location) => Some(dongpo_server::db::open(location).map_err(|e| e.to_string())?),
        None => None,
    };
    let erased = match dongpo_server::erasure::erase_person(
        &mut ca,
        // Re-borrowed for the call: the boxed database outlives it.
        db.as_mut()
            .map(|db| &mut **db as &mut dyn dongpo_server::db::ServerDb),
        &rrn,
        UnixTime::now(),
    ) {
        Ok(erased) => erased,
        Err(dongpo_server::erasure::EraseError::Server { erasure, source }) => {
            // The registry part ran: recorded as unfinished, then the failure reported.
            record_access(
                &ca,
                &[dongpo_ca::access::registry_erasure(
                    CLI_ACTOR,
                    &erasure.person,
                    erasure.record_deleted,
                    false,
                    UnixTime::now(),
                )],
            )?;
            return Err(format!(
                "{}: erasure: the registry part is done, the server's records not yet (run it again): {source}",
                args.rrn_file.display()
            ));
        }
        Err(e) => return Err(format!("{}: {e}", args.rrn_file.display())),
    };
    record_access(
        &ca,
        &[dongpo_ca::access::registry_erasure(
            CLI_ACTOR,
            &erased.ca.person,
            erased.ca.record_deleted,
            true,
            UnixTime::now(),
        )],
    )?;
    let server = erased.server.unwrap_or_default();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "record_deleted": erased.ca.record_deleted,
                "verifications_deleted": server.verifications,
                "documents_deleted": server.documents,
                "certificates_kept": erased.ca.certificate_serials,
                "server_db": location.is_some(),
            })
        );
    } else {
        println!(
            "{}; {} verification(s) with receipts and {} document binding(s) deleted; {} certificate(s) kept",
            if erased.ca.record_deleted {
                "registry record deleted"
            } else {
                "no registry record for this number"
            },
            server.verifications,
            server.documents,
            erased.ca.certificate_serials.len()
        );
        if location.is_none() {
            eprintln!(
                "note: no server database found (give --server-db): only the CA's records were erased"
            );
        }
    }
    Ok(exit::OK)
}

/// Runs `dongpo ca accept-settings`.
fn install_issuing(args: &InstallIssuingArgs) -> Result<u8, String> {
    let cert = std::fs::read(&args.cert).map_err(|e| format!("{}: {e}", args.cert.display()))?;
    let mut ca = open(&args.dir)?;
    ca.install_issuing(&args.profile, &cert, UnixTime::now())
        .map_err(|e| format!("{}: {e}", args.cert.display()))?;
    let pending = ca.pending_issuers();
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "profile": args.profile, "installed": true, "pending": pending })
        );
    } else {
        println!(
            "installed the issuing CA certificate of profile {} (audited: issuing_ca.installed)",
            args.profile
        );
        if !pending.is_empty() {
            println!("still awaiting their certificate: {}", pending.join(", "));
        }
    }
    Ok(exit::OK)
}

fn revoke_issuing(args: &RevokeIssuingArgs) -> Result<u8, String> {
    let reason = dongpo_ca::RevocationReason::from_name(&args.reason).ok_or_else(|| {
        format!(
            "--reason {}: one of {}",
            args.reason,
            dongpo_ca::RevocationReason::names().join(", ")
        )
    })?;
    let mut ca = open(&args.dir)?;
    let now = UnixTime::now();
    ca.revoke_issuing(&args.issuer, reason, now)
        .map_err(|e| e.to_string())?;
    println!(
        "revoked the certificate of issuing CA {} ({}); it issues nothing more",
        args.issuer,
        reason.name()
    );
    if let Some(out) = &args.arl_out {
        write_arl(&mut ca, out, now)?;
    }
    Ok(exit::OK)
}

fn write_arl(ca: &mut Ca, out: &Path, now: UnixTime) -> Result<(), String> {
    let der = ca
        .arl(now, passphrase_from_env())
        .map_err(|e| e.to_string())?;
    std::fs::write(out, der).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("wrote the root's ARL to {}", out.display());
    Ok(())
}

fn arl(args: &ArlArgs) -> Result<u8, String> {
    let mut ca = open(&args.dir)?;
    write_arl(&mut ca, &args.out, UnixTime::now())?;
    Ok(exit::OK)
}

fn rollover(args: &RolloverArgs) -> Result<u8, String> {
    let mut ca = open(&args.dir)?;
    let done = ca
        .rollover(&args.profile, UnixTime::now(), passphrase_from_env())
        .map_err(|e| e.to_string())?;
    match (&done, args.json) {
        (dongpo_ca::Rollover::Installed { name, retired }, true) => println!(
            "{}",
            serde_json::json!({ "profile": args.profile, "issuer": name, "retired": retired, "installed": true })
        ),
        (dongpo_ca::Rollover::Installed { name, retired }, false) => println!(
            "issuing CA {name} issues for profile {} from now on; {retired} is retired (it keeps signing CRLs and OCSP for its certificates)",
            args.profile
        ),
        (dongpo_ca::Rollover::Requested { name, csr }, true) => println!(
            "{}",
            serde_json::json!({ "profile": args.profile, "issuer": name, "csr": csr, "installed": false })
        ),
        (dongpo_ca::Rollover::Requested { name, csr }, false) => println!(
            "request for the external root to sign: {csr} (issuing CA {name}); install the certificate with `dongpo ca install-issuing --profile {}`",
            args.profile
        ),
        _ => println!("{done:?}"),
    }
    Ok(exit::OK)
}

fn accept_settings(args: &AcceptSettingsArgs) -> Result<u8, String> {
    Ca::open_with(
        &args.dir,
        None,
        &dongpo_ca::Overrides {
            accept_settings: Some(UnixTime::now()),
            ..dongpo_ca::Overrides::default()
        },
    )
    .map_err(|e| e.to_string())?;
    println!("recorded this directory's settings as the CA's (audited: ca.settings.accepted)");
    Ok(exit::OK)
}

/// Runs `dongpo audit`.
pub fn audit(command: &AuditCommand) -> Result<u8, String> {
    let AuditCommand::Verify(args) = command;
    // Verifying only reads: it runs beside a server holding the directory's node.
    let mut ca = Ca::open_with(
        &args.dir,
        None,
        &dongpo_ca::Overrides {
            read_only: true,
            ..dongpo_ca::Overrides::default()
        },
    )
    .map_err(|e| e.to_string())?;
    match ca.verify_audit() {
        Ok(summary) => Ok(print_chain_verdict("audit chain", args.json, Ok(&summary))),
        Err(AuditVerifyError::Chain(e)) => {
            Ok(print_chain_verdict("audit chain", args.json, Err(&e)))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Prints the verdict on a hash chain (the audit chain, the access records) as text or
/// JSON and returns the exit code: valid `OK`, broken `INVALID`.
pub(crate) fn print_chain_verdict(
    label: &str,
    json: bool,
    verdict: Result<&dongpo_ca::AuditSummary, &dyn std::fmt::Display>,
) -> u8 {
    match verdict {
        Ok(summary) => {
            if json {
                let nodes: Vec<_> = summary
                    .nodes
                    .iter()
                    .map(|(node, seq)| serde_json::json!({ "node": node, "last_seq": seq }))
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({ "valid": true, "records": summary.records, "nodes": nodes, "error": null })
                );
            } else {
                println!("{label} valid: {} records", summary.records);
            }
            exit::OK
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "valid": false, "error": e.to_string() })
                );
            } else {
                println!("{label} BROKEN: {e}");
            }
            exit::INVALID
        }
    }
}

#[cfg(test)]
mod tests {
    use super::url_has_password;

    #[test]
    fn passwords_in_store_urls_are_recognised() {
        assert!(url_has_password("postgres://ca:s3cret@db.example/ca"));
        assert!(url_has_password(
            "postgresql://ca:p@ss@db/ca?sslmode=require"
        ));
        assert!(!url_has_password("postgres://ca@db.example/ca"));
        assert!(!url_has_password("postgres://db.example/ca?user=ca"));
        assert!(!url_has_password("postgres://db:5432/ca"));
        assert!(url_has_password("postgres://db/ca?user=ca&password=x"));
    }
}
