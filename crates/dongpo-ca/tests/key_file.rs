#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Encrypted PKCS#8 key files: round trip, refusals, permissions, OpenSSL interop.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use der::{Decode, Encode};
use dongpo_ca::keys::file::{
    SCRYPT_LOG_N, SCRYPT_P, SCRYPT_R, read_encrypted_pkcs8, write_encrypted_pkcs8,
};
use dongpo_ca::keys::{IssuerKeyError, Passphrase, signature_algorithm_for};
use dongpo_crypto::{Curve, KeySpec, Signer, SigningKey, Verifier};
use pkcs8::pkcs5::pbes2::{self, Kdf, ScryptParams};
use pkcs8::pkcs5::scrypt;
use pkcs8::{EncryptedPrivateKeyInfoRef, LineEnding};

/// A directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "dongpo-ca-keyfile-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PASS: &[u8] = b"correct horse battery staple";

fn pass() -> Passphrase {
    Passphrase::new(PASS.to_vec())
}

fn assert_signs_for(key: &SigningKey, public: &dongpo_crypto::PublicKey) {
    let alg = signature_algorithm_for(public).unwrap();
    let sig = Signer::sign(key, &alg, b"tbs").unwrap();
    let verifier = Verifier::new();
    verifier.verify(public, &alg, b"tbs", &sig).unwrap();
    assert!(verifier.verify(public, &alg, b"tbz", &sig).is_err());
}

#[test]
fn round_trip_every_ca_key_type() {
    let dir = TempDir::new("round-trip");
    for (i, spec) in [
        KeySpec::Ec(Curve::P256),
        KeySpec::Ec(Curve::P384),
        KeySpec::Rsa(3072),
    ]
    .into_iter()
    .enumerate()
    {
        let key = SigningKey::generate(spec).unwrap();
        let path = dir.path(&format!("key{i}.pem"));
        write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        let back = read_encrypted_pkcs8(&path, &pass()).unwrap();
        assert_eq!(back.public_key(), key.public_key(), "{spec:?}");
        // The key read back signs for the original public key.
        assert_signs_for(&back, key.public_key());
    }
}

#[test]
fn file_uses_the_documented_scrypt_parameters_and_fresh_salts() {
    let dir = TempDir::new("params");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let mut salts = Vec::new();
    for name in ["a.pem", "b.pem"] {
        let path = dir.path(name);
        write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, doc) = der::Document::from_pem(&text).unwrap();
        let info = EncryptedPrivateKeyInfoRef::from_der(doc.as_bytes()).unwrap();
        let params = info.encryption_algorithm.pbes2().unwrap();
        assert_eq!(params.encryption.oid(), pbes2::AES_256_CBC_OID);
        let Kdf::Scrypt(s) = &params.kdf else {
            panic!("not scrypt: {:?}", params.kdf)
        };
        assert_eq!(s.cost_parameter, 1 << SCRYPT_LOG_N);
        assert_eq!(u32::from(s.block_size), SCRYPT_R);
        assert_eq!(u32::from(s.parallelization), SCRYPT_P);
        salts.push(s.salt.as_bytes().to_vec());
    }
    assert_ne!(salts[0], salts[1], "salt must be random per file");
}

#[test]
fn wrong_passphrase_is_refused_with_a_clear_error() {
    let dir = TempDir::new("wrong");
    let path = dir.path("issuing.pem");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
    let wrong = Passphrase::new(b"Correct horse battery staple".to_vec());
    let err = read_encrypted_pkcs8(&path, &wrong).unwrap_err();
    assert!(
        matches!(&err, IssuerKeyError::WrongPassphrase { path: p } if p == &path),
        "{err:?}"
    );
    let message = err.to_string();
    assert_eq!(
        message,
        format!("wrong passphrase or corrupted key file {}", path.display())
    );
    assert!(!message.contains("horse"));
}

