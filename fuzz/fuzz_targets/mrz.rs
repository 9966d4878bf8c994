//! Hostile text into the MRZ parser: raw bytes as UTF-8, and bytes mapped onto the MRZ
//! alphabet at the exact TD1/TD2/TD3 lengths so that field cutting, document-number
//! overflow and check digits are reached.
#![no_main]

use dongpo_icao::lds::Mrz;
use libfuzzer_sys::fuzz_target;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<";

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Mrz::parse(text);
    }
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let len = [90, 72, 88][usize::from(selector % 3)];
    let text: String = rest
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .chain(std::iter::repeat('<'))
        .take(len)
        .collect();
    let mrz = Mrz::parse(&text).unwrap_or_else(|e| panic!("valid alphabet and length: {e}"));
    assert!(matches!(mrz.check_digits.len(), 4 | 5));
    assert_eq!(mrz.lines().concat(), text);
});
