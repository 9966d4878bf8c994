//! Splitting a CRL's DER into what verifiers use, without decoding its revoked entries.
//!
//! x509-cert's `CertificateList` decodes every entry into owned structures: about nine
//! times the DER size for a million entries, and most of the parse time. Here the
//! revoked list stays borrowed DER (see [`super::index`]) and the signature is checked
//! over the `tbsCertList` bytes as received rather than a re-encoding.

use std::ops::Range;

use der::asn1::{BitString, SequenceRef};
use der::{Decode, DecodeValue, Reader, Sequence, SliceReader};
use x509_cert::Version;
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::Extensions;
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

/// RFC 5280 §5.1 `TBSCertList` with `revokedCertificates` left as DER; `version` may
/// be absent (v1).
#[derive(DecodeValue)]
struct TbsCertListRef<'a> {
    version: Option<Version>,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked_certificates: Option<&'a SequenceRef>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl_extensions: Option<Extensions>,
}

impl<'a> Sequence<'a> for TbsCertListRef<'a> {}

/// A CRL split into parts.
pub(crate) struct Parts {
    /// Every field except the revoked entries (`revoked_certificates` is `None`).
    pub(crate) crl: CertificateList,
    /// The `tbsCertList` TLV within the DER.
    pub(crate) tbs: Range<usize>,
    /// The content of `revokedCertificates` within the DER, when present.
    pub(crate) revoked: Option<Range<usize>>,
}

/// Splits `der`, checking the DER of everything but the entries (see [`super::index`]).
pub(crate) fn read(der: &[u8]) -> der::Result<Parts> {
    let mut reader = SliceReader::new(der)?;
    let (tbs_der, signature_algorithm, signature) = reader.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        let algorithm = AlgorithmIdentifierOwned::decode(r)?;
        let signature = BitString::decode(r)?;
        Ok::<_, der::Error>((tbs, algorithm, signature))
    })?;
    reader.finish()?;
    let tbs = TbsCertListRef::from_der(tbs_der)?;
    let revoked = tbs
        .revoked_certificates
        .map(|list| range_in(der, list.as_bytes()))
        .transpose()?;
    Ok(Parts {
        crl: CertificateList {
            tbs_cert_list: TbsCertList {
                version: tbs.version.unwrap_or(Version::V1),
                signature: tbs.signature,
                issuer: tbs.issuer,
                this_update: tbs.this_update,
                next_update: tbs.next_update,
                revoked_certificates: None,
                crl_extensions: tbs.crl_extensions,
            },
            signature_algorithm,
            signature,
        },
        tbs: range_in(der, tbs_der)?,
        revoked,
    })
}

/// Where `part`, a sub-slice borrowed from `whole`, lies within it.
fn range_in(whole: &[u8], part: &[u8]) -> der::Result<Range<usize>> {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    let range = start..start.saturating_add(part.len());
    match whole.get(range.clone()) {
        Some(found) if found.as_ptr() == part.as_ptr() => Ok(range),
        _ => Err(der::ErrorKind::Failed.into()),
    }
}
