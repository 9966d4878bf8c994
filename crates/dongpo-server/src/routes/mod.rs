//! The router: every endpoint of `docs/http.md`, with body limits, timeouts, request ids,
//! tracing without personal data, and latency metrics.

mod admin;
mod certificates;
mod chip_sessions;
mod ops;
mod publish;
pub mod verify;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

pub use ops::OPENAPI_YAML;

use crate::error::ApiError;
use crate::metrics::RouteLabels;
use crate::role::{Role, part_of};
use crate::state::AppState;

/// Every route (method, path) the router serves, as `/openapi.yaml` must document them.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/challenges"),
    ("post", "/v1/verifications"),
    ("post", "/v1/verifications:batch"),
    ("post", "/v1/chip-sessions"),
    ("post", "/v1/chip-sessions/{id}/responses"),
    ("get", "/v1/verifications/{id}/receipt"),
    ("get", "/v1/receipt-keys"),
    ("get", "/v1/profiles"),
    ("post", "/v1/certificates"),
    ("get", "/v1/certificates/{serial}"),
    ("post", "/v1/certificates/{serial}/revoke"),
    ("post", "/v1/registry"),
    ("post", "/v1/registry/erase"),
    ("post", "/v1/api-keys"),
    ("get", "/crl/{file}"),
    ("post", "/ocsp"),
    ("get", "/ocsp/{request}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.yaml"),
];

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids from the OS CSPRNG.
#[derive(Clone, Copy, Default)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).ok()?;
        hex::encode(bytes).parse().ok().map(RequestId::new)
    }
}

/// OCSP requests are small (RFC 6960 allows several CertIDs, not kilobytes).
const OCSP_BODY_LIMIT: usize = 64 * 1024;

/// The whole API.
pub fn router(state: Arc<AppState>) -> Router {
    let config = &state.config;
    let body_limit = DefaultBodyLimit::max(config.max_body_bytes);
    let role = config.role;
    // A route of a part this role does not play answers 404 `not_served_by_role`.
    let served = |path: &'static str, handler: MethodRouter<Arc<AppState>>| {
        if role.plays(part_of(path)) {
            handler
        } else {
            any(move || async move { not_served(role, path) })
        }
    };
    // A CA-only process issues on a verifier's code only (a later step): until then it
    // says so.
    let issue = if role == Role::Ca {
        post(certificates::verifier_code_required)
    } else {
        post(certificates::issue)
    };
    let api = Router::new()
        .route(
            "/v1/challenges",
            served("/v1/challenges", post(verify::create_challenge)),
        )
        .route(
            "/v1/verifications",
            served("/v1/verifications", post(verify::verify)),
        )
        .route(
            "/v1/verifications:batch",
            served(
                "/v1/verifications:batch",
                post(verify::verify_batch)
                    .layer(DefaultBodyLimit::max(config.max_batch_body_bytes)),
            ),
        )
        .route(
            "/v1/chip-sessions",
            served("/v1/chip-sessions", post(chip_sessions::open)),
        )
        .route(
            "/v1/chip-sessions/{id}/responses",
            served(
                "/v1/chip-sessions/{id}/responses",
                post(chip_sessions::responses),
            ),
        )
        .route(
            "/v1/verifications/{id}/receipt",
            served("/v1/verifications/{id}/receipt", get(verify::receipt)),
        )
        .route(
            "/v1/receipt-keys",
            served("/v1/receipt-keys", get(verify::receipt_keys)),
        )
        .route(
            "/v1/profiles",
            served("/v1/profiles", get(certificates::profiles)),
        )
        .route("/v1/certificates", served("/v1/certificates", issue))
        .route(
            "/v1/certificates/{serial}",
            served("/v1/certificates/{serial}", get(certificates::status)),
        )
        .route(
            "/v1/certificates/{serial}/revoke",
            served(
                "/v1/certificates/{serial}/revoke",
                post(certificates::revoke),
            ),
        )
        .route(
            "/v1/registry",
            served("/v1/registry", post(admin::registry)),
        )
        .route(
            "/v1/registry/erase",
            served("/v1/registry/erase", post(admin::erase)),
        )
        .route(
            "/v1/api-keys",
            served("/v1/api-keys", post(admin::create_api_key)),
        )
        .route("/crl/{file}", served("/crl/{file}", get(publish::crl)))
        .route(
            "/ocsp",
            served(
                "/ocsp",
                post(publish::ocsp_post).layer(DefaultBodyLimit::max(OCSP_BODY_LIMIT)),
            ),
        )
        .route(
            "/ocsp/{*request}",
            served("/ocsp/{request}", get(publish::ocsp_get)),
        )
        .route("/healthz", served("/healthz", get(ops::healthz)))
        .route("/readyz", served("/readyz", get(ops::readyz)))
        .route("/metrics", served("/metrics", get(ops::metrics)))
        .route("/openapi.yaml", get(ops::openapi))
        .fallback(ops::not_found)
        .layer(body_limit)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard));
    api.layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                // The route template, never the raw path or query (they can carry serials).
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("-", MatchedPath::as_str)
                    .to_owned();
                let id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                tracing::info_span!("request", method = %request.method(), route, request_id = id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
        .with_state(state)
}

/// The answer of a route of a part `role` does not play.
fn not_served(role: Role, path: &str) -> ApiError {
    let by = match part_of(path) {
        crate::role::Part::Verifier => "the verifier (role verifier)",
        _ => "a provider CA (role ca)",
    };
    ApiError::not_found(
        "not_served_by_role",
        format!(
            "this server runs role {}; {path} is served by {by}",
            role.name()
        ),
    )
}

/// The `method` label of a request: one of the methods [`ROUTES`] serve (`GET`, `POST`),
/// anything else `other`, so that made-up methods (any token is a valid HTTP method) add
/// no metric series.
fn method_label(method: &axum::http::Method) -> &'static str {
    let served = ROUTES
        .iter()
        .any(|(m, _)| m.eq_ignore_ascii_case(method.as_str()));
    match method.as_str() {
        "GET" if served => "GET",
        "POST" if served => "POST",
        "PUT" if served => "PUT",
        "PATCH" if served => "PATCH",
        "DELETE" if served => "DELETE",
        _ => "other",
    }
}

/// The `route` label: the matched route template (a fixed set), `unmatched` for every
/// path no route serves.
fn route_label(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned())
}

/// The `status` label: the status class.
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The body limit of a route (`DefaultBodyLimit` enforces the same while reading).
fn body_limit_of(config: &crate::config::ServerConfig, route: &str) -> usize {
    match route {
        "/v1/verifications:batch" => config.max_batch_body_bytes,
        "/ocsp" => OCSP_BODY_LIMIT,
        _ => config.max_body_bytes,
    }
}

/// Around every request: a declared body over the route's limit is refused before a byte
/// of it is read; the request gets `request_timeout_secs` (body upload included, so a slow
/// sender cannot hold a connection); latency is recorded by method, route and status
/// class, each label from a fixed set (see [`method_label`], [`route_label`]).
async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = route_label(&request);
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = body_limit_of(&state.config, &route);
    let response = if declared.is_some_and(|n| n > limit as u64) {
        crate::wire::payload_too_large().into_response()
    } else {
        let timeout = Duration::from_secs(state.config.request_timeout_secs);
        match tokio::time::timeout(timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took longer than the server allows",
            )
            .into_response(),
        }
    };
    let status = status_label(response.status());
    state
        .metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.to_owned(),
            route,
            status: status.to_owned(),
        })
        .observe(started.elapsed().as_secs_f64());
    response.into_response()
}
