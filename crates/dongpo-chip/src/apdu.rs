//! ISO/IEC 7816-4 command and response APDUs: the four command cases in short and
//! extended length (ISO/IEC 7816-3 §12.1), and responses with their status word.
//!
//! Both directions encode and parse: the terminal encodes commands and parses responses,
//! the virtual chip parses commands and encodes responses. Parsing never panics; every
//! refusal is an [`ApduError`].

use std::fmt;

/// Largest command data field (extended length: Lc is two bytes, `0001`..`FFFF`).
pub const MAX_COMMAND_DATA: usize = 0xFFFF;
/// Largest Le of a short APDU (`00` means 256).
pub const MAX_SHORT_LE: u32 = 256;
/// Largest Le of an extended APDU (`0000` means 65,536).
pub const MAX_EXTENDED_LE: u32 = 65_536;

/// Why bytes are not a command APDU, or a command cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// Fewer than the four header bytes (command) or the two status bytes (response).
    #[error("APDU of {len} bytes is shorter than its {min}-byte minimum")]
    TooShort {
        /// Bytes given.
        len: usize,
        /// Bytes needed at least.
        min: usize,
    },
    /// The body's length fits none of the cases of ISO/IEC 7816-3 §12.1.
    #[error("command APDU body of {body} bytes fits no ISO/IEC 7816-3 case")]
    BadLength {
        /// Bytes after the header.
        body: usize,
    },
    /// A data field longer than 65,535 bytes.
    #[error("command data of {len} bytes exceeds {MAX_COMMAND_DATA}")]
    DataTooLong {
        /// Data length asked for.
        len: usize,
    },
    /// A READ BINARY offset outside what the instruction can address (`7FFF` for `B0`).
    #[error("offset {offset} is out of range for this instruction")]
    OffsetOutOfRange {
        /// Offset asked for.
        offset: u32,
    },
    /// An Le of 0 or above 65,536.
    #[error("Le {le} is outside 1..=65536")]
    LeOutOfRange {
        /// Le asked for.
        le: u32,
    },
}

/// The command cases of ISO/IEC 7816-3 §12.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApduCase {
    /// No data, no Le.
    Case1,
    /// Le only.
    Case2,
    /// Data only.
    Case3,
    /// Data and Le.
    Case4,
}

/// A command APDU: header, data field and the number of response bytes expected (Le).
///
/// Le is kept as a number of bytes, 1..=65,536: a short `00` reads as 256, an extended
/// `0000` as 65,536. Whether the APDU is written in extended length is chosen when it is
/// built (extended when the data or Le need it, or when asked with
/// [`CommandApdu::extended`]) and kept from the bytes when it is parsed, so that
/// `parse(x).to_bytes() == x` for every accepted `x`.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    data: Vec<u8>,
    le: Option<u32>,
    extended: bool,
}

impl fmt::Debug for CommandApdu {
    /// Header, lengths and Le only: a command's data may be personal or secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandApdu")
            .field(
                "header",
                &format_args!(
                    "{:02X}{:02X}{:02X}{:02X}",
                    self.cla, self.ins, self.p1, self.p2
                ),
            )
            .field("data_len", &self.data.len())
            .field("le", &self.le)
            .field("extended", &self.extended)
            .finish()
    }
}

impl CommandApdu {
    /// A command from its parts; extended length when the data or Le need it.
    ///
    /// # Errors
    /// [`ApduError::DataTooLong`] or [`ApduError::LeOutOfRange`].
    pub fn new(
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        data: impl Into<Vec<u8>>,
        le: Option<u32>,
    ) -> Result<Self, ApduError> {
        let data = data.into();
        if data.len() > MAX_COMMAND_DATA {
            return Err(ApduError::DataTooLong { len: data.len() });
        }
        if let Some(le) = le
            && !(1..=MAX_EXTENDED_LE).contains(&le)
        {
            return Err(ApduError::LeOutOfRange { le });
        }
        let extended = data.len() > 255 || le.is_some_and(|le| le > MAX_SHORT_LE);
        Ok(Self {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
            extended,
        })
    }

