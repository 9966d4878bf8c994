//! The virtual chip (`dongpo_testkit::chip`): access control, every refusal's status
//! word, BAC, secure messaging, READ BINARY edge cases and Active Authentication.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dongpo_chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use dongpo_chip::bac::{BacTerminal, MrzKey};
use dongpo_chip::sm::SecureMessaging;
use dongpo_icao::active_auth;
use dongpo_icao::lds::{Dg14, Dg15, Mrz};
use dongpo_testkit::chip::{ChipOptions, ChipVariant, EMRTD_AID, VirtualChip};
use dongpo_testkit::{KeyStore, Passport, Profile, Variant};

fn passport(profile: Profile) -> Passport {
    dongpo_testkit::generate(profile, Variant::Genuine, 7, &mut KeyStore::default())
        .expect("passport")
}

fn chip(passport: &Passport, profile: Profile, variant: ChipVariant) -> VirtualChip {
    VirtualChip::new(
        passport,
        profile,
        7,
        &ChipOptions {
            active_authentication: true,
            variant,
            chip_authentication: None,
            pace: None,
        },
        &mut KeyStore::default(),
    )
    .expect("chip")
}

fn file<'a>(passport: &'a Passport, name: &str) -> &'a [u8] {
    passport.files.get(name).expect("file")
}

fn mrz_key(passport: &Passport) -> MrzKey {
    let mrz = Mrz::from_dg1(file(passport, "DG1.bin")).expect("mrz");
    MrzKey::from_mrz_fields(
        &mrz.document_number,
        &mrz.date_of_birth,
        &mrz.date_of_expiry,
    )
    .expect("key")
}

fn send(chip: &mut VirtualChip, command: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&chip.transmit(&command.to_bytes())).expect("response")
}

fn sw(chip: &mut VirtualChip, bytes: &[u8]) -> StatusWord {
    ResponseApdu::parse(&chip.transmit(bytes))
        .expect("response")
        .sw
}

/// SELECT eMRTD, GET CHALLENGE, EXTERNAL AUTHENTICATE: the terminal's SM channel.
fn bac(chip: &mut VirtualChip, key: &MrzKey) -> SecureMessaging {
    let selected = send(chip, &CommandApdu::select_application(&EMRTD_AID));
    assert_eq!(selected.sw, StatusWord::SUCCESS);
    let challenge = send(chip, &CommandApdu::get_challenge());
    assert_eq!(challenge.sw, StatusWord::SUCCESS);
    let terminal = BacTerminal::new(key, &challenge).expect("challenge");
    let answer = send(chip, &terminal.external_authenticate().expect("command"));
    terminal.finish(&answer).expect("BAC")
}

fn secure(chip: &mut VirtualChip, sm: &mut SecureMessaging, command: &CommandApdu) -> ResponseApdu {
    let protected = sm.protect_command(command).expect("protect");
    let answer = send(chip, &protected);
    sm.unprotect_response(&answer).expect("unprotect")
}

/// Reads a whole file by SELECT + READ BINARY in chunks of `chunk`.
fn read_file(chip: &mut VirtualChip, sm: &mut SecureMessaging, fid: u16, chunk: u32) -> Vec<u8> {
    assert_eq!(
        secure(chip, sm, &CommandApdu::select_ef(fid)).sw,
        StatusWord::SUCCESS
    );
    let mut out = Vec::new();
    loop {
        let offset = u16::try_from(out.len()).expect("offset");
        let answer = secure(
            chip,
            sm,
            &CommandApdu::read_binary(offset, chunk).expect("apdu"),
        );
        if answer.sw == StatusWord::WRONG_PARAMETERS {
            return out;
        }
        assert!(answer.sw.is_success_or_warning(), "{}", answer.sw);
        out.extend_from_slice(answer.data());
    }
}

