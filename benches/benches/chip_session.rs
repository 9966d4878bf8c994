//! Server-side cost of one Chip Authentication session per CA variant, beside the Passive
//! Authentication of the same document (BENCHMARKS.md, "Chip session"; issue 19).
//!
//! `cargo bench -p dongpo-benches --bench chip_session`
//!
//! One `session` iteration is what the Chip Authentication terminal (the server) computes:
//! parse DG14 and select the protocol and key, draw the ephemeral key pair (OS CSPRNG),
//! protect the CA command(s) under the open BAC secure messaging and open and check the
//! chip's answers, derive the session keys (ECDH/DH + KDF), then the proof of presence:
//! protect SELECT + READ BINARY of EF.SOD's first bytes under the new keys, MAC-verify,
//! decrypt and compare the answers. The chip's own work (opening the commands, its key
//! agreement, protecting its answers) and the BAC that opens the session run with the
//! clock stopped (`iter_custom`), so they are not counted.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dongpo_chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use dongpo_chip::bac::{BacTerminal, MrzKey};
use dongpo_chip::ca::{self, CaTerminal, MAX_PRESENCE_LEN, PaCoveredDg14, PresenceProof};
use dongpo_chip::sm::SecureMessaging;
use dongpo_crypto::Verifier;
use dongpo_icao::lds::{Dg14, Mrz};
use dongpo_icao::passive_auth::{self, Document, Options, TimeModel};
use dongpo_icao::{Policy, TrustStore};
use dongpo_pki::UnixTime;
use dongpo_testkit::chip::{ChipOptions, ChipVariant, EMRTD_AID, VirtualChip};
use dongpo_testkit::chip_auth::ChipAuthSpec;
use dongpo_testkit::time::Timeline;
use dongpo_testkit::{KeyStore, Passport, Profile};

const SEED: u64 = 19;
/// EF.SOD, read back as the proof of presence (as the reference terminal does).
const PROOF_FILE: u16 = 0x011D;

/// The CA variants the virtual chip offers, as `--chip-auth` and `--ca-curve` names.
const VARIANTS: [(&str, &str); 9] = [
    ("ecdh-aes128", "p256"),
    ("ecdh-aes128", "bp256"),
    ("ecdh-aes128", "p384"),
    ("ecdh-aes128", "bp384"),
    ("ecdh-aes128", "p521"),
    ("ecdh-aes128", "bp512"),
    ("ecdh-3des", "p256"),
    ("dh-3des", "p256"),
    ("dh-aes128", "p256"),
];

fn make_chip(spec: ChipAuthSpec) -> (Passport, VirtualChip) {
    let options = ChipOptions {
        active_authentication: false,
        variant: ChipVariant::Genuine,
        chip_authentication: Some(spec),
        // BAC opens each session (outside the clock); PACE is not what is measured.
        pace: None,
    };
    let mut keys = KeyStore::default();
    let passport =
        dongpo_testkit::chip_document::passport(Profile::P256, SEED, &options, &mut keys).unwrap();
    let chip = VirtualChip::new(&passport, Profile::P256, SEED, &options, &mut keys).unwrap();
    (passport, chip)
}

/// The document and a warm trust store (its CSCA and CRL), as the passive_auth bench.
fn pa_inputs(passport: &Passport) -> (Document, TrustStore) {
    let files = &passport.files;
    let data_groups: BTreeMap<u8, Vec<u8>> = [1u8, 2, 14, 15]
        .into_iter()
        .map(|n| (n, files[&format!("DG{n}.bin")].clone()))
        .collect();
    let mut trust = TrustStore::new();
    trust.add_csca(&files["csca.der"], "csca.der").unwrap();
    trust.add_crl(&files["csca.crl"], "csca.crl").unwrap();
    let document = Document {
        sod: files["EF_SOD.bin"].clone(),
        data_groups,
        ..Document::default()
    };
    (document, trust)
}

fn send(chip: &mut VirtualChip, command: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&chip.transmit(&command.to_bytes())).unwrap()
}

