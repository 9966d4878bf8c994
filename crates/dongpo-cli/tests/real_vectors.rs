//! Every real sample in test-vectors/real gives the outcome its README states, through
//! the `dongpo` CLI.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Command;

fn real(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/real")
        .join(path)
        .display()
        .to_string()
}

fn dongpo(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(args)
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

fn failed(report: &serde_json::Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn detail<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["detail"]
        .as_str()
        .unwrap()
}

#[test]
fn real_sods_verify_against_their_cscas_and_hash_dg1_dg2_as_published() {
    for country in ["AT", "AU", "DE", "FR", "SG", "US"] {
        let (code, report) = dongpo(&[
            "verify",
            "--sod",
            &real(&format!("sod/{country}/EF_SOD.bin")),
            "--csca",
            &real(&format!("sod/{country}/CSCA.cer")),
            "--at",
            "2026-11-27T00:00:00Z",
            "--json",
        ]);
        assert_eq!(code, 0, "{country}: {report:#}");
        assert_eq!(report["valid"], true, "{country}");
        let expected =
            std::fs::read_to_string(real(&format!("sod/{country}/expected.txt"))).unwrap();
        for line in expected.lines() {
            if let Some(hash) = line.strip_prefix("dg1_hash=") {
                assert_eq!(report["sod"]["dg_hashes"]["1"], hash, "{country} DG1");
            }
            if let Some(hash) = line.strip_prefix("dg2_hash=") {
                assert_eq!(report["sod"]["dg_hashes"]["2"], hash, "{country} DG2");
            }
        }
        assert_eq!(report["dsc"]["sha256"].as_str().map(str::len), Some(64));
    }
}

#[test]
fn real_quirks_are_named_and_strict_refuses_them() {
    // AU and US sign with the bare rsaEncryption OID.
    for country in ["AU", "US"] {
        let args = [
            "verify",
            "--sod",
            &real(&format!("sod/{country}/EF_SOD.bin")),
            "--csca",
            &real(&format!("sod/{country}/CSCA.cer")),
            "--at",
            "2026-11-27T00:00:00Z",
            "--json",
        ];
        let (_, report) = dongpo(&args);
        assert!(
            detail(&report, "sod.signature").contains("rsa-encryption-oid"),
            "{country}"
        );
        let mut strict = args.to_vec();
        strict.extend(["--policy", "strict"]);
        let (code, report) = dongpo(&strict);
        assert_eq!(
            (code, failed(&report)),
            (1, vec!["sod.signature".to_string()]),
            "{country} strict"
        );
    }
    // DE: brainpoolP384r1 with explicit parameters, CSCA on brainpoolP512r1.
    let (_, de) = dongpo(&[
        "verify",
        "--sod",
        &real("sod/DE/EF_SOD.bin"),
        "--csca",
        &real("sod/DE/CSCA.cer"),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert_eq!(de["dsc"]["key"], "ec:brainpoolP384r1");
    assert_eq!(de["csca"]["key"], "ec:brainpoolP512r1");
    // SG: RSASSA-PSS.
    let (_, sg) = dongpo(&[
        "verify",
        "--sod",
        &real("sod/SG/EF_SOD.bin"),
        "--csca",
        &real("sod/SG/CSCA.cer"),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert!(
        sg["sod"]["signature_algorithm"]
            .as_str()
            .unwrap()
            .starts_with("rsassa-pss")
    );
}

#[test]
fn bsi_reference_passport_fails_exactly_where_the_readme_says() {
    let d = |f: &str| real(&format!("bsi-tr03105-5/{f}"));
    let (code, report) = dongpo(&[
        "verify",
        "--sod",
        &d("EF_SOD.bin"),
        "--dg",
        &format!("1={}", d("Datagroup1.bin")),
        "--dg",
        &format!("2={}", d("Datagroup2.bin")),
        "--dg",
        &format!("3={}", d("Datagroup3.bin")),
        "--dg",
        &format!("4={}", d("Datagroup4.bin")),
        "--dg",
        &format!("14={}", d("Datagroup14.bin")),
        "--dg",
        &format!("15={}", d("Datagroup15.bin")),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        failed(&report),
        ["dsc.chain", "dsc.validity", "dg.15.covered"]
    );
    for id in [
        "sod.signature",
        "sod.message_digest",
        "dg.1.hash",
        "dg.2.hash",
        "dg.3.hash",
        "dg.4.hash",
        "dg.14.hash",
        "mrz.check_digits",
    ] {
        assert!(!failed(&report).contains(&id.to_string()), "{id}");
    }
}

#[test]
fn jmrtd_bsi2008_sha1_brainpool224_fails_exactly_where_the_readme_says() {
    let d = |f: &str| real(&format!("jmrtd-bsi2008/{f}"));
    let mut args = vec!["verify".to_string(), "--sod".into(), d("EF_SOD.bin")];
    for n in [1, 2, 3, 4, 14, 15] {
        args.push("--dg".into());
        args.push(format!("{n}={}", d(&format!("Datagroup{n}.bin"))));
    }
    args.extend([
        "--at".into(),
        "2026-11-27T00:00:00Z".into(),
        "--json".into(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, report) = dongpo(&refs);
    assert_eq!(code, 1);
    assert_eq!(
        failed(&report),
        ["dsc.chain", "dsc.validity", "dg.4.covered", "dg.15.covered"]
    );
    assert_eq!(report["dsc"]["key"], "ec:brainpoolP224r1");
    // No CSCA is given, so the DSC does not chain and its key is never used: the SOD
    // signature is skipped (issue 15), not checked; SHA-1 shows in the SOD summary.
    assert!(
        detail(&report, "sod.signature").contains("does not chain"),
        "{}",
        detail(&report, "sod.signature")
    );
    assert!(
        report["sod"]["signature_algorithm"]
            .as_str()
            .unwrap()
            .contains("sha1")
    );
}

#[test]
fn dutch_master_list_verifies_and_feeds_the_trust_store() {
    let (code, report) = dongpo(&[
        "masterlist",
        "verify",
        &real("masterlist/NL_ML_2026-07-22.ml"),
        "--anchor",
        &real("masterlist/NL_ROOT_CA.cer"),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["certificates"], 411);
    assert!(report["countries"].as_u64().unwrap() >= 100);
    // The wrong anchor: the list reads, but its signer does not chain.
    let (code, report) = dongpo(&[
        "masterlist",
        "verify",
        &real("masterlist/NL_ML_2026-07-22.ml"),
        "--anchor",
        &real("sod/FR/CSCA.cer"),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 1);
    assert!(report["errors"][0].as_str().unwrap().contains("anchor"));
    // A passport verified with CSCAs from the master list only.
    let (code, report) = dongpo(&[
        "verify",
        "--sod",
        &real("sod/FR/EF_SOD.bin"),
        "--masterlist",
        &real("masterlist/NL_ML_2026-07-22.ml"),
        "--masterlist-anchor",
        &real("masterlist/NL_ROOT_CA.cer"),
        "--at",
        "2026-11-27T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert!(detail(&report, "dsc.chain").contains("masterlist:"));
}

#[test]
fn synthetic_master_list_rejects_only_the_broken_entry() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/synthetic/masterlist");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let (code, report) = dongpo(&[
        "masterlist",
        "verify",
        &dir.join("masterlist.ml").display().to_string(),
        "--anchor",
        &dir.join("anchor.der").display().to_string(),
        "--at",
        "2026-06-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["certificates"], manifest["certificates"]);
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["rejected"][0]["index"],
        manifest["rejected"][0]["index"]
    );
}

#[test]
fn real_chip_active_authentication_verifies_and_any_flip_fails() {
    let challenge = hex::encode(std::fs::read(real("active-auth/challenge.bin")).unwrap());
    let (code, report) = dongpo(&[
        "aa",
        "verify",
        "--dg15",
        &real("active-auth/EF_DG15.bin"),
        "--challenge",
        &challenge,
        "--signature",
        &real("active-auth/signature.bin"),
        "--json",
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["valid"], true);
    assert_eq!(report["algorithm"], "rsa-iso9796-2");
    assert_eq!(report["hash"], "sha256");
    let mut flipped = challenge.into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let (code, report) = dongpo(&[
        "aa",
        "verify",
        "--dg15",
        &real("active-auth/EF_DG15.bin"),
        "--challenge",
        std::str::from_utf8(&flipped).unwrap(),
        "--signature",
        &real("active-auth/signature.bin"),
        "--json",
    ]);
    assert_eq!((code, report["valid"].as_bool()), (1, Some(false)));
}

#[test]
fn wrong_input_exits_1_or_2_with_a_message_never_a_panic() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(args)
            .output()
            .expect("run dongpo")
    };
    let csca = real("sod/FR/CSCA.cer");
    // A certificate where the SOD belongs: unreadable input (exit 2, issue 15), after the
    // report.
    let out = run(&["verify", "--sod", &csca, "--csca", &csca, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("0x30")
            || report["checks"][0]["status"] == "fail"
    );
    // A file that does not exist, an unreadable trust anchor, a bad time: usage errors.
    for args in [
        vec!["verify", "--sod", "/nonexistent/EF_SOD.bin"],
        vec!["verify", "--sod", &csca, "--csca", "/nonexistent/csca.der"],
        vec![
            "verify",
            "--sod",
            &csca,
            "--csca",
            &real("sod/FR/EF_SOD.bin"),
        ],
        vec!["verify", "--sod", &csca, "--at", "yesterday"],
        vec!["verify", "--sod", &csca, "--dg", "17=x"],
        vec!["verify", "--sod", &csca, "--policy", "lenient"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?}"
        );
    }
}
