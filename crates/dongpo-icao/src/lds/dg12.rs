//! EF.DG12, additional document details (9303-10 §4.7.12).
//!
//! Every element is optional. Dates come back as `YYYYMMDD` and the personalization
//! time as `YYYYMMDDhhmmss`, whether written in ASCII or BCD (BA writes a 7-byte BCD
//! time, JMRTD `readFullDate`).

use serde::Serialize;

use super::dg11::collect_text;
use super::{DataGroup, LdsError, LdsFile, children, outer, tag_list, text};

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg12);
const TAG_OTHER_PERSONS: u32 = 0xA0;
const TAG_OTHER_PERSON: u32 = 0x5F1A;

/// The content of EF.DG12.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dg12 {
    /// `5C`: the tags the file says it contains.
    pub tag_list: Vec<u32>,
    /// `5F19`: issuing authority.
    pub issuing_authority: Option<String>,
    /// `5F26`: date of issue, `YYYYMMDD`.
    pub date_of_issue: Option<String>,
    /// `5F1A` inside `A0`: names of other persons included in the document.
    pub other_persons: Vec<String>,
    /// `5F1B`: endorsements and observations.
    pub endorsements: Option<String>,
    /// `5F1C`: tax or exit requirements.
    pub tax_exit_requirements: Option<String>,
    /// `5F1D`: image of the front of the document.
    #[serde(skip)]
    pub image_of_front: Option<Vec<u8>>,
    /// `5F1E`: image of the rear of the document.
    #[serde(skip)]
    pub image_of_rear: Option<Vec<u8>>,
    /// `5F55`: date and time of personalization, `YYYYMMDDhhmmss`.
    pub personalization_time: Option<String>,
    /// `5F56`: serial number of the personalization system.
    pub personalization_system_serial: Option<String>,
    /// Elements with other tags, kept as (tag, value).
    #[serde(skip)]
    pub unknown: Vec<(u32, Vec<u8>)>,
}

impl Dg12 {
    /// Parses the complete EF.DG12 file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure or a malformed tag list.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let file = outer(FILE, bytes)?;
        let mut dg = Dg12::default();
        for item in children(FILE, &file)? {
            let s = || Some(text::decode(item.value));
            match item.tag {
                0x5C => dg.tag_list = tag_list(FILE, item.value, item.value_offset())?,
                0x5F19 => dg.issuing_authority = s(),
                0x5F26 => dg.date_of_issue = Some(text::decode_date(item.value)),
                TAG_OTHER_PERSONS => {
                    dg.other_persons
                        .extend(collect_text(FILE, &item, TAG_OTHER_PERSON)?)
                }
                TAG_OTHER_PERSON => dg.other_persons.push(text::decode(item.value)),
                0x5F1B => dg.endorsements = s(),
                0x5F1C => dg.tax_exit_requirements = s(),
                0x5F1D => dg.image_of_front = Some(item.value.to_vec()),
                0x5F1E => dg.image_of_rear = Some(item.value.to_vec()),
                0x5F55 => dg.personalization_time = Some(text::decode_date(item.value)),
                0x5F56 => dg.personalization_system_serial = s(),
                other => dg.unknown.push((other, item.value.to_vec())),
            }
        }
        Ok(dg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;

    fn sample() -> Vec<u8> {
        let others = encode(
            &[0xA0],
            &[
                encode(&[0x02], &[1]),
                encode(&[0x5F, 0x1A], b"ERIKSSON<<LARS"),
            ]
            .concat(),
        );
        let value = [
            encode(&[0x5C], &[0x5F, 0x19, 0x5F, 0x26, 0xA0, 0x5F, 0x55]),
            encode(&[0x5F, 0x19], "STADT KÖLN".as_bytes()),
            encode(&[0x5F, 0x26], b"20120415"),
            others,
            encode(&[0x5F, 0x1B], b"NONE"),
            encode(&[0x5F, 0x1C], b"EXIT OK"),
            encode(&[0x5F, 0x1D], &[0xFF, 0xD8]),
            encode(&[0x5F, 0x1E], &[0xFF, 0xD9]),
            encode(&[0x5F, 0x55], &[0x20, 0x12, 0x04, 0x15, 0x10, 0x30, 0x00]),
            encode(&[0x5F, 0x56], b"SN-0001"),
        ]
        .concat();
        encode(&[0x6C], &value)
    }

    #[test]
    fn every_element_is_read() {
        let dg = Dg12::parse(&sample()).unwrap();
        assert_eq!(dg.tag_list, [0x5F19, 0x5F26, 0xA0, 0x5F55]);
        assert_eq!(dg.issuing_authority.as_deref(), Some("STADT KÖLN"));
        assert_eq!(dg.date_of_issue.as_deref(), Some("20120415"));
        assert_eq!(dg.other_persons, ["ERIKSSON<<LARS"]);
        assert_eq!(dg.endorsements.as_deref(), Some("NONE"));
        assert_eq!(dg.tax_exit_requirements.as_deref(), Some("EXIT OK"));
        assert_eq!(dg.image_of_front.as_deref(), Some(&[0xFF, 0xD8][..]));
        assert_eq!(dg.image_of_rear.as_deref(), Some(&[0xFF, 0xD9][..]));
        assert_eq!(dg.personalization_time.as_deref(), Some("20120415103000"));
        assert_eq!(dg.personalization_system_serial.as_deref(), Some("SN-0001"));
        assert!(dg.unknown.is_empty());
    }

    #[test]
    fn bcd_date_of_issue() {
        let dg = Dg12::parse(&encode(
            &[0x6C],
            &encode(&[0x5F, 0x26], &[0x20, 0x12, 0x04, 0x15]),
        ))
        .unwrap();
        assert_eq!(dg.date_of_issue.as_deref(), Some("20120415"));
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = sample();
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Dg12::parse(&bytes).is_err(), "{bytes:02X?}");
        }
        assert!(matches!(
            Dg12::parse(&[]),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { .. },
                ..
            })
        ));
        assert!(matches!(
            Dg12::parse(&[0x6B, 0x00]),
            Err(LdsError::WrongTag {
                expected: 0x6C,
                found: 0x6B,
                ..
            })
        ));
        let indefinite = [0x6C, 0x80, 0x5F, 0x19, 0x01, b'X', 0x00, 0x00];
        assert!(matches!(
            Dg12::parse(&indefinite),
            Err(LdsError::Tlv {
                source: TlvError::IndefiniteLength { offset: 1 },
                ..
            })
        ));
    }
}
