//! Secure-messaging commands into the chip side (`SecureMessaging::unprotect_command`,
//! what the virtual chip runs on every command after access control) under fixed keys.
//! Input: cipher selector, mode, then the bytes.
//!
//! * mode even: the bytes are a raw command APDU; a forgery must be refused with a
//!   secure-messaging status word (`6987`/`6988`) and must close the channel.
//! * mode odd: the bytes are a plain command that a terminal with the same keys protects;
//!   the chip must open it to exactly that command.
#![no_main]

use dongpo_chip::{Cipher, CommandApdu, SecureMessaging, SessionKeys, StatusWord};
use libfuzzer_sys::fuzz_target;

const CIPHERS: [Cipher; 4] = [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256];

fn channel(cipher: Cipher) -> SecureMessaging {
    SecureMessaging::with_zero_ssc(SessionKeys::derive(b"dongpo fuzz sm", cipher))
}

fuzz_target!(|data: &[u8]| {
    let [selector, mode, rest @ ..] = data else {
        return;
    };
    let cipher = CIPHERS[usize::from(*selector) % CIPHERS.len()];
    let Ok(command) = CommandApdu::parse(rest) else {
        return;
    };
    let mut chip = channel(cipher);
    if mode % 2 == 0 {
        if let Err(e) = chip.unprotect_command(&command) {
            assert!(matches!(
                e.chip_status(),
                StatusWord::SM_OBJECTS_MISSING | StatusWord::SM_OBJECTS_INCORRECT
            ));
            assert!(!chip.is_open());
        }
    } else {
        let mut terminal = channel(cipher);
        // Too large to protect (the objects would pass 65,535 bytes): refused, no panic.
        let Ok(protected) = terminal.protect_command(&command) else {
            return;
        };
        let wire = CommandApdu::parse(&protected.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let opened = chip.unprotect_command(&wire).unwrap_or_else(|e| panic!("chip: {e}"));
        // The chip sees the command without the secure-messaging CLA bits.
        assert_eq!(opened.header(), [command.cla & !0x0C, command.ins, command.p1, command.p2]);
        assert_eq!(opened.data(), command.data());
        assert_eq!(opened.le(), command.le());
    }
});
