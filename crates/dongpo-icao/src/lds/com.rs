//! EF.COM: `60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }` (9303-10 §4.6.1).
//!
//! EF.COM is not covered by the SOD, so nothing security relevant may rest on it: the
//! list of data groups to verify comes from the SOD. It is parsed for reports and for
//! cross-checking.

use serde::Serialize;

use super::{DataGroup, LdsError, LdsFile, children, outer, text};

const FILE: LdsFile = LdsFile::Com;
const TAG_LDS_VERSION: u32 = 0x5F01;
const TAG_UNICODE_VERSION: u32 = 0x5F36;
const TAG_LIST: u32 = 0x5C;

/// The content of EF.COM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EfCom {
    /// LDS version as written, `aabb` for version aa.bb (e.g. `0107`).
    pub lds_version: String,
    /// Unicode version as written, `aabbcc` (e.g. `040000`).
    pub unicode_version: String,
    /// The data groups the tag list names, in list order.
    pub data_groups: Vec<DataGroup>,
    /// Tags in the list that name no data group (kept, not refused).
    pub unknown_tags: Vec<u8>,
}

impl EfCom {
    /// Parses the complete EF.COM file.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure or a missing version or tag list.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let template = outer(FILE, bytes)?;
        let items = children(FILE, &template)?;
        let find = |tag: u32, what: &'static str| {
            items
                .iter()
                .find(|t| t.tag == tag)
                .ok_or(LdsError::Missing { file: FILE, what })
        };
        let lds_version = text::decode(find(TAG_LDS_VERSION, "LDS version 5F01")?.value);
        let unicode_version =
            text::decode(find(TAG_UNICODE_VERSION, "Unicode version 5F36")?.value);
        let list = find(TAG_LIST, "tag list 5C")?;
        let mut data_groups = Vec::new();
        let mut unknown_tags = Vec::new();
        for &tag in list.value {
            match DataGroup::from_tag(tag) {
                Some(dg) => data_groups.push(dg),
                None => unknown_tags.push(tag),
            }
        }
        Ok(EfCom {
            lds_version,
            unicode_version,
            data_groups,
            unknown_tags,
        })
    }

    /// The LDS version as (major, minor), e.g. (1, 7) for `0107`.
    #[must_use]
    pub fn lds_version_number(&self) -> Option<(u8, u8)> {
        let v = self.lds_version.as_str();
        if v.len() != 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((v.get(..2)?.parse().ok()?, v.get(2..)?.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::testdata;
    use DataGroup::*;

    #[test]
    fn bsi_reference_passport() {
        let com = EfCom::parse(&testdata::read("real/bsi-tr03105-5/EF_COM.bin")).unwrap();
        assert_eq!(com.lds_version, "0107");
        assert_eq!(com.lds_version_number(), Some((1, 7)));
        assert_eq!(com.unicode_version, "040000");
        assert_eq!(com.data_groups, [Dg1, Dg2, Dg3, Dg4, Dg14]);
        assert!(com.unknown_tags.is_empty());
    }

    #[test]
    fn bsi_2008_passport_omits_dg15_it_ships() {
        let com = EfCom::parse(&testdata::read("real/jmrtd-bsi2008/EF_COM.bin")).unwrap();
        assert_eq!(com.data_groups, [Dg1, Dg2, Dg3, Dg14]);
    }

    #[test]
    fn synthetic_documents() {
        for dir in testdata::synthetic_dirs() {
            let com = EfCom::parse(&testdata::read(&format!("{dir}/EF_COM.bin"))).unwrap();
            // The generator varies the LDS version between documents.
            assert!(
                matches!(com.lds_version_number(), Some((1, 7 | 8))),
                "{dir}"
            );
            assert_eq!(com.unicode_version, "040000", "{dir}");
            for dg in [Dg1, Dg2, Dg14, Dg15] {
                assert!(com.data_groups.contains(&dg), "{dir}: {dg}");
            }
        }
    }

    #[test]
    fn every_tag_maps_and_unknown_tags_are_kept() {
        let tags: Vec<u8> = DataGroup::ALL
            .iter()
            .map(|d| d.tag())
            .chain([0x77])
            .collect();
        let value = [
            encode(&[0x5F, 0x01], b"0108"),
            encode(&[0x5F, 0x36], b"040000"),
            encode(&[0x5C], &tags),
        ]
        .concat();
        let com = EfCom::parse(&encode(&[0x60], &value)).unwrap();
        assert_eq!(com.data_groups, DataGroup::ALL);
        assert_eq!(com.unknown_tags, [0x77]);
        assert_eq!(com.lds_version_number(), Some((1, 8)));
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = testdata::read("real/bsi-tr03105-5/EF_COM.bin");
        for bytes in testdata::hostile_inputs(&good) {
            assert!(EfCom::parse(&bytes).is_err(), "{bytes:02X?}");
        }
        assert!(matches!(
            EfCom::parse(&[]),
            Err(LdsError::Tlv {
                file: LdsFile::Com,
                source: TlvError::UnexpectedEnd { .. }
            })
        ));
        let mut wrong = good.clone();
        wrong[0] = 0x61;
        assert!(matches!(
            EfCom::parse(&wrong),
            Err(LdsError::WrongTag { found: 0x61, .. })
        ));
        let no_list = encode(&[0x60], &encode(&[0x5F, 0x01], b"0107"));
        assert!(matches!(
            EfCom::parse(&no_list),
            Err(LdsError::Missing { what, .. }) if what.contains("5F36")
        ));
    }
}
