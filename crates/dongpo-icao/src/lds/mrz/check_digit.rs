//! The MRZ check digit (9303-3 §4.9): 7-3-1 weights over the character values.

/// The 7-3-1 check digit over `field`, or `None` when a character is outside `A-Z0-9<`.
#[must_use]
pub fn check_digit(field: &str) -> Option<u8> {
    check_digit_parts(&[field])
}

/// [`check_digit`] over the concatenation of `parts`, without building it (the weights
/// run on across the parts, as over the concatenated string).
#[must_use]
pub fn check_digit_parts(parts: &[&str]) -> Option<u8> {
    // Over the bytes: every accepted character is ASCII, and any byte of a non-ASCII
    // character is outside the accepted set, so the answer is that of the characters.
    let mut sum = 0u32;
    let mut weight = 7u32;
    for &byte in parts.iter().flat_map(|part| part.as_bytes()) {
        let value = match byte {
            b'0'..=b'9' => byte - b'0',
            b'A'..=b'Z' => byte - b'A' + 10,
            b'<' => 0,
            _ => return None,
        };
        sum += u32::from(value) * weight;
        // The weights 7, 3, 1 repeat.
        weight = match weight {
            7 => 3,
            3 => 1,
            _ => 7,
        };
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
}
