//! A reference terminal: what a reader (or a phone app's NFC code) does with an
//! ePassport chip: SELECT the eMRTD application, Basic Access Control, read the files
//! under secure messaging in chunks, and Active Authentication when DG15 is present.
//!
//! The chip is reached through a [`Transport`]; [`TcpTransport`] speaks the framing of
//! `dongpo testkit chip serve` (each APDU and each response preceded by its length, two
//! bytes big-endian; [`read_frame`], [`write_frame`]). The secure-messaging session
//! stays open after [`Terminal::read_document`], so that the caller, once its Passive
//! Authentication covered DG14, runs Chip Authentication on the same session
//! ([`Terminal::chip_authenticate`], in `terminal_ca`). When EF.CardAccess (read in the
//! clear first) offers PACE in a form `crate::pace` supports, PACE replaces BAC
//! ([`Terminal::open_pace`]).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;

use crate::apdu::{ApduError, CommandApdu, ResponseApdu, StatusWord};
use crate::bac::{BacError, BacTerminal, MrzKey};
use crate::pace::{PaceError, PaceTerminal};
use crate::sm::{SecureMessaging, SmError};
use dongpo_icao::lds::{CardAccess, EF_CARD_ACCESS_FID};

/// The eMRTD application identifier (9303-10 §3.6.2).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Bytes asked for per READ BINARY (short Le, as most chips accept).
const CHUNK: u32 = 0xDF;

/// Data groups the terminal tries to read (a missing one is skipped).
const DATA_GROUPS: [u8; 6] = [1, 2, 11, 12, 14, 15];

/// Errors of a [`Transport`].
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The connection failed or closed.
    #[error("transport: {0}")]
    Io(#[from] std::io::Error),
    /// An APDU longer than the framing carries.
    #[error("transport: an APDU of {0} bytes does not fit the 2-byte length prefix")]
    TooLong(usize),
}

/// Something that carries command APDUs to a chip and brings its responses back.
pub trait Transport {
    /// Sends one command APDU, returns the response (data and SW1 SW2).
    ///
    /// # Errors
    /// [`TransportError`] when the chip cannot be reached.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// Writes one frame: the length of `payload` (two bytes, big-endian), then `payload`.
///
/// # Errors
/// [`TransportError::TooLong`] above 65,535 bytes; I/O errors.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> Result<(), TransportError> {
    let len = u16::try_from(payload.len()).map_err(|_| TransportError::TooLong(payload.len()))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(payload);
    out.write_all(&frame)?;
    out.flush()?;
    Ok(())
}

/// Reads one frame; `Ok(None)` when the peer closed the connection before a new frame.
///
/// # Errors
/// I/O errors, including a connection closed inside a frame.
pub fn read_frame(input: &mut impl Read) -> Result<Option<Vec<u8>>, TransportError> {
    let mut len = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        let n = input.read(len.get_mut(got..).unwrap_or_default())?;
        if n == 0 {
            if got == 0 {
                return Ok(None);
            }
            return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
        }
        got += n;
    }
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    input.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// A chip behind a TCP connection with 2-byte length framing.
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
}

impl TcpTransport {
    /// Connects to `address` (`host:port`); each connection is a fresh power-up. A chip
    /// that does not accept within [`TcpTransport::CONNECT_TIMEOUT`] or does not answer
    /// within [`TcpTransport::ANSWER_TIMEOUT`] is an I/O error (`TimedOut` /
    /// `WouldBlock`), never a terminal that waits for ever.
    ///
    /// # Errors
    /// I/O errors.
    pub fn connect(address: &str) -> Result<Self, TransportError> {
        Self::connect_with_timeouts(address, Self::CONNECT_TIMEOUT, Self::ANSWER_TIMEOUT)
    }

