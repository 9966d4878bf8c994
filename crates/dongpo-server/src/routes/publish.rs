//! Public revocation information: CRLs and OCSP (RFC 6960 / RFC 5019).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dongpo_ca::publish::CrlScope;
use dongpo_pki::time::UnixTime;
use dongpo_revocation::ocsp::{OcspResponseStatus, ResponseOutcome};

use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::wire::RawBody;

/// Which CRL a file name asks for.
enum CrlName {
    Full(String),
    Partition(String, u32),
    Delta(String),
}

fn crl_name(stem: &str, issuers: &[String], partitions: u32) -> Option<CrlName> {
    let known = |n: &str| issuers.iter().any(|name| name == n);
    if known(stem) {
        return Some(CrlName::Full(stem.to_owned()));
    }
    let (issuer, suffix) = stem.rsplit_once('-')?;
    if !known(issuer) {
        return None;
    }
    if suffix == "delta" {
        return Some(CrlName::Delta(issuer.to_owned()));
    }
    let index: u32 = suffix.parse().ok()?;
    (index < partitions).then(|| CrlName::Partition(issuer.to_owned(), index))
}

/// The cached CRL `file` if it is still fresh. Deltas exist to be fresher than the
/// complete CRL, so they are kept a twelfth as long.
fn cached_crl(st: &AppState, file: &str, now: UnixTime) -> Option<Arc<[u8]>> {
    let refresh = st.config.crl_refresh_secs;
    let max_age = if file.ends_with("-delta.crl") {
        (refresh / 12).max(1)
    } else {
        refresh
    };
    st.crls.fresh(file, now, max_age)
}

/// The cached CRL `file`, or a new one (cached for next time).
fn current_crl(
    ca: &mut dongpo_ca::authority::Ca,
    st: &AppState,
    file: &str,
    now: UnixTime,
) -> ApiResult<Arc<[u8]>> {
    let unknown = || ApiError::not_found("crl_not_found", "no CRL of that name");
    if let Some(der) = cached_crl(st, file, now) {
        return Ok(der);
    }
    let stem = file.strip_suffix(".crl").ok_or_else(unknown)?;
    let issuers: Vec<String> = ca.issuer().cas().iter().map(|c| c.name.clone()).collect();
    let partitions = ca.issuer().crl_partitions();
    let (issuer, scope) = match crl_name(stem, &issuers, partitions).ok_or_else(unknown)? {
        CrlName::Full(issuer) => (issuer, CrlScope::Full),
        CrlName::Partition(issuer, index) => (issuer, CrlScope::Partition(index)),
        CrlName::Delta(issuer) => {
            let base = current_crl(ca, st, &format!("{issuer}.crl"), now)?;
            let base = dongpo_revocation::crl::Crl::parse(&base).map_err(ApiError::internal)?;
            let number = base
                .number_hex()
                .and_then(|h| u64::from_str_radix(&h, 16).ok())
                .ok_or_else(|| ApiError::internal("base CRL without a usable cRLNumber"))?;
            let since = UnixTime(
                base.crl
                    .tbs_cert_list
                    .this_update
                    .to_unix_duration()
                    .as_secs(),
            );
            (
                issuer,
                CrlScope::Delta {
                    base: number,
                    since,
                },
            )
        }
    };
    let der: Arc<[u8]> = ca
        .crl(&issuer, scope, now)
        .map_err(|e| match e {
            // The CRL number could not be stored (database down, disk full): retry later.
            dongpo_ca::publish::PublishError::Issue(e) => super::certificates::issue_error(e),
            other => ApiError::internal(other),
        })?
        .into();
    st.crls.put(file, Arc::clone(&der), now);
    Ok(der)
}

/// `GET /crl/{issuer}.crl`, `/crl/{issuer}-{partition}.crl` and `/crl/{issuer}-delta.crl`
/// (a delta CRL over the current complete CRL).
pub async fn crl(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let now = UnixTime::now();
    // A cached CRL is served without the CA lock or a blocking hop.
    let der = match cached_crl(&state, &file, now) {
        Some(der) => der,
        None => {
            state
                .ca(move |ca, st| current_crl(ca, st, &file, now))
                .await?
        }
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pkix-crl"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        der.to_vec(),
    )
        .into_response())
}

fn ocsp_response(outcome: &ResponseOutcome) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/ocsp-response"),
    );
    if outcome.cacheable {
        // RFC 5019 §6.2.
        if let Ok(v) = HeaderValue::from_str(&format!(
            "max-age={}, public, no-transform, must-revalidate",
            outcome.max_age
        )) {
            headers.insert(header::CACHE_CONTROL, v);
        }
        if let Some(etag) = &outcome.etag
            && let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", hex::encode(etag.0)))
        {
            headers.insert(header::ETAG, v);
        }
        if let Some(next) = outcome.next_update
            && let Ok(v) = HeaderValue::from_str(&http_date(next))
        {
            headers.insert(header::EXPIRES, v);
        }
    } else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    (StatusCode::OK, headers, outcome.der.to_vec()).into_response()
}

/// An unsigned `tryLater` response, not to be cached.
fn ocsp_try_later() -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/ocsp-response"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        dongpo_revocation::ocsp::error_response(OcspResponseStatus::TryLater),
    )
        .into_response()
}

/// IMF-fixdate (RFC 9110 §5.6.7).
fn http_date(t: UnixTime) -> String {
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.0))
}

async fn answer(
    state: Arc<AppState>,
    cached: Option<ResponseOutcome>,
    request: impl FnOnce(&AppState, UnixTime) -> ResponseOutcome + Send + 'static,
) -> ApiResult<Response> {
    if state.revocations_stale(UnixTime::now()) {
        // The store has not answered for longer than the bound: another server may have
        // revoked the certificate. RFC 6960 §2.3: ask again later.
        Metrics::count(&state.metrics.ocsp, "try_later");
        return Ok(ocsp_try_later());
    }
    if let Some(outcome) = cached {
        Metrics::count(&state.metrics.ocsp, "cache");
        return Ok(ocsp_response(&outcome));
    }
    // A miss signs and may ask the store: off the event loop.
    let worker = Arc::clone(&state);
    let outcome = crate::state::blocking(move || Ok(request(&worker, UnixTime::now()))).await?;
    Metrics::count(&state.metrics.ocsp, "signed");
    Ok(ocsp_response(&outcome))
}

/// `POST /ocsp` (`application/ocsp-request`).
pub async fn ocsp_post(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    if crate::wire::media_type(&headers) != "application/ocsp-request" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the DER OCSPRequest as Content-Type: application/ocsp-request",
        ));
    }
    let cached = state.ocsp.respond_cached(&body, UnixTime::now());
    answer(state, cached, move |st, now| st.ocsp.respond(&body, now)).await
}

/// `GET /ocsp/{base64}` (RFC 5019 §5; a malformed path gets `malformedRequest`).
pub async fn ocsp_get(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> ApiResult<Response> {
    let cached = state.ocsp.respond_get_cached(&path, UnixTime::now());
    answer(state, cached, move |st, now| {
        st.ocsp.respond_get(&path, now)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(UnixTime(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date(UnixTime(1_795_788_000)),
            "Fri, 27 Nov 2026 14:00:00 GMT"
        );
    }
}
