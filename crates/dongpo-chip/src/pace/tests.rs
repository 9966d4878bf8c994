//! PACE tests: the 9303-11 worked example (PACE, ECDH generic mapping, brainpoolP256r1;
//! Appendix G.1 of the 8th edition) byte for byte from both sides, terminal against chip
//! with OS randomness on several curves, and refusals.

use dongpo_crypto::Curve;
use dongpo_icao::lds::CardAccess;

use super::*;
use crate::apdu::ResponseApdu;
use crate::bac::MrzKey;
use crate::kdf::KdfCounter;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// The worked example's values as 9303-11 prints them.
const MRZ: (&str, &str, &str) = ("T22000129", "640812", "101031");
const CARD_ACCESS: &str = "31143012060A04007F0007020204020202010202010D";
const K_PI: &str = "89DED1B26624EC1E634C1989302849DD";
const NONCE: &str = "3F00C4D39D153F2B2A214A078D899B22";
const NONCE_ENCRYPTED: &str = "95A3A016522EE98D01E76CB6B98B42C3";
const SK_MAP_PCD: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const SK_MAP_PICC: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const SK_PCD: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const SK_PICC: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const PK_MAP_PCD: &str = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E\
                          544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const PK_MAP_PICC: &str = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57\
                           30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
const PK_PCD: &str = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
                      3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const PK_PICC: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                       7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const KS_ENC: &str = "F5F0E35C0D7161EE6724EE513A0D9A7F";
const KS_MAC: &str = "FE251C7858B356B24514B3BD5F4297D1";
const T_PCD: &str = "C2B0BD78D94BA866";
const T_PICC: &str = "3ABB9674BCE93C08";

/// The exchange: (command, answer).
fn transcript() -> Vec<(Vec<u8>, Vec<u8>)> {
    let c = |s: String| hex(&s);
    vec![
        (
            c("0022C1A40F800A04007F00070202040202830101".into()),
            c("9000".into()),
        ),
        (
            c("10860000027C0000".into()),
            c(format!("7C128010{NONCE_ENCRYPTED}9000")),
        ),
        (
            c(format!("10860000457C438141{PK_MAP_PCD}00")),
            c(format!("7C438241{PK_MAP_PICC}9000")),
        ),
        (
            c(format!("10860000457C438341{PK_PCD}00")),
            c(format!("7C438441{PK_PICC}9000")),
        ),
        (
            c(format!("008600000C7C0A8508{T_PCD}00")),
            c(format!("7C0A8608{T_PICC}9000")),
        ),
    ]
}

fn password() -> MrzKey {
    MrzKey::from_mrz_fields(MRZ.0, MRZ.1, MRZ.2).unwrap()
}

fn example_selection() -> PaceSelection {
    select(&CardAccess::parse(&hex(CARD_ACCESS)).unwrap()).unwrap()
}

#[test]
fn worked_example_card_access_password_and_nonce() {
    let selection = example_selection();
    assert_eq!(
        selection,
        PaceSelection::new(
            PaceProtocol {
                cipher: Cipher::Aes128
            },
            Curve::BrainpoolP256r1
        )
    );
    assert_eq!(
        selection.protocol.oid().to_string(),
        "0.4.0.127.0.7.2.2.4.2.2"
    );
    assert_eq!(hex(CARD_ACCESS), card_access_der(&[selection]));
    // K = SHA-1(MRZ information) = 7E2D2A41..., K_pi = KDF(K, 3).
    let k_pi = password().pace_password_key(Cipher::Aes128);
    assert_eq!(k_pi.expose_secret(), hex(K_PI));
    assert_eq!(
        crate::kdf::derive_key(
            &hex("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD"),
            Cipher::Aes128,
            KdfCounter::Pace
        )
        .expose_secret(),
        hex(K_PI)
    );
    assert_eq!(
        encrypt_nonce(&k_pi, &hex(NONCE)).unwrap(),
        hex(NONCE_ENCRYPTED)
    );
    assert_eq!(
        *decrypt_nonce(&k_pi, &hex(NONCE_ENCRYPTED)).unwrap(),
        hex(NONCE)
    );
}

#[test]
fn worked_example_terminal_side_byte_for_byte() {
    let mut terminal = PaceTerminal::with_randomness(
        example_selection(),
        &password(),
        &hex(SK_MAP_PCD),
        &hex(SK_PCD),
    )
    .unwrap();
    for (command, answer) in transcript() {
        assert_eq!(terminal.next_command().unwrap().to_bytes(), command);
        terminal
            .accept_response(&ResponseApdu::parse(&answer).unwrap())
            .unwrap();
    }
    assert!(terminal.next_command().is_none());
    assert_eq!(terminal.chip_public_key().unwrap(), hex(PK_PICC));
    let keys = terminal.finish_keys().unwrap();
    assert_eq!(keys.enc.expose_secret(), hex(KS_ENC));
    assert_eq!(keys.mac.expose_secret(), hex(KS_MAC));
}

