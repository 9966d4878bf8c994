//! KISA subject identification by virtual ID (KCAC.TS.SIVID v1.21): the VID
//! `H(H(DER(HashContent{idn, R})))` and the `identifyData` otherName of the
//! subjectAltName that carries it, with a relying-party verifier.
//!
//! The resident registration number (`idn`) and the random `R` are secrets: nothing here
//! logs them, and comparisons run in constant time.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, ContextSpecific, OctetString, PrintableString, Utf8StringRef};
use der::{Decode, Encode, Sequence, TagMode, TagNumber, Tagged};
use dongpo_crypto::HashAlgorithm;
use spki::AlgorithmIdentifierOwned;

/// `id-kisa-identifyData`: the otherName type-id in the subjectAltName.
pub const ID_KISA_IDENTIFY_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.410.200004.10.1.1");
/// `id-VID`: the VID entry inside identifyData.
pub const ID_VID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.410.200004.10.1.1.1");

/// Why a VID could not be computed or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VidError {
    /// The identifier is not digits only (dashes are not part of it).
    #[error("the identification number must be digits only")]
    NotDigits,
    /// R is shorter than the 160 bits the specification asks for.
    #[error("the random number must be at least 20 bytes, got {0}")]
    ShortRandom(usize),
    /// The subjectAltName holds no identifyData with a VID.
    #[error("no identifyData VID in the subjectAltName")]
    NoVid,
    /// A structure does not decode.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The VID names a hash dongpo does not support.
    #[error("unsupported VID hash algorithm {0}")]
    UnsupportedHash(ObjectIdentifier),
}

/// `HashContent ::= SEQUENCE { idn PrintableString, randomNum BIT STRING }`.
#[derive(Sequence)]
struct HashContent {
    idn: PrintableString,
    random_num: BitString,
}

/// `VID ::= SEQUENCE { hashAlg AlgorithmIdentifier, virtualID [0] EXPLICIT OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Vid {
    /// The hash used (twice).
    pub hash_alg: AlgorithmIdentifierOwned,
    /// `H(H(DER(HashContent)))`.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub virtual_id: OctetString,
}

/// `SEQUENCE { type OBJECT IDENTIFIER, value ANY }`, one entry of `userInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct UserInfo {
    kind: ObjectIdentifier,
    value: Any,
}

/// `IdentifyData ::= SEQUENCE { realName UTF8String, userInfo SEQUENCE OF UserInfo OPTIONAL }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct IdentifyData<'a> {
    real_name: Utf8StringRef<'a>,
    #[asn1(optional = "true")]
    user_info: Option<Vec<UserInfo>>,
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> VidError {
    move |e| VidError::Malformed {
        what,
        reason: e.to_string(),
    }
}

/// The virtual ID of `idn` (digits only) and `random` (at least 20 bytes) under `hash`.
///
/// # Errors
/// [`VidError::NotDigits`] or [`VidError::ShortRandom`].
pub fn virtual_id(idn: &str, random: &[u8], hash: HashAlgorithm) -> Result<Vec<u8>, VidError> {
    if idn.is_empty() || !idn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VidError::NotDigits);
    }
    if random.len() < 20 {
        return Err(VidError::ShortRandom(random.len()));
    }
    let content = HashContent {
        idn: PrintableString::new(idn).map_err(malformed("idn"))?,
        random_num: BitString::from_bytes(random).map_err(malformed("randomNum"))?,
    };
    let der = content.to_der().map_err(malformed("HashContent"))?;
    Ok(hash.digest(&hash.digest(&der)))
}

/// The `VID` structure for `idn` and `random`.
///
/// # Errors
/// As [`virtual_id`].
pub fn vid(idn: &str, random: &[u8], hash: HashAlgorithm) -> Result<Vid, VidError> {
    Ok(Vid {
        hash_alg: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: None,
        },
        virtual_id: OctetString::new(virtual_id(idn, random, hash)?)
            .map_err(malformed("virtualID"))?,
    })
}

/// The subjectAltName extension value (`GeneralNames` DER) with one otherName
/// `identifyData { realName, userInfo [ id-VID, vid ] }`.
///
/// # Errors
/// [`VidError::Malformed`] when encoding fails (not expected for valid input).
pub fn subject_alt_name(real_name: &str, vid: &Vid) -> Result<Vec<u8>, VidError> {
    let data = IdentifyData {
        real_name: Utf8StringRef::new(real_name).map_err(malformed("realName"))?,
        user_info: Some(vec![UserInfo {
            kind: ID_VID,
            value: Any::encode_from(vid).map_err(malformed("VID"))?,
        }]),
    };
    // otherName [0] IMPLICIT SEQUENCE { type-id, value [0] EXPLICIT ANY }
    let value = ContextSpecific {
        tag_number: TagNumber(0),
        tag_mode: TagMode::Explicit,
        value: data,
    };
    let mut body = ID_KISA_IDENTIFY_DATA
        .to_der()
        .map_err(malformed("type-id"))?;
    body.extend(value.to_der().map_err(malformed("identifyData"))?);
    // otherName is an IMPLICIT [0] around an EXPLICIT ANY, which `der` has no type for.
    let other_name = dongpo_icao::tlv::encode(&[0xa0], &body);
    Ok(dongpo_icao::tlv::encode(&[0x30], &other_name))
}

