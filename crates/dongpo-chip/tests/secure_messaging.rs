//! Secure messaging beyond the worked examples: the AES (and 3DES) channels against the
//! vectors of an independent implementation (`test-vectors/icao-sm/`), terminal and chip
//! in both directions, every byte of a protected answer or command refused when changed,
//! and out-of-step counters refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dongpo_chip::{
    Cipher, CommandApdu, ResponseApdu, SecureMessaging, SessionKeys, SmError, StatusWord,
};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Channel {
    cipher: String,
    shared_secret: String,
    ks_enc: String,
    ks_mac: String,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    command: String,
    protected_command: String,
    response: String,
    protected_response: String,
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn vectors() -> Vec<Channel> {
    serde_json::from_str(include_str!(
        "../../../test-vectors/icao-sm/sm-vectors.json"
    ))
    .unwrap()
}

fn cipher(name: &str) -> Cipher {
    match name {
        "3DES" => Cipher::Tdes,
        "AES-128" => Cipher::Aes128,
        "AES-192" => Cipher::Aes192,
        "AES-256" => Cipher::Aes256,
        other => panic!("unknown cipher {other}"),
    }
}

fn zero_ssc_channel(channel: &Channel) -> SecureMessaging {
    let keys = SessionKeys::derive(&h(&channel.shared_secret), cipher(&channel.cipher));
    SecureMessaging::with_zero_ssc(keys)
}

#[test]
fn independent_vectors_terminal_side() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 4);
    for channel in &vectors {
        let keys = SessionKeys::derive(&h(&channel.shared_secret), cipher(&channel.cipher));
        assert_eq!(
            keys.enc.expose_secret(),
            h(&channel.ks_enc),
            "{}",
            channel.cipher
        );
        assert_eq!(
            keys.mac.expose_secret(),
            h(&channel.ks_mac),
            "{}",
            channel.cipher
        );
        let mut sm = SecureMessaging::with_zero_ssc(keys);
        for (i, step) in channel.steps.iter().enumerate() {
            let command = CommandApdu::parse(&h(&step.command)).unwrap();
            let protected = sm.protect_command(&command).unwrap();
            assert_eq!(
                protected.to_bytes(),
                h(&step.protected_command),
                "{} step {i}",
                channel.cipher
            );
            let response = ResponseApdu::parse(&h(&step.protected_response)).unwrap();
            let opened = sm.unprotect_response(&response).unwrap();
            assert_eq!(
                opened.to_bytes(),
                h(&step.response),
                "{} step {i}",
                channel.cipher
            );
        }
    }
}

#[test]
fn independent_vectors_chip_side() {
    for channel in &vectors() {
        let mut chip = zero_ssc_channel(channel);
        for (i, step) in channel.steps.iter().enumerate() {
            let protected = CommandApdu::parse(&h(&step.protected_command)).unwrap();
            let opened = chip.unprotect_command(&protected).unwrap();
            assert_eq!(
                opened.to_bytes(),
                h(&step.command),
                "{} step {i}",
                channel.cipher
            );
            let answer = ResponseApdu::parse(&h(&step.response)).unwrap();
            let sealed = chip.protect_response(opened.ins, &answer).unwrap();
            assert_eq!(
                sealed.to_bytes(),
                h(&step.protected_response),
                "{} step {i}",
                channel.cipher
            );
        }
    }
}

#[test]
fn every_changed_byte_of_a_protected_response_is_refused() {
    for channel in &vectors() {
        for (i, step) in channel.steps.iter().enumerate() {
            let genuine = h(&step.protected_response);
            for pos in 0..genuine.len() {
                for mask in [0x01u8, 0x80] {
                    let mut sm = zero_ssc_channel(channel);
                    for earlier in &channel.steps[..i] {
                        sm.protect_command(&CommandApdu::parse(&h(&earlier.command)).unwrap())
                            .unwrap();
                        sm.unprotect_response(
                            &ResponseApdu::parse(&h(&earlier.protected_response)).unwrap(),
                        )
                        .unwrap();
                    }
                    sm.protect_command(&CommandApdu::parse(&h(&step.command)).unwrap())
                        .unwrap();
                    let mut forged = genuine.clone();
                    forged[pos] ^= mask;
                    let response = ResponseApdu::parse(&forged).unwrap();
                    let result = sm.unprotect_response(&response);
                    assert!(
                        result.is_err(),
                        "{} step {i}: byte {pos} ^ {mask:02X} accepted",
                        channel.cipher
                    );
                    assert!(!sm.is_open());
                }
            }
        }
    }
}

