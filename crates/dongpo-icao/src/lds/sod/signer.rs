//! The EF.SOD fast path's SignerInfo reader: the one SignerInfo decoded *borrowed*, its
//! fields slices of the input, instead of into the `cms` crate's owned types (which
//! allocate for every algorithm identifier, attribute, attribute value, the issuer name
//! and the signature, then copy them again into [`SignerFields`]).
//!
//! It answers only for DER in the common shape (`SignerInfo { version, sid,
//! digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature }`, no
//! unsignedAttrs), and whenever it answers, [`SignerFields::read`] on the same
//! ContentInfo gives the same fields (tested on every vector, flipped byte and truncation
//! through [`super::fast::parse`]). Why each field reads the same:
//! - every field is decoded with the type `SignerInfo` uses or its borrowed twin
//!   (`AnyRef` for `Any`, `&OctetStringRef` for `OctetString`), which `der` 0.8 decodes
//!   with the same code; the name and the serial number with their own types;
//! - `der` sorts a decoded DER SET OF and never refuses one for its order, so reading the
//!   attributes in the order received finds the same attributes; every case in which the
//!   order could matter (a type twice, a known attribute without exactly one value) is an
//!   error there and `None` here, and [`super::Sod::parse`] then gives the error;
//! - the signedAttrs bytes are the `[0]` element as received (what
//!   `cms_raw::single_signer_info` finds: in DER both walkers cut the same elements), and
//!   their attributes are counted as they are read.
//!
//! Anything else (BER, unsignedAttrs, a tag out of place) is `None`, never a guess.

use std::collections::VecDeque;
use std::sync::RwLock;

use cms::content_info::CmsVersion;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{Decode, Encode, Header, Reader, SliceReader, Tag, TagNumber, Tagged};
use dongpo_crypto::HashAlgorithm;
use dongpo_pki::UnixTime;
use spki::AlgorithmIdentifierRef;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::encoding::oid;
use crate::encoding::signed_data::{SignerFields, SignerId};

/// Issuer names kept decoded.
const RECENT_NAMES: usize = 8;

/// `[0]` constructed: signedAttrs (`[0] IMPLICIT SET OF Attribute`).
const SIGNED_ATTRS: u8 = 0xa0;

/// `[0]` primitive: a subjectKeyIdentifier sid (`[0] IMPLICIT OCTET STRING`).
const KEY_ID: u8 = 0x80;

/// Issuer names of SignerInfos, decoded once per distinct encoding: a stream names a few
/// DSC issuers, and decoding a name (OIDs, a SET per RDN, a value per attribute) cost
/// more than comparing its bytes with the last few and cloning the decoded one. Equal
/// bytes decode to equal names, so the cache cannot change a value.
#[derive(Debug, Default)]
pub(crate) struct RecentNames(RwLock<VecDeque<(Vec<u8>, Name)>>);

impl RecentNames {
    /// `Name::from_der(der)`, `None` where it fails.
    fn decode(&self, der: &[u8]) -> Option<Name> {
        if let Ok(recent) = self.0.read()
            && let Some((_, name)) = recent.iter().find(|(bytes, _)| bytes.as_slice() == der)
        {
            return Some(name.clone());
        }
        let name = Name::from_der(der).ok()?;
        if let Ok(mut recent) = self.0.write() {
            if recent.len() >= RECENT_NAMES {
                recent.pop_back();
            }
            recent.push_front((der.to_vec(), name.clone()));
        }
        Some(name)
    }
}

/// The reader's position as an offset into its input.
fn offset(reader: &SliceReader<'_>) -> Option<usize> {
    usize::try_from(reader.position()).ok()
}

/// The next element of `reader` (over `input`): its header, its value and its whole
/// encoding as received.
fn element<'a>(
    reader: &mut SliceReader<'a>,
    input: &'a [u8],
) -> Option<(Header, &'a [u8], &'a [u8])> {
    let start = offset(reader)?;
    let header = Header::decode(reader).ok()?;
    let value = reader.read_slice(header.length()).ok()?;
    let end = offset(reader)?;
    Some((header, value, input.get(start..end)?))
}

