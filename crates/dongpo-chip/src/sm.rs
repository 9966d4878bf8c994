//! Secure messaging (ICAO 9303-11 §9.8), terminal side and chip side.
//!
//! * **3DES**: two-key triple DES in CBC mode with a zero IV; the MAC is ISO/IEC 9797-1
//!   MAC algorithm 3 (the "retail MAC", single DES CBC and a final two-key 3DES step);
//!   the send sequence counter (SSC) is 8 bytes.
//! * **AES** (128/192/256): CBC with `IV = E(KSenc, SSC)`; the MAC is CMAC cut to 8 bytes;
//!   the SSC is 16 bytes.
//!
//! Padding is ISO/IEC 9797-1 method 2 (`80 00 ..`) to the cipher's block length, for the
//! data, the command header and the MAC input alike. A protected command carries the
//! encrypted data in `DO'87'` (with the padding-content indicator `01`), or in `DO'85'`
//! for an odd INS such as READ BINARY `B1`; Le in `DO'97'`; the MAC over
//! `SSC || padded header || DOs` in `DO'8E'`; its CLA has bits `0C` set. A protected
//! response carries `DO'87'`/`DO'85'`, the status in `DO'99'` (mandatory) and the MAC over
//! `SSC || DOs` in `DO'8E'`. Each side increments the SSC before it protects or opens an
//! APDU (the incremented value is the AES IV's input and the MAC's prefix), so the counter
//! advances by two for each command-response pair.
//!
//! The MAC is checked first (in constant time, with `subtle`), and only then is anything
//! decrypted or unpadded: a forged cryptogram never reaches the padding check. The first
//! failure of any kind closes the channel ([`SmError::Closed`] from then on), as 9303-11
//! requires of the chip ("the eMRTD chip MUST abort Secure Messaging"), and as the
//! terminal must: its SSC no longer matches the chip's.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::{
    Block, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2};
use dongpo_icao::tlv::{TlvError, TlvReader, encode};
use retail_mac::RetailMac;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord};
use crate::kdf::{Cipher, SessionKeys};

/// Length of the MAC in `DO'8E'`.
pub const MAC_LEN: usize = 8;

/// Why a secure-messaging step failed. After any of these the channel is closed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmError {
    /// An earlier step failed: the channel is closed and its keys must not be used again.
    #[error("the secure-messaging channel was closed by an earlier failure")]
    Closed,
    /// An SSC of the wrong length for the cipher (8 bytes for 3DES, 16 for AES).
    #[error("send sequence counter of {len} bytes, expected {expected}")]
    SscLength {
        /// Bytes given.
        len: usize,
        /// Bytes the cipher needs.
        expected: usize,
    },
    /// A response without secure-messaging objects: the chip answered in plain (it does
    /// so when it ends secure messaging, e.g. `6987`/`6988`). The status word is not
    /// authenticated.
    #[error("unprotected response {sw}")]
    PlainResponse {
        /// The chip's (unauthenticated) status word.
        sw: StatusWord,
    },
    /// A command without the secure-messaging bits `0C` in its CLA.
    #[error("command is not protected (CLA {cla:02X})")]
    NotProtected {
        /// The CLA received.
        cla: u8,
    },
    /// The data field is not a sequence of BER-TLV data objects.
    #[error("secure-messaging data objects unreadable: {0}")]
    Encoding(#[from] TlvError),
    /// A data object that does not belong here, or out of order.
    #[error("unexpected secure-messaging data object {tag:#04X}")]
    UnexpectedObject {
        /// Its tag.
        tag: u32,
    },
    /// No `DO'8E'`.
    #[error("secure-messaging MAC (DO'8E') missing")]
    MissingMac,
    /// A response without the mandatory `DO'99'`.
    #[error("secure-messaging status (DO'99') missing")]
    MissingStatus,
    /// A `DO'8E'`, `DO'97'` or `DO'99'` of the wrong length.
    #[error("secure-messaging data object {tag:#04X} has {len} value bytes")]
    ObjectLength {
        /// Its tag.
        tag: u32,
        /// Value bytes found.
        len: usize,
    },
    /// The MAC does not verify (wrong keys, a changed byte, or an SSC out of step).
    #[error("secure-messaging MAC does not verify")]
    BadMac,
    /// `DO'87'` whose first byte is not the padding-content indicator `01`.
    #[error("DO'87' padding-content indicator is not 01")]
    BadPaddingIndicator,
    /// A cryptogram that is empty or not a whole number of blocks.
    #[error("cryptogram of {len} bytes is not a non-empty multiple of the block length")]
    CryptogramLength {
        /// Cryptogram bytes.
        len: usize,
    },
    /// The decrypted data does not end in ISO/IEC 9797-1 method 2 padding.
    #[error("decrypted data is not padded with ISO/IEC 9797-1 method 2")]
    BadPadding,
    /// The response trailer differs from the authenticated status in `DO'99'`.
    #[error("response status {trailer} differs from the protected status {protected}")]
    StatusMismatch {
        /// The trailer SW1-SW2.
        trailer: StatusWord,
        /// The status in `DO'99'`.
        protected: StatusWord,
    },
    /// A cipher or MAC refused its key (cannot happen with a [`SessionKeys`], whose key
    /// lengths match the cipher; kept typed rather than a panic).
    #[error("cipher key setup failed")]
    KeySetup,
    /// The protected or unprotected APDU does not fit APDU length limits.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
}

