//! The `mrz.check_digits` check: every check digit of the DG1 MRZ (TD1, TD2, TD3).

use crate::mrz::check_digit;
use crate::report::MrzSummary;

/// The MRZ text inside DG1 (`61 L 5F1F L text`).
fn mrz_text(dg1: &[u8]) -> Option<&str> {
    let mut pos = dg1.windows(2).position(|w| w == [0x5f, 0x1f])? + 2;
    let first = *dg1.get(pos)?;
    let len = if first < 0x80 {
        pos += 1;
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        let len = dg1
            .get(pos + 1..pos + 1 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        pos += 1 + n;
        len
    };
    std::str::from_utf8(dg1.get(pos..pos + len)?).ok()
}

/// `(field name, checked text, check digit position)` for each format.
fn digits(mrz: &str) -> Option<Vec<(&'static str, String, usize)>> {
    let s = |a: usize, b: usize| mrz.get(a..b).map(str::to_string);
    Some(match mrz.len() {
        88 => {
            let composite = format!("{}{}{}", s(44, 54)?, s(57, 64)?, s(65, 87)?);
            vec![
                ("document number", s(44, 53)?, 53),
                ("date of birth", s(57, 63)?, 63),
                ("date of expiry", s(65, 71)?, 71),
                ("optional data", s(72, 86)?, 86),
                ("composite", composite, 87),
            ]
        }
        72 => {
            let composite = format!("{}{}{}", s(36, 46)?, s(49, 56)?, s(57, 71)?);
            vec![
                ("document number", s(36, 45)?, 45),
                ("date of birth", s(49, 55)?, 55),
                ("date of expiry", s(57, 63)?, 63),
                ("composite", composite, 71),
            ]
        }
        90 => {
            let composite = format!("{}{}{}{}", s(5, 30)?, s(30, 37)?, s(38, 45)?, s(48, 59)?);
            vec![
                ("document number", s(5, 14)?, 14),
                ("date of birth", s(30, 36)?, 36),
                ("date of expiry", s(38, 44)?, 44),
                ("composite", composite, 59),
            ]
        }
        _ => return None,
    })
}

/// Checks every digit; returns `(all pass, detail, summary)`.
#[must_use]
pub fn check(dg1: &[u8]) -> (bool, String, Option<MrzSummary>) {
    let Some(mrz) = mrz_text(dg1) else {
        return (false, "DG1 holds no readable MRZ (tag 5F1F)".into(), None);
    };
    let Some(fields) = digits(mrz) else {
        return (
            false,
            format!("MRZ of {} characters is not TD1, TD2 or TD3", mrz.len()),
            None,
        );
    };
    let mut failed = Vec::new();
    for (name, text, at) in &fields {
        let found = mrz.as_bytes().get(*at).map(|b| char::from(*b));
        let expected = check_digit(text).map(|d| char::from(b'0' + d));
        // An all-filler optional field may carry '<' instead of '0' (9303-4).
        let filler_ok =
            *name == "optional data" && text.chars().all(|c| c == '<') && found == Some('<');
        if found != expected && !filler_ok {
            failed.push(format!("{name} (found {found:?}, computed {expected:?})"));
        }
    }
    let summary = summary(mrz);
    if failed.is_empty() {
        (
            true,
            format!("{} check digits correct", fields.len()),
            summary,
        )
    } else {
        (
            false,
            format!("wrong check digit: {}", failed.join(", ")),
            summary,
        )
    }
}

fn summary(mrz: &str) -> Option<MrzSummary> {
    let s = |a: usize, b: usize| mrz.get(a..b).map(|v| v.trim_end_matches('<').to_string());
    let (number, birth, expiry, nationality) = match mrz.len() {
        88 => (s(44, 53)?, s(57, 63)?, s(65, 71)?, s(54, 57)?),
        72 => (s(36, 45)?, s(49, 55)?, s(57, 63)?, s(46, 49)?),
        90 => (s(5, 14)?, s(30, 36)?, s(38, 44)?, s(45, 48)?),
        _ => return None,
    };
    Some(MrzSummary {
        document_type: s(0, 2)?,
        issuing_state: s(2, 5)?,
        document_number: number,
        date_of_birth: birth,
        date_of_expiry: expiry,
        nationality,
    })
}
