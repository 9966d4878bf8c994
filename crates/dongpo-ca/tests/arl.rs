//! The ARL: an issuing CA revoked by the CA's own root is listed on the root's CRL, and
//! OpenSSL's `-crl_check_all` then refuses its subscriber certificates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{applicant, csr, fresh_dir, have, new_ca};
use dongpo_ca::keys::Passphrase;
use dongpo_ca::store::StoreError;
use dongpo_ca::{
    ArlError, Ca, CrlScope, InitOptions, IssueError, RevocationReason, certificate_pem,
    init_external_root,
};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

fn pass() -> Option<Passphrase> {
    Some(Passphrase::new(b"test passphrase".to_vec()))
}

fn crl_pem(der: &[u8]) -> String {
    der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der).unwrap()
}

fn verify_all(dir: &Path, work: &Path, crls: &[&[u8]], leaf: &Path) -> Output {
    let file = work.join("crls.pem");
    let text: String = crls.iter().map(|der| crl_pem(der)).collect();
    std::fs::write(&file, text).unwrap();
    Command::new("openssl")
        .args(["verify", "-crl_check_all", "-CAfile"])
        .arg(dir.join("certs/root.pem"))
        .arg("-untrusted")
        .arg(dir.join("certs/kb.pem"))
        .arg("-CRLfile")
        .arg(&file)
        .arg(leaf)
        .output()
        .unwrap()
}

fn listed(der: &[u8]) -> Vec<dongpo_pki::Serial> {
    dongpo_revocation::Crl::parse(der)
        .unwrap()
        .revoked()
        .filter_map(|e| dongpo_pki::Serial::from_bytes(e.serial_number.as_bytes()))
        .collect()
}

#[test]
fn an_issuing_ca_revoked_by_its_root_fails_its_subscribers() {
    let (dir, mut ca) = new_ca("arl", None);
    let now = UnixTime::now();
    let person = applicant(Variant::Genuine, 1, now);
    ca.register(&person.identity, now).unwrap();
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), 7),
            "kb",
            now,
        )
        .unwrap();
    let issued = ca.issue(&approval, now).unwrap();
    let kb_serial = {
        let cert = dongpo_pki::Cert::parse(&ca.chain("kb").unwrap()[0]).unwrap();
        dongpo_pki::Serial::from_integer(cert.cert.tbs_certificate().serial_number().as_bytes())
            .unwrap()
    };

    let before = ca.arl(now, pass()).unwrap();
    assert!(listed(&before).is_empty());
    let kb_crl = ca.crl("kb", CrlScope::Full, now).unwrap();

    ca.revoke_issuing("kb", RevocationReason::KeyCompromise, now)
        .unwrap();
    // Revoked once; it issues nothing more, and still signs its certificates' CRL.
    let again = ca
        .revoke_issuing("kb", RevocationReason::KeyCompromise, now)
        .unwrap_err();
    assert!(
        matches!(
            again,
            ArlError::Issue(IssueError::Store(StoreError::AlreadyRevoked))
        ),
        "{again}"
    );
    assert!(ca.issuer().ca_for("kb").is_none());
    assert!(matches!(
        ca.revoke_issuing("nosuch", RevocationReason::KeyCompromise, now),
        Err(ArlError::UnknownIssuer(_))
    ));
    let after = ca.arl(now, pass()).unwrap();
    assert_eq!(listed(&after), vec![kb_serial.clone()]);
    let numbers = |der: &[u8]| {
        u64::from_str_radix(
            &dongpo_revocation::Crl::parse(der)
                .unwrap()
                .number_hex()
                .unwrap(),
            16,
        )
        .unwrap()
    };
    assert!(numbers(&after) > numbers(&before));
    let kb_crl_after = ca.crl("kb", CrlScope::Full, now).unwrap();
    assert!(listed(&kb_crl_after).is_empty());
    drop(ca);
    // Reopened: the revocation and the retirement hold.
    let mut ca = Ca::open_with_passphrase(&dir, pass()).unwrap();
    assert!(ca.issuer().ca_for("kb").is_none());
    assert_eq!(listed(&ca.arl(now, pass()).unwrap()), vec![kb_serial]);
    ca.verify_audit().unwrap();

    if !have("openssl") {
        println!("skipped: openssl not found");
        return;
    }
    let work = fresh_dir("arl-openssl");
    let leaf = work.join("leaf.pem");
    std::fs::write(&leaf, certificate_pem(&issued.der)).unwrap();
    let good = verify_all(&dir, &work, &[&before, &kb_crl], &leaf);
    assert!(
        good.status.success(),
        "{}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );
    let refused = verify_all(&dir, &work, &[&after, &kb_crl_after], &leaf);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        !refused.status.success() && text.contains("revoked"),
        "{text}"
    );
}

#[test]
fn under_an_external_root_there_is_no_arl() {
    let (dir, ca) = new_ca("arl-external-source", None);
    let root = std::fs::read(dir.join("certs/root.pem")).unwrap();
    drop(ca);
    let other = fresh_dir("arl-external").join("ca");
    let profiles = dongpo_profiles::builtin().unwrap();
    init_external_root(
        &other,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: pass(),
            store: None,
            node: "test",
            at: UnixTime::now(),
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
        &root,
    )
    .unwrap();
    let mut ca = Ca::open_with_passphrase(&other, pass()).unwrap();
    let now = UnixTime::now();
    assert!(matches!(
        ca.revoke_issuing("kb", RevocationReason::KeyCompromise, now),
        Err(ArlError::ExternalRoot)
    ));
    assert!(matches!(ca.arl(now, pass()), Err(ArlError::ExternalRoot)));
}
