//! Chip sessions: the server is the Chip Authentication terminal and a phone app relays
//! the APDUs (`POST /v1/chip-sessions`, `POST /v1/chip-sessions/{id}/responses`,
//! docs/http.md). The whole workflow is here; the handlers only parse and call.
//!
//! * Open: Passive Authentication of the submitted files; DG14 must be covered (its hash,
//!   the SOD signature and messageDigest pass) and offer Chip Authentication, else 422
//!   `chip_authentication_unavailable`. [`dongpo_chip::RemoteCa`] draws the ephemeral key
//!   and derives the session keys at once (the ephemeral private key never leaves the
//!   request); the keys and the document are sealed ([`crate::chip_seal`]) into the
//!   session row. Step 1: the plain CA commands, sent inside the app's secure messaging.
//! * Step 1 answers: checked; step 2 is SELECT + READ BINARY of DG1 protected under the
//!   new keys, sent raw.
//! * Step 2 answers: opened under the new keys and compared with the submitted DG1; on
//!   success the verification is stored exactly as `POST /v1/verifications` stores it,
//!   with `ca.authentication` passing.
//!
//! Every step is a compare-and-swap on the session's step (one request wins a step);
//! anything wrong — a replayed, reordered or duplicated step, a garbled or truncated
//! relay, a failed proof, expiry — ends the session and **stores nothing**: the answer is
//! a problem with a stable code and the app starts over.

use std::collections::BTreeMap;

use dongpo_ca::{Access, Action};
use dongpo_chip::ca::{self, MAX_PRESENCE_LEN};
use dongpo_chip::{CommandApdu, PaCoveredDg14, RemoteCa, RemoteCaError, ResponseApdu};
use dongpo_icao::passive_auth::{ChipAuthenticationResult, Document};
use dongpo_icao::{CheckId, Status, VerificationReport};
use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::chip_seal;
use crate::db::{CHIP_SESSION_COMPLETING, ChipSessionRefusal};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::verification::{random_id, verify_and_store};

/// EF.DG1, the file the chip reads back under the new keys.
const DG1_FID: u16 = 0x0101;

/// The checks DG14 must pass on for Chip Authentication to mean anything.
const CA_BASIS: [CheckId; 3] = [
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DgHash(14),
];

/// What is sealed in a session row.
#[derive(Serialize, Deserialize)]
struct Sealed {
    ca: ByteBuf,
    sod: ByteBuf,
    dg: BTreeMap<u8, ByteBuf>,
    com: Option<ByteBuf>,
}

/// Open chip sessions one API key may hold at once: each keeps a sealed copy of the
/// submitted files until it ends or expires, so the count bounds what a key can store.
pub const MAX_OPEN_SESSIONS_PER_KEY: u64 = 32;

fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("chip_authentication_unavailable", message)
}

fn hex_commands(commands: &[CommandApdu]) -> Vec<String> {
    commands
        .iter()
        .map(|c| hex::encode_upper(c.to_bytes()))
        .collect()
}