#[test]
fn every_changed_byte_of_a_protected_command_is_refused() {
    for channel in &vectors() {
        // The first three steps: a cryptogram, a DO'97', a short and a long data field.
        for (i, step) in channel.steps.iter().enumerate().take(4) {
            let genuine = h(&step.protected_command);
            for pos in 0..genuine.len() {
                let mut chip = zero_ssc_channel(channel);
                for earlier in &channel.steps[..i] {
                    chip.unprotect_command(
                        &CommandApdu::parse(&h(&earlier.protected_command)).unwrap(),
                    )
                    .unwrap();
                    chip.protect_response(
                        0xB0,
                        &ResponseApdu::parse(&h(&earlier.response)).unwrap(),
                    )
                    .unwrap();
                }
                let mut forged = genuine.clone();
                forged[pos] ^= 0x01;
                // A changed length byte may make the bytes no APDU at all: refused too.
                let Ok(command) = CommandApdu::parse(&forged) else {
                    continue;
                };
                // Le of the protected command is not covered by the MAC (9303-11: it is
                // always 00 or 0000); everything else is.
                let le_only = command.header() == CommandApdu::parse(&genuine).unwrap().header()
                    && command.data() == CommandApdu::parse(&genuine).unwrap().data();
                let result = chip.unprotect_command(&command);
                if le_only {
                    assert!(result.is_ok());
                } else {
                    let err = result.unwrap_err();
                    assert!(
                        matches!(
                            err.chip_status(),
                            StatusWord::SM_OBJECTS_INCORRECT | StatusWord::SM_OBJECTS_MISSING
                        ),
                        "{err}"
                    );
                }
            }
        }
    }
}

#[test]
fn plain_and_mismatched_answers_are_refused_by_name() {
    let keys = SessionKeys::from_bytes(Cipher::Aes128, &[7; 16], &[9; 16]).unwrap();
    let mut terminal = SecureMessaging::with_zero_ssc(keys);
    terminal
        .protect_command(&CommandApdu::select_ef(0x0101))
        .unwrap();
    assert_eq!(
        terminal.unprotect_response(&ResponseApdu::status(StatusWord::SM_OBJECTS_INCORRECT)),
        Err(SmError::PlainResponse {
            sw: StatusWord::SM_OBJECTS_INCORRECT
        })
    );

    // A genuine answer whose unauthenticated trailer was changed.
    let (mut terminal, mut chip) = pair(Cipher::Aes256);
    let command = chip
        .unprotect_command(
            &terminal
                .protect_command(&CommandApdu::get_challenge())
                .unwrap(),
        )
        .unwrap();
    let sealed = chip
        .protect_response(
            command.ins,
            &ResponseApdu::new(vec![1; 8], StatusWord::SUCCESS),
        )
        .unwrap();
    let trailer_changed = ResponseApdu::new(sealed.data().to_vec(), StatusWord::END_OF_FILE);
    assert_eq!(
        terminal.unprotect_response(&trailer_changed),
        Err(SmError::StatusMismatch {
            trailer: StatusWord::END_OF_FILE,
            protected: StatusWord::SUCCESS
        })
    );

    // An unprotected command on the chip side.
    let (_, mut chip) = pair(Cipher::Aes128);
    let err = chip
        .unprotect_command(&CommandApdu::select_ef(0x011E))
        .unwrap_err();
    assert_eq!(err, SmError::NotProtected { cla: 0 });
    assert_eq!(err.chip_status(), StatusWord::SM_OBJECTS_MISSING);
    assert_eq!(
        chip.unprotect_command(&CommandApdu::select_ef(0x011E)),
        Err(SmError::Closed)
    );
}

#[test]
fn a_replayed_command_or_answer_is_refused() {
    let (mut terminal, mut chip) = pair(Cipher::Aes128);
    let protected = terminal
        .protect_command(&CommandApdu::read_binary(0, 4).unwrap())
        .unwrap();
    let command = chip.unprotect_command(&protected).unwrap();
    let answer = chip
        .protect_response(
            command.ins,
            &ResponseApdu::new(vec![0x60, 0x14, 0x5F, 0x01], StatusWord::SUCCESS),
        )
        .unwrap();
    terminal.unprotect_response(&answer).unwrap();
    // The same command again: the chip's counter has moved on.
    assert_eq!(chip.unprotect_command(&protected), Err(SmError::BadMac));
    // The same answer to the next command: the terminal's counter has moved on.
    terminal
        .protect_command(&CommandApdu::read_binary(0, 4).unwrap())
        .unwrap();
    assert_eq!(terminal.unprotect_response(&answer), Err(SmError::BadMac));
}

