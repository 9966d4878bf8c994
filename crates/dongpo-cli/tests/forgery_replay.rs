//! Replay of issue 15 through the binary: a testkit EF.SOD rewritten for another
//! person's DG1, with a second SignerInfo whose messageDigest matches the new eContent,
//! verified `valid` under `--policy strict` before the fix. Now `sod.parse` fails and
//! `dongpo verify` exits 2, as for any unreadable EF.SOD.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../dongpo-icao/tests/support/cms_tree.rs"]
mod cms_tree;

use std::path::{Path, PathBuf};
use std::process::Command;

use dongpo_icao::Sod;
use dongpo_testkit::document_signer::DocumentSigner;
use dongpo_testkit::{KeyStore, Profile};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-forgery-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn forged_two_signer_sod_for_another_persons_dg1_exits_2_under_strict() {
    let dir = scratch("two-signers");
    let signer = DocumentSigner::new(Profile::P256, 7, 0, &mut KeyStore::default()).unwrap();
    let victim = signer.document(0).unwrap();
    let attacker = signer.document(1).unwrap();
    let genuine = Sod::parse(&victim.sod).unwrap();
    // The attacker's LDSSecurityObject: their own DG1 (and DG2) hashed.
    let forged_lds = Sod::parse(&attacker.sod).unwrap().cms.econtent;
    let digest = genuine.cms.digest_algorithm.digest(&forged_lds);
    let csca = write(&dir, "csca.der", signer.csca_der());
    let crl = write(&dir, "csca.crl", signer.crl_der());
    let at = signer.verify_at();
    let mut args: Vec<String> = ["--csca", &csca, "--crl", &crl, "--at", &at, "--json"]
        .iter()
        .map(ToString::to_string)
        .collect();
    for (n, bytes) in &attacker.data_groups {
        args.push("--dg".into());
        args.push(format!("{n}={}", write(&dir, &format!("DG{n}.bin"), bytes)));
    }
    let content = cms_tree::sod_content(&victim.sod);
    for (forged_first, policy) in [(true, "strict"), (false, "strict"), (true, "default")] {
        let forged = cms_tree::sod_wrap(&cms_tree::two_signer_forgery(
            &content,
            &forged_lds,
            &digest,
            forged_first,
        ));
        let sod = write(&dir, "EF_SOD.bin", &forged);
        let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(["verify", "--sod", &sod, "--policy", policy])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policy}: {stderr}");
        assert!(
            stderr.contains("2 SignerInfos, exactly one is required"),
            "{stderr}"
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["valid"], false);
        let parse = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "sod.parse")
            .unwrap();
        assert_eq!(parse["status"], "fail");
    }
    // The attacker's own genuine SOD with their data groups still verifies (exit 0): the
    // refusal above is about the structure, not the material. With bytes after the 0x77
    // object it is quirk trailing-data: valid under default, invalid (exit 1, the SOD
    // reads) under strict.
    let trailing = [&attacker.sod[..], &[0x90, 0x00]].concat();
    for (file, policy, code) in [
        (&attacker.sod, "strict", 0),
        (&trailing, "default", 0),
        (&trailing, "strict", 1),
    ] {
        let sod = write(&dir, "EF_SOD.bin", file);
        let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(["verify", "--sod", &sod, "--policy", policy])
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{policy}: {stdout}");
        assert_eq!(
            file.len() > attacker.sod.len(),
            stdout.contains("quirk trailing-data")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bytes_that_are_not_an_ef_sod_exit_2() {
    let dir = scratch("garbage");
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("text", b"not a passport"),
        ("truncated", &[0x77, 0x82, 0x10, 0x00, 0x30][..]),
    ] {
        let sod = write(&dir, name, bytes);
        let out = Command::new(env!("CARGO_BIN_EXE_dongpo"))
            .args(["verify", "--sod", &sod])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable EF.SOD"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
