//! The [`Caller`] extractor: a request's bearer API key checked against the state's key
//! ring (and the database, for a key not seen yet), its rate and its scopes. Apart from
//! `auth` so that the key ring (which the state holds) does not depend on the state.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::auth::{Caller, Scopes, secret_matches, split_key};
use crate::error::ApiError;
use crate::state::AppState;

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| unauthorized("send an API key as 'Authorization: Bearer KEY'"))?;
        let key = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| unauthorized("the Authorization header must be 'Bearer KEY'"))?;
        let (id, secret) =
            split_key(key.trim()).ok_or_else(|| unauthorized("malformed API key"))?;
        let stored = match state.keys.cached(id) {
            Some(stored) => Some(stored),
            None => {
                let id = id.to_owned();
                let found = state.db(move |db| db.api_key(&id)).await?;
                if let Some(stored) = &found {
                    state.keys.remember(stored.clone());
                }
                found
            }
        };
        let stored = stored
            .filter(|stored| secret_matches(stored, secret))
            .ok_or_else(|| unauthorized("unknown API key"))?;
        if state.keys.over_rate(&stored.id) {
            state.metrics.rate_limited.inc();
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests for this API key; retry after a second",
            ));
        }
        let scopes = Scopes::parse(stored.scopes.split(',').filter(|s| !s.is_empty()))
            .map_err(|name| ApiError::internal(format!("stored scope '{name}' unknown")))?;
        let profiles = stored
            .profiles
            .map(|p| p.split(',').map(str::to_owned).collect());
        Ok(Caller {
            key_id: stored.id,
            scopes,
            profiles,
        })
    }
}
