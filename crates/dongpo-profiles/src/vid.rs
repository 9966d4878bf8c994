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
    /// The identification number read from text is not 13 digits (its length only: the
    /// digits are never repeated).
    #[error("the identification number must be 13 digits, got {0} characters")]
    IdnLength(usize),
    /// R read from text is not hex.
    #[error("the random number must be hex")]
    RandomNotHex,
}

/// What a relying party's check of a certificate's VID found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VidMatch {
    /// The VID was made from this identification number and R.
    Match,
    /// It was not (another number, or another R).
    NoMatch,
    /// The certificate carries no identifyData VID (no subjectAltName, or none in it).
    NoVid,
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

/// `id-ce-subjectAltName`.
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Relying-party check of a DER certificate: does its identifyData VID belong to `idn`
/// (digits only) with `random` (at least 20 bytes)? Neither secret appears in any error.
///
/// # Errors
/// [`VidError::Malformed`] for a certificate or subjectAltName that does not decode,
/// [`VidError::UnsupportedHash`], or the input errors of [`virtual_id`].
pub fn verify_certificate(cert_der: &[u8], idn: &str, random: &[u8]) -> Result<VidMatch, VidError> {
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(malformed("certificate"))?;
    let Some(san) = cert
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == SUBJECT_ALT_NAME)
    else {
        return Ok(VidMatch::NoVid);
    };
    match verify(san.extn_value.as_bytes(), idn, random) {
        Ok(true) => Ok(VidMatch::Match),
        Ok(false) => Ok(VidMatch::NoMatch),
        Err(VidError::NoVid) => Ok(VidMatch::NoVid),
        Err(e) => Err(e),
    }
}

/// The identification number from the text of a file: 13 digits, surrounding whitespace
/// trimmed (a dash is not part of it). Kept in memory that is wiped when dropped.
///
/// # Errors
/// [`VidError::NotDigits`] or [`VidError::IdnLength`].
pub fn idn_from_text(text: &str) -> Result<zeroize::Zeroizing<String>, VidError> {
    let idn = text.trim();
    if !idn.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VidError::NotDigits);
    }
    if idn.len() != 13 {
        return Err(VidError::IdnLength(idn.chars().count()));
    }
    Ok(zeroize::Zeroizing::new(idn.to_owned()))
}

/// R from the text of a file: hex (either case), surrounding whitespace trimmed, at least
/// 20 bytes. Kept in memory that is wiped when dropped.
///
/// # Errors
/// [`VidError::RandomNotHex`] or [`VidError::ShortRandom`].
pub fn random_from_hex(text: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, VidError> {
    let random =
        zeroize::Zeroizing::new(hex::decode(text.trim()).map_err(|_| VidError::RandomNotHex)?);
    if random.len() < 20 {
        return Err(VidError::ShortRandom(random.len()));
    }
    Ok(random)
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

    /// A certificate (unsigned: the check reads the subjectAltName only) with `extensions`
    /// (the DER of each Extension).
    fn certificate_with(extensions: &[Vec<u8>]) -> Vec<u8> {
        use dongpo_icao::tlv::encode;
        let spki = dongpo_crypto::SigningKey::generate(dongpo_crypto::KeySpec::Ec(
            dongpo_crypto::Curve::P256,
        ))
        .unwrap()
        .public_key()
        .to_spki_der();
        let ecdsa_sha256 = hex::decode("300a06082a8648ce3d040302").unwrap();
        let time = |t: &str| encode(&[0x17], t.as_bytes());
        let mut tbs = encode(&[0xa0], &[2, 1, 2]);
        tbs.extend([2, 1, 1]);
        tbs.extend(&ecdsa_sha256);
        tbs.extend([0x30, 0]);
        tbs.extend(encode(
            &[0x30],
            &[time("260101000000Z"), time("360101000000Z")].concat(),
        ));
        tbs.extend([0x30, 0]);
        tbs.extend(spki);
        if !extensions.is_empty() {
            tbs.extend(encode(&[0xa3], &encode(&[0x30], &extensions.concat())));
        }
        let mut cert = encode(&[0x30], &tbs);
        cert.extend(&ecdsa_sha256);
        cert.extend(encode(&[0x03], &[0, 0x30, 0]));
        encode(&[0x30], &cert)
    }

    fn extension(oid: &[u8], value: &[u8]) -> Vec<u8> {
        use dongpo_icao::tlv::encode;
        encode(&[0x30], &[oid, &encode(&[0x04], value)].concat())
    }

    #[test]
    fn certificates_are_checked_through_their_subject_alt_name() {
        let random = hex::decode(R).unwrap();
        let vid = vid(IDN, &random, HashAlgorithm::Sha256).unwrap();
        let san_oid = [0x06, 0x03, 0x55, 0x1d, 0x11];
        let cert = certificate_with(&[extension(
            &san_oid,
            &subject_alt_name("홍길동", &vid).unwrap(),
        )]);
        assert_eq!(verify_certificate(&cert, IDN, &random), Ok(VidMatch::Match));
        assert_eq!(
            verify_certificate(&cert, "1234561234568", &random),
            Ok(VidMatch::NoMatch)
        );
        let mut other = random.clone();
        other[19] ^= 0x80;
        assert_eq!(
            verify_certificate(&cert, IDN, &other),
            Ok(VidMatch::NoMatch)
        );
        // No extensions, or a subjectAltName without identifyData: no VID.
        assert_eq!(
            verify_certificate(&certificate_with(&[]), IDN, &random),
            Ok(VidMatch::NoVid)
        );
        let dns_only = [0x30, 0x05, 0x82, 0x03, b'a', b'.', b'b'];
        assert_eq!(
            verify_certificate(
                &certificate_with(&[extension(&san_oid, &dns_only)]),
                IDN,
                &random
            ),
            Ok(VidMatch::NoVid)
        );
        // Bad inputs stay errors, not a silent "no match".
        assert_eq!(
            verify_certificate(&cert, IDN, &random[..19]),
            Err(VidError::ShortRandom(19))
        );
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
        assert_eq!(
            idn_from_text(" 1234561234567\n").map(|s| s.to_string()),
            Ok(IDN.to_string())
        );
        assert_eq!(idn_from_text("123456-1234567"), Err(VidError::NotDigits));
        assert_eq!(idn_from_text("123456123456"), Err(VidError::IdnLength(12)));
        assert_eq!(idn_from_text(""), Err(VidError::IdnLength(0)));
        assert_eq!(
            random_from_hex(&format!("{}\n", R.to_lowercase())).map(|r| r.to_vec()),
            Ok(random.clone())
        );
        assert_eq!(random_from_hex("zz"), Err(VidError::RandomNotHex));
        assert_eq!(random_from_hex("00ff"), Err(VidError::ShortRandom(2)));
        // No error names the secrets it was given.
        for (input, e) in [
            ("98765", idn_from_text("98765").unwrap_err()),
            ("12345612345x7", idn_from_text("12345612345x7").unwrap_err()),
            (&R[..10], random_from_hex(&R[..10]).unwrap_err()),
        ] {
            assert!(!e.to_string().contains(input), "{e}");
        }
        assert!(matches!(
            verify_certificate(b"\x30\x03abc", IDN, &random),
            Err(VidError::Malformed {
                what: "certificate",
                ..
            })
        ));
        // A SAN with only a DNS name carries no VID.
        assert_eq!(
            find_vid(&[0x30, 0x05, 0x82, 0x03, b'a', b'.', b'b']),
            Err(VidError::NoVid)
        );
    }
}