impl SmError {
    /// The status word a chip answers (in plain) when a command fails this way:
    /// `6987` when secure-messaging objects are missing, `6988` when they are incorrect.
    #[must_use]
    pub fn chip_status(&self) -> StatusWord {
        match self {
            Self::NotProtected { .. } | Self::MissingMac | Self::MissingStatus => {
                StatusWord::SM_OBJECTS_MISSING
            }
            _ => StatusWord::SM_OBJECTS_INCORRECT,
        }
    }
}

/// Largest block (AES) and so largest SSC.
const MAX_BLOCK: usize = 16;

/// One secure-messaging channel: session keys and the send sequence counter.
///
/// The same type serves both ends: a terminal calls [`protect_command`] and
/// [`unprotect_response`], a chip [`unprotect_command`] and [`protect_response`]. Each
/// call increments the SSC once. `Debug` prints the cipher and whether the channel is
/// open, never keys or counter.
///
/// [`protect_command`]: SecureMessaging::protect_command
/// [`unprotect_response`]: SecureMessaging::unprotect_response
/// [`unprotect_command`]: SecureMessaging::unprotect_command
/// [`protect_response`]: SecureMessaging::protect_response
pub struct SecureMessaging {
    keys: SessionKeys,
    ssc: [u8; MAX_BLOCK],
    closed: bool,
}

impl std::fmt::Debug for SecureMessaging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureMessaging")
            .field("cipher", &self.cipher())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Drop for SecureMessaging {
    fn drop(&mut self) {
        self.ssc.zeroize();
    }
}

/// Which side's objects are read: `DO'97'` (Le) in a command, `DO'99'` (status) in a
/// response.
#[derive(Clone, Copy)]
enum Direction {
    Command,
    Response,
}

/// The data objects of a protected APDU, borrowed from its data field.
struct Objects<'a> {
    /// `DO'87'` (with indicator) or `DO'85'`: tag and value.
    cryptogram: Option<(u32, &'a [u8])>,
    /// `DO'97'` or `DO'99'` value.
    middle: Option<&'a [u8]>,
    /// `DO'8E'` value.
    mac: &'a [u8],
    /// The raw objects before `DO'8E'`: what the MAC covers.
    covered: &'a [u8],
}

