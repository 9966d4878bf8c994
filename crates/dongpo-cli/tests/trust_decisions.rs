//! Issue 15 replayed through `dongpo verify`: revocation judged at the verification
//! time by the newest CRL (also with `--time-model signing`), CRLs of a rolled-over
//! CSCA key, names compared by content, and issuing states that do not map.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use der::{Encode, Tag};
use dongpo_testkit::KeyStore;
use dongpo_testkit::pki::{self, ski};
use dongpo_testkit::time::Instant;
use dongpo_testkit::trust_cases::Case;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::name::Name;

const NOW: &str = "2026-06-01T00:00:00Z";
const JAN_2026: Instant = Instant(2026, 1, 1, 0, 0, 0);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-trust-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// Writes the case and `crls` into `dir`, runs `dongpo verify` with `extra` arguments;
/// returns the exit code and the JSON report.
fn verify(
    case: &Case,
    dir: &Path,
    crls: &[(&[u8], &str)],
    extra: &[&str],
) -> (i32, serde_json::Value) {
    case.write_to(dir).unwrap();
    let mut args = vec![
        "verify".to_string(),
        "--sod".into(),
        s(&dir.join("EF_SOD.bin")),
        "--dg".into(),
        format!("1={}", s(&dir.join("DG1.bin"))),
        "--csca".into(),
        s(&dir.join("csca.der")),
        "--at".into(),
        NOW.into(),
        "--json".into(),
    ];
    for (crl, name) in crls {
        let path = dir.join(name);
        std::fs::write(&path, crl).unwrap();
        args.extend(["--crl".to_string(), s(&path)]);
    }
    args.extend(extra.iter().map(ToString::to_string));
    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(&args)
        .output()
        .expect("run dongpo");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn check<'a>(report: &'a serde_json::Value, id: &str) -> (&'a str, &'a str) {
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap();
    (c["status"].as_str().unwrap(), c["detail"].as_str().unwrap())
}

fn csca_name() -> Name {
    "CN=trust case CSCA,O=dongpo test PKI,C=KR".parse().unwrap()
}

#[test]
fn a_dsc_revoked_for_key_compromise_fails_under_the_signing_time_model() {
    let case = Case::new(&csca_name(), "KOR", 15, &mut KeyStore::default()).unwrap();
    let crl = case
        .crl(
            &case.csca_key,
            None,
            Some(&ski(&case.csca)),
            1,
            JAN_2026,
            &[case.revoked(
                Instant(2025, 12, 1, 0, 0, 0),
                Some(CrlReason::KeyCompromise),
            )],
        )
        .unwrap();
    let dir = scratch("signing");
    let (code, report) = verify(
        &case,
        &dir,
        &[(&crl, "csca.crl")],
        &["--time-model", "signing"],
    );
    let (status, detail) = check(&report, "dsc.revocation");
    assert_eq!(status, "fail", "{detail}");
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["valid"], false);
}

#[test]
fn the_newest_crl_decides_not_the_first_file_name() {
    let case = Case::new(&csca_name(), "KOR", 15, &mut KeyStore::default()).unwrap();
    let aki = ski(&case.csca);
    let old = case
        .crl(&case.csca_key, None, Some(&aki), 1, JAN_2026, &[])
        .unwrap();
    let new = case
        .crl(
            &case.csca_key,
            None,
            Some(&aki),
            2,
            Instant(2026, 3, 1, 0, 0, 0),
            &[case.revoked(Instant(2026, 2, 1, 0, 0, 0), Some(CrlReason::KeyCompromise))],
        )
        .unwrap();
    let dir = scratch("newest");
    let (code, report) = verify(&case, &dir, &[(&old, "a.crl"), (&new, "b.crl")], &[]);
    let (status, detail) = check(&report, "dsc.revocation");
    assert_eq!(status, "fail", "{detail}");
    assert!(
        detail.contains("CRL number 02") && detail.contains("b.crl"),
        "{detail}"
    );
    assert_eq!(code, 1);
}

#[test]
fn a_crl_of_the_rolled_over_csca_key_revokes() {
    let mut keys = KeyStore::default();
    let case = Case::new(&csca_name(), "KOR", 15, &mut keys).unwrap();
    let (new_csca, new_key) = case.rolled_over("new-key", &mut keys).unwrap();
    let crl = case
        .crl(
            &new_key,
            None,
            Some(&ski(&new_csca)),
            3,
            JAN_2026,
            &[case.revoked(Instant(2026, 2, 1, 0, 0, 0), Some(CrlReason::KeyCompromise))],
        )
        .unwrap();
    let dir = scratch("rollover");
    std::fs::create_dir_all(&dir).unwrap();
    let new_path = dir.join("csca-new.der");
    std::fs::write(&new_path, new_csca.to_der().unwrap()).unwrap();
    let (code, report) = verify(
        &case,
        &dir,
        &[(&crl, "rollover.crl")],
        &["--csca", &s(&new_path)],
    );
    let (status, detail) = check(&report, "dsc.revocation");
    assert_eq!(status, "fail", "{detail}");
    assert_eq!(code, 1);
}

#[test]
fn a_teletex_csca_and_its_printable_string_crl_are_one_name() {
    let (c, cn) = (const_oid::db::rfc4519::C, const_oid::db::rfc4519::CN);
    let teletex = pki::name(&[
        (c, Tag::PrintableString, "KR"),
        (cn, Tag::TeletexString, "Teletex CSCA"),
    ])
    .unwrap();
    let printable = pki::name(&[
        (c, Tag::PrintableString, "KR"),
        (cn, Tag::PrintableString, "Teletex CSCA"),
    ])
    .unwrap();
    let case = Case::new(&teletex, "KOR", 15, &mut KeyStore::default()).unwrap();
    let crl = case
        .crl(
            &case.csca_key,
            Some(&printable),
            None,
            1,
            JAN_2026,
            &[case.revoked(
                Instant(2025, 12, 1, 0, 0, 0),
                Some(CrlReason::KeyCompromise),
            )],
        )
        .unwrap();
    let dir = scratch("teletex");
    let (code, report) = verify(&case, &dir, &[(&crl, "csca.crl")], &[]);
    let (status, detail) = check(&report, "dsc.revocation");
    assert_eq!(status, "fail", "{detail}");
    assert_eq!(code, 1);
}

#[test]
fn an_issuing_state_outside_the_table_fails_strict() {
    for state in ["EUE", "UNO", "XXA", "ZZZ"] {
        let case = Case::new(&csca_name(), state, 15, &mut KeyStore::default()).unwrap();
        let dir = scratch(&format!("state-{state}"));
        let (code, report) = verify(&case, &dir, &[], &["--policy", "strict"]);
        let (status, detail) = check(&report, "dsc.profile");
        assert_eq!(status, "fail", "{state}: {detail}");
        assert_eq!(code, 1, "{state}");
        let (_, report) = verify(&case, &dir, &[], &[]);
        let (status, detail) = check(&report, "dsc.profile");
        assert_eq!(status, "pass", "{state}: {detail}");
        assert!(detail.contains("issuing state"), "{state}: {detail}");
    }
}
