//! BER-TLV as the LDS writes it: one- or two-byte tags, DER-style definite lengths.

/// Appends a definite length in the shortest form.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// `tag || length || value`.
#[must_use]
pub fn encode(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 6 + value.len());
    out.extend_from_slice(tag);
    push_length(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(encode(&[0x5f, 0x1f], b"AB"), [0x5f, 0x1f, 2, b'A', b'B']);
        let long = encode(&[0x75], &[0u8; 300]);
        assert_eq!(long.get(..4), Some(&[0x75, 0x82, 0x01, 0x2c][..]));
        assert_eq!(long.len(), 304);
    }
}
