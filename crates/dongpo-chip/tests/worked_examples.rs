//! The published worked examples of ICAO Doc 9303 part 11 (eighth edition, 2021), byte for
//! byte:
//!
//! * Appendix D ("Worked example: Basic Access Control"): D.2 key derivation from the MRZ
//!   information of the specimen `L898902C<3 / 690806 / 940623`, D.3 mutual authentication
//!   (EXTERNAL AUTHENTICATE both ways, session keys, SSC), D.4 secure messaging (SELECT
//!   EF.COM, READ BINARY of 4 bytes, READ BINARY of the remaining 18 bytes) — from both
//!   ends: the terminal must produce the published commands and accept the published
//!   responses, the chip must accept the published commands and produce the published
//!   responses.
//! * Appendix G.1 and G.2 (PACE generic mapping, ECDH and DH) and Appendix I (PACE
//!   integrated mapping): the KDF from the shared secrets to `KSenc`/`KSmac`, and the
//!   PACE password key `K_π` from the MRZ of G.1. The whole G.1 exchange (every APDU, both
//!   ends) is tested in `src/pace/tests.rs`, next to the helpers it also checks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dongpo_chip::{
    BacChip, BacError, BacTerminal, Cipher, CommandApdu, KdfCounter, MrzKey, ResponseApdu,
    SecureMessaging, SessionKeys, SmError, StatusWord, derive_key,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).unwrap()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    h(s).try_into().unwrap()
}

// Appendix D.3.
const RND_IC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";
const EA_COMMAND_DATA: &str =
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7";
const EA_RESPONSE_DATA: &str =
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449";
const KS_ENC: &str = "979EC13B1CBFE9DCD01AB0FED307EAE5";
const KS_MAC: &str = "F1CB1F1FB5ADF208806B89DC579DC1F8";
const SSC: &str = "887022120C06C226";

// Appendix D.4: (plain command, protected command, protected response, plain response).
const TRACE: [(&str, &str, &str, &str); 3] = [
    (
        "00A4020C02011E",
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        "990290008E08FA855A5D4C50A8ED9000",
        "9000",
    ),
    (
        "00B0000004",
        "0CB000000D9701048E08ED6705417E96BA5500",
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
        "60145F019000",
    ),
    (
        "00B0000412",
        "0CB000040D9701128E082EA28A70F3C7B53500",
        "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        "04303130365F36063034303030305C0261759000",
    ),
];

fn specimen() -> MrzKey {
    MrzKey::from_mrz_fields("L898902C", "690806", "940623").unwrap()
}

#[test]
fn d2_basic_access_keys_from_the_mrz() {
    let keys = specimen().bac_keys();
    assert_eq!(
        keys.enc.expose_secret(),
        h("AB94FDECF2674FDFB9B391F85D7F76F2")
    );
    assert_eq!(
        keys.mac.expose_secret(),
        h("7962D9ECE03D1ACD4C76089DCE131543")
    );
    // The same from the published K_seed through the KDF alone.
    let seed = h("239AB9CB282DAF66231DC5A4DF6BFBAE");
    let from_seed = SessionKeys::derive(&seed, Cipher::Tdes);
    assert_eq!(from_seed.enc.expose_secret(), keys.enc.expose_secret());
    assert_eq!(from_seed.mac.expose_secret(), keys.mac.expose_secret());
}

#[test]
fn d3_terminal_side_mutual_authentication() {
    let terminal = BacTerminal::with_randomness(&specimen(), arr(RND_IC), arr(RND_IFD), arr(K_IFD));
    let command = terminal.external_authenticate().unwrap();
    assert_eq!(
        command.to_bytes(),
        [h("0082000028"), h(EA_COMMAND_DATA), h("28")].concat()
    );
    let answer = ResponseApdu::new(h(EA_RESPONSE_DATA), StatusWord::SUCCESS);
    let sm = terminal.finish(&answer).unwrap();
    assert_eq!(sm.ssc(), h(SSC));
    assert_eq!(sm.cipher(), Cipher::Tdes);
}

