//! EF.DG1: `61 { 5F1F <MRZ> }` (9303-10 §4.7.1).

use super::mrz::Mrz;
use super::{DataGroup, LdsError, LdsFile, outer};

const FILE: LdsFile = LdsFile::Dg(DataGroup::Dg1);
/// The MRZ data element inside the DG1 template.
const TAG_MRZ: u32 = 0x5F1F;

impl Mrz {
    /// Parses the complete EF.DG1 file into its MRZ.
    ///
    /// # Errors
    /// [`LdsError`] for a broken TLV structure, a missing `5F1F`, text that is not ASCII,
    /// or text that is not an MRZ. Wrong check digits are not errors (see
    /// [`Mrz::check_digits`]).
    pub fn from_dg1(bytes: &[u8]) -> Result<Self, LdsError> {
        let template = outer(FILE, bytes)?;
        // Every child is read (a broken one after the MRZ is still an error, as with
        // `children`), the first 5F1F kept, without collecting them: DG1 is parsed for
        // every document of a batch.
        let mut mrz = None;
        for child in template.children() {
            let child = child.map_err(|source| LdsError::Tlv { file: FILE, source })?;
            if mrz.is_none() && child.tag == TAG_MRZ {
                mrz = Some(child);
            }
        }
        let mrz = mrz.ok_or(LdsError::Missing {
            file: FILE,
            what: "MRZ data element 5F1F",
        })?;
        let text = std::str::from_utf8(mrz.value).map_err(|e| LdsError::Malformed {
            file: FILE,
            what: "MRZ data element 5F1F",
            reason: format!("not ASCII text: {e}"),
        })?;
        Mrz::parse(text).map_err(|source| LdsError::Mrz { file: FILE, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::tlv::{TlvError, encode};
    use crate::lds::mrz::{CheckDigitField, MrzError, MrzFormat};
    use crate::lds::testdata;

    #[test]
    fn bsi_reference_passport() {
        let mrz = Mrz::from_dg1(&testdata::read("real/bsi-tr03105-5/Datagroup1.bin")).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td3);
        assert_eq!(mrz.document_code, "P");
        assert_eq!(mrz.issuing_state, "D");
        assert_eq!(mrz.primary_identifier, "MUSTERMANN");
        assert_eq!(mrz.secondary_identifier, "ERIKA");
        assert_eq!(mrz.document_number, "C11T002JM");
        assert_eq!(mrz.nationality, "D");
        assert_eq!(mrz.date_of_birth, "960812");
        assert_eq!(mrz.sex, 'F');
        assert_eq!(mrz.date_of_expiry, "231031");
        assert_eq!(mrz.optional_data, "");
        let digits: Vec<(CheckDigitField, char, bool)> = mrz
            .check_digits
            .iter()
            .map(|c| (c.field, c.found, c.valid))
            .collect();
        assert_eq!(
            digits,
            [
                (CheckDigitField::DocumentNumber, '4', true),
                (CheckDigitField::DateOfBirth, '2', true),
                (CheckDigitField::DateOfExpiry, '4', true),
                // The personal number is all fillers and so is its check digit.
                (CheckDigitField::OptionalData, '<', true),
                (CheckDigitField::Composite, '4', true),
            ]
        );
    }

    #[test]
    fn bsi_2008_passport() {
        let mrz = Mrz::from_dg1(&testdata::read("real/jmrtd-bsi2008/Datagroup1.bin")).unwrap();
        assert_eq!(mrz.document_number, "C11T002JM");
        assert_eq!(mrz.date_of_birth, "960812");
        assert_eq!(mrz.date_of_expiry, "131031");
        assert_eq!(mrz.primary_identifier, "MUSTERMANN");
        assert!(mrz.check_digits_valid());
    }

    #[test]
    fn synthetic_documents_match_their_identity() {
        for dir in testdata::synthetic_dirs() {
            let mrz = Mrz::from_dg1(&testdata::read(&format!("{dir}/DG1.bin"))).unwrap();
            let id: serde_json::Value =
                serde_json::from_slice(&testdata::read(&format!("{dir}/identity.json"))).unwrap();
            let yymmdd = |key: &str| id[key].as_str().unwrap().replace('-', "")[2..].to_owned();
            assert_eq!(mrz.document_number, id["document_number"], "{dir}");
            assert_eq!(mrz.primary_identifier, id["surname"], "{dir}");
            assert_eq!(mrz.secondary_identifier, id["given_names"], "{dir}");
            assert_eq!(mrz.nationality, id["nationality"], "{dir}");
            assert_eq!(mrz.date_of_birth, yymmdd("date_of_birth"), "{dir}");
            assert_eq!(mrz.date_of_expiry, yymmdd("date_of_expiry"), "{dir}");
            assert_eq!(mrz.sex.to_string(), id["sex"].as_str().unwrap(), "{dir}");
            assert!(mrz.check_digits_valid(), "{dir}");
        }
    }

    #[test]
    fn hostile_input_gives_typed_errors() {
        let good = testdata::read("real/bsi-tr03105-5/Datagroup1.bin");
        for bytes in testdata::hostile_inputs(&good) {
            assert!(Mrz::from_dg1(&bytes).is_err(), "{bytes:02X?}");
        }
        assert!(matches!(
            Mrz::from_dg1(&[]),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { offset: 0, .. },
                ..
            })
        ));
        // DG2's tag where DG1's belongs.
        let mut wrong = good.clone();
        wrong[0] = 0x75;
        assert_eq!(
            Mrz::from_dg1(&wrong),
            Err(LdsError::WrongTag {
                file: FILE,
                expected: 0x61,
                found: 0x75
            })
        );
        assert_eq!(
            Mrz::from_dg1(&encode(&[0x61], &encode(&[0x5F, 0x20], b"X"))),
            Err(LdsError::Missing {
                file: FILE,
                what: "MRZ data element 5F1F"
            })
        );
        let short = encode(&[0x61], &encode(&[0x5F, 0x1F], b"P<UTO"));
        assert_eq!(
            Mrz::from_dg1(&short),
            Err(LdsError::Mrz {
                file: FILE,
                source: MrzError::Length { len: 5 }
            })
        );
        let binary = encode(&[0x61], &encode(&[0x5F, 0x1F], &[0xFF; 88]));
        assert!(matches!(
            Mrz::from_dg1(&binary),
            Err(LdsError::Malformed { .. })
        ));
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            Mrz::from_dg1(&trailing),
            Err(LdsError::Tlv {
                source: TlvError::TrailingData {
                    offset: 93,
                    count: 1
                },
                ..
            })
        ));
    }
}
