//! Parsing the Machine Readable Zone (ICAO 9303-3 §4.2, 9303-4 (TD3), 9303-5 (TD1),
//! 9303-6 (TD2)) into fields, with every check digit recomputed.
//!
//! Check-digit failures are not parse errors: the result lists each one with its field,
//! so that a verifier can report `mrz.check_digits` rather than refuse to look further.
//! Only text that cannot be an MRZ at all (wrong length, characters outside `A-Z0-9<`) is
//! an [`MrzError`].
//!
//! The one MRZ module: the check digit itself is in `check_digit`; the report check
//! `mrz.check_digits` built on [`Mrz::failed_check_digits`] is Passive Authentication's.

use serde::Serialize;

mod check_digit;

pub use check_digit::{check_char, check_digit};
use check_digit::{check_char_parts, is_mrz_byte};

/// The three MRZ layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MrzFormat {
    /// ID-1 size card: 3 lines of 30 characters.
    Td1,
    /// ID-2 size document: 2 lines of 36 characters.
    Td2,
    /// Passport booklet: 2 lines of 44 characters.
    Td3,
}

impl MrzFormat {
    /// Characters per line.
    #[must_use]
    pub const fn line_len(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 => 36,
            MrzFormat::Td3 => 44,
        }
    }

    /// Number of lines.
    #[must_use]
    pub const fn lines(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            MrzFormat::Td2 | MrzFormat::Td3 => 2,
        }
    }

    /// The format whose MRZ has `len` characters (without line breaks).
    #[must_use]
    pub const fn from_len(len: usize) -> Option<Self> {
        match len {
            90 => Some(MrzFormat::Td1),
            72 => Some(MrzFormat::Td2),
            88 => Some(MrzFormat::Td3),
            _ => None,
        }
    }
}

/// Text that is not an MRZ.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// Neither 90 (TD1), 72 (TD2) nor 88 (TD3) characters.
    #[error("{len} characters, expected 90 (TD1), 72 (TD2) or 88 (TD3)")]
    Length {
        /// Characters found (line breaks not counted).
        len: usize,
    },
    /// A character outside `A-Z 0-9 <`. Only its position is kept: the character may be
    /// one of the holder's name, and errors end up in reports, logs and answers.
    #[error("the character at position {position} is not A-Z, 0-9 or '<'")]
    InvalidCharacter {
        /// Zero-based position in the MRZ without line breaks.
        position: usize,
    },
}

/// A field protected by a check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigitField {
    /// Document number (the full number when it overflows into the optional data).
    DocumentNumber,
    /// Date of birth.
    DateOfBirth,
    /// Date of expiry.
    DateOfExpiry,
    /// Personal number / optional data (TD3 only).
    OptionalData,
    /// The composite check digit over the other fields.
    Composite,
}

impl CheckDigitField {
    /// The name used in reports: `document_number`, `composite`, ...
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            CheckDigitField::DocumentNumber => "document_number",
            CheckDigitField::DateOfBirth => "date_of_birth",
            CheckDigitField::DateOfExpiry => "date_of_expiry",
            CheckDigitField::OptionalData => "optional_data",
            CheckDigitField::Composite => "composite",
        }
    }
}

/// One recomputed check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CheckDigit {
    /// The field it protects.
    pub field: CheckDigitField,
    /// The character printed in the MRZ.
    pub found: char,
    /// The digit recomputed from the field.
    pub computed: char,
    /// `found` matches `computed` (or is an accepted filler, see [`Mrz::parse`]).
    pub valid: bool,
}