impl SecureMessaging {
    /// A channel with `keys` and the starting counter `ssc` (BAC: from the nonces, see
    /// [`crate::bac`]; PACE and Chip Authentication: zero, see
    /// [`SecureMessaging::with_zero_ssc`]).
    ///
    /// # Errors
    /// [`SmError::SscLength`] unless `ssc` is the cipher's block length.
    pub fn new(keys: SessionKeys, ssc: &[u8]) -> Result<Self, SmError> {
        let expected = keys.cipher().block_len();
        let mut counter = [0u8; MAX_BLOCK];
        match counter.get_mut(..expected) {
            Some(slot) if ssc.len() == expected => slot.copy_from_slice(ssc),
            _ => {
                return Err(SmError::SscLength {
                    len: ssc.len(),
                    expected,
                });
            }
        }
        Ok(Self {
            keys,
            ssc: counter,
            closed: false,
        })
    }

    /// A channel whose SSC starts at zero (after PACE or Chip Authentication).
    #[must_use]
    pub fn with_zero_ssc(keys: SessionKeys) -> Self {
        Self {
            keys,
            ssc: [0; MAX_BLOCK],
            closed: false,
        }
    }

    /// The cipher of the channel.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.keys.cipher()
    }

    /// The current send sequence counter (its last value used).
    #[must_use]
    pub fn ssc(&self) -> &[u8] {
        self.ssc.get(..self.block_len()).unwrap_or_default()
    }

    /// False once a step has failed.
    #[must_use]
    pub fn is_open(&self) -> bool {
        !self.closed
    }

    fn block_len(&self) -> usize {
        self.cipher().block_len()
    }

    /// Runs `step` on an open channel and closes the channel if it fails.
    fn guarded<T>(
        &mut self,
        step: impl FnOnce(&mut Self) -> Result<T, SmError>,
    ) -> Result<T, SmError> {
        if self.closed {
            return Err(SmError::Closed);
        }
        let result = step(self);
        if result.is_err() {
            self.closed = true;
        }
        result
    }

    /// Terminal side: the protected form of `command` (SSC incremented once).
    ///
    /// # Errors
    /// [`SmError::Closed`], or [`SmError::Apdu`] when the protected command would exceed
    /// the extended-length limits.
    pub fn protect_command(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.guarded(|sm| sm.protect_command_inner(command))
    }

    fn protect_command_inner(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        let header = [command.cla | 0x0C, command.ins, command.p1, command.p2];
        // The incremented SSC serves both the MAC and (AES) the IV.
        self.increment();
        let mut objects = self.cryptogram_object(command.ins, command.data())?;
        if let Some(le) = command.le() {
            // 256 is written 00 and 65,536 is written 0000, as in the plain APDU.
            let value = if command.is_extended() {
                ((le & 0xFFFF) as u16).to_be_bytes().to_vec()
            } else {
                vec![(le & 0xFF) as u8]
            };
            objects.extend(encode(&[0x97], &value));
        }
        let mac = self.mac(Some(&header), &objects)?;
        objects.extend([0x8E, MAC_LEN as u8]);
        objects.extend(mac);
        let extended = command.is_extended() || objects.len() > 255;
        let [cla, ins, p1, p2] = header;
        if extended {
            Ok(CommandApdu::new(cla, ins, p1, p2, objects, Some(65_536))?)
        } else {
            Ok(CommandApdu::new(cla, ins, p1, p2, objects, Some(256))?)
        }
    }

    /// Terminal side: checks and opens the chip's protected `response` (SSC incremented
    /// once). The result carries the decrypted data and the status word from `DO'99'`.
    ///
    /// # Errors
    /// [`SmError::PlainResponse`] when the chip answered without secure messaging, or any
    /// other [`SmError`] for a malformed, forged or out-of-step response.
    pub fn unprotect_response(&mut self, response: &ResponseApdu) -> Result<ResponseApdu, SmError> {
        self.guarded(|sm| sm.unprotect_response_inner(response))
    }

    fn unprotect_response_inner(
        &mut self,
        response: &ResponseApdu,
    ) -> Result<ResponseApdu, SmError> {
        if response.data().is_empty() {
            return Err(SmError::PlainResponse { sw: response.sw });
        }
        let objects = read_objects(response.data(), Direction::Response)?;
        self.increment();
        self.verify_mac(None, &objects)?;
        let status = match objects.middle {
            Some([sw1, sw2]) => StatusWord::new(*sw1, *sw2),
            Some(other) => {
                return Err(SmError::ObjectLength {
                    tag: 0x99,
                    len: other.len(),
                });
            }
            None => return Err(SmError::MissingStatus),
        };
        if status != response.sw {
            return Err(SmError::StatusMismatch {
                trailer: response.sw,
                protected: status,
            });
        }
        let data = self.open_cryptogram(objects.cryptogram)?;
        Ok(ResponseApdu::new(data, status))
    }

    /// Chip side: checks and opens a protected `command` (SSC incremented once). The
    /// result is the command as the terminal meant it: CLA without the `0C` bits, the
    /// decrypted data, Le from `DO'97'` (extended when `DO'97'` has two bytes).
    ///
    /// # Errors
    /// Any [`SmError`]; [`SmError::chip_status`] gives the status word to answer.
    pub fn unprotect_command(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        self.guarded(|sm| sm.unprotect_command_inner(command))
    }

    fn unprotect_command_inner(&mut self, command: &CommandApdu) -> Result<CommandApdu, SmError> {
        if command.cla & 0x0C != 0x0C {
            return Err(SmError::NotProtected { cla: command.cla });
        }
        let objects = read_objects(command.data(), Direction::Command)?;
        self.increment();
        self.verify_mac(Some(&command.header()), &objects)?;
        let (le, extended) = match objects.middle {
            None => (None, false),
            Some([le]) => (Some(if *le == 0 { 256 } else { u32::from(*le) }), false),
            Some([hi, lo]) => match u16::from_be_bytes([*hi, *lo]) {
                0 => (Some(65_536), true),
                n => (Some(u32::from(n)), true),
            },
            Some(other) => {
                return Err(SmError::ObjectLength {
                    tag: 0x97,
                    len: other.len(),
                });
            }
        };
        let data = self.open_cryptogram(objects.cryptogram)?;
        let inner = CommandApdu::new(
            command.cla & !0x0C,
            command.ins,
            command.p1,
            command.p2,
            data,
            le,
        )?;
        Ok(if extended { inner.extended() } else { inner })
    }

    /// Chip side: the protected form of `response` to a command with instruction
    /// `command_ins` (its data goes in `DO'85'` for an odd INS, else `DO'87'`); SSC
    /// incremented once.
    ///
    /// # Errors
    /// [`SmError::Closed`].
    pub fn protect_response(
        &mut self,
        command_ins: u8,
        response: &ResponseApdu,
    ) -> Result<ResponseApdu, SmError> {
        self.guarded(|sm| {
            sm.increment();
            let mut objects = sm.cryptogram_object(command_ins, response.data())?;
            objects.extend(encode(&[0x99], &response.sw.to_bytes()));
            let mac = sm.mac(None, &objects)?;
            objects.extend([0x8E, MAC_LEN as u8]);
            objects.extend(mac);
            Ok(ResponseApdu::new(objects, response.sw))
        })
    }

    /// `DO'87'` (`01 || E(pad(data))`) or, for an odd INS, `DO'85'` (`E(pad(data))`);
    /// nothing for empty data.
    fn cryptogram_object(&self, ins: u8, data: &[u8]) -> Result<Vec<u8>, SmError> {
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let mut buf = pad(data, self.block_len());
        self.encrypt(&mut buf)?;
        let object = if ins & 1 == 1 {
            encode(&[0x85], &buf)
        } else {
            let mut value = Vec::with_capacity(buf.len() + 1);
            value.push(0x01);
            value.extend_from_slice(&buf);
            encode(&[0x87], &value)
        };
        buf.zeroize();
        Ok(object)
    }

    /// Decrypts and unpads the cryptogram of `DO'87'` or `DO'85'` (after the MAC check).
    fn open_cryptogram(&self, cryptogram: Option<(u32, &[u8])>) -> Result<Vec<u8>, SmError> {
        let enciphered = match cryptogram {
            None => return Ok(Vec::new()),
            Some((0x87, [0x01, rest @ ..])) => rest,
            Some((0x87, _)) => return Err(SmError::BadPaddingIndicator),
            Some((_, value)) => value,
        };
        if enciphered.is_empty() || enciphered.len() % self.block_len() != 0 {
            return Err(SmError::CryptogramLength {
                len: enciphered.len(),
            });
        }
        let mut buf = enciphered.to_vec();
        self.decrypt(&mut buf)?;
        match unpad(&buf, self.block_len()) {
            Some(len) => {
                buf.truncate(len);
                Ok(buf)
            }
            None => {
                buf.zeroize();
                Err(SmError::BadPadding)
            }
        }
    }

    /// Increments the SSC (big-endian, wrapping).
    fn increment(&mut self) {
        let len = self.block_len();
        for byte in self.ssc.iter_mut().take(len).rev() {
            let (next, carry) = byte.overflowing_add(1);
            *byte = next;
            if !carry {
                break;
            }
        }
    }

    /// The 8-byte MAC over `pad(SSC || [pad(header)] || objects)`.
    fn mac(&self, header: Option<&[u8; 4]>, objects: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
        let bs = self.block_len();
        let mut input = Vec::with_capacity(bs * 2 + objects.len() + bs);
        input.extend_from_slice(self.ssc());
        if let Some(header) = header {
            input.extend_from_slice(&pad(header, bs));
        }
        input.extend_from_slice(objects);
        let input = pad(&input, bs);
        let key = self.keys.mac.expose_secret();
        let full = match self.cipher() {
            Cipher::Tdes => mac_bytes::<RetailMac<Des>>(key, &input)?,
            Cipher::Aes128 => mac_bytes::<Cmac<Aes128>>(key, &input)?,
            Cipher::Aes192 => mac_bytes::<Cmac<Aes192>>(key, &input)?,
            Cipher::Aes256 => mac_bytes::<Cmac<Aes256>>(key, &input)?,
        };
        let mut out = [0u8; MAC_LEN];
        for (slot, byte) in out.iter_mut().zip(full.iter()) {
            *slot = *byte;
        }
        Ok(out)
    }

    /// Checks `DO'8E'` in constant time.
    fn verify_mac(&self, header: Option<&[u8; 4]>, objects: &Objects<'_>) -> Result<(), SmError> {
        if objects.mac.len() != MAC_LEN {
            return Err(SmError::ObjectLength {
                tag: 0x8E,
                len: objects.mac.len(),
            });
        }
        let expected = self.mac(header, objects.covered)?;
        if bool::from(expected.ct_eq(objects.mac)) {
            Ok(())
        } else {
            Err(SmError::BadMac)
        }
    }

    fn encrypt(&self, buf: &mut [u8]) -> Result<(), SmError> {
        let key = self.keys.enc.expose_secret();
        match self.cipher() {
            Cipher::Tdes => cbc_encrypt::<TdesEde2>(key, &[0; 8], buf),
            Cipher::Aes128 => cbc_encrypt::<Aes128>(key, &aes_iv::<Aes128>(key, self.ssc())?, buf),
            Cipher::Aes192 => cbc_encrypt::<Aes192>(key, &aes_iv::<Aes192>(key, self.ssc())?, buf),
            Cipher::Aes256 => cbc_encrypt::<Aes256>(key, &aes_iv::<Aes256>(key, self.ssc())?, buf),
        }
    }

    fn decrypt(&self, buf: &mut [u8]) -> Result<(), SmError> {
        let key = self.keys.enc.expose_secret();
        match self.cipher() {
            Cipher::Tdes => cbc_decrypt::<TdesEde2>(key, &[0; 8], buf),
            Cipher::Aes128 => cbc_decrypt::<Aes128>(key, &aes_iv::<Aes128>(key, self.ssc())?, buf),
            Cipher::Aes192 => cbc_decrypt::<Aes192>(key, &aes_iv::<Aes192>(key, self.ssc())?, buf),
            Cipher::Aes256 => cbc_decrypt::<Aes256>(key, &aes_iv::<Aes256>(key, self.ssc())?, buf),
        }
    }
}

