//! EF.DG11, additional personal details (9303-10 §4.7.11).
//!
//! Every element is optional. Text is UTF-8 (Latin-1 accepted, see `text::decode`);
//! dates are returned as `YYYYMMDD` whether written in ASCII or BCD. Multi-part values
//! (address, place of birth) keep their `<` separators as written.

use serde::Serialize;

use super::{DataGroup, LdsError, LdsFile, children, outer, tag_list, text};
use crate::encoding::tlv::Tlv;

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg11);
const TAG_OTHER_NAMES: u32 = 0xA0;
const TAG_OTHER_NAME: u32 = 0x5F0F;

/// The content of EF.DG11.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dg11 {
    /// `5C`: the tags the file says it contains.
    pub tag_list: Vec<u32>,
    /// `5F0E`: full name in national characters (primary `<<` secondary).
    pub full_name: Option<String>,
    /// `5F0F` inside `A0`: other names.
    pub other_names: Vec<String>,
    /// `5F10`: personal number.
    pub personal_number: Option<String>,
    /// `5F2B`: full date of birth, `YYYYMMDD`.
    pub full_date_of_birth: Option<String>,
    /// `5F11`: place of birth.
    pub place_of_birth: Option<String>,
    /// `5F42`: permanent address.
    pub address: Option<String>,
    /// `5F12`: telephone.
    pub telephone: Option<String>,
    /// `5F13`: profession.
    pub profession: Option<String>,
    /// `5F14`: title.
    pub title: Option<String>,
    /// `5F15`: personal summary.
    pub personal_summary: Option<String>,
    /// `5F16`: proof of citizenship (an image, ISO/IEC 10918).
    #[serde(skip)]
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// `5F17`: other valid travel document numbers.
    pub other_travel_document_numbers: Option<String>,
    /// `5F18`: custody information.
    pub custody_information: Option<String>,
    /// Elements with other tags, kept as (tag, value).
    #[serde(skip)]
    pub unknown: Vec<(u32, Vec<u8>)>,
}

impl Dg11 {
    /// Parses the complete EF.DG11 file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure or a malformed tag list.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let file = outer(FILE, bytes)?;
        let mut dg = Dg11::default();
        for item in children(FILE, &file)? {
            let s = || Some(text::decode(item.value));
            match item.tag {
                0x5C => dg.tag_list = tag_list(FILE, item.value, item.value_offset())?,
                0x5F0E => dg.full_name = s(),
                // Other names belong in `A0 { 02 count, 5F0F ... }`; some chips write the
                // `5F0F` elements bare. Both are read.
                TAG_OTHER_NAMES => dg.other_names.extend(other_names(&item)?),
                TAG_OTHER_NAME => dg.other_names.push(text::decode(item.value)),
                0x5F10 => dg.personal_number = s(),
                0x5F2B => dg.full_date_of_birth = Some(text::decode_date(item.value)),
                0x5F11 => dg.place_of_birth = s(),
                0x5F42 => dg.address = s(),
                0x5F12 => dg.telephone = s(),
                0x5F13 => dg.profession = s(),
                0x5F14 => dg.title = s(),
                0x5F15 => dg.personal_summary = s(),
                0x5F16 => dg.proof_of_citizenship = Some(item.value.to_vec()),
                0x5F17 => dg.other_travel_document_numbers = s(),
                0x5F18 => dg.custody_information = s(),
                other => dg.unknown.push((other, item.value.to_vec())),
            }
        }
        Ok(dg)
    }
}

/// The `5F0F` names of an `A0 { 02 count, 5F0F ... }` template (the count is not
/// trusted: the names present are returned).
pub(crate) fn other_names(template: &Tlv<'_>) -> Result<Vec<String>, LdsError> {
    collect_text(FILE, template, TAG_OTHER_NAME)
}

