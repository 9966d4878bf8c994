//! `dongpo demo`: the whole flow in one process on embedded defaults, each step printed.
//!
//! A generated Korean-style ePassport chip (Chip Authentication, no Active Authentication)
//! is read in this process by the reference terminal and verified (Passive Authentication,
//! then Chip Authentication on the same session: assurance `PA+CA`), its holder found
//! in the registry of overseas citizens, one certificate issued under each of the five
//! profiles, a weak CSR refused, one more certificate issued and revoked, and the audit
//! chain verified. Nothing here is a real person or a real key.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use clap::Args;
use dongpo_ca::Assurance;
use dongpo_ca::Ca;
use dongpo_ca::Identity;
use dongpo_ca::RevocationReason;
use dongpo_ca::certificate_pem;
use dongpo_ca::{Application, Finalized, IssuanceError};
use dongpo_ca::{InitOptions, init};
use dongpo_chip::MrzKey;
use dongpo_chip::terminal::{Terminal, Transport, TransportError};
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::Document;
use dongpo_pki::time::UnixTime;
use dongpo_testkit::chip::{ChipOptions, ChipVariant, VirtualChip};
use dongpo_testkit::chip_auth::ChipAuthSpec;
use dongpo_testkit::{KeyStore, Profile};

use crate::{exit, passport};

/// `dongpo demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Keep the files here (CA directory, certificates, passport); a temporary directory
    /// that is removed afterwards when absent.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print a JSON summary instead of the narration.
    #[arg(long)]
    json: bool,
}

struct Narrator {
    quiet: bool,
}

