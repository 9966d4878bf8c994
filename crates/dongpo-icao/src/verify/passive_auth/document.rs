//! What the document's own files say about themselves and their DSC: the 9303-12 DSC
//! profile against DG1, EF.COM against the SOD, and the MRZ check digits.

#[allow(clippy::wildcard_imports)]
use super::*;

/// 9303-12 profiles: the certificate problems of the chain, then the document's: DG1's
/// issuing state in the DSC's country, a document type the DSC may sign.
pub(super) fn dsc_profile(chain: &DscChain, mrz: Option<&Mrz>) -> (bool, String) {
    let mut problems = chain.profile_problems.clone();
    if let Some(mrz) = mrz {
        problems.extend(issuing_state_problem(
            &mrz.issuing_state,
            chain.dsc_country.as_deref(),
        ));
    }
    let code = mrz.map(|mrz| mrz.document_code.trim_end_matches('<'));
    match (&chain.document_types, code) {
        (Some(Err(e)), _) => problems.push(e.clone()),
        (Some(Ok(types)), Some(code)) if !types.iter().any(|t| code.starts_with(t.as_str())) => {
            problems.push(format!("DSC may sign document types {types:?}, not {code}"));
        }
        _ => {}
    }
    if problems.is_empty() {
        (true, "DSC and CSCA profiles as 9303-12 describes".into())
    } else {
        (false, problems.join("; "))
    }
}

/// DG1's issuing state against the DSC's country: a State must be the DSC's country, an
/// ICAO organisation the country its certificates carry. A code that maps to neither
/// (nationality-only XXA/XXB/XXC/XXX, an organisation whose certificate country is not
/// known, an unknown code) cannot be checked, which is itself a problem: it fails
/// `dsc.profile` under strict and is named under default.
pub(super) fn issuing_state_problem(code: &str, dsc_country: Option<&str>) -> Option<String> {
    use crate::lds::country::{IssuingState, issuing_state};
    let shown = code.trim_end_matches('<');
    let expected = match issuing_state(code) {
        IssuingState::State(state) => state,
        IssuingState::Organisation {
            certificate_country: Some(country),
            ..
        } => country,
        IssuingState::Organisation {
            certificate_country: None,
            name,
            ..
        } => {
            return Some(format!(
                "DG1 issuing state {shown} ({name}) has no known certificate country: not compared with the DSC's country {dsc_country:?}"
            ));
        }
        IssuingState::NationalityOnly { meaning, .. } => {
            return Some(format!(
                "DG1 issuing state {shown} is a nationality code ({meaning}), not an issuing state"
            ));
        }
        IssuingState::Unknown => {
            return Some(format!(
                "DG1 issuing state {shown:?} is no ICAO 9303-3 code: not compared with the DSC's country {dsc_country:?}"
            ));
        }
    };
    (dsc_country != Some(expected)).then(|| {
        format!("DG1 issuing state {expected} differs from the DSC's country {dsc_country:?}")
    })
}

/// EF.COM is unsigned: it may only agree with the SOD, never add to it.
pub(super) fn com_consistency(
    document: &Document,
    sod: Option<&Sod>,
    policy: &Policy,
    checks: &mut Checks,
) {
    let Some(com) = &document.com else {
        checks.skip(CheckId::ComConsistency, "EF.COM not supplied");
        return;
    };
    let Some(sod) = sod else {
        checks.skip(CheckId::ComConsistency, "EF.SOD could not be parsed");
        return;
    };
    match crate::lds::EfCom::parse(com) {
        Err(e) => checks.push(CheckId::ComConsistency, Status::Fail, e.to_string()),
        Ok(com) => {
            let listed: Vec<u8> = com.data_groups.iter().map(|dg| dg.number()).collect();
            let hashed: Vec<u8> = sod.dg_hashes.keys().copied().collect();
            let mut sorted = listed.clone();
            sorted.sort_unstable();
            let detail = format!("EF.COM lists DGs {listed:?}, the SOD hashes {hashed:?}");
            if sorted == hashed {
                checks.push(CheckId::ComConsistency, Status::Pass, detail);
            } else if policy.allow_com_mismatch {
                checks.push(
                    CheckId::ComConsistency,
                    Status::Pass,
                    format!("deviation tolerated (EF.COM is unsigned): {detail}"),
                );
            } else {
                checks.push(CheckId::ComConsistency, Status::Fail, detail);
            }
        }
    }
}
/// The `mrz.check_digits` check: every check digit of the DG1 MRZ (TD1, TD2, TD3,
/// including document numbers that overflow into the optional data), for a DG1 already
/// parsed (`Mrz::from_dg1`'s result). Returns `(all pass, detail, summary)`.
pub(super) fn mrz_check_digits(
    parsed: Result<Mrz, LdsError>,
) -> (bool, String, Option<MrzSummary>) {
    let mrz = match parsed {
        Ok(mrz) => mrz,
        Err(e) => return (false, e.to_string(), None),
    };
    let failed: Vec<&str> = mrz
        .failed_check_digits()
        .into_iter()
        .map(|f| f.name())
        .collect();
    let count = mrz.check_digits.len();
    // The MRZ is the verifier's own and this is its last use: its fields move.
    let summary = MrzSummary::from(mrz);
    if failed.is_empty() {
        // TD1 and TD2 have 4 check digits, TD3 has 5: fixed texts, no formatting.
        let detail = match count {
            4 => "4 check digits correct".to_owned(),
            5 => "5 check digits correct".to_owned(),
            n => format!("{n} check digits correct"),
        };
        (true, detail, Some(summary))
    } else {
        (
            false,
            format!("wrong check digit: {}", failed.join(", ")),
            Some(summary),
        )
    }
}
