//! Storing a verification: verify now, sign the receipt, store, record the access, and
//! the 201 body of `POST /v1/verifications`; shared by that endpoint and the chip sessions.

use dongpo_ca::{Access, Action};
use dongpo_icao::passive_auth::Document;
use dongpo_icao::{CheckId, Status, VerificationReport};
use dongpo_pki::time::UnixTime;
use serde_json::{Value, json};

use crate::db::StoredVerification;
use crate::error::{ApiError, ApiResult};
use crate::receipt::ReceiptClaims;
use crate::state::AppState;

/// A fresh random id with `prefix` (`ver_`, `chl_`, `cs_`, then 32 hex digits).
///
/// # Errors
/// 500 when the OS random generator fails.
pub fn random_id(prefix: &str) -> ApiResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("{prefix}_{}", hex::encode(bytes)))
}

/// Verifies `document` now, signs its receipt, stores the verification as `id` of API
/// key `owner` and builds the 201 answer of `POST /v1/verifications` (the chip sessions
/// complete through here too). Runs on the verification pool.
///
/// # Errors
/// 422 `bad_sod` for bytes that are no EF.SOD; 503 when the database fails; 500.
pub fn verify_and_store(
    worker: &AppState,
    document: &Document,
    id: String,
    owner: String,
    challenge_id: Option<&str>,
) -> ApiResult<(VerificationReport, Value)> {
    let now = UnixTime::now();
    let outcome = worker.verifier()?.verify_one_at(document, now);
    // Bytes that are not an EF.SOD at all are a bad request, not a failed passport.
    if let Some(parse) = outcome.check(CheckId::SodParse)
        && parse.status == Status::Fail
    {
        return Err(ApiError::unprocessable(
            "bad_sod",
            format!("sod: not an EF.SOD ({})", parse.detail),
        ));
    }
    // Only a passing verification can lead to issuance, so only it keeps the
    // outcome (typed, for the RA) and DG1 (until used or stale).
    let report_json = if outcome.valid {
        Some(serde_json::to_string(&outcome).map_err(ApiError::internal)?)
    } else {
        None
    };
    let subject = worker.document_subject(outcome.mrz.as_ref());
    let report = outcome.into_report();
    let claims = ReceiptClaims::of(&id, &report, challenge_id, now.0, &worker.fingerprint_key);
    let receipt = worker.receipts.sign(&claims).map_err(ApiError::internal)?;
    let stored = StoredVerification {
        id,
        owner,
        created_at: now,
        valid: report.valid,
        report_json,
        dg1: if report.valid {
            document.data_groups.get(&1).cloned()
        } else {
            None
        },
        receipt,
        used_at: None,
        issued_serial: None,
    };
    worker.with_db(|db| db.insert_verification(&stored))?;
    worker.record_access(&[Access {
        at: now,
        actor: stored.owner.clone(),
        action: Action::VerificationCreate,
        subject,
        outcome: if stored.valid { "valid" } else { "invalid" }.into(),
        reference: Some(stored.id.clone()),
    }]);
    let response = json!({
        "id": stored.id,
        "report": report,
        "receipt_id": stored.id,
        "receipt": stored.receipt,
    });
    Ok((report, response))
}
