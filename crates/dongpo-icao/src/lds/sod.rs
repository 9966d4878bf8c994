//! EF.SOD (9303-10 §4.6.2): the 0x77 wrapper around a CMS SignedData whose content is
//! the LDSSecurityObject.

use std::collections::BTreeMap;

use dongpo_crypto::HashAlgorithm;

use crate::encoding::signed_data::{SignedDataError, SignedDataInfo};
use crate::encoding::tlv::TlvReader;
use crate::lds::security_object::{LdsSecurityObject, LdsVersionInfo};

pub mod fast;
mod lds;
mod signer;
mod walk;

pub use fast::KnownCertificates;

/// Why an EF.SOD could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SodError {
    /// The file is empty or not wrapped in tag 0x77 (nor a bare ContentInfo).
    #[error("EF.SOD: {0}")]
    Wrapper(String),
    /// The CMS SignedData is unreadable.
    #[error("EF.SOD {0}")]
    SignedData(#[from] SignedDataError),
    /// The LDSSecurityObject does not decode.
    #[error("LDSSecurityObject: {0}")]
    Lds(#[source] der::Error),
    /// The LDSSecurityObject lists one data-group number twice.
    #[error("LDSSecurityObject lists data group {0} twice")]
    DuplicateDataGroup(u8),
    /// The LDS hash algorithm is unknown.
    #[error("LDSSecurityObject hash algorithm {0} is not supported")]
    UnknownDigest(der::asn1::ObjectIdentifier),
}

/// A parsed EF.SOD.
#[derive(Clone, Debug)]
pub struct Sod {
    /// The file had the 0x77 wrapper (a bare ContentInfo is accepted as a quirk).
    pub wrapped: bool,
    /// SHA-256 of the EF.SOD object (the 0x77 object, or the bare ContentInfo), without
    /// any trailing bytes: one document, one evidence hash.
    pub file_sha256: Vec<u8>,
    /// Bytes after the EF.SOD object (quirk `trailing-data`; refused under `strict`).
    pub trailing_bytes: usize,
    /// The 0x77 wrapper's length is in DER form (definite, minimal). An indefinite or
    /// non-minimal length reads the same content, so it is the `ber-encoding` quirk
    /// (refused under `strict`), not a different document.
    pub wrapper_der: bool,
    /// The CMS SignedData.
    pub cms: SignedDataInfo,
    /// The LDSSecurityObject's `ldsVersionInfo`: present exactly for a v1 object.
    pub lds_version_info: Option<LdsVersionInfo>,
    /// Hash of the data groups (LDSSecurityObject hashAlgorithm).
    pub lds_hash: HashAlgorithm,
    /// Data-group number -> hash value: the LDSSecurityObject's hashes, held only here
    /// (the rest of the object is the two fields above).
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
}

/// The leading object of an EF.SOD file, as [`unwrap_0x77`] finds it.
struct Wrapper<'a> {
    /// The ContentInfo inside the file.
    content_info: &'a [u8],
    /// The file had the 0x77 wrapper (else it is a bare ContentInfo).
    wrapped: bool,
    /// The leading object (the 0x77 wrapper, or the bare ContentInfo) as read; any bytes
    /// after it are trailing data.
    object: &'a [u8],
    /// The leading object's length is DER (definite, minimal; X.690 §10.1).
    der: bool,
}

/// The ContentInfo inside the file and the object around it. The 0x77 length may be
/// definite or indefinite (BER; read with the same reader as the CMS structure).
fn unwrap_0x77(file: &[u8]) -> Result<Wrapper<'_>, SodError> {
    let wrapped = match file.first() {
        Some(0x77) => true,
        Some(0x30) => false,
        Some(tag) => {
            return Err(SodError::Wrapper(format!(
                "starts with tag 0x{tag:02x}, expected 0x77"
            )));
        }
        None => return Err(SodError::Wrapper("file is empty".into())),
    };
    let what = if wrapped { "0x77" } else { "ContentInfo" };
    let object = TlvReader::ber(file).read().map_err(|_| {
        SodError::Wrapper(format!(
            "{what} object is truncated or its length unreadable ({} bytes in the file)",
            file.len()
        ))
    })?;
    Ok(Wrapper {
        content_info: if wrapped { object.value } else { object.raw },
        wrapped,
        object: object.raw,
        der: object.has_der_length(),
    })
}

/// Data-group number -> hash value of an LDSSecurityObject, refusing a number listed
/// twice: the hash list is a SEQUENCE OF, and a map that let the last (or the first)
/// entry win would let one signed SOD vouch for two different files under one number.
///
/// # Errors
/// [`SodError::DuplicateDataGroup`].
pub fn data_group_hashes(lds: &LdsSecurityObject) -> Result<BTreeMap<u8, Vec<u8>>, SodError> {
    let mut out = BTreeMap::new();
    for h in &lds.data_group_hash_values {
        if out
            .insert(
                h.data_group_number,
                h.data_group_hash_value.as_bytes().to_vec(),
            )
            .is_some()
        {
            return Err(SodError::DuplicateDataGroup(h.data_group_number));
        }
    }
    Ok(out)
}

impl Sod {
    /// Parses an EF.SOD file as read from the chip.
    ///
    /// # Errors
    /// [`SodError`] naming the part that failed.
    pub fn parse(file: &[u8]) -> Result<Self, SodError> {
        let wrapper = unwrap_0x77(file)?;
        let cms = SignedDataInfo::parse(wrapper.content_info)?;
        Self::with_cms(file, wrapper.object, wrapper.wrapped, wrapper.der, cms)
    }

    /// Parses an EF.SOD file as [`Sod::parse`] does, with the same result and the same
    /// errors, taking the fast path ([`fast`]) for the common shape: DER, the 0x77
    /// wrapper, nothing after it, at most one embedded certificate, and that one already
    /// seen to decode (`known` remembers it, so a stream signed by a few DSCs decodes
    /// each once). Anything else goes through [`Sod::parse`].
    ///
    /// # Errors
    /// As [`Sod::parse`].
    pub fn parse_known(file: &[u8], known: &KnownCertificates) -> Result<Self, SodError> {
        match fast::parse(file, known) {
            Some(sod) => Ok(sod),
            None => Self::parse(file),
        }
    }

    /// The one place a `Sod` is assembled, by [`Sod::parse`] and the fast path alike:
    /// `object` is the EF.SOD object at the start of `file` (the evidence hash covers it
    /// and nothing after it), `cms` its SignedData.
    fn with_cms(
        file: &[u8],
        object: &[u8],
        wrapped: bool,
        wrapper_der: bool,
        cms: SignedDataInfo,
    ) -> Result<Self, SodError> {
        let lds = lds::read(&cms.econtent)?;
        Ok(Sod {
            wrapped,
            file_sha256: HashAlgorithm::Sha256.digest(object),
            trailing_bytes: file.len() - object.len(),
            wrapper_der,
            cms,
            lds_version_info: lds.version_info,
            lds_hash: lds.hash,
            dg_hashes: lds.dg_hashes,
        })
    }

    /// The LDS version (`0108`) of a v1 LDSSecurityObject.
    #[must_use]
    pub fn lds_version(&self) -> Option<String> {
        self.lds_version_info
            .as_ref()
            .map(|v| v.lds_version.to_string())
    }
}