    /// The same command written in extended length (a no-op for case 1, which has no
    /// length field).
    #[must_use]
    pub fn extended(mut self) -> Self {
        self.extended = self.case() != ApduCase::Case1;
        self
    }

    /// SELECT of an elementary file by its file identifier (`00 A4 02 0C 02 fid`), as
    /// 9303-10 reads the LDS.
    #[must_use]
    pub fn select_ef(fid: u16) -> Self {
        Self::short(0x00, 0xA4, 0x02, 0x0C, fid.to_be_bytes().to_vec(), None)
    }

    /// SELECT of an application by its identifier (`00 A4 04 0C Lc aid`); `aid` of at
    /// most 16 bytes (longer is cut: ISO/IEC 7816-4 AIDs are 5 to 16 bytes).
    #[must_use]
    pub fn select_application(aid: &[u8]) -> Self {
        let aid = aid.get(..aid.len().min(16)).unwrap_or_default();
        Self::short(0x00, 0xA4, 0x04, 0x0C, aid.to_vec(), None)
    }

    /// READ BINARY (`B0`) of `le` bytes at `offset` (at most `7FFF`, the P1-P2 range
    /// with bit 8 of P1 clear) of the current file.
    ///
    /// # Errors
    /// [`ApduError::OffsetOutOfRange`] above `7FFF`, [`ApduError::LeOutOfRange`].
    pub fn read_binary(offset: u16, le: u32) -> Result<Self, ApduError> {
        if offset > 0x7FFF {
            return Err(ApduError::OffsetOutOfRange {
                offset: u32::from(offset),
            });
        }
        let [p1, p2] = offset.to_be_bytes();
        Self::new(0x00, 0xB0, p1, p2, Vec::new(), Some(le))
    }

    /// READ BINARY (`B0`) with a short file identifier: selects file `sfi` (1..=30) and
    /// reads `le` bytes at `offset` (0..=255).
    ///
    /// # Errors
    /// [`ApduError::LeOutOfRange`].
    pub fn read_binary_sfi(sfi: u8, offset: u8, le: u32) -> Result<Self, ApduError> {
        Self::new(
            0x00,
            0xB0,
            0x80 | (sfi & 0x1F),
            offset,
            Vec::new(),
            Some(le),
        )
    }

    /// READ BINARY with odd INS (`B1`), for offsets above `7FFF`: the offset travels in a
    /// data object `54`.
    ///
    /// # Errors
    /// [`ApduError::LeOutOfRange`].
    pub fn read_binary_odd(offset: u32, le: u32) -> Result<Self, ApduError> {
        let bytes = offset.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
        let value = bytes.get(skip..).unwrap_or_default();
        let mut data = vec![0x54, value.len() as u8];
        data.extend_from_slice(value);
        Self::new(0x00, 0xB1, 0x00, 0x00, data, Some(le))
    }

    /// GET CHALLENGE of 8 bytes (`00 84 00 00 08`).
    #[must_use]
    pub fn get_challenge() -> Self {
        Self::short(0x00, 0x84, 0x00, 0x00, Vec::new(), Some(8))
    }

    /// EXTERNAL AUTHENTICATE (`00 82 00 00 Lc data Le`) with `le` response bytes expected.
    ///
    /// # Errors
    /// [`ApduError::DataTooLong`] or [`ApduError::LeOutOfRange`].
    pub fn external_authenticate(data: &[u8], le: u32) -> Result<Self, ApduError> {
        Self::new(0x00, 0x82, 0x00, 0x00, data.to_vec(), Some(le))
    }

