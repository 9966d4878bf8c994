//! Synthetic overseas citizens: names, dates, document number, resident registration
//! number and the registry record (`identity.json`). Nobody real.

use serde::Serialize;

use crate::rng::SeededRng;

const SURNAMES: [(&str, &str); 10] = [
    ("KIM", "김"),
    ("LEE", "이"),
    ("PARK", "박"),
    ("CHOI", "최"),
    ("JUNG", "정"),
    ("KANG", "강"),
    ("CHO", "조"),
    ("YOON", "윤"),
    ("JANG", "장"),
    ("LIM", "임"),
];
const GIVEN_NAMES: [(&str, &str, char); 10] = [
    ("MINJUN", "민준", 'M'),
    ("SEOYEON", "서연", 'F'),
    ("JIHO", "지호", 'M'),
    ("HAEUN", "하은", 'F'),
    ("DOYUN", "도윤", 'M'),
    ("SUAH", "수아", 'F'),
    ("EUNWOO", "은우", 'M'),
    ("JIWOO", "지우", 'F'),
    ("SIWOO", "시우", 'M'),
    ("HAYOON", "하윤", 'F'),
];
const RESIDENCES: [&str; 8] = ["USA", "CAN", "JPN", "DEU", "AUS", "VNM", "GBR", "FRA"];

/// A seeded choice from one of the constant lists above (never empty).
#[allow(clippy::indexing_slicing)] // index < N by construction; N > 0 for every list
fn pick<T: Copy, const N: usize>(rng: &mut SeededRng, list: &[T; N]) -> T {
    list[rng.below(N as u64) as usize]
}

/// The registry record of a generated person, written as `identity.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// 13-digit resident registration number, `YYMMDD-SNNNNNC` (synthetic; valid check digit).
    pub resident_registration_number: String,
    /// Overseas-citizen registration number (synthetic).
    pub overseas_registration_number: String,
    /// Registry status: `registered`.
    pub registration_status: String,
    /// Primary identifier as in the MRZ.
    pub surname: String,
    /// Secondary identifier as in the MRZ.
    pub given_names: String,
    /// The name in Hangul.
    pub name_hangul: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// `M` or `F`.
    pub sex: String,
    /// `KOR`.
    pub nationality: String,
    /// Passport number (9 characters).
    pub document_number: String,
    /// `YYYY-MM-DD`.
    pub date_of_expiry: String,
    /// ISO 3166-1 alpha-3 country of residence.
    pub country_of_residence: String,
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-28 (generated dates avoid month ends).
    pub day: u8,
}

impl Date {
    /// `YYMMDD` as in the MRZ.
    #[must_use]
    pub fn mrz(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// `YYYY-MM-DD`.
    #[must_use]
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Everything the generator needs about the holder.
#[derive(Clone, Debug)]
pub struct Person {
    /// The registry record.
    pub identity: Identity,
    /// Date of birth.
    pub birth: Date,
    /// Date of expiry of the passport.
    pub expiry: Date,
}

/// The RRN check digit (weights 2..9,2..5; (11 - sum mod 11) mod 10).
#[must_use]
pub fn rrn_check_digit(first12: &str) -> Option<u32> {
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let digits: Option<Vec<u32>> = first12.chars().map(|c| c.to_digit(10)).collect();
    let digits = digits.filter(|d| d.len() == 12)?;
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some((11 - sum % 11) % 10)
}

impl Person {
    /// The person of `seed`, with a passport expiring on `expiry`.
    #[must_use]
    pub fn generate(seed: u64, expiry: Date) -> Self {
        let mut rng = SeededRng::new(seed, "person");
        let (surname, surname_hangul) = pick(&mut rng, &SURNAMES);
        let (given, given_hangul, sex) = pick(&mut rng, &GIVEN_NAMES);
        let birth = Date {
            year: 1950 + rng.below(55) as u16,
            month: 1 + rng.below(12) as u8,
            day: 1 + rng.below(28) as u8,
        };
        let gender_digit = match (birth.year >= 2000, sex) {
            (false, 'M') => 1,
            (false, _) => 2,
            (true, 'M') => 3,
            (true, _) => 4,
        };
        let serial = rng.below(100_000);
        let first12 = format!("{}{gender_digit}{serial:05}", birth.mrz());
        let check = rrn_check_digit(&first12).unwrap_or_default();
        let rrn = format!("{}-{gender_digit}{serial:05}{check}", birth.mrz());
        let document_number = format!("M{:08}", rng.below(100_000_000));
        let identity = Identity {
            resident_registration_number: rrn,
            overseas_registration_number: format!("OK{:010}", rng.below(10_000_000_000)),
            registration_status: "registered".into(),
            surname: surname.into(),
            given_names: given.into(),
            name_hangul: format!("{surname_hangul}{given_hangul}"),
            date_of_birth: birth.iso(),
            sex: sex.to_string(),
            nationality: "KOR".into(),
            document_number,
            date_of_expiry: expiry.iso(),
            country_of_residence: pick(&mut rng, &RESIDENCES).into(),
        };
        Person {
            identity,
            birth,
            expiry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrn_check_digit_matches_the_published_algorithm() {
        // Worked example: 800101-100000? -> weights give sum 8*2+0*3+0*4+1*5+0*6+1*7+1*8 = 36,
        // (11 - 36 mod 11) mod 10 = 8.
        assert_eq!(rrn_check_digit("800101100000"), Some(8));
        assert_eq!(rrn_check_digit("8001011"), None);
    }

    #[test]
    fn people_are_deterministic_and_consistent() {
        let expiry = Date {
            year: 2035,
            month: 6,
            day: 30,
        };
        let a = Person::generate(7, expiry);
        assert_eq!(a.identity, Person::generate(7, expiry).identity);
        let rrn = a.identity.resident_registration_number.replace('-', "");
        assert_eq!(rrn.len(), 13);
        assert!(rrn.starts_with(&a.birth.mrz()));
        let (first12, last) = rrn.split_at(12);
        assert_eq!(
            rrn_check_digit(first12).map(|d| d.to_string()),
            Some(last.to_string())
        );
    }
}