/// The value of the single element `input` consists of, when its tag is `tag`.
fn only_element(input: &[u8], tag: Tag) -> Option<&[u8]> {
    let mut reader = SliceReader::new(input).ok()?;
    let (header, value, _) = element(&mut reader, input)?;
    (header.tag() == tag && reader.is_finished()).then_some(value)
}

/// Reads the SignerInfo of the signerInfos field as the fast path decoded it (any tag):
/// `Some` only for a SET of exactly one SignerInfo in the common shape.
pub(super) fn read(signer_infos: AnyRef<'_>, names: &RecentNames) -> Option<SignerFields> {
    if signer_infos.tag() != Tag::Set {
        return None;
    }
    let set = signer_infos.value();
    // Exactly one element, a SEQUENCE: the SignerInfo.
    let body = only_element(set, Tag::Sequence)?;
    let mut fields = SliceReader::new(body).ok()?;
    let version = CmsVersion::decode(&mut fields).ok()?;
    let signer = signer_id(&mut fields, body, names)?;
    // A version that does not match the sid is refused by the full reader (RFC 5652 §5.3).
    if version != crate::encoding::signed_data::signer_info_version(&signer) {
        return None;
    }
    let digest = AlgorithmIdentifierRef::decode(&mut fields).ok()?;
    let digest_algorithm = HashAlgorithm::from_oid(&digest.oid).ok()?;
    let (signed_attrs, attributes) = if fields.peek_byte() == Some(SIGNED_ATTRS) {
        let (header, value, whole) = element(&mut fields, body)?;
        let expected = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        };
        if header.tag() != expected {
            return None;
        }
        (Some(whole), Some(read_attributes(value)?))
    } else {
        (None, None)
    };
    let signature_algorithm = AlgorithmIdentifierRef::decode(&mut fields)
        .ok()?
        .to_der()
        .ok()?;
    if fields.peek_byte() != Some(0x04) {
        return None;
    }
    let signature = <&OctetStringRef>::decode(&mut fields).ok()?;
    // unsignedAttrs (or anything else) after the signature: left to the full reader.
    if !fields.is_finished() {
        return None;
    }
    let attributes = attributes.unwrap_or_default();
    Some(SignerFields {
        signer,
        digest_algorithm,
        signature_algorithm,
        // RFC 5652 §5.4: the signature covers the attributes tagged as a SET.
        signed_attrs: signed_attrs.map(|bytes| {
            let mut out = bytes.to_vec();
            if let Some(first) = out.first_mut() {
                *first = 0x31;
            }
            out
        }),
        attr_content_type: attributes.content_type,
        attr_message_digest: attributes.message_digest.map(<[u8]>::to_vec),
        signing_time: attributes.signing_time,
        signature: signature.as_bytes().to_vec(),
    })
}

/// The sid: issuerAndSerialNumber (a SEQUENCE of the issuer's Name and the serial
/// number) or `[0]` subjectKeyIdentifier.
fn signer_id<'a>(
    fields: &mut SliceReader<'a>,
    body: &'a [u8],
    names: &RecentNames,
) -> Option<SignerId> {
    let first = fields.peek_byte()?;
    let (header, value, _) = element(fields, body)?;
    match first {
        0x30 if header.tag() == Tag::Sequence => {
            let mut parts = SliceReader::new(value).ok()?;
            let (_, _, issuer) = element(&mut parts, value)?;
            let (_, _, serial) = element(&mut parts, value)?;
            if !parts.is_finished() {
                return None;
            }
            let serial: SerialNumber = SerialNumber::from_der(serial).ok()?;
            Some(SignerId::IssuerSerial {
                issuer: names.decode(issuer)?,
                serial: serial.as_bytes().to_vec(),
            })
        }
        KEY_ID
            if header.tag()
                == (Tag::ContextSpecific {
                    constructed: false,
                    number: TagNumber(0),
                }) =>
        {
            Some(SignerId::KeyId(value.to_vec()))
        }
        _ => None,
    }
}

