//! The LDS1 files of an eMRTD (ICAO 9303-10): EF.COM and the data groups a verifier reads.
//!
//! Each parser takes the complete file exactly as read from the chip (outer tag, length,
//! value), the same bytes the SOD hashes, and returns either a typed structure or an
//! [`LdsError`] naming the file and what was wrong. None of them panics on any input.
//! Binary payloads (images, key bytes) are borrowed from the input where that is free.
//!
//! EF.SOD is an LDS file too ([`sod`], re-exported at the crate root as `Sod`), with its
//! LDSSecurityObject ([`security_object`]); the MRZ (DG1's text, and its check digits)
//! has one module here, and the MRZ's three-letter State codes are mapped in [`country`].

use std::fmt;

use serde::Serialize;

use crate::encoding::tlv::{self, Tlv, TlvError, TlvReader};

mod card_access;
mod com;
pub mod country;
mod dg1;
mod dg11;
mod dg12;
mod dg14;
mod dg15;
mod dg2;
mod mrz;
pub(crate) mod security_object;
pub(crate) mod sod;
mod text;

pub use card_access::{CardAccess, EF_CARD_ACCESS_FID};
pub use com::EfCom;
pub use dg2::{
    BiometricData, BiometricHeader, BiometricInstance, Dg2, FORMAT_OWNER_ISO_SC37,
    FORMAT_TYPE_FACE_19794_5, FaceImage, FaceRecord, ImageType,
};
pub use dg11::Dg11;
pub use dg12::Dg12;
pub use dg14::{
    ActiveAuthenticationInfo, ChipAuthenticationDomainParameterInfo, ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo, Dg14, FileId, ID_CA, ID_CA_DH, ID_CA_ECDH, ID_PACE, ID_PK,
    ID_PK_DH, ID_PK_ECDH, ID_TA, PaceDomainParameterInfo, PaceInfo, SecurityInfo,
    TerminalAuthenticationInfo,
};
pub use dg15::Dg15;
pub use mrz::{CheckDigit, CheckDigitField, Mrz, MrzError, MrzFormat, check_char, check_digit};

/// A data group of LDS1, EF.DG1 to EF.DG16.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "u8")]
pub enum DataGroup {
    /// MRZ.
    Dg1 = 1,
    /// Encoded face.
    Dg2 = 2,
    /// Encoded fingerprints.
    Dg3 = 3,
    /// Encoded irises.
    Dg4 = 4,
    /// Displayed portrait.
    Dg5 = 5,
    /// Reserved for future use.
    Dg6 = 6,
    /// Displayed signature or usual mark.
    Dg7 = 7,
    /// Data features.
    Dg8 = 8,
    /// Structure features.
    Dg9 = 9,
    /// Substance features.
    Dg10 = 10,
    /// Additional personal details.
    Dg11 = 11,
    /// Additional document details.
    Dg12 = 12,
    /// Optional details (national use).
    Dg13 = 13,
    /// Security options (SecurityInfos).
    Dg14 = 14,
    /// Active Authentication public key.
    Dg15 = 15,
    /// Persons to notify.
    Dg16 = 16,
}

impl DataGroup {
    /// All sixteen, in number order.
    pub const ALL: [DataGroup; 16] = [
        DataGroup::Dg1,
        DataGroup::Dg2,
        DataGroup::Dg3,
        DataGroup::Dg4,
        DataGroup::Dg5,
        DataGroup::Dg6,
        DataGroup::Dg7,
        DataGroup::Dg8,
        DataGroup::Dg9,
        DataGroup::Dg10,
        DataGroup::Dg11,
        DataGroup::Dg12,
        DataGroup::Dg13,
        DataGroup::Dg14,
        DataGroup::Dg15,
        DataGroup::Dg16,
    ];

