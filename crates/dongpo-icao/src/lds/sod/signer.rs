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
//! - every element is walked with the DER rules of [`super::walk`] (tags, minimal
//!   lengths, INTEGERs and OIDs as `der` 0.8 decodes them; algorithm parameters NULL or
//!   a SEQUENCE, else declined); the name, the serial number, the signing time and the
//!   values of attributes dongpo does not read are decoded with their `der` types;
//! - `der` sorts a decoded DER SET OF and never refuses one for its order, so reading the
//!   attributes in the order received finds the same attributes; every case in which the
//!   order could matter (a type twice, a known attribute without exactly one value) is an
//!   error there and `None` here, and [`super::Sod::parse`] then gives the error;
//! - the signedAttrs bytes are the `[0]` element as received (what
//!   `cms_raw::single_signer_info` finds: in DER both walkers cut the same elements), and
//!   their attributes are counted as they are read.
//!
//! Anything else (BER, unsignedAttrs, a tag out of place) is `None`, never a guess.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, RwLock};

use cms::content_info::CmsVersion;
use const_oid::ObjectIdentifier;
use der::Decode;
use der::asn1::AnyRef;
use dongpo_pki::UnixTime;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::walk;
use crate::encoding::oid;
use crate::encoding::signed_data::{SignerFields, SignerId};
use crate::encoding::tlv::{Tlv, TlvReader};

/// Issuer names kept decoded.
const RECENT_NAMES: usize = 8;

/// `[0]` constructed: signedAttrs (`[0] IMPLICIT SET OF Attribute`).
const SIGNED_ATTRS: u32 = 0xa0;

/// `[0]` primitive: a subjectKeyIdentifier sid (`[0] IMPLICIT OCTET STRING`).
const KEY_ID: u32 = 0x80;

/// Issuer names of SignerInfos, decoded once per distinct encoding: a stream names a few
/// DSC issuers, and decoding a name (OIDs, a SET per RDN, a value per attribute) cost
/// more than comparing its bytes with the last few and sharing the decoded one. Equal
/// bytes decode to equal names, so the cache cannot change a value.
#[derive(Debug, Default)]
pub(crate) struct RecentNames(RwLock<VecDeque<(Vec<u8>, Arc<Name>)>>);

impl RecentNames {
    /// `Name::from_der(der)`, `None` where it fails.
    fn decode(&self, der: &[u8]) -> Option<Arc<Name>> {
        if let Ok(recent) = self.0.read()
            && let Some((_, name)) = recent.iter().find(|(bytes, _)| bytes.as_slice() == der)
        {
            return Some(Arc::clone(name));
        }
        let name = Arc::new(Name::from_der(der).ok()?);
        if let Ok(mut recent) = self.0.write() {
            if recent.len() >= RECENT_NAMES {
                recent.pop_back();
            }
            recent.push_front((der.to_vec(), name.clone()));
        }
        Some(name)
    }
}

/// Reads the SignerInfo of the signerInfos field (any tag): `Some` only for a SET of
/// exactly one SignerInfo in the common shape.
pub(super) fn read(signer_infos: &Tlv<'_>, names: &RecentNames) -> Option<SignerFields> {
    if signer_infos.tag != walk::SET {
        return None;
    }
    // Exactly one element, a SEQUENCE: the SignerInfo.
    let mut set = signer_infos.children();
    let body = walk::element(&mut set, walk::SEQUENCE)?;
    set.finish().ok()?;
    let mut fields = body.children();
    let version = match walk::small_uint(&walk::element(&mut fields, walk::INTEGER)?)? {
        1 => CmsVersion::V1,
        3 => CmsVersion::V3,
        // The other versions are refused below as for the full reader (or never match
        // a sid): declining keeps the errors that reader's.
        _ => return None,
    };
    let signer = signer_id(&mut fields, names)?;
    // A version that does not match the sid is refused by the full reader (RFC 5652 §5.3).
    if version != crate::encoding::signed_data::signer_info_version(&signer) {
        return None;
    }
    let digest_algorithm =
        walk::digest_algorithm(&walk::element(&mut fields, walk::SEQUENCE)?)?.ok()?;
    let (signed_attrs, attributes) = match walk::optional(&mut fields, SIGNED_ATTRS).ok()? {
        Some(element) => (Some(element.raw), read_attributes(&element)?),
        None => (None, Attributes::default()),
    };
    let signature_algorithm = walk::element(&mut fields, walk::SEQUENCE)?;
    walk::algorithm(&signature_algorithm)?;
    let signature = walk::element(&mut fields, walk::OCTET_STRING)?;
    // unsignedAttrs (or anything else) after the signature: left to the full reader.
    fields.finish().ok()?;
    Some(SignerFields {
        signer,
        digest_algorithm,
        // As received: a DER AlgorithmIdentifier re-encodes to its own bytes.
        signature_algorithm: signature_algorithm.raw.to_vec(),
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
        signature: signature.value.to_vec(),
    })
}