/// The signed attributes dongpo reads, borrowed.
#[derive(Default)]
struct Attributes<'a> {
    content_type: Option<ObjectIdentifier>,
    message_digest: Option<&'a [u8]>,
    signing_time: Option<UnixTime>,
}

/// Reads the content of signedAttrs: each `Attribute { type, SET OF value }` decoded as
/// `x509_cert::attr::Attribute` would be, each type at most once, the three known ones
/// with exactly one value of their type.
fn read_attributes(content: &[u8]) -> Option<Attributes<'_>> {
    let mut out = Attributes::default();
    let mut seen: Vec<ObjectIdentifier> = Vec::with_capacity(4);
    let mut reader = SliceReader::new(content).ok()?;
    while !reader.is_finished() {
        let (header, attribute, _) = element(&mut reader, content)?;
        if header.tag() != Tag::Sequence {
            return None;
        }
        let mut parts = SliceReader::new(attribute).ok()?;
        let kind = ObjectIdentifier::decode(&mut parts).ok()?;
        let (header, set, _) = element(&mut parts, attribute)?;
        if header.tag() != Tag::Set || !parts.is_finished() {
            return None;
        }
        // RFC 5652 §5.3: each attribute type at most once.
        if seen.contains(&kind) {
            return None;
        }
        seen.push(kind);
        // Every value must decode as `Any` (as the owned attribute's SET OF requires).
        let mut values = SliceReader::new(set).ok()?;
        let mut first = None;
        let mut count = 0usize;
        while !values.is_finished() {
            let value = AnyRef::decode(&mut values).ok()?;
            first.get_or_insert(value);
            count += 1;
        }
        let known = [
            oid::ATTR_CONTENT_TYPE,
            oid::ATTR_MESSAGE_DIGEST,
            oid::ATTR_SIGNING_TIME,
        ];
        if !known.contains(&kind) {
            continue;
        }
        // RFC 5652 §11.1-11.3: exactly one value.
        let value = first.filter(|_| count == 1)?;
        if kind == oid::ATTR_CONTENT_TYPE {
            out.content_type = Some(value.decode_as::<ObjectIdentifier>().ok()?);
        } else if kind == oid::ATTR_MESSAGE_DIGEST {
            out.message_digest = Some(value.decode_as::<&OctetStringRef>().ok()?.as_bytes());
        } else {
            let time = value.decode_as::<x509_cert::time::Time>().ok()?;
            out.signing_time = Some(UnixTime::from_x509(&time));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::encoding::cms_raw;
    use crate::encoding::signed_data::Encoding;

    /// The borrowed reader answers for every DER synthetic SOD, with the fields the full
    /// reader gives (the fast path's tests compare whole `Sod`s; this one shows that the
    /// answer comes from this reader and not from its fallback).
    #[test]
    fn reads_every_der_vector_as_the_full_reader() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
        let names = RecentNames::default();
        let mut read_here = 0;
        for profile in std::fs::read_dir(root.join("synthetic")).unwrap() {
            let sod = profile.unwrap().path().join("genuine/EF_SOD.bin");
            let Ok(file) = std::fs::read(&sod) else {
                continue;
            };
            let content = crate::encoding::tlv::TlvReader::ber(&file)
                .read()
                .unwrap()
                .value;
            let element = cms_raw::single_signer_info(content).unwrap().element;
            let full = SignerFields::read(content, Encoding::Der).unwrap();
            for _ in 0..2 {
                let fast = read(AnyRef::new(Tag::Set, element).unwrap(), &names).unwrap();
                assert_eq!(
                    format!("{fast:?}"),
                    format!("{full:?}"),
                    "{}",
                    sod.display()
                );
            }
            read_here += 1;
        }
        assert!(read_here >= 9, "{read_here}");
    }
}