/// Reads `[DO'87' | DO'85'] [DO'97' | DO'99'] DO'8E'`, in that order and nothing else.
fn read_objects(data: &[u8], direction: Direction) -> Result<Objects<'_>, SmError> {
    let middle_tag = match direction {
        Direction::Command => 0x97,
        Direction::Response => 0x99,
    };
    let mut reader = TlvReader::new(data);
    let mut cryptogram = None;
    let mut middle = None;
    // 0: a cryptogram may come; 1: the middle object may come; 2: only DO'8E'.
    let mut stage = 0;
    while !reader.is_empty() {
        let tlv = reader.read()?;
        match tlv.tag {
            0x85 | 0x87 if stage == 0 => {
                cryptogram = Some((tlv.tag, tlv.value));
                stage = 1;
            }
            tag if tag == middle_tag && stage <= 1 => {
                middle = Some(tlv.value);
                stage = 2;
            }
            0x8E => {
                reader.finish()?;
                return Ok(Objects {
                    cryptogram,
                    middle,
                    mac: tlv.value,
                    covered: data.get(..tlv.offset).unwrap_or_default(),
                });
            }
            tag => return Err(SmError::UnexpectedObject { tag }),
        }
    }
    Err(SmError::MissingMac)
}

/// Two-key 3DES CBC with a zero IV over whole blocks, in place (BAC's cryptograms).
pub(crate) fn tdes_encrypt(key: &[u8], buf: &mut [u8]) -> Result<(), SmError> {
    cbc_encrypt::<TdesEde2>(key, &[0; 8], buf)
}