#[test]
fn corrupted_ciphertext_is_refused() {
    let dir = TempDir::new("corrupt");
    let path = dir.path("issuing.pem");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let (label, doc) = der::Document::from_pem(&text).unwrap();
    let mut der = doc.to_vec();
    // Flip a bit in the last ciphertext block (CBC padding lives there).
    let last = der.len() - 20;
    der[last] ^= 0x01;
    let tampered = dir.path("tampered.pem");
    let pem = der::pem::encode_string(label, LineEnding::LF, &der).unwrap();
    std::fs::write(&tampered, pem).unwrap();
    let err = read_encrypted_pkcs8(&tampered, &pass()).unwrap_err();
    assert!(
        matches!(err, IssuerKeyError::WrongPassphrase { .. }),
        "{err:?}"
    );
}

#[test]
fn existing_files_are_never_overwritten() {
    let dir = TempDir::new("overwrite");
    let path = dir.path("issuing.pem");
    let first = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let second = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    write_encrypted_pkcs8(&path, &first, &pass()).unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = write_encrypted_pkcs8(&path, &second, &pass()).unwrap_err();
    assert!(
        matches!(&err, IssuerKeyError::FileExists { path: p } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("refusing to overwrite"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Only the key file is left: no temporary files behind.
    let entries: Vec<_> = std::fs::read_dir(&dir.0).unwrap().collect();
    assert_eq!(entries.len(), 1);
    // A dangling symlink counts as existing too (no writing through links).
    #[cfg(unix)]
    {
        let link = dir.path("link.pem");
        std::os::unix::fs::symlink(dir.path("nowhere.pem"), &link).unwrap();
        let err = write_encrypted_pkcs8(&link, &first, &pass()).unwrap_err();
        assert!(matches!(err, IssuerKeyError::FileExists { .. }), "{err:?}");
        assert!(!dir.path("nowhere.pem").exists());
    }
}

#[cfg(unix)]
#[test]
fn key_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("mode");
    let path = dir.path("issuing.pem");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P384)).unwrap();
    write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn unencrypted_and_foreign_files_are_refused() {
    let dir = TempDir::new("plain");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let plain = dir.path("plain.pem");
    std::fs::write(
        &plain,
        der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der).unwrap(),
    )
    .unwrap();
    let err = read_encrypted_pkcs8(&plain, &pass()).unwrap_err();
    assert!(matches!(err, IssuerKeyError::BadKeyFile { .. }), "{err:?}");
    assert!(err.to_string().contains("unencrypted"), "{err}");

    let garbage = dir.path("garbage.pem");
    std::fs::write(&garbage, b"not a key").unwrap();
    let err = read_encrypted_pkcs8(&garbage, &pass()).unwrap_err();
    assert!(matches!(err, IssuerKeyError::BadKeyFile { .. }), "{err:?}");

    let missing = read_encrypted_pkcs8(&dir.path("absent.pem"), &pass()).unwrap_err();
    assert!(matches!(missing, IssuerKeyError::Io { .. }), "{missing:?}");
}

/// A tampered file asking for 2^22 x r=8 scrypt (4 GiB) is refused before any work.
#[test]
fn excessive_kdf_parameters_are_refused_up_front() {
    let dir = TempDir::new("kdf");
    let cost = scrypt::Params::new(22, 8, 1).unwrap();
    let params = pbes2::Parameters {
        kdf: Kdf::Scrypt(ScryptParams::from_params_and_salt(cost, &[7u8; 16]).unwrap()),
        encryption: pkcs8::pkcs5::pbes2::EncryptionScheme::Aes256Cbc { iv: [9u8; 16] },
    };
    let info = EncryptedPrivateKeyInfoRef {
        encryption_algorithm: params.into(),
        encrypted_data: der::asn1::OctetStringRef::new(&[0u8; 48]).unwrap(),
    };
    let pem = der::pem::encode_string(
        "ENCRYPTED PRIVATE KEY",
        LineEnding::LF,
        &info.to_der().unwrap(),
    )
    .unwrap();
    let path = dir.path("greedy.pem");
    std::fs::write(&path, pem).unwrap();
    let started = std::time::Instant::now();
    let err = read_encrypted_pkcs8(&path, &pass()).unwrap_err();
    assert!(matches!(err, IssuerKeyError::BadKeyFile { .. }), "{err:?}");
    assert!(err.to_string().contains("scrypt"), "{err}");
    assert!(started.elapsed().as_secs() < 2);
}

