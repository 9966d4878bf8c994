//! Text and date values of DG11/DG12: UTF-8 as 9303-10 asks, with the encodings real
//! chips use instead (Latin-1 text, BCD dates).

/// UTF-8 text; bytes that are not UTF-8 are read as ISO 8859-1, which every older chip
/// that predates the UTF-8 rule used, so no value is lost or refused.
pub(crate) fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A date or date-time as ASCII digits: `YYYYMMDD` (or `YYYYMMDDhhmmss`).
///
/// Some chips (FR, BE: JMRTD `readFullDate`) write the digits as packed BCD, 4 bytes for
/// a date and 7 for a date-time; those are unpacked to the same ASCII form. Anything
/// else is returned as text, unvalidated: these fields are informative, not checked.
pub(crate) fn decode_date(bytes: &[u8]) -> String {
    let is_bcd = matches!(bytes.len(), 4 | 7)
        && bytes.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9)
        && !bytes.iter().all(u8::is_ascii_digit);
    if is_bcd {
        bytes
            .iter()
            .flat_map(|b| [b >> 4, b & 0x0F])
            .map(|d| char::from(b'0' + d))
            .collect()
    } else {
        decode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_latin1_and_bcd() {
        assert_eq!(decode("MÜLLER".as_bytes()), "MÜLLER");
        assert_eq!(decode(&[b'M', 0xDC, b'L']), "MÜL");
        assert_eq!(decode_date(b"19740812"), "19740812");
        assert_eq!(decode_date(&[0x19, 0x74, 0x08, 0x12]), "19740812");
        assert_eq!(
            decode_date(&[0x20, 0x24, 0x01, 0x31, 0x12, 0x59, 0x30]),
            "20240131125930"
        );
        // Not BCD (nibble > 9): kept as text.
        assert_eq!(decode_date(&[0x1A, 0x74, 0x08, 0x12]).chars().count(), 4);
    }
}
