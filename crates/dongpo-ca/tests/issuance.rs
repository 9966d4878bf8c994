//! End to end: a verified passport, a registered citizen and a CSR become a certificate
//! under each of the five profiles that OpenSSL and pkilint accept; everything refused
//! leaves the store as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::process::Command;

use common::{NOW, applicant, csr, fresh_dir, have, new_ca};
use const_oid::AssociatedOid;
use der::{Decode, Encode};
use dongpo_ca::Ca;
use dongpo_ca::RevocationReason;
use dongpo_ca::certificate_pem;
use dongpo_ca::store::CertStatus;
use dongpo_ca::{Assurance, ID_PASSPORT_EVIDENCE, PassportEvidence};
use dongpo_ca::{Refusal, RegistryRefusal, report_sha256};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

fn spec_for(profile: &str) -> KeySpec {
    if profile == "toss" {
        KeySpec::Rsa(2048)
    } else {
        KeySpec::Ec(Curve::P256)
    }
}

/// Counts of what a refusal must not change.
fn store_state(ca: &mut Ca) -> (u64, usize, usize) {
    let store = ca.issuer().store();
    (
        store.certificate_count().unwrap(),
        store.serials().unwrap().len(),
        store.audit_records().unwrap().len(),
    )
}

#[test]
fn every_profile_issues_a_certificate_openssl_and_pkilint_accept() {
    let (dir, mut ca) = new_ca("five", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    assert!(person.report.valid, "{:?}", person.report.failed());
    ca.register(&person.identity, NOW).unwrap();
    let out = fresh_dir("five-certs");
    let root = out.join("root.pem");
    std::fs::write(&root, certificate_pem(ca.root_der())).unwrap();

    for (i, profile) in ["shinhan", "toss", "kb", "woori", "hana"]
        .into_iter()
        .enumerate()
    {
        let request = csr(spec_for(profile), 100 + i as u64);
        let approval = ca
            .approve(
                &person.report,
                &person.dg1,
                person.rrn(),
                &request,
                profile,
                NOW,
            )
            .unwrap();
        let issued = ca.issue(&approval, NOW).unwrap();
        assert_eq!(issued.profile, profile);

        // What the certificate says.
        let cert = Certificate::from_der(&issued.der).unwrap();
        let tbs = cert.tbs_certificate();
        assert_eq!(
            tbs.serial_number().as_bytes().len(),
            issued.serial.as_bytes().len() + usize::from(issued.serial.as_bytes()[0] >= 0x80)
        );
        let subject = tbs.subject().to_string();
        assert!(
            subject.contains(&format!("CN={}", person.identity.name_hangul)),
            "{subject}"
        );
        assert!(!subject.contains(&person.identity.resident_registration_number));
        let (critical, ku) = tbs.get_extension::<KeyUsage>().unwrap().unwrap();
        assert!(critical);
        assert!(ku.0.contains(KeyUsages::DigitalSignature));
        let evidence = tbs
            .extensions()
            .unwrap()
            .iter()
            .find(|e| e.extn_id == ID_PASSPORT_EVIDENCE)
            .unwrap();
        let evidence = PassportEvidence::from_der(evidence.extn_value.as_bytes()).unwrap();
        assert_eq!(
            evidence.report_hash.as_bytes(),
            report_sha256(&person.report.report())
        );
        assert_eq!(evidence.assurance, Assurance::PaAa);
        assert_eq!(evidence.issuing_state.as_str(), "KOR");
        let validity = tbs.validity();
        let days = (validity.not_after.to_unix_duration().as_secs() + 1
            - validity.not_before.to_unix_duration().as_secs())
            / 86_400;
        assert_eq!(days, 1095);

        // It is in the store, good.
        let stored = ca
            .issuer()
            .store()
            .certificate(issued.serial.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(stored.cert.der, issued.der);
        assert!(matches!(stored.status, CertStatus::Good));

        // OpenSSL builds the path root -> issuing CA -> leaf.
        let leaf = out.join(format!("{profile}.pem"));
        std::fs::write(&leaf, certificate_pem(&issued.der)).unwrap();
        let chain = ca.chain(profile).unwrap();
        let untrusted = out.join(format!("{profile}-ca.pem"));
        std::fs::write(&untrusted, certificate_pem(&chain[0])).unwrap();
        if have("openssl") {
            let output = Command::new("openssl")
                .args(["verify", "-attime", &NOW.0.to_string(), "-CAfile"])
                .arg(&root)
                .arg("-untrusted")
                .arg(&untrusted)
                .arg(&leaf)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "openssl verify {profile}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        } else {
            println!("skipped: openssl not found");
        }
        if have("lint_pkix_cert") {
            let output = Command::new("lint_pkix_cert")
                .args(["lint", "-s", "ERROR", "-f", "TEXT"])
                .arg(&leaf)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                text.trim().is_empty() && output.status.success(),
                "pkilint errors for {profile}:\n{text}{}",
                String::from_utf8_lossy(&output.stderr)
            );
        } else {
            println!("skipped: pkilint not found (pip install pkilint)");
        }
    }
    assert!(dir.join("ca.sqlite").exists());
    ca.verify_audit().unwrap();
}

#[test]
fn refusals_name_the_reason_and_leave_the_store_unchanged() {
    let (_dir, mut ca) = new_ca("refuse", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let p256 = KeySpec::Ec(Curve::P256);
    let good = csr(p256, 7);
    let before = store_state(&mut ca);

    let refuse = |ca: &mut Ca,
                  report: &dongpo_icao::Outcome,
                  dg1: &[u8],
                  rrn: &str,
                  request: &[u8],
                  profile: &str,
                  at: UnixTime| {
        ca.approve(report, dg1, rrn, request, profile, at)
            .unwrap_err()
    };
    // The applicant's own passport and registration, now: only the request varies.
    let refuse_request = |ca: &mut Ca, request: &[u8], profile: &str| {
        refuse(
            ca,
            &person.report,
            &person.dg1,
            person.rrn(),
            request,
            profile,
            NOW,
        )
    };

    // Bad CSRs.
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let e = refuse_request(&mut ca, &flipped, "kb");
    assert_eq!(e.code(), "bad_csr", "{e}");
    let e = refuse_request(&mut ca, b"not a CSR at all", "kb");
    assert_eq!(e.code(), "bad_csr", "{e}");
    let e = refuse_request(&mut ca, &csr(KeySpec::Rsa(1024), 8), "kb");
    assert_eq!(e.code(), "weak_key", "{e}");
    let e = refuse_request(&mut ca, &csr(KeySpec::Ec(Curve::P384), 9), "kb");
    assert!(matches!(e, Refusal::WeakKey(_)), "{e}");
    let e = refuse_request(&mut ca, &csr(p256, 10), "toss");
    assert_eq!(e.code(), "weak_key", "toss takes RSA-2048 only: {e}");
    // An unknown signature algorithm: rewrite ecdsa-with-SHA256 to an unassigned OID arc.
    let ecdsa_sha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let mut unknown = good.clone();
    let at = unknown
        .windows(ecdsa_sha256.len())
        .rposition(|w| w == ecdsa_sha256)
        .unwrap();
    unknown[at + 9] = 0x7f;
    let e = refuse_request(&mut ca, &unknown, "kb");
    assert_eq!(e.code(), "bad_csr", "{e}");

    // Unknown profile.
    let e = refuse_request(&mut ca, &good, "naver");
    assert_eq!(e.code(), "unknown_profile");

    // Failed and stale verification reports.
    let tampered = applicant(Variant::TamperedDg, 1, NOW);
    assert!(!tampered.report.valid);
    let e = refuse(
        &mut ca,
        &tampered.report,
        &tampered.dg1,
        tampered.rrn(),
        &good,
        "kb",
        NOW,
    );
    assert_eq!(e.code(), "verification_failed", "{e}");
    let e = refuse(
        &mut ca,
        &person.report,
        &person.dg1,
        person.rrn(),
        &good,
        "kb",
        UnixTime(NOW.0 + 3_600),
    );
    assert_eq!(e.code(), "stale_verification", "{e}");

    // DG1 of another passport than the one verified.
    let other = applicant(Variant::Genuine, 2, NOW);
    let e = refuse(
        &mut ca,
        &person.report,
        &other.dg1,
        person.rrn(),
        &good,
        "kb",
        NOW,
    );
    assert_eq!(e.code(), "dg1_mismatch", "{e}");

    // Unregistered citizen; and a registered one whose record is not this passport's holder.
    let e = refuse(
        &mut ca,
        &other.report,
        &other.dg1,
        other.rrn(),
        &good,
        "kb",
        NOW,
    );
    // Every registry refusal is one code and one message (no oracle); the detail is for
    // the access record only.
    assert_eq!(e.code(), "registry_refused", "{e}");
    assert!(
        matches!(&e, Refusal::RegistryRefused(RegistryRefusal::NotRegistered)),
        "{e:?}"
    );
    let generic = e.to_string();
    let e = refuse(
        &mut ca,
        &other.report,
        &other.dg1,
        person.rrn(),
        &good,
        "kb",
        NOW,
    );
    assert_eq!(e.code(), "registry_refused", "{e}");
    assert_eq!(e.to_string(), generic);
    assert!(
        matches!(&e, Refusal::RegistryRefused(RegistryRefusal::Mismatch(fields)) if fields.contains(&"surname")),
        "{e:?}"
    );
    assert!(
        !e.to_string().contains(&person.identity.surname),
        "no names in refusals: {e}"
    );

    assert_eq!(store_state(&mut ca), before, "refusals changed the store");

    // The good request still works afterwards.
    let approval = ca
        .approve(&person.report, &person.dg1, person.rrn(), &good, "kb", NOW)
        .unwrap();
    ca.issue(&approval, NOW).unwrap();
    assert_eq!(store_state(&mut ca).0, before.0 + 1);
}

#[test]
fn inactive_registration_blocked_keys_and_one_key_per_person() {
    let (_dir, mut ca) = new_ca("keys", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    let other = applicant(Variant::Genuine, 2, NOW);
    ca.register(&person.identity, NOW).unwrap();
    ca.register(&other.identity, NOW).unwrap();
    let p256 = KeySpec::Ec(Curve::P256);
    let shared = csr(p256, 11);

    // The first person gets a certificate for the key...
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &shared,
            "shinhan",
            NOW,
        )
        .unwrap();
    ca.issue(&approval, NOW).unwrap();
    // ...and the same person may certify it again under another profile,
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &shared,
            "hana",
            NOW,
        )
        .unwrap();
    ca.issue(&approval, NOW).unwrap();
    // but nobody else may.
    let before = store_state(&mut ca);
    let approval = ca
        .approve(
            &other.report,
            &other.dg1,
            other.rrn(),
            &shared,
            "shinhan",
            NOW,
        )
        .unwrap();
    let err = ca.issue(&approval, NOW).unwrap_err();
    assert!(err.to_string().to_lowercase().contains("person"), "{err}");
    assert_eq!(store_state(&mut ca).0, before.0);

    // A blocked key is refused by the RA.
    let blocked = csr(p256, 12);
    let key = dongpo_ca::parse_csr(&blocked).unwrap();
    ca.issuer()
        .block_key(
            &dongpo_ca::spki_sha256(&key.public_key),
            "test: published private key",
            NOW,
        )
        .unwrap();
    let e = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &blocked,
            "kb",
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.code(), "blocked_key");

    // A registration that is no longer active forbids issuance.
    let mut lapsed = other.identity.clone();
    lapsed.registration_status = "cancelled".into();
    ca.register(&lapsed, NOW).unwrap();
    let e = ca
        .approve(
            &other.report,
            &other.dg1,
            other.rrn(),
            &csr(p256, 13),
            "kb",
            NOW,
        )
        .unwrap_err();
    assert_eq!(e.code(), "registry_refused", "{e}");
    assert!(
        matches!(&e, Refusal::RegistryRefused(RegistryRefusal::Inactive)),
        "{e:?}"
    );
    assert!(!e.to_string().contains("cancelled"), "{e}");
    ca.verify_audit().unwrap();
}

