//! The chip side of Chip Authentication v1 (`dongpo_chip::CaChip`, what the virtual chip
//! runs on MSE:Set KAT, MSE:Set AT and GENERAL AUTHENTICATE) with fixed static keys
//! (P-256 for ECDH-AES-128 key id 1 and ECDH-3DES key id 2, brainpoolP256r1 for
//! ECDH-AES-256 key id 3). Input: a sequence of commands, each a length byte and that
//! many bytes parsed as an APDU, processed in order by one chip.
//!
//! Invariants: no panic; every answer carries a status word from the documented set; a
//! new channel is only ever established with `9000`, answering MSE:Set KAT (no data) or
//! GENERAL AUTHENTICATE (`7C 00`); `is_ca_command` holds for every command that
//! establishes one.
#![no_main]

use dongpo_chip::{
    CaChip, CaProtocol, ChipCaKey, ChipCaOutcome, Cipher, CommandApdu, KeyAgreement, StatusWord,
};
use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{Domain, KeyPair};
use libfuzzer_sys::fuzz_target;

fn chip() -> Option<CaChip> {
    let key = |curve, byte| KeyPair::from_private_bytes(&Domain::ec(curve), &[byte; 32]).ok();
    Some(CaChip::new(vec![
        ChipCaKey {
            protocol: CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128),
            key_id: Some(1),
            key: key(Curve::P256, 0x21)?,
        },
        ChipCaKey {
            protocol: CaProtocol::new(KeyAgreement::Ecdh, Cipher::Tdes),
            key_id: Some(2),
            key: key(Curve::P256, 0x22)?,
        },
        ChipCaKey {
            protocol: CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes256),
            key_id: Some(3),
            key: key(Curve::BrainpoolP256r1, 0x23)?,
        },
    ]))
}

fuzz_target!(|data: &[u8]| {
    let Some(mut chip) = chip() else {
        panic!("fixed keys");
    };
    let mut rest = data;
    while let [len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(take);
        rest = next;
        let Ok(command) = CommandApdu::parse(bytes) else {
            continue;
        };
        let is_ca = CaChip::is_ca_command(&command);
        match chip.process(&command) {
            ChipCaOutcome::Respond(r) => {
                assert!(
                    [
                        StatusWord::SUCCESS,
                        StatusWord::WRONG_DATA,
                        StatusWord::WRONG_P1_P2,
                        StatusWord::REFERENCED_DATA_NOT_FOUND,
                        StatusWord::CONDITIONS_NOT_SATISFIED,
                        StatusWord::INS_NOT_SUPPORTED,
                        StatusWord::CLA_NOT_SUPPORTED,
                    ]
                    .contains(&r.sw),
                    "{}",
                    r.sw
                );
                if r.sw == StatusWord::SUCCESS {
                    // Only MSE:Set AT answers 9000 without establishing.
                    assert_eq!((command.ins, command.p1, command.p2), (0x22, 0x41, 0xA4));
                    assert!(is_ca);
                }
            }
            ChipCaOutcome::Established(r, sm) => {
                assert!(is_ca);
                assert_eq!(r.sw, StatusWord::SUCCESS);
                assert!(sm.is_open());
                match command.ins {
                    0x22 => assert!(r.data().is_empty()),
                    0x86 => assert_eq!(r.data(), [0x7C, 0x00]),
                    other => panic!("established by INS {other:02X}"),
                }
            }
        }
    }
});
