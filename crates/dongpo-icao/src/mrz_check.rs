//! The `mrz.check_digits` check: every check digit of the DG1 MRZ (TD1, TD2, TD3,
//! including document numbers that overflow into the optional data).

use crate::lds::LdsError;
use crate::lds::mrz::Mrz;
use crate::report::MrzSummary;

/// Checks every digit; returns `(all pass, detail, summary)`.
#[must_use]
pub fn check(dg1: &[u8]) -> (bool, String, Option<MrzSummary>) {
    check_parsed(&Mrz::from_dg1(dg1))
}

/// [`check`] for a DG1 already parsed (`Mrz::from_dg1`'s result).
#[must_use]
pub fn check_parsed(parsed: &Result<Mrz, LdsError>) -> (bool, String, Option<MrzSummary>) {
    let mrz = match parsed {
        Ok(mrz) => mrz,
        Err(e) => return (false, e.to_string(), None),
    };
    let failed: Vec<&str> = mrz
        .failed_check_digits()
        .into_iter()
        .map(|f| f.name())
        .collect();
    let summary = MrzSummary {
        document_type: mrz.document_code.clone(),
        issuing_state: mrz.issuing_state.clone(),
        document_number: mrz.document_number.clone(),
        date_of_birth: mrz.date_of_birth.clone(),
        date_of_expiry: mrz.date_of_expiry.clone(),
        nationality: mrz.nationality.clone(),
    };
    if failed.is_empty() {
        (
            true,
            format!("{} check digits correct", mrz.check_digits.len()),
            Some(summary),
        )
    } else {
        (
            false,
            format!("wrong check digit: {}", failed.join(", ")),
            Some(summary),
        )
    }
}
