//! Rollover of an issuing CA: the new key issues, the old key keeps signing the CRLs and
//! OCSP responses of the certificates it issued. A certificate issued before the rollover
//! stays verifiable and revocable after it (OpenSSL's CRL check and OCSP client), each key
//! has its own CRL, and OCSP answers for both (responder chosen by issuerKeyHash).
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
use dongpo_ca::{Ca, CrlScope, RevocationReason, Rollover, RolloverError, certificate_pem};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

fn issue(ca: &mut Ca, person: &common::Applicant, seed: u64, now: UnixTime) -> dongpo_ca::Issued {
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), seed),
            "kb",
            now,
        )
        .unwrap();
    ca.issue(&approval, now).unwrap()
}

fn crl_pem(der: &[u8]) -> String {
    der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, der).unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn verify(root: &Path, issuing: &Path, crl: &Path, leaf: &Path) -> Output {
    Command::new("openssl")
        .args(["verify", "-crl_check", "-CAfile"])
        .arg(root)
        .arg("-untrusted")
        .arg(issuing)
        .arg("-CRLfile")
        .arg(crl)
        .arg(leaf)
        .output()
        .unwrap()
}

/// OpenSSL's OCSP client asks about `leaf` as issued by `issuer`; the library responder
/// answers; OpenSSL checks the response (signed by `issuer`) and prints it.
fn ocsp(
    ca: &mut Ca,
    work: &Path,
    root: &Path,
    issuer: &Path,
    leaf: &Path,
    now: UnixTime,
) -> String {
    let (req, resp) = (work.join("req.der"), work.join("resp.der"));
    let made = Command::new("openssl")
        .args(["ocsp", "-no_nonce", "-issuer"])
        .arg(issuer)
        .arg("-cert")
        .arg(leaf)
        .arg("-reqout")
        .arg(&req)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    let answer = ca.ocsp_respond(&std::fs::read(&req).unwrap(), now).unwrap();
    std::fs::write(&resp, answer).unwrap();
    let checked = Command::new("openssl")
        .args(["ocsp", "-resp_text", "-respin"])
        .arg(&resp)
        .arg("-reqin")
        .arg(&req)
        .arg("-CAfile")
        .arg(root)
        .arg("-VAfile")
        .arg(issuer)
        .output()
        .unwrap();
    text(&checked)
}

