//! Issue 17, "done when": the published attack, replayed. The review recovered a
//! citizen's RRN from a copy of `ca.sqlite` alone: the registry row held the KISA VID and
//! its random `R`, and the birth date and sex fixed the first seven digits, leaving 10^6
//! candidates. Here the attacker gets even more than the review had (the first seven
//! digits and the certificate's VID, for free), takes every value of the copied store that
//! could be an `R` (SQLite: every 20-byte value of every column; PostgreSQL: every 20-byte
//! `bytea` or 40-digit hex text of a `pg_dump`), and runs the brute force. It must find
//! nothing; a positive control shows the same brute force finds the RRN when `R` is
//! present.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{NOW, applicant, vid_ca};
use dongpo_ca::{Application, Request, Standalone, finalize};
use dongpo_crypto::seal::{VID_RANDOM_INFO, open};
use dongpo_crypto::{Curve, HashAlgorithm, KeySpec};
use dongpo_profiles::vid::virtual_id;
use dongpo_testkit::Variant;
use sha2::{Digest, Sha256};

/// What the attacker is after, and what the certificate gives away.
struct Target {
    /// The 13 digits (the test's knowledge, never the attacker's input).
    rrn: String,
    /// The VID in the certificate (public).
    vid: Vec<u8>,
}

