//! Profiles, issuance bound to a verification, certificate status and revocation.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dongpo_ca::Assurance;
use dongpo_ca::RevocationReason;
use dongpo_ca::certificate_pem;
use dongpo_ca::store::{CertStatus, StoreError};
use dongpo_ca::{Access, Action, person_subject};
use dongpo_ca::{Application, IssuanceError, IssuanceHooks, Request, finalize};
use dongpo_ca::{Approval, Refusal};
use dongpo_ca::{IssueError, Issued};
use dongpo_icao::Outcome;
use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{Caller, Scope};
use crate::db::{Binding, StoredVerification};
use crate::error::{ApiError, ApiResult};
use crate::fingerprint::document_fingerprint;
use crate::state::AppState;
use crate::wire::JsonBody;

/// `GET /v1/profiles`.
pub async fn profiles(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    state
        .ca(|ca, _| {
            let issuers: Vec<(String, Vec<String>)> = ca
                .issuer()
                .cas()
                .iter()
                .map(|c| (c.name.clone(), c.profiles.clone()))
                .collect();
            let issuer_of = |profile: &str| {
                issuers
                    .iter()
                    .find(|(_, profiles)| profiles.iter().any(|p| p == profile))
                    .map(|(name, _)| name.clone())
            };
            let profiles: Vec<Value> = ca
                .profiles()
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name,
                        "issuer": issuer_of(&p.name),
                        "display_name": p.display_name,
                        "key_algorithms": p.key_algorithms.iter().map(dongpo_profiles::key_algorithm_name).collect::<Vec<_>>(),
                        "validity_days": p.validity_days,
                        "policy_oid": p.policy_oid.to_string(),
                    })
                })
                .collect();
            Ok(Json(json!({ "profiles": profiles })))
        })
        .await
}

/// `POST /v1/certificates` body.
#[derive(Debug, Deserialize)]
pub struct IssueIn {
    /// A passing, unused verification of the applicant's passport.
    pub verification_id: String,
    /// The certificate profile.
    pub profile: String,
    /// PKCS#10 CSR: PEM (the Base64 wrapped at any line length, or on one line) or the
    /// DER as base64; read by [`crate::wire::csr_der`].
    pub csr: String,
    /// The applicant's resident registration number (finds the registry record).
    pub resident_registration_number: String,
}

fn refusal_error(refusal: &Refusal) -> ApiError {
    let status = match refusal {
        Refusal::UnknownProfile(_) => StatusCode::NOT_FOUND,
        Refusal::Unavailable(e) => return ApiError::unavailable(e),
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, refusal.code(), refusal.to_string())
}

/// `POST /v1/certificates` at a `ca`-only process (`--role ca`): after the key's scope and
/// profiles are checked, 422 `verifier_code_required`. Such a process holds no
/// verification and no registry; it will issue on a verifier's OpenID Connect
/// authorization code, which it does not take yet.
pub async fn verifier_code_required(
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Issue)?;
    if let Some(profile) = body.get("profile").and_then(Value::as_str) {
        caller.require_profile(profile)?;
    }
    Err(ApiError::unprocessable(
        "verifier_code_required",
        "this server is a provider CA (role ca): it holds no verifications or registry and \
         issues only on a verifier's authorization code, which it does not accept yet; \
         issue at a server of role all",
    ))
}

