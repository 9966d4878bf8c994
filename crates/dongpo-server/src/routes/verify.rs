//! Challenges, verifications (one and batch) and their receipts.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use dongpo_ca::{Access, Action};
use dongpo_icao::VerificationReport;
use dongpo_icao::passive_auth::{ActiveAuthResponse, Document};
use dongpo_pki::time::UnixTime;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, Scope};
use crate::db::ChallengeRefusal;
use crate::error::{ApiError, ApiResult};
use crate::report_view::{CompactReport, ReportView};
use crate::state::AppState;
use crate::verification::{random_id, verify_and_store};
use crate::wire::{
    ActiveAuthIn, DocumentBin, DocumentIn, RawBody, base64, is_cbor, parse_cbor, parse_json,
};

/// Active Authentication challenges are 8 octets (ICAO 9303-11 §6.1: RND.IFD).
const CHALLENGE_OCTETS: usize = 8;

/// `POST /v1/challenges`.
pub async fn create_challenge(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Verify)?;
    let mut nonce = [0u8; CHALLENGE_OCTETS];
    getrandom::fill(&mut nonce).map_err(ApiError::internal)?;
    let id = random_id("chl")?;
    let now = UnixTime::now();
    let expires_at = UnixTime(now.0 + state.config.challenge_ttl_secs);
    let stored_id = id.clone();
    // Only the key that asked for it can answer it.
    let owner = caller.key_id.clone();
    state
        .db(move |db| db.insert_challenge(&stored_id, &owner, &nonce, expires_at))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id,
            "challenge": hex::encode(nonce),
            "expires_at": expires_at.rfc3339(),
        })),
    ))
}

/// `POST /v1/verifications` body.
#[derive(Debug, Deserialize)]
pub struct VerifyIn<'a> {
    /// The document.
    #[serde(flatten, borrow)]
    pub document: DocumentIn<'a>,
    /// Active Authentication over a server challenge.
    #[serde(default)]
    pub aa: Option<ActiveAuthIn>,
    /// Every other field, refused by the handler (serde cannot combine
    /// `deny_unknown_fields` with `flatten`): a misspelt `aa` must not give a verification
    /// that silently skipped Active Authentication.
    #[serde(flatten)]
    pub unknown: BTreeMap<String, serde::de::IgnoredAny>,
}

impl VerifyIn<'_> {
    /// 400 `bad_request` naming the first unknown field (only when its name is plain: no
    /// control characters or long text are echoed).
    ///
    /// # Errors
    /// The refusal.
    pub fn refuse_unknown_fields(&self) -> ApiResult<()> {
        let Some(name) = self.unknown.keys().next() else {
            return Ok(());
        };
        let plain = name.len() <= 40
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let named = if plain {
            format!("unknown field `{name}`")
        } else {
            "an unknown field".to_owned()
        };
        Err(ApiError::bad_request(
            "bad_request",
            format!("{named}: the body takes `sod`, `dg`, `com` and `aa` only"),
        ))
    }
}

/// The challenge's nonce, once; another API key's challenge is unknown to this one.
async fn take_challenge(
    state: &Arc<AppState>,
    aa: &ActiveAuthIn,
    owner: &str,
) -> ApiResult<Vec<u8>> {
    let id = aa.challenge_id.clone();
    let owner = owner.to_owned();
    let now = UnixTime::now();
    match state
        .db(move |db| db.take_challenge(&id, &owner, now))
        .await?
    {
        Ok(nonce) => Ok(nonce),
        Err(ChallengeRefusal::Unknown) => Err(ApiError::not_found(
            "unknown_challenge",
            "aa.challenge_id: no such challenge (create one with POST /v1/challenges)",
        )),
        Err(ChallengeRefusal::Used) => Err(ApiError::conflict(
            "challenge_used",
            "aa.challenge_id: this challenge was already used; create a new one",
        )),
        Err(ChallengeRefusal::Expired) => Err(ApiError::new(
            StatusCode::GONE,
            "challenge_expired",
            "aa.challenge_id: this challenge has expired; create a new one",
        )),
    }
}