/// The fields of an MRZ. Fillers (`<`) are removed from the ends of text fields and
/// name parts are joined by spaces; dates are kept as printed (`YYMMDD`, `<` for an
/// unknown part) because their century is a matter of context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mrz {
    /// TD1, TD2 or TD3.
    pub format: MrzFormat,
    /// The MRZ without line breaks, exactly as given.
    pub raw: String,
    /// Document code: `P`, `I`, `ID`, `AC`, ... (trailing filler removed).
    pub document_code: String,
    /// Issuing state or organisation: `UTO`, `D` (Germany writes `D<<`), ...
    pub issuing_state: String,
    /// Document number, including the part that overflows into the optional data
    /// (TD1/TD2 numbers longer than 9 characters).
    pub document_number: String,
    /// Nationality (3-letter code, `D` for Germany).
    pub nationality: String,
    /// Date of birth, `YYMMDD` as printed.
    pub date_of_birth: String,
    /// `M`, `F`, `<` (unspecified) or a national variant such as `X`.
    pub sex: char,
    /// Date of expiry, `YYMMDD` as printed.
    pub date_of_expiry: String,
    /// Optional data: TD3 personal number, TD2 optional data, TD1 line 1 optional data
    /// (after any document-number overflow).
    pub optional_data: String,
    /// TD1 only: the optional data of line 2 (positions 19-29). Empty otherwise.
    pub optional_data_2: String,
    /// Primary identifier (surname), name parts separated by spaces.
    pub primary_identifier: String,
    /// Secondary identifier (given names), name parts separated by spaces.
    pub secondary_identifier: String,
    /// Every check digit of the format, in MRZ order.
    pub check_digits: Vec<CheckDigit>,
}

/// 1-based, inclusive column access to the lines of a validated (pure ASCII) MRZ.
struct Lines<'a> {
    text: &'a str,
    line_len: usize,
}

impl<'a> Lines<'a> {
    /// Columns `from..=to` of line `line`, 1-based as in 9303's tables.
    fn cols(&self, line: usize, from: usize, to: usize) -> &'a str {
        let start = (line - 1) * self.line_len + from - 1;
        let end = (line - 1) * self.line_len + to;
        #[allow(
            clippy::expect_used,
            reason = "the MRZ was validated to `lines x line_len` ASCII characters before any \
                      column is cut, and every column range of 9303's tables lies in its line"
        )]
        let cols = self
            .text
            .get(start..end)
            .expect("MRZ column range inside the validated text");
        cols
    }

    fn col(&self, line: usize, at: usize) -> char {
        self.cols(line, at, at).chars().next().unwrap_or('<')
    }
}

/// `s` without its trailing fillers, as `s.trim_end_matches('<')` (over the bytes: the
/// byte before a run of `<` ends a character, so the cut is always a char boundary).
fn without_fillers(s: &str) -> &str {
    let end = s.bytes().rposition(|b| b != b'<').map_or(0, |i| i + 1);
    s.get(..end).unwrap_or(s)
}

fn trim_fillers(s: &str) -> String {
    without_fillers(s).to_owned()
}

/// The non-empty `<`-separated parts of `s`, joined by single spaces (built in place:
/// DG1 is parsed for every document of a batch).
fn name_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split('<').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

fn check(field: CheckDigitField, data: &str, found: char) -> CheckDigit {
    check_parts(field, &[data], found)
}

/// [`check`] over the concatenation of `parts` (the composite check digit), without
/// building the concatenated string.
fn check_parts(field: CheckDigitField, parts: &[&str], found: char) -> CheckDigit {
    // Characters were validated before any field is cut, so this always computes.
    let computed = check_char_parts(parts).unwrap_or('?');
    CheckDigit {
        field,
        found,
        computed,
        valid: found == computed,
    }
}

/// Splits a TD1/TD2 document number that may continue in the optional data field
/// (9303-5 §4.2.2 note j): the check-digit position then holds `<`, and the optional
/// data starts with the remaining characters, the real check digit and a filler.
/// Returns (document number, its check digit result, remaining optional data).
fn document_number(number: &str, cd: char, optional: &str) -> (String, CheckDigit, String) {
    if cd == '<' && !optional.starts_with('<') && !optional.is_empty() {
        let run_len = optional.find('<').unwrap_or(optional.len());
        // `run_len` is a char boundary (`find`, or the end).
        let (run, after) = optional.split_at(run_len);
        let (rest_of_number, real_cd) = run.split_at(run_len.saturating_sub(1));
        let full = format!("{}{rest_of_number}", without_fillers(number));
        let found = real_cd.chars().next().unwrap_or('<');
        let result = check(CheckDigitField::DocumentNumber, &full, found);
        let after = after.strip_prefix('<').unwrap_or(after);
        return (full, result, trim_fillers(after));
    }
    (
        trim_fillers(number),
        check(CheckDigitField::DocumentNumber, number, cd),
        trim_fillers(optional),
    )
}