/// The inverse of [`tdes_encrypt`].
pub(crate) fn tdes_decrypt(key: &[u8], buf: &mut [u8]) -> Result<(), SmError> {
    cbc_decrypt::<TdesEde2>(key, &[0; 8], buf)
}

/// `cipher` in CBC mode with a zero IV over whole blocks, in place: PACE's encrypted
/// nonce `z = E(K_pi, s)` (9303-11 §4.4.3.1). `buf` must be a whole number of blocks.
pub(crate) fn cbc_zero_iv_encrypt(
    cipher: Cipher,
    key: &[u8],
    buf: &mut [u8],
) -> Result<(), SmError> {
    match cipher {
        Cipher::Tdes => cbc_encrypt::<TdesEde2>(key, &[0; 8], buf),
        Cipher::Aes128 => cbc_encrypt::<Aes128>(key, &[0; 16], buf),
        Cipher::Aes192 => cbc_encrypt::<Aes192>(key, &[0; 16], buf),
        Cipher::Aes256 => cbc_encrypt::<Aes256>(key, &[0; 16], buf),
    }
}

/// The inverse of [`cbc_zero_iv_encrypt`].
pub(crate) fn cbc_zero_iv_decrypt(
    cipher: Cipher,
    key: &[u8],
    buf: &mut [u8],
) -> Result<(), SmError> {
    match cipher {
        Cipher::Tdes => cbc_decrypt::<TdesEde2>(key, &[0; 8], buf),
        Cipher::Aes128 => cbc_decrypt::<Aes128>(key, &[0; 16], buf),
        Cipher::Aes192 => cbc_decrypt::<Aes192>(key, &[0; 16], buf),
        Cipher::Aes256 => cbc_decrypt::<Aes256>(key, &[0; 16], buf),
    }
}

