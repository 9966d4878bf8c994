//! The fast path of the EF.SOD parser, for the common shape: DER, the 0x77 wrapper, at
//! most one embedded certificate. It borrows the certificate from the input instead of
//! decoding it: decoding and re-encoding the DSC is half of [`Sod::parse`] (7.7 of 15.5
//! us for an RSA-2048 SOD), and once per DSC is enough ([`KnownCertificates`] remembers
//! the certificates seen to decode). The signer is decoded borrowed (`signer.rs`, the
//! same fields as [`SignerFields::read`], which stands in where that reader declines),
//! the `SignedDataInfo` and the `Sod` come from the constructors [`Sod::parse`] uses, so
//! only the walk over the SignedData and its SignerInfo differs. Anything else, and
//! every error, is left to [`Sod::parse`], so that reports and error messages stay the
//! single-document ones.
//!
//! Contract: whenever [`parse`] returns `Some(sod)`, `Sod::parse` returns `Ok` with the
//! same value (tested on the corpus and on mutated inputs). Callers use
//! [`Sod::parse_known`].

use std::collections::{HashSet, VecDeque};
use std::sync::RwLock;

use cms::content_info::CmsVersion;
use cms::revocation::RevocationInfoChoices;
use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, OctetStringRef};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Writer,
};
use dongpo_crypto::HashAlgorithm;

use super::Sod;
use super::content::{DigestAlgorithmsRef, EncapsulatedContentInfoRef};
use super::signer::RecentNames;
use crate::encoding::oid;
use crate::encoding::signed_data::{Encoding, SignedDataInfo, SignerFields};

/// Tag of the EF.SOD wrapper: `[APPLICATION 23]` constructed.
const SOD_TAG: Tag = Tag::Application {
    constructed: true,
    number: der::TagNumber(23),
};

/// Fingerprints kept before the set starts over.
const KNOWN_CAPACITY: usize = 65_536;

/// Certificates compared byte for byte before hashing.
const RECENT: usize = 8;

/// `ContentInfo` with its content borrowed.
#[derive(Sequence)]
struct ContentInfoRef<'a> {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    content: AnyRef<'a>,
}

/// `CertificateSet` as the bytes of each element, undecoded.
struct CertificateSlices<'a>(Vec<&'a [u8]>);

impl FixedTag for CertificateSlices<'_> {
    const TAG: Tag = Tag::Set;
}

impl<'a> DecodeValue<'a> for CertificateSlices<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let mut out = Vec::new();
        while !reader.is_finished() {
            out.push(reader.tlv_bytes()?);
        }
        Ok(CertificateSlices(out))
    }
}

/// Written back as received (the derive needs it; the parser never encodes).
impl EncodeValue for CertificateSlices<'_> {
    fn value_len(&self) -> der::Result<Length> {
        self.0.iter().try_fold(Length::ZERO, |total, der| {
            total + Length::try_from(der.len())?
        })
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.iter().try_for_each(|der| writer.write(der))
    }
}

/// `SignedData` (RFC 5652 §5.1) with the certificates and signerInfos left undecoded;
/// every other field is the `cms` crate's own type or its borrowed twin
/// ([`super::content`]), so it is read exactly as `Sod::parse` reads it.
#[derive(Sequence)]
struct SignedDataRef<'a> {
    version: CmsVersion,
    digest_algorithms: DigestAlgorithmsRef<'a>,
    encap_content_info: EncapsulatedContentInfoRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    certificates: Option<CertificateSlices<'a>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    crls: Option<RevocationInfoChoices>,
    /// Left undecoded here: [`SignerFields::read`] finds it in the bytes, requires exactly
    /// one SignerInfo (a SET, tag 0x31) and decodes that element with the `cms` type.
    signer_infos: AnyRef<'a>,
}

/// Certificates seen to decode as `Certificate` and re-encode to the same bytes:
/// `Sod::parse` would accept them and keep exactly these bytes.
#[derive(Debug, Default)]
pub struct KnownCertificates {
    /// SHA-256 of every certificate admitted.
    fingerprints: RwLock<HashSet<Vec<u8>>>,
    /// The last few admitted, compared byte for byte: a stream has few DSCs, and a
    /// comparison costs less than hashing a kilobyte.
    recent: RwLock<VecDeque<Vec<u8>>>,
    /// SignerInfo issuer names, decoded once per distinct encoding.
    names: RecentNames,
}

impl KnownCertificates {
    fn admit(&self, der: &[u8]) -> bool {
        if self
            .recent
            .read()
            .is_ok_and(|recent| recent.iter().any(|r| r.as_slice() == der))
        {
            return true;
        }
        let fingerprint = HashAlgorithm::Sha256.digest(der);
        let known = self
            .fingerprints
            .read()
            .is_ok_and(|set| set.contains(&fingerprint));
        let admitted = known
            || x509_cert::Certificate::from_der(der)
                .and_then(|c| c.to_der())
                .is_ok_and(|again| again == der);
        if !admitted {
            return false;
        }
        if !known && let Ok(mut set) = self.fingerprints.write() {
            if set.len() >= KNOWN_CAPACITY {
                set.clear();
            }
            set.insert(fingerprint);
        }
        if let Ok(mut recent) = self.recent.write() {
            if recent.len() >= RECENT {
                recent.pop_back();
            }
            recent.push_front(der.to_vec());
        }
        true
    }
}

/// The content of the 0x77 wrapper, when the file is wrapped with a DER length and
/// nothing follows it (trailing data is a quirk `Sod::parse` reports).
fn unwrap_sod(file: &[u8]) -> Option<&[u8]> {
    let mut reader = der::SliceReader::new(file).ok()?;
    let header = Header::decode(&mut reader).ok()?;
    if header.tag() != SOD_TAG {
        return None;
    }
    let start = usize::try_from(header.encoded_len().ok()?).ok()?;
    let len = usize::try_from(header.length()).ok()?;
    let end = start.checked_add(len)?;
    (end == file.len()).then(|| file.get(start..end)).flatten()
}

/// Parses `file` when it has the common shape, `None` otherwise (then `Sod::parse`
/// decides, with its own error).
#[must_use]
pub fn parse(file: &[u8], known: &KnownCertificates) -> Option<Sod> {
    let content = unwrap_sod(file)?;
    let info = ContentInfoRef::from_der(content).ok()?;
    if info.content_type != oid::ID_SIGNED_DATA {
        return None;
    }
    let signed: SignedDataRef<'_> = info.content.decode_as().ok()?;
    let certificates = match signed.certificates {
        None => Vec::new(),
        Some(CertificateSlices(list)) if list.len() <= 1 => list,
        Some(_) => return None,
    };
    if !certificates.iter().all(|der| known.admit(der)) {
        return None;
    }
    let econtent: &OctetStringRef = signed.encap_content_info.econtent?.decode_as().ok()?;
    // The signer is read borrowed ([`super::signer`]); where that reader declines (BER
    // is excluded above; unsignedAttrs, an odd shape), the one reader `Sod::parse` uses.
    let signer = match super::signer::read(signed.signer_infos, &known.names) {
        Some(signer) => signer,
        None => SignerFields::read(content, Encoding::Der).ok()?,
    };
    let cms = SignedDataInfo::with_signer(
        Encoding::Der,
        signed.encap_content_info.econtent_type,
        econtent.as_bytes().to_vec(),
        certificates.into_iter().map(<[u8]>::to_vec).collect(),
        signer,
    );
    // `unwrap_sod` read a DER header (definite, minimal length) and nothing follows the
    // object: the whole file is the object.
    Sod::with_cms(file, file, true, true, cms).ok()
}
