//! Client authentication with `private_key_jwt` (RFC 7523 §2.2 and §3, OIDC Core §9).

use dongpo_pki::time::UnixTime;
use serde::Deserialize;

use super::{Client, Provider, server_error};
use crate::claims::Audience;
use crate::jose::{JwsAlg, peek_payload, verify_jws};
use crate::oauth::{ErrorCode, OAuthError, Params};

/// `client_assertion_type` of a JWT client assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The claims of a client assertion (other claims are ignored, RFC 7523 §3).
#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    aud: Audience,
    exp: u64,
    #[serde(default)]
    iat: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    jti: String,
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClient, description)
}

impl Provider {
    /// Authenticates the client of a PAR or token request: a JWT assertion signed by a key
    /// of that client's JWK set, `iss` = `sub` = client id, `aud` naming this provider,
    /// a bounded lifetime and a `jti` never seen before.
    pub(crate) fn authenticate(
        &self,
        params: &Params<'_>,
        now: UnixTime,
    ) -> Result<&Client, OAuthError> {
        if params.get("client_secret").is_some() {
            return Err(invalid(
                "only private_key_jwt client authentication is accepted",
            ));
        }
        if params.get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(invalid("client_assertion_type must be jwt-bearer"));
        }
        let assertion = params
            .get("client_assertion")
            .ok_or_else(|| invalid("client_assertion is missing"))?;
        let claimed = peek_payload(assertion)
            .map_err(|e| invalid("client assertion is not a JWT").with_source(e))?;
        let claimed_id = claimed
            .get("iss")
            .and_then(|v| v.as_str())
            .ok_or_else(|| invalid("client assertion has no iss"))?;
        if params.get("client_id").is_some_and(|id| id != claimed_id) {
            return Err(invalid("client_id and the assertion's iss differ"));
        }
        let client = self
            .clients
            .get(claimed_id)
            .ok_or_else(|| invalid("unknown client"))?;
        let verified = verify_jws(assertion, client.keys(), &JwsAlg::ALL)
            .map_err(|e| invalid(format!("client assertion: {e}")).with_source(e))?;
        let claims: AssertionClaims = serde_json::from_slice(&verified.payload)
            .map_err(|e| invalid("client assertion claims").with_source(e))?;
        if claims.iss != client.id() || claims.sub != client.id() {
            return Err(invalid(
                "client assertion iss and sub must be the client id",
            ));
        }
        let config = &self.config;
        if ![&config.issuer, &config.token_endpoint, &config.par_endpoint]
            .iter()
            .any(|a| claims.aud.contains(a))
        {
            return Err(invalid("client assertion aud does not name this provider"));
        }
        if claims.exp <= now.0 {
            return Err(invalid("client assertion expired"));
        }
        if claims.exp - now.0 > config.max_assertion_lifetime {
            return Err(invalid("client assertion lives too long"));
        }
        let future = |t: Option<u64>| t.is_some_and(|t| t > now.0.saturating_add(config.leeway));
        if future(claims.iat) || future(claims.nbf) {
            return Err(invalid("client assertion is not valid yet"));
        }
        if claims.jti.is_empty() || claims.jti.len() > 256 {
            return Err(invalid("client assertion jti must be 1 to 256 characters"));
        }
        let first = self
            .store
            .use_jti(client.id(), &claims.jti, UnixTime(claims.exp), now)
            .map_err(server_error)?;
        if !first {
            return Err(invalid("client assertion replayed (jti seen before)"));
        }
        Ok(client)
    }
}