/// Opens a session for API key `owner` on `document` (on the verification pool): the
/// 201 body.
///
/// # Errors
/// 422 `bad_sod`, `chip_authentication_unavailable`; 503; 500.
pub fn open(worker: &AppState, owner: &str, document: &Document) -> ApiResult<Value> {
    let now = UnixTime::now();
    let outcome = worker.verifier()?.verify_one_at(document, now);
    if let Some(parse) = outcome.check(CheckId::SodParse)
        && parse.status == Status::Fail
    {
        return Err(ApiError::unprocessable(
            "bad_sod",
            format!("sod: not an EF.SOD ({})", parse.detail),
        ));
    }
    if let Some(id) = CA_BASIS.iter().find(|id| !outcome.passed(**id)) {
        return Err(unavailable(format!(
            "Chip Authentication needs a DG14 that Passive Authentication covers: {id} did not pass"
        )));
    }
    // A document that fails Passive Authentication (a data group the SOD does not cover,
    // a hash that differs, an untrusted signer) could only end in an invalid verification:
    // refused before anything is stored or sent to the chip.
    if !outcome.valid {
        let failed: Vec<String> = outcome.failed().iter().map(ToString::to_string).collect();
        return Err(ApiError::unprocessable(
            "passive_authentication_failed",
            format!(
                "Passive Authentication of the submitted files did not pass (failed: {}); a chip session needs a valid document",
                if failed.is_empty() {
                    "a required check was skipped".to_owned()
                } else {
                    failed.join(", ")
                }
            ),
        ));
    }
    let dg14 = document
        .data_groups
        .get(&14)
        .and_then(|bytes| dongpo_icao::lds::Dg14::parse(bytes).ok())
        .ok_or_else(|| unavailable("dg 14 does not parse"))?;
    let selection = ca::select(
        PaCoveredDg14::covered_by_passive_authentication(&dg14),
        None,
    )
    .map_err(|e| unavailable(format!("dg 14: {e}")))?;
    let dg1 = document
        .data_groups
        .get(&1)
        .ok_or_else(|| unavailable("dg 1 is needed: the chip reads it back under the new keys"))?;
    let expected = dg1.get(..dg1.len().min(MAX_PRESENCE_LEN)).unwrap_or(dg1);
    let (remote, commands) =
        RemoteCa::start(selection, DG1_FID, 0, expected).map_err(|e| match e {
            RemoteCaError::Presence(_) => unavailable("dg 1 is empty"),
            other => ApiError::internal(other),
        })?;
    let id = random_id("cs")?;
    let mut plain = Sealed {
        ca: ByteBuf::from(remote.to_bytes().to_vec()),
        sod: ByteBuf::from(document.sod.clone()),
        dg: document
            .data_groups
            .iter()
            .map(|(n, b)| (*n, ByteBuf::from(b.clone())))
            .collect(),
        com: document.com.clone().map(ByteBuf::from),
    };
    // Room for everything up front: a growing buffer would leave copies of the keys in
    // freed memory.
    let room = plain.ca.len()
        + plain.sod.len()
        + plain.dg.values().map(|b| b.len() + 16).sum::<usize>()
        + plain.com.as_ref().map_or(0, |c| c.len())
        + 256;
    let encoded = cbor4ii::serde::to_vec(Vec::with_capacity(room), &plain);
    zeroize::Zeroize::zeroize(&mut *plain.ca);
    let plain = Zeroizing::new(encoded.map_err(ApiError::internal)?);
    let sealed =
        chip_seal::seal(&worker.fingerprint_key, &id, owner, &plain).map_err(ApiError::internal)?;
    let expires_at = UnixTime(now.0.saturating_add(worker.config.chip_session_ttl_secs));
    let stored = worker.with_db(|db| {
        db.insert_chip_session(
            &id,
            owner,
            &sealed,
            expires_at,
            (now, MAX_OPEN_SESSIONS_PER_KEY),
        )
    })?;
    if !stored {
        return Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "chip_sessions_exhausted",
            format!(
                "this API key already holds {MAX_OPEN_SESSIONS_PER_KEY} open chip sessions; finish them or let them expire"
            ),
        ));
    }
    // The files are held (sealed) until the session ends: an access to personal data.
    worker.record_access(&[Access {
        at: now,
        actor: owner.to_owned(),
        action: Action::VerificationScreen,
        subject: worker.document_subject(outcome.mrz.as_ref()),
        outcome: "chip_session".into(),
        reference: Some(id.clone()),
    }]);
    Ok(json!({
        "id": id,
        "expires_at": expires_at.rfc3339(),
        "step": 1,
        "commands": hex_commands(&commands),
        "channel": "existing",
    }))
}

/// The answer to posting a step's responses.
pub enum StepAnswer {
    /// More commands (the body).
    Next(Value),
    /// The session completed: the body, and the report for the metrics.
    Done(Value, Box<VerificationReport>),
}