fn names(field: &str) -> (String, String) {
    let field = without_fillers(field);
    // `field.split_once("<<")`, over the bytes (`<` is ASCII, so both cuts are char
    // boundaries).
    let split = field
        .as_bytes()
        .windows(2)
        .position(|pair| pair == b"<<")
        .and_then(|at| Some((field.get(..at)?, field.get(at + 2..)?)));
    match split {
        Some((primary, secondary)) => (name_part(primary), name_part(secondary)),
        None => (name_part(field), String::new()),
    }
}

impl Mrz {
    /// Parses MRZ text: 90, 72 or 88 characters, with or without line breaks between
    /// the lines.
    ///
    /// The TD3 personal-number check digit may be `<` or `0` when the personal number
    /// is all fillers (9303-4 §4.2.2.1 note); both count as valid.
    ///
    /// # Errors
    /// [`MrzError`] when the text cannot be an MRZ.
    pub fn parse(text: &str) -> Result<Self, MrzError> {
        // Byte scans: `\n` and `\r` never occur inside a multi-byte character. Text of
        // MRZ characters alone (no line breaks either) is taken in one pass.
        let raw: String = if text.bytes().all(is_mrz_byte) {
            text.to_owned()
        } else {
            let raw: String = if text.bytes().any(|b| matches!(b, b'\n' | b'\r')) {
                text.chars().filter(|c| !matches!(c, '\n' | '\r')).collect()
            } else {
                text.to_owned()
            };
            // Every byte before the first refused one is an accepted ASCII character, so
            // its byte index is its character index.
            if let Some(position) = raw.bytes().position(|b| !is_mrz_byte(b)) {
                return Err(MrzError::InvalidCharacter { position });
            }
            raw
        };
        let len = raw.len();
        let format = MrzFormat::from_len(len).ok_or(MrzError::Length { len })?;
        let l = Lines {
            text: &raw,
            line_len: format.line_len(),
        };
        let mut mrz = match format {
            MrzFormat::Td1 => Self::td1(&l),
            MrzFormat::Td2 => Self::td2_td3(&l, format),
            MrzFormat::Td3 => Self::td2_td3(&l, format),
        };
        mrz.raw = raw;
        Ok(mrz)
    }

    fn td1(l: &Lines<'_>) -> Self {
        let (document_number, doc_cd, optional_data) =
            document_number(l.cols(1, 6, 14), l.col(1, 15), l.cols(1, 16, 30));
        let composite = [
            l.cols(1, 6, 30),
            l.cols(2, 1, 7),
            l.cols(2, 9, 15),
            l.cols(2, 19, 29),
        ];
        let (primary_identifier, secondary_identifier) = names(l.cols(3, 1, 30));
        Mrz {
            format: MrzFormat::Td1,
            raw: String::new(),
            document_code: trim_fillers(l.cols(1, 1, 2)),
            issuing_state: trim_fillers(l.cols(1, 3, 5)),
            document_number,
            nationality: trim_fillers(l.cols(2, 16, 18)),
            date_of_birth: l.cols(2, 1, 6).to_owned(),
            sex: l.col(2, 8),
            date_of_expiry: l.cols(2, 9, 14).to_owned(),
            optional_data,
            optional_data_2: trim_fillers(l.cols(2, 19, 29)),
            primary_identifier,
            secondary_identifier,
            check_digits: vec![
                doc_cd,
                check(CheckDigitField::DateOfBirth, l.cols(2, 1, 6), l.col(2, 7)),
                check(
                    CheckDigitField::DateOfExpiry,
                    l.cols(2, 9, 14),
                    l.col(2, 15),
                ),
                check_parts(CheckDigitField::Composite, &composite, l.col(2, 30)),
            ],
        }
    }

