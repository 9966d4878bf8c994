//! Secure-messaging responses into the terminal side (`SecureMessaging::unprotect_response`)
//! under fixed keys. Input: cipher selector, mode, then the bytes.
//!
//! * mode even: the bytes are the chip's raw response (data objects, trailer) after one
//!   protected SELECT; a forgery must be refused and must close the channel.
//! * mode odd: the bytes are a plain answer (data, status word) that a chip with the same
//!   keys protects; the terminal must open it to exactly that answer (reaches decryption
//!   and padding, which forged bytes cannot pass the MAC to reach).
#![no_main]

use dongpo_chip::{Cipher, CommandApdu, ResponseApdu, SecureMessaging, SessionKeys};
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
    let mut terminal = channel(cipher);
    let Ok(select) = terminal.protect_command(&CommandApdu::select_ef(0x011E)) else {
        panic!("protecting SELECT failed");
    };
    if mode % 2 == 0 {
        let Ok(response) = ResponseApdu::parse(rest) else {
            return;
        };
        if terminal.unprotect_response(&response).is_err() {
            assert!(!terminal.is_open());
        }
    } else {
        let Ok(answer) = ResponseApdu::parse(rest) else {
            return;
        };
        let mut chip = channel(cipher);
        let opened = chip.unprotect_command(&select).unwrap_or_else(|e| panic!("chip: {e}"));
        let sealed = chip
            .protect_response(opened.ins, &answer)
            .unwrap_or_else(|e| panic!("protect: {e}"));
        let wire = ResponseApdu::parse(&sealed.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(terminal.unprotect_response(&wire), Ok(answer));
    }
});
