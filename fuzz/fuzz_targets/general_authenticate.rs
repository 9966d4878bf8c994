//! PACE's GENERAL AUTHENTICATE exchanges (`dongpo_chip::pace`), both sides, with the
//! 9303-11 worked example's password, nonce and keys (brainpoolP256r1, AES-128). The first
//! byte chooses the side: even feeds the terminal (`PaceTerminal`) a sequence of answers,
//! odd feeds the chip (`PaceChip`) a sequence of commands; the rest is (length byte, APDU)*.
//! Every body is also read as dynamic authentication data (`DynamicData::parse`, `7C`).
//!
//! Invariants: no panic; the chip establishes secure messaging only with `9000` and a
//! `7C { 86 token }` answer to a PACE command; the chip's other answers carry documented
//! status words; the terminal finishes only after every step was answered.
#![no_main]

use dongpo_chip::pace::{
    DynamicData, PaceChip, PaceChipOutcome, PaceProtocol, PaceSelection, PaceTerminal,
};
use dongpo_chip::{Cipher, CommandApdu, MrzKey, ResponseApdu, StatusWord};
use dongpo_crypto::Curve;
use libfuzzer_sys::fuzz_target;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .filter_map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

const NONCE: &str = "3F00C4D39D153F2B2A214A078D899B22";
const SK_MAP_PCD: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const SK_MAP_PICC: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const SK_PCD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const SK_PICC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";

fuzz_target!(|data: &[u8]| {
    let Some((mode, mut rest)) = data.split_first() else {
        return;
    };
    let Ok(password) = MrzKey::from_mrz_fields("T22000129", "640812", "101031") else {
        panic!("fixed MRZ");
    };
    let selection = PaceSelection::new(
        PaceProtocol {
            cipher: Cipher::Aes128,
        },
        Curve::BrainpoolP256r1,
    );
    let all_tags: Vec<u32> = (0x80..=0x88).collect();
    let mut terminal =
        PaceTerminal::with_randomness(selection, &password, &hex(SK_MAP_PCD), &hex(SK_PCD)).ok();
    let mut chip = PaceChip::with_randomness(
        &password,
        vec![selection],
        &hex(NONCE),
        &hex(SK_MAP_PICC),
        &hex(SK_PICC),
    );
    while let [len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(take);
        rest = next;
        if mode % 2 == 0 {
            let Ok(answer) = ResponseApdu::parse(bytes) else {
                continue;
            };
            let _ = DynamicData::parse(answer.data(), &all_tags);
            if let Some(t) = terminal.as_mut()
                && t.accept_response(&answer).is_err()
            {
                terminal = None;
            }
        } else {
            let Ok(command) = CommandApdu::parse(bytes) else {
                continue;
            };
            let _ = DynamicData::parse(command.data(), &all_tags);
            let is_pace = chip.is_pace_command(&command);
            match chip.process(&command) {
                PaceChipOutcome::Established(answer, _) => {
                    assert!(is_pace);
                    assert_eq!(answer.sw, StatusWord::SUCCESS);
                    assert!(answer.data().starts_with(&[0x7C, 0x0A, 0x86, 0x08]));
                }
                PaceChipOutcome::Respond(answer) => assert!(
                    [
                        StatusWord::SUCCESS,
                        StatusWord::WRONG_DATA,
                        StatusWord::WRONG_P1_P2,
                        StatusWord::REFERENCED_DATA_NOT_FOUND,
                        StatusWord::CONDITIONS_NOT_SATISFIED,
                        StatusWord::AUTHENTICATION_FAILED,
                        StatusWord::CLA_NOT_SUPPORTED,
                        StatusWord::INS_NOT_SUPPORTED,
                    ]
                    .contains(&answer.sw),
                    "{}",
                    answer.sw
                ),
            }
        }
    }
    if let Some(t) = terminal {
        let waiting = t.next_command().is_some();
        assert_eq!(t.finish().is_ok(), !waiting);
    }
});
