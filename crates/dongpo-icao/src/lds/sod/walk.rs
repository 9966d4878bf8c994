//! The few DER rules the EF.SOD fast path needs, on the one TLV reader
//! ([`crate::encoding::tlv`]): an element with an exact one-byte tag and a DER header, the
//! value of a small unsigned INTEGER, an OBJECT IDENTIFIER, an AlgorithmIdentifier.
//!
//! Every function here answers `None` where the `der` crate could answer differently, and
//! only there where it must (a non-minimal length, an INTEGER with a superfluous leading
//! octet, an invalid OID); it may also answer `None` for inputs `der` reads (parameters
//! other than NULL or a SEQUENCE, a tag in long form): then the fast path declines and
//! [`super::Sod::parse`] reads the file. Walking the structure this way costs a fraction
//! of decoding it with `der`'s generic readers (an OID decode alone walked every arc).

use const_oid::ObjectIdentifier;
use dongpo_crypto::HashAlgorithm;

use crate::encoding::oid;
use crate::encoding::tlv::{Tlv, TlvReader};

/// `INTEGER`.
pub(super) const INTEGER: u32 = 0x02;
/// `OCTET STRING`, primitive (DER forbids the constructed form).
pub(super) const OCTET_STRING: u32 = 0x04;
/// `NULL`.
const NULL: u32 = 0x05;
/// `OBJECT IDENTIFIER`.
pub(super) const OID: u32 = 0x06;
/// `SEQUENCE`.
pub(super) const SEQUENCE: u32 = 0x30;
/// `SET`.
pub(super) const SET: u32 = 0x31;

/// The next element of `reader` when it carries `tag` and a DER header (a definite
/// length in its shortest form).
pub(super) fn element<'a>(reader: &mut TlvReader<'a>, tag: u32) -> Option<Tlv<'a>> {
    let tlv = reader.read().ok()?;
    (tlv.tag == tag && tlv.has_der_length()).then_some(tlv)
}

/// The next element when it carries `tag`, `None` (reading nothing) when the next one
/// carries another tag or there is none; `Err` for an element that is not DER.
pub(super) fn optional<'a>(reader: &mut TlvReader<'a>, tag: u32) -> Result<Option<Tlv<'a>>, ()> {
    if reader.is_empty() || reader.remaining().first().map(|&b| u32::from(b)) != Some(tag) {
        return Ok(None);
    }
    element(reader, tag).map(Some).ok_or(())
}

/// The elements of `tlv`'s value, each required to be DER, until the end.
pub(super) fn children<'a>(tlv: &Tlv<'a>) -> impl Iterator<Item = Option<Tlv<'a>>> {
    tlv.children()
        .map(|child| child.ok().filter(Tlv::has_der_length))
}

/// The value of a DER INTEGER that fits a `u8` as `der` decodes one (no superfluous
/// leading zero, not negative).
pub(super) fn small_uint(tlv: &Tlv<'_>) -> Option<u8> {
    match *tlv.value {
        [n] if n < 0x80 => Some(n),
        [0, n] if n >= 0x80 => Some(n),
        _ => None,
    }
}

/// Object identifiers an EF.SOD names, compared as encoded: equal bytes are the same
/// valid identifier, without walking its arcs.
const KNOWN_OIDS: [ObjectIdentifier; 22] = [
    oid::ID_SIGNED_DATA,
    oid::LDS_SECURITY_OBJECT,
    oid::ID_DATA,
    oid::ATTR_CONTENT_TYPE,
    oid::ATTR_MESSAGE_DIGEST,
    oid::ATTR_SIGNING_TIME,
    dongpo_crypto::oid::SHA1,
    dongpo_crypto::oid::SHA224,
    dongpo_crypto::oid::SHA256,
    dongpo_crypto::oid::SHA384,
    dongpo_crypto::oid::SHA512,
    dongpo_crypto::oid::RSASSA_PSS,
    dongpo_crypto::oid::RSA_ENCRYPTION,
    dongpo_crypto::oid::SHA1_WITH_RSA,
    dongpo_crypto::oid::SHA224_WITH_RSA,
    dongpo_crypto::oid::SHA256_WITH_RSA,
    dongpo_crypto::oid::SHA384_WITH_RSA,
    dongpo_crypto::oid::SHA512_WITH_RSA,
    dongpo_crypto::oid::ECDSA_WITH_SHA224,
    dongpo_crypto::oid::ECDSA_WITH_SHA256,
    dongpo_crypto::oid::ECDSA_WITH_SHA384,
    dongpo_crypto::oid::ECDSA_WITH_SHA512,
];

/// The OBJECT IDENTIFIER `tlv` holds, as `der` decodes it (`from_bytes` validates
/// the encoding; a known identifier is recognised by its bytes).
pub(super) fn object_identifier(tlv: &Tlv<'_>) -> Option<ObjectIdentifier> {
    if tlv.tag != OID {
        return None;
    }
    KNOWN_OIDS
        .iter()
        .find(|known| known.as_bytes() == tlv.value)
        .copied()
        .or_else(|| ObjectIdentifier::from_bytes(tlv.value).ok())
}

