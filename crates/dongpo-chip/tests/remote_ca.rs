//! The server side of a relayed Chip Authentication ([`RemoteCa`]) against the chip side
//! ([`CaChip`]) behind an app's BAC channel: every cipher, the state kept as bytes between
//! the steps, a clone, a garbled, truncated or reordered relay, and stored state that does
//! not parse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use const_oid::ObjectIdentifier;
use dongpo_chip::{
    BacChip, BacTerminal, CaChip, CaProtocol, ChipCaKey, ChipCaOutcome, Cipher, CommandApdu,
    KeyAgreement, MrzKey, PaCoveredDg14, RemoteCa, RemoteCaError, ResponseApdu, SecureMessaging,
    StatusWord, ca,
};
use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{Domain, KeyPair};
use dongpo_icao::lds::{Dg14, ID_PK_ECDH};
use dongpo_icao::tlv::encode;

const FID: u16 = 0x0101;

fn file() -> Vec<u8> {
    (0..90u32).map(|i| (i * 5 + 1) as u8).collect()
}

/// The chip: BAC channel, CA, SELECT/READ BINARY of one file.
struct Chip {
    sm: SecureMessaging,
    ca: CaChip,
}

impl Chip {
    fn transmit(&mut self, command: &CommandApdu) -> ResponseApdu {
        let command = CommandApdu::parse(&command.to_bytes()).unwrap();
        let plain = match self.sm.unprotect_command(&command) {
            Ok(p) => p,
            Err(e) => return ResponseApdu::status(e.chip_status()),
        };
        let (answer, next) = if CaChip::is_ca_command(&plain) {
            match self.ca.process(&plain) {
                ChipCaOutcome::Respond(r) => (r, None),
                ChipCaOutcome::Established(r, sm) => (r, Some(sm)),
            }
        } else {
            let answer = match plain.ins {
                0xA4 if plain.data() == FID.to_be_bytes() => {
                    ResponseApdu::status(StatusWord::SUCCESS)
                }
                0xB0 => {
                    let offset = usize::from(u16::from_be_bytes([plain.p1, plain.p2]));
                    let end = (offset + plain.le().unwrap_or(256) as usize).min(file().len());
                    ResponseApdu::new(file()[offset..end].to_vec(), StatusWord::SUCCESS)
                }
                _ => ResponseApdu::status(StatusWord::FILE_NOT_FOUND),
            };
            (answer, None)
        };
        let protected = self.sm.protect_response(plain.ins, &answer).unwrap();
        if let Some(sm) = next {
            self.sm = sm;
        }
        ResponseApdu::parse(&protected.to_bytes()).unwrap()
    }
}

/// The app's BAC channel (terminal end) and a chip holding `chip_key` for `protocol`.
fn app_and_chip(protocol: CaProtocol, chip_key: KeyPair) -> (SecureMessaging, Chip) {
    let key = MrzKey::from_mrz_fields("M12345678", "880101", "300101").unwrap();
    let rnd_ic = [9, 8, 7, 6, 5, 4, 3, 2];
    let terminal = BacTerminal::new(
        &key,
        &ResponseApdu::new(rnd_ic.to_vec(), StatusWord::SUCCESS),
    )
    .unwrap();
    let (answer, chip_sm) = BacChip::new(&key, rnd_ic)
        .respond(&terminal.external_authenticate().unwrap())
        .unwrap();
    let chip = Chip {
        sm: chip_sm,
        ca: CaChip::new(vec![ChipCaKey {
            protocol,
            key_id: None,
            key: chip_key,
        }]),
    };
    (terminal.finish(&answer).unwrap(), chip)
}

fn dg14(protocol: CaProtocol, key: &KeyPair) -> Dg14 {
    let oid = |o: &ObjectIdentifier| encode(&[0x06], o.as_bytes());
    let ca_info = encode(&[0x30], &[oid(&protocol.oid()), vec![2, 1, 1]].concat());
    let pk_info = encode(
        &[0x30],
        &[oid(&ID_PK_ECDH), key.public_key().to_spki_der()].concat(),
    );
    let bytes = encode(&[0x6E], &encode(&[0x31], &[ca_info, pk_info].concat()));
    Dg14::parse(&bytes).unwrap()
}

/// A server session started on the genuine key's DG14: (state as stored, step-1 commands).
fn start(protocol: CaProtocol, genuine: &KeyPair) -> (Vec<u8>, Vec<CommandApdu>) {
    let dg14 = dg14(protocol, genuine);
    let selection = ca::select(
        PaCoveredDg14::covered_by_passive_authentication(&dg14),
        None,
    )
    .unwrap();
    let (state, commands) = RemoteCa::start(selection, FID, 0, &file()).unwrap();
    (state.to_bytes().to_vec(), commands)
}

