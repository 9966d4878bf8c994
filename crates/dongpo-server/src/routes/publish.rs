//! Public revocation information: CRLs and OCSP (RFC 6960 / RFC 5019).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dongpo_ca::CrlScope;
use dongpo_pki::time::UnixTime;
use dongpo_revocation::ocsp::{OcspResponseStatus, ResponseOutcome};

use crate::crl_cache::CrlKind;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::wire::RawBody;

/// The issuing CA and scope a CRL file name asks for, when the name is canonical: exactly
/// `<issuer>.crl`, `<issuer>-<n>.crl` (`n` in decimal without a sign or leading zeros, as
/// certificates' CRL distribution points write it) or `<issuer>-delta.crl`. Any other
/// spelling (`toss-00.crl`, `toss-+0.crl`) is not a name of a CRL: it is answered 404
/// without signing anything, and cannot add entries to the cache.
fn parse_crl_name(file: &str) -> Option<(String, CrlKind)> {
    let stem = file.strip_suffix(".crl")?;
    if stem.is_empty() {
        return None;
    }
    if let Some((issuer, suffix)) = stem.rsplit_once('-')
        && !issuer.is_empty()
    {
        if suffix == "delta" {
            return Some((issuer.to_owned(), CrlKind::Delta));
        }
        if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) {
            let index: u32 = suffix.parse().ok()?;
            // `toss-00`, `toss-01`: aliases of partitions 0 and 1, not names of their own.
            return (index.to_string() == suffix)
                .then(|| (issuer.to_owned(), CrlKind::Partition(index)));
        }
    }
    Some((stem.to_owned(), CrlKind::Full))
}

/// The cached CRL if it is still fresh. Deltas exist to be fresher than the complete
/// CRL, so they are kept a twelfth as long.
fn cached_crl(st: &AppState, issuer: &str, kind: CrlKind, now: UnixTime) -> Option<Arc<[u8]>> {
    let refresh = st.config.crl_refresh_secs;
    let max_age = if kind == CrlKind::Delta {
        (refresh / 12).max(1)
    } else {
        refresh
    };
    st.crls.fresh(issuer, kind, now, max_age)
}

fn crl_not_found() -> ApiError {
    ApiError::not_found("crl_not_found", "no CRL of that name")
}

/// The cached CRL of `issuer` and `kind`, or a new one (cached for next time).
fn current_crl(
    ca: &mut dongpo_ca::Ca,
    st: &AppState,
    issuer: &str,
    kind: CrlKind,
    now: UnixTime,
) -> ApiResult<Arc<[u8]>> {
    if let Some(der) = cached_crl(st, issuer, kind, now) {
        return Ok(der);
    }
    if !ca.issuer().cas().iter().any(|c| c.name == issuer) {
        return Err(crl_not_found());
    }
    let scope = match kind {
        CrlKind::Full => CrlScope::Full,
        CrlKind::Partition(index) if index < ca.issuer().crl_partitions() => {
            CrlScope::Partition(index)
        }
        CrlKind::Partition(_) => return Err(crl_not_found()),
        CrlKind::Delta => {
            // The delta lists what this base does not (whatever the revocation times).
            let base = current_crl(ca, st, issuer, CrlKind::Full, now)?;
            CrlScope::delta_over(&base).map_err(ApiError::internal)?
        }
    };
    let der: Arc<[u8]> = ca
        .crl(issuer, scope, now)
        .map_err(|e| match e {
            // The CRL number could not be stored (database down, disk full): retry later.
            dongpo_ca::PublishError::Issue(e) => super::certificates::issue_error(e),
            other => ApiError::internal(other),
        })?
        .into();
    st.crls.put(issuer, kind, Arc::clone(&der), now);
    Ok(der)
}

/// `GET /crl/{issuer}.crl`, `/crl/{issuer}-{partition}.crl` and `/crl/{issuer}-delta.crl`
/// (a delta CRL over the current complete CRL).
pub async fn crl(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> ApiResult<Response> {
    let now = UnixTime::now();
    let (issuer, kind) = parse_crl_name(&file).ok_or_else(crl_not_found)?;
    // Not an issuing CA of ours: 404 without the CA lock.
    if !state.ocsp_issuers.contains_key(&issuer) {
        return Err(crl_not_found());
    }
    // A cached CRL is served without the CA lock or a blocking hop.
    let der = match cached_crl(&state, &issuer, kind, now) {
        Some(der) => der,
        None => {
            state
                .ca(move |ca, st| current_crl(ca, st, &issuer, kind, now))
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
    fn only_canonical_crl_names_parse() {
        let full = |s: &str| Some((s.to_owned(), CrlKind::Full));
        assert_eq!(parse_crl_name("toss.crl"), full("toss"));
        assert_eq!(
            parse_crl_name("toss-0.crl"),
            Some(("toss".to_owned(), CrlKind::Partition(0)))
        );
        assert_eq!(
            parse_crl_name("toss-12.crl"),
            Some(("toss".to_owned(), CrlKind::Partition(12)))
        );
        assert_eq!(
            parse_crl_name("toss-delta.crl"),
            Some(("toss".to_owned(), CrlKind::Delta))
        );
        // Aliases are no partition: at most an (unknown) issuer of that full name.
        for alias in ["toss-00", "toss-01", "toss-000"] {
            assert_eq!(parse_crl_name(&format!("{alias}.crl")), None, "{alias}");
        }
        for alias in ["toss-+0", "toss- 0", "toss-0x1", "toss-99999999999"] {
            assert_ne!(
                parse_crl_name(&format!("{alias}.crl")).map(|(_, k)| k),
                Some(CrlKind::Partition(0)),
                "{alias}"
            );
        }
        assert_eq!(parse_crl_name("toss"), None);
        assert_eq!(parse_crl_name(".crl"), None);
        assert_eq!(parse_crl_name("toss.CRL"), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(UnixTime(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date(UnixTime(1_795_788_000)),
            "Fri, 27 Nov 2026 14:00:00 GMT"
        );
    }
}