impl Narrator {
    fn step(&self, text: &str) {
        if !self.quiet {
            println!("{text}");
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(io(path))
}

/// Runs the demo.
pub fn run(args: &DemoArgs) -> Result<u8, String> {
    let (out, temporary) = match &args.out {
        Some(dir) => (dir.clone(), false),
        None => {
            let mut random = [0u8; 6];
            getrandom::fill(&mut random).map_err(|e| e.to_string())?;
            (
                std::env::temp_dir().join(format!("dongpo-demo-{}", hex::encode(random))),
                true,
            )
        }
    };
    let result = demo(&out, args);
    if temporary {
        let _ = std::fs::remove_dir_all(&out);
    }
    result
}

fn demo(out: &Path, args: &DemoArgs) -> Result<u8, String> {
    let say = Narrator { quiet: args.json };
    let now = UnixTime::now();
    let ca_dir = out.join("ca");
    let certs_dir = out.join("certs");
    let passport_dir = out.join("passport");
    if ca_dir.join(dongpo_ca::CONFIG_FILE).exists() {
        return Err(format!(
            "{} already holds a demo; choose another --out",
            out.display()
        ));
    }
    for dir in [&certs_dir, &passport_dir] {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    say.step("dongpo demo: remote ePassport verification and overseas-citizen certificates");
    say.step("(generated data only: no real person, passport or key)\n");

    // 1. The CA.
    let profiles = dongpo_profiles::builtin().map_err(|e| e.to_string())?;
    init(
        &ca_dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: crate::ca::passphrase_from_env(),
            store: None,
            node: "demo",
            at: now,
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
    )
    .map_err(|e| e.to_string())?;
    let mut ca = Ca::open(&ca_dir).map_err(|e| e.to_string())?;
    say.step(&format!(
        "1. CA      created a root CA and {} issuing CAs ({}) with P-256 keys in encrypted PKCS#8 files; SQLite store in {}",
        profiles.len(),
        profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
        ca_dir.display()
    ));

    // 2. The passport, as the phone app would read it.
    // A Korean-style chip: Chip Authentication (ECDH, AES-128, P-256), no Active
    // Authentication.
    let options = ChipOptions {
        active_authentication: false,
        variant: ChipVariant::Genuine,
        chip_authentication: ChipAuthSpec::from_names("ecdh-aes128", "p256")?,
        // Opened with BAC (the demo's terminal reads EF.CardAccess and would run PACE
        // when offered; `dongpo chip read` shows PACE).
        pace: None,
    };
    let mut keys = KeyStore::default();
    let mut generated =
        dongpo_testkit::chip_document::passport(Profile::P256, 1, &options, &mut keys)
            .map_err(|e| e.to_string())?;
    let chip = VirtualChip::new(&generated, Profile::P256, 1, &options, &mut keys)
        .map_err(|e| e.to_string())?;
    // The holder's registry record (with a resident registration number, synthetic as it
    // is) goes straight into the sealed registry, never into a file.
    let identity_text = generated
        .files
        .remove("identity.json")
        .ok_or_else(|| "testkit did not write identity.json".to_owned())?;
    // The chip answers no Active Authentication: it serves no DG15, and its AA key is
    // not part of what was read.
    for name in ["DG15.bin", "aa_key.p8"] {
        generated.files.remove(name);
    }
    generated
        .write_to(&passport_dir)
        .map_err(|e| e.to_string())?;
    let file = |name: &str| {
        generated
            .files
            .get(name)
            .cloned()
            .ok_or_else(|| format!("testkit did not write {name}"))
    };
    let csca = file("csca.der")?;
    let trust_dir = ca_dir.join("trust");
    std::fs::create_dir_all(&trust_dir).map_err(io(&trust_dir))?;
    write(&trust_dir.join("testkit-csca.der"), &csca)?;
    let identity_text = String::from_utf8(identity_text).map_err(|e| e.to_string())?;
    let mut terminal = Terminal::new(InMemory(chip));
    let contents = terminal
        .read_document(&mrz_key(&identity_text)?)
        .map_err(|e| format!("chip unreadable: {e}"))?;
    say.step(&format!(
        "2. Chip    read a test ePassport over {} (issuing state KOR, ECDSA P-256 document signer, Chip Authentication, no Active Authentication): EF.SOD, DG1, DG2, DG14",
        contents.access
    ));

    // 3. The registry of overseas citizens.
    let identity =
        Identity::from_json(&identity_text, "identity.json").map_err(|e| e.to_string())?;
    let persons = ca
        .register_all(std::slice::from_ref(&identity), now)
        .map_err(|e| e.to_string())?;
    crate::ca::record_access(
        &ca,
        &dongpo_ca::access::registry_imports(dongpo_ca::CLI_ACTOR, &persons, now),
    )?;
    say.step("3. Registry registered the holder as an overseas citizen (resident registration number kept only as a keyed hash)");

    // 4. Verification: Passive Authentication, then Chip Authentication on the same
    // session with the key of the DG14 it covered.
    let mut document = Document {
        sod: contents.sod.clone(),
        data_groups: contents.data_groups.clone(),
        com: contents.com.clone(),
        active_auth: None,
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust
        .add_csca(&csca, "testkit CSCA")
        .map_err(|e| e.to_string())?;
    trust
        .add_crl(&file("csca.crl")?, "testkit CSCA CRL")
        .map_err(|e| e.to_string())?;
    let first = passport::verify(&document, &trust, now);
    document.chip_authentication =
        crate::chip::chip_authentication(&mut terminal, &contents, |id| first.passed(id));
    let report = passport::verify(&document, &trust, now);
    let assurance = Assurance::reached(
        report.passed(dongpo_icao::CheckId::AaSignature),
        report.passed(dongpo_icao::CheckId::CaAuthentication),
    )
    .label();
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    say.step(&format!(
        "4. Verify  Passive + Chip Authentication: {} checks passed, {} failed, {} skipped -> {} at {assurance}",
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Skipped),
        if report.valid { "valid" } else { "INVALID" }
    ));
    if !report.valid {
        return Err(format!(
            "the generated passport did not verify: {:?}",
            report.failed()
        ));
    }
    let dg1 = document.data_groups.get(&1).cloned().unwrap_or_default();
    // The applicant; each request below names its CSR and profile.
    let applicant = Application {
        report: &report,
        dg1: &dg1,
        receipt: None,
        rrn: &identity.resident_registration_number,
        csr: &[],
        profile: "",
    };

    // 5. One certificate per profile.
    say.step("5. Issue   one certificate under each profile (RA approval -> serial reserved -> lint -> sign -> stored):");
    let mut issued_summary = Vec::new();
    for (index, profile) in profiles.iter().enumerate() {
        // P-256 where the profile allows it (what phone apps make fastest), else its first key type.
        let p256 = dongpo_crypto::KeySpec::Ec(dongpo_crypto::Curve::P256);
        let spec = if profile.key_algorithms.contains(&p256) {
            p256
        } else {
            *profile
                .key_algorithms
                .first()
                .ok_or("profile without key algorithms")?
        };
        let key = dongpo_testkit::csr::subscriber_key(spec, index as u64 + 1, &profile.name)
            .map_err(|e| e.to_string())?;
        let csr =
            dongpo_testkit::csr::csr(&key, spec, "demo subscriber").map_err(|e| e.to_string())?;
        let issued = issue(
            &mut ca,
            Application {
                csr: &csr,
                profile: &profile.name,
                ..applicant
            },
            now,
        )?
        .map_err(|e| failed(&profile.name, &e))?;
        write(
            &certs_dir.join(format!("{}.pem", profile.name)),
            certificate_pem(&issued.der).as_bytes(),
        )?;
        say.step(&format!(
            "            {:<8} serial {}  {}  {}  -> certs/{}.pem",
            profile.name,
            issued.serial,
            key.public_key().description(),
            issued.assurance.map_or("", Assurance::label),
            profile.name
        ));
        issued_summary.push(serde_json::json!({
            "profile": profile.name, "serial": issued.serial.to_hex(), "issuer": issued.issuer,
        }));
    }

    // 6. A weak key is refused and leaves nothing behind.
    let weak_spec = dongpo_crypto::KeySpec::Rsa(1024);
    let weak =
        dongpo_testkit::csr::subscriber_key(weak_spec, 99, "weak").map_err(|e| e.to_string())?;
    let weak_csr =
        dongpo_testkit::csr::csr(&weak, weak_spec, "demo subscriber").map_err(|e| e.to_string())?;
    let refusal = match issue(
        &mut ca,
        Application {
            csr: &weak_csr,
            profile: "toss",
            ..applicant
        },
        now,
    )? {
        Ok(_) => return Err("an RSA-1024 CSR was approved".into()),
        Err(IssuanceError::Refused(refusal)) => refusal,
        Err(e) => return Err(failed("toss", &e)),
    };
    say.step(&format!(
        "6. Refuse  an RSA-1024 CSR under toss: {} ({refusal})",
        refusal.code()
    ));

    // 7. Issue one more and revoke it.
    let spec = dongpo_crypto::KeySpec::Ec(dongpo_crypto::Curve::P256);
    let key =
        dongpo_testkit::csr::subscriber_key(spec, 42, "revoked").map_err(|e| e.to_string())?;
    let csr = dongpo_testkit::csr::csr(&key, spec, "demo subscriber").map_err(|e| e.to_string())?;
    let revoked = issue(
        &mut ca,
        Application {
            csr: &csr,
            profile: "shinhan",
            ..applicant
        },
        now,
    )?
    .map_err(|e| failed("shinhan", &e))?;
    let before = ocsp_status(&mut ca, &revoked.der, "shinhan", now)?;
    ca.revoke(&revoked.serial, RevocationReason::KeyCompromise, now)
        .map_err(|e| e.to_string())?;
    let after = ocsp_status(&mut ca, &revoked.der, "shinhan", now)?;
    write(
        &certs_dir.join("revoked.pem"),
        certificate_pem(&revoked.der).as_bytes(),
    )?;
    say.step(&format!(
        "7. Revoke  issued serial {} (shinhan) and revoked it: keyCompromise -> certs/revoked.pem",
        revoked.serial
    ));
    say.step(&format!(
        "   OCSP    serial {} asked before and after: {before} before revocation, {after} after",
        revoked.serial
    ));

    // 8. The files relying parties need, and the audit chain.
    write(
        &certs_dir.join("root.pem"),
        certificate_pem(ca.root_der()).as_bytes(),
    )?;
    let mut chain = String::new();
    for issuing in ca.issuer().cas() {
        chain.push_str(&certificate_pem(&issuing.cert_der));
    }
    chain.push_str(&certificate_pem(ca.root_der()));
    write(&certs_dir.join("chain.pem"), chain.as_bytes())?;
    let crl = ca
        .crl("shinhan", dongpo_ca::CrlScope::Full, now)
        .map_err(|e| e.to_string())?;
    write(&out.join("crl.der"), &crl)?;
    let parsed = dongpo_revocation::Crl::parse(&crl).map_err(|e| e.to_string())?;
    say.step(&format!(
        "   CRL     of issuing CA shinhan: number {}, {} revoked -> crl.der",
        parsed.number_hex().unwrap_or_default(),
        parsed.revoked_count()
    ));
    let audit = ca.verify_audit().map_err(|e| e.to_string())?;
    say.step(&format!(
        "8. Audit   HMAC chain of {} records verifies",
        audit.records
    ));
    say.step(&format!(
        "\nfiles in {}: ca/ (use it with `dongpo issue|revoke|audit verify --dir`), certs/root.pem, certs/chain.pem, certs/<profile>.pem, certs/revoked.pem, crl.der, passport/",
        out.display()
    ));
    say.step(&format!(
        "check one with: openssl verify -CAfile {0}/certs/chain.pem {0}/certs/toss.pem",
        out.display()
    ));
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "out": out.display().to_string(),
                "verification_valid": report.valid,
                "assurance": assurance,
                "issued": issued_summary,
                "refused": { "profile": "toss", "code": refusal.code() },
                "revoked": { "serial": revoked.serial.to_hex(), "reason": "keyCompromise" },
                "audit_records": audit.records,
            })
        );
    }
    Ok(exit::OK)
}