/// `POST /v1/verifications`.
pub async fn verify(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    RawBody(raw): RawBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Verify)?;
    let body: VerifyIn<'_> = parse_json(&headers, &raw)?;
    body.refuse_unknown_fields()?;
    // Everything that can be refused is checked before the challenge is spent.
    let signature = body
        .aa
        .as_ref()
        .map(|aa| base64("aa.signature", &aa.signature))
        .transpose()?;
    let mut document = body.document.decode(None)?;
    if body.aa.is_some() && !document.data_groups.contains_key(&15) {
        return Err(ApiError::bad_request(
            "bad_request",
            "aa: Active Authentication needs dg 15 (the chip's public key)",
        ));
    }
    if let (Some(aa), Some(signature)) = (&body.aa, signature) {
        let challenge = take_challenge(&state, aa, &caller.key_id).await?;
        document.active_auth = Some(ActiveAuthResponse {
            challenge,
            signature,
        });
    }
    let challenge_id = body.aa.map(|aa| aa.challenge_id);
    let id = random_id("ver")?;
    let owner = caller.key_id.clone();
    // One trip to the blocking pool: verify, sign the receipt, store, build the answer
    // (each extra hop costs a thread switch per request).
    let (report, response) = state
        .compute(move |worker| {
            verify_and_store(worker, &document, id, owner, challenge_id.as_deref())
        })
        .await?;
    state.metrics.verification(&report);
    Ok((StatusCode::CREATED, Json(response)))
}

/// `POST /v1/verifications:batch` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchIn<'a> {
    /// The documents.
    #[serde(borrow)]
    pub documents: Vec<DocumentIn<'a>>,
}

/// `POST /v1/verifications:batch` body as CBOR (`application/cbor`).
#[derive(Debug, Deserialize)]
pub struct BatchBin<'a> {
    /// The documents.
    #[serde(borrow)]
    pub documents: Vec<DocumentBin<'a>>,
}

/// `POST /v1/verifications:batch`: stateless screening, reports in input order.
pub async fn verify_batch(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    uri: axum::http::Uri,
    RawBody(raw): RawBody,
) -> ApiResult<Response> {
    caller.require(Scope::Verify)?;
    let view = ReportView::from_query(uri.query())?;
    let max = state.config.max_batch_documents;
    let too_many = |n: usize| {
        (n > max).then(|| {
            ApiError::bad_request("bad_request", format!("documents: at most {max} per batch"))
        })
    };
    let at = |i: usize| {
        move |mut e: ApiError| {
            e.message = format!("documents[{i}].{}", e.message);
            e
        }
    };
    // CBOR carries the chip files as byte strings: no base64 to decode, a quarter less to
    // send, for integrators who verify in bulk.
    let documents = if is_cbor(&headers) {
        let body: BatchBin<'_> = parse_cbor(&raw)?;
        if let Some(e) = too_many(body.documents.len()) {
            return Err(e);
        }
        body.documents
            .iter()
            .enumerate()
            .map(|(i, d)| d.decode().map_err(at(i)))
            .collect::<ApiResult<Vec<Document>>>()?
    } else {
        let body: BatchIn<'_> = parse_json(&headers, &raw)?;
        if let Some(e) = too_many(body.documents.len()) {
            return Err(e);
        }
        body.documents
            .iter()
            .enumerate()
            .map(|(i, d)| d.decode(None).map_err(at(i)))
            .collect::<ApiResult<Vec<Document>>>()?
    };
    let reports = verify_spread(&state, documents).await?;
    state.metrics.verifications_of(&reports);
    let at = UnixTime::now();
    let accesses: Vec<Access> = reports
        .iter()
        .map(|report| Access {
            at,
            actor: caller.key_id.clone(),
            action: Action::VerificationScreen,
            subject: state.document_subject(report.mrz.as_ref()),
            outcome: if report.valid { "valid" } else { "invalid" }.into(),
            reference: None,
        })
        .collect();
    let worker = Arc::clone(&state);
    crate::state::blocking(move || {
        worker.record_access(&accesses);
        Ok(())
    })
    .await?;
    // Serialised straight from the reports: a `json!` tree of them would allocate every
    // field again. CBOR when the client asks for it (`Accept: application/cbor`).
    #[derive(serde::Serialize)]
    struct BatchOut<T> {
        reports: Vec<T>,
    }
    let (content_type, body) = match view {
        ReportView::Full => encode(
            &headers,
            &BatchOut {
                reports: reports.iter().collect(),
            },
        ),
        ReportView::Compact => encode(
            &headers,
            &BatchOut {
                reports: reports.iter().map(CompactReport::from).collect(),
            },
        ),
    }?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static(content_type),
        )],
        body,
    )
        .into_response())
}

