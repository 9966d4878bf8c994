//! `dongpo vid verify` and `dongpo vid decrypt` as a subscriber's app and a relying party
//! call them: files in, exit codes out, and never the number or R on the terminal.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64ct::Encoding;
use dongpo_crypto::seal::{self, VID_RANDOM_INFO};

const IDN: &str = "5908031544762";
const OTHER_IDN: &str = "5908031544763";

fn dongpo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dongpo"))
        .args(args)
        .output()
        .expect("run dongpo")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dongpo-vid-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Neither the number nor R (in either case) appears in anything the command printed.
fn assert_silent_about(out: &Output, secrets: &[&str]) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .to_lowercase();
    for secret in secrets {
        assert!(
            !text.contains(&secret.to_lowercase()),
            "a secret was echoed: {text}"
        );
    }
}

/// A certificate for `spki`, signed by a throw-away CA key, carrying the identifyData VID
/// of `idn` and `random` in its subjectAltName, or no extensions at all.
fn certificate(spki: &[u8], vid_of: Option<(&str, &[u8])>) -> Vec<u8> {
    use der::{Decode, Encode};
    use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm};
    use std::str::FromStr;
    use x509_cert::time::{Time, Validity};
    let issuer = dongpo_crypto::SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let mut extensions = Vec::new();
    if let Some((idn, random)) = vid_of {
        let vid = dongpo_profiles::vid::vid(idn, random, HashAlgorithm::Sha256).unwrap();
        let san = dongpo_profiles::vid::subject_alt_name("홍길동", &vid).unwrap();
        extensions.push(x509_cert::ext::Extension {
            extn_id: const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME,
            critical: false,
            extn_value: der::asn1::OctetString::new(san).unwrap(),
        });
    }
    let profile = dongpo_testpki::FixedProfile {
        issuer: x509_cert::name::Name::from_str("CN=vid test CA").unwrap(),
        subject: x509_cert::name::Name::from_str("CN=vid test").unwrap(),
        extensions,
    };
    let time = |secs: u64| {
        Time::UtcTime(
            der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap(),
        )
    };
    // 2026-01-01 to 2036-01-01.
    let validity = Validity::new(time(1_767_225_600), time(2_082_758_400));
    let algorithm = SignatureAlgorithm::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    let signer = dongpo_crypto::x509::CertSigner::new(&issuer, algorithm);
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki).unwrap();
    dongpo_testpki::issue(profile, &[1], validity, spki, &signer)
        .unwrap()
        .to_der()
        .unwrap()
}