/// The sid: issuerAndSerialNumber (a SEQUENCE of the issuer's Name and the serial
/// number) or `[0]` subjectKeyIdentifier.
fn signer_id(fields: &mut TlvReader<'_>, names: &RecentNames) -> Option<SignerId> {
    let sid = fields.read().ok().filter(Tlv::has_der_length)?;
    match sid.tag {
        walk::SEQUENCE => {
            let mut parts = sid.children();
            let issuer = walk::element(&mut parts, walk::SEQUENCE)?;
            let serial = walk::element(&mut parts, walk::INTEGER)?;
            parts.finish().ok()?;
            let serial: SerialNumber = SerialNumber::from_der(serial.raw).ok()?;
            Some(SignerId::IssuerSerial {
                issuer: names.decode(issuer.raw)?,
                serial: serial.as_bytes().to_vec(),
            })
        }
        KEY_ID => Some(SignerId::KeyId(sid.value.to_vec())),
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

/// Attribute types recorded in [`SeenTypes`]'s array before its set is used.
const SEEN_INLINE: usize = 8;

/// The attribute types of a SignerInfo seen so far, by their encoding (a DER OBJECT
/// IDENTIFIER has one encoding, so equal types have equal bytes): the first few in an
/// array searched in turn (an EF.SOD signs three attributes: no allocation per
/// document), any more in a set (a SOD of many thousand distinct attributes must not
/// cost a comparison of every pair: quadratic, seconds for a few hundred kilobytes).
struct SeenTypes<'a> {
    few: [&'a [u8]; SEEN_INLINE],
    count: usize,
    many: BTreeSet<&'a [u8]>,
}

impl<'a> SeenTypes<'a> {
    fn new() -> Self {
        SeenTypes {
            few: [&[]; SEEN_INLINE],
            count: 0,
            many: BTreeSet::new(),
        }
    }

    /// Records `kind`; `false` when it was recorded before.
    fn insert(&mut self, kind: &'a [u8]) -> bool {
        let recorded = self.few.get(..self.count).unwrap_or(&[]);
        if recorded.contains(&kind) {
            return false;
        }
        if let Some(slot) = self.few.get_mut(self.count) {
            *slot = kind;
            self.count += 1;
            return true;
        }
        self.many.insert(kind)
    }
}

/// Reads the signedAttrs element: each `Attribute { type, SET OF value }` decoded as
/// `x509_cert::attr::Attribute` would be, each type at most once, the three known ones
/// with exactly one value of their type.
fn read_attributes<'a>(signed_attrs: &Tlv<'a>) -> Option<Attributes<'a>> {
    let mut out = Attributes::default();
    let mut seen = SeenTypes::new();
    for attribute in walk::children(signed_attrs) {
        let attribute = attribute.filter(|a| a.tag == walk::SEQUENCE)?;
        let mut parts = attribute.children();
        let kind_element = walk::element(&mut parts, walk::OID)?;
        // Read to be refused as `der` refuses it; compared below by its bytes (a DER OID
        // has one encoding).
        walk::object_identifier(&kind_element)?;
        let kind = kind_element.value;
        let set = walk::element(&mut parts, walk::SET)?;
        parts.finish().ok()?;
        // RFC 5652 §5.3: each attribute type at most once.
        if !seen.insert(kind) {
            return None;
        }
        let content_type = kind == oid::ATTR_CONTENT_TYPE.as_bytes();
        let message_digest = kind == oid::ATTR_MESSAGE_DIGEST.as_bytes();
        if !content_type && !message_digest && kind != oid::ATTR_SIGNING_TIME.as_bytes() {
            // Every value must decode as `Any` (as the owned attribute's SET OF requires).
            let mut values = walk::children(&set);
            if !values.all(|value| value.is_some_and(|v| AnyRef::from_der(v.raw).is_ok())) {
                return None;
            }
            continue;
        }
        // RFC 5652 §11.1-11.3: exactly one value.
        let mut values = set.children();
        let value = values.read().ok().filter(Tlv::has_der_length)?;
        values.finish().ok()?;
        if content_type {
            out.content_type = Some(walk::object_identifier(&value)?);
        } else if message_digest {
            (value.tag == walk::OCTET_STRING).then_some(())?;
            out.message_digest = Some(value.value);
        } else {
            out.signing_time = Some(signing_time(&value)?);
        }
    }
    Some(out)
}

