//! The MRZ check digit (9303-3 §4.9): 7-3-1 weights over the character values.

/// The 7-3-1 check digit over `field`, or `None` when a character is outside `A-Z0-9<`.
#[must_use]
pub fn check_digit(field: &str) -> Option<u8> {
    check_digit_parts(&[field])
}

/// A byte that is no MRZ character in [`VALUES`].
const NOT_MRZ: u8 = u8::MAX;

/// The value of every byte as an MRZ character (`0-9` -> 0-9, `A-Z` -> 10-35, `<` -> 0),
/// [`NOT_MRZ`] for every other byte: one look-up per character, no branches on ranges
/// (DG1 is checked for every document of a batch).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: `byte` runs over 0..256, the array's indices, and \
              an index out of range would fail the build, never a run"
)]
const VALUES: [u8; 256] = {
    let mut values = [NOT_MRZ; 256];
    let mut byte = 0;
    while byte < 256 {
        values[byte] = match byte as u8 {
            b @ b'0'..=b'9' => b - b'0',
            b @ b'A'..=b'Z' => b - b'A' + 10,
            b'<' => 0,
            _ => NOT_MRZ,
        };
        byte += 1;
    }
    values
};

/// Whether `byte` is an MRZ character (`A-Z`, `0-9`, `<`).
pub(super) fn is_mrz_byte(byte: u8) -> bool {
    value(byte) != NOT_MRZ
}

/// The entry of `byte` in [`VALUES`] (a `u8` always indexes its 256 entries).
fn value(byte: u8) -> u8 {
    VALUES.get(usize::from(byte)).copied().unwrap_or(NOT_MRZ)
}

/// [`check_digit`] over the concatenation of `parts`, without building it (the weights
/// run on across the parts, as over the concatenated string).
#[must_use]
pub fn check_digit_parts(parts: &[&str]) -> Option<u8> {
    // Over the bytes: every accepted character is ASCII, and any byte of a non-ASCII
    // character is outside the accepted set, so the answer is that of the characters.
    let mut sum = 0u32;
    let mut weight = 7u32;
    for part in parts {
        for &byte in part.as_bytes() {
            let value = value(byte);
            if value == NOT_MRZ {
                return None;
            }
            sum += u32::from(value) * weight;
            // The weights 7, 3, 1 repeat.
            weight = match weight {
                7 => 3,
                3 => 1,
                _ => 7,
            };
        }
    }
    u8::try_from(sum % 10).ok()
}

/// The check digit as its MRZ character.
#[must_use]
pub fn check_char(field: &str) -> Option<char> {
    check_char_parts(&[field])
}

/// [`check_char`] over the concatenation of `parts`.
#[must_use]
pub fn check_char_parts(parts: &[&str]) -> Option<char> {
    check_digit_parts(parts).map(|d| char::from(b'0' + d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_specimen_check_digits() {
        // 9303-3 Appendix A specimen: document L898902C3, DOB 740812, expiry 120415.
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ZE184226B<<<<<"), Some(1));
        assert_eq!(check_digit("abc"), None);
        // Split anywhere, the parts give the digit of the whole.
        for field in ["L898902C3", "ZE184226B<<<<<", "L898902C360740812212041591"] {
            for at in 0..=field.len() {
                let (a, b) = field.split_at(at);
                assert_eq!(
                    check_digit_parts(&[a, b]),
                    check_digit(field),
                    "{field} at {at}"
                );
                assert_eq!(check_digit_parts(&[a, "", b]), check_digit(field));
            }
        }
        assert_eq!(check_digit_parts(&["L898", "abc"]), None);
        assert_eq!(check_digit("L8é"), None, "a non-ASCII character");
    }

    /// The table gives every byte the value 9303-3 §4.9 gives its character.
    #[test]
    fn every_byte_has_its_mrz_value() {
        for byte in 0..=u8::MAX {
            let expected = match byte {
                b'0'..=b'9' => Some(byte - b'0'),
                b'A'..=b'Z' => Some(byte - b'A' + 10),
                b'<' => Some(0),
                _ => None,
            };
            let value = value(byte);
            assert_eq!((value != NOT_MRZ).then_some(value), expected, "{byte}");
            assert_eq!(is_mrz_byte(byte), expected.is_some(), "{byte}");
        }
        // A weight for each position, 7 3 1 7 3 1 ...: "1111" = 7 + 3 + 1 + 7.
        assert_eq!(check_digit("1111"), Some(8));
        assert_eq!(check_digit_parts(&["1", "11", "1"]), Some(8));
    }
}
