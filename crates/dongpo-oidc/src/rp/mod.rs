//! The relying party's side (a provider CA): the pushed authorization request and the
//! token request as form parameters, client assertions signed through
//! [`dongpo_crypto::Signer`], and ID token validation ([`IdTokenValidator`]).

mod validator;

use std::sync::Arc;

use dongpo_crypto::Signer;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Assurance;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

pub use validator::{IdTokenError, IdTokenValidator, VerifiedIdentity};

use crate::claims::{Scope, acr};
use crate::jose::{JoseError, JwsKey};
use crate::oauth::{OAuthError, pkce_challenge, random_token};
use crate::provider::JWT_BEARER;

/// Why a request could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RpError {
    /// The client key cannot sign JWS, or signing failed.
    #[error("client key")]
    Key(#[from] JoseError),
    /// No randomness.
    #[error("randomness")]
    Random(#[source] OAuthError),
}

/// A client of the verifier.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    client_id: String,
    issuer: String,
    redirect_uri: String,
    key: JwsKey,
    assertion_lifetime: u64,
}

/// What the client keeps between the pushed request and the token request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingAuthorization {
    /// The `state` sent; the redirect must bring it back.
    pub state: String,
    /// The `nonce` sent; the ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier (secret until the token request).
    pub code_verifier: Zeroizing<String>,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A form to post, with what to keep. Debug shows neither the form (it holds a live
/// client assertion) nor the PKCE verifier.
pub struct AuthorizationRequest {
    /// The form for the PAR endpoint.
    pub form: Vec<(String, String)>,
    /// Keep until the code comes back.
    pub pending: PendingAuthorization,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

impl RelyingParty {
    /// A client `client_id` of the provider `issuer`, redirected to `redirect_uri`,
    /// authenticating with `signer` (P-256: ES256, RSA: PS256).
    ///
    /// # Errors
    /// [`RpError::Key`] when the key signs neither.
    pub fn new(
        client_id: &str,
        issuer: &str,
        redirect_uri: &str,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, RpError> {
        Ok(RelyingParty {
            client_id: client_id.to_owned(),
            issuer: issuer.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            key: JwsKey::new(signer)?,
            assertion_lifetime: 60,
        })
    }

    /// The public JWK of the client's signing key, to register.
    ///
    /// # Errors
    /// As [`JwsKey::public_jwk`].
    pub fn public_jwk(&self) -> Result<Map<String, Value>, RpError> {
        Ok(self.key.public_jwk()?)
    }

    /// A client assertion (RFC 7523): `iss` = `sub` = client id, `aud` = issuer,
    /// `iat` = `now`, `exp` = `now` + 60 s, a random `jti`.
    ///
    /// # Errors
    /// [`RpError`] when signing or randomness fails.
    pub fn client_assertion(&self, now: UnixTime) -> Result<String, RpError> {
        let mut claims = Map::new();
        claims.insert("iss".into(), self.client_id.clone().into());
        claims.insert("sub".into(), self.client_id.clone().into());
        claims.insert("aud".into(), self.issuer.clone().into());
        claims.insert("iat".into(), now.0.into());
        claims.insert(
            "exp".into(),
            now.0.saturating_add(self.assertion_lifetime).into(),
        );
        claims.insert(
            "jti".into(),
            random_token().map_err(RpError::Random)?.into(),
        );
        Ok(self.key.sign_json("JWT", &claims)?)
    }

    /// The pushed authorization request: `response_type=code`, `scope` (`openid` first),
    /// fresh `state`, `nonce` and PKCE S256 pair from the OS CSPRNG, `acr_values` when
    /// given, and the client assertion.
    ///
    /// # Errors
    /// [`RpError`] when signing or randomness fails.
    pub fn authorization_request(
        &self,
        scopes: &[Scope],
        acr_values: &[Assurance],
        now: UnixTime,
    ) -> Result<AuthorizationRequest, RpError> {
        let random = || random_token().map_err(RpError::Random);
        let pending = PendingAuthorization {
            state: random()?,
            nonce: random()?,
            code_verifier: Zeroizing::new(random()?),
        };
        let mut scope = vec![Scope::OpenId.name()];
        scope.extend(
            scopes
                .iter()
                .filter(|s| **s != Scope::OpenId)
                .map(|s| s.name()),
        );
        let mut form = vec![
            pair("response_type", "code"),
            pair("client_id", &self.client_id),
            pair("redirect_uri", &self.redirect_uri),
            pair("scope", &scope.join(" ")),
            pair("state", &pending.state),
            pair("nonce", &pending.nonce),
            pair("code_challenge", &pkce_challenge(&pending.code_verifier)),
            pair("code_challenge_method", "S256"),
        ];
        if !acr_values.is_empty() {
            let values: Vec<&str> = acr_values.iter().map(|a| acr(*a)).collect();
            form.push(pair("acr_values", &values.join(" ")));
        }
        self.push_assertion(&mut form, now)?;
        Ok(AuthorizationRequest { form, pending })
    }

    /// The token request redeeming `code` with the PKCE verifier of `pending`.
    ///
    /// # Errors
    /// [`RpError`] when signing or randomness fails.
    pub fn token_request(
        &self,
        code: &str,
        pending: &PendingAuthorization,
        now: UnixTime,
    ) -> Result<Vec<(String, String)>, RpError> {
        let mut form = vec![
            pair("grant_type", "authorization_code"),
            pair("code", code),
            pair("redirect_uri", &self.redirect_uri),
            pair("code_verifier", &pending.code_verifier),
            pair("client_id", &self.client_id),
        ];
        self.push_assertion(&mut form, now)?;
        Ok(form)
    }

    fn push_assertion(
        &self,
        form: &mut Vec<(String, String)>,
        now: UnixTime,
    ) -> Result<(), RpError> {
        form.push(pair("client_assertion_type", JWT_BEARER));
        form.push(pair("client_assertion", &self.client_assertion(now)?));
        Ok(())
    }
}