/// `[UNIVERSAL 23]` primitive: UTCTime.
const UTC_TIME: u32 = 0x17;

/// The signingTime value, as `x509_cert::time::Time::from_der` and
/// [`UnixTime::from_x509`] give it: a UTCTime of the one DER form
/// (`YYMMDDHHMMSSZ`) read here, anything else by `der`.
fn signing_time(value: &Tlv<'_>) -> Option<UnixTime> {
    if value.tag == UTC_TIME
        && let Some(time) = utc_time(value.value)
    {
        return Some(time);
    }
    let time = x509_cert::time::Time::from_der(value.raw).ok()?;
    Some(UnixTime::from_x509(&time))
}

/// A UTCTime's content read as `der` 0.8 reads it (`UtcTime::decode_value`): 13 bytes,
/// two decimal digits per field, `Z`; years 50-99 are 19xx, 00-49 20xx; the date and
/// time checked by [`der::DateTime::new`]. `None` for anything `der` refuses.
fn utc_time(content: &[u8]) -> Option<UnixTime> {
    let [y1, y2, mo1, mo2, d1, d2, h1, h2, mi1, mi2, s1, s2, b'Z'] =
        <[u8; 13]>::try_from(content).ok()?
    else {
        return None;
    };
    let two = |hi: u8, lo: u8| {
        (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| (hi - b'0') * 10 + (lo - b'0'))
    };
    let year = u16::from(two(y1, y2)?);
    let year = if year >= 50 { year + 1900 } else { year + 2000 };
    let time = der::DateTime::new(
        year,
        two(mo1, mo2)?,
        two(d1, d2)?,
        two(h1, h2)?,
        two(mi1, mi2)?,
        two(s1, s2)?,
    )
    .ok()?;
    Some(UnixTime(time.unix_duration().as_secs()))
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
                let set = crate::encoding::tlv::encode(&[0x31], element);
                let fast = read(&TlvReader::new(&set).read().unwrap(), &names).unwrap();
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

    /// The UTCTime reader agrees with `der` on every shape of a 13-byte content (each
    /// field at and around its bounds, non-digits, other final bytes) and on the
    /// GeneralizedTime and odd lengths it leaves to `der`.
    #[test]
    fn signing_time_reads_as_der() {
        let by_der = |raw: &[u8]| {
            x509_cert::time::Time::from_der(raw)
                .ok()
                .map(|t| UnixTime::from_x509(&t))
        };
        let fields: [&[&str]; 6] = [
            &["00", "49", "50", "99", "70", "0a", "/0"],
            &["00", "01", "02", "12", "13", "1:"],
            &["00", "01", "28", "29", "30", "31", "32"],
            &["00", "23", "24"],
            &["00", "59", "60"],
            &["00", "59", "60", "61"],
        ];
        let mut compared = 0;
        let mut text = String::new();
        let mut pick = [0usize; 6];
        'all: loop {
            text.clear();
            for (field, &i) in fields.iter().zip(&pick) {
                text.push_str(field[i]);
            }
            for last in [b'Z', b'z', b'0', b'+'] {
                let mut content = text.clone().into_bytes();
                content.push(last);
                let raw = crate::encoding::tlv::encode(&[0x17], &content);
                let tlv = TlvReader::new(&raw).read().unwrap();
                assert_eq!(signing_time(&tlv), by_der(&raw), "{content:?}");
                compared += 1;
            }
            for (i, field) in fields.iter().enumerate() {
                pick[i] += 1;
                if pick[i] < field.len() {
                    continue 'all;
                }
                pick[i] = 0;
            }
            break;
        }
        assert!(compared > 10_000, "{compared}");
        for raw in [
            &b"\x18\x0f20500101000000Z"[..],
            b"\x17\x0b5001010000Z",
            b"\x17\x0f500101000000+0000",
            b"\x17\x0d500229000000Z",
            b"\x17\x0d000229000000Z",
        ] {
            let tlv = TlvReader::new(raw).read().unwrap();
            assert_eq!(signing_time(&tlv), by_der(raw), "{raw:?}");
        }
    }

    /// Attribute types are found again however many were recorded, in the array and
    /// in the set beyond it.
    #[test]
    fn seen_types_refuse_every_repeat() {
        let kinds: Vec<Vec<u8>> = (0..40u8).map(|n| vec![0x2a, n]).collect();
        let mut seen = SeenTypes::new();
        for kind in &kinds {
            assert!(seen.insert(kind));
        }
        for kind in &kinds {
            assert!(!seen.insert(kind));
        }
    }
}