    /// TD2 and TD3 share their layout up to the width of the optional data.
    fn td2_td3(l: &Lines<'_>, format: MrzFormat) -> Self {
        let width = format.line_len();
        // Last column of the optional data: TD3 has a check digit of its own after it.
        let optional_end = if format == MrzFormat::Td3 {
            width - 2
        } else {
            width - 1
        };
        let (document_number, doc_cd, optional_data) = if format == MrzFormat::Td2 {
            document_number(l.cols(2, 1, 9), l.col(2, 10), l.cols(2, 29, optional_end))
        } else {
            // TD3 document numbers do not overflow.
            document_number(l.cols(2, 1, 9), l.col(2, 10), "")
        };
        let optional_data = if format == MrzFormat::Td3 {
            trim_fillers(l.cols(2, 29, optional_end))
        } else {
            optional_data
        };
        let composite_end = if format == MrzFormat::Td3 {
            width - 1
        } else {
            optional_end
        };
        let composite = [
            l.cols(2, 1, 10),
            l.cols(2, 14, 20),
            l.cols(2, 22, composite_end),
        ];
        let (primary_identifier, secondary_identifier) = names(l.cols(1, 6, width));
        // Room for TD3's five, so the pushes below never grow it.
        let mut check_digits = Vec::with_capacity(5);
        check_digits.extend([
            doc_cd,
            check(
                CheckDigitField::DateOfBirth,
                l.cols(2, 14, 19),
                l.col(2, 20),
            ),
            check(
                CheckDigitField::DateOfExpiry,
                l.cols(2, 22, 27),
                l.col(2, 28),
            ),
        ]);
        if format == MrzFormat::Td3 {
            let personal = l.cols(2, 29, optional_end);
            let found = l.col(2, width - 1);
            let mut cd = check(CheckDigitField::OptionalData, personal, found);
            if personal.bytes().all(|b| b == b'<') && matches!(found, '<' | '0') {
                cd.valid = true;
            }
            check_digits.push(cd);
        }
        check_digits.push(check_parts(
            CheckDigitField::Composite,
            &composite,
            l.col(2, width),
        ));
        Mrz {
            format,
            raw: String::new(),
            document_code: trim_fillers(l.cols(1, 1, 2)),
            issuing_state: trim_fillers(l.cols(1, 3, 5)),
            document_number,
            nationality: trim_fillers(l.cols(2, 11, 13)),
            date_of_birth: l.cols(2, 14, 19).to_owned(),
            sex: l.col(2, 21),
            date_of_expiry: l.cols(2, 22, 27).to_owned(),
            optional_data,
            optional_data_2: String::new(),
            primary_identifier,
            secondary_identifier,
            check_digits,
        }
    }

    /// True when every check digit is valid.
    #[must_use]
    pub fn check_digits_valid(&self) -> bool {
        self.check_digits.iter().all(|c| c.valid)
    }

    /// The check digit result for `field`, if the format has one.
    #[must_use]
    pub fn check_digit(&self, field: CheckDigitField) -> Option<&CheckDigit> {
        self.check_digits.iter().find(|c| c.field == field)
    }

    /// The fields whose check digit failed.
    #[must_use]
    pub fn failed_check_digits(&self) -> Vec<CheckDigitField> {
        self.check_digits
            .iter()
            .filter(|c| !c.valid)
            .map(|c| c.field)
            .collect()
    }