#[test]
fn revocation_is_durable_and_refused_twice() {
    let (dir, mut ca) = new_ca("revoke", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), 20),
            "woori",
            NOW,
        )
        .unwrap();
    let issued = ca.issue(&approval, NOW).unwrap();
    ca.revoke(&issued.serial, RevocationReason::KeyCompromise, NOW)
        .unwrap();
    assert!(
        ca.revoke(&issued.serial, RevocationReason::Superseded, NOW)
            .is_err()
    );
    let unknown = dongpo_pki::Serial::from_hex("0123").unwrap();
    assert!(
        ca.revoke(&unknown, RevocationReason::Superseded, NOW)
            .is_err()
    );
    drop(ca);

    let mut reopened = Ca::open_with_passphrase(
        &dir,
        Some(dongpo_ca::keys::Passphrase::new(
            b"test passphrase".to_vec(),
        )),
    )
    .unwrap();
    let stored = reopened
        .issuer()
        .store()
        .certificate(issued.serial.as_bytes())
        .unwrap()
        .unwrap();
    match stored.status {
        CertStatus::Revoked { reason, .. } => assert_eq!(reason, 1),
        CertStatus::Good => panic!("revocation was lost"),
    }
    let revoked = reopened.issuer().store().revoked("woori").unwrap();
    assert_eq!(revoked.len(), 1);
    let summary = reopened.verify_audit().unwrap();
    assert!(
        summary.records >= 4,
        "init, registry, issue, revoke: {summary:?}"
    );
}

