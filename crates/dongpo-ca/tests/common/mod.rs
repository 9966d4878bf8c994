//! A CA directory, a registered citizen and their verified passport, for integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use dongpo_ca::Ca;
use dongpo_ca::Identity;
use dongpo_ca::keys::Passphrase;
use dongpo_ca::{InitOptions, init};
use dongpo_crypto::{KeySpec, Verifier};
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, Options, TimeModel};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::{KeyStore, Profile, Variant};

/// A fixed "now" inside the testkit passports' validity.
pub const NOW: UnixTime = UnixTime(1_795_000_000); // 2026-11-18

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh directory under the target's temp dir.
pub fn fresh_dir(label: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A verified applicant.
pub struct Applicant {
    pub identity: Identity,
    pub report: Outcome,
    pub dg1: Vec<u8>,
}

impl Applicant {
    pub fn rrn(&self) -> &str {
        &self.identity.resident_registration_number
    }
}

/// A passport of `variant` and seed, verified at `at` (with Active Authentication).
pub fn applicant(variant: Variant, seed: u64, at: UnixTime) -> Applicant {
    applicant_with(variant, seed, at, &[1, 2, 14, 15], true)
}

/// A passport of `variant` and seed, verified at `at` from the data groups `groups`, with
/// Active Authentication when `aa`. Leaving out 14 and 15 hides nothing: the SOD hashes
/// them, so the chip still counts as offering presence.
pub fn applicant_with(
    variant: Variant,
    seed: u64,
    at: UnixTime,
    groups: &[u8],
    aa: bool,
) -> Applicant {
    let passport =
        dongpo_testkit::generate(Profile::P256, variant, seed, &mut KeyStore::default()).unwrap();
    verified(&passport, at, groups, aa)
}

/// The passport of seed `seed` as a chip without any proof of presence holds it (no Chip
/// Authentication key in DG14, no DG15), verified at `at` from all its data groups.
pub fn applicant_without_chip_presence(seed: u64, at: UnixTime) -> Applicant {
    let passport = dongpo_testkit::generate_without_chip_presence(
        Profile::P256,
        seed,
        &mut KeyStore::default(),
    )
    .unwrap();
    verified(&passport, at, &[1, 2, 14], false)
}

fn verified(
    passport: &dongpo_testkit::Passport,
    at: UnixTime,
    groups: &[u8],
    aa: bool,
) -> Applicant {
    let file = |name: &str| passport.files.get(name).unwrap().clone();
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let signature = if aa {
        dongpo_testkit::active_auth::sign(
            &file("aa_key.p8"),
            &challenge,
            dongpo_crypto::HashAlgorithm::Sha256,
        )
        .unwrap()
    } else {
        Vec::new()
    };
    let mut data_groups = std::collections::BTreeMap::new();
    for n in groups {
        data_groups.insert(*n, file(&format!("DG{n}.bin")));
    }
    let document = Document {
        sod: file("EF_SOD.bin"),
        data_groups,
        com: Some(file("EF_COM.bin")),
        active_auth: aa.then(|| ActiveAuthResponse {
            challenge: challenge.to_vec(),
            signature,
        }),
        chip_authentication: None,
    };
    let mut trust = TrustStore::new();
    trust.add_csca(&file("csca.der"), "csca").unwrap();
    let report = passive_auth::verify(
        &document,
        &trust,
        &Options {
            at,
            policy: Policy::default(),
            time_model: TimeModel::VerificationTime,
        },
        &Verifier::new(),
    );
    let identity = Identity::from_json(
        &String::from_utf8(file("identity.json")).unwrap(),
        "identity.json",
    )
    .unwrap();
    Applicant {
        identity,
        report,
        dg1: file("DG1.bin"),
    }
}

/// A new CA (P-256 keys, SQLite or `store`) in a fresh directory.
pub fn new_ca(label: &str, store: Option<String>) -> (PathBuf, Ca) {
    let dir = fresh_dir(label).join("ca");
    let profiles = dongpo_profiles::builtin().unwrap();
    init(
        &dir,
        InitOptions {
            key_algorithm: "p256",
            profiles: &profiles,
            passphrase: Some(Passphrase::new(b"test passphrase".to_vec())),
            store,
            node: "test",
            at: UnixTime(NOW.0 - 86_400),
            pkcs11: None,
            key_dir: None,
            kek: None,
        },
    )
    .unwrap();
    let ca =
        Ca::open_with_passphrase(&dir, Some(Passphrase::new(b"test passphrase".to_vec()))).unwrap();
    (dir, ca)
}

/// A CA whose `kb` profile carries the VID.
pub fn vid_ca(label: &str, store: Option<String>) -> (PathBuf, Ca) {
    let (dir, ca) = ca_with_profiles(label, store, dongpo_testkit::ca_profiles::vid_only_on("kb"));
    assert!(ca.profile("kb").unwrap().identify_data_vid);
    (dir, ca)
}

/// A CA whose profiles are the five shipped ones as `edit(name, text)` rewrites them, in
/// a profiles directory, the change of settings accepted as an operator would with
/// `dongpo ca accept-settings`.
pub fn ca_with_profiles(
    label: &str,
    store: Option<String>,
    edit: impl Fn(&str, &str) -> String,
) -> (PathBuf, Ca) {
    let (dir, ca) = new_ca(label, store);
    drop(ca);
    dongpo_profiles::write_builtin(&dir.join(dongpo_testkit::ca_profiles::PROFILES_DIR), edit)
        .unwrap();
    dongpo_testkit::ca_profiles::point_ca_at_profiles(&dir).unwrap();
    let ca = Ca::open_with(
        &dir,
        Some(Passphrase::new(b"test passphrase".to_vec())),
        &dongpo_ca::Overrides {
            accept_settings: Some(NOW),
            ..dongpo_ca::Overrides::default()
        },
    )
    .unwrap();
    (dir, ca)
}

/// An approval for `person` under `profile`, with the P-256 subscriber key of `seed`.
pub fn approve_p256(
    ca: &mut Ca,
    person: &Applicant,
    profile: &str,
    seed: u64,
) -> dongpo_ca::Approval {
    ca.approve(
        &person.report,
        &person.dg1,
        person.rrn(),
        &csr(KeySpec::Ec(dongpo_crypto::Curve::P256), seed),
        profile,
        NOW,
    )
    .unwrap()
}

/// A CSR (DER) for a deterministic subscriber key.
pub fn csr(spec: KeySpec, seed: u64) -> Vec<u8> {
    let key = dongpo_testkit::csr::subscriber_key(spec, seed, "test").unwrap();
    dongpo_testkit::csr::csr(&key, spec, "test subscriber").unwrap()
}

/// Whether a command exists.
pub fn have(command: &str) -> bool {
    std::process::Command::new(command)
        .arg("--help")
        .output()
        .is_ok()
}