#[test]
fn refusals_before_bac() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    // Garbage and malformed lengths.
    assert_eq!(sw(&mut chip, &[0x00]), StatusWord::WRONG_LENGTH);
    assert_eq!(
        sw(&mut chip, &[0x00, 0xB0, 0x00, 0x00, 0x05, 0x01]),
        StatusWord::WRONG_LENGTH
    );
    // LDS files before the application is selected: not found.
    assert_eq!(
        sw(&mut chip, &CommandApdu::select_ef(0x0101).to_bytes()),
        StatusWord::FILE_NOT_FOUND
    );
    // Another application.
    assert_eq!(
        send(
            &mut chip,
            &CommandApdu::select_application(&[0xA0, 0, 0, 0, 0x47])
        )
        .sw,
        StatusWord::FILE_NOT_FOUND
    );
    assert_eq!(
        send(&mut chip, &CommandApdu::select_application(&EMRTD_AID)).sw,
        StatusWord::SUCCESS
    );
    // Before BAC: security status not satisfied.
    assert_eq!(
        sw(&mut chip, &CommandApdu::select_ef(0x0101).to_bytes()),
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    assert_eq!(
        send(
            &mut chip,
            &CommandApdu::read_binary_sfi(0x01, 0, 4).expect("apdu")
        )
        .sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    let internal = CommandApdu::new(0x00, 0x88, 0, 0, vec![1u8; 8], Some(256)).expect("apdu");
    assert_eq!(
        send(&mut chip, &internal).sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    let mse = CommandApdu::new(0x00, 0x22, 0x41, 0xA6, vec![0x80, 0x01, 0x01], None).expect("apdu");
    assert_eq!(
        send(&mut chip, &mse).sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    // Not a file of this chip, SELECT with a bad P1/P2 or length.
    assert_eq!(
        sw(&mut chip, &CommandApdu::select_ef(0x0103).to_bytes()),
        StatusWord::FILE_NOT_FOUND
    );
    assert_eq!(
        sw(&mut chip, &[0x00, 0xA4, 0x02, 0x04, 0x02, 0x01, 0x01]),
        StatusWord::WRONG_P1_P2
    );
    assert_eq!(
        sw(&mut chip, &[0x00, 0xA4, 0x08, 0x0C, 0x02, 0x01, 0x01]),
        StatusWord::WRONG_P1_P2
    );
    assert_eq!(
        sw(&mut chip, &[0x00, 0xA4, 0x02, 0x0C, 0x01, 0x01]),
        StatusWord::WRONG_LENGTH
    );
    // READ BINARY with no current file.
    assert_eq!(
        sw(&mut chip, &[0x00, 0xB0, 0x00, 0x00, 0x04]),
        StatusWord(0x6986)
    );
    // Unknown instruction and class.
    assert_eq!(
        sw(&mut chip, &[0x00, 0xCA, 0x00, 0x00, 0x00]),
        StatusWord::INS_NOT_SUPPORTED
    );
    assert_eq!(
        sw(&mut chip, &[0x80, 0x84, 0x00, 0x00, 0x08]),
        StatusWord::CLA_NOT_SUPPORTED
    );
    // Secure messaging before any session.
    assert_eq!(
        sw(&mut chip, &[0x0C, 0x84, 0x00, 0x00, 0x08]),
        StatusWord::SM_NOT_SUPPORTED
    );
    // GET CHALLENGE for anything but 8 bytes, with bad P1/P2.
    assert_eq!(
        sw(&mut chip, &[0x00, 0x84, 0x00, 0x00, 0x04]),
        StatusWord::WRONG_LENGTH
    );
    assert_eq!(
        sw(&mut chip, &[0x00, 0x84, 0x00, 0x00]),
        StatusWord::WRONG_LENGTH
    );
    assert_eq!(
        sw(&mut chip, &[0x00, 0x84, 0x01, 0x00, 0x08]),
        StatusWord::WRONG_P1_P2
    );
    // EXTERNAL AUTHENTICATE without a challenge.
    let ea = CommandApdu::external_authenticate(&[0u8; 40], 40).expect("apdu");
    assert_eq!(
        send(&mut chip, &ea).sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // ... and with a challenge but the wrong MRZ: 6300, the challenge is used up.
    assert_eq!(
        send(&mut chip, &CommandApdu::get_challenge()).sw,
        StatusWord::SUCCESS
    );
    assert_eq!(send(&mut chip, &ea).sw, StatusWord::AUTHENTICATION_FAILED);
    assert_eq!(
        send(&mut chip, &ea).sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    assert!(!chip.is_secured());
}

#[test]
fn wrong_mrz_fails_bac() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    let challenge = send(&mut chip, &CommandApdu::get_challenge());
    let wrong = MrzKey::from_mrz_fields("X12345678", "800101", "300101").expect("key");
    let terminal = BacTerminal::new(&wrong, &challenge).expect("terminal");
    let answer = send(&mut chip, &terminal.external_authenticate().expect("apdu"));
    assert_eq!(answer.sw, StatusWord::AUTHENTICATION_FAILED);
    assert!(terminal.finish(&answer).is_err());
    assert!(!chip.is_secured());
}

#[test]
fn bac_then_every_file_read_under_secure_messaging() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    assert!(chip.is_secured());
    for (name, fid, chunk) in [
        ("EF_COM.bin", 0x011E, 0xE0),
        ("EF_SOD.bin", 0x011D, 0xDF),
        ("DG1.bin", 0x0101, 7),
        ("DG2.bin", 0x0102, 1000),
        ("DG14.bin", 0x010E, 256),
        ("DG15.bin", 0x010F, 17),
    ] {
        assert_eq!(
            read_file(&mut chip, &mut sm, fid, chunk),
            file(&passport, name),
            "{name}"
        );
    }
    // A file this chip does not hold, and EF.CardAccess (no PACE offered).
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x0103)).sw,
        StatusWord::FILE_NOT_FOUND
    );
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x011C)).sw,
        StatusWord::FILE_NOT_FOUND
    );
    // This chip was built without Chip Authentication keys: a malformed MSE:Set KAT is
    // `6A80`, GENERAL AUTHENTICATE without MSE:Set AT `6985` (tests/virtual_chip_ca.rs
    // covers the chips that offer CA).
    let mse = CommandApdu::new(0x00, 0x22, 0x41, 0xA6, vec![0x80, 0x01, 0x01], None).expect("apdu");
    assert_eq!(secure(&mut chip, &mut sm, &mse).sw, StatusWord::WRONG_DATA);
    let ga = CommandApdu::new(0x00, 0x86, 0, 0, vec![0x7C, 0x00], Some(256)).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &ga).sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // The channel survived the refusals.
    assert!(chip.is_secured());
}

