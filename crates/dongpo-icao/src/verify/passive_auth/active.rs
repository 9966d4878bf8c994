//! Active Authentication inside Passive Authentication: counted only when the checks it
//! rests on passed without a waiver.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The checks Active Authentication rests on, which must pass without any waiver.
pub(super) const AA_BASIS: [CheckId; 4] = [
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DgHash(15),
    CheckId::DgHash(14),
];

/// Active Authentication counts only for a chip whose Passive Authentication passed
/// and whose DG15 (and DG14, when it is supplied and hashed in the SOD) hashes, SOD
/// signature and messageDigest passed on their own, before any deviation-list waiver
/// (`unwaived`): a waived hash means the key in DG15 is not the one the State signed.
/// A deviation list that declares the document's AA keys compromised makes it fail
/// under every policy. An ECDSA key whose hash no covered DG14 names is verified with the
/// hash of its curve's size (quirk `aa-hash-by-curve`) when `hash_by_curve` allows it.
pub(super) fn active_authentication(
    document: &Document,
    sod: Option<&Sod>,
    unwaived: &[CheckId],
    aa_compromised: Option<&str>,
    hash_by_curve: bool,
    checks: &mut Checks,
) {
    let Some(response) = &document.active_auth else {
        checks.skip(
            CheckId::AaSignature,
            "no Active Authentication challenge given",
        );
        return;
    };
    if let Some(why) = aa_compromised {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            format!("Active Authentication keys declared compromised by {why}"),
        );
        return;
    }
    let Some(dg15) = document.data_groups.get(&15) else {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            "Active Authentication needs DG15",
        );
        return;
    };
    let passed = |id: CheckId| {
        checks
            .0
            .iter()
            .any(|c| c.id == id && c.status == Status::Pass)
    };
    let pa_passed =
        REQUIRED.iter().all(|id| passed(*id)) && !checks.0.iter().any(|c| c.status == Status::Fail);
    if !pa_passed || !passed(CheckId::DgHash(15)) {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            "Passive Authentication of the chip and of DG15 must pass first",
        );
        return;
    }
    let dg14_hashed = document.data_groups.contains_key(&14)
        && sod.is_some_and(|s| s.dg_hashes.contains_key(&14));
    let mut own = vec![
        CheckId::SodMessageDigest,
        CheckId::SodSignature,
        CheckId::DgHash(15),
    ];
    if dg14_hashed {
        own.push(CheckId::DgHash(14));
    }
    if let Some(id) = own.iter().find(|id| !unwaived.contains(id)) {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            format!("{id} passed only by a deviation-list waiver: Active Authentication cannot rest on it"),
        );
        return;
    }
    let hash = match document.data_groups.get(&14) {
        Some(dg14) if dg14_hashed => crate::lds::Dg14::parse(dg14).ok().and_then(|d| {
            d.active_authentication()
                .and_then(|aa| aa.hash_algorithm().ok())
        }),
        _ => None,
    };
    // As `dongpo aa verify`, a bare SubjectPublicKeyInfo is read as well as the file.
    let dg15 = match crate::lds::Dg15::parse_file_or_spki(dg15) {
        Ok(dg15) => dg15,
        Err(e) => {
            let e = crate::verify::active_auth::AaError::from(e);
            checks.push(CheckId::AaSignature, Status::Fail, e.to_string());
            return;
        }
    };
    let mut quirk = None;
    let hash = match (&dg15.public_key, hash) {
        (dongpo_crypto::PublicKey::Ec(ec), None) => {
            match crate::verify::active_auth::ecdsa_hash_for_curve(ec.curve) {
                Some(by_curve) if hash_by_curve => {
                    quirk = Some(format!(
                        "quirk aa-hash-by-curve: no covered DG14 names the Active Authentication \
                         hash, {by_curve} taken for the {} key; ",
                        ec.curve.name()
                    ));
                    Some(by_curve)
                }
                Some(_) => {
                    checks.push(
                        CheckId::AaSignature,
                        Status::Fail,
                        "no covered DG14 names the ECDSA Active Authentication hash \
                         (ActiveAuthenticationInfo), and this policy does not take it from the \
                         curve (quirk aa-hash-by-curve)",
                    );
                    return;
                }
                None => None,
            }
        }
        (_, hash) => hash,
    };
    let verified =
        crate::verify::active_auth::verify(&dg15, hash, &response.challenge, &response.signature);
    match verified {
        Ok(outcome) => checks.push(
            CheckId::AaSignature,
            Status::Pass,
            format!(
                "{}{} with {} by {}",
                quirk.unwrap_or_default(),
                outcome.algorithm.name(),
                outcome.hash,
                outcome.key
            ),
        ),
        Err(e) => checks.push(CheckId::AaSignature, Status::Fail, e.to_string()),
    }
}
