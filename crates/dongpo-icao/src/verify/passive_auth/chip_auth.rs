//! Chip Authentication inside the report: what the covered data groups offer, and the
//! `ca.authentication` check from the result of a CA the caller ran as the terminal.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::checks::report::ChipOffers;

/// The checks Chip Authentication rests on, which must pass without any waiver: the key
/// the chip proved it holds must be the one the issuing State signed.
const CA_BASIS: [CheckId; 3] = [
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DgHash(14),
];

fn passed(checks: &Checks, id: CheckId) -> bool {
    checks
        .0
        .iter()
        .any(|c| c.id == id && c.status == Status::Pass)
}

/// The proofs of presence the document's chip offers: a DG14 whose hash passed and that
/// holds a ChipAuthenticationPublicKeyInfo, a DG15 whose hash passed. A DG14 or DG15 that
/// the SOD hashes but that was not supplied counts as offered too: leaving a file out must
/// not turn a chip with presence into one without (a downgrade to `PA`).
pub(super) fn chip_offers(document: &Document, sod: Option<&Sod>, checks: &Checks) -> ChipOffers {
    let withheld = |number: u8| {
        !document.data_groups.contains_key(&number)
            && sod.is_some_and(|s| s.dg_hashes.contains_key(&number))
    };
    let chip_authentication = withheld(14) || covered_ca_key(document, checks);
    ChipOffers {
        chip_authentication,
        active_authentication: withheld(15) || passed(checks, CheckId::DgHash(15)),
    }
}

/// A DG14 was supplied, its hash passed, and it holds a ChipAuthenticationPublicKeyInfo.
fn covered_ca_key(document: &Document, checks: &Checks) -> bool {
    passed(checks, CheckId::DgHash(14))
        && document
            .data_groups
            .get(&14)
            .and_then(|dg14| crate::lds::Dg14::parse(dg14).ok())
            .is_some_and(|dg14| dg14.chip_authentication_public_keys().next().is_some())
}

/// `ca.authentication`. A proof counts only for a chip whose Passive Authentication
/// passed and whose DG14 hash, SOD signature and messageDigest passed on their own,
/// before any deviation-list waiver (`unwaived`).
pub(super) fn chip_authentication(
    document: &Document,
    unwaived: &[CheckId],
    offers: ChipOffers,
    checks: &mut Checks,
) {
    let detail = match &document.chip_authentication {
        None => {
            let why = if offers.chip_authentication && !document.data_groups.contains_key(&14) {
                "the SOD hashes a DG14 that was not supplied: Chip Authentication cannot be run without it"
            } else if offers.chip_authentication {
                "the chip offers Chip Authentication but it was not run (files alone cannot prove chip presence)"
            } else if document.data_groups.contains_key(&14) {
                "no Chip Authentication key in a DG14 that Passive Authentication covered"
            } else {
                "the chip offers no Chip Authentication (no DG14)"
            };
            checks.skip(CheckId::CaAuthentication, why);
            return;
        }
        Some(ChipAuthenticationResult::Failed { reason }) => {
            checks.push(CheckId::CaAuthentication, Status::Fail, reason.clone());
            return;
        }
        Some(ChipAuthenticationResult::Proven { detail }) => detail,
    };
    let pa_passed = REQUIRED.iter().all(|id| passed(checks, *id))
        && !checks.0.iter().any(|c| c.status == Status::Fail);
    if !pa_passed || !covered_ca_key(document, checks) {
        checks.push(
            CheckId::CaAuthentication,
            Status::Fail,
            "Passive Authentication of the chip and of a DG14 with a Chip Authentication key must pass first",
        );
        return;
    }
    if let Some(id) = CA_BASIS.iter().find(|id| !unwaived.contains(id)) {
        checks.push(
            CheckId::CaAuthentication,
            Status::Fail,
            format!(
                "{id} passed only by a deviation-list waiver: Chip Authentication cannot rest on it"
            ),
        );
        return;
    }
    checks.push(CheckId::CaAuthentication, Status::Pass, detail.clone());
}
