//! The MRZ check digit (9303-3 §4.9): 7-3-1 weights over the character values.

/// The 7-3-1 check digit over `field`, or `None` when a character is outside `A-Z0-9<`.
#[must_use]
pub fn check_digit(field: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (c, weight) in field.chars().zip(WEIGHTS.iter().cycle()) {
        let value = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            'A'..='Z' => u32::from(c) - u32::from('A') + 10,
            '<' => 0,
            _ => return None,
        };
        sum += value * weight;
    }
    u8::try_from(sum % 10).ok()
}

/// The check digit as its MRZ character.
#[must_use]
pub fn check_char(field: &str) -> Option<char> {
    check_digit(field).map(|d| char::from(b'0' + d))
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
    }
}
