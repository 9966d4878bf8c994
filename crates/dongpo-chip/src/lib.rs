//! ISO/IEC 7816-4 APDUs and the ICAO 9303-11 chip-access protocols, terminal side and
//! chip side.
//!
//! * [`apdu`] holds [`CommandApdu`] (cases 1-4, short and extended length, encode and parse)
//!   and [`ResponseApdu`] with its [`StatusWord`].
//! * [`kdf`] is the key derivation of 9303-11 §9.7.1 for 3DES and AES-128/192/256
//!   ([`derive_key`], [`SessionKeys`]); keys ([`SecretKey`]) are wiped on drop and never
//!   printed.
//! * [`sm`] is secure messaging (9303-11 §9.8), [`SecureMessaging`]; a terminal protects
//!   commands and opens responses, a chip opens commands and protects responses.
//! * [`bac`] is Basic Access Control: the access key from the MRZ ([`MrzKey`]), the
//!   terminal's EXTERNAL AUTHENTICATE ([`BacTerminal`]) and the chip's answer
//!   ([`BacChip`]).
//! * [`pace`] is PACE v2 with the generic mapping and ECDH (AES, MRZ password): the choice
//!   from EF.CardAccess ([`pace::select`]), the terminal ([`PaceTerminal`]) and the chip
//!   ([`PaceChip`]).
//! * [`ca`] is Chip Authentication v1 (3DES and AES, DH and ECDH): protocol and key
//!   choice from a Passive-Authentication-covered DG14, the terminal ([`CaTerminal`]),
//!   the chip ([`CaChip`]) and the proof of presence under the new keys
//!   ([`PresenceProof`]).
//! * [`terminal`] is a reference terminal over a [`terminal::Transport`] (TCP with 2-byte
//!   length framing: [`terminal::TcpTransport`]): BAC, reading the files under secure
//!   messaging, Active Authentication.
//! * `pcsc` (cargo feature `pcsc`) is `pcsc::PcscTransport`, a chip in a PC/SC reader;
//!   it has not met real hardware in this project's tests.
//! * [`terminal_ca`] is the reference terminal's Chip Authentication on the same session,
//!   once the caller's Passive Authentication covered DG14
//!   (`Terminal::chip_authenticate`, [`ChipAuthenticated`]).
//! * [`remote`] is the server side of a relayed Chip Authentication ([`RemoteCa`]): the
//!   server is the terminal, an app only carries the APDUs.
//! * [`relay`] is that app side ([`relay::relay`] over a [`relay::ChipSessionServer`]).
//!
//! Parsing never panics; every refusal is a typed error. The published worked examples
//! of 9303-11 (Appendix D: BAC and secure messaging; Appendix G: the KDF and the PACE
//! ECDH generic-mapping exchange) are tests of this crate, byte for byte.
//!
//! ```
//! use dongpo_chip::{BacTerminal, CommandApdu, MrzKey, ResponseApdu, StatusWord};
//!
//! // The 9303-11 Appendix D specimen: document L898902C, born 690806, expires 940623.
//! let key = MrzKey::from_mrz_fields("L898902C", "690806", "940623")?;
//! let keys = key.bac_keys();
//! assert_eq!(
//!     keys.enc.expose_secret(),
//!     [0xAB, 0x94, 0xFD, 0xEC, 0xF2, 0x67, 0x4F, 0xDF, 0xB9, 0xB3, 0x91, 0xF8, 0x5D, 0x7F, 0x76, 0xF2]
//! );
//!
//! // The chip's challenge, then the terminal's EXTERNAL AUTHENTICATE (the worked example
//! // fixes the terminal's randomness; `BacTerminal::new` draws it from the OS).
//! let challenge = ResponseApdu::new(
//!     vec![0x46, 0x08, 0xF9, 0x19, 0x88, 0x70, 0x22, 0x12],
//!     StatusWord::SUCCESS,
//! );
//! let rnd_ifd = [0x78, 0x17, 0x23, 0x86, 0x0C, 0x06, 0xC2, 0x26];
//! let k_ifd = [
//!     0x0B, 0x79, 0x52, 0x40, 0xCB, 0x70, 0x49, 0xB0, 0x1C, 0x19, 0xB3, 0x3E, 0x32, 0x80, 0x4F, 0x0B,
//! ];
//! let rnd_ic: [u8; 8] = challenge.data().try_into()?;
//! let terminal = BacTerminal::with_randomness(&key, rnd_ic, rnd_ifd, k_ifd);
//! let command = terminal.external_authenticate()?;
//! assert_eq!(command.data().len(), 40);
//!
//! // The chip's published answer opens secure messaging ...
//! let answer = ResponseApdu::parse(&hex_bytes(
//!     "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449 9000",
//! ))?;
//! let mut sm = terminal.finish(&answer)?;
//!
//! // ... under which SELECT EF.COM is protected exactly as the worked example shows.
//! let protected = sm.protect_command(&CommandApdu::select_ef(0x011E))?;
//! assert_eq!(
//!     protected.to_bytes(),
//!     hex_bytes("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
//! );
//! # fn hex_bytes(s: &str) -> Vec<u8> {
//! #     let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
//! #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod apdu;
pub mod bac;
pub mod ca;
pub mod kdf;
pub mod pace;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod relay;
pub mod remote;
pub mod sm;
pub mod terminal;
pub mod terminal_ca;

pub use apdu::{ApduCase, ApduError, CommandApdu, ResponseApdu, StatusWord};
pub use bac::{BacChip, BacError, BacTerminal, MrzKey};
pub use ca::{
    CaChip, CaError, CaProtocol, CaSelection, CaStep, CaTerminal, ChipCaKey, ChipCaOutcome,
    KeyAgreement, PaCoveredDg14, PresenceError, PresenceProof, RelayedCa,
};
pub use kdf::{Cipher, KdfCounter, KeyLengthError, SecretKey, SessionKeys, derive_key};
pub use pace::{PaceChip, PaceChipOutcome, PaceError, PaceSelection, PaceTerminal};
pub use remote::{RemoteCa, RemoteCaError};
pub use sm::{SecureMessaging, SmError};
pub use terminal_ca::{ChipAuthError, ChipAuthenticated};
