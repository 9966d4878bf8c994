//! The token endpoint: `authorization_code` with `private_key_jwt` and PKCE.

use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};

use super::{Provider, server_error};
use crate::oauth::{
    ErrorCode, OAuthError, Params, hash_handle, pkce_matches, pkce_well_formed, random_token,
};

/// The token response (RFC 6749 §5.1, OIDC Core §3.1.3.3); the client reads the JSON
/// back into it (members it does not know are ignored, RFC 6749 §5.1).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// An opaque bearer token (no resource accepts it yet; it is not stored).
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The granted scopes.
    pub scope: String,
    /// The ID token: a JWS, or a JWE around it when it carries the RRN.
    pub id_token: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidGrant, description)
}

impl Provider {
    /// The token endpoint: `grant_type=authorization_code`, the client authenticated
    /// with `private_key_jwt`, the code used once (a second use finds nothing and is
    /// refused), `redirect_uri` as in the request, `code_verifier` matching the S256
    /// challenge (constant-time comparison).
    ///
    /// # Errors
    /// An [`OAuthError`]: `invalid_client` (401), `invalid_request`, `invalid_grant`,
    /// `unsupported_grant_type`, `server_error`.
    pub fn token(
        &self,
        form: &[(String, String)],
        now: UnixTime,
    ) -> Result<TokenResponse, OAuthError> {
        let params = Params::parse(form)?;
        let grant_type = params.require("grant_type")?;
        if grant_type != "authorization_code" {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "grant_type must be authorization_code",
            ));
        }
        let client = self.authenticate(&params, now)?;
        let code = params.require("code")?;
        let redirect_uri = params.require("redirect_uri")?;
        let verifier = params.require("code_verifier")?;
        // Taken before any other check: a code presented once is spent, whatever follows.
        let grant = self
            .store
            .take_code(&hash_handle(code), now)
            .map_err(server_error)?
            .ok_or_else(|| invalid_grant("code is unknown, expired or already used"))?;
        if grant.client_id != client.id() {
            return Err(invalid_grant("code was issued to another client"));
        }
        if grant.redirect_uri != redirect_uri {
            return Err(invalid_grant(
                "redirect_uri differs from the authorization request",
            ));
        }
        if !pkce_well_formed(verifier) || !pkce_matches(verifier, &grant.code_challenge) {
            return Err(invalid_grant(
                "code_verifier does not match the code_challenge",
            ));
        }
        Ok(TokenResponse {
            access_token: random_token()?,
            token_type: "Bearer".into(),
            expires_in: self.config.access_token_lifetime,
            scope: grant.scope,
            id_token: grant.id_token,
        })
    }
}
