#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Property tests of the MRZ (ICAO 9303-3 §4.9, 9303-4 TD3): check digits catch every
//! single-character change that changes the character's value mod 10, and a TD3 MRZ built
//! from any fields parses back to them with every check digit valid.

use dongpo_icao::lds::check_digit;
use dongpo_icao::lds::{CheckDigitField, Mrz};
use proptest::prelude::*;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

fn value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

fn field(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(ALPHABET), len)
        .prop_map(|v| String::from_utf8(v).unwrap())
}

fn digit(text: &str) -> char {
    char::from(b'0' + check_digit(text).unwrap())
}

/// YYMMDD with a plausible month and day.
fn date() -> impl Strategy<Value = String> {
    (0..100u32, 1..=12u32, 1..=28u32).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

fn letters(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(&b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[..]),
        len,
    )
    .prop_map(|v| String::from_utf8(v).unwrap())
}

proptest! {
    #[test]
    fn a_changed_character_changes_the_check_digit(
        text in field(1..=30),
        at in any::<prop::sample::Index>(),
        replacement in proptest::sample::select(ALPHABET),
    ) {
        let i = at.index(text.len());
        let mut changed = text.clone().into_bytes();
        let before = changed[i];
        changed[i] = replacement;
        let changed = String::from_utf8(changed).unwrap();
        // Weights 7, 3, 1 are prime to 10: a change of value mod 10 always shows.
        if value(before) % 10 != value(replacement) % 10 {
            prop_assert_ne!(check_digit(&text), check_digit(&changed));
        }
        prop_assert!(check_digit(&text).unwrap() < 10);
    }

    #[test]
    fn characters_outside_the_mrz_alphabet_have_no_check_digit(
        text in field(0..=10),
        bad in proptest::sample::select(&b"abz -/a\xc3"[..]),
    ) {
        prop_assert_eq!(check_digit(&format!("{text}{}", char::from(bad))), None);
    }

    #[test]
    fn td3_round_trips(
        state in letters(3),
        surname in letters(8),
        given in letters(6),
        number in field(9..=9),
        nationality in letters(3),
        birth in date(),
        sex in proptest::sample::select(vec!['M', 'F', '<']),
        expiry in date(),
        optional in field(14..=14),
        flip in 0..9usize,
    ) {
        let name = format!("{surname}<<{given}");
        let line1 = format!("P<{state}{name:<<39}");
        let composite_part = format!(
            "{number}{}{nationality}{birth}{}{sex}{expiry}{}{optional}{}",
            digit(&number), digit(&birth), digit(&expiry), digit(&optional)
        );
        let composite_data = format!(
            "{number}{}{birth}{}{expiry}{}{optional}{}",
            digit(&number), digit(&birth), digit(&expiry), digit(&optional)
        );
        let line2 = format!("{composite_part}{}", digit(&composite_data));
        prop_assert_eq!(line1.len(), 44);
        prop_assert_eq!(line2.len(), 44);
        let mrz = Mrz::parse(&format!("{line1}\n{line2}")).unwrap();
        prop_assert!(mrz.check_digits_valid(), "{:?}", mrz.failed_check_digits());
        prop_assert_eq!(&mrz.issuing_state, &state);
        prop_assert_eq!(mrz.document_number.as_str(), number.trim_end_matches('<'));
        prop_assert_eq!(&mrz.date_of_birth, &birth);
        prop_assert_eq!(&mrz.date_of_expiry, &expiry);
        prop_assert_eq!(&mrz.nationality, &nationality);
        prop_assert_eq!(mrz.lines(), vec![line1.as_str(), line2.as_str()]);

        // One document-number character replaced by one of another value mod 10: the
        // document number's check digit (and the composite) fail.
        let mut tampered = line2.clone().into_bytes();
        let old = tampered[flip];
        let new = *ALPHABET
            .iter()
            .find(|&&c| value(c) % 10 != value(old) % 10)
            .unwrap();
        tampered[flip] = new;
        let tampered = String::from_utf8(tampered).unwrap();
        let failed = Mrz::parse(&format!("{line1}\n{tampered}")).unwrap().failed_check_digits();
        prop_assert!(failed.contains(&CheckDigitField::DocumentNumber), "{:?}", failed);
        prop_assert!(failed.contains(&CheckDigitField::Composite), "{:?}", failed);
    }
}
