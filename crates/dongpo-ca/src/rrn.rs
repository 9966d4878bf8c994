//! Resident registration numbers as given: the one place their form is checked. Both the
//! registry (which keeps only a keyed hash of the number) and the VID (computed from it)
//! read a number through here, so that they agree on what a number is.

use zeroize::Zeroizing;

/// The 13 digits of an RRN (one hyphen after the sixth allowed), in wiped memory.
pub(crate) fn normalise(rrn: &str) -> Option<Zeroizing<String>> {
    let digits: Zeroizing<String> = Zeroizing::new(match rrn.trim().split_once('-') {
        Some((a, b)) if a.len() == 6 => format!("{a}{b}"),
        Some(_) => return None,
        None => rrn.trim().to_owned(),
    });
    (digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_digits_with_one_optional_hyphen_after_the_sixth() {
        assert_eq!(
            normalise("590803-1544762").as_deref().map(String::as_str),
            Some("5908031544762")
        );
        assert_eq!(
            normalise(" 5908031544762\n").as_deref().map(String::as_str),
            Some("5908031544762")
        );
        for bad in [
            "59080-31544762",
            "590803154476",
            "59080315447621",
            "5908031544x62",
            "",
        ] {
            assert!(normalise(bad).is_none(), "{bad:?}");
        }
    }
}