/// A terminal and a chip sharing fresh keys, both at SSC 0.
fn pair(cipher: Cipher) -> (SecureMessaging, SecureMessaging) {
    let secret = [0x42u8; 32];
    (
        SecureMessaging::with_zero_ssc(SessionKeys::derive(&secret, cipher)),
        SecureMessaging::with_zero_ssc(SessionKeys::derive(&secret, cipher)),
    )
}

fn any_cipher() -> impl Strategy<Value = Cipher> {
    prop_oneof![
        Just(Cipher::Tdes),
        Just(Cipher::Aes128),
        Just(Cipher::Aes192),
        Just(Cipher::Aes256)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any command and answer survive terminal -> chip -> terminal unchanged, in short and
    /// extended length, with even and odd INS.
    #[test]
    fn round_trip_terminal_chip_terminal(
        cipher in any_cipher(),
        ins in any::<u8>(),
        p1 in any::<u8>(),
        p2 in any::<u8>(),
        data in proptest::collection::vec(any::<u8>(), 0..600),
        le in proptest::option::of(1u32..=65_536),
        answer in proptest::collection::vec(any::<u8>(), 0..600),
        sw in any::<u16>(),
        rounds in 1usize..4,
    ) {
        let (mut terminal, mut chip) = pair(cipher);
        let command = CommandApdu::new(0x00, ins, p1, p2, data, le).unwrap();
        for _ in 0..rounds {
            let protected = terminal.protect_command(&command).unwrap();
            prop_assert_eq!(protected.cla, 0x0C);
            let wire = CommandApdu::parse(&protected.to_bytes()).unwrap();
            let opened = chip.unprotect_command(&wire).unwrap();
            prop_assert_eq!(&opened, &command);
            let response = ResponseApdu::new(answer.clone(), StatusWord(sw));
            let sealed = chip.protect_response(opened.ins, &response).unwrap();
            let wire = ResponseApdu::parse(&sealed.to_bytes()).unwrap();
            prop_assert_eq!(terminal.unprotect_response(&wire).unwrap(), response);
            prop_assert_eq!(terminal.ssc(), chip.ssc());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes as a command APDU and as a response APDU: parsing never panics, what
    /// parses encodes back to the same bytes, and neither side's secure messaging accepts it.
    #[test]
    fn arbitrary_bytes_never_pass(
        cipher in any_cipher(),
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        sm_shaped in any::<bool>(),
    ) {
        // Half the cases look like protected objects, to get past the first checks.
        let bytes = if sm_shaped {
            // 0C B0 00 00 Lc { 97 01 00 | 8E 08 <8 fuzzed bytes> } 00
            let mut objects = vec![0x97, 0x01, 0x00, 0x8E, 0x08];
            objects.extend(bytes.iter().chain(std::iter::repeat(&0)).take(8));
            let mut b = vec![0x0C, 0xB0, 0x00, 0x00, objects.len() as u8];
            b.extend(objects);
            b.push(0x00);
            b
        } else {
            bytes
        };
        if let Ok(command) = CommandApdu::parse(&bytes) {
            prop_assert_eq!(command.to_bytes(), bytes.clone());
            let (_, mut chip) = pair(cipher);
            prop_assert!(chip.unprotect_command(&command).is_err());
        }
        // As a response: the same objects with DO'99' in place of DO'97'.
        let mut data = bytes.get(5..).unwrap_or_default().to_vec();
        if sm_shaped {
            data.splice(0..3, [0x99, 0x02, 0x90, 0x00]);
            data.pop();
        }
        let response = ResponseApdu::new(data, StatusWord::SUCCESS);
        let (mut terminal, _) = pair(cipher);
        terminal.protect_command(&CommandApdu::select_ef(0x011E)).unwrap();
        prop_assert!(terminal.unprotect_response(&response).is_err());
        prop_assert!(!terminal.is_open());
    }
}