/// PACE's authentication token MAC (9303-11 §4.4.3.4): CMAC over `data` as is (AES), or
/// the retail MAC over `pad(data)` (3DES), cut to 8 bytes.
pub(crate) fn token_mac(cipher: Cipher, key: &[u8], data: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
    let full = match cipher {
        Cipher::Tdes => return retail_mac(key, data),
        Cipher::Aes128 => mac_bytes::<Cmac<Aes128>>(key, data)?,
        Cipher::Aes192 => mac_bytes::<Cmac<Aes192>>(key, data)?,
        Cipher::Aes256 => mac_bytes::<Cmac<Aes256>>(key, data)?,
    };
    let mut out = [0u8; MAC_LEN];
    for (slot, byte) in out.iter_mut().zip(full.iter()) {
        *slot = *byte;
    }
    Ok(out)
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES over `pad(data)` (BAC's `M_IFD`, `M_IC`).
pub(crate) fn retail_mac(key: &[u8], data: &[u8]) -> Result<[u8; MAC_LEN], SmError> {
    let full = mac_bytes::<RetailMac<Des>>(key, &pad(data, 8))?;
    let mut out = [0u8; MAC_LEN];
    for (slot, byte) in out.iter_mut().zip(full.iter()) {
        *slot = *byte;
    }
    Ok(out)
}

/// ISO/IEC 9797-1 padding method 2: `80`, then zeros to a multiple of `block`.
pub(crate) fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while out.len() % block != 0 {
        out.push(0x00);
    }
    out
}

/// The length of the data before method-2 padding, which must sit in the last block.
fn unpad(data: &[u8], block: usize) -> Option<usize> {
    let end = data.iter().rposition(|b| *b != 0)?;
    let pad_len = data.len() - end;
    (data.get(end) == Some(&0x80) && pad_len <= block).then_some(end)
}

fn mac_bytes<M: Mac + KeyInit>(key: &[u8], input: &[u8]) -> Result<Vec<u8>, SmError> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| SmError::KeySetup)?;
    mac.update(input);
    Ok(mac.finalize().into_bytes().to_vec())
}

