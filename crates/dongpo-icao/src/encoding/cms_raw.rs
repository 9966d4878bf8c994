//! The one SignerInfo of a CMS SignedData, located in the bytes as received. It finds the
//! SignerInfo and its signedAttrs *as received* (the signature covers those bytes, and a
//! decode/re-encode round trip may reorder or re-encode them: SET OF sorting, BER). The
//! walk uses the crate's one TLV reader in its BER mode ([`TlvReader::ber`]), which also
//! reads indefinite lengths.

use crate::encoding::tlv::{Tlv, TlvError, TlvReader};

/// The children of `parent`, read in `parent`'s mode.
fn children<'a>(parent: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, TlvError> {
    parent.children().collect()
}

/// Why the SignerInfo of a SignedData could not be located in the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RawSignerError {
    /// The ContentInfo / SignedData / signerInfos nesting is not where CMS puts it.
    #[error("the signerInfos SET is not where RFC 5652 puts it")]
    Layout,
    /// signerInfos holds another number of SignerInfos than one.
    #[error("{0} SignerInfos, exactly one is required")]
    SignerCount(usize),
    /// The signedAttrs use the indefinite length form: not what any signer hashed
    /// (RFC 5652 §5.4 hashes the DER encoding).
    #[error("signedAttrs with an indefinite length")]
    IndefiniteSignedAttrs,
}

/// The one SignerInfo of a ContentInfo(SignedData), located in the bytes as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSignerInfo<'a> {
    /// The whole SignerInfo element (tag, length, content, and end-of-contents if any).
    pub element: &'a [u8],
    /// The signedAttrs `[0] IMPLICIT` element of that same SignerInfo, as received.
    pub signed_attrs: Option<&'a [u8]>,
    /// How many attributes the received signedAttrs SET holds (counted in the bytes,
    /// before any decoder could sort, merge or drop one).
    pub signed_attr_count: usize,
}

impl RawSignerInfo<'_> {
    /// The signedAttrs with the `[0] IMPLICIT` tag replaced by SET (0x31), as RFC 5652
    /// §5.4 prescribes for the signature input.
    #[must_use]
    pub fn signed_attrs_for_signature(&self) -> Option<Vec<u8>> {
        let mut out = self.signed_attrs?.to_vec();
        if let Some(first) = out.first_mut() {
            *first = 0x31;
        }
        Some(out)
    }
}