#[test]
fn worked_example_chip_side_byte_for_byte() {
    let mut chip = PaceChip::with_randomness(
        &password(),
        vec![example_selection()],
        &hex(NONCE),
        &hex(SK_MAP_PICC),
        &hex(SK_PICC),
    );
    let steps = transcript();
    let last = steps.len() - 1;
    for (i, (command, answer)) in steps.into_iter().enumerate() {
        let command = CommandApdu::parse(&command).unwrap();
        assert!(chip.is_pace_command(&command));
        let outcome = chip.process(&command);
        assert_eq!(outcome.response().to_bytes(), answer, "step {i}");
        assert_eq!(
            matches!(outcome, PaceChipOutcome::Established(..)),
            i == last
        );
    }
}

/// The session keys open secure messaging with SSC 0 on both sides.
#[test]
fn terminal_and_chip_agree_on_every_supported_curve() {
    let curves = [
        Curve::P256,
        Curve::BrainpoolP256r1,
        Curve::P384,
        Curve::BrainpoolP384r1,
    ];
    for (curve, cipher) in curves.into_iter().zip([
        Cipher::Aes128,
        Cipher::Aes128,
        Cipher::Aes192,
        Cipher::Aes256,
    ]) {
        let selection = PaceSelection::new(PaceProtocol { cipher }, curve);
        let mut chip = PaceChip::new(&password(), vec![selection]);
        let mut terminal = PaceTerminal::new(selection, &password()).unwrap();
        let mut chip_sm = None;
        while let Some(command) = terminal.next_command() {
            let command = CommandApdu::parse(&command.to_bytes()).unwrap();
            let outcome = chip.process(&command);
            let answer = outcome.response().clone();
            if let PaceChipOutcome::Established(_, sm) = outcome {
                chip_sm = Some(sm);
            }
            terminal.accept_response(&answer).unwrap();
        }
        let mut terminal_sm = terminal.finish().unwrap();
        let mut chip_sm = chip_sm.unwrap();
        assert_eq!(terminal_sm.cipher(), cipher);
        let select = CommandApdu::select_ef(0x0101);
        let protected = terminal_sm.protect_command(&select).unwrap();
        assert_eq!(chip_sm.unprotect_command(&protected).unwrap(), select);
    }
}

#[test]
fn a_wrong_mrz_fails_at_the_tokens_on_both_sides() {
    let selection = PaceSelection::new(
        PaceProtocol {
            cipher: Cipher::Aes128,
        },
        Curve::P256,
    );
    let mut chip = PaceChip::new(&password(), vec![selection]);
    let wrong = MrzKey::from_mrz_fields("T22000130", MRZ.1, MRZ.2).unwrap();
    let mut terminal = PaceTerminal::new(selection, &wrong).unwrap();
    let mut last = None;
    while let Some(command) = terminal.next_command() {
        let answer = chip.process(&command.clone()).response().clone();
        last = Some(answer.sw);
        if terminal.accept_response(&answer).is_err() {
            break;
        }
    }
    // The chip decrypts a different nonce, the mapping differs, the terminal's token fails.
    assert_eq!(last, Some(StatusWord::AUTHENTICATION_FAILED));
    assert!(terminal.finish().is_err());
}

#[test]
fn the_terminal_refuses_bad_answers() {
    let new = || {
        PaceTerminal::with_randomness(
            example_selection(),
            &password(),
            &hex(SK_MAP_PCD),
            &hex(SK_PCD),
        )
        .unwrap()
    };
    let steps = transcript();
    let answer = |i: usize| ResponseApdu::parse(&steps[i].1).unwrap();
    let run_to = |t: &mut PaceTerminal, n: usize| {
        for i in 0..n {
            t.accept_response(&answer(i)).unwrap();
        }
    };
    // A refusal.
    let mut t = new();
    let err = t
        .accept_response(&ResponseApdu::status(StatusWord::REFERENCED_DATA_NOT_FOUND))
        .unwrap_err();
    assert!(
        matches!(
            err,
            PaceError::Refused {
                step: PaceStep::MseSetAt,
                ..
            }
        ),
        "{err}"
    );
    assert!(matches!(
        t.accept_response(&answer(0)),
        Err(PaceError::OutOfOrder)
    ));
    // Data after MSE:Set AT.
    let mut t = new();
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(vec![0x7C, 0x00], StatusWord::SUCCESS)),
        Err(PaceError::AnswerWithData { .. })
    ));
    // A nonce of the wrong length, and the wrong object.
    let mut t = new();
    run_to(&mut t, 1);
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(hex("7C038001AA"), StatusWord::SUCCESS)),
        Err(PaceError::NonceLength { len: 1 })
    ));
    let mut t = new();
    run_to(&mut t, 1);
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(hex("7C038101AA"), StatusWord::SUCCESS)),
        Err(PaceError::UnexpectedAnswer { .. })
    ));
    // A mapping key off the curve, and the terminal's own key reflected.
    let mut t = new();
    run_to(&mut t, 2);
    let mut off = hex(&format!("7C438241{PK_MAP_PICC}"));
    let last = off.len() - 1;
    off[last] ^= 1;
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(off, StatusWord::SUCCESS)),
        Err(PaceError::Agreement {
            step: PaceStep::Map,
            ..
        })
    ));
    let mut t = new();
    run_to(&mut t, 2);
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(
            hex(&format!("7C438241{PK_MAP_PCD}")),
            StatusWord::SUCCESS
        )),
        Err(PaceError::ReflectedKey {
            step: PaceStep::Map
        })
    ));
    // A wrong chip token.
    let mut t = new();
    run_to(&mut t, 4);
    let mut bad = hex(&format!("7C0A8608{T_PICC}"));
    bad[4] ^= 1;
    assert!(matches!(
        t.accept_response(&ResponseApdu::new(bad, StatusWord::SUCCESS)),
        Err(PaceError::TokenMismatch)
    ));
    assert!(matches!(t.finish(), Err(PaceError::OutOfOrder)));
}

