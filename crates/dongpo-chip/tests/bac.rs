//! Basic Access Control end to end with fresh randomness: a terminal and a chip that share
//! the MRZ information open matching channels and read through them; a terminal with other
//! MRZ information gets nowhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dongpo_chip::{BacChip, BacError, BacTerminal, CommandApdu, MrzKey, ResponseApdu, StatusWord};

fn key() -> MrzKey {
    MrzKey::from_mrz_fields("M12345678", "880101", "300101").unwrap()
}

#[test]
fn terminal_and_chip_open_the_same_channel() {
    let rnd_ic = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    let challenge = ResponseApdu::new(rnd_ic.to_vec(), StatusWord::SUCCESS);
    let terminal = BacTerminal::new(&key(), &challenge).unwrap();
    let command = terminal.external_authenticate().unwrap();
    // The command crosses the wire as bytes.
    let command = CommandApdu::parse(&command.to_bytes()).unwrap();
    let (answer, mut chip) = BacChip::new(&key(), rnd_ic).respond(&command).unwrap();
    let mut terminal = terminal.finish(&answer).unwrap();
    assert_eq!(terminal.ssc(), chip.ssc());
    assert_eq!(&terminal.ssc()[..4], &rnd_ic[4..]);

    let read = terminal
        .protect_command(&CommandApdu::read_binary(0, 4).unwrap())
        .unwrap();
    let plain = chip.unprotect_command(&read).unwrap();
    assert_eq!(plain, CommandApdu::read_binary(0, 4).unwrap());
    let sealed = chip
        .protect_response(
            plain.ins,
            &ResponseApdu::new(vec![0x60, 0x14, 0x5F, 0x01], StatusWord::SUCCESS),
        )
        .unwrap();
    let opened = terminal.unprotect_response(&sealed).unwrap();
    assert_eq!(opened.data(), [0x60, 0x14, 0x5F, 0x01]);
}

#[test]
fn two_runs_draw_different_terminal_randomness() {
    let challenge = ResponseApdu::new(vec![7; 8], StatusWord::SUCCESS);
    let a = BacTerminal::new(&key(), &challenge)
        .unwrap()
        .external_authenticate()
        .unwrap();
    let b = BacTerminal::new(&key(), &challenge)
        .unwrap()
        .external_authenticate()
        .unwrap();
    assert_ne!(a.data(), b.data());
}

#[test]
fn bad_challenges_and_commands_are_refused() {
    for challenge in [
        ResponseApdu::new(vec![1; 7], StatusWord::SUCCESS),
        ResponseApdu::new(vec![1; 8], StatusWord::CONDITIONS_NOT_SATISFIED),
    ] {
        assert!(matches!(
            BacTerminal::new(&key(), &challenge),
            Err(BacError::BadChallenge { .. })
        ));
    }
    let chip = || BacChip::new(&key(), [1; 8]);
    let short = CommandApdu::external_authenticate(&[0; 39], 40).unwrap();
    let err = chip().respond(&short).unwrap_err();
    assert_eq!(err, BacError::CryptogramLength { len: 39 });
    assert_eq!(err.chip_status(), StatusWord::WRONG_LENGTH);
    let not_ea = CommandApdu::new(0x00, 0x88, 0, 0, vec![0; 40], Some(40)).unwrap();
    assert_eq!(
        chip().respond(&not_ea).unwrap_err(),
        BacError::NotExternalAuthenticate
    );
    // Every changed byte of a genuine command is refused by the chip.
    let terminal =
        BacTerminal::new(&key(), &ResponseApdu::new(vec![1; 8], StatusWord::SUCCESS)).unwrap();
    let genuine = terminal.external_authenticate().unwrap();
    for pos in 0..40 {
        let mut data = genuine.data().to_vec();
        data[pos] ^= 0x01;
        let forged = CommandApdu::external_authenticate(&data, 40).unwrap();
        let err = chip().respond(&forged).unwrap_err();
        assert_eq!(
            err.chip_status(),
            StatusWord::AUTHENTICATION_FAILED,
            "byte {pos}"
        );
    }
}