    /// The MRZ cut into its lines.
    #[must_use]
    pub fn lines(&self) -> Vec<&str> {
        let width = self.format.line_len();
        (0..self.format.lines())
            .filter_map(|i| self.raw.get(i * width..(i + 1) * width))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckDigitField::*;

    /// The byte scans cut where the `str` methods they replace cut, on MRZ text and on
    /// text that is not (non-ASCII before, inside and after filler runs).
    #[test]
    fn byte_scans_cut_as_the_str_methods() {
        let samples = [
            "",
            "<",
            "<<",
            "<<<",
            "A",
            "A<",
            "A<<",
            "<A",
            "<<A<<",
            "SMITH<<JOHN<<<<",
            "SMITH<JONES<<ANNA<MARIA<<<",
            "A<<<B",
            "<<<<B<<",
            "é<<",
            "<é<",
            "é<<é",
            "ÅSA<<ÖRN<<",
            "X<é<<Y",
            "€<<<€<",
        ];
        for s in samples {
            assert_eq!(without_fillers(s), s.trim_end_matches('<'), "{s:?}");
            let field = s.trim_end_matches('<');
            let expected = match field.split_once("<<") {
                Some((p, q)) => (name_part(p), name_part(q)),
                None => (name_part(field), String::new()),
            };
            assert_eq!(names(s), expected, "{s:?}");
        }
    }

    fn all_valid(mrz: &Mrz) {
        assert!(
            mrz.check_digits_valid(),
            "failed: {:?}",
            mrz.failed_check_digits()
        );
    }

    #[test]
    fn icao_td3_specimen() {
        // 9303-4 Appendix B specimen passport.
        let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let mrz = Mrz::parse(&format!("{l1}{l2}")).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td3);
        assert_eq!(mrz.document_code, "P");
        assert_eq!(mrz.issuing_state, "UTO");
        assert_eq!(mrz.primary_identifier, "ERIKSSON");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
        assert_eq!(mrz.document_number, "L898902C3");
        assert_eq!(mrz.nationality, "UTO");
        assert_eq!(mrz.date_of_birth, "740812");
        assert_eq!(mrz.sex, 'F');
        assert_eq!(mrz.date_of_expiry, "120415");
        assert_eq!(mrz.optional_data, "ZE184226B");
        assert_eq!(mrz.optional_data_2, "");
        let fields: Vec<_> = mrz.check_digits.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                DocumentNumber,
                DateOfBirth,
                DateOfExpiry,
                OptionalData,
                Composite
            ]
        );
        all_valid(&mrz);
        assert_eq!(mrz.check_digit(OptionalData).unwrap().found, '1');
        assert_eq!(mrz.check_digit(Composite).unwrap().computed, '0');
        // Line breaks are accepted and do not end up in `raw`.
        let with_break = Mrz::parse(&format!("{l1}\n{l2}\n")).unwrap();
        assert_eq!(with_break, mrz);
        assert_eq!(mrz.lines(), [l1, l2]);
    }

    #[test]
    fn icao_td2_specimen() {
        // 9303-6 Appendix A specimen.
        let text = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\
                    D231458907UTO7408122F1204159<<<<<<<6";
        let mrz = Mrz::parse(text).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td2);
        assert_eq!(mrz.document_code, "I");
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(mrz.date_of_birth, "740812");
        assert_eq!(mrz.date_of_expiry, "120415");
        assert_eq!(mrz.optional_data, "");
        assert_eq!(mrz.primary_identifier, "ERIKSSON");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
        assert_eq!(mrz.check_digits.len(), 4);
        all_valid(&mrz);
    }

    #[test]
    fn icao_td1_specimen() {
        // 9303-5 Appendix A specimen.
        let text = "I<UTOD231458907<<<<<<<<<<<<<<<\
                    7408122F1204159UTO<<<<<<<<<<<6\
                    ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let mrz = Mrz::parse(text).unwrap();
        assert_eq!(mrz.format, MrzFormat::Td1);
        assert_eq!(mrz.document_code, "I");
        assert_eq!(mrz.issuing_state, "UTO");
        assert_eq!(mrz.document_number, "D23145890");
        assert_eq!(mrz.nationality, "UTO");
        assert_eq!(mrz.date_of_birth, "740812");
        assert_eq!(mrz.sex, 'F');
        assert_eq!(mrz.date_of_expiry, "120415");
        assert_eq!(mrz.optional_data, "");
        assert_eq!(mrz.optional_data_2, "");
        assert_eq!(mrz.primary_identifier, "ERIKSSON");
        assert_eq!(mrz.secondary_identifier, "ANNA MARIA");
        all_valid(&mrz);
        assert_eq!(mrz.lines().len(), 3);
    }

    /// Builds a TD1 with a 12-character document number the way 9303-5 note j says:
    /// 9 characters, `<`, then the 3 remaining characters, the check digit and `<`.
    #[test]
    fn td1_document_number_overflow() {
        let number = "D23145890734";
        let cd = check_char(number).unwrap();
        let line1 = format!("I<UTO{}<{}{cd}<ABC", &number[..9], &number[9..]);
        let line1 = format!("{line1:<<30}");
        let line2_head = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = format!(
            "{}{}{}{}",
            &line1[5..30],
            &line2_head[0..7],
            &line2_head[8..15],
            &line2_head[18..29]
        );
        let text = format!(
            "{line1}{line2_head}{}ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            check_char(&composite).unwrap()
        );
        let mrz = Mrz::parse(&text).unwrap();
        assert_eq!(mrz.document_number, number);
        assert_eq!(mrz.optional_data, "ABC");
        let doc = mrz.check_digit(DocumentNumber).unwrap();
        assert_eq!((doc.found, doc.valid), (cd, true));
        all_valid(&mrz);

        // The same overflow with a wrong check digit fails only that check.
        let wrong = if cd == '0' { '1' } else { '0' };
        let bad = text.replacen(&format!("734{cd}<"), &format!("734{wrong}<"), 1);
        let mrz = Mrz::parse(&bad).unwrap();
        assert_eq!(mrz.document_number, number);
        assert!(mrz.failed_check_digits().contains(&DocumentNumber));
    }

    #[test]
    fn td2_document_number_overflow() {
        let number = "AB123456789";
        let cd = check_char(number).unwrap();
        let line2_head = format!(
            "{}<UTO7408122F1204159{}{cd}<<<<",
            &number[..9],
            &number[9..]
        );
        assert_eq!(line2_head.len(), 35);
        let composite = format!(
            "{}{}{}",
            &line2_head[0..10],
            &line2_head[13..20],
            &line2_head[21..35]
        );
        let text = format!(
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<{line2_head}{}",
            check_char(&composite).unwrap()
        );
        let mrz = Mrz::parse(&text).unwrap();
        assert_eq!(mrz.document_number, number);
        assert_eq!(mrz.optional_data, "");
        all_valid(&mrz);
    }

    #[test]
    fn german_state_code_and_filler_check_digit() {
        // BSI TR-03105-5 reference passport.
        let text = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\
                    C11T002JM4D<<9608122F2310314<<<<<<<<<<<<<<<4";
        let mrz = Mrz::parse(text).unwrap();
        assert_eq!(mrz.issuing_state, "D");
        assert_eq!(mrz.nationality, "D");
        assert_eq!(mrz.optional_data, "");
        all_valid(&mrz);
        let opt = mrz.check_digit(OptionalData).unwrap();
        assert_eq!((opt.found, opt.computed, opt.valid), ('<', '0', true));
        // `0` is accepted the same way; a non-zero digit is not.
        let zero = text.replacen("<<<<<<<<<<<<<<<4", "<<<<<<<<<<<<<<04", 1);
        all_valid(&Mrz::parse(&zero).unwrap());
        let seven = text.replacen("<<<<<<<<<<<<<<<4", "<<<<<<<<<<<<<<74", 1);
        let mrz = Mrz::parse(&seven).unwrap();
        assert!(mrz.failed_check_digits().contains(&OptionalData));
    }

    #[test]
    fn wrong_digits_are_reported_not_rejected() {
        let text = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\
                    L898902C37UTO7408123F1204158ZE184226B<<<<<10";
        let mrz = Mrz::parse(text).unwrap();
        assert_eq!(
            mrz.failed_check_digits(),
            [DocumentNumber, DateOfBirth, DateOfExpiry, Composite]
        );
        let json = serde_json::to_value(&mrz).unwrap();
        assert_eq!(json["check_digits"][0]["field"], "document_number");
        assert_eq!(json["check_digits"][0]["valid"], false);
        assert_eq!(json["format"], "td3");
    }

    #[test]
    fn non_mrz_text_is_an_error() {
        assert_eq!(Mrz::parse(""), Err(MrzError::Length { len: 0 }));
        assert_eq!(
            Mrz::parse(&"<".repeat(89)),
            Err(MrzError::Length { len: 89 })
        );
        let lower = format!("p{}", "<".repeat(87));
        assert_eq!(
            Mrz::parse(&lower),
            Err(MrzError::InvalidCharacter { position: 0 })
        );
        let umlaut = format!("{}Ö", "<".repeat(87));
        assert!(matches!(
            Mrz::parse(&umlaut),
            Err(MrzError::InvalidCharacter { position: 87, .. })
        ));
        // The character (not byte) position, after a line break too; never the
        // character itself (it may be one of the holder's name).
        assert_eq!(
            Mrz::parse(&umlaut).unwrap_err(),
            MrzError::InvalidCharacter { position: 87 }
        );
        assert_eq!(
            Mrz::parse(&format!("{}\nÖ", "<".repeat(44))).unwrap_err(),
            MrzError::InvalidCharacter { position: 44 }
        );
        assert!(!Mrz::parse(&umlaut).unwrap_err().to_string().contains('Ö'));
        // All fillers is a (useless) MRZ of each size, not a panic.
        for len in [90, 72, 88] {
            let mrz = Mrz::parse(&"<".repeat(len)).unwrap();
            assert_eq!(mrz.document_number, "");
            assert_eq!(mrz.sex, '<');
        }
    }
}