/// The subscriber side end to end for one key type: the testkit key and a certificate with
/// a VID; R sealed to the key as the CA will seal it; `vid decrypt` gives R back; `vid
/// verify` matches the right number and R and nothing else.
fn round_trip(key_algorithm: &str) {
    let dir = scratch(key_algorithm);
    let out = dongpo(&[
        "testkit",
        "csr",
        "--key-algorithm",
        key_algorithm,
        "--out",
        s(&dir),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key_path = dir.join("key.p8");
    let key =
        dongpo_crypto::SigningKey::from_pkcs8_der(&std::fs::read(&key_path).unwrap()).unwrap();
    let random: Vec<u8> = (0u8..20)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let random_hex = hex::encode(&random);

    let (_, sealed) = seal::seal(key.public_key(), VID_RANDOM_INFO, &random).unwrap();
    let ciphertext = dir.join("vid_random_encrypted.b64");
    std::fs::write(&ciphertext, base64ct::Base64::encode_string(&sealed)).unwrap();
    let random_file = dir.join("random.hex");
    // `vid decrypt` of that ciphertext with the key, to `out` or to standard output.
    let decrypt = |out: Option<&Path>| {
        let mut args = vec![
            "vid",
            "decrypt",
            "--key",
            s(&key_path),
            "--ciphertext-file",
            s(&ciphertext),
        ];
        if let Some(out) = out {
            args.extend(["--out", s(out)]);
        }
        dongpo(&args)
    };
    let out = decrypt(Some(&random_file));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_silent_about(&out, &[&random_hex]);
    assert_eq!(
        std::fs::read_to_string(&random_file).unwrap().trim(),
        random_hex
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&random_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "R is readable by the owner only");
    }
    // The file is never replaced.
    let again = decrypt(Some(&random_file));
    assert_eq!(again.status.code(), Some(2));
    // Without --out, R goes to standard output (for a pipe into the app's key store).
    let to_stdout = decrypt(None);
    assert!(to_stdout.status.success());
    assert_eq!(
        String::from_utf8_lossy(&to_stdout.stdout).trim(),
        random_hex
    );

    let cert = dir.join("cert.der");
    std::fs::write(
        &cert,
        certificate(&key.public_key().to_spki_der(), Some((IDN, &random))),
    )
    .unwrap();
    let idn_file = dir.join("idn");
    std::fs::write(&idn_file, format!("{IDN}\n")).unwrap();
    let verify = |idn: &Path, random: &Path| {
        dongpo(&[
            "vid",
            "verify",
            "--cert",
            s(&cert),
            "--idn-file",
            s(idn),
            "--random-file",
            s(random),
        ])
    };
    let out = verify(&idn_file, &random_file);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "match");
    assert_silent_about(&out, &[IDN, &random_hex]);

    let other_idn = dir.join("other-idn");
    std::fs::write(&other_idn, OTHER_IDN).unwrap();
    let out = verify(&other_idn, &random_file);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no match");
    assert_silent_about(&out, &[OTHER_IDN, &random_hex]);

    let mut other = random.clone();
    other[0] ^= 1;
    let other_random = dir.join("other-random");
    std::fs::write(&other_random, hex::encode(&other)).unwrap();
    let out = verify(&idn_file, &other_random);
    assert_eq!(out.status.code(), Some(1));
    assert_silent_about(&out, &[IDN, &hex::encode(&other)]);

    // A tampered ciphertext does not open: exit 2, and no R.
    let mut forged = sealed.clone();
    let last = forged.len() - 1;
    forged[last] ^= 0x40;
    std::fs::write(&ciphertext, base64ct::Base64::encode_string(&forged)).unwrap();
    let out = dongpo(&[
        "vid",
        "decrypt",
        "--key",
        s(&key_path),
        "--ciphertext-file",
        s(&ciphertext),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not open"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_p256_subscriber_decrypts_r_and_the_vid_verifies() {
    round_trip("p256");
}

#[test]
fn an_rsa_subscriber_decrypts_r_and_the_vid_verifies() {
    round_trip("rsa2048");
}

#[test]
fn verify_refuses_certificates_without_a_vid_and_bad_secret_files() {
    let dir = scratch("refusals");
    let key =
        dongpo_crypto::SigningKey::generate(dongpo_crypto::KeySpec::Ec(dongpo_crypto::Curve::P256))
            .unwrap();
    let plain = dir.join("plain.der");
    std::fs::write(&plain, certificate(&key.public_key().to_spki_der(), None)).unwrap();
    let idn = dir.join("idn");
    std::fs::write(&idn, IDN).unwrap();
    let random = dir.join("random");
    let random_hex = "79EA7568A2D3776604E18BCD3A1B1B85B7DA0872";
    std::fs::write(&random, random_hex).unwrap();
    let run = |cert: &Path, idn: &Path, random: &Path| {
        dongpo(&[
            "vid",
            "verify",
            "--cert",
            s(cert),
            "--idn-file",
            s(idn),
            "--random-file",
            s(random),
            "--json",
        ])
    };
    let out = run(&plain, &idn, &random);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no identifyData VID"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_silent_about(&out, &[IDN, random_hex]);

    let cert = dir.join("cert.der");
    std::fs::write(
        &cert,
        certificate(
            &key.public_key().to_spki_der(),
            Some((IDN, &hex::decode(random_hex).unwrap())),
        ),
    )
    .unwrap();
    let out = run(&cert, &idn, &random);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["match"], true);

    // An endless or huge file is refused after a few kilobytes, not read into memory.
    let out = run(&cert, Path::new("/dev/zero"), &random);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("longer than"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Malformed secret files are usage errors naming the file, never its content.
    for (name, content) in [
        ("short-idn", "590803154476"),
        ("dashed-idn", "590803-1544762"),
        ("letters-idn", "59O8031544762"),
    ] {
        let bad = dir.join(name);
        std::fs::write(&bad, content).unwrap();
        let out = run(&cert, &bad, &random);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(name),
            "{name}"
        );
        assert_silent_about(&out, &[content, random_hex]);
    }
    for (name, content) in [
        ("short-random", "79EA7568A2D3"),
        ("not-hex", "79EA7568A2D3776604E18BCD3A1B1B85B7DA087Z"),
    ] {
        let bad = dir.join(name);
        std::fs::write(&bad, content).unwrap();
        let out = run(&cert, &idn, &bad);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert_silent_about(&out, &[IDN, content]);
    }
    let out = run(&cert, &dir.join("missing"), &random);
    assert_eq!(out.status.code(), Some(2));
}
