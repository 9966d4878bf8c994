//! EF.SOD (9303-10 §4.6.2): the 0x77 wrapper around a CMS SignedData whose content is
//! the LDSSecurityObject.

use std::collections::BTreeMap;

use der::Decode;
use dongpo_crypto::HashAlgorithm;

use crate::lds_security_object::LdsSecurityObject;
use crate::signed_data::{SignedDataError, SignedDataInfo};

/// Why an EF.SOD could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SodError {
    /// The file is empty or not wrapped in tag 0x77 (nor a bare ContentInfo).
    #[error("EF.SOD: {0}")]
    Wrapper(String),
    /// The CMS SignedData is unreadable.
    #[error("EF.SOD {0}")]
    SignedData(#[from] SignedDataError),
    /// The LDSSecurityObject does not decode.
    #[error("LDSSecurityObject: {0}")]
    Lds(String),
    /// The LDS hash algorithm is unknown.
    #[error("LDSSecurityObject hash algorithm {0} is not supported")]
    UnknownDigest(der::asn1::ObjectIdentifier),
}

/// A parsed EF.SOD.
#[derive(Clone, Debug)]
pub struct Sod {
    /// The file had the 0x77 wrapper (a bare ContentInfo is accepted as a quirk).
    pub wrapped: bool,
    /// SHA-256 of the whole file (evidence).
    pub file_sha256: Vec<u8>,
    /// The CMS SignedData.
    pub cms: SignedDataInfo,
    /// The decoded LDSSecurityObject.
    pub lds: LdsSecurityObject,
    /// Hash of the data groups (LDSSecurityObject hashAlgorithm).
    pub lds_hash: HashAlgorithm,
    /// Data-group number -> hash value.
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
}

/// Strips the 0x77 wrapper: `(content_info, wrapped)`.
fn unwrap_0x77(file: &[u8]) -> Result<(&[u8], bool), SodError> {
    match file.first() {
        Some(0x77) => {}
        Some(0x30) => return Ok((file, false)),
        Some(tag) => {
            return Err(SodError::Wrapper(format!(
                "starts with tag 0x{tag:02x}, expected 0x77"
            )));
        }
        None => return Err(SodError::Wrapper("file is empty".into())),
    }
    let first = *file
        .get(1)
        .ok_or_else(|| SodError::Wrapper("truncated after tag 0x77".into()))?;
    let (header, len) = match first {
        0x80 => return Ok((file.get(2..).unwrap_or_default(), true)),
        f if f < 0x80 => (2, usize::from(f)),
        f => {
            let n = usize::from(f & 0x7f);
            let bytes = file
                .get(2..2 + n)
                .filter(|_| n <= 4)
                .ok_or_else(|| SodError::Wrapper("bad length of 0x77".into()))?;
            (
                2 + n,
                bytes
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
            )
        }
    };
    let content = file.get(header..header + len).ok_or_else(|| {
        SodError::Wrapper(format!(
            "0x77 announces {len} bytes, {} present",
            file.len().saturating_sub(header)
        ))
    })?;
    Ok((content, true))
}

impl Sod {
    /// Parses an EF.SOD file as read from the chip.
    ///
    /// # Errors
    /// [`SodError`] naming the part that failed.
    pub fn parse(file: &[u8]) -> Result<Self, SodError> {
        let (content, wrapped) = unwrap_0x77(file)?;
        let cms = SignedDataInfo::parse(content)?;
        let lds = LdsSecurityObject::from_der(&cms.econtent)
            .or_else(|_| LdsSecurityObject::from_ber(&cms.econtent))
            .map_err(|e| SodError::Lds(e.to_string()))?;
        let lds_hash = HashAlgorithm::from_oid(&lds.hash_algorithm.algorithm)
            .map_err(|_| SodError::UnknownDigest(lds.hash_algorithm.algorithm))?;
        let dg_hashes = lds
            .data_group_hash_values
            .iter()
            .map(|h| {
                (
                    h.data_group_number,
                    h.data_group_hash_value.as_bytes().to_vec(),
                )
            })
            .collect();
        Ok(Sod {
            wrapped,
            file_sha256: HashAlgorithm::Sha256.digest(file),
            cms,
            lds,
            lds_hash,
            dg_hashes,
        })
    }

    /// The LDS version (`0108`) of a v1 LDSSecurityObject.
    #[must_use]
    pub fn lds_version(&self) -> Option<String> {
        self.lds
            .lds_version_info
            .as_ref()
            .map(|v| v.lds_version.to_string())
    }
}