    /// A short command whose lengths are known to fit (internal constructors).
    fn short(cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>, le: Option<u32>) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
            extended: false,
        }
    }

    /// CLA INS P1 P2.
    #[must_use]
    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// The data field (empty in cases 1 and 2).
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Le as a number of bytes (1..=65,536), or `None` when no response data is expected.
    #[must_use]
    pub fn le(&self) -> Option<u32> {
        self.le
    }

    /// True when the APDU is written with extended length fields.
    #[must_use]
    pub fn is_extended(&self) -> bool {
        self.extended
    }

    /// The case of ISO/IEC 7816-3 §12.1.
    #[must_use]
    pub fn case(&self) -> ApduCase {
        match (self.data.is_empty(), self.le.is_some()) {
            (true, false) => ApduCase::Case1,
            (true, true) => ApduCase::Case2,
            (false, false) => ApduCase::Case3,
            (false, true) => ApduCase::Case4,
        }
    }

    /// The APDU's bytes.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&self.header());
        let len = self.data.len();
        if self.extended {
            if len > 0 {
                out.push(0x00);
                // `new` and `parse` keep the data within 65,535 bytes.
                out.extend_from_slice(&(len as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                if len == 0 {
                    out.push(0x00);
                }
                // 65,536 is written 0000.
                out.extend_from_slice(&((le & 0xFFFF) as u16).to_be_bytes());
            }
        } else {
            if len > 0 {
                out.push(len as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                // 256 is written 00.
                out.push((le & 0xFF) as u8);
            }
        }
        out
    }

    /// Reads a command APDU (ISO/IEC 7816-3 §12.1: cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
    ///
    /// # Errors
    /// [`ApduError::TooShort`] below four bytes, [`ApduError::BadLength`] when the length
    /// fields do not match the bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let Some((&[cla, ins, p1, p2], body)) = bytes.split_first_chunk::<4>() else {
            return Err(ApduError::TooShort {
                len: bytes.len(),
                min: 4,
            });
        };
        let bad = || ApduError::BadLength { body: body.len() };
        let short_le = |b: u8| if b == 0 { MAX_SHORT_LE } else { u32::from(b) };
        let ext_len = |hi: u8, lo: u8| u32::from(u16::from_be_bytes([hi, lo]));
        let ext_le = |hi: u8, lo: u8| match ext_len(hi, lo) {
            0 => MAX_EXTENDED_LE,
            n => n,
        };
        let (data, le, extended): (&[u8], Option<u32>, bool) = match body {
            [] => (&[], None, false),
            [le] => (&[], Some(short_le(*le)), false),
            [0, hi, lo] => (&[], Some(ext_le(*hi, *lo)), true),
            [0, hi, lo, rest @ ..] => {
                let lc = ext_len(*hi, *lo) as usize;
                if lc == 0 {
                    return Err(bad());
                }
                if rest.len() == lc {
                    (rest, None, true)
                } else if rest.len() == lc + 2 {
                    let (data, le) = rest.split_at(lc);
                    match le {
                        [hi, lo] => (data, Some(ext_le(*hi, *lo)), true),
                        _ => return Err(bad()),
                    }
                } else {
                    return Err(bad());
                }
            }
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                // A short Lc is 1..=255: `00` here (body `00 xx`) is neither case 2S nor
                // the start of an extended length.
                if lc == 0 {
                    return Err(bad());
                }
                if rest.len() == lc {
                    (rest, None, false)
                } else if rest.len() == lc + 1 {
                    let (data, le) = rest.split_at(lc);
                    match le {
                        [le] => (data, Some(short_le(*le)), false),
                        _ => return Err(bad()),
                    }
                } else {
                    return Err(bad());
                }
            }
        };
        Ok(Self {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            le,
            extended,
        })
    }
}