#[test]
fn a_sixth_certificate_type_is_a_toml_file_and_may_carry_the_vid() {
    let (dir, ca) = new_ca("sixth", None);
    drop(ca);
    let profiles = dir.join("profiles");
    dongpo_profiles::write_builtin(&profiles, |_, text| text.to_owned()).unwrap();
    let naver = std::fs::read_to_string(profiles.join("kb.toml"))
        .unwrap()
        .replace("name = \"kb\"", "name = \"naver\"")
        .replace("identify_data_vid = false", "identify_data_vid = true")
        .replace("1.3.6.1.4.1.32473.1.3", "1.3.6.1.4.1.32473.1.6");
    std::fs::write(profiles.join("naver.toml"), naver).unwrap();
    // The new type gets its issuing CA entry in ca.toml, pointing at an existing CA here.
    let config = std::fs::read_to_string(dir.join("ca.toml")).unwrap();
    let config = config
        .replacen("profiles = [\"kb\"]", "profiles = [\"kb\", \"naver\"]", 1)
        .replacen("store = ", "profiles_dir = \"profiles\"\nstore = ", 1);
    std::fs::write(dir.join("ca.toml"), config).unwrap();

    // A changed set of profiles is a changed CA setting: refused until accepted, once for
    // every node of the CA (`dongpo ca accept-settings`), then audited.
    let passphrase = || {
        Some(dongpo_ca::keys::Passphrase::new(
            b"test passphrase".to_vec(),
        ))
    };
    let refused = Ca::open_with_passphrase(&dir, passphrase())
        .err()
        .expect("changed profiles must be refused until accepted")
        .to_string();
    assert!(refused.contains("profiles = "), "{refused}");
    let mut ca = Ca::open_with(
        &dir,
        passphrase(),
        &dongpo_ca::Overrides {
            accept_settings: Some(NOW),
            ..dongpo_ca::Overrides::default()
        },
    )
    .unwrap();
    assert!(
        ca.issuer()
            .store()
            .audit_records()
            .unwrap()
            .iter()
            .any(|r| r.kind == "ca.settings.accepted")
    );
    assert!(ca.profile("naver").is_some());
    let person = applicant(Variant::Genuine, 1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let approval = ca
        .approve(
            &person.report,
            &person.dg1,
            person.rrn(),
            &csr(KeySpec::Ec(Curve::P256), 30),
            "naver",
            NOW,
        )
        .unwrap();
    let issued = ca.issue(&approval, NOW).unwrap();
    let cert = Certificate::from_der(&issued.der).unwrap();
    let san = cert
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id == x509_cert::ext::pkix::SubjectAltName::OID)
        .unwrap();
    // R reaches the subscriber only sealed to the certified key (issue 17).
    let key = dongpo_testkit::csr::subscriber_key(KeySpec::Ec(Curve::P256), 30, "test")
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let random = dongpo_crypto::seal::open(
        &key,
        dongpo_crypto::seal::VID_RANDOM_INFO,
        &issued.vid_random.as_ref().unwrap().ciphertext,
    )
    .unwrap();
    let digits = person.rrn().replace('-', "");
    assert!(dongpo_profiles::vid::verify(san.extn_value.as_bytes(), &digits, &random).unwrap());
    assert!(
        !dongpo_profiles::vid::verify(san.extn_value.as_bytes(), "1234561234567", &random).unwrap()
    );
    let _ = cert.to_der().unwrap();
}

/// Issue 17: the registry's passport number is compared with DG1's, so a person registered
/// with another passport (a renewed one not registered again) is refused, with the field
/// named only in the refusal's detail (the access record), never its value.
#[test]
fn a_passport_other_than_the_registered_one_is_refused() {
    let (_dir, mut ca) = new_ca("passport-number", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    let mut registered = person.identity.clone();
    registered.document_number = format!("X{}", &registered.document_number[1..]);
    ca.register(&registered, NOW).unwrap();
    let good = csr(KeySpec::Ec(Curve::P256), 21);
    let e = ca
        .approve(&person.report, &person.dg1, person.rrn(), &good, "kb", NOW)
        .unwrap_err();
    assert_eq!(e.code(), "registry_refused", "{e}");
    assert!(
        matches!(&e, Refusal::RegistryRefused(RegistryRefusal::Mismatch(fields)) if *fields == vec!["document_number"]),
        "{e:?}"
    );
    assert!(!e.to_string().contains(&registered.document_number), "{e}");
    // Registered again with the passport presented, the same application is approved.
    ca.register(&person.identity, NOW).unwrap();
    ca.approve(&person.report, &person.dg1, person.rrn(), &good, "kb", NOW)
        .unwrap();
}
