//! A minimal BER walker over CMS SignedData, used for one thing only: to find the
//! SignerInfo's signedAttrs *as received*, since the signature covers those bytes and
//! a decode/re-encode round trip may reorder or re-encode them (SET OF sorting, BER).

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

/// The signedAttrs of the first SignerInfo of a ContentInfo(SignedData), with the
/// `[0] IMPLICIT` tag replaced by SET (0x31) as RFC 5652 §5.4 prescribes for hashing.
/// `None` when the structure is not where CMS puts it or has no signedAttrs.
#[must_use]
pub fn signed_attrs_for_signature(content_info: &[u8]) -> Option<Vec<u8>> {
    let root = element(content_info, 0)?;
    // ContentInfo { contentType, [0] { SignedData } }
    let explicit = children(content_info, &root)?.into_iter().nth(1)?;
    let signed_data = children(content_info, &explicit)?.into_iter().next()?;
    // SignedData { version, digestAlgorithms, encapContentInfo, [0]?, [1]?, signerInfos }
    let signer_infos = children(content_info, &signed_data)?.pop()?;
    let signer = children(content_info, &signer_infos)?.into_iter().next()?;
    let attrs = children(content_info, &signer)?
        .into_iter()
        .find(|f| f.tag == 0xa0)?;
    // An indefinite-length SET is not what any signer hashed; refuse it.
    if content_info.get(attrs.start + 1) == Some(&0x80) {
        return None;
    }
    let mut out = content_info.get(attrs.start..attrs.end)?.to_vec();
    if let Some(first) = out.first_mut() {
        *first = 0x31;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncation_give_none() {
        assert_eq!(signed_attrs_for_signature(&[]), None);
        assert_eq!(signed_attrs_for_signature(&[0x30, 0x80, 0x30]), None);
        assert_eq!(
            signed_attrs_for_signature(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(
            signed_attrs_for_signature(&[0x30, 0x03, 0x02, 0x01, 0x01]),
            None
        );
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100_000)
            .flatten()
            .collect();
        assert_eq!(signed_attrs_for_signature(&deep), None);
    }
}