#[test]
fn certificates_of_the_old_key_stay_verifiable_and_revocable_after_a_rollover() {
    let (dir, mut ca) = new_ca("rollover", None);
    let now = UnixTime::now();
    let person = applicant(Variant::Genuine, 1, now);
    ca.register(&person.identity, now).unwrap();
    let old = issue(&mut ca, &person, 7, now);
    assert_eq!(old.issuer, "kb");

    let done = ca
        .rollover(
            "kb",
            now,
            Some(Passphrase::new(b"test passphrase".to_vec())),
        )
        .unwrap();
    assert_eq!(
        done,
        Rollover::Installed {
            name: "kb-g2".into(),
            retired: "kb".into()
        }
    );
    let new = issue(&mut ca, &person, 8, now);
    assert_eq!(new.issuer, "kb-g2");
    let partitions = ca.issuer().crl_partitions();
    let old_partition = dongpo_ca::partition_of(&old.serial, partitions);
    let new_partition = dongpo_ca::partition_of(&new.serial, partitions);
    // Each key's certificates name that key's CRLs.
    let as_text = |der: &[u8]| String::from_utf8_lossy(der).into_owned();
    assert!(as_text(&old.der).contains(&format!("/crl/kb-{old_partition}.crl")));
    assert!(as_text(&new.der).contains(&format!("/crl/kb-g2-{new_partition}.crl")));
    drop(ca);

    // Reopened: the new key issues, the old one is retired but still loaded.
    let mut ca =
        Ca::open_with_passphrase(&dir, Some(Passphrase::new(b"test passphrase".to_vec()))).unwrap();
    assert_eq!(ca.issuer().ca_for("kb").unwrap().name, "kb-g2");
    let old_ca = ca.issuer().cas().iter().find(|c| c.name == "kb").unwrap();
    assert!(old_ca.retired);
    let config = std::fs::read_to_string(dir.join("ca.toml")).unwrap();
    assert!(config.contains("retired = true") && config.contains("certs/kb-g2.pem"));
    // The old certificate is revoked after the rollover.
    ca.revoke(&old.serial, RevocationReason::KeyCompromise, now)
        .unwrap();
    let old_crl = ca
        .crl("kb", CrlScope::Partition(old_partition), now)
        .unwrap();
    let new_crl = ca
        .crl("kb-g2", CrlScope::Partition(new_partition), now)
        .unwrap();
    let listed = |der: &[u8]| -> Vec<Vec<u8>> {
        dongpo_revocation::Crl::parse(der)
            .unwrap()
            .revoked()
            .map(|e| e.serial_number.as_bytes().to_vec())
            .collect()
    };
    assert!(
        listed(&old_crl)
            .iter()
            .any(|s| dongpo_pki::Serial::from_bytes(s).as_ref() == Some(&old.serial))
    );
    assert!(
        listed(&new_crl).is_empty(),
        "the new key's CRL lists its own certificates only"
    );
    // Every CRL of both keys is published, under each key's own names.
    let published: Vec<String> = ca
        .publish_crls(now)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        published.contains(&"kb.crl".to_owned()) && published.contains(&"kb-g2.crl".to_owned())
    );
    assert!(published.contains(&format!("kb-g2-{new_partition}.crl")));

    if !have("openssl") {
        println!("skipped: openssl not found");
        return;
    }
    let work = fresh_dir("rollover-openssl");
    let root = dir.join("certs/root.pem");
    let (old_issuing, new_issuing) = (dir.join("certs/kb.pem"), dir.join("certs/kb-g2.pem"));
    let (old_leaf, new_leaf) = (work.join("old.pem"), work.join("new.pem"));
    std::fs::write(&old_leaf, certificate_pem(&old.der)).unwrap();
    std::fs::write(&new_leaf, certificate_pem(&new.der)).unwrap();
    let (old_crl_file, new_crl_file) = (work.join("kb.crl.pem"), work.join("kb-g2.crl.pem"));
    std::fs::write(&old_crl_file, crl_pem(&old_crl)).unwrap();
    std::fs::write(&new_crl_file, crl_pem(&new_crl)).unwrap();

    let revoked = verify(&root, &old_issuing, &old_crl_file, &old_leaf);
    assert!(
        !revoked.status.success() && text(&revoked).contains("revoked"),
        "{}",
        text(&revoked)
    );
    let good = verify(&root, &new_issuing, &new_crl_file, &new_leaf);
    assert!(good.status.success(), "{}", text(&good));
    // The old key's CRL is no CRL for the new key's certificates.
    let crossed = verify(&root, &new_issuing, &old_crl_file, &new_leaf);
    assert!(!crossed.status.success(), "{}", text(&crossed));

    // OCSP answers for both keys' certificates, each signed by its own key.
    let answer = ocsp(&mut ca, &work, &root, &old_issuing, &old_leaf, now);
    assert!(
        answer.contains("Response verify OK") && answer.contains(": revoked"),
        "{answer}"
    );
    let answer = ocsp(&mut ca, &work, &root, &new_issuing, &new_leaf, now);
    assert!(
        answer.contains("Response verify OK") && answer.contains("Cert Status: good"),
        "{answer}"
    );
    // Asked with the old key's hash (OpenSSL takes the name hash from the certificate's
    // issuer, the key hash from the issuer given), the new key's certificate is not
    // vouched for: no responder holds that name and key together.
    let answer = ocsp(&mut ca, &work, &root, &old_issuing, &new_leaf, now);
    assert!(
        answer.contains("unauthorized") && !answer.contains("Cert Status"),
        "{answer}"
    );
}

#[test]
fn a_profile_no_issuing_ca_serves_is_not_rolled_over() {
    let (_dir, mut ca) = new_ca("rollover-unknown", None);
    let err = ca
        .rollover(
            "nosuch",
            UnixTime::now(),
            Some(Passphrase::new(b"test passphrase".to_vec())),
        )
        .unwrap_err();
    assert!(matches!(err, RolloverError::UnknownProfile(_)), "{err}");
    let err = ca
        .rollover(
            "kb",
            UnixTime::now(),
            Some(Passphrase::new(b"wrong".to_vec())),
        )
        .unwrap_err();
    assert!(matches!(err, RolloverError::Key(_)), "{err}");
    assert_eq!(ca.issuer().ca_for("kb").unwrap().name, "kb");
}
