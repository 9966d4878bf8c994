//! Text from outside (file names, flag values, and parser messages that quote them) made
//! safe to print on a terminal: a file named with an escape sequence must not retitle the
//! terminal, move the cursor over a FAIL line or reorder what is shown.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every character no name may carry (control characters, bidirectional
/// controls and other invisible format characters: [`dongpo_ca::is_forbidden_in_names`])
/// written as a `\u{..}` escape; borrowed when there is nothing to escape.
///
/// ```text
/// "csca\u{1b}]0;x.der" -> "csca\u{1b}]0;x.der" (the escape printed as six characters)
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(dongpo_ca::is_forbidden_in_names) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if dongpo_ca::is_forbidden_in_names(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            printable("cdir/x\u{1b}]0;pwned\u{7}.der"),
            "cdir/x\\u{1b}]0;pwned\\u{7}.der"
        );
        assert_eq!(
            printable("a\u{202e}b\u{2066}c\r\n"),
            "a\\u{202e}b\\u{2066}c\\u{d}\\u{a}"
        );
        assert_eq!(printable("여권/csca.der"), "여권/csca.der");
        assert!(matches!(printable("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