#[test]
fn d3_chip_side_mutual_authentication() {
    let chip = BacChip::new(&specimen(), arr(RND_IC));
    let command =
        CommandApdu::parse(&[h("0082000028"), h(EA_COMMAND_DATA), h("28")].concat()).unwrap();
    let (answer, sm) = chip.respond_with(&command, arr(K_IC)).unwrap();
    assert_eq!(answer.to_bytes(), [h(EA_RESPONSE_DATA), h("9000")].concat());
    assert_eq!(sm.ssc(), h(SSC));
}

#[test]
fn d3_session_keys_from_k_seed() {
    // K_seed = K.IFD xor K.IC = 0036D272F5C350ACAC50C3F572D23600.
    let keys = SessionKeys::derive(&h("0036D272F5C350ACAC50C3F572D23600"), Cipher::Tdes);
    assert_eq!(keys.enc.expose_secret(), h(KS_ENC));
    assert_eq!(keys.mac.expose_secret(), h(KS_MAC));
}

fn session() -> SecureMessaging {
    let keys = SessionKeys::from_bytes(Cipher::Tdes, &h(KS_ENC), &h(KS_MAC)).unwrap();
    SecureMessaging::new(keys, &h(SSC)).unwrap()
}

#[test]
fn d4_terminal_side_secure_messaging() {
    // The channel BAC opened, not one built from the published keys.
    let terminal = BacTerminal::with_randomness(&specimen(), arr(RND_IC), arr(RND_IFD), arr(K_IFD));
    let mut sm = terminal
        .finish(&ResponseApdu::new(h(EA_RESPONSE_DATA), StatusWord::SUCCESS))
        .unwrap();
    let mut ssc = u64::from_str_radix(SSC, 16).unwrap();
    for (plain, protected, response, expected) in TRACE {
        let command = CommandApdu::parse(&h(plain)).unwrap();
        assert_eq!(
            sm.protect_command(&command).unwrap().to_bytes(),
            h(protected),
            "{plain}"
        );
        ssc += 1;
        assert_eq!(sm.ssc(), ssc.to_be_bytes(), "{plain}");
        let response = ResponseApdu::parse(&h(response)).unwrap();
        let opened = sm.unprotect_response(&response).unwrap();
        assert_eq!(opened.to_bytes(), h(expected), "{plain}");
        ssc += 1;
        assert_eq!(sm.ssc(), ssc.to_be_bytes(), "{plain}");
    }
    // EF.COM as read: 60 14 5F01 "0106" 5F36 "040000" 5C 61 75.
}

#[test]
fn d4_chip_side_secure_messaging() {
    let mut chip = session();
    for (plain, protected, response, expected) in TRACE {
        let command = CommandApdu::parse(&h(protected)).unwrap();
        let opened = chip.unprotect_command(&command).unwrap();
        assert_eq!(opened.to_bytes(), h(plain), "{plain}");
        let answer = ResponseApdu::parse(&h(expected)).unwrap();
        let sealed = chip.protect_response(opened.ins, &answer).unwrap();
        assert_eq!(sealed.to_bytes(), h(response), "{plain}");
    }
}

#[test]
fn d4_out_of_step_ssc_is_refused() {
    // The chip's SELECT answer checked one counter too far on: refused, and the channel
    // stays closed afterwards.
    let mut sm = session();
    sm.protect_command(&CommandApdu::select_ef(0x011E)).unwrap();
    sm.protect_command(&CommandApdu::select_ef(0x011E)).unwrap();
    let response = ResponseApdu::parse(&h(TRACE[0].2)).unwrap();
    assert_eq!(sm.unprotect_response(&response), Err(SmError::BadMac));
    assert!(!sm.is_open());
    assert_eq!(sm.unprotect_response(&response), Err(SmError::Closed));
    assert_eq!(
        sm.protect_command(&CommandApdu::select_ef(0x011E)),
        Err(SmError::Closed)
    );
    // The chip side: the second published command replayed first.
    let mut chip = session();
    let replay = CommandApdu::parse(&h(TRACE[1].1)).unwrap();
    assert_eq!(chip.unprotect_command(&replay), Err(SmError::BadMac));
    assert_eq!(
        SmError::BadMac.chip_status(),
        StatusWord::SM_OBJECTS_INCORRECT
    );
}

