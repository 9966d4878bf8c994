//! Chip Authentication on the virtual chip (`dongpo_testkit::chip`, `chip_auth`,
//! `chip_document`) with dongpo-chip's terminal: the switch to the new keys, the refusals'
//! status words, a new power-up forgetting a pending MSE:Set AT, and the reference
//! terminal's `chip_authenticate` against genuine, clone and uncovered-key chips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dongpo_chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use dongpo_chip::bac::{BacTerminal, MrzKey};
use dongpo_chip::ca::{self, CaProtocol, CaTerminal, KeyAgreement, PaCoveredDg14};
use dongpo_chip::kdf::Cipher;
use dongpo_chip::sm::SecureMessaging;
use dongpo_chip::terminal::{Terminal, Transport, TransportError};
use dongpo_chip::{ChipAuthError, PresenceError};
use dongpo_crypto::Curve;
use dongpo_icao::Sod;
use dongpo_icao::lds::{Dg14, Mrz};
use dongpo_testkit::chip::{ChipOptions, ChipVariant, EMRTD_AID, VirtualChip};
use dongpo_testkit::chip_auth::ChipAuthSpec;
use dongpo_testkit::{KeyStore, Passport, Profile};

const SEED: u64 = 9;

fn spec(agreement: KeyAgreement, cipher: Cipher, curve: Curve) -> ChipAuthSpec {
    ChipAuthSpec {
        protocol: CaProtocol::new(agreement, cipher),
        curve,
    }
}

fn make_chip(
    profile: Profile,
    spec: Option<ChipAuthSpec>,
    variant: ChipVariant,
) -> (Passport, VirtualChip) {
    let options = ChipOptions {
        active_authentication: false,
        variant,
        chip_authentication: spec,
        pace: None,
    };
    let mut keys = KeyStore::default();
    let passport =
        dongpo_testkit::chip_document::passport(profile, SEED, &options, &mut keys).unwrap();
    let chip = VirtualChip::new(&passport, profile, SEED, &options, &mut keys).unwrap();
    (passport, chip)
}

fn mrz_key(passport: &Passport) -> MrzKey {
    let mrz = Mrz::from_dg1(&passport.files["DG1.bin"]).unwrap();
    MrzKey::from_mrz_fields(
        &mrz.document_number,
        &mrz.date_of_birth,
        &mrz.date_of_expiry,
    )
    .unwrap()
}

fn send(chip: &mut VirtualChip, command: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&chip.transmit(&command.to_bytes())).unwrap()
}

fn bac(chip: &mut VirtualChip, key: &MrzKey) -> SecureMessaging {
    assert!(send(chip, &CommandApdu::select_application(&EMRTD_AID)).sw == StatusWord::SUCCESS);
    let challenge = send(chip, &CommandApdu::get_challenge());
    let terminal = BacTerminal::new(key, &challenge).unwrap();
    let answer = send(chip, &terminal.external_authenticate().unwrap());
    terminal.finish(&answer).unwrap()
}

fn secure(chip: &mut VirtualChip, sm: &mut SecureMessaging, command: &CommandApdu) -> ResponseApdu {
    let answer = send(chip, &sm.protect_command(command).unwrap());
    sm.unprotect_response(&answer).unwrap()
}

/// Runs CA by hand over `sm` with the DG14 of `passport`; returns the new channel.
fn authenticate(
    chip: &mut VirtualChip,
    sm: &mut SecureMessaging,
    passport: &Passport,
) -> SecureMessaging {
    let dg14 = Dg14::parse(&passport.files["DG14.bin"]).unwrap();
    let selection = ca::select(
        PaCoveredDg14::covered_by_passive_authentication(&dg14),
        None,
    )
    .unwrap();
    let mut terminal = CaTerminal::new(selection).unwrap();
    while let Some(command) = terminal.next_command().cloned() {
        let answer = secure(chip, sm, &command);
        terminal.accept_response(&answer).unwrap();
    }
    terminal.finish().unwrap()
}

