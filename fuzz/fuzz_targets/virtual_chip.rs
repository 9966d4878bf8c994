//! The virtual chip's command processing (`dongpo_testkit::chip::VirtualChip::transmit`)
//! on arbitrary APDU sequences, before and after a real BAC. The chip offers Chip
//! Authentication (ECDH-AES-128 on P-256), so MSE and GENERAL AUTHENTICATE reach
//! `dongpo_chip::CaChip` under secure messaging, and PACE (ECDH-GM-AES-128 on P-256), so
//! plain MSE:Set AT and GENERAL AUTHENTICATE before a session reach `dongpo_chip::PaceChip`.
//!
//! Input: a mode byte, then frames of `[length: u8][bytes]`. Mode odd: a terminal runs BAC
//! first; then a frame with an even first length byte is sent as raw bytes, one with an odd
//! length byte is parsed as a plain command and protected by the terminal. Invariants:
//! never a panic; every response is at least SW1 SW2 and fits the 2-byte TCP framing; a
//! raw (unprotected) frame after BAC leaves no session open.
#![no_main]

use std::sync::OnceLock;

use dongpo_chip::{BacTerminal, CommandApdu, MrzKey, ResponseApdu, SecureMessaging};
use dongpo_crypto::Curve;
use dongpo_icao::lds::Mrz;
use dongpo_testkit::chip::{ChipOptions, ChipVariant, EMRTD_AID, VirtualChip};
use dongpo_testkit::chip_auth::ChipAuthSpec;
use dongpo_testkit::{KeyStore, Passport, Profile};

const SEED: u64 = 1;

fn options() -> ChipOptions {
    ChipOptions {
        active_authentication: true,
        variant: ChipVariant::Genuine,
        chip_authentication: ChipAuthSpec::from_names("ecdh-aes128", "p256")
            .unwrap_or_else(|e| panic!("{e}")),
        pace: Some(Curve::P256),
    }
}
use libfuzzer_sys::fuzz_target;

fn passport() -> &'static Passport {
    static PASSPORT: OnceLock<Passport> = OnceLock::new();
    PASSPORT.get_or_init(|| {
        dongpo_testkit::chip_document::passport(
            Profile::P256,
            SEED,
            &options(),
            &mut KeyStore::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn send(chip: &mut VirtualChip, bytes: &[u8]) -> Vec<u8> {
    let response = chip.transmit(bytes);
    assert!(
        response.len() >= 2 && response.len() <= 65_535,
        "{}",
        response.len()
    );
    response
}

fn bac(chip: &mut VirtualChip, passport: &Passport) -> Option<SecureMessaging> {
    let dg1 = passport.files.get("DG1.bin")?;
    let mrz = Mrz::from_dg1(dg1).ok()?;
    let key = MrzKey::from_mrz_fields(
        &mrz.document_number,
        &mrz.date_of_birth,
        &mrz.date_of_expiry,
    )
    .ok()?;
    send(
        chip,
        &CommandApdu::select_application(&EMRTD_AID).to_bytes(),
    );
    let challenge =
        ResponseApdu::parse(&send(chip, &CommandApdu::get_challenge().to_bytes())).ok()?;
    let terminal = BacTerminal::new(&key, &challenge).ok()?;
    let answer = ResponseApdu::parse(&send(
        chip,
        &terminal.external_authenticate().ok()?.to_bytes(),
    ))
    .ok()?;
    terminal.finish(&answer).ok()
}

fuzz_target!(|data: &[u8]| {
    let [mode, frames @ ..] = data else {
        return;
    };
    let passport = passport();
    let Ok(mut chip) = VirtualChip::new(
        passport,
        Profile::P256,
        SEED,
        &options(),
        &mut KeyStore::default(),
    ) else {
        return;
    };
    let mut sm = if mode % 2 == 1 {
        let sm = bac(&mut chip, passport);
        assert!(sm.is_some() && chip.is_secured());
        sm
    } else {
        None
    };
    let mut rest = frames;
    while let [len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, next) = tail.split_at(n);
        rest = next;
        match (&mut sm, len % 2) {
            (Some(channel), 1) => {
                let Ok(command) = CommandApdu::parse(frame) else {
                    continue;
                };
                let Ok(protected) = channel.protect_command(&command) else {
                    continue;
                };
                let response = send(&mut chip, &protected.to_bytes());
                if let Ok(response) = ResponseApdu::parse(&response) {
                    let _ = channel.unprotect_response(&response);
                }
            }
            _ => {
                let was_secured = chip.is_secured();
                send(&mut chip, frame);
                if was_secured && frame.first().is_none_or(|cla| cla & 0x0C != 0x0C) {
                    assert!(!chip.is_secured());
                }
            }
        }
    }
});