/// The virtual chip in this process, as a terminal's transport.
struct InMemory(VirtualChip);

impl Transport for InMemory {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.transmit(apdu))
    }
}

/// The BAC key of the holder record's document number and dates (`YYYY-MM-DD`).
fn mrz_key(identity_json: &str) -> Result<MrzKey, String> {
    let identity: serde_json::Value =
        serde_json::from_str(identity_json).map_err(|e| e.to_string())?;
    let field = |name: &str| {
        identity
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("identity.json: no {name}"))
    };
    let yymmdd = |name: &str| -> Result<String, String> {
        Ok(field(name)?.get(2..).unwrap_or_default().replace('-', ""))
    };
    MrzKey::from_mrz_fields(
        field("document_number")?,
        &yymmdd("date_of_birth")?,
        &yymmdd("date_of_expiry")?,
    )
    .map_err(|e| e.to_string())
}

/// One certificate through the issuance service and its access records, as `dongpo
/// issue` gets it.
fn issue(
    ca: &mut Ca,
    application: Application<'_>,
    now: UnixTime,
) -> Result<Result<Finalized, IssuanceError<Infallible>>, String> {
    crate::issue::finalize_recorded(ca, application, now)
}

/// The demo's message for an issuance that did not happen.
fn failed(profile: &str, error: &IssuanceError<Infallible>) -> String {
    match error {
        IssuanceError::Refused(refusal) => format!("{profile}: refused: {refusal}"),
        other => format!("{profile}: {other}"),
    }
}

