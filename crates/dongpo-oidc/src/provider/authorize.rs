//! The end of an authorization: after the chip session and the registry check, the
//! verifier completes (or denies) the pushed request and sends the app to the client's
//! redirect URI with a code (RFC 6749 §4.1.2, `iss` per RFC 9207).

use dongpo_pki::time::UnixTime;
use dongpo_profiles::Assurance;

use super::{CodeGrant, Provider, PushedRequest, REQUEST_URI_PREFIX, server_error};
use crate::claims::{OverseasIdentity, Rrn, Scope};
use crate::jose::encrypt_jwt;
use crate::oauth::{ErrorCode, OAuthError, Params, hash_handle, invalid_request, random_token};

/// Who was verified, how strongly and when: what the verifier knows after a successful
/// chip session and registry check. Debug shows no personal data.
#[derive(Clone)]
pub struct VerifiedPerson {
    /// A stable identifier of the person in the registry (never shown to clients:
    /// subjects are pairwise).
    pub person_id: String,
    /// The assurance level reached.
    pub assurance: Assurance,
    /// When the verification finished.
    pub auth_time: UnixTime,
    /// ICAO code of the passport's issuing state.
    pub issuing_state: String,
    /// Names, birth date and registration status (released with `kr_overseas_identity`).
    pub identity: OverseasIdentity,
    /// The RRN the applicant entered and the registry confirmed (released with `kr_rrn`).
    pub rrn: Option<Rrn>,
}

impl std::fmt::Debug for VerifiedPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPerson")
            .field("assurance", &self.assurance)
            .field("auth_time", &self.auth_time)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

/// Where to send the app: the client's redirect URI with `code` (or `error`), `state`
/// and `iss`.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationRedirect {
    /// The full URL.
    pub location: String,
}

impl std::fmt::Debug for AuthorizationRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The location carries a live code.
        f.write_str("AuthorizationRedirect(<redacted>)")
    }
}

fn handle_of(request_uri: &str) -> Result<&str, OAuthError> {
    request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequestUri, "not a pushed request_uri"))
}

fn unknown_request_uri() -> OAuthError {
    OAuthError::new(
        ErrorCode::InvalidRequestUri,
        "request_uri is unknown, expired or already used",
    )
}

impl Provider {
    /// Takes the pushed request behind `request_uri` out of the store: it ends here,
    /// whether the authorization then succeeds or is denied (single use).
    fn take_pushed(&self, request_uri: &str, now: UnixTime) -> Result<PushedRequest, OAuthError> {
        self.store
            .take_request(handle_of(request_uri)?, now)
            .map_err(server_error)?
            .ok_or_else(unknown_request_uri)
    }

    /// The authorization endpoint's query (RFC 9126 §4): `client_id` and `request_uri`
    /// (other parameters are ignored: the pushed request is authoritative). Answers the
    /// pushed request, left usable, once `client_id` is checked against it.
    ///
    /// # Errors
    /// `invalid_request` when a parameter is missing or `client_id` is not the pushing
    /// client, `invalid_request_uri` when unknown, expired or used; `server_error`.
    pub fn authorization(
        &self,
        query: &[(String, String)],
        now: UnixTime,
    ) -> Result<PushedRequest, OAuthError> {
        let params = Params::parse(query)?;
        let client_id = params.require("client_id")?;
        let request = self.pending(params.require("request_uri")?, now)?;
        if request.client_id != client_id {
            return Err(invalid_request(
                "client_id is not the client that pushed the request",
            ));
        }
        Ok(request)
    }

    /// The pushed request behind `request_uri`, left usable: what the verifier shows
    /// and checks (client, scopes, `acr_values`) before running the chip session.
    ///
    /// # Errors
    /// `invalid_request_uri` when unknown, expired or used; `server_error`.
    pub fn pending(&self, request_uri: &str, now: UnixTime) -> Result<PushedRequest, OAuthError> {
        self.store
            .get_request(handle_of(request_uri)?, now)
            .map_err(server_error)?
            .ok_or_else(unknown_request_uri)
    }

    /// Completes the pushed request for `person` (the verification succeeded): issues a
    /// single-use code bound to the client, redirect URI, PKCE challenge, nonce, scopes
    /// and person, and answers the redirect. The `request_uri` is used up.
    ///
    /// The ID token is made now: signed by the active key, and encrypted to the client
    /// (ECDH-ES, A256GCM) when it carries the RRN; the store holds only that.
    ///
    /// # Errors
    /// `invalid_request_uri` when unknown, expired or used; `invalid_request` when
    /// `kr_rrn` was granted but `person` has no RRN; `server_error`.
    pub fn complete(
        &self,
        request_uri: &str,
        person: &VerifiedPerson,
        now: UnixTime,
    ) -> Result<AuthorizationRedirect, OAuthError> {
        let request = self.take_pushed(request_uri, now)?;
        let client = self
            .clients
            .get(&request.client_id)
            .ok_or_else(|| OAuthError::new(ErrorCode::InvalidRequestUri, "client gone"))?;
        let with_rrn = request.scopes.iter().any(|s| s == Scope::Rrn.name());
        if with_rrn && person.rrn.is_none() {
            return Err(invalid_request(
                "kr_rrn was granted but no RRN was verified",
            ));
        }
        let claims = self.id_token_claims(client, &request, person, now.0);
        let signed = self
            .active_key()?
            .sign_json("JWT", &claims)
            .map_err(server_error)?;
        let id_token = if with_rrn {
            let key = client.keys().encryption_key().ok_or_else(|| {
                OAuthError::new(ErrorCode::ServerError, "client has no encryption key")
            })?;
            encrypt_jwt(&signed, key).map_err(server_error)?
        } else {
            signed
        };
        let code = random_token()?;
        let grant = CodeGrant {
            client_id: client.id().to_owned(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            scope: request.scopes.join(" "),
            id_token,
        };
        let expires_at = UnixTime(now.0.saturating_add(self.config.code_lifetime));
        self.store
            .insert_code(&hash_handle(&code), &grant, expires_at)
            .map_err(server_error)?;
        Ok(self.redirect(&request, &[("code", &code)]))
    }

    /// Ends the pushed request without a code (the verification failed or was
    /// abandoned): the redirect carries `error=access_denied`.
    ///
    /// # Errors
    /// `invalid_request_uri` when unknown, expired or used; `server_error`.
    pub fn deny(
        &self,
        request_uri: &str,
        description: &str,
        now: UnixTime,
    ) -> Result<AuthorizationRedirect, OAuthError> {
        let request = self.take_pushed(request_uri, now)?;
        Ok(self.redirect(
            &request,
            &[
                ("error", ErrorCode::AccessDenied.as_str()),
                ("error_description", description),
            ],
        ))
    }

    fn redirect(&self, request: &PushedRequest, first: &[(&str, &str)]) -> AuthorizationRedirect {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in first {
            query.append_pair(name, value);
        }
        query.append_pair("state", &request.state);
        query.append_pair("iss", &self.config.issuer);
        let separator = if request.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        AuthorizationRedirect {
            location: format!("{}{separator}{}", request.redirect_uri, query.finish()),
        }
    }
}