    /// [`TcpTransport::connect`] with other timeouts (both must be above zero).
    ///
    /// # Errors
    /// I/O errors; a zero timeout is `InvalidInput`.
    pub fn connect_with_timeouts(
        address: &str,
        connect: std::time::Duration,
        answer: std::time::Duration,
    ) -> Result<Self, TransportError> {
        use std::net::ToSocketAddrs;
        let mut last = std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the address resolves to nothing",
        );
        for candidate in address.to_socket_addrs()? {
            match TcpStream::connect_timeout(&candidate, connect) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_read_timeout(Some(answer))?;
                    stream.set_write_timeout(Some(answer))?;
                    return Ok(Self { stream });
                }
                Err(e) => last = e,
            }
        }
        Err(last.into())
    }

    /// How long a connection may take.
    pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
    /// How long one answer (or one write) may take: a chip's slowest answer (a DH key
    /// agreement, an RSA signature) takes well under a second.
    pub const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
}

impl Transport for TcpTransport {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        write_frame(&mut self.stream, apdu)?;
        read_frame(&mut self.stream)?
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into())
    }
}

/// Why a chip could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The chip's answer is not a response APDU, or a command could not be built.
    #[error("APDU: {0}")]
    Apdu(#[from] ApduError),
    /// The chip refused a step.
    #[error("{step}: the chip answered {sw}")]
    Refused {
        /// What was being done.
        step: &'static str,
        /// The chip's status word.
        sw: StatusWord,
    },
    /// Basic Access Control failed (wrong MRZ data, or not this chip).
    #[error("Basic Access Control failed: {0}")]
    Bac(#[from] BacError),
    /// A protected response did not check out.
    #[error("secure messaging: {0}")]
    Sm(#[from] SmError),
    /// A file's first bytes are not a TLV header.
    #[error("file {fid:04X}: not a TLV file")]
    NotTlv {
        /// The file id.
        fid: u16,
    },
    /// The chip answered a READ BINARY with no bytes before the end of the file.
    #[error("file {fid:04X}: the chip returned no bytes at offset {offset}")]
    Stalled {
        /// The file id.
        fid: u16,
        /// Where.
        offset: usize,
    },
    /// The OS random generator failed.
    #[error("no randomness from the OS")]
    Random,
    /// PACE failed (a refused step, a wrong MRZ, an invalid chip key).
    #[error("PACE failed: {0}")]
    Pace(#[from] PaceError),
}

/// What the terminal read from a chip.
#[derive(Clone, Debug, Default)]
pub struct ChipContents {
    /// EF.COM, when the chip has one.
    pub com: Option<Vec<u8>>,
    /// EF.SOD.
    pub sod: Vec<u8>,
    /// Data groups by number.
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    /// Active Authentication: the challenge sent and the chip's signature (when DG15 was
    /// read).
    pub active_auth: Option<(Vec<u8>, Vec<u8>)>,
    /// The access control used (`PACE` or `BAC`).
    pub access: &'static str,
}

/// A terminal talking to one chip over `T`.
#[derive(Debug)]
pub struct Terminal<T> {
    transport: T,
    /// The secure messaging of the open session (after [`Terminal::read_document`]).
    pub(crate) session: Option<SecureMessaging>,
}

impl<T: Transport> Terminal<T> {
    /// A terminal on `transport`.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            session: None,
        }
    }

    /// Sends `command` as it is (no secure messaging of this terminal's: plain, or
    /// already protected by someone else, e.g. a server relayed through this terminal).
    ///
    /// # Errors
    /// [`ReadError::Transport`], [`ReadError::Apdu`] when the answer is no response APDU.
    pub fn send(&mut self, command: &CommandApdu) -> Result<ResponseApdu, ReadError> {
        let answer = self.transport.transmit(&command.to_bytes())?;
        Ok(ResponseApdu::parse(&answer)?)
    }

    /// Sends `command` protected under `sm`, or in the clear without one.
    fn exchange(
        &mut self,
        sm: Option<&mut SecureMessaging>,
        command: &CommandApdu,
    ) -> Result<ResponseApdu, ReadError> {
        match sm {
            Some(sm) => self.send_secure(sm, command),
            None => self.send(command),
        }
    }

    /// EF.CardAccess, read in the clear before any access control (`None` when the chip
    /// has none or refuses it).
    ///
    /// # Errors
    /// [`ReadError`] for a transport failure or an answer that is no APDU.
    pub fn read_card_access(&mut self) -> Result<Option<Vec<u8>>, ReadError> {
        match self.read_file_in(None, EF_CARD_ACCESS_FID) {
            Err(
                ReadError::Refused { .. } | ReadError::NotTlv { .. } | ReadError::Stalled { .. },
            ) => Ok(None),
            other => other,
        }
    }

    /// PACE with the MRZ password as `card_access` offers it (`crate::pace::select`), in
    /// the clear, then SELECT of the eMRTD application under the new secure messaging.
    ///
    /// # Errors
    /// [`ReadError::Pace`] when EF.CardAccess offers no supported PACE or PACE fails (a
    /// wrong MRZ: the chip refuses the terminal's token); [`ReadError::Refused`] when the
    /// application cannot be selected; transport and secure-messaging errors.
    pub fn open_pace(
        &mut self,
        key: &MrzKey,
        card_access: &CardAccess,
    ) -> Result<SecureMessaging, ReadError> {
        let mut pace = PaceTerminal::new(crate::pace::select(card_access)?, key)?;
        while let Some(command) = pace.next_command().cloned() {
            let answer = self.send(&command)?;
            pace.accept_response(&answer)?;
        }
        let mut sm = pace.finish()?;
        let selected = self.send_secure(&mut sm, &CommandApdu::select_application(&EMRTD_AID))?;
        if !selected.sw.is_success() {
            return Err(ReadError::Refused {
                step: "SELECT eMRTD application",
                sw: selected.sw,
            });
        }
        Ok(sm)
    }

    /// Sends `command` protected under `sm` and returns the opened answer (a refusal the
    /// chip sent in plain is returned as it is).
    ///
    /// # Errors
    /// [`ReadError`].
    pub fn send_secure(
        &mut self,
        sm: &mut SecureMessaging,
        command: &CommandApdu,
    ) -> Result<ResponseApdu, ReadError> {
        let protected = sm.protect_command(command)?;
        let answer = self.send(&protected)?;
        if answer.data().is_empty() && !answer.sw.is_success_or_warning() {
            // A refusal in plain (6987/6988, or a chip that dropped the session).
            return Ok(answer);
        }
        Ok(sm.unprotect_response(&answer)?)
    }

    /// SELECT of the eMRTD application and Basic Access Control with `key`.
    ///
    /// # Errors
    /// [`ReadError`].
    pub fn open_bac(&mut self, key: &MrzKey) -> Result<SecureMessaging, ReadError> {
        let selected = self.send(&CommandApdu::select_application(&EMRTD_AID))?;
        if !selected.sw.is_success() {
            return Err(ReadError::Refused {
                step: "SELECT eMRTD application",
                sw: selected.sw,
            });
        }
        let challenge = self.send(&CommandApdu::get_challenge())?;
        if !challenge.sw.is_success() {
            return Err(ReadError::Refused {
                step: "GET CHALLENGE",
                sw: challenge.sw,
            });
        }
        let terminal = BacTerminal::new(key, &challenge)?;
        let answer = self.send(&terminal.external_authenticate()?)?;
        Ok(terminal.finish(&answer)?)
    }

    /// Reads elementary file `fid` whole; `Ok(None)` when the chip has no such file.
    ///
    /// # Errors
    /// [`ReadError`].
    pub fn read_file(
        &mut self,
        sm: &mut SecureMessaging,
        fid: u16,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        self.read_file_in(Some(sm), fid)
    }

    /// [`Terminal::read_file`] under `sm`, or in the clear without it (EF.CardAccess).
    fn read_file_in(
        &mut self,
        mut sm: Option<&mut SecureMessaging>,
        fid: u16,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        let selected = self.exchange(sm.as_deref_mut(), &CommandApdu::select_ef(fid))?;
        if selected.sw == StatusWord::FILE_NOT_FOUND {
            return Ok(None);
        }
        if !selected.sw.is_success() {
            return Err(ReadError::Refused {
                step: "SELECT EF",
                sw: selected.sw,
            });
        }
        let head = self.read_at(sm.as_deref_mut(), fid, 0, 6)?;
        let total = tlv_total_len(&head).ok_or(ReadError::NotTlv { fid })?;
        let mut file = head;
        file.truncate(total);
        while file.len() < total {
            let want = u32::try_from((total - file.len()).min(CHUNK as usize)).unwrap_or(CHUNK);
            let bytes = self.read_at(sm.as_deref_mut(), fid, file.len(), want)?;
            if bytes.is_empty() {
                return Err(ReadError::Stalled {
                    fid,
                    offset: file.len(),
                });
            }
            file.extend_from_slice(&bytes);
        }
        file.truncate(total);
        Ok(Some(file))
    }

    fn read_at(
        &mut self,
        sm: Option<&mut SecureMessaging>,
        fid: u16,
        offset: usize,
        le: u32,
    ) -> Result<Vec<u8>, ReadError> {
        let command = match u16::try_from(offset) {
            Ok(short) if short <= 0x7FFF => CommandApdu::read_binary(short, le)?,
            _ => CommandApdu::read_binary_odd(
                u32::try_from(offset).map_err(|_| ReadError::Stalled { fid, offset })?,
                le,
            )?,
        };
        let answer = self.exchange(sm, &command)?;
        if !answer.sw.is_success_or_warning() {
            return Err(ReadError::Refused {
                step: "READ BINARY",
                sw: answer.sw,
            });
        }
        if command.ins == 0xB1 {
            // DO'53' wraps the bytes.
            let mut reader = dongpo_icao::tlv::TlvReader::new(answer.data());
            let object = reader.read().map_err(|_| ReadError::NotTlv { fid })?;
            if object.tag != 0x53 {
                return Err(ReadError::NotTlv { fid });
            }
            return Ok(object.value.to_vec());
        }
        Ok(answer.into_data())
    }

    /// Active Authentication: INTERNAL AUTHENTICATE with a fresh 8-byte challenge;
    /// returns the challenge and the chip's signature (verification is the caller's).
    ///
    /// # Errors
    /// [`ReadError`].
    pub fn internal_authenticate(
        &mut self,
        sm: &mut SecureMessaging,
    ) -> Result<(Vec<u8>, Vec<u8>), ReadError> {
        let mut challenge = [0u8; 8];
        getrandom::fill(&mut challenge).map_err(|_| ReadError::Random)?;
        let command = CommandApdu::new(0x00, 0x88, 0x00, 0x00, challenge.to_vec(), Some(256))?;
        let answer = self.send_secure(sm, &command)?;
        if !answer.sw.is_success() {
            return Err(ReadError::Refused {
                step: "INTERNAL AUTHENTICATE",
                sw: answer.sw,
            });
        }
        Ok((challenge.to_vec(), answer.into_data()))
    }

    /// EF.CardAccess in the clear; PACE when it offers a supported PACE, else BAC; then
    /// EF.COM, EF.SOD and the data groups 1, 2, 11, 12, 14, 15 that the chip holds, then
    /// Active Authentication when DG15 was read. The session stays open for
    /// [`Terminal::chip_authenticate`].
    ///
    /// # Errors
    /// [`ReadError`]; a chip without EF.SOD is [`ReadError::Refused`].
    pub fn read_document(&mut self, key: &MrzKey) -> Result<ChipContents, ReadError> {
        self.session = None;
        let pace = self
            .read_card_access()?
            .and_then(|bytes| CardAccess::parse(&bytes).ok())
            .filter(|file| crate::pace::select(file).is_ok());
        let (mut sm, access) = match pace {
            Some(file) => (self.open_pace(key, &file)?, "PACE"),
            None => (self.open_bac(key)?, "BAC"),
        };
        let mut contents = self.read_files(&mut sm)?;
        contents.access = access;
        if contents.data_groups.contains_key(&15) {
            contents.active_auth = Some(self.internal_authenticate(&mut sm)?);
        }
        // Kept open for Chip Authentication once the caller's Passive Authentication
        // covered DG14 (`Terminal::chip_authenticate`).
        self.session = Some(sm);
        Ok(contents)
    }

    /// EF.COM, EF.SOD and the data groups 1, 2, 11, 12, 14, 15 that the chip holds, over
    /// an open channel `sm` (which stays usable: a relay continues with it); no Active
    /// Authentication.
    ///
    /// # Errors
    /// [`ReadError`]; a chip without EF.SOD is [`ReadError::Refused`].
    pub fn read_files(&mut self, sm: &mut SecureMessaging) -> Result<ChipContents, ReadError> {
        let sm = &mut *sm;
        let com = self.read_file(sm, 0x011E)?;
        let sod = self.read_file(sm, 0x011D)?.ok_or(ReadError::Refused {
            step: "SELECT EF.SOD",
            sw: StatusWord::FILE_NOT_FOUND,
        })?;
        let mut data_groups = BTreeMap::new();
        for n in DATA_GROUPS {
            if let Some(bytes) = self.read_file(sm, 0x0100 | u16::from(n))? {
                data_groups.insert(n, bytes);
            }
        }
        Ok(ChipContents {
            com,
            sod,
            data_groups,
            active_auth: None,
            access: "BAC",
        })
    }
}

/// The whole length of a TLV file from its first bytes (one-byte tags, as every LDS file
/// has): header plus value.
fn tlv_total_len(head: &[u8]) -> Option<usize> {
    let first = *head.get(1)?;
    let (header, value) = match first {
        0x00..=0x7F => (2, usize::from(first)),
        0x81 => (3, usize::from(*head.get(2)?)),
        0x82 => (
            4,
            usize::from(u16::from_be_bytes([*head.get(2)?, *head.get(3)?])),
        ),
        0x83 => (
            5,
            (usize::from(*head.get(2)?) << 16)
                | (usize::from(*head.get(3)?) << 8)
                | usize::from(*head.get(4)?),
        ),
        _ => return None,
    };
    Some(header + value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_eof() {
        let mut buffer = Vec::new();
        write_frame(&mut buffer, &[1, 2, 3]).unwrap_or_default();
        assert_eq!(buffer, [0, 3, 1, 2, 3]);
        let mut input = std::io::Cursor::new(buffer);
        assert_eq!(read_frame(&mut input).ok().flatten(), Some(vec![1, 2, 3]));
        assert!(matches!(read_frame(&mut input), Ok(None)));
        let mut cut = std::io::Cursor::new(vec![0u8, 5, 1]);
        assert!(read_frame(&mut cut).is_err());
        assert!(write_frame(&mut Vec::new(), &vec![0u8; 65_536]).is_err());
    }

    #[test]
    fn tlv_lengths() {
        assert_eq!(tlv_total_len(&[0x61, 0x05]), Some(7));
        assert_eq!(tlv_total_len(&[0x77, 0x81, 0x80]), Some(131));
        assert_eq!(tlv_total_len(&[0x75, 0x82, 0x40, 0x00]), Some(0x4004));
        assert_eq!(
            tlv_total_len(&[0x75, 0x83, 0x01, 0x00, 0x00]),
            Some(0x10005)
        );
        assert_eq!(tlv_total_len(&[0x75, 0x84]), None);
        assert_eq!(tlv_total_len(&[0x75]), None);
    }
}
