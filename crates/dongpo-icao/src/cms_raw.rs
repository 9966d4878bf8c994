//! A minimal BER walker over CMS SignedData and the EF.SOD wrapper. It finds the one
//! SignerInfo and its signedAttrs *as received* (the signature covers those bytes, and a
//! decode/re-encode round trip may reorder or re-encode them: SET OF sorting, BER), and
//! where the 0x77 object of EF.SOD ends (definite or indefinite length).

/// One TLV element: where it starts, where its content lies, where it ends.
struct Element {
    tag: u8,
    start: usize,
    content_start: usize,
    content_end: usize,
    end: usize,
}

/// Nesting beyond this is refused: real SODs nest about eight deep, and hostile input
/// must not exhaust the stack.
const MAX_DEPTH: usize = 32;

/// Reads the element starting at `start` (single-byte tags suffice for CMS structure).
fn element(bytes: &[u8], start: usize) -> Option<Element> {
    element_at_depth(bytes, start, 0)
}

fn element_at_depth(bytes: &[u8], start: usize, depth: usize) -> Option<Element> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag = *bytes.get(start)?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *bytes.get(start + 1)?;
    if first == 0x80 {
        // Indefinite length: children until an end-of-contents 00 00.
        let content_start = start + 2;
        let mut cursor = content_start;
        loop {
            if bytes.get(cursor..cursor + 2)? == [0, 0] {
                return Some(Element {
                    tag,
                    start,
                    content_start,
                    content_end: cursor,
                    end: cursor + 2,
                });
            }
            cursor = element_at_depth(bytes, cursor, depth + 1)?.end;
        }
    }
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return None;
        }
        let len = bytes
            .get(start + 2..start + 2 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + n, len)
    };
    let content_start = start + header;
    let end = content_start.checked_add(len)?;
    (end <= bytes.len()).then_some(Element {
        tag,
        start,
        content_start,
        content_end: end,
        end,
    })
}

/// The children of `parent`.
fn children(bytes: &[u8], parent: &Element) -> Option<Vec<Element>> {
    let mut out = Vec::new();
    let mut cursor = parent.content_start;
    while cursor < parent.content_end {
        let child = element(bytes, cursor)?;
        cursor = child.end;
        out.push(child);
    }
    Some(out)
}

/// Where a TLV object lies in the bytes it was read from (BER: definite or indefinite
/// length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Offset of the tag byte.
    pub start: usize,
    /// Offset of the first content byte.
    pub content_start: usize,
    /// Offset just past the content (before an end-of-contents `00 00`).
    pub content_end: usize,
    /// Offset just past the object (after an end-of-contents `00 00`).
    pub end: usize,
    /// The tag byte.
    pub tag: u8,
}

/// The TLV object at the start of `bytes` (single-byte tag; definite lengths of up to four
/// length bytes, or the indefinite form, whose content is walked to its end-of-contents).
/// Bytes after the object are not looked at: [`Span::end`] says where it stops.
/// `None` when the object is truncated, too deep or its length unreadable.
#[must_use]
pub fn object(bytes: &[u8]) -> Option<Span> {
    element(bytes, 0).map(|e| Span {
        start: e.start,
        content_start: e.content_start,
        content_end: e.content_end,
        end: e.end,
        tag: e.tag,
    })
}

/// Why the SignerInfo of a SignedData could not be located in the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
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
    let layout = RawSignerError::Layout;
    let root = element(content_info, 0).ok_or(layout)?;
    // ContentInfo { contentType, [0] EXPLICIT SignedData }
    let explicit = children(content_info, &root)
        .and_then(|c| c.into_iter().nth(1))
        .filter(|e| e.tag == 0xa0)
        .ok_or(layout)?;
    let signed_data = children(content_info, &explicit)
        .and_then(|c| c.into_iter().next())
        .filter(|e| e.tag == 0x30)
        .ok_or(layout)?;
    // SignedData { version, digestAlgorithms, encapContentInfo, [0]?, [1]?, signerInfos }:
    // signerInfos is the last field.
    let signer_infos = children(content_info, &signed_data)
        .and_then(|mut c| c.pop())
        .filter(|e| e.tag == 0x31)
        .ok_or(layout)?;
    let mut signers = children(content_info, &signer_infos).ok_or(layout)?;
    if signers.len() != 1 {
        return Err(RawSignerError::SignerCount(signers.len()));
    }
    let signer = signers.pop().ok_or(layout)?;
    if signer.tag != 0x30 {
        return Err(layout);
    }
    // SignerInfo { version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm,
    // signature, [1] unsignedAttrs? }: signedAttrs, when present, is the fourth field (a
    // subjectKeyIdentifier sid is [0] too, but primitive: 0x80, never 0xa0).
    let fields = children(content_info, &signer).ok_or(layout)?;
    let attrs = fields.get(3).filter(|f| f.tag == 0xa0);
    let (signed_attrs, signed_attr_count) = match attrs {
        None => (None, 0),
        Some(attrs) => {
            if content_info.get(attrs.start + 1) == Some(&0x80) {
                return Err(RawSignerError::IndefiniteSignedAttrs);
            }
            let count = children(content_info, attrs).ok_or(layout)?.len();
            (
                Some(content_info.get(attrs.start..attrs.end).ok_or(layout)?),
                count,
            )
        }
    };
    Ok(RawSignerInfo {
        element: content_info.get(signer.start..signer.end).ok_or(layout)?,
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
        assert_eq!(object(&deep), None);
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

    #[test]
    fn object_reads_definite_and_indefinite_lengths() {
        let definite = [0x77, 0x03, 0x30, 0x01, 0x05, 0xff];
        let span = object(&definite).unwrap();
        assert_eq!((span.content_start, span.content_end, span.end), (2, 5, 5));
        let indefinite = [0x77, 0x80, 0x30, 0x01, 0x05, 0x00, 0x00, 0xee];
        let span = object(&indefinite).unwrap();
        assert_eq!((span.content_start, span.content_end, span.end), (2, 5, 7));
        assert_eq!(object(&[0x77, 0x80, 0x30, 0x01, 0x05]), None);
    }
}