/// Texts of the children of `template` with `tag`.
pub(crate) fn collect_text(
    file: LdsFile,
    template: &Tlv<'_>,
    tag: u32,
) -> Result<Vec<String>, LdsError> {
    Ok(children(file, template)?
        .into_iter()
        .filter(|t| t.tag == tag)
        .map(|t| text::decode(t.value))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;

    /// A DG11 the way 9303-10 Appendix D lays one out, with a BCD date of birth.
    fn sample() -> Vec<u8> {
        let other = encode(
            &[0xA0],
            &[
                encode(&[0x02], &[2]),
                encode(&[0x5F, 0x0F], b"ERIKSSON<<ANNA"),
                encode(&[0x5F, 0x0F], "SVENSSON<<ÅSA".as_bytes()),
            ]
            .concat(),
        );
        let value = [
            encode(
                &[0x5C],
                &[
                    0x5F, 0x0E, 0xA0, 0x5F, 0x10, 0x5F, 0x2B, 0x5F, 0x11, 0x5F, 0x42, 0x5F, 0x16,
                ],
            ),
            encode(&[0x5F, 0x0E], "ERIKSSON<<ANNA<MARIA".as_bytes()),
            other,
            encode(&[0x5F, 0x10], b"123456789"),
            encode(&[0x5F, 0x2B], &[0x19, 0x74, 0x08, 0x12]),
            encode(&[0x5F, 0x11], b"ZENITH"),
            encode(&[0x5F, 0x42], b"123 MAPLE RD<ANYTOWN<PA"),
            encode(&[0x5F, 0x12], b"+1 555 0100"),
            encode(&[0x5F, 0x13], b"TRAVEL AGENT"),
            encode(&[0x5F, 0x14], b"DR"),
            encode(&[0x5F, 0x15], b"SUMMARY"),
            encode(&[0x5F, 0x16], &[0xFF, 0xD8, 0xFF, 0xD9]),
            encode(&[0x5F, 0x17], b"AB1234567"),
            encode(&[0x5F, 0x18], b"NONE"),
            encode(&[0x5F, 0x7F], b"?"),
        ]
        .concat();
        encode(&[0x6B], &value)
    }

    #[test]
    fn every_element_is_read() {
        let dg = Dg11::parse(&sample()).unwrap();
        assert_eq!(
            dg.tag_list,
            [0x5F0E, 0xA0, 0x5F10, 0x5F2B, 0x5F11, 0x5F42, 0x5F16]
        );
        assert_eq!(dg.full_name.as_deref(), Some("ERIKSSON<<ANNA<MARIA"));
        assert_eq!(dg.other_names, ["ERIKSSON<<ANNA", "SVENSSON<<ÅSA"]);
        assert_eq!(dg.personal_number.as_deref(), Some("123456789"));
        assert_eq!(dg.full_date_of_birth.as_deref(), Some("19740812"));
        assert_eq!(dg.place_of_birth.as_deref(), Some("ZENITH"));
        assert_eq!(dg.address.as_deref(), Some("123 MAPLE RD<ANYTOWN<PA"));
        assert_eq!(dg.telephone.as_deref(), Some("+1 555 0100"));
        assert_eq!(dg.profession.as_deref(), Some("TRAVEL AGENT"));
        assert_eq!(dg.title.as_deref(), Some("DR"));
        assert_eq!(dg.personal_summary.as_deref(), Some("SUMMARY"));
        assert_eq!(
            dg.proof_of_citizenship.as_deref(),
            Some(&[0xFF, 0xD8, 0xFF, 0xD9][..])
        );
        assert_eq!(
            dg.other_travel_document_numbers.as_deref(),
            Some("AB1234567")
        );
        assert_eq!(dg.custody_information.as_deref(), Some("NONE"));
        assert_eq!(dg.unknown, [(0x5F7F, b"?".to_vec())]);
        let json = serde_json::to_value(&dg).unwrap();
        assert_eq!(json["full_date_of_birth"], "19740812");
    }

    #[test]
    fn bare_other_names_and_ascii_dates() {
        let value = [
            encode(&[0x5F, 0x0F], b"A<<B"),
            encode(&[0x5F, 0x2B], b"19740812"),
        ]
        .concat();
        let dg = Dg11::parse(&encode(&[0x6B], &value)).unwrap();
        assert_eq!(dg.other_names, ["A<<B"]);
        assert_eq!(dg.full_date_of_birth.as_deref(), Some("19740812"));
        assert_eq!(dg.full_name, None);
        // An empty DG11 is valid: every element is optional.
        assert_eq!(Dg11::parse(&[0x6B, 0x00]).unwrap(), Dg11::default());
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = sample();
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Dg11::parse(&bytes).is_err(), "{bytes:02X?}");
        }
        assert!(matches!(
            Dg11::parse(&[]),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { .. },
                ..
            })
        ));
        assert!(matches!(
            Dg11::parse(&[0x6C, 0x00]),
            Err(LdsError::WrongTag {
                expected: 0x6B,
                found: 0x6C,
                ..
            })
        ));
        // A broken template inside A0.
        let bad_other = encode(&[0x6B], &encode(&[0xA0], &[0x5F, 0x0F, 0x05, b'A']));
        assert!(matches!(
            Dg11::parse(&bad_other),
            Err(LdsError::Tlv {
                source: TlvError::LengthBeyondInput { offset: 7, .. },
                ..
            })
        ));
        let bad_list = encode(&[0x6B], &encode(&[0x5C], &[0x5F]));
        assert!(Dg11::parse(&bad_list).is_err());
    }
}