#[test]
fn read_binary_edge_cases() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let dg2 = file(&passport, "DG2.bin").to_vec();
    let dg1 = file(&passport, "DG1.bin").to_vec();
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    // Short file identifier in P1 selects and reads at once, odd offset.
    let answer = secure(
        &mut chip,
        &mut sm,
        &CommandApdu::read_binary_sfi(0x01, 3, 5).expect("apdu"),
    );
    assert_eq!(
        (answer.sw, answer.data()),
        (StatusWord::SUCCESS, &dg1[3..8])
    );
    // An unknown short file identifier.
    let answer = secure(
        &mut chip,
        &mut sm,
        &CommandApdu::read_binary_sfi(0x03, 0, 5).expect("apdu"),
    );
    assert_eq!(answer.sw, StatusWord::FILE_NOT_FOUND);
    // Extended Le: the whole DG2 in one response.
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x0102)).sw,
        StatusWord::SUCCESS
    );
    let whole = CommandApdu::read_binary(0, 65_536).expect("apdu");
    assert!(whole.is_extended());
    let answer = secure(&mut chip, &mut sm, &whole);
    assert_eq!(
        (answer.sw, answer.data()),
        (StatusWord::SUCCESS, dg2.as_slice())
    );
    // Reading past the end: what is left, with 6282.
    let near_end = u16::try_from(dg2.len() - 3).expect("offset");
    let answer = secure(
        &mut chip,
        &mut sm,
        &CommandApdu::read_binary(near_end, 10).expect("apdu"),
    );
    assert_eq!(
        (answer.sw, answer.data()),
        (StatusWord::END_OF_FILE, &dg2[dg2.len() - 3..])
    );
    // Offset at or beyond the end: 6B00.
    let at_end = u16::try_from(dg2.len()).expect("offset");
    assert_eq!(
        secure(
            &mut chip,
            &mut sm,
            &CommandApdu::read_binary(at_end, 1).expect("apdu")
        )
        .sw,
        StatusWord::WRONG_PARAMETERS
    );
    // Odd READ BINARY (B1, DO'54' offset): DO'53' wraps the bytes.
    let answer = secure(
        &mut chip,
        &mut sm,
        &CommandApdu::read_binary_odd(1001, 16).expect("apdu"),
    );
    assert_eq!(answer.sw, StatusWord::SUCCESS);
    assert_eq!(answer.data(), [&[0x53, 16][..], &dg2[1001..1017]].concat());
    let beyond = CommandApdu::read_binary_odd(40_000, 16).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &beyond).sw,
        StatusWord::WRONG_PARAMETERS
    );
    let no_offset =
        CommandApdu::new(0x00, 0xB1, 0, 0, vec![0x53, 0x01, 0x00], Some(16)).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &no_offset).sw,
        StatusWord::WRONG_DATA
    );
    // Le absent.
    let no_le = CommandApdu::new(0x00, 0xB0, 0, 0, Vec::new(), None).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &no_le).sw,
        StatusWord::WRONG_LENGTH
    );
    assert!(chip.is_secured());
}

