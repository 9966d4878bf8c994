//! Admin endpoints: the registry of overseas citizens and API keys.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use dongpo_ca::Identity;
use dongpo_pki::time::UnixTime;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, Scope, Scopes, new_scoped_key};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{JsonBody, RawBody, media_type};

fn import_error(e: &dongpo_ca::ImportError) -> ApiError {
    match e {
        dongpo_ca::ImportError::Registry(e) => {
            ApiError::bad_request("bad_registry_record", e.to_string())
        }
        dongpo_ca::ImportError::Issue(e) => ApiError::unavailable(e),
        other => ApiError::internal(other),
    }
}

/// `POST /v1/registry`: `{"records": [identity, ...]}` as JSON, or the registry's CSV
/// export as `text/csv`. All or nothing.
pub async fn registry(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Admin)?;
    let content_type = media_type(&headers);
    let now = UnixTime::now();
    let persons = if content_type == "text/csv" {
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad_request("bad_request", "the CSV is not UTF-8"))?;
        state
            .ca(move |ca, _| {
                ca.import_registry_csv(&text, now)
                    .map_err(|e| import_error(&e))
            })
            .await?
    } else if content_type == "application/json" {
        let records = parse_records(&body)?;
        state
            .ca(move |ca, _| ca.register_all(&records, now).map_err(|e| import_error(&e)))
            .await?
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json ({\"records\": [...]}) or text/csv",
        ));
    };
    let registered = persons.len();
    let accesses = dongpo_ca::access::registry_imports(&caller.key_id, &persons, now);
    let worker = Arc::clone(&state);
    crate::state::blocking(move || {
        worker.record_access(&accesses);
        Ok(())
    })
    .await?;
    tracing::info!(records = registered, key_id = %caller.key_id, "registry records imported");
    Ok(Json(json!({ "registered": registered })))
}

fn parse_records(body: &[u8]) -> ApiResult<Vec<Identity>> {
    #[derive(Deserialize)]
    struct RecordsIn {
        records: Vec<Value>,
    }
    let parsed: RecordsIn = serde_json::from_slice(body).map_err(|_| {
        ApiError::bad_request("bad_json", "the body is not {\"records\": [identity, ...]}")
    })?;
    parsed
        .records
        .iter()
        .enumerate()
        .map(|(i, value)| {
            Identity::from_json(&value.to_string(), &format!("records[{i}]"))
                .map_err(|e| ApiError::bad_request("bad_registry_record", e.to_string()))
        })
        .collect()
}

/// `POST /v1/registry/erase` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseIn {
    /// The resident registration number of the person to erase.
    pub resident_registration_number: String,
}

/// `POST /v1/registry/erase`: erases a person ([`crate::erasure::erase_person`]): the
/// registry record and the server's verifications, receipts and document bindings linked
/// to them; the pseudonymous records a CA must keep stay.
pub async fn erase(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody<EraseIn>,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Admin)?;
    let rrn = zeroize::Zeroizing::new(body.resident_registration_number);
    // An erasure whose registry part ran is recorded even when the server's part failed.
    let outcome = state
        .ca(move |ca, st| {
            let mut db = st
                .db
                .lock()
                .map_err(|_| ApiError::internal("server database lock poisoned"))?;
            match crate::erasure::erase_person(ca, Some(db.as_mut()), &rrn, UnixTime::now()) {
                Ok(erased) => Ok(Ok(erased)),
                Err(crate::erasure::EraseError::BadRrn(_)) => Err(ApiError::bad_request(
                    "bad_request",
                    "resident_registration_number: not 13 digits (YYMMDD-NNNNNNN)",
                )),
                Err(crate::erasure::EraseError::Server { erasure, source }) => {
                    let error = ApiError::unavailable(crate::erasure::EraseError::Server {
                        erasure: erasure.clone(),
                        source,
                    });
                    Ok(Err((erasure, error)))
                }
                Err(other) => Err(ApiError::unavailable(other)),
            }
        })
        .await?;
    let (erasure, finished) = match &outcome {
        Ok(erased) => (&erased.ca, true),
        Err((erasure, _)) => (&**erasure, false),
    };
    let access = dongpo_ca::access::registry_erasure(
        &caller.key_id,
        &erasure.person,
        erasure.record_deleted,
        finished,
        UnixTime::now(),
    );
    let worker = Arc::clone(&state);
    crate::state::blocking(move || {
        worker.record_access(&[access]);
        Ok(())
    })
    .await?;
    let erased = outcome.map_err(|(_, error)| error)?;
    let server = erased.server.unwrap_or_default();
    tracing::info!(
        key_id = %caller.key_id,
        record_deleted = erased.ca.record_deleted,
        certificates_kept = erased.ca.certificate_serials.len(),
        verifications_deleted = server.verifications,
        documents_deleted = server.documents,
        "person erased"
    );
    Ok(Json(json!({
        "record_deleted": erased.ca.record_deleted,
        "verifications_deleted": server.verifications,
        "documents_deleted": server.documents,
        "certificates_kept": erased.ca.certificate_serials,
    })))
}