/// Takes the chip's `responses` (hex) to `step` of session `id` of API key `owner` (on
/// the verification pool).
///
/// # Errors
/// 404 `chip_session_not_found`, 410 `chip_session_expired`, 409 `chip_session_ended`,
/// 409 `chip_session_step`, 422 `chip_relay_invalid`, 422 `chip_authentication_failed`;
/// 503; 500.
pub fn respond(
    worker: &AppState,
    owner: &str,
    id: &str,
    step: u64,
    responses: &[String],
) -> ApiResult<StepAnswer> {
    // Steps other than 1 and 2 never match: they end the session like a replay.
    let (from, to) = match step {
        1 => (1, 2),
        2 => (2, CHIP_SESSION_COMPLETING),
        _ => (-1, -1),
    };
    let now = UnixTime::now();
    let sealed = match worker.with_db(|db| db.advance_chip_session(id, owner, from, to, now))? {
        Ok(sealed) => sealed,
        Err(refusal) => return Err(refused(refusal)),
    };
    // From here on the session is ours alone; whatever happens, it ends unless step 1
    // passes.
    let result = take_step(worker, owner, id, step, responses, &sealed);
    if !matches!(result, Ok(StepAnswer::Next(_))) {
        worker.with_db(|db| db.end_chip_session(id))?;
    }
    result
}

fn refused(refusal: ChipSessionRefusal) -> ApiError {
    use axum::http::StatusCode;
    match refusal {
        ChipSessionRefusal::Unknown => {
            ApiError::not_found("chip_session_not_found", "no such chip session")
        }
        ChipSessionRefusal::Expired => ApiError::new(
            StatusCode::GONE,
            "chip_session_expired",
            "the chip session has expired; open a new one",
        ),
        ChipSessionRefusal::Ended => ApiError::conflict(
            "chip_session_ended",
            "the chip session has ended; open a new one",
        ),
        ChipSessionRefusal::WrongStep => ApiError::conflict(
            "chip_session_step",
            "step: the session was not waiting for this step (replayed, reordered or duplicated); the session has ended",
        ),
    }
}

fn relay_invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable("chip_relay_invalid", message)
}

fn take_step(
    worker: &AppState,
    owner: &str,
    id: &str,
    step: u64,
    responses: &[String],
    sealed: &[u8],
) -> ApiResult<StepAnswer> {
    let plain =
        chip_seal::open(&worker.fingerprint_key, id, owner, sealed).map_err(ApiError::internal)?;
    let mut state: Sealed = cbor4ii::serde::from_slice(&plain).map_err(ApiError::internal)?;
    // The keys' bytes are wiped once parsed (RemoteCa wipes its own copy on drop).
    let ca = Zeroizing::new(std::mem::take(&mut state.ca).into_vec());
    let remote = RemoteCa::from_bytes(&ca).map_err(ApiError::internal)?;
    let answers = responses
        .iter()
        .enumerate()
        .map(|(i, text)| {
            hex::decode(text)
                .ok()
                .and_then(|bytes| ResponseApdu::parse(&bytes).ok())
                .ok_or_else(|| {
                    relay_invalid(format!(
                        "responses[{i}]: not a response APDU in hex (data and SW1 SW2)"
                    ))
                })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let failed = |e: RemoteCaError| match e {
        RemoteCaError::AnswerCount { .. } => relay_invalid(format!("responses: {e}")),
        RemoteCaError::BadState => ApiError::internal(e),
        other => ApiError::unprocessable(
            "chip_authentication_failed",
            format!("Chip Authentication failed: {other}; the session has ended"),
        ),
    };
    if step == 1 {
        let commands = remote.check_step1(&answers).map_err(failed)?;
        return Ok(StepAnswer::Next(json!({
            "id": id,
            "step": 2,
            "commands": hex_commands(&commands),
            "channel": "chip-authentication",
        })));
    }
    let detail = remote.check_step2(&answers).map_err(failed)?;
    let document = Document {
        sod: state.sod.into_vec(),
        data_groups: state
            .dg
            .into_iter()
            .map(|(n, b)| (n, b.into_vec()))
            .collect(),
        com: state.com.map(ByteBuf::into_vec),
        active_auth: None,
        chip_authentication: Some(ChipAuthenticationResult::Proven { detail }),
    };
    let (report, verification) =
        verify_and_store(worker, &document, random_id("ver")?, owner.to_owned(), None)?;
    Ok(StepAnswer::Done(
        json!({ "id": id, "step": "done", "verification": verification }),
        Box::new(report),
    ))
}