/// Asks the CA's OCSP responder about `cert_der` (SHA-1 CertID, with a nonce) and checks
/// the answer as a relying party would.
fn ocsp_status(
    ca: &mut Ca,
    cert_der: &[u8],
    issuer: &str,
    now: UnixTime,
) -> Result<String, String> {
    use dongpo_revocation::ocsp;
    let issuer_der = ca
        .issuer()
        .cas()
        .iter()
        .find(|c| c.name == issuer)
        .map(|c| c.cert_der.clone())
        .ok_or("no issuing CA")?;
    let issuer_cert = dongpo_pki::Cert::parse(&issuer_der).map_err(|e| e.to_string())?;
    let cert = dongpo_pki::Cert::parse(cert_der).map_err(|e| e.to_string())?;
    let id = ocsp::cert_id(
        dongpo_crypto::HashAlgorithm::Sha1,
        &issuer_cert,
        cert.cert.tbs_certificate().serial_number().as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let nonce = [7u8; 16];
    let request =
        ocsp::build_request(std::slice::from_ref(&id), Some(&nonce)).map_err(|e| e.to_string())?;
    let response = ca.ocsp_respond(&request, now).map_err(|e| e.to_string())?;
    let status = ocsp::verify_response(
        &response,
        &id,
        &issuer_cert,
        now,
        Some(&nonce),
        &dongpo_crypto::Verifier::new(),
    )
    .map_err(|e| e.to_string())?;
    Ok(match status.status {
        ocsp::Status::Good => "good".into(),
        ocsp::Status::Revoked { reason, .. } => format!(
            "revoked ({})",
            reason.map_or("no reason".into(), |r| format!("{r:?}"))
        ),
        ocsp::Status::Unknown => "unknown".into(),
    })
}