/// An `AlgorithmIdentifier` (a SEQUENCE of an OID and optional parameters): its OID and
/// its parameters, which must be absent, NULL or a SEQUENCE.
pub(super) fn algorithm<'a>(tlv: &Tlv<'a>) -> Option<(ObjectIdentifier, Option<Tlv<'a>>)> {
    if tlv.tag != SEQUENCE {
        return None;
    }
    let mut parts = tlv.children();
    let algorithm = object_identifier(&element(&mut parts, OID)?)?;
    let parameters = if parts.is_empty() {
        None
    } else {
        let parameters = parts.read().ok().filter(Tlv::has_der_length)?;
        if parameters.tag != NULL && parameters.tag != SEQUENCE {
            return None;
        }
        Some(parameters)
    };
    parts.finish().ok()?;
    Some((algorithm, parameters))
}

/// A digest `AlgorithmIdentifier` with parameters absent or exactly NULL: its hash, or
/// `Err` with the OID when dongpo knows no such hash.
pub(super) fn digest_algorithm(tlv: &Tlv<'_>) -> Option<Result<HashAlgorithm, ObjectIdentifier>> {
    let (algorithm, parameters) = algorithm(tlv)?;
    if parameters.is_some_and(|p| p.raw != [0x05, 0x00]) {
        return None;
    }
    Some(HashAlgorithm::from_oid(&algorithm).map_err(|_| algorithm))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use der::{Decode, Encode};

    use super::*;

    fn tlv(bytes: &[u8]) -> Tlv<'_> {
        TlvReader::new(bytes).read().unwrap()
    }

    #[test]
    fn small_integers_read_as_der_reads_them() {
        for n in 0..=u8::MAX {
            let der = n.to_der().unwrap();
            assert_eq!(small_uint(&tlv(&der)), Some(n));
        }
        for bad in [
            &[0x02, 0x00][..],
            &[0x02, 0x02, 0x00, 0x01],
            &[0x02, 0x01, 0x80],
        ] {
            assert_eq!(small_uint(&tlv(bad)), None, "{bad:02x?}");
            assert!(u8::from_der(bad).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn object_identifiers_read_as_der_reads_them() {
        for known in KNOWN_OIDS {
            let der = known.to_der().unwrap();
            assert_eq!(object_identifier(&tlv(&der)), Some(known));
        }
        let other = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.52");
        assert_eq!(
            object_identifier(&tlv(&other.to_der().unwrap())),
            Some(other)
        );
        // An arc cut short (its last octet announces another) and an empty OID: refused
        // by both; whatever `der` reads, this reads alike.
        for bad in [&[0x06, 0x02, 0x2a, 0x86][..], &[0x06, 0x00]] {
            assert_eq!(object_identifier(&tlv(bad)), None, "{bad:02x?}");
            assert!(<ObjectIdentifier as Decode>::from_der(bad).is_err());
        }
        for odd in [&[0x06, 0x03, 0x2a, 0x80, 0x01][..], &[0x06, 0x01, 0x2a]] {
            assert_eq!(
                object_identifier(&tlv(odd)),
                <ObjectIdentifier as Decode>::from_der(odd).ok(),
                "{odd:02x?}"
            );
        }
    }

    #[test]
    fn elements_need_a_der_header_and_their_tag() {
        let long_form = [0x30, 0x81, 0x00];
        assert!(element(&mut TlvReader::new(&long_form), SEQUENCE).is_none());
        assert!(element(&mut TlvReader::new(&[0x31, 0x00]), SEQUENCE).is_none());
        assert!(element(&mut TlvReader::new(&[0x30, 0x00]), SEQUENCE).is_some());
        let mut reader = TlvReader::new(&[0x31, 0x00]);
        assert_eq!(optional(&mut reader, SEQUENCE), Ok(None));
        assert!(optional(&mut reader, SET).unwrap().is_some());
    }

    #[test]
    fn digest_algorithms_take_absent_or_null_parameters() {
        let sha256 = dongpo_crypto::oid::SHA256.to_der().unwrap();
        let mut with_null = vec![0x30, (sha256.len() + 2) as u8];
        with_null.extend_from_slice(&sha256);
        with_null.extend_from_slice(&[0x05, 0x00]);
        let mut absent = vec![0x30, sha256.len() as u8];
        absent.extend_from_slice(&sha256);
        assert_eq!(
            digest_algorithm(&tlv(&with_null)),
            Some(Ok(HashAlgorithm::Sha256))
        );
        assert_eq!(
            digest_algorithm(&tlv(&absent)),
            Some(Ok(HashAlgorithm::Sha256))
        );
        let mut odd = absent.clone();
        odd[1] += 2;
        odd.extend_from_slice(&[0x04, 0x00]);
        assert_eq!(digest_algorithm(&tlv(&odd)), None);
    }
}
