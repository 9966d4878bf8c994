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

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use dongpo_crypto::HashAlgorithm;

use super::signer::RecentNames;
use super::{Sod, walk};
use crate::encoding::oid;
use crate::encoding::signed_data::{Encoding, SignedDataInfo, SignerFields};
use crate::encoding::tlv::{Tlv, TlvReader};

/// Tag of the EF.SOD wrapper: `[APPLICATION 23]` constructed.
const SOD_TAG: u32 = 0x77;

/// `[0]` constructed: ContentInfo's content (EXPLICIT).
const EXPLICIT_0: u32 = 0xa0;

/// `[0]` constructed: EncapsulatedContentInfo's eContent (EXPLICIT).
const ECONTENT: u32 = 0xa0;

/// `[0]` constructed: SignedData's certificates (IMPLICIT SET OF).
const CERTIFICATES: u32 = 0xa0;

/// Fingerprints kept before the set starts over.
const KNOWN_CAPACITY: usize = 65_536;

/// Certificates compared byte for byte before hashing.
const RECENT: usize = 8;

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
    let mut reader = TlvReader::new(file);
    let wrapper = walk::element(&mut reader, SOD_TAG)?;
    reader.finish().ok()?;
    Some(wrapper.value)
}

/// The SignedData's version: `CMSVersion`, which `der` reads for 0 to 5.
fn cms_version(version: &Tlv<'_>) -> Option<()> {
    (walk::small_uint(version)? <= 5).then_some(())
}

/// `DigestAlgorithmIdentifiers ::= SET OF DigestAlgorithmIdentifier`: nothing reads them
/// (the SignerInfo names its own), but each must be an AlgorithmIdentifier, as the owned
/// decode requires.
fn digest_algorithms(set: &Tlv<'_>) -> Option<()> {
    walk::children(set)
        .all(|element| element.is_some_and(|e| walk::algorithm(&e).is_some()))
        .then_some(())
}

/// `EncapsulatedContentInfo ::= SEQUENCE { eContentType, [0] EXPLICIT OCTET STRING }`:
/// the content type and the eContent (required here; an EF.SOD always has it).
fn encapsulated_content<'a>(info: &Tlv<'a>) -> Option<(ObjectIdentifier, &'a [u8])> {
    let mut parts = info.children();
    let content_type = walk::object_identifier(&walk::element(&mut parts, walk::OID)?)?;
    let explicit = walk::element(&mut parts, ECONTENT)?;
    parts.finish().ok()?;
    let mut inner = explicit.children();
    let econtent = walk::element(&mut inner, walk::OCTET_STRING)?;
    inner.finish().ok()?;
    Some((content_type, econtent.value))
}

/// `[0] IMPLICIT CertificateSet`: each element's bytes, undecoded (each DER, as `der`
/// reads an element).
fn certificate_slices<'a>(set: &Tlv<'a>) -> Option<Vec<&'a [u8]>> {
    walk::children(set)
        .map(|element| element.map(|e| e.raw))
        .collect()
}

/// Parses `file` when it has the common shape, `None` otherwise (then `Sod::parse`
/// decides, with its own error).
#[must_use]
pub fn parse(file: &[u8], known: &KnownCertificates) -> Option<Sod> {
    let content = unwrap_sod(file)?;
    // ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT SignedData }, filling `content`.
    let mut outer = TlvReader::new(content);
    let info = walk::element(&mut outer, walk::SEQUENCE)?;
    outer.finish().ok()?;
    let mut parts = info.children();
    let content_type = walk::element(&mut parts, walk::OID)?;
    if content_type.value != oid::ID_SIGNED_DATA.as_bytes() {
        return None;
    }
    let explicit = walk::element(&mut parts, EXPLICIT_0)?;
    parts.finish().ok()?;
    let mut inner = explicit.children();
    let signed = walk::element(&mut inner, walk::SEQUENCE)?;
    inner.finish().ok()?;

    let mut fields = signed.children();
    cms_version(&walk::element(&mut fields, walk::INTEGER)?)?;
    digest_algorithms(&walk::element(&mut fields, walk::SET)?)?;
    let (econtent_type, econtent) =
        encapsulated_content(&walk::element(&mut fields, walk::SEQUENCE)?)?;
    let certificates = match walk::optional(&mut fields, CERTIFICATES).ok()? {
        None => Vec::new(),
        Some(set) => certificate_slices(&set)?,
    };
    if certificates.len() > 1 {
        return None;
    }
    // CRLs inside the SignedData: an unusual shape, left to `Sod::parse`.
    let signer_infos = walk::element(&mut fields, walk::SET)?;
    fields.finish().ok()?;
    if !certificates.iter().all(|der| known.admit(der)) {
        return None;
    }
    // The signer is read borrowed ([`super::signer`]); where that reader declines (BER
    // is excluded above; unsignedAttrs, an odd shape), the one reader `Sod::parse` uses.
    let signer = match super::signer::read(&signer_infos, &known.names) {
        Some(signer) => signer,
        None => SignerFields::read(content, Encoding::Der).ok()?,
    };
    let cms = SignedDataInfo::with_signer(
        Encoding::Der,
        econtent_type,
        econtent.to_vec(),
        certificates.into_iter().map(<[u8]>::to_vec).collect(),
        signer,
    );
    // `unwrap_sod` read a DER header (definite, minimal length) and nothing follows the
    // object: the whole file is the object.
    Sod::with_cms(file, file, true, true, cms).ok()
}