/// The answer as CBOR when the client asks for it, else JSON.
fn encode(headers: &HeaderMap, out: &impl serde::Serialize) -> ApiResult<(&'static str, Vec<u8>)> {
    if accepts_cbor(headers) {
        let body = cbor4ii::serde::to_vec(Vec::with_capacity(64 * 1024), out)
            .map_err(ApiError::internal)?;
        Ok(("application/cbor", body))
    } else {
        let mut body = Vec::with_capacity(64 * 1024);
        serde_json::to_writer(&mut body, out).map_err(ApiError::internal)?;
        Ok(("application/json", body))
    }
}

/// Whether the client prefers CBOR answers.
fn accepts_cbor(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/cbor"))
            })
        })
}

/// Verifies on the verification pool, one part per core, keeping the order.
async fn verify_spread(
    state: &Arc<AppState>,
    documents: Vec<Document>,
) -> ApiResult<Vec<VerificationReport>> {
    let now = UnixTime::now();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = documents.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    let mut documents = documents.into_iter().peekable();
    // One trust store for the whole batch, even if it is replaced meanwhile.
    let verifier = state.verifier()?;
    while documents.peek().is_some() {
        let part: Vec<Document> = documents.by_ref().take(chunk).collect();
        let worker = Arc::clone(state);
        let verifier = verifier.clone();
        // Spawned now (not when awaited), so the parts run side by side.
        tasks.push(tokio::spawn(async move {
            worker
                .compute(move |_| {
                    Ok(part
                        .iter()
                        .map(|d| verifier.verify_one_at(d, now).into_report())
                        .collect::<Vec<_>>())
                })
                .await
        }));
    }
    let mut reports = Vec::new();
    for task in tasks {
        reports.extend(task.await.map_err(ApiError::internal)??);
    }
    Ok(reports)
}

/// `GET /v1/verifications/{id}/receipt`.
pub async fn receipt(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Verify)?;
    // Another API key's verification does not exist for this one.
    let owner = caller.key_id.clone();
    let stored = state
        .db(move |db| db.verification(&id, &owner))
        .await?
        .ok_or_else(|| ApiError::not_found("verification_not_found", "no such verification"))?;
    let claims = state
        .receipts
        .verify(&stored.receipt)
        .map_err(ApiError::internal)?;
    let access = Access {
        at: UnixTime::now(),
        actor: caller.key_id.clone(),
        action: Action::ReceiptRead,
        subject: format!("verification:{}", stored.id),
        outcome: "read".into(),
        reference: Some(stored.id.clone()),
    };
    let worker = Arc::clone(&state);
    crate::state::blocking(move || {
        worker.record_access(&[access]);
        Ok(())
    })
    .await?;
    Ok(Json(json!({
        "id": stored.id,
        "receipt": stored.receipt,
        "claims": claims,
        "used": stored.used_at.is_some(),
    })))
}

/// `GET /v1/receipt-keys`: the JWK set receipts verify with.
pub async fn receipt_keys(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(state.receipts.jwks())
}
