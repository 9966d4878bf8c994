//! The LDSSecurityObject of an EF.SOD read once, into what a [`super::Sod`] keeps: the
//! hash algorithm, the data-group hashes (each copied once, straight from the input into
//! the map) and the v1 version info. The DER form is walked with the hashes borrowed
//! (`borrowed`, the fields of [`LdsSecurityObject`] read by the DER rules of
//! [`super::walk`]); anything it does not read is left to the owned decode (DER, then
//! BER), so errors and BER input are exactly as before.

use std::collections::BTreeMap;

use der::Decode;
use dongpo_crypto::HashAlgorithm;

use super::{SodError, data_group_hashes, walk};
use crate::encoding::tlv::TlvReader;
use crate::lds::security_object::{LdsSecurityObject, LdsVersionInfo};

/// What an EF.SOD keeps of its LDSSecurityObject.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LdsContents {
    /// Present exactly for a v1 LDSSecurityObject.
    pub(super) version_info: Option<LdsVersionInfo>,
    /// The hash of every data group.
    pub(super) hash: HashAlgorithm,
    /// Data-group number -> hash value, no number twice.
    pub(super) dg_hashes: BTreeMap<u8, Vec<u8>>,
}

/// Reads the LDSSecurityObject in `econtent`: the borrowed decode where it reads the
/// input, otherwise [`owned`]; the same result and the same errors either way.
///
/// # Errors
/// [`SodError::Lds`], [`SodError::UnknownDigest`], [`SodError::DuplicateDataGroup`].
pub(super) fn read(econtent: &[u8]) -> Result<LdsContents, SodError> {
    borrowed(econtent).unwrap_or_else(|| owned(econtent))
}

/// The borrowed read (DER only, walked with [`walk`]); `None` where it does not read
/// the input. Each field as the owned type decodes it: the version as a `u8`, the
/// digest algorithm with NULL or absent parameters, every `DataGroupHash` (a number
/// listed twice does not stop the read: a later broken element must still be a decoding
/// error, as in the owned path; the first repeated number is refused after it, as
/// [`super::data_group_hashes`] refuses it), the version info with its own type.
fn borrowed(econtent: &[u8]) -> Option<Result<LdsContents, SodError>> {
    let mut outer = TlvReader::new(econtent);
    let lds = walk::element(&mut outer, walk::SEQUENCE)?;
    outer.finish().ok()?;
    let mut fields = lds.children();
    walk::small_uint(&walk::element(&mut fields, walk::INTEGER)?)?;
    let hash = walk::digest_algorithm(&walk::element(&mut fields, walk::SEQUENCE)?)?;
    let list = walk::element(&mut fields, walk::SEQUENCE)?;
    let mut dg_hashes = BTreeMap::new();
    let mut first_repeated = None;
    for entry in walk::children(&list) {
        let entry = entry.filter(|e| e.tag == walk::SEQUENCE)?;
        let mut parts = entry.children();
        let number = walk::small_uint(&walk::element(&mut parts, walk::INTEGER)?)?;
        let value = walk::element(&mut parts, walk::OCTET_STRING)?;
        parts.finish().ok()?;
        if dg_hashes.insert(number, value.value.to_vec()).is_some() && first_repeated.is_none() {
            first_repeated = Some(number);
        }
    }
    let version_info = match walk::optional(&mut fields, walk::SEQUENCE).ok()? {
        Some(info) => Some(LdsVersionInfo::from_der(info.raw).ok()?),
        None => None,
    };
    fields.finish().ok()?;
    Some(match (hash, first_repeated) {
        (Err(algorithm), _) => Err(SodError::UnknownDigest(algorithm)),
        (Ok(_), Some(number)) => Err(SodError::DuplicateDataGroup(number)),
        (Ok(hash), None) => Ok(LdsContents {
            version_info,
            hash,
            dg_hashes,
        }),
    })
}

/// The owned decode, DER then BER, as `Sod::parse` always read the LDSSecurityObject.
fn owned(econtent: &[u8]) -> Result<LdsContents, SodError> {
    let lds = LdsSecurityObject::from_der(econtent)
        .or_else(|_| LdsSecurityObject::from_ber(econtent))
        .map_err(SodError::Lds)?;
    let hash = HashAlgorithm::from_oid(&lds.hash_algorithm.algorithm)
        .map_err(|_| SodError::UnknownDigest(lds.hash_algorithm.algorithm))?;
    let dg_hashes = data_group_hashes(&lds)?;
    Ok(LdsContents {
        version_info: lds.lds_version_info,
        hash,
        dg_hashes,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use der::Encode;
    use der::asn1::{OctetString, PrintableString};

    use super::*;
    use crate::lds::security_object::{DataGroupHash, DigestAlgorithmIdentifier};

    fn lds(numbers: &[u8], v1: bool) -> Vec<u8> {
        let lds = LdsSecurityObject {
            version: u8::from(v1),
            hash_algorithm: DigestAlgorithmIdentifier {
                algorithm: HashAlgorithm::Sha256.oid(),
                parameters: None,
            },
            data_group_hash_values: numbers
                .iter()
                .map(|&n| DataGroupHash {
                    data_group_number: n,
                    data_group_hash_value: OctetString::new(vec![n; 32]).unwrap(),
                })
                .collect(),
            lds_version_info: v1.then(|| LdsVersionInfo {
                lds_version: PrintableString::new("0108").unwrap(),
                unicode_version: PrintableString::new("040000").unwrap(),
            }),
        };
        lds.to_der().unwrap()
    }

    /// Wherever the borrowed decode answers, the owned one gives the same.
    fn agrees(econtent: &[u8]) -> bool {
        match borrowed(econtent) {
            None => false,
            Some(fast) => {
                assert_eq!(fast, owned(econtent), "{econtent:02x?}");
                true
            }
        }
    }

    #[test]
    fn borrowed_equals_owned_on_every_shape_and_mutation() {
        let shapes = [
            lds(&[1, 2], false),
            lds(&[1, 2, 14, 15], true),
            lds(&[2, 1, 2, 3, 3], true),
            lds(&[], false),
        ];
        for shape in &shapes {
            assert!(agrees(shape), "the borrowed decode reads DER");
            for at in 0..shape.len() {
                for byte in [0x00, 0x01, 0x04, 0x24, 0x30, 0x80, 0xff] {
                    let mut mutated = shape.clone();
                    mutated[at] = byte;
                    agrees(&mutated);
                }
                agrees(&shape[..at]);
                let mut longer = shape.clone();
                longer.insert(at, 0x00);
                agrees(&longer);
            }
        }
        assert_eq!(
            read(&shapes[2]),
            Err(SodError::DuplicateDataGroup(2)),
            "the first repeated number"
        );
    }
}