    /// The data group number, 1 to 16 (as in the SOD's `DataGroupHash`).
    #[must_use]
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// The data group with this number.
    #[must_use]
    pub fn from_number(number: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|dg| dg.number() == number)
    }

    /// The file's outermost tag (9303-10 Table 34), also used in EF.COM's tag list.
    #[must_use]
    pub const fn tag(self) -> u8 {
        match self {
            DataGroup::Dg1 => 0x61,
            DataGroup::Dg2 => 0x75,
            DataGroup::Dg3 => 0x63,
            DataGroup::Dg4 => 0x76,
            DataGroup::Dg16 => 0x70,
            // DG5 to DG15 run 0x65..=0x6F.
            other => 0x60 + other as u8,
        }
    }

    /// The data group whose file starts with `tag`.
    #[must_use]
    pub fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|dg| dg.tag() == tag)
    }

    /// The elementary file identifier, `0101` to `0110`.
    #[must_use]
    pub const fn file_id(self) -> u16 {
        0x0100 + self as u16
    }
}

impl From<DataGroup> for u8 {
    fn from(dg: DataGroup) -> u8 {
        dg.number()
    }
}

impl fmt::Display for DataGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DG{}", self.number())
    }
}

/// An LDS file, as named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LdsFile {
    /// EF.COM (tag `60`).
    Com,
    /// EF.DGn.
    Dg(DataGroup),
    /// EF.CardAccess (a bare `SET OF SecurityInfo`, tag `31`).
    CardAccess,
}

impl LdsFile {
    /// The file's outermost tag.
    #[must_use]
    pub const fn tag(self) -> u8 {
        match self {
            LdsFile::Com => 0x60,
            LdsFile::Dg(dg) => dg.tag(),
            LdsFile::CardAccess => 0x31,
        }
    }
}

impl fmt::Display for LdsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LdsFile::Com => f.write_str("EF.COM"),
            LdsFile::Dg(dg) => write!(f, "EF.{dg}"),
            LdsFile::CardAccess => f.write_str("EF.CardAccess"),
        }
    }
}

/// Why an LDS file could not be parsed. Every variant names the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdsError {
    /// The BER-TLV structure is broken (truncated, indefinite length, ...).
    #[error("{file}: {source}")]
    Tlv {
        /// The file being parsed.
        file: LdsFile,
        /// The TLV error, with its offset.
        #[source]
        source: TlvError,
    },
    /// The file does not start with its own tag (a different file was passed).
    #[error("{file}: outer tag is {found:#X}, expected {expected:#X}")]
    WrongTag {
        /// The file being parsed.
        file: LdsFile,
        /// The file's tag.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// A mandatory data object is absent.
    #[error("{file}: {what} is missing")]
    Missing {
        /// The file being parsed.
        file: LdsFile,
        /// The missing data object.
        what: &'static str,
    },
    /// A data object is present but its content is wrong.
    #[error("{file}: {what}: {reason}")]
    Malformed {
        /// The file being parsed.
        file: LdsFile,
        /// The offending data object.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The MRZ text is not a TD1, TD2 or TD3 MRZ.
    #[error("{file}: MRZ: {source}")]
    Mrz {
        /// The file being parsed.
        file: LdsFile,
        /// What is wrong with the MRZ.
        #[source]
        source: MrzError,
    },
    /// An ASN.1 (DER) structure inside the file failed to decode.
    #[error("{file}: {what}: {source}")]
    Der {
        /// The file being parsed.
        file: LdsFile,
        /// The ASN.1 type being decoded.
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: der::Error,
    },
    /// A public key in the file is unusable.
    #[error("{file}: public key: {source}")]
    Key {
        /// The file being parsed.
        file: LdsFile,
        /// Why the key was rejected.
        #[source]
        source: dongpo_crypto::KeyError,
    },
}

impl LdsError {
    /// The file the error is about.
    #[must_use]
    pub fn file(&self) -> LdsFile {
        match self {
            LdsError::Tlv { file, .. }
            | LdsError::WrongTag { file, .. }
            | LdsError::Missing { file, .. }
            | LdsError::Malformed { file, .. }
            | LdsError::Mrz { file, .. }
            | LdsError::Der { file, .. }
            | LdsError::Key { file, .. } => *file,
        }
    }
}

/// Reads the single outer data object of `file`, which must fill `bytes` exactly and
/// carry the file's tag.
pub(crate) fn outer(file: LdsFile, bytes: &[u8]) -> Result<Tlv<'_>, LdsError> {
    let tlv = tlv::parse_single(bytes).map_err(|source| LdsError::Tlv { file, source })?;
    let expected = u32::from(file.tag());
    if tlv.tag != expected {
        return Err(LdsError::WrongTag {
            file,
            expected,
            found: tlv.tag,
        });
    }
    Ok(tlv)
}

