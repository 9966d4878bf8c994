//! The LDSSecurityObject of an EF.SOD read once, into what a [`super::Sod`] keeps: the
//! hash algorithm, the data-group hashes (each copied once, straight from the input into
//! the map) and the v1 version info. The DER form is decoded with the hashes borrowed
//! ([`LdsSecurityObjectRef`], the same fields and the same `der` code as
//! [`LdsSecurityObject`], `&OctetStringRef` for `OctetString`, which DER reads alike);
//! anything it does not read is left to the owned decode (DER, then BER), so errors and
//! BER input are exactly as before.

use std::collections::BTreeMap;

use der::asn1::OctetStringRef;
use der::{
    Decode, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer,
};
use dongpo_crypto::HashAlgorithm;

use super::{SodError, data_group_hashes};
use crate::lds::security_object::{DigestAlgorithmIdentifier, LdsSecurityObject, LdsVersionInfo};

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

/// `DataGroupHash` with its hash borrowed.
#[derive(Sequence)]
struct DataGroupHashRef<'a> {
    data_group_number: u8,
    data_group_hash_value: &'a OctetStringRef,
}

/// `SEQUENCE OF DataGroupHash`, each element decoded as the owned `Vec<DataGroupHash>`
/// decodes it, straight into the map. A number listed twice does not stop the decode
/// (a later broken element must still be a decoding error, as in the owned path); the
/// first repeated number is remembered and refused after it ([`data_group_hashes`]
/// refuses the same one).
struct DataGroupHashesRef<'a> {
    /// The SEQUENCE's content as received (for the derive's encoder; never encoded).
    content: &'a [u8],
    hashes: BTreeMap<u8, Vec<u8>>,
    first_repeated: Option<u8>,
}

impl FixedTag for DataGroupHashesRef<'_> {
    const TAG: Tag = Tag::Sequence;
}

impl<'a> DecodeValue<'a> for DataGroupHashesRef<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let content = reader.read_slice(header.length())?;
        let mut inner = der::SliceReader::new(content)?;
        let mut hashes = BTreeMap::new();
        let mut first_repeated = None;
        while !inner.is_finished() {
            let hash = DataGroupHashRef::decode(&mut inner)?;
            let number = hash.data_group_number;
            let repeated = hashes
                .insert(number, hash.data_group_hash_value.as_bytes().to_vec())
                .is_some();
            if repeated && first_repeated.is_none() {
                first_repeated = Some(number);
            }
        }
        Ok(DataGroupHashesRef {
            content,
            hashes,
            first_repeated,
        })
    }
}

/// Written back as received (the derive needs it; the parser never encodes).
impl EncodeValue for DataGroupHashesRef<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.content.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.content)
    }
}

/// [`LdsSecurityObject`] with the data-group hashes borrowed; the other fields are its
/// own types.
#[derive(Sequence)]
struct LdsSecurityObjectRef<'a> {
    version: u8,
    hash_algorithm: DigestAlgorithmIdentifier,
    data_group_hash_values: DataGroupHashesRef<'a>,
    #[asn1(optional = "true")]
    lds_version_info: Option<LdsVersionInfo>,
}

/// Reads the LDSSecurityObject in `econtent`: the borrowed decode where it reads the
/// input, otherwise [`owned`]; the same result and the same errors either way.
///
/// # Errors
/// [`SodError::Lds`], [`SodError::UnknownDigest`], [`SodError::DuplicateDataGroup`].
pub(super) fn read(econtent: &[u8]) -> Result<LdsContents, SodError> {
    borrowed(econtent).unwrap_or_else(|| owned(econtent))
}

/// The borrowed decode (DER only); `None` where it does not read the input.
fn borrowed(econtent: &[u8]) -> Option<Result<LdsContents, SodError>> {
    let lds = LdsSecurityObjectRef::from_der(econtent).ok()?;
    let algorithm = lds.hash_algorithm.algorithm;
    Some(
        HashAlgorithm::from_oid(&algorithm)
            .map_err(|_| SodError::UnknownDigest(algorithm))
            .and_then(|hash| match lds.data_group_hash_values.first_repeated {
                Some(number) => Err(SodError::DuplicateDataGroup(number)),
                None => Ok(LdsContents {
                    version_info: lds.lds_version_info,
                    hash,
                    dg_hashes: lds.data_group_hash_values.hashes,
                }),
            }),
    )
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
    use crate::lds::security_object::DataGroupHash;

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