#[test]
fn the_chip_refuses_bad_commands() {
    let selection = example_selection();
    let new = || {
        PaceChip::with_randomness(
            &password(),
            vec![selection],
            &hex(NONCE),
            &hex(SK_MAP_PICC),
            &hex(SK_PICC),
        )
    };
    let steps = transcript();
    let command = |i: usize| CommandApdu::parse(&steps[i].0).unwrap();
    let sw = |chip: &mut PaceChip, c: &CommandApdu| chip.process(c).response().sw;
    // GENERAL AUTHENTICATE before MSE:Set AT.
    let mut chip = new();
    assert!(!chip.is_pace_command(&command(1)));
    assert_eq!(
        sw(&mut chip, &command(1)),
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // CAN password, an unknown protocol, a parameter ID not offered.
    for data in [
        "800A04007F00070202040202830102",
        "800A04007F00070202040203830101",
        "800A04007F0007020204020283010184010C",
        "830101",
    ] {
        let mse = CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, hex(data), None).unwrap();
        assert_ne!(sw(&mut new(), &mse), StatusWord::SUCCESS, "{data}");
    }
    // The parameter ID offered is accepted.
    let mse = CommandApdu::new(
        0x00,
        0x22,
        0xC1,
        0xA4,
        hex("800A04007F0007020204020283010184010D"),
        None,
    )
    .unwrap();
    assert_eq!(sw(&mut new(), &mse), StatusWord::SUCCESS);
    // Without the chaining bit before the last step; an invalid terminal mapping key.
    let mut chip = new();
    sw(&mut chip, &command(0));
    let unchained = CommandApdu::new(0x00, 0x86, 0, 0, hex("7C00"), Some(256)).unwrap();
    assert_eq!(
        sw(&mut chip, &unchained),
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    let mut chip = new();
    sw(&mut chip, &command(0));
    sw(&mut chip, &command(1));
    let mut off = steps[2].0.clone();
    off[40] ^= 1;
    assert_eq!(
        sw(&mut chip, &CommandApdu::parse(&off).unwrap()),
        StatusWord::WRONG_DATA
    );
    // After a refusal the exchange starts over.
    assert_eq!(
        sw(&mut chip, &command(3)),
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    // A wrong terminal token.
    let mut chip = new();
    for i in 0..4 {
        assert_eq!(sw(&mut chip, &command(i)), StatusWord::SUCCESS);
    }
    let mut bad = steps[4].0.clone();
    bad[9] ^= 1;
    assert_eq!(
        sw(&mut chip, &CommandApdu::parse(&bad).unwrap()),
        StatusWord::AUTHENTICATION_FAILED
    );
}

#[test]
fn select_reads_card_access() {
    // Two PACEInfos: DH-GM (not supported) first, then ECDH-GM-AES-256 on P-256.
    let dh = "3012060A04007F0007020204010202010202010D";
    let ecdh = PaceSelection::new(
        PaceProtocol {
            cipher: Cipher::Aes256,
        },
        Curve::P256,
    );
    let mut body = hex(dh);
    body.extend(ecdh.pace_info_der());
    let file = dongpo_icao::tlv::encode(&[0x31], &body);
    let chosen = select(&CardAccess::parse(&file).unwrap()).unwrap();
    assert_eq!(chosen.protocol, ecdh.protocol);
    assert_eq!(chosen.curve, Curve::P256);
    assert!(chosen.send_parameter_id);
    // Only unsupported offers, and none at all.
    let only_dh = dongpo_icao::tlv::encode(&[0x31], &hex(dh));
    assert!(matches!(
        select(&CardAccess::parse(&only_dh).unwrap()),
        Err(PaceError::Unsupported { .. })
    ));
    assert!(matches!(
        select(&CardAccess::parse(&hex("3100")).unwrap()),
        Err(PaceError::NotOffered)
    ));
    // With DO'84' the command names parameter ID 12.
    let terminal = PaceTerminal::new(chosen, &password()).unwrap();
    assert!(
        terminal
            .next_command()
            .unwrap()
            .data()
            .ends_with(&[0x84, 0x01, 0x0C])
    );
}