/// Locates the signerInfos SET of a ContentInfo(SignedData) in the bytes as received,
/// requires it to hold exactly one SignerInfo, and returns that element with the
/// signedAttrs taken from *the same* element.
///
/// Why the bytes and not a decoder: `der` sorts SET OF elements when it decodes DER, so
/// "the first SignerInfo" of a decoded structure need not be the first in the bytes. A
/// reader that took the signer's fields from one and the signedAttrs from the other
/// could be handed two SignerInfos, each picked by the side it suits. With exactly one
/// element there is nothing to choose.
///
/// # Errors
/// [`RawSignerError`].
pub fn single_signer_info(content_info: &[u8]) -> Result<RawSignerInfo<'_>, RawSignerError> {
    // Any unreadable TLV on the way means the nesting is not where CMS puts it.
    let layout = |_: TlvError| RawSignerError::Layout;
    let root = TlvReader::ber(content_info).read().map_err(layout)?;
    // ContentInfo { contentType, [0] EXPLICIT SignedData }
    let explicit = children(&root)
        .map_err(layout)?
        .into_iter()
        .nth(1)
        .filter(|e| e.tag == 0xa0)
        .ok_or(RawSignerError::Layout)?;
    let signed_data = children(&explicit)
        .map_err(layout)?
        .into_iter()
        .next()
        .filter(|e| e.tag == 0x30)
        .ok_or(RawSignerError::Layout)?;
    // SignedData { version, digestAlgorithms, encapContentInfo, [0]?, [1]?, signerInfos }:
    // signerInfos is the last field.
    let signer_infos = children(&signed_data)
        .map_err(layout)?
        .pop()
        .filter(|e| e.tag == 0x31)
        .ok_or(RawSignerError::Layout)?;
    let mut signers = children(&signer_infos).map_err(layout)?;
    if signers.len() != 1 {
        return Err(RawSignerError::SignerCount(signers.len()));
    }
    let signer = signers.pop().ok_or(RawSignerError::Layout)?;
    if signer.tag != 0x30 {
        return Err(RawSignerError::Layout);
    }
    // SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm,
    // signature, [1] unsignedAttrs? }: signedAttrs, when present, is the fourth field (a
    // subjectKeyIdentifier sid is [0] too, but primitive: 0x80, never 0xa0).
    let fields = children(&signer).map_err(layout)?;
    let attrs = fields.get(3).filter(|f| f.tag == 0xa0);
    let (signed_attrs, signed_attr_count) = match attrs {
        None => (None, 0),
        Some(attrs) => {
            if attrs.is_indefinite() {
                return Err(RawSignerError::IndefiniteSignedAttrs);
            }
            let count = children(attrs).map_err(layout)?.len();
            (Some(attrs.raw), count)
        }
    };
    Ok(RawSignerInfo {
        element: signer.raw,
        signed_attrs,
        signed_attr_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncation_give_none() {
        let layout = Err(RawSignerError::Layout);
        assert_eq!(single_signer_info(&[]), layout);
        assert_eq!(single_signer_info(&[0x30, 0x80, 0x30]), layout);
        assert_eq!(
            single_signer_info(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            layout
        );
        assert_eq!(single_signer_info(&[0x30, 0x03, 0x02, 0x01, 0x01]), layout);
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100_000)
            .flatten()
            .collect();
        assert_eq!(single_signer_info(&deep), layout);
        assert!(TlvReader::ber(&deep).read().is_err());
    }

    /// `ContentInfo { OID, [0] { SignedData { INTEGER, signerInfos } } }` with the given
    /// SignerInfo elements.
    fn content_info(signers: &[&[u8]]) -> Vec<u8> {
        let tlv = |tag: u8, value: &[u8]| {
            let mut out = vec![tag, u8::try_from(value.len()).unwrap()];
            out.extend_from_slice(value);
            out
        };
        let set = tlv(0x31, &signers.concat());
        let signed_data = tlv(0x30, &[&[0x02, 0x01, 0x03][..], &set].concat());
        let explicit = tlv(0xa0, &signed_data);
        tlv(0x30, &[&[0x06, 0x01, 0x2a][..], &explicit].concat())
    }

    #[test]
    fn exactly_one_signer_info_and_its_own_signed_attrs() {
        // SignerInfo { version, sid, digestAlgorithm, [0] { attr }, sigAlg, signature }
        let one: &[u8] = &[
            0x30, 0x13, 0x02, 0x01, 0x01, 0x80, 0x01, 0x07, 0x30, 0x00, 0xa0, 0x04, 0x30, 0x02,
            0x06, 0x00, 0x30, 0x00, 0x04, 0x01, 0x55,
        ];
        let two: &[u8] = &[
            0x30, 0x11, 0x02, 0x01, 0x01, 0x80, 0x01, 0x08, 0x30, 0x00, 0xa0, 0x02, 0x30, 0x00,
            0x30, 0x00, 0x04, 0x01, 0x66,
        ];
        let raw = content_info(&[one]);
        let signer = single_signer_info(&raw).unwrap();
        assert_eq!(signer.element, one);
        assert_eq!(signer.signed_attrs, Some(&one[10..16]));
        assert_eq!(signer.signed_attr_count, 1);
        assert_eq!(
            signer.signed_attrs_for_signature().unwrap()[0],
            0x31,
            "re-tagged as SET"
        );
        for signers in [&[one, two][..], &[two, one], &[one, one], &[]] {
            assert_eq!(
                single_signer_info(&content_info(signers)),
                Err(RawSignerError::SignerCount(signers.len()))
            );
        }
    }
}