/// `POST /v1/certificates`: translates the request and the stored verification into an
/// issuance [`Request`], runs [`finalize`] (the whole workflow, in `dongpo-ca`) with the
/// server's [`ServerHooks`], and its answer into the response.
pub async fn issue(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBody(body): JsonBody<IssueIn>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Scope::Issue)?;
    caller.require_profile(&body.profile)?;
    let id = body.verification_id.clone();
    // Only the API key that made the verification can issue on it: to any other it does
    // not exist (the same 404, so ids of other tenants cannot be probed).
    let owner = caller.key_id.clone();
    let stored = state
        .db(move |db| db.verification(&id, &owner))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "verification_not_found",
                "verification_id: no such verification",
            )
        })?;
    let order = Order::of(&stored, &body.csr)?;
    let receipt_id = stored.id.clone();
    let key_id = caller.key_id.clone();
    let (profile, rrn) = (body.profile, body.resident_registration_number);
    // Approving, binding, consuming, issuing and recording run as one blocking job that
    // finishes even when the request times out, so a verification is never left used
    // without its certificate.
    let (finalized, previous_uses) = state
        .ca(move |ca, st| {
            let now = UnixTime::now();
            let mut hooks = ServerHooks {
                state: st,
                verification_id: &receipt_id,
                key_id: &key_id,
                kept: None,
                previous_uses: 0,
            };
            let request = match &order {
                Order::Repeat { serial, csr } => Request::Repeat {
                    serial: serial.clone(),
                    csr,
                    profile: &profile,
                },
                Order::New {
                    report,
                    report_json,
                    dg1,
                    csr,
                } => {
                    hooks.kept = Some((report_json, dg1));
                    Request::New(Application {
                        report,
                        dg1,
                        receipt: Some(&receipt_id),
                        rrn: &rrn,
                        csr,
                        profile: &profile,
                    })
                }
            };
            let result = finalize(ca, &request, &mut hooks, now);
            // A repeated request returns a certificate without looking at the number it
            // carries: its access is recorded against the certificate's own person, never
            // against whatever number (or `malformed`) the caller sent.
            let person = match &result {
                Ok(finalized) if finalized.repeated => ca
                    .issuer()
                    .store()
                    .certificate(finalized.serial.as_bytes())
                    .ok()
                    .flatten()
                    .map(|stored| stored.cert.person),
                _ => ca.person_id(&rrn).ok(),
            };
            let is_new = matches!(request, Request::New(_));
            st.record_access(&dongpo_ca::access_records(
                &key_id,
                person.as_deref(),
                is_new,
                &result,
                Some(&receipt_id),
                now,
            ));
            if let Err(IssuanceError::Refused(Refusal::RegistryRefused(_))) = &result {
                // Which registry check failed is in the access records only.
                tracing::info!(key_id = %key_id, verification_id = %receipt_id, "issuance refused by the registry; the verification is used");
            }
            let finalized = result.map_err(|e| issuance_error(st, e))?;
            Ok((finalized, hooks.previous_uses))
        })
        .await?;
    let serial = finalized.serial.to_hex();
    let (status, (field, value)) = if finalized.repeated {
        tracing::info!(serial = %serial, "issued certificate returned again to a repeated request");
        (StatusCode::OK, ("repeated", json!(true)))
    } else {
        crate::metrics::Metrics::count(&state.metrics.issued, &finalized.profile);
        tracing::info!(serial = %serial, profile = %finalized.profile, key_id = %caller.key_id, "certificate issued");
        let previous = json!(previous_uses);
        (StatusCode::CREATED, ("document_previously_used", previous))
    };
    let mut answer = json!({
        "serial": serial,
        "certificate": certificate_pem(&finalized.der),
        "chain": finalized.chain.iter().map(|der| certificate_pem(der)).collect::<Vec<_>>(),
        "profile": finalized.profile,
        "issuer": finalized.issuer,
        "assurance": finalized.assurance.map(Assurance::label),
        "receipt_id": stored.id,
    });
    if let Some(fields) = answer.as_object_mut() {
        fields.insert(field.to_owned(), value);
        // Only a profile carrying identifyData has a VID random: sealed to the certified
        // key, for the subscriber's app to open (docs/vid.md).
        if let Some(sealed) = &finalized.vid_random {
            fields.insert(
                "vid_random_encrypted".into(),
                json!(crate::wire::to_base64(&sealed.ciphertext)),
            );
            fields.insert("vid_random_encryption".into(), json!(sealed.suite.name()));
        }
    }
    Ok((status, Json(answer)))
}

