//! Found by the adversarial review of issue 18: registry names are checked with
//! `subject::name_text_problem`, which refused Cc/Cf/separators/private use but let
//! through default-ignorable *letters and marks*: the Hangul fillers (U+3164, U+115F,
//! U+1160, U+FFA0, Lo), variation selectors (U+FE00..FE0F, Mn) and the combining grapheme
//! joiner (U+034F, Mn). A commonName made only of Hangul fillers shows as blank, and
//! "김민준" + U+FE0F or + U+3164 shows exactly like "김민준". Names are not NFC-normalised
//! either, then: the NFD (conjoining jamo) spelling of a name is a second byte string that
//! renders identically.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use dongpo_ca::{UB_COMMON_NAME, name_text_problem};

#[test]
fn invisible_or_lookalike_names_are_refused() {
    let cases = [
        ("only Hangul fillers", "\u{3164}\u{3164}\u{3164}"),
        ("Hangul choseong/jungseong fillers", "\u{115F}\u{1160}"),
        ("halfwidth Hangul filler", "\u{FFA0}"),
        ("trailing Hangul filler", "김민준\u{3164}"),
        ("variation selector", "김민준\u{FE0F}"),
        ("combining grapheme joiner", "김\u{034F}민준"),
        // NFD of 김민준: conjoining jamo, renders as the NFC syllables.
        (
            "NFD spelling",
            "\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}\u{110C}\u{116E}\u{11AB}",
        ),
    ];
    let accepted: Vec<&str> = cases
        .iter()
        .filter(|(_, text)| name_text_problem(text, UB_COMMON_NAME).is_none())
        .map(|(what, _)| *what)
        .collect();
    assert!(
        accepted.is_empty(),
        "accepted as a commonName: {accepted:?}"
    );
}

#[test]
fn ordinary_names_still_pass() {
    for name in ["김민준", "남궁 민수", "Kim Min-jun", "José Ñúñez"] {
        assert_eq!(name_text_problem(name, UB_COMMON_NAME), None, "{name}");
    }
}