/// `POST /v1/api-keys` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    /// A name for the key (who uses it).
    pub name: String,
    /// Scopes: verify, issue, revoke, admin.
    pub scopes: Vec<String>,
    /// The profiles the key is limited to (issuance, revocation and status of their
    /// certificates only); absent: every profile.
    #[serde(default)]
    pub profiles: Option<Vec<String>>,
}

/// `POST /v1/api-keys`: the key is shown once; only its hash is stored.
pub async fn create_api_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody<ApiKeyIn>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Admin)?;
    // Only an unlimited key makes keys (admin keys are never limited to profiles; this
    // also holds for rows stored before that rule).
    if caller.profiles.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "profile_not_in_key_scope",
            "a key limited to profiles cannot create API keys",
        ));
    }
    if body.name.trim().is_empty() || body.name.len() > 200 {
        return Err(ApiError::bad_request(
            "bad_request",
            "name: 1 to 200 characters",
        ));
    }
    let scopes = Scopes::parse(body.scopes.iter().map(String::as_str)).map_err(|name| {
        ApiError::bad_request(
            "unknown_scope",
            format!("scopes: '{name}' is not one of verify, issue, revoke, admin"),
        )
    })?;
    if scopes.is_empty() {
        return Err(ApiError::bad_request(
            "bad_request",
            "scopes: give at least one",
        ));
    }
    // `admin` covers the whole server (registry import and erasure, API keys, every
    // profile): a key limited to profiles holding it could mint an unlimited key.
    if body.profiles.is_some() && scopes.grants(Scope::Admin) {
        return Err(ApiError::bad_request(
            "admin_key_not_scoped",
            "profiles: an admin key covers every profile, the registry and API keys; limit \
             only keys without admin",
        ));
    }
    let profiles = match body.profiles {
        Some(profiles) => Some(known_profiles(&state, profiles).await?),
        None => None,
    };
    let made = new_scoped_key(body.name.trim(), scopes, profiles.as_deref())
        .map_err(ApiError::internal)?;
    let stored = made.stored.clone();
    state
        .db(move |db| db.insert_api_key(&stored, UnixTime::now()))
        .await?;
    tracing::info!(new_key_id = %made.stored.id, key_id = %caller.key_id, "API key created");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": made.stored.id,
            "key": made.key,
            "name": made.stored.name,
            "scopes": scopes.names(),
            "profiles": profiles,
        })),
    ))
}

/// `profiles` when each is a profile this server issues under (none at a verifier), without
/// repeats, in the order given.
async fn known_profiles(state: &Arc<AppState>, profiles: Vec<String>) -> ApiResult<Vec<String>> {
    if profiles.is_empty() {
        return Err(ApiError::bad_request(
            "bad_request",
            "profiles: give at least one, or leave it out for every profile",
        ));
    }
    let known: Vec<String> = state
        .ca(|ca, _| Ok(ca.profiles().iter().map(|p| p.name.clone()).collect()))
        .await?;
    let mut out: Vec<String> = Vec::new();
    for name in profiles {
        if !known.contains(&name) {
            return Err(ApiError::bad_request(
                "unknown_profile",
                format!(
                    "profiles: '{name}' is not a profile of this server ({})",
                    if known.is_empty() {
                        "it issues under none".to_owned()
                    } else {
                        format!("one of {}", known.join(", "))
                    }
                ),
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}