/// What the stored verification lets a request ask for.
enum Order {
    /// The verification was used: its certificate again, when the request repeats it.
    Repeat {
        serial: Option<Serial>,
        /// The CSR's DER; empty when it does not decode (then no retry).
        csr: Vec<u8>,
    },
    /// An unused, passing verification.
    New {
        /// Boxed: an outcome is large beside a repeat.
        report: Box<Outcome>,
        report_json: String,
        dg1: Vec<u8>,
        csr: Vec<u8>,
    },
}

impl Order {
    fn of(stored: &StoredVerification, csr: &str) -> ApiResult<Self> {
        if stored.used_at.is_some() {
            return Ok(Order::Repeat {
                serial: stored.issued_serial.as_deref().and_then(Serial::from_hex),
                csr: crate::wire::csr_der(csr).unwrap_or_default(),
            });
        }
        if !stored.valid {
            return Err(ApiError::unprocessable(
                "verification_failed",
                "verification_id: the passport did not verify",
            ));
        }
        let (Some(report_json), Some(dg1)) = (&stored.report_json, &stored.dg1) else {
            return Err(ApiError::unprocessable(
                "stale_verification",
                "verification_id: the verification is too old; verify the passport again",
            ));
        };
        // The typed outcome the verification stored (never the display report). One
        // stored in another form (by an older release) is treated as stale: verify again.
        let report: Outcome = serde_json::from_str(report_json).map_err(|_| {
            ApiError::unprocessable(
                "stale_verification",
                "verification_id: the verification is too old; verify the passport again",
            )
        })?;
        Ok(Order::New {
            report: Box::new(report),
            report_json: report_json.clone(),
            dg1: dg1.clone(),
            // The DER when the text is PEM or base64 DER; otherwise the text itself, which
            // the RA refuses as `bad_csr` in its order of checks.
            csr: crate::wire::csr_der(csr).unwrap_or_else(|_| csr.as_bytes().to_vec()),
        })
    }
}

/// The server's part of the issuance workflow: the passport bound to one person, the
/// verification consumed (single use), given back, and its serial recorded, all in the
/// server database; a new certificate's OCSP response pre-signed.
struct ServerHooks<'a> {
    state: &'a AppState,
    verification_id: &'a str,
    key_id: &'a str,
    /// The report (JSON) and DG1 a released verification gets back.
    kept: Option<(&'a str, &'a [u8])>,
    /// Issuances on this passport before this one.
    previous_uses: u64,
}

impl IssuanceHooks for ServerHooks<'_> {
    type Error = ApiError;

    fn approved(
        &mut self,
        application: &Application<'_>,
        approval: &Approval,
        now: UnixTime,
    ) -> Result<(), ApiError> {
        let mrz =
            application.report.mrz.as_ref().ok_or_else(|| {
                ApiError::unprocessable("missing_evidence", "the report has no MRZ")
            })?;
        let fingerprint = document_fingerprint(
            &self.state.fingerprint_key,
            &mrz.issuing_state,
            &mrz.document_number,
        );
        let person = approval.person();
        match self
            .state
            .with_db(|db| db.bind_document(&fingerprint, person, now))?
        {
            Binding::Same { previous_uses } => {
                self.previous_uses = previous_uses;
                Ok(())
            }
            Binding::OtherPerson => {
                crate::metrics::Metrics::count(
                    &self.state.metrics.refused,
                    "document_bound_to_other_person",
                );
                tracing::warn!(key_id = %self.key_id, "refused: passport already bound to another registry identity");
                Err(ApiError::conflict(
                    "document_bound_to_other_person",
                    "this passport was already used for a different registered person",
                ))
            }
        }
    }

    fn consume(&mut self, now: UnixTime) -> Result<bool, ApiError> {
        let id = self.verification_id;
        self.state.with_db(|db| db.consume_verification(id, now))
    }

    fn release(&mut self) {
        let (id, Some((report_json, dg1))) = (self.verification_id, self.kept) else {
            return;
        };
        if let Err(release) = self
            .state
            .with_db(|db| db.release_verification(id, report_json, dg1))
        {
            tracing::warn!(error = %release.message, "giving back the verification failed");
        }
    }

    fn record(&mut self, issued: &Issued) {
        let id = self.verification_id;
        if let Err(e) = self
            .state
            .with_db(|db| db.record_issuance(id, &issued.serial.to_hex()))
        {
            tracing::warn!(error = %e.message, "recording the issued serial on its verification failed");
        }
    }

    fn issued(&mut self, issued: &Issued, now: UnixTime) {
        // Pre-signed now, so the first OCSP request for it is answered from the cache.
        if let Some(id) = self.state.ocsp_issuers.get(&issued.issuer)
            && let Err(e) = self.state.ocsp.presign(id, [&issued.serial], now)
        {
            tracing::warn!(error = %e, "pre-signing the OCSP response failed");
        }
    }
}