/// Collects the children of a constructed object, mapping a TLV error to `file`.
pub(crate) fn children<'a>(file: LdsFile, tlv: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, LdsError> {
    tlv.children()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| LdsError::Tlv { file, source })
}

/// Parses a tag list (`5C`): concatenated BER tags without lengths.
pub(crate) fn tag_list(file: LdsFile, value: &[u8], offset: usize) -> Result<Vec<u32>, LdsError> {
    let mut reader = TlvReader::with_offset(value, offset);
    let mut tags = Vec::new();
    while !reader.is_empty() {
        let (tag, _) = reader
            .read_tag()
            .map_err(|source| LdsError::Tlv { file, source })?;
        tags.push(tag);
    }
    Ok(tags)
}

#[cfg(test)]
pub(crate) mod testdata {
    //! Test files from the repository's `test-vectors/`.

    use std::path::PathBuf;

    /// `test-vectors/<rel>` of the dongpo repository.
    pub fn path(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../test-vectors")
            .join(rel)
    }

    /// The bytes of `test-vectors/<rel>`.
    pub fn read(rel: &str) -> Vec<u8> {
        let p = path(rel);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// The synthetic genuine documents, one per signature algorithm.
    pub fn synthetic_dirs() -> Vec<String> {
        let mut dirs: Vec<String> = std::fs::read_dir(path("synthetic"))
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().into_string().ok()?;
                e.path()
                    .join("genuine/DG1.bin")
                    .exists()
                    .then(|| format!("synthetic/{name}/genuine"))
            })
            .collect();
        dirs.sort();
        assert!(!dirs.is_empty());
        dirs
    }

    /// Every prefix of `bytes` shorter than itself, plus some garbage: inputs every
    /// parser must reject without panicking.
    pub fn hostile_inputs(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(bytes.len() / 200 + 1)
            .map(|n| bytes[..n].to_vec())
            .collect();
        out.push(bytes[..bytes.len() - 1].to_vec());
        out.push(vec![0xFF; 64]);
        out.push(b"garbage that is not BER-TLV at all".to_vec());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_group_numbers_and_tags() {
        let tags: Vec<u8> = DataGroup::ALL.iter().map(|dg| dg.tag()).collect();
        assert_eq!(
            tags,
            [
                0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E,
                0x6F, 0x70
            ]
        );
        for dg in DataGroup::ALL {
            assert_eq!(DataGroup::from_tag(dg.tag()), Some(dg));
            assert_eq!(DataGroup::from_number(dg.number()), Some(dg));
        }
        assert_eq!(DataGroup::from_number(0), None);
        assert_eq!(DataGroup::from_number(17), None);
        assert_eq!(DataGroup::from_tag(0x77), None);
        assert_eq!(DataGroup::from_tag(0x64), None);
        assert_eq!(DataGroup::Dg14.file_id(), 0x010E);
        assert_eq!(DataGroup::Dg16.file_id(), 0x0110);
        assert_eq!(LdsFile::Dg(DataGroup::Dg11).to_string(), "EF.DG11");
        assert_eq!(LdsFile::Com.to_string(), "EF.COM");
        assert_eq!(serde_json::to_string(&DataGroup::Dg15).unwrap(), "15");
    }

    #[test]
    fn tag_lists_split_multi_byte_tags() {
        let file = LdsFile::Dg(DataGroup::Dg11);
        assert_eq!(
            tag_list(file, &[0x5F, 0x0E, 0x5F, 0x2B, 0xA0], 0).unwrap(),
            [0x5F0E, 0x5F2B, 0xA0]
        );
        assert!(matches!(
            tag_list(file, &[0x5F], 7),
            Err(LdsError::Tlv {
                source: TlvError::UnexpectedEnd { offset: 8, .. },
                ..
            })
        ));
        assert!(tag_list(file, &[0x5F, 0x81, 0x81, 0x01], 0).is_err());
    }
}
