//! Re-encodes chosen constructed DER nodes with BER indefinite lengths, as some real
//! SODs are written. Only structural wrappers are touched; signed bytes stay as they are.

/// One TLV: its header length and total length within the input.
fn split_tlv(bytes: &[u8]) -> Option<(usize, usize)> {
    let first_len = *bytes.get(1)?;
    let (header, len) = if first_len < 0x80 {
        (2, usize::from(first_len))
    } else {
        let n = usize::from(first_len & 0x7f);
        let len_bytes = bytes.get(2..2 + n)?;
        (
            2 + n,
            len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
        )
    };
    (header + len <= bytes.len()).then_some((header, header + len))
}

/// Rewrites `der` so that every constructed node whose child-index path is in `paths`
/// uses an indefinite length (`0x80` ... `00 00`). Paths index children from 0; `[]` is
/// the outermost node. Returns `None` for input that is not well-formed DER.
#[must_use]
pub fn to_indefinite(der: &[u8], paths: &[&[usize]]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(der.len() + 16);
    convert(der, &mut Vec::new(), paths, &mut out)?;
    Some(out)
}

fn convert(tlv: &[u8], path: &mut Vec<usize>, paths: &[&[usize]], out: &mut Vec<u8>) -> Option<()> {
    let (header, total) = split_tlv(tlv)?;
    let tag = *tlv.first()?;
    let constructed = tag & 0x20 != 0;
    if !constructed || !paths.contains(&path.as_slice()) {
        out.extend_from_slice(tlv.get(..total)?);
        return Some(());
    }
    out.extend_from_slice(&[tag, 0x80]);
    let mut rest = tlv.get(header..total)?;
    let mut index = 0;
    while !rest.is_empty() {
        let (_, child_len) = split_tlv(rest)?;
        path.push(index);
        convert(rest.get(..child_len)?, path, paths, out)?;
        path.pop();
        rest = rest.get(child_len..)?;
        index += 1;
    }
    out.extend_from_slice(&[0x00, 0x00]);
    Some(())
}

/// The nodes of a CMS ContentInfo(SignedData) that real BER SODs write indefinitely:
/// ContentInfo, its `[0]`, SignedData, EncapsulatedContentInfo and its `[0]`.
pub const SIGNED_DATA_WRAPPERS: [&[usize]; 5] = [&[], &[1], &[1, 0], &[1, 0, 2], &[1, 0, 2, 1]];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_chosen_nodes() {
        // SEQUENCE { SEQUENCE { INTEGER 5 }, OCTET STRING 'a' }
        let der = [0x30, 0x08, 0x30, 0x03, 0x02, 0x01, 0x05, 0x04, 0x01, b'a'];
        let ber = to_indefinite(&der, &[&[], &[0]]).unwrap_or_default();
        assert_eq!(
            ber,
            [
                0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0, 0, 0x04, 0x01, b'a', 0, 0
            ]
        );
        let only_outer = to_indefinite(&der, &[&[]]).unwrap_or_default();
        assert_eq!(
            only_outer,
            [
                0x30, 0x80, 0x30, 0x03, 0x02, 0x01, 0x05, 0x04, 0x01, b'a', 0, 0
            ]
        );
        assert!(to_indefinite(&[0x30, 0x05, 0x01], &[&[]]).is_none());
    }
}
