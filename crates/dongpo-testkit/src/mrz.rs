//! TD3 (passport) MRZ lines with correct check digits.

use dongpo_icao::lds::check_char;

use crate::person::Person;

/// Pads or truncates to `len` with `<`.
fn field(s: &str, len: usize) -> String {
    let mut out: String = s.chars().take(len).collect();
    while out.chars().count() < len {
        out.push('<');
    }
    out
}

/// The 88 characters of a TD3 MRZ for `person`, issued by `state` (3 letters).
#[must_use]
pub fn td3(person: &Person, state: &str) -> String {
    let id = &person.identity;
    let name = format!("{}<<{}", id.surname, id.given_names.replace(' ', "<"));
    let line1 = field(&format!("P<{state}{name}"), 44);
    let doc = field(&id.document_number, 9);
    let birth = person.birth.mrz();
    let expiry = person.expiry.mrz();
    let optional = field("", 14);
    let cd = |s: &str| check_char(s).unwrap_or('0');
    let doc_part = format!("{doc}{}", cd(&doc));
    let birth_part = format!("{birth}{}", cd(&birth));
    let expiry_part = format!("{expiry}{}", cd(&expiry));
    // An all-filler optional field may carry '<' as its check digit (9303-4 §4.2.2.2).
    let optional_part = format!("{optional}<");
    let composite = cd(&format!(
        "{doc_part}{birth_part}{expiry_part}{optional_part}"
    ));
    let line2 = format!(
        "{doc_part}{}{birth_part}{}{expiry_part}{optional_part}{composite}",
        id.nationality, id.sex
    );
    format!("{line1}{line2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::Date;

    #[test]
    fn td3_has_the_right_shape_and_digits() {
        let person = Person::generate(
            1,
            Date {
                year: 2035,
                month: 6,
                day: 30,
            },
        );
        let mrz = td3(&person, "KOR");
        assert_eq!(mrz.len(), 88);
        let line2 = &mrz[44..];
        assert_eq!(check_char(&line2[0..9]), line2.chars().nth(9));
        assert_eq!(check_char(&line2[13..19]), line2.chars().nth(19));
        assert_eq!(check_char(&line2[21..27]), line2.chars().nth(27));
        let composite_input = format!("{}{}{}", &line2[0..10], &line2[13..20], &line2[21..43]);
        assert_eq!(check_char(&composite_input), line2.chars().nth(43));
        assert!(mrz.starts_with("P<KOR"));
    }
}
