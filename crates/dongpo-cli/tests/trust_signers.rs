//! Issue 15 replayed through `dongpo verify`: signers that can waive or vouch, and
//! waivers, fail closed.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64ct::{Base64, Encoding};
use der::Encode;
use dongpo_crypto::{HashAlgorithm, SigningKey};
use dongpo_icao::deviation_list::deviation_oid;
use dongpo_testkit::deviation_list::{Defect, Target, content, sign_list};
use dongpo_testkit::passport::csca_certificate;
use dongpo_testkit::pki::{self, CertRequest, Role};
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::time::{Instant, Timeline};
use dongpo_testkit::{KeyStore, Profile};
use x509_cert::Certificate;

const P256: Profile = Profile::P256;
const AT: &str = "2026-06-01T00:00:00Z";
const SIGNER_SERIAL: [u8; 2] = [0x15, 0x01];

fn synthetic(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/synthetic")
        .join(path)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-issue15-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn s(path: PathBuf) -> String {
    path.display().to_string()
}

/// Runs `dongpo verify --json --at AT` with `args` on the documents of `variant`
/// (DG1, DG2, DG14, DG15 unless replaced in `extra`): exit code, report (or Null) and
/// stderr.
fn verify(variant: &str, extra: &[String]) -> (i32, serde_json::Value, String) {
    let dir = synthetic(variant);
    let mut args: Vec<String> = vec![
        "verify".into(),
        "--json".into(),
        "--at".into(),
        AT.into(),
        "--sod".into(),
        s(dir.join("EF_SOD.bin")),
    ];
    let replaced_15 = extra.iter().any(|a| a.starts_with("15="));
    for n in [1, 2, 14, 15] {
        if n == 15 && replaced_15 {
            continue;
        }
        args.push("--dg".into());
        args.push(format!("{n}={}", s(dir.join(format!("DG{n}.bin")))));
    }
    args.extend(extra.iter().cloned());
    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(&args)
        .output()
        .expect("run dongpo");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {report}"))
}

fn key(label: &str) -> Arc<SigningKey> {
    KeyStore::default()
        .get(1, &format!("issue15/{label}"), P256.key_spec())
        .unwrap()
}

fn p256_csca() -> (Certificate, Arc<SigningKey>) {
    csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap()
}

fn dl_signer(csca: &Certificate, csca_key: &SigningKey) -> (Certificate, Arc<SigningKey>) {
    let k = key("dls");
    let t = Timeline::CURRENT;
    let cert = pki::issue(
        &CertRequest {
            role: Role::DeviationListSigner,
            subject: "CN=issue15 Deviation List Signer,O=dongpo test PKI,C=KR",
            issuer: &csca.tbs_certificate().subject().to_string(),
            subject_key: k.public_key(),
            explicit_ec_parameters: false,
            issuer_key: csca_key,
            algorithm: P256.signature_algorithm(),
            not_before: t.dsc_not_before,
            not_after: t.dsc_not_after,
            key_usage_end: t.dsc_not_after,
        },
        &SIGNER_SERIAL,
        &mut SeededRng::new(1, "issue15/dls"),
    )
    .unwrap();
    (cert, k)
}

fn crl(revoked: &[Vec<u8>]) -> Vec<u8> {
    let (csca, csca_key) = p256_csca();
    let revoked: Vec<(Vec<u8>, Instant)> = revoked
        .iter()
        .map(|s| (s.clone(), Instant(2026, 2, 1, 0, 0, 0)))
        .collect();
    pki::crl(
        &csca,
        &csca_key,
        P256.signature_algorithm(),
        Timeline::CURRENT.crl_this_update,
        Timeline::CURRENT.crl_next_update,
        &revoked,
        &mut SeededRng::new(1, "issue15/crl"),
    )
    .unwrap()
    .to_der()
    .unwrap()
}

fn p256_list(deviations: &[(Target, Vec<Defect>)]) -> Vec<u8> {
    let (csca, csca_key) = p256_csca();
    let (signer, signer_key) = dl_signer(&csca, &csca_key);
    sign_list(
        &signer,
        &signer_key,
        P256.signature_algorithm(),
        &content(deviations).unwrap(),
        Timeline::CURRENT.signing_time,
        &mut SeededRng::new(1, "issue15/dl"),
    )
    .unwrap()
}

fn defect(kind: der::asn1::ObjectIdentifier, parameter: Option<u8>) -> Defect {
    Defect {
        kind,
        parameter,
        description: None,
    }
}

fn csca_args() -> Vec<String> {
    vec!["--csca".into(), s(synthetic("p256/genuine/csca.der"))]
}

#[test]
fn cli_refuses_a_deviation_list_whose_signer_is_revoked() {
    let dir = scratch("revoked-signer");
    let list = write(
        &dir,
        "forged.dl",
        &p256_list(&[(
            Target::AllOfCsca,
            vec![defect(deviation_oid::SOD_SIGNATURE_WRONG, None)],
        )]),
    );
    let revoking = write(&dir, "revoking.crl", &crl(&[SIGNER_SERIAL.to_vec()]));
    let mut args = csca_args();
    args.extend([
        "--crl".into(),
        revoking,
        "--deviation-list".into(),
        list.clone(),
        "--require-revocation".into(),
    ]);
    let (code, _, stderr) = verify("p256/bad-signature", &args);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("revoked"), "{stderr}");
    // Without any CRL the list is refused too, naming why.
    let mut args = csca_args();
    args.extend(["--deviation-list".into(), list]);
    let (code, _, stderr) = verify("p256/bad-signature", &args);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no fresh CRL"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_waived_dg15_hash_does_not_unlock_active_authentication() {
    let dir = scratch("aa");
    let attacker = key("attacker-aa");
    let dg15 = write(
        &dir,
        "DG15.bin",
        &dongpo_testkit::dg::dg15(&attacker.public_key().to_spki_der()),
    );
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let signature = dongpo_testkit::active_auth::sign(
        &attacker.to_pkcs8_der().unwrap(),
        &challenge,
        HashAlgorithm::Sha256,
    )
    .unwrap();
    let signature = write(&dir, "aa.sig", &signature);
    let dsc = <Certificate as der::Decode>::from_der(
        &std::fs::read(synthetic("p256/genuine/dsc.der")).unwrap(),
    )
    .unwrap();
    let list = write(
        &dir,
        "dg15.dl",
        &p256_list(&[(
            Target::IssuerSerial(Box::new(dsc)),
            vec![defect(deviation_oid::DG_HASH_WRONG, Some(15))],
        )]),
    );
    let mut args = csca_args();
    args.extend([
        "--crl".into(),
        s(synthetic("p256/genuine/csca.crl")),
        "--deviation-list".into(),
        list,
        "--dg".into(),
        format!("15={dg15}"),
        "--aa-challenge".into(),
        hex::encode(challenge),
        "--aa-signature".into(),
        signature,
    ]);
    let (code, report, stderr) = verify("p256/genuine", &args);
    assert_eq!(code, 1, "{stderr}{report}");
    assert_eq!(check(&report, "dg.15.hash")["status"], "pass");
    assert_eq!(check(&report, "aa.signature")["status"], "fail");
    let _ = std::fs::remove_dir_all(&dir);
}

