//! The `dongpo` binary as integrators call it: files, exit codes, messages.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

fn dongpo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(args)
        .output()
        .expect("run dongpo")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn testkit_passport_writes_the_contract_files_deterministically() {
    let (a, b) = (scratch("a"), scratch("b"));
    for dir in [&a, &b] {
        let out = dongpo(&[
            "testkit",
            "passport",
            "--profile",
            "bp256",
            "--variant",
            "revoked-dsc",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let expected = [
        "csca.der",
        "dsc.der",
        "EF_SOD.bin",
        "EF_COM.bin",
        "DG1.bin",
        "DG2.bin",
        "DG14.bin",
        "DG15.bin",
        "aa_key.p8",
        "csca.crl",
        "identity.json",
        "manifest.json",
    ];
    for file in expected {
        let (x, y) = (
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
        );
        assert!(!x.is_empty(), "{file} empty");
        assert_eq!(x, y, "{file} differs between two runs with the same seed");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["variant"], "revoked-dsc");
    assert_eq!(manifest["expected"]["failing_checks"][0], "dsc.revocation");
    assert_eq!(manifest["expected"]["valid_without_crl"], true);
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn json_flag_prints_the_manifest_and_seed_changes_bytes() {
    let dir = scratch("json");
    let out = dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "p256",
        "--seed",
        "7",
        "--json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["expected"]["valid"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2_with_a_message_naming_the_problem() {
    let dir = scratch("bad");
    let out = dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "dsa1024",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown profile 'dsa1024'") && stderr.contains("rsapss3072"),
        "{stderr}"
    );

    let out = dongpo(&[
        "testkit",
        "passport",
        "--profile",
        "rsa2048",
        "--variant",
        "short-r",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ECDSA"));

    let out = dongpo(&["testkit", "passport", "--out", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "missing --profile");
    assert!(!dir.exists(), "nothing may be written on a usage error");
}

#[test]
fn help_lists_the_commands_that_exist() {
    let out = dongpo(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("testkit"), "{text}");
    let out = dongpo(&["testkit", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("passport") && text.contains("corpus"),
        "{text}"
    );
}

#[test]
fn vid_compute_matches_the_published_vector_and_refuses_dashes() {
    // The number and R come from files (never the command line, where `ps` shows them).
    let dir = scratch("vid-compute");
    std::fs::create_dir_all(&dir).unwrap();
    let (idn, random, dashed) = (dir.join("idn"), dir.join("random"), dir.join("dashed"));
    std::fs::write(&idn, "1234561234567\n").unwrap();
    std::fs::write(&random, "79EA7568A2D3776604E18BCD3A1B1B85B7DA0872\n").unwrap();
    std::fs::write(&dashed, "123456-1234567\n").unwrap();
    let out = dongpo(&[
        "vid",
        "compute",
        "--idn-file",
        idn.to_str().unwrap(),
        "--random-file",
        random.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["virtual_id"],
        "17692c8dd00ead33791de0a64a937c60799634c64ac56fa57570c0e05252ab35"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("1234561234567"),
        "the number must not be echoed"
    );
    let out = dongpo(&[
        "vid",
        "compute",
        "--idn-file",
        dashed.to_str().unwrap(),
        "--random-file",
        random.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("123456-1234567"),
        "the number must not be echoed in errors"
    );
    // The old flags, which put the secrets on the command line, are gone; the error points
    // to the file flags.
    let out = dongpo(&[
        "vid",
        "compute",
        "--idn",
        "1234561234567",
        "--random",
        "79EA7568A2D3776604E18BCD3A1B1B85B7DA0872",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--idn-file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