#[test]
fn responses_never_exceed_the_framing_limit() {
    // A 70,000-byte DG2: one extended READ BINARY returns at most 65,533 data bytes,
    // plain or protected.
    let profile = Profile::P256;
    let mut passport = passport(profile);
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    passport.files.insert("DG2.bin".into(), big.clone());
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x0102)).sw,
        StatusWord::SUCCESS
    );
    let protected = sm
        .protect_command(&CommandApdu::read_binary(0, 65_536).expect("apdu"))
        .expect("protect");
    let raw = chip.transmit(&protected.to_bytes());
    assert!(raw.len() <= 65_535, "{}", raw.len());
    let answer = sm
        .unprotect_response(&ResponseApdu::parse(&raw).expect("parse"))
        .expect("open");
    assert_eq!(answer.sw, StatusWord::SUCCESS);
    assert_eq!(answer.data(), &big[..answer.data().len()]);
    // The rest, through the odd READ BINARY beyond 32,767.
    let offset = u32::try_from(answer.data().len()).expect("offset");
    let rest = secure(
        &mut chip,
        &mut sm,
        &CommandApdu::read_binary_odd(offset, 65_536).expect("apdu"),
    );
    assert_eq!(rest.sw, StatusWord::SUCCESS);
    let inner = &rest.data()[4..];
    assert_eq!(inner, &big[answer.data().len()..]);
}