fn ldif_entry(dn: &str, der: &[u8]) -> String {
    format!(
        "dn: {dn},dc=data,dc=download,dc=pkd,dc=icao,dc=int\nobjectClass: top\nuserCertificate;binary:: {}\n\n",
        Base64::encode_string(der)
    )
}

#[test]
fn cli_ldif_o_dsc_entry_is_never_a_trust_anchor() {
    let dir = scratch("ldif");
    let csca = std::fs::read(synthetic("p256/genuine/csca.der")).unwrap();
    let under_dsc = write(
        &dir,
        "dsc.ldif",
        ldif_entry("cn=x,o=dsc,c=KR", &csca).as_bytes(),
    );
    let (code, report, stderr) = verify("p256/genuine", &["--pkd-ldif".into(), under_dsc]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(check(&report, "dsc.chain")["status"], "fail");
    // Filed under o=csca, the same self-signed CSCA is an anchor.
    let under_csca = write(
        &dir,
        "csca.ldif",
        ldif_entry("cn=x,o=csca,c=KR", &csca).as_bytes(),
    );
    let (code, report, stderr) = verify("p256/genuine", &["--pkd-ldif".into(), under_csca]);
    assert_eq!(code, 0, "{stderr}{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_link_from_a_csca_of_a_csca_dir_is_admitted() {
    let dir = scratch("link");
    let kor = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/real/csca-kor");
    std::fs::copy(kor.join("KOR_KR_12b.cer"), dir.join("old.cer")).unwrap();
    let mut args = csca_args();
    args.extend([
        "--link".into(),
        s(kor.join("KOR_KR_1a7.cer")),
        "--csca-dir".into(),
        s(dir.clone()),
    ]);
    let (code, report, stderr) = verify("p256/genuine", &args);
    assert_eq!(code, 0, "{stderr}{report}");
    // Without the old CSCA the link is refused (exit 2, named).
    let mut args = csca_args();
    args.extend(["--link".into(), s(kor.join("KOR_KR_1a7.cer"))]);
    let (code, _, stderr) = verify("p256/genuine", &args);
    assert_eq!(code, 2);
    assert!(stderr.contains("no trusted CSCA signed it"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
