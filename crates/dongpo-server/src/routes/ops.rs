//! Health, readiness, metrics and the OpenAPI document.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dongpo_pki::time::UnixTime;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The OpenAPI 3 document of the whole API (`docs/openapi.yaml` at the repository root).
pub const OPENAPI_YAML: &str = include_str!("../../../../docs/openapi.yaml");

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: every connection to the database answers (the server's tables, the
/// CA store, the OCSP responder's store). A probe that finds one dropped fails, and the
/// next probe finds it reconnected. It also fails while OCSP answers `tryLater` because
/// the revocations are older than `revocation_max_staleness_secs`, and while the CA cannot
/// write (its audit node claim was lost, or an audit-sequence conflict persisted).
pub async fn readyz(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    state.db(|db| db.ping()).await?;
    state
        .ca(|ca, _| ca.issuer().store().ping().map_err(ApiError::unavailable))
        .await?;
    // A CA that cannot write (its node claim lost, an audit conflict it could not resolve)
    // would answer issuance 503 and revocation 500: not ready.
    state
        .ca(|ca, _| {
            ca.writable()
                .map_err(|e| ApiError::unavailable(format!("the CA cannot write: {e}")))
        })
        .await?;
    let worker = Arc::clone(&state);
    crate::state::blocking(move || worker.ocsp.source().ping().map_err(ApiError::unavailable))
        .await?;
    if state.revocations_stale(UnixTime::now()) {
        return Err(ApiError::unavailable(
            "revocations not re-read from the store within revocation_max_staleness_secs",
        ));
    }
    Ok(Json(json!({ "status": "ready" })))
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.yaml`.
pub async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml"),
        )],
        OPENAPI_YAML,
    )
        .into_response()
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "no such endpoint (see /openapi.yaml)")
}