/// The API error of a failed issuance; refusals are counted in `dongpo_issuance_refusals`.
fn issuance_error(state: &AppState, error: IssuanceError<ApiError>) -> ApiError {
    match error {
        IssuanceError::Refused(refusal) => {
            crate::metrics::Metrics::count(&state.metrics.refused, refusal.code());
            refusal_error(&refusal)
        }
        IssuanceError::Hook(error) => error,
        IssuanceError::AlreadyConsumed => ApiError::conflict(
            "verification_used",
            "verification_id: this verification was already used for a certificate",
        ),
        IssuanceError::NotARetry => ApiError::conflict(
            "verification_used",
            "verification_id: this verification was already used for a certificate; verify the passport again",
        ),
        IssuanceError::Issue(e) => {
            let error = issue_error(e);
            if is_refusal(&error) {
                crate::metrics::Metrics::count(&state.metrics.refused, error.code);
            }
            error
        }
        IssuanceError::Lookup(e) => ApiError::unavailable(e),
        IssuanceError::Evidence(e) => ApiError::internal(e),
        // NoChain (a configuration changed under a stored certificate), and any later kind.
        e => ApiError::internal(e),
    }
}

/// Store failures are the disk or the database: 503, retry later. A key bound to another
/// person is 409 `key_bound_to_other_person`; an issuing CA outside its validity (or a
/// profile refusing a validity past it) 503 `issuing_ca_not_valid`; a registry name the
/// certificate cannot carry 422 `unusable_registry_name` (naming the attribute, not the
/// value). The rest are ours.
pub(crate) fn issue_error(e: IssueError) -> ApiError {
    match e {
        IssueError::Store(StoreError::Backend(cause)) => ApiError::unavailable(cause),
        IssueError::Store(StoreError::KeyBoundToOtherPerson) => ApiError::conflict(
            "key_bound_to_other_person",
            "csr: this public key is already bound to a different registered person",
        ),
        IssueError::IssuerValidity { name, reason } => {
            tracing::error!(issuer = %name, %reason, "issuance refused: the issuing CA is not valid");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "issuing_ca_not_valid",
                format!("the issuing CA '{name}' cannot issue now: {reason}"),
            )
        }
        IssueError::Subject(e) => ApiError::unprocessable(
            "unusable_registry_name",
            format!(
                "the registry record cannot make a certificate subject: {e}; correct the record and import it again"
            ),
        ),
        other => ApiError::internal(other),
    }
}

/// Whether an issuance error is a refusal (counted in `dongpo_issuance_refusals`), not
/// a failure.
fn is_refusal(error: &ApiError) -> bool {
    matches!(
        error.code,
        "key_bound_to_other_person" | "issuing_ca_not_valid" | "unusable_registry_name"
    )
}

