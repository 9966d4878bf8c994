//! Re-encodes chosen constructed DER nodes with BER indefinite lengths, as some real
//! SODs are written. Only structural wrappers are touched; signed bytes stay as they are.
//! A writer only: the DER is read with dongpo-icao's TLV reader.

use dongpo_icao::tlv::TlvReader;

/// Rewrites `der` so that every constructed node whose child-index path is in `paths`
/// uses an indefinite length (`0x80` ... `00 00`). Paths index children from 0; `[]` is
/// the outermost node. Returns `None` for input that is not well-formed DER.
#[must_use]
pub fn to_indefinite(der: &[u8], paths: &[&[usize]]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(der.len() + 16);
    convert(der, &mut Vec::new(), paths, &mut out)?;
    Some(out)
}

fn convert(der: &[u8], path: &mut Vec<usize>, paths: &[&[usize]], out: &mut Vec<u8>) -> Option<()> {
    // The one TLV reader of dongpo-icao, in its DER (definite-length) mode.
    let tlv = TlvReader::new(der).read().ok()?;
    if !tlv.constructed || !paths.contains(&path.as_slice()) {
        out.extend_from_slice(tlv.raw);
        return Some(());
    }
    out.extend_from_slice(tlv.tag_bytes());
    out.push(0x80);
    for (index, child) in tlv.children().enumerate() {
        path.push(index);
        convert(child.ok()?.raw, path, paths, out)?;
        path.pop();
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