/// A status word SW1-SW2 (ISO/IEC 7816-4 §5.6), with the values ICAO 9303 chips use.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const SUCCESS: Self = Self(0x9000);
    /// `6282`: end of file reached before Le bytes were read.
    pub const END_OF_FILE: Self = Self(0x6282);
    /// `6300`: verification (authentication) failed.
    pub const AUTHENTICATION_FAILED: Self = Self(0x6300);
    /// `6700`: wrong length.
    pub const WRONG_LENGTH: Self = Self(0x6700);
    /// `6882`: secure messaging not supported.
    pub const SM_NOT_SUPPORTED: Self = Self(0x6882);
    /// `6982`: security status not satisfied.
    pub const SECURITY_STATUS_NOT_SATISFIED: Self = Self(0x6982);
    /// `6985`: conditions of use not satisfied.
    pub const CONDITIONS_NOT_SATISFIED: Self = Self(0x6985);
    /// `6987`: expected secure messaging data objects missing.
    pub const SM_OBJECTS_MISSING: Self = Self(0x6987);
    /// `6988`: incorrect secure messaging data objects.
    pub const SM_OBJECTS_INCORRECT: Self = Self(0x6988);
    /// `6A80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: Self = Self(0x6A80);
    /// `6A82`: file or application not found.
    pub const FILE_NOT_FOUND: Self = Self(0x6A82);
    /// `6A86`: incorrect parameters P1-P2.
    pub const WRONG_P1_P2: Self = Self(0x6A86);
    /// `6A88`: referenced data not found.
    pub const REFERENCED_DATA_NOT_FOUND: Self = Self(0x6A88);
    /// `6B00`: wrong parameters P1-P2 (offset outside the file).
    pub const WRONG_PARAMETERS: Self = Self(0x6B00);
    /// `6D00`: instruction code not supported.
    pub const INS_NOT_SUPPORTED: Self = Self(0x6D00);
    /// `6E00`: class not supported.
    pub const CLA_NOT_SUPPORTED: Self = Self(0x6E00);
    /// `6F00`: no precise diagnosis.
    pub const NO_PRECISE_DIAGNOSIS: Self = Self(0x6F00);

    /// From SW1 and SW2.
    #[must_use]
    pub fn new(sw1: u8, sw2: u8) -> Self {
        Self(u16::from_be_bytes([sw1, sw2]))
    }

    /// SW1.
    #[must_use]
    pub fn sw1(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// SW2.
    #[must_use]
    pub fn sw2(self) -> u8 {
        self.0.to_be_bytes()[1]
    }

    /// The two bytes, SW1 first.
    #[must_use]
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// `9000`.
    #[must_use]
    pub fn is_success(self) -> bool {
        self == Self::SUCCESS
    }

    /// Normal processing or a warning (`9000`, `61xx`, `62xx`, `63xx`): the command was
    /// carried out and the response data, if any, is meaningful.
    #[must_use]
    pub fn is_success_or_warning(self) -> bool {
        self.is_success() || matches!(self.sw1(), 0x61..=0x63)
    }

    /// A short English name for the named values, `None` for others.
    #[must_use]
    pub fn description(self) -> Option<&'static str> {
        Some(match self {
            Self::SUCCESS => "normal processing",
            Self::END_OF_FILE => "end of file reached before reading Le bytes",
            Self::AUTHENTICATION_FAILED => "authentication failed",
            Self::WRONG_LENGTH => "wrong length",
            Self::SM_NOT_SUPPORTED => "secure messaging not supported",
            Self::SECURITY_STATUS_NOT_SATISFIED => "security status not satisfied",
            Self::CONDITIONS_NOT_SATISFIED => "conditions of use not satisfied",
            Self::SM_OBJECTS_MISSING => "expected secure messaging data objects missing",
            Self::SM_OBJECTS_INCORRECT => "incorrect secure messaging data objects",
            Self::WRONG_DATA => "incorrect parameters in the data field",
            Self::FILE_NOT_FOUND => "file not found",
            Self::WRONG_P1_P2 => "incorrect parameters P1-P2",
            Self::REFERENCED_DATA_NOT_FOUND => "referenced data not found",
            Self::WRONG_PARAMETERS => "wrong parameters P1-P2",
            Self::INS_NOT_SUPPORTED => "instruction not supported",
            Self::CLA_NOT_SUPPORTED => "class not supported",
            Self::NO_PRECISE_DIAGNOSIS => "no precise diagnosis",
            _ => return None,
        })
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(text) => write!(f, "{:04X} ({text})", self.0),
            None => write!(f, "{:04X}", self.0),
        }
    }
}