/// Issues a VID certificate for a registered citizen on the CA at `store` and returns
/// the CA directory, the target and `R` (opened with the subscriber's key, as only the
/// subscriber can).
fn issue_one(label: &str, store: Option<String>) -> (std::path::PathBuf, Target, Vec<u8>) {
    let (dir, mut ca) = vid_ca(label, store);
    let person = applicant(Variant::Genuine, 21, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let spec = KeySpec::Ec(Curve::P256);
    let key = dongpo_testkit::csr::subscriber_key(spec, 21, "recovery").unwrap();
    let csr = dongpo_testkit::csr::csr(&key, spec, "recovery subscriber").unwrap();
    let application = Application {
        report: &person.report,
        dg1: &person.dg1,
        receipt: None,
        rrn: person.rrn(),
        csr: &csr,
        profile: "kb",
    };
    let done = finalize(&mut ca, &Request::New(application), &mut Standalone, NOW).unwrap();
    let sealed = done.vid_random.expect("the kb profile carries the VID");
    let r = open(
        &key.to_pkcs8_der().unwrap(),
        VID_RANDOM_INFO,
        &sealed.ciphertext,
    )
    .unwrap()
    .to_vec();
    let rrn = person.rrn().replace('-', "");
    let vid = virtual_id(&rrn, &r, HashAlgorithm::Sha256).unwrap();
    assert_eq!(
        dongpo_profiles::vid::verify_certificate(&done.der, &rrn, &r).unwrap(),
        dongpo_profiles::vid::VidMatch::Match,
        "the target VID is the certificate's"
    );
    drop(ca);
    (dir, Target { rrn, vid }, r)
}

/// The review's brute force: the seven known digits, every six-digit rest, against every
/// candidate `R`. `HashContent ::= SEQUENCE { idn PrintableString, randomNum BIT STRING }`
/// is written by hand so that a million tries take a second; the positive control proves
/// it matches the library's encoding.
fn brute_force(target: &Target, candidates: &BTreeSet<Vec<u8>>) -> Option<String> {
    let prefix = &target.rrn.as_bytes()[..7];
    for r in candidates {
        let mut content = vec![0x30, 0x26, 0x13, 0x0d];
        content.extend_from_slice(prefix);
        content.extend_from_slice(b"000000");
        content.extend_from_slice(&[0x03, 0x15, 0x00]);
        content.extend_from_slice(r);
        for rest in 0..1_000_000u32 {
            let digits = format!("{rest:06}");
            content[11..17].copy_from_slice(digits.as_bytes());
            if Sha256::digest(Sha256::digest(&content)).as_slice() == target.vid.as_slice() {
                return Some(String::from_utf8(content[4..17].to_vec()).unwrap());
            }
        }
    }
    None
}

/// Every 20-byte value of every column of every table of each SQLite file under `dir`
/// (blobs as they are, text as hex if it decodes to 20 bytes).
fn sqlite_candidates(dir: &Path) -> BTreeSet<Vec<u8>> {
    let mut out = BTreeSet::new();
    let mut databases = Vec::new();
    for entry in walk(dir) {
        if entry.extension().is_some_and(|e| e == "sqlite") {
            databases.push(entry);
        }
    }
    assert!(!databases.is_empty(), "the copy holds the CA's store");
    for path in databases {
        let db = rusqlite::Connection::open(&path).unwrap();
        let tables: Vec<String> = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in tables {
            let mut statement = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
            let columns = statement.column_count();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    match row.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Blob(b) if b.len() == 20 => {
                            out.insert(b.to_vec());
                        }
                        rusqlite::types::ValueRef::Text(t) => add_hex(&mut out, t),
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// Every token of `text` that is 40 hex digits, possibly behind PostgreSQL's `\x`.
fn add_hex(out: &mut BTreeSet<Vec<u8>>, text: &[u8]) {
    for token in text.split(|b| !b.is_ascii_hexdigit() && *b != b'\\') {
        let token = token.strip_prefix(b"\\x").unwrap_or(token);
        if token.len() == 40
            && let Ok(bytes) = hex::decode(token)
        {
            out.insert(bytes);
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A copy of the CA directory without its key directory, as a backup or a stolen disk
/// would hold it.
fn copy_data_only(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for path in walk(from) {
        let relative = path.strip_prefix(from).unwrap();
        let dest = to.join(relative);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&path, dest).unwrap();
    }
}

#[test]
fn the_brute_force_finds_the_rrn_when_r_is_there() {
    // Positive control: the attack code works, so its failure below means something.
    let (_dir, target, r) = issue_one("recovery-control", None);
    let candidates = BTreeSet::from([vec![0u8; 20], r]);
    assert_eq!(
        brute_force(&target, &candidates).as_deref(),
        Some(target.rrn.as_str())
    );
}

#[test]
fn a_copied_sqlite_data_directory_gives_back_no_rrn() {
    let (dir, target, r) = issue_one("recovery-sqlite", None);
    let copy = dir.with_file_name("stolen-copy");
    copy_data_only(&dir, &copy);
    let candidates = sqlite_candidates(&copy);
    assert!(
        !candidates.contains(&r),
        "R is in the copied store ({} candidates)",
        candidates.len()
    );
    assert_eq!(brute_force(&target, &candidates), None);
}

#[test]
fn a_postgres_dump_gives_back_no_rrn() {
    let Some(database) =
        dongpo_testkit::pg_database::Database::from_env("dongpo_rrn_recovery").unwrap()
    else {
        println!("skipped: DONGPO_TEST_POSTGRES_URL is not set (RRN recovery from a dump)");
        return;
    };
    if std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: pg_dump is not installed (RRN recovery from a dump)");
        return;
    }
    let (_dir, target, r) = issue_one("recovery-postgres", Some(database.url.clone()));
    let dump = std::process::Command::new("pg_dump")
        .args(["--data-only", "--no-owner", &database.url])
        .output()
        .unwrap();
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let text = dump.stdout;
    // The dump is the CA's: it holds the issued certificate's row.
    assert!(
        text.windows(b"certificates".len())
            .any(|w| w == b"certificates"),
        "the dump holds the CA's tables"
    );
    let mut candidates = BTreeSet::new();
    add_hex(&mut candidates, &text);
    assert!(!candidates.contains(&r), "R is in the dump");
    assert!(
        !text
            .windows(target.rrn.len())
            .any(|w| w == target.rrn.as_bytes()),
        "the RRN is in the dump"
    );
    assert_eq!(brute_force(&target, &candidates), None);
}