/// The VID inside a subjectAltName extension value, if it carries identifyData.
///
/// # Errors
/// [`VidError::NoVid`] or [`VidError::Malformed`].
pub fn find_vid(subject_alt_name: &[u8]) -> Result<Vid, VidError> {
    let names: Vec<Any> =
        Vec::<Any>::from_der(subject_alt_name).map_err(malformed("GeneralNames"))?;
    for name in names {
        if name.tag().number() != TagNumber(0) || !name.tag().is_context_specific() {
            continue;
        }
        let mut reader = der::SliceReader::new(name.value()).map_err(malformed("otherName"))?;
        let type_id =
            ObjectIdentifier::decode(&mut reader).map_err(malformed("otherName type-id"))?;
        if type_id != ID_KISA_IDENTIFY_DATA {
            continue;
        }
        let wrapped = ContextSpecific::<Any>::decode_explicit(&mut reader, TagNumber(0))
            .map_err(malformed("otherName value"))?
            .ok_or(VidError::NoVid)?;
        let data: IdentifyData<'_> = wrapped
            .value
            .decode_as()
            .map_err(malformed("identifyData"))?;
        for info in data.user_info.unwrap_or_default() {
            if info.kind == ID_VID {
                return info.value.decode_as::<Vid>().map_err(malformed("VID"));
            }
        }
    }
    Err(VidError::NoVid)
}

/// Relying-party check: does the subjectAltName's VID belong to `idn` with `random`?
/// The comparison is constant time; hash parameters may be absent or NULL.
///
/// # Errors
/// [`VidError`] when the extension carries no usable VID or the inputs are malformed.
pub fn verify(subject_alt_name: &[u8], idn: &str, random: &[u8]) -> Result<bool, VidError> {
    let found = find_vid(subject_alt_name)?;
    let hash = HashAlgorithm::from_oid(&found.hash_alg.oid)
        .map_err(|_| VidError::UnsupportedHash(found.hash_alg.oid))?;
    let expected = virtual_id(idn, random, hash)?;
    let got = found.virtual_id.as_bytes();
    let same_len = expected.len() == got.len();
    let diff = expected
        .iter()
        .zip(got)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    Ok(same_len && diff == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDN: &str = "1234561234567";
    const R: &str = "79EA7568A2D3776604E18BCD3A1B1B85B7DA0872";

    #[test]
    fn published_test_vector() {
        let random = hex::decode(R).unwrap();
        let v = virtual_id(IDN, &random, HashAlgorithm::Sha256).unwrap();
        assert_eq!(
            hex::encode(v),
            "17692c8dd00ead33791de0a64a937c60799634c64ac56fa57570c0e05252ab35"
        );
    }

    #[test]
    fn subject_alt_name_has_the_published_layout_and_verifies() {
        let random = hex::decode(R).unwrap();
        let vid = vid(IDN, &random, HashAlgorithm::Sha256).unwrap();
        let san = subject_alt_name("홍길동", &vid).unwrap();
        // Layout from the reference (KISA profile SAN, matched against a yessign certificate).
        let expected_prefix = "305fa05d06092a831a8c9a440a0101a050304e0c09ed998deab8b8eb8f993041303f060a2a831a8c9a440a0101013031300b0609608648016503040201a0220420";
        assert_eq!(
            hex::encode(&san[..expected_prefix.len() / 2]),
            expected_prefix
        );
        assert!(
            hex::encode(&san)
                .ends_with("17692c8dd00ead33791de0a64a937c60799634c64ac56fa57570c0e05252ab35")
        );
        assert_eq!(verify(&san, IDN, &random), Ok(true));
        assert_eq!(verify(&san, "1234561234568", &random), Ok(false));
        let mut other = random.clone();
        other[0] ^= 1;
        assert_eq!(verify(&san, IDN, &other), Ok(false));
    }

    #[test]
    fn bad_inputs_are_named() {
        let random = hex::decode(R).unwrap();
        assert_eq!(
            virtual_id("123456-1234567", &random, HashAlgorithm::Sha256),
            Err(VidError::NotDigits)
        );
        assert_eq!(
            virtual_id(IDN, &random[..10], HashAlgorithm::Sha256),
            Err(VidError::ShortRandom(10))
        );
        assert!(matches!(
            find_vid(b"\x30\x03garbage"),
            Err(VidError::Malformed { .. })
        ));
        // A SAN with only a DNS name carries no VID.
        assert_eq!(
            find_vid(&[0x30, 0x05, 0x82, 0x03, b'a', b'.', b'b']),
            Err(VidError::NoVid)
        );
    }
}