/// `E(KSenc, SSC)`, the IV of AES secure messaging.
fn aes_iv<C: BlockCipherEncrypt + KeyInit>(key: &[u8], ssc: &[u8]) -> Result<Vec<u8>, SmError> {
    let cipher = C::new_from_slice(key).map_err(|_| SmError::KeySetup)?;
    let mut block = Block::<C>::try_from(ssc).map_err(|_| SmError::SscLength {
        len: ssc.len(),
        expected: C::block_size(),
    })?;
    cipher.encrypt_block(&mut block);
    Ok(block.to_vec())
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), SmError>
where
    C: BlockCipherEncrypt + KeyInit,
{
    let mut mode = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| SmError::KeySetup)?;
    for chunk in buf.chunks_exact_mut(C::block_size()) {
        let block = <&mut Block<C>>::try_from(chunk).map_err(|_| SmError::KeySetup)?;
        mode.encrypt_block(block);
    }
    Ok(())
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), SmError>
where
    C: cbc::cipher::BlockCipherDecrypt + BlockCipherEncrypt + KeyInit,
{
    let mut mode = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| SmError::KeySetup)?;
    for chunk in buf.chunks_exact_mut(C::block_size()) {
        let block = <&mut Block<C>>::try_from(chunk).map_err(|_| SmError::KeySetup)?;
        mode.decrypt_block(block);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trips_and_refuses_bad_padding() {
        for block in [8, 16] {
            for len in 0..40 {
                let data: Vec<u8> = (0..len).map(|i| (i as u8) | 1).collect();
                let padded = pad(&data, block);
                assert_eq!(padded.len() % block, 0);
                assert!(padded.len() - data.len() <= block);
                assert_eq!(unpad(&padded, block), Some(len));
            }
            assert_eq!(unpad(&vec![0; block], block), None);
            let mut bad = vec![1u8; block];
            bad[block - 1] = 0x81;
            assert_eq!(unpad(&bad, block), None);
            // A marker further back than one block is not padding.
            let mut long = vec![0u8; block * 2];
            long[0] = 0x80;
            assert_eq!(unpad(&long, block), None);
        }
    }

    #[test]
    fn ssc_increments_big_endian_and_wraps() {
        let keys = SessionKeys::from_bytes(Cipher::Tdes, &[1; 16], &[2; 16]).unwrap();
        let mut sm = SecureMessaging::new(keys, &[0, 0, 0, 0, 0, 0, 0, 0xFF]).unwrap();
        sm.increment();
        assert_eq!(sm.ssc(), [0, 0, 0, 0, 0, 0, 1, 0]);
        let keys = SessionKeys::from_bytes(Cipher::Aes128, &[1; 16], &[2; 16]).unwrap();
        let mut sm = SecureMessaging::new(keys, &[0xFF; 16]).unwrap();
        sm.increment();
        assert_eq!(sm.ssc(), [0; 16]);
        let keys = SessionKeys::from_bytes(Cipher::Aes128, &[1; 16], &[2; 16]).unwrap();
        assert_eq!(
            SecureMessaging::new(keys, &[0; 8]).unwrap_err(),
            SmError::SscLength {
                len: 8,
                expected: 16
            }
        );
    }

    #[test]
    fn a_soundly_maced_response_without_status_is_refused() {
        let keys = || SessionKeys::from_bytes(Cipher::Aes128, &[3; 16], &[4; 16]).unwrap();
        let mut chip = SecureMessaging::with_zero_ssc(keys());
        let mut terminal = SecureMessaging::with_zero_ssc(keys());
        terminal
            .protect_command(&CommandApdu::get_challenge())
            .unwrap();
        chip.increment();
        chip.increment();
        // DO'87' and a correct MAC over it, but no DO'99'.
        let mut objects = chip
            .cryptogram_object(0x84, &[1, 2, 3, 4, 5, 6, 7, 8])
            .unwrap();
        let mac = chip.mac(None, &objects).unwrap();
        objects.extend([0x8E, 0x08]);
        objects.extend(mac);
        let response = ResponseApdu::new(objects, StatusWord::SUCCESS);
        assert_eq!(
            terminal.unprotect_response(&response),
            Err(SmError::MissingStatus)
        );
    }

    #[test]
    fn objects_must_come_in_order() {
        assert!(matches!(
            read_objects(
                &[0x99, 0x02, 0x90, 0x00, 0x87, 0x01, 0x01, 0x8E, 0x00],
                Direction::Response
            ),
            Err(SmError::UnexpectedObject { tag: 0x87 })
        ));
        assert!(matches!(
            read_objects(&[0x97, 0x01, 0x00], Direction::Response),
            Err(SmError::UnexpectedObject { tag: 0x97 })
        ));
        assert!(matches!(
            read_objects(&[0x99, 0x02, 0x90, 0x00], Direction::Response),
            Err(SmError::MissingMac)
        ));
        assert!(matches!(
            read_objects(&[0x8E, 0x00, 0x99, 0x02, 0x90, 0x00], Direction::Response),
            Err(SmError::Encoding(TlvError::TrailingData { .. }))
        ));
        let ok = read_objects(
            &[0x99, 0x02, 0x90, 0x00, 0x8E, 0x01, 0xAA],
            Direction::Response,
        )
        .unwrap();
        assert_eq!(ok.covered, [0x99, 0x02, 0x90, 0x00]);
        assert_eq!(ok.mac, [0xAA]);
    }
}
