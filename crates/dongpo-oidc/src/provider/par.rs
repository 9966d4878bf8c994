//! The pushed authorization request endpoint (RFC 9126).

use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};

use super::{Provider, PushedRequest, REQUEST_URI_PREFIX, server_error};
use crate::claims::{Scope, assurance_of_acr};
use crate::oauth::{
    ErrorCode, OAuthError, Params, invalid_request, pkce_well_formed, random_token,
};

/// The PAR answer (HTTP 201): `{"request_uri", "expires_in"}`; the client reads the JSON
/// back into it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushedAuthorization {
    /// `urn:ietf:params:oauth:request_uri:<random>`.
    pub request_uri: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Longest `state` and `nonce` accepted.
const MAX_VALUE_LEN: usize = 512;

impl Provider {
    /// The PAR endpoint: authenticates the client (`private_key_jwt`), validates the
    /// authorization request (`response_type=code`, registered `redirect_uri`, scopes
    /// within the client's and with `openid`, `state`, `nonce`, PKCE S256, optional
    /// `acr_values`) and stores it under a fresh `request_uri`. Unknown parameters are
    /// ignored (RFC 6749 §3.1).
    ///
    /// # Errors
    /// An [`OAuthError`]: `invalid_client` (401), `invalid_request`, `invalid_scope`
    /// (unknown, not allowed for the client, or no `openid`), `unsupported_response_type`,
    /// `server_error`.
    pub fn push(
        &self,
        form: &[(String, String)],
        now: UnixTime,
    ) -> Result<PushedAuthorization, OAuthError> {
        let params = Params::parse(form)?;
        let client = self.authenticate(&params, now)?;
        if params.get("request_uri").is_some() {
            return Err(invalid_request(
                "request_uri is not allowed in a pushed request",
            ));
        }
        if params.get("request").is_some() {
            return Err(invalid_request("request objects are not supported"));
        }
        if params.require("client_id")? != client.id() {
            return Err(invalid_request("client_id is not the authenticated client"));
        }
        if params.require("response_type")? != "code" {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedResponseType,
                "response_type must be code",
            ));
        }
        let redirect_uri = params.require("redirect_uri")?;
        if !client.has_redirect_uri(redirect_uri) {
            return Err(invalid_request(
                "redirect_uri is not registered for this client",
            ));
        }
        let mut scopes: Vec<String> = Vec::new();
        for name in params
            .require("scope")?
            .split(' ')
            .filter(|s| !s.is_empty())
        {
            let scope = Scope::from_name(name).ok_or_else(|| {
                OAuthError::new(ErrorCode::InvalidScope, format!("unknown scope {name}"))
            })?;
            if !client.allows(scope) {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("scope {name} is not allowed for this client"),
                ));
            }
            if !scopes.iter().any(|s| s == name) {
                scopes.push(name.to_owned());
            }
        }
        if !scopes.iter().any(|s| s == Scope::OpenId.name()) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                "scope must include openid",
            ));
        }
        let state = params.require("state")?;
        let nonce = params.require("nonce")?;
        if state.len() > MAX_VALUE_LEN || nonce.len() > MAX_VALUE_LEN {
            return Err(invalid_request("state or nonce too long"));
        }
        match params.require("code_challenge_method")? {
            "S256" => {}
            _ => return Err(invalid_request("code_challenge_method must be S256")),
        }
        let code_challenge = params.require("code_challenge")?;
        if !pkce_well_formed(code_challenge) {
            return Err(invalid_request("code_challenge is not an S256 challenge"));
        }
        let mut acr_values = Vec::new();
        for value in params.get("acr_values").unwrap_or_default().split(' ') {
            if value.is_empty() {
                continue;
            }
            if assurance_of_acr(value).is_none() {
                return Err(invalid_request(format!("unknown acr value {value}")));
            }
            acr_values.push(value.to_owned());
        }
        let request = PushedRequest {
            client_id: client.id().to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            state: state.to_owned(),
            nonce: nonce.to_owned(),
            code_challenge: code_challenge.to_owned(),
            acr_values,
        };
        let handle = random_token()?;
        let expires_at = UnixTime(now.0.saturating_add(self.config.request_uri_lifetime));
        self.store
            .insert_request(&handle, &request, expires_at)
            .map_err(server_error)?;
        Ok(PushedAuthorization {
            request_uri: format!("{REQUEST_URI_PREFIX}{handle}"),
            expires_in: self.config.request_uri_lifetime,
        })
    }
}
