//! `dongpo chip relay` usage: the API key never on the command line, and a chip that
//! cannot be reached is exit 2. (A relay through `dongpo testkit chip serve` to a server
//! needs the virtual chip's Chip Authentication; the relay itself is tested end to end in
//! dongpo-server's `chip_sessions` tests.)
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

fn relay(extra: &[&str], api_key: Option<&str>) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dongpo"));
    command.args([
        "chip",
        "relay",
        "--chip",
        "tcp:127.0.0.1:1",
        "--document-number",
        "M12345678",
        "--date-of-birth",
        "880101",
        "--date-of-expiry",
        "300101",
        "--server",
        "http://127.0.0.1:1",
    ]);
    command.args(extra).env_remove("DONGPO_API_KEY");
    if let Some(key) = api_key {
        command.env("DONGPO_API_KEY", key);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_api_key_comes_from_the_environment_or_a_file_only() {
    let (code, stderr) = relay(&[], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("DONGPO_API_KEY"), "{stderr}");
    let (code, stderr) = relay(&["--api-key", "dpk_x_y"], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--api-key"), "{stderr}");
    let (code, stderr) = relay(&["--api-key-file", "/nonexistent/key"], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/key"), "{stderr}");
}

#[test]
fn an_unreachable_chip_is_exit_2() {
    let (code, stderr) = relay(&[], Some("dpk_000000000000_secret"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--chip"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
}