fn openssl() -> Option<&'static str> {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some("openssl")
    } else {
        println!("skipped: openssl not found");
        None
    }
}

/// `openssl pkey` opens our files and derives the same public key.
#[test]
fn openssl_reads_our_files() {
    let Some(openssl) = openssl() else { return };
    let dir = TempDir::new("openssl-reads");
    for (i, spec) in [KeySpec::Ec(Curve::P256), KeySpec::Rsa(3072)]
        .into_iter()
        .enumerate()
    {
        let key = SigningKey::generate(spec).unwrap();
        let path = dir.path(&format!("key{i}.pem"));
        write_encrypted_pkcs8(&path, &key, &pass()).unwrap();
        let out = Command::new(openssl)
            .args([
                "pkey",
                "-pubout",
                "-outform",
                "DER",
                "-passin",
                "env:DONGPO_TEST_PASS",
            ])
            .arg("-in")
            .arg(&path)
            .env("DONGPO_TEST_PASS", std::str::from_utf8(PASS).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, key.public_key().to_spki_der(), "{spec:?}");
        // And refuses it under a wrong passphrase, so the file really is encrypted.
        let wrong = Command::new(openssl)
            .args(["pkey", "-noout", "-passin", "pass:wrong"])
            .arg("-in")
            .arg(&path)
            .output()
            .unwrap();
        assert!(!wrong.status.success());
    }
}

/// Keys encrypted by OpenSSL's own PBES2 (PBKDF2-SHA256 and scrypt) open here.
#[test]
fn we_read_openssl_files() {
    let Some(openssl) = openssl() else { return };
    let dir = TempDir::new("reads-openssl");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P384)).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let plain = dir.path("plain.der");
    std::fs::write(&plain, der.as_slice()).unwrap();
    let kdfs: [&[&str]; 2] = [
        &["-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256"],
        &["-scrypt"],
    ];
    for (i, kdf) in kdfs.into_iter().enumerate() {
        let out_path = dir.path(&format!("openssl{i}.pem"));
        let out = Command::new(openssl)
            .args([
                "pkcs8",
                "-topk8",
                "-inform",
                "DER",
                "-passout",
                "env:DONGPO_TEST_PASS",
            ])
            .args(kdf)
            .arg("-in")
            .arg(&plain)
            .arg("-out")
            .arg(&out_path)
            .env("DONGPO_TEST_PASS", std::str::from_utf8(PASS).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back = read_encrypted_pkcs8(&out_path, &pass()).unwrap();
        assert_eq!(back.public_key(), key.public_key(), "{kdf:?}");
    }
}

#[test]
fn passphrase_file_feeds_the_key_file() {
    let dir = TempDir::new("passfile");
    let pass_path = dir.path("pass.txt");
    std::fs::write(&pass_path, [PASS, b"\n"].concat()).unwrap();
    let from_file = Passphrase::from_file(&pass_path).unwrap();
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let path = dir.path("issuing.pem");
    write_encrypted_pkcs8(&path, &key, &from_file).unwrap();
    // The trailing newline was not part of the passphrase.
    assert!(read_encrypted_pkcs8(&path, &pass()).is_ok());
}

#[test]
fn empty_passphrase_is_refused_and_nothing_is_written() {
    let dir = TempDir::new("empty");
    let path = dir.path("issuing.pem");
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap();
    let err = write_encrypted_pkcs8(&path, &key, &Passphrase::new(Vec::new())).unwrap_err();
    assert!(
        matches!(err, IssuerKeyError::EmptyPassphrase { .. }),
        "{err:?}"
    );
    assert!(!path.exists());
}