/// A new power-up and BAC (not measured): the session Chip Authentication starts from.
fn open_bac(chip: &mut VirtualChip, key: &MrzKey) -> SecureMessaging {
    chip.reset();
    assert_eq!(
        send(chip, &CommandApdu::select_application(&EMRTD_AID)).sw,
        StatusWord::SUCCESS
    );
    let challenge = send(chip, &CommandApdu::get_challenge());
    let terminal = BacTerminal::new(key, &challenge).unwrap();
    let answer = send(chip, &terminal.external_authenticate().unwrap());
    terminal.finish(&answer).unwrap()
}

/// One session's server work; only the server's computation is added to the returned time.
fn server_session(
    chip: &mut VirtualChip,
    mut sm: SecureMessaging,
    dg14: &[u8],
    expected: &[u8],
) -> Duration {
    let mut spent = Duration::ZERO;
    let mut start = Instant::now();
    let dg14 = Dg14::parse(black_box(dg14)).unwrap();
    let selection = ca::select(
        PaCoveredDg14::covered_by_passive_authentication(&dg14),
        None,
    )
    .unwrap();
    let mut terminal = CaTerminal::new(selection).unwrap();
    while let Some(command) = terminal.next_command() {
        let protected = sm.protect_command(command).unwrap().to_bytes();
        spent += start.elapsed();
        let answer = chip.transmit(&protected);
        start = Instant::now();
        let answer = sm
            .unprotect_response(&ResponseApdu::parse(&answer).unwrap())
            .unwrap();
        terminal.accept_response(&answer).unwrap();
    }
    let new = terminal.finish().unwrap();
    let mut proof = PresenceProof::new(new, PROOF_FILE, 0, expected).unwrap();
    while let Some(command) = proof.next_command().unwrap() {
        let protected = command.to_bytes();
        spent += start.elapsed();
        let answer = chip.transmit(&protected);
        start = Instant::now();
        proof
            .accept_response(&ResponseApdu::parse(&answer).unwrap())
            .unwrap();
    }
    black_box(proof.finish().unwrap());
    spent + start.elapsed()
}

fn chip_session(c: &mut Criterion) {
    let mut group = c.benchmark_group("chip_session");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    let options = Options {
        at: UnixTime::parse_rfc3339(&Timeline::CURRENT.verify_at.rfc3339()).unwrap(),
        policy: Policy::default_policy(),
        time_model: TimeModel::VerificationTime,
    };
    for (protocol, curve) in VARIANTS {
        let spec = ChipAuthSpec::from_names(protocol, curve).unwrap().unwrap();
        let label = match protocol {
            "dh-3des" | "dh-aes128" => format!("{protocol}-2048-224"),
            _ => format!("{protocol}-{curve}"),
        };
        let (passport, mut chip) = make_chip(spec);
        let mrz = Mrz::from_dg1(&passport.files["DG1.bin"]).unwrap();
        let key = MrzKey::from_mrz_fields(
            &mrz.document_number,
            &mrz.date_of_birth,
            &mrz.date_of_expiry,
        )
        .unwrap();
        let dg14 = passport.files["DG14.bin"].clone();
        let sod = &passport.files["EF_SOD.bin"];
        let expected = sod[..sod.len().min(MAX_PRESENCE_LEN)].to_vec();
        group.bench_function(format!("{label}/session"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let sm = open_bac(&mut chip, &key);
                    total += server_session(&mut chip, sm, &dg14, &expected);
                }
                total
            });
        });
        let (document, trust) = pa_inputs(&passport);
        let verifier = Verifier::new();
        assert!(passive_auth::verify(&document, &trust, &options, &verifier).valid);
        group.bench_function(format!("{label}/passive-auth"), |b| {
            b.iter(|| passive_auth::verify(black_box(&document), &trust, &options, &verifier));
        });
    }
    group.finish();
}

criterion_group!(benches, chip_session);
criterion_main!(benches);