/// A response APDU: data field and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    data: Vec<u8>,
    /// The trailer SW1-SW2.
    pub sw: StatusWord,
}

impl fmt::Debug for ResponseApdu {
    /// Length and status only: response data may be personal or secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseApdu")
            .field("data_len", &self.data.len())
            .field("sw", &self.sw)
            .finish()
    }
}

impl ResponseApdu {
    /// A response from data and status word.
    #[must_use]
    pub fn new(data: impl Into<Vec<u8>>, sw: StatusWord) -> Self {
        Self {
            data: data.into(),
            sw,
        }
    }

    /// A response with no data.
    #[must_use]
    pub fn status(sw: StatusWord) -> Self {
        Self::new(Vec::new(), sw)
    }

    /// Reads `data || SW1 || SW2`.
    ///
    /// # Errors
    /// [`ApduError::TooShort`] below two bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        match bytes.split_last_chunk::<2>() {
            Some((data, &[sw1, sw2])) => Ok(Self::new(data.to_vec(), StatusWord::new(sw1, sw2))),
            None => Err(ApduError::TooShort {
                len: bytes.len(),
                min: 2,
            }),
        }
    }

    /// The data field.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The data field, taken.
    #[must_use]
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// `data || SW1 || SW2`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn every_case_short_and_extended_round_trips() {
        for (bytes, case, data_len, le, extended) in [
            ("00A4000C", ApduCase::Case1, 0, None, false),
            ("00B0000004", ApduCase::Case2, 0, Some(4), false),
            ("00B0000000", ApduCase::Case2, 0, Some(256), false),
            ("00A4020C02011E", ApduCase::Case3, 2, None, false),
            ("00A4020C02011E00", ApduCase::Case4, 2, Some(256), false),
            ("00B0000000FFFF", ApduCase::Case2, 0, Some(65_535), true),
            ("00B0000000000000", ApduCase::Case4, 0, None, true),
            ("00B00000000000", ApduCase::Case2, 0, Some(65_536), true),
            ("00A4020C000002011E", ApduCase::Case3, 2, None, true),
            (
                "00A4020C000002011E0100",
                ApduCase::Case4,
                2,
                Some(256),
                true,
            ),
        ] {
            let raw = h(bytes);
            match CommandApdu::parse(&raw) {
                Ok(cmd) => {
                    assert_eq!(cmd.case(), case, "{bytes}");
                    assert_eq!(cmd.data().len(), data_len, "{bytes}");
                    assert_eq!(cmd.le(), le, "{bytes}");
                    assert_eq!(cmd.is_extended(), extended, "{bytes}");
                    assert_eq!(cmd.to_bytes(), raw, "{bytes}");
                }
                Err(e) => {
                    // The one entry above that is not an APDU: 00 00 00 (extended Lc 0).
                    assert_eq!(bytes, "00B0000000000000", "{e}");
                    assert_eq!(e, ApduError::BadLength { body: 4 });
                }
            }
        }
    }

    #[test]
    fn malformed_lengths_are_refused() {
        for bytes in [
            "",
            "00",
            "00A402",
            "00A4020C03011E",
            "00A4020C02011E0000",
            // Found by the apdu_command fuzz target: a short Lc of 00 read as case 2S.
            "00B0000000 00",
            "00A4020C000003011E",
            "00A4020C000002011E01",
        ] {
            assert!(CommandApdu::parse(&h(bytes)).is_err(), "{bytes}");
        }
    }

    #[test]
    fn new_picks_extended_only_when_needed() {
        let short = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(256)).unwrap();
        assert!(!short.is_extended());
        assert_eq!(short.to_bytes(), h("00B0000000"));
        let ext = CommandApdu::new(0, 0xB0, 0, 0, vec![], Some(257)).unwrap();
        assert_eq!(ext.to_bytes(), h("00B00000000101"));
        let big = CommandApdu::new(0, 0xDA, 0, 0, vec![0xAB; 300], Some(65_536)).unwrap();
        let bytes = big.to_bytes();
        assert_eq!(bytes.get(..7).unwrap(), h("00DA000000012C").as_slice());
        assert_eq!(bytes.get(bytes.len() - 2..).unwrap(), [0, 0]);
        assert_eq!(CommandApdu::parse(&bytes).unwrap(), big);
        assert_eq!(
            CommandApdu::new(0, 0, 0, 0, vec![], Some(0)),
            Err(ApduError::LeOutOfRange { le: 0 })
        );
        assert_eq!(
            CommandApdu::new(0, 0, 0, 0, vec![], Some(65_537)),
            Err(ApduError::LeOutOfRange { le: 65_537 })
        );
        assert_eq!(
            CommandApdu::new(0, 0, 0, 0, vec![0; 65_536], None),
            Err(ApduError::DataTooLong { len: 65_536 })
        );
        let forced = CommandApdu::get_challenge().extended();
        assert_eq!(forced.to_bytes(), h("00840000000008"));
    }

    #[test]
    fn helpers_write_the_9303_commands() {
        assert_eq!(
            CommandApdu::select_ef(0x011E).to_bytes(),
            h("00A4020C02011E")
        );
        assert_eq!(CommandApdu::get_challenge().to_bytes(), h("0084000008"));
        assert_eq!(
            CommandApdu::read_binary(4, 0x12).unwrap().to_bytes(),
            h("00B0000412")
        );
        assert!(CommandApdu::read_binary(0x8000, 1).is_err());
        assert_eq!(
            CommandApdu::read_binary_sfi(0x1E, 0, 4).unwrap().to_bytes(),
            h("00B09E0004")
        );
        assert_eq!(
            CommandApdu::read_binary_odd(0x8000, 0x10)
                .unwrap()
                .to_bytes(),
            h("00B1000004540280 0010")
        );
        assert_eq!(
            CommandApdu::read_binary_odd(0, 1).unwrap().data(),
            h("540100").as_slice()
        );
        assert_eq!(
            CommandApdu::select_application(&h("A0000002471001")).to_bytes(),
            h("00A4040C07A0000002471001")
        );
    }

    #[test]
    fn responses_parse_and_encode() {
        let r = ResponseApdu::parse(&h("60145F019000")).unwrap();
        assert_eq!(r.data(), h("60145F01").as_slice());
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(r.to_bytes(), h("60145F019000"));
        assert_eq!(
            ResponseApdu::parse(&h("6A82")).unwrap().sw,
            StatusWord::FILE_NOT_FOUND
        );
        assert_eq!(
            ResponseApdu::parse(&h("90")),
            Err(ApduError::TooShort { len: 1, min: 2 })
        );
        assert_eq!(
            StatusWord::new(0x69, 0x88),
            StatusWord::SM_OBJECTS_INCORRECT
        );
        assert_eq!(
            StatusWord::SM_OBJECTS_MISSING.to_string(),
            "6987 (expected secure messaging data objects missing)"
        );
        assert!(StatusWord::END_OF_FILE.is_success_or_warning());
        assert!(!StatusWord::END_OF_FILE.is_success());
        assert!(!StatusWord::WRONG_LENGTH.is_success_or_warning());
    }

    #[test]
    fn debug_shows_no_data() {
        let cmd = CommandApdu::external_authenticate(&[0x5A; 40], 40).unwrap();
        let text = format!("{cmd:?}");
        assert!(!text.contains("5A5A") && !text.contains("90, 90"), "{text}");
        let resp = ResponseApdu::new(vec![0x5A; 4], StatusWord::SUCCESS);
        assert!(!format!("{resp:?}").contains("90, 90"));
    }
}