#[test]
fn unprotected_or_forged_command_after_bac_ends_the_session() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let key = mrz_key(&passport);
    let mut chip = chip(&passport, profile, ChipVariant::Genuine);
    let _sm = bac(&mut chip, &key);
    // Plain command: 6987, session gone.
    assert_eq!(
        sw(&mut chip, &CommandApdu::select_ef(0x0101).to_bytes()),
        StatusWord::SM_OBJECTS_MISSING
    );
    assert!(!chip.is_secured());
    // Bytes that are not an APDU at all: the same.
    let _sm = bac(&mut chip, &key);
    assert_eq!(sw(&mut chip, &[0x0C]), StatusWord::SM_OBJECTS_MISSING);
    assert!(!chip.is_secured());
    // A class other than 00 before BAC (here 04: proprietary SM indication).
    assert_eq!(
        sw(&mut chip, &[0x04, 0x84, 0x00, 0x00, 0x08]),
        StatusWord::CLA_NOT_SUPPORTED
    );

    let mut sm = bac(&mut chip, &key);
    let mut protected = sm
        .protect_command(&CommandApdu::select_ef(0x0101))
        .expect("protect")
        .to_bytes();
    let last = protected.len() - 2;
    protected[last] ^= 0x01; // inside DO'8E'
    assert_eq!(sw(&mut chip, &protected), StatusWord::SM_OBJECTS_INCORRECT);
    assert!(!chip.is_secured());
    // The terminal's keys are now useless: the chip answers in plain.
    let again = sm
        .protect_command(&CommandApdu::select_ef(0x0101))
        .expect("protect");
    assert_eq!(send(&mut chip, &again).sw, StatusWord::SM_NOT_SUPPORTED);

    // reset() forgets a good session too.
    let mut sm = bac(&mut chip, &key);
    chip.reset();
    assert!(!chip.is_secured());
    let select = sm
        .protect_command(&CommandApdu::select_ef(0x0101))
        .expect("protect");
    assert_eq!(send(&mut chip, &select).sw, StatusWord::SM_NOT_SUPPORTED);
}

fn aa_round(profile: Profile, variant: ChipVariant) -> Result<(), active_auth::AaError> {
    let passport = passport(profile);
    let mut chip = chip(&passport, profile, variant);
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let command = CommandApdu::new(0x00, 0x88, 0, 0, challenge.to_vec(), Some(256)).expect("apdu");
    let answer = secure(&mut chip, &mut sm, &command);
    assert_eq!(answer.sw, StatusWord::SUCCESS);
    // A challenge of another length is refused.
    let short = CommandApdu::new(0x00, 0x88, 0, 0, vec![1u8; 4], Some(256)).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &short).sw,
        StatusWord::WRONG_LENGTH
    );
    let dg15 = Dg15::parse(file(&passport, "DG15.bin")).expect("dg15");
    let hash = Dg14::parse(file(&passport, "DG14.bin"))
        .expect("dg14")
        .active_authentication()
        .map(|aa| aa.hash_algorithm().expect("hash"));
    active_auth::verify(&dg15, hash, &challenge, answer.data()).map(|_| ())
}

#[test]
fn active_authentication_genuine_passes_clone_fails() {
    for profile in [Profile::P256, Profile::Rsa2048] {
        assert!(aa_round(profile, ChipVariant::Genuine).is_ok(), "{profile}");
        assert!(aa_round(profile, ChipVariant::Clone).is_err(), "{profile}");
    }
}

#[test]
fn without_active_authentication_no_dg15_and_no_internal_authenticate() {
    let profile = Profile::P256;
    let passport = passport(profile);
    let mut chip = VirtualChip::new(
        &passport,
        profile,
        7,
        &ChipOptions {
            active_authentication: false,
            variant: ChipVariant::Genuine,
            chip_authentication: None,
            pace: None,
        },
        &mut KeyStore::default(),
    )
    .expect("chip");
    let mut sm = bac(&mut chip, &mrz_key(&passport));
    assert_eq!(
        secure(&mut chip, &mut sm, &CommandApdu::select_ef(0x010F)).sw,
        StatusWord::FILE_NOT_FOUND
    );
    let command = CommandApdu::new(0x00, 0x88, 0, 0, vec![1u8; 8], Some(256)).expect("apdu");
    assert_eq!(
        secure(&mut chip, &mut sm, &command).sw,
        StatusWord::INS_NOT_SUPPORTED
    );
}
