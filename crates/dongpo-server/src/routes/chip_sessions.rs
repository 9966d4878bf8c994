//! Chip sessions (the server as Chip Authentication terminal): the handlers parse and
//! call [`crate::chip_session`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{Caller, Scope};
use crate::chip_session::{self, StepAnswer};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{DocumentIn, RawBody, parse_json};

/// `POST /v1/chip-sessions/{id}/responses` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipResponsesIn {
    /// The step these answer.
    pub step: u64,
    /// The chip's answers, hex (data and SW1 SW2), in the order of the commands.
    pub responses: Vec<String>,
}

/// `POST /v1/chip-sessions`.
pub async fn open(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Verify)?;
    // The document as `POST /v1/verifications` takes it, without `aa` (the chip proves
    // presence by Chip Authentication here).
    let body: DocumentIn<'_> = parse_json(&headers, &raw)?;
    let document = body.decode(None)?;
    let owner = caller.key_id.clone();
    let answer = state
        .compute(move |worker| chip_session::open(worker, &owner, &document))
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /v1/chip-sessions/{id}/responses`.
pub async fn responses(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Verify)?;
    let body: ChipResponsesIn = parse_json(&headers, &raw)?;
    let owner = caller.key_id.clone();
    let answer = state
        .compute(move |worker| {
            chip_session::respond(worker, &owner, &id, body.step, &body.responses)
        })
        .await?;
    Ok(Json(match answer {
        StepAnswer::Next(body) => body,
        StepAnswer::Done(body, report) => {
            state.metrics.verification(&report);
            body
        }
    }))
}
