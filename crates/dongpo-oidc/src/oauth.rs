//! OAuth 2.0 plumbing shared by the endpoints: form parameters (RFC 6749 §3.1), error
//! responses (RFC 6749 §5.2), random handles, PKCE S256 (RFC 7636).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::jose::b64;

/// An OAuth `error` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client` (HTTP 401).
    InvalidClient,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `invalid_scope`.
    InvalidScope,
    /// `invalid_request_uri` (RFC 9101): unknown, expired or used `request_uri`.
    InvalidRequestUri,
    /// `access_denied`: the verification failed.
    AccessDenied,
    /// `server_error` (HTTP 500).
    ServerError,
}

impl ErrorCode {
    /// The code on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth error response: `{"error", "error_description"}` with its HTTP status.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The `error` code.
    pub code: ErrorCode,
    /// The `error_description` (no personal data, no secrets).
    pub description: String,
    /// The underlying failure, for logs.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl OAuthError {
    /// An error with this code and description.
    #[must_use]
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        OAuthError {
            code,
            description: description.into(),
            source: None,
        }
    }

    /// The same error keeping `source`.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// 401 for `invalid_client` (RFC 6749 §5.2), 500 for `server_error`, 400 otherwise.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidClient => 401,
            ErrorCode::ServerError => 500,
            _ => 400,
        }
    }

    /// The JSON body.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"error": self.code.as_str(), "error_description": self.description})
    }
}

pub(crate) fn invalid_request(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRequest, description)
}

/// Form parameters of one request: each at most once (RFC 6749 §3.1), empty values
/// treated as absent, unknown names kept but never looked at.
#[derive(Debug)]
pub(crate) struct Params<'a> {
    map: BTreeMap<&'a str, &'a str>,
}

impl<'a> Params<'a> {
    pub(crate) fn parse(form: &'a [(String, String)]) -> Result<Self, OAuthError> {
        let mut map = BTreeMap::new();
        for (name, value) in form {
            if value.is_empty() {
                continue;
            }
            if map.insert(name.as_str(), value.as_str()).is_some() {
                return Err(invalid_request(format!("parameter {name} given twice")));
            }
        }
        Ok(Params { map })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.map.get(name).copied()
    }

    pub(crate) fn require(&self, name: &str) -> Result<&'a str, OAuthError> {
        self.get(name)
            .ok_or_else(|| invalid_request(format!("parameter {name} is missing")))
    }
}

/// 32 bytes from the OS CSPRNG, base64url (43 characters).
pub(crate) fn random_token() -> Result<String, OAuthError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut_slice()).map_err(|e| {
        OAuthError::new(ErrorCode::ServerError, "no randomness")
            .with_source(std::io::Error::other(e.to_string()))
    })?;
    Ok(b64(bytes.as_slice()))
}

/// SHA-256 of `value`, base64url: what stores key codes by, so a leaked store holds no
/// usable code.
pub(crate) fn hash_handle(value: &str) -> String {
    b64(&Sha256::digest(value.as_bytes()))
}

/// A PKCE verifier or challenge: 43 to 128 unreserved characters (RFC 7636 §4.1).
pub(crate) fn pkce_well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier.
#[must_use]
pub fn pkce_challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` matches `challenge` under S256, compared in constant time.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = pkce_challenge(verifier);
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn duplicate_parameters_are_refused_and_empty_ones_are_absent() {
        let f = form(&[("a", "1"), ("a", "2")]);
        let err = Params::parse(&f).err().map(|e| e.code);
        assert_eq!(err, Some(ErrorCode::InvalidRequest));
        let f = form(&[("a", ""), ("b", "x")]);
        let p = Params::parse(&f).ok();
        assert_eq!(p.as_ref().and_then(|p| p.get("a")), None);
        assert_eq!(p.as_ref().and_then(|p| p.get("b")), Some("x"));
    }

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            pkce_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(pkce_well_formed(verifier));
        assert!(!pkce_well_formed("short"));
        assert!(!pkce_well_formed(&"a+".repeat(30)));
    }

    #[test]
    fn errors_have_rfc_status_and_body() {
        let e = OAuthError::new(ErrorCode::InvalidClient, "bad assertion");
        assert_eq!(e.status(), 401);
        assert_eq!(
            e.to_json(),
            json!({"error": "invalid_client", "error_description": "bad assertion"})
        );
        assert_eq!(OAuthError::new(ErrorCode::InvalidGrant, "x").status(), 400);
    }
}