#[test]
fn d3_wrong_mrz_is_refused_on_both_sides() {
    let wrong = MrzKey::from_mrz_fields("L898902C", "690806", "940624").unwrap();
    // The chip with the specimen's keys refuses a terminal that guessed wrong.
    let terminal = BacTerminal::with_randomness(&wrong, arr(RND_IC), arr(RND_IFD), arr(K_IFD));
    let chip = BacChip::new(&specimen(), arr(RND_IC));
    let err = chip
        .respond_with(&terminal.external_authenticate().unwrap(), arr(K_IC))
        .unwrap_err();
    assert_eq!(err, BacError::BadMac);
    assert_eq!(err.chip_status(), StatusWord::AUTHENTICATION_FAILED);
    // The terminal with the wrong keys refuses the genuine chip's answer.
    let answer = ResponseApdu::new(h(EA_RESPONSE_DATA), StatusWord::SUCCESS);
    assert_eq!(terminal.finish(&answer).unwrap_err(), BacError::BadMac);
    // A refusal from the chip is reported as such.
    let terminal = BacTerminal::with_randomness(&wrong, arr(RND_IC), arr(RND_IFD), arr(K_IFD));
    assert_eq!(
        terminal
            .finish(&ResponseApdu::status(StatusWord::AUTHENTICATION_FAILED))
            .unwrap_err(),
        BacError::Refused {
            sw: StatusWord::AUTHENTICATION_FAILED
        }
    );
    // A chip that gave another challenge refuses the published command.
    let other = BacChip::new(&specimen(), arr("0000000000000000"));
    let command =
        CommandApdu::parse(&[h("0082000028"), h(EA_COMMAND_DATA), h("28")].concat()).unwrap();
    assert_eq!(
        other.respond_with(&command, arr(K_IC)).unwrap_err(),
        BacError::NonceMismatch
    );
}

#[test]
fn g_and_i_kdf_from_pace_shared_secrets() {
    for (secret, ks_enc, ks_mac) in [
        // G.1, generic mapping ECDH (brainpoolP256r1, AES-128).
        (
            "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925",
            "F5F0E35C0D7161EE6724EE513A0D9A7F",
            "FE251C7858B356B24514B3BD5F4297D1",
        ),
        // G.2, generic mapping DH (1024-bit MODP group, AES-128).
        (
            "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E3
             8B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5
             990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E
             465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD",
            "2F7F46ADCC9E7E521B45D192FAFA9126",
            "805A1D27D45A5116F73C54469462B7D8",
        ),
        // I, integrated mapping ECDH (AES-128).
        (
            "67950559D0C06B4D4B86972D14460837461087F8419FDBC36AAF6CEAAC462832",
            "0A9DA4DB03BDDE39FC5202BC44B2E89E",
            "4B1C06491ED5140CA2B537D344C6C0B1",
        ),
    ] {
        let keys = SessionKeys::derive(&h(secret), Cipher::Aes128);
        assert_eq!(keys.enc.expose_secret(), h(ks_enc));
        assert_eq!(keys.mac.expose_secret(), h(ks_mac));
    }
}

#[test]
fn g1_pace_password_key_from_the_mrz() {
    // G.1: MRZ T22000129 / 640812 / 101031, K = SHA-1(MRZ information)
    // = 7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD, K_π = KDF(K, 3) for AES-128.
    let key = MrzKey::from_mrz_fields("T22000129", "640812", "101031").unwrap();
    assert_eq!(
        key.pace_password_key(Cipher::Aes128).expose_secret(),
        h("89DED1B26624EC1E634C1989302849DD")
    );
    let direct = derive_key(
        &h("7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD"),
        Cipher::Aes128,
        KdfCounter::Pace,
    );
    assert_eq!(
        direct.expose_secret(),
        h("89DED1B26624EC1E634C1989302849DD")
    );
}