#[test]
fn after_chip_authentication_only_the_new_keys_open_the_chip() {
    for spec in [
        spec(KeyAgreement::Ecdh, Cipher::Aes256, Curve::P384),
        spec(KeyAgreement::Ecdh, Cipher::Tdes, Curve::BrainpoolP512r1),
        spec(KeyAgreement::Dh, Cipher::Tdes, Curve::P256),
        spec(KeyAgreement::Dh, Cipher::Aes128, Curve::P256),
    ] {
        let (passport, mut chip) = make_chip(Profile::P256, Some(spec), ChipVariant::Genuine);
        let mut old = bac(&mut chip, &mrz_key(&passport));
        let mut new = authenticate(&mut chip, &mut old, &passport);
        // Under the new keys (SSC 0): SELECT and READ BINARY of EF.COM.
        let selected = secure(&mut chip, &mut new, &CommandApdu::select_ef(0x011E));
        assert_eq!(selected.sw, StatusWord::SUCCESS, "{spec:?}");
        let read = secure(
            &mut chip,
            &mut new,
            &CommandApdu::read_binary(0, 4).unwrap(),
        );
        assert_eq!(read.data(), &passport.files["EF_COM.bin"][..4], "{spec:?}");
        // A command under the BAC keys is now wrongly protected: refused in plain.
        let stale = send(
            &mut chip,
            &old.protect_command(&CommandApdu::select_ef(0x011E))
                .unwrap(),
        );
        assert!(stale.data().is_empty());
        assert_eq!(stale.sw, StatusWord(0x6988), "{spec:?}");
        assert!(!chip.is_secured());
    }
}

#[test]
fn chip_authentication_refusals_keep_their_status_words() {
    let set_at = |protocol: CaProtocol| {
        let oid = protocol.oid();
        let mut data = vec![0x80, u8::try_from(oid.as_bytes().len()).unwrap()];
        data.extend_from_slice(oid.as_bytes());
        CommandApdu::new(0x00, 0x22, 0x41, 0xA4, data, None).unwrap()
    };
    let aes = CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128);
    let general_authenticate = |key: &[u8]| {
        let mut inner = vec![0x80, u8::try_from(key.len()).unwrap()];
        inner.extend_from_slice(key);
        let mut data = vec![0x7C, u8::try_from(inner.len()).unwrap()];
        data.extend(inner);
        CommandApdu::new(0x00, 0x86, 0x00, 0x00, data, Some(256)).unwrap()
    };

    // A chip that offers no Chip Authentication.
    let (passport, mut chip) = make_chip(Profile::P256, None, ChipVariant::Genuine);
    let dg14 = Dg14::parse(&passport.files["DG14.bin"]).unwrap();
    assert_eq!(dg14.chip_authentication_public_keys().count(), 0);
    assert_eq!(
        send(&mut chip, &set_at(aes)).sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED,
        "before BAC"
    );
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    assert_eq!(
        secure(&mut chip, &mut sm, &set_at(aes)).sw,
        StatusWord::REFERENCED_DATA_NOT_FOUND
    );

    // A chip offering ECDH-AES-128 on P-256.
    let offered = spec(KeyAgreement::Ecdh, Cipher::Aes128, Curve::P256);
    let (passport, mut chip) = make_chip(Profile::P256, Some(offered), ChipVariant::Genuine);
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    let point = dongpo_crypto::agreement::KeyPair::generate(&offered.domain())
        .unwrap()
        .public_key_bytes()
        .to_vec();
    // GENERAL AUTHENTICATE without MSE:Set AT.
    assert_eq!(
        secure(&mut chip, &mut sm, &general_authenticate(&point)).sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // Another protocol than the one offered.
    let other = CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes192);
    assert_eq!(
        secure(&mut chip, &mut sm, &set_at(other)).sw,
        StatusWord::REFERENCED_DATA_NOT_FOUND
    );
    // A point that is not on the curve.
    assert_eq!(
        secure(&mut chip, &mut sm, &set_at(aes)).sw,
        StatusWord::SUCCESS
    );
    let mut off_curve = point.clone();
    off_curve[40] ^= 1;
    assert_eq!(
        secure(&mut chip, &mut sm, &general_authenticate(&off_curve)).sw,
        StatusWord::WRONG_DATA
    );
    // The refusals left the BAC session open.
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x0101)).sw,
        StatusWord::SUCCESS
    );

    // A new power-up forgets a pending MSE:Set AT.
    assert_eq!(
        secure(&mut chip, &mut sm, &set_at(aes)).sw,
        StatusWord::SUCCESS
    );
    chip.reset();
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    assert_eq!(
        secure(&mut chip, &mut sm, &general_authenticate(&point)).sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
}