/// Step 1 through the app's channel; the chip's opened answers.
fn relay_step1(
    app: &mut SecureMessaging,
    chip: &mut Chip,
    commands: &[CommandApdu],
) -> Vec<ResponseApdu> {
    commands
        .iter()
        .map(|c| {
            let answer = chip.transmit(&app.protect_command(c).unwrap());
            app.unprotect_response(&answer).unwrap()
        })
        .collect()
}

fn p256() -> Domain {
    Domain::ec(Curve::P256)
}

#[test]
fn a_genuine_chip_proves_presence_for_every_cipher() {
    for cipher in [Cipher::Tdes, Cipher::Aes128, Cipher::Aes192, Cipher::Aes256] {
        let protocol = CaProtocol::new(KeyAgreement::Ecdh, cipher);
        let genuine = KeyPair::generate(&p256()).unwrap();
        let (stored, commands) = start(protocol, &genuine);
        assert_eq!(commands.len(), if cipher == Cipher::Tdes { 1 } else { 2 });
        let (mut app, mut chip) = app_and_chip(protocol, genuine);
        let answers = relay_step1(&mut app, &mut chip, &commands);
        let server = RemoteCa::from_bytes(&stored).unwrap();
        let presence = server.check_step1(&answers).unwrap();
        assert_eq!(presence.len(), 2);
        let raw: Vec<ResponseApdu> = presence.iter().map(|c| chip.transmit(c)).collect();
        // Read back between requests, as a server does.
        let detail = RemoteCa::from_bytes(&stored)
            .unwrap()
            .check_step2(&raw)
            .unwrap();
        assert!(detail.contains("equal to the submitted file"), "{detail}");
    }
}

#[test]
fn a_clone_without_the_private_key_fails_step_two() {
    let protocol = CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128);
    let genuine = KeyPair::generate(&p256()).unwrap();
    let (stored, commands) = start(protocol, &genuine);
    // Same DG14 (copied), another private key.
    let (mut app, mut chip) = app_and_chip(protocol, KeyPair::generate(&p256()).unwrap());
    let answers = relay_step1(&mut app, &mut chip, &commands);
    let server = RemoteCa::from_bytes(&stored).unwrap();
    let presence = server.check_step1(&answers).unwrap();
    let raw: Vec<ResponseApdu> = presence.iter().map(|c| chip.transmit(c)).collect();
    assert!(matches!(
        server.check_step2(&raw),
        Err(RemoteCaError::Presence(_))
    ));
}

#[test]
fn garbled_truncated_and_reordered_relays_fail() {
    let protocol = CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128);
    let genuine = KeyPair::generate(&p256()).unwrap();
    let (stored, commands) = start(protocol, &genuine);
    let (mut app, mut chip) = app_and_chip(protocol, genuine);
    let answers = relay_step1(&mut app, &mut chip, &commands);
    let server = RemoteCa::from_bytes(&stored).unwrap();
    assert!(matches!(
        server.check_step1(&answers[..1]),
        Err(RemoteCaError::AnswerCount {
            expected: 2,
            got: 1
        })
    ));
    assert!(matches!(
        server.check_step1(&[answers[1].clone(), answers[0].clone()]),
        Err(RemoteCaError::Ca(_))
    ));
    let presence = server.check_step1(&answers).unwrap();
    let raw: Vec<ResponseApdu> = presence.iter().map(|c| chip.transmit(c)).collect();
    assert!(server.check_step2(&raw[..1]).is_err());
    assert!(
        server
            .check_step2(&[raw[1].clone(), raw[0].clone()])
            .is_err()
    );
    let mut forged = raw[1].to_bytes();
    let at = forged.len() - 3;
    forged[at] ^= 1; // the MAC's last byte
    let forged = ResponseApdu::parse(&forged).unwrap();
    assert!(server.check_step2(&[raw[0].clone(), forged]).is_err());
    assert!(server.check_step2(&raw).is_ok());
}

#[test]
fn stored_state_that_does_not_parse_is_refused() {
    let protocol = CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes256);
    let (stored, _) = start(protocol, &KeyPair::generate(&p256()).unwrap());
    for len in 0..stored.len() {
        assert!(matches!(
            RemoteCa::from_bytes(&stored[..len]),
            Err(RemoteCaError::BadState)
        ));
    }
    let mut longer = stored.clone();
    longer.push(0);
    assert!(RemoteCa::from_bytes(&longer).is_err());
    let mut version = stored;
    version[0] = 9;
    assert!(RemoteCa::from_bytes(&version).is_err());
}