fn parse_serial(text: &str) -> ApiResult<Serial> {
    Serial::from_hex(text)
        .ok_or_else(|| ApiError::bad_request("bad_serial", "serial: not a hex certificate serial"))
}

fn not_found() -> ApiError {
    ApiError::not_found("certificate_not_found", "no certificate with this serial")
}

/// `GET /v1/certificates/{serial}`.
pub async fn status(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(serial): Path<String>,
) -> ApiResult<Json<Value>> {
    caller.require_any(&[Scope::Issue, Scope::Revoke])?;
    let serial = parse_serial(&serial)?;
    let key_id = caller.key_id.clone();
    let caller = caller.clone();
    state
        .ca(move |ca, st| {
            let stored = ca
                .issuer()
                .store()
                .certificate(serial.as_bytes())
                .map_err(ApiError::unavailable)?
                .ok_or_else(not_found)?;
            caller.require_profile(&stored.cert.profile)?;
            st.record_access(&[Access {
                at: UnixTime::now(),
                actor: key_id,
                action: Action::CertificateRead,
                subject: person_subject(&stored.cert.person),
                outcome: "read".into(),
                reference: Some(serial.to_hex()),
            }]);
            let mut body = serde_json::Map::new();
            body.insert("serial".into(), json!(serial.to_hex()));
            body.insert(
                "certificate".into(),
                json!(certificate_pem(&stored.cert.der)),
            );
            body.insert("issuer".into(), json!(stored.cert.issuer));
            body.insert("profile".into(), json!(stored.cert.profile));
            body.insert("status".into(), json!("good"));
            if let CertStatus::Revoked { at, reason } = stored.status {
                body.insert("status".into(), json!("revoked"));
                body.insert("revoked_at".into(), json!(at.rfc3339()));
                body.insert(
                    "revocation_reason".into(),
                    json!(RevocationReason::from_code(reason).map(RevocationReason::name)),
                );
            }
            Ok(Json(Value::Object(body)))
        })
        .await
}

/// `POST /v1/certificates/{serial}/revoke` body.
#[derive(Debug, Deserialize)]
pub struct RevokeIn {
    /// RFC 5280 reason name.
    pub reason: String,
}

/// `POST /v1/certificates/{serial}/revoke`.
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(serial): Path<String>,
    JsonBody(body): JsonBody<RevokeIn>,
) -> ApiResult<Json<Value>> {
    caller.require(Scope::Revoke)?;
    let serial = parse_serial(&serial)?;
    let reason = RevocationReason::from_name(&body.reason).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_reason",
            format!("reason: one of {}", RevocationReason::names().join(", ")),
        )
    })?;
    let key_id = caller.key_id.clone();
    let caller = caller.clone();
    state
        .ca(move |ca, st| {
            let now = UnixTime::now();
            let cert = ca
                .issuer()
                .store()
                .certificate(serial.as_bytes())
                .map_err(ApiError::unavailable)?
                .ok_or_else(not_found)?
                .cert;
            // Nothing changes for a key limited to other profiles.
            caller.require_profile(&cert.profile)?;
            let issuer = cert.issuer;
            ca.revoke(&serial, reason, now).map_err(|e| match e {
                IssueError::Store(StoreError::AlreadyRevoked) => {
                    ApiError::conflict("already_revoked", "the certificate is already revoked")
                }
                IssueError::Store(StoreError::NotFound) => not_found(),
                other => issue_error(other),
            })?;
            st.revocation_seen(&issuer, &serial, now);
            crate::metrics::Metrics::count(&st.metrics.revoked, reason.name());
            tracing::info!(serial = %serial.to_hex(), reason = reason.name(), key_id = %key_id, "certificate revoked");
            Ok(Json(json!({
                "serial": serial.to_hex(),
                "status": "revoked",
                "reason": reason.name(),
            })))
        })
        .await
}