/// The virtual chip in the same process, as a terminal's transport.
struct Loopback(VirtualChip);

impl Transport for Loopback {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.transmit(apdu))
    }
}

fn terminal_run(
    profile: Profile,
    spec: ChipAuthSpec,
    variant: ChipVariant,
) -> (
    Passport,
    Result<dongpo_chip::ChipAuthenticated, ChipAuthError>,
) {
    let (passport, chip) = make_chip(profile, Some(spec), variant);
    let mut terminal = Terminal::new(Loopback(chip));
    let contents = terminal.read_document(&mrz_key(&passport)).unwrap();
    let dg14 = Dg14::parse(&contents.data_groups[&14]).unwrap();
    let result = terminal.chip_authenticate(
        PaCoveredDg14::covered_by_passive_authentication(&dg14),
        &contents,
    );
    (passport, result)
}

#[test]
fn the_reference_terminal_proves_a_genuine_chip_and_catches_a_clone() {
    let spec = spec(KeyAgreement::Ecdh, Cipher::Aes192, Curve::BrainpoolP384r1);
    let (passport, proven) = terminal_run(Profile::Rsa2048, spec, ChipVariant::Genuine);
    let proven = proven.unwrap();
    assert_eq!(proven.protocol, spec.protocol);
    assert_eq!(proven.key_id, None);
    assert_eq!(
        proven.bytes_read_back,
        passport.files["EF_SOD.bin"].len().min(223)
    );
    assert!(
        proven
            .to_string()
            .starts_with("id-CA-ECDH-AES-CBC-CMAC-192")
    );

    // The clone answers MSE and GENERAL AUTHENTICATE, but cannot speak under the keys
    // agreed with the DG14 key.
    let (_, clone) = terminal_run(Profile::Rsa2048, spec, ChipVariant::Clone);
    assert!(
        matches!(clone, Err(ChipAuthError::Presence(PresenceError::Sm(_)))),
        "{clone:?}"
    );

    // Without a session there is nothing to authenticate on.
    let (passport, chip) = make_chip(Profile::P256, Some(spec), ChipVariant::Genuine);
    let mut terminal = Terminal::new(Loopback(chip));
    let dg14 = Dg14::parse(&passport.files["DG14.bin"]).unwrap();
    let contents = dongpo_chip::terminal::ChipContents::default();
    assert!(matches!(
        terminal.chip_authenticate(
            PaCoveredDg14::covered_by_passive_authentication(&dg14),
            &contents
        ),
        Err(ChipAuthError::NoSession)
    ));
}

#[test]
fn ca_key_not_covered_publishes_a_dg14_the_sod_does_not_hash() {
    let spec = spec(KeyAgreement::Dh, Cipher::Aes256, Curve::P256);
    let (genuine, _) = make_chip(Profile::P256, Some(spec), ChipVariant::Genuine);
    let (uncovered, _) = make_chip(Profile::P256, Some(spec), ChipVariant::CaKeyNotCovered);
    assert_eq!(genuine.files["EF_SOD.bin"], uncovered.files["EF_SOD.bin"]);
    assert_ne!(genuine.files["DG14.bin"], uncovered.files["DG14.bin"]);
    let sod = Sod::parse(&uncovered.files["EF_SOD.bin"]).unwrap();
    let hashed = &sod.dg_hashes[&14];
    let hash = sod.lds_hash;
    assert_eq!(*hashed, hash.digest(&genuine.files["DG14.bin"]));
    assert_ne!(*hashed, hash.digest(&uncovered.files["DG14.bin"]));
    // The chip holds the private key of the uncovered DG14: CA with it works, which is
    // why only a covered DG14 may be used.
    let (_, result) = terminal_run(Profile::P256, spec, ChipVariant::CaKeyNotCovered);
    assert!(result.is_ok(), "{result:?}");
}
