//! The verifier's side: an OpenID Provider that only accepts pushed authorization
//! requests from registered clients authenticating with `private_key_jwt`, issues codes
//! after a verification succeeded, and answers them with pairwise ID tokens.
//!
//! Each endpoint is a method taking the parsed form parameters and `now`, answering a
//! typed value or an [`OAuthError`](crate::OAuthError) (status and JSON body included):
//! [`Provider::push`] (PAR), [`Provider::authorization`] (the authorization endpoint:
//! the pushed request behind `client_id` + `request_uri`), [`Provider::complete`] /
//! [`Provider::deny`] (end of the authorization, called by the verifier), [`Provider::token`], [`Provider::jwks`],
//! [`Provider::discovery`].

mod authorize;
mod client;
mod client_auth;
mod discovery;
mod id_token;
mod keys;
mod par;
mod store;
mod token;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use dongpo_crypto::Signer;
use dongpo_pki::time::UnixTime;
use serde_json::Value;
use zeroize::Zeroizing;

pub use authorize::{AuthorizationRedirect, VerifiedPerson};
pub use client::{Client, ClientError, ClientRegistration};
pub use client_auth::JWT_BEARER;
pub use keys::SigningKeys;
pub use par::PushedAuthorization;
pub use store::{CodeGrant, MemoryStore, PushedRequest, Store, StoreError};
pub use token::TokenResponse;

use crate::jose::{JoseError, JwsKey};
use crate::oauth::{ErrorCode, OAuthError};

/// The `request_uri` prefix of RFC 9126.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// Endpoints and lifetimes (seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The issuer identifier (`iss`), an https URL without query or fragment.
    pub issuer: String,
    /// Where the app starts the chip session with `client_id` and `request_uri`.
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The pushed authorization request endpoint.
    pub par_endpoint: String,
    /// The JWK set URL.
    pub jwks_uri: String,
    /// How long a `request_uri` stays usable.
    pub request_uri_lifetime: u64,
    /// How long a code stays redeemable.
    pub code_lifetime: u64,
    /// ID token lifetime, counted from the authorization's completion.
    pub id_token_lifetime: u64,
    /// Access token lifetime (no resource accepts the access token yet).
    pub access_token_lifetime: u64,
    /// The longest a client assertion may live (`exp - now`).
    pub max_assertion_lifetime: u64,
    /// Clock skew tolerated on `iat`/`nbf` of client assertions.
    pub leeway: u64,
}

impl ProviderConfig {
    /// Endpoints under `issuer` (`/authorize`, `/token`, `/par`, `/jwks`) and default
    /// lifetimes: request URI 90 s, code 60 s, ID and access token 300 s, client
    /// assertions at most 300 s, leeway 30 s.
    #[must_use]
    pub fn new(issuer: &str) -> Self {
        let base = issuer.trim_end_matches('/');
        ProviderConfig {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{base}/authorize"),
            token_endpoint: format!("{base}/token"),
            par_endpoint: format!("{base}/par"),
            jwks_uri: format!("{base}/jwks"),
            request_uri_lifetime: 90,
            code_lifetime: 60,
            id_token_lifetime: 300,
            access_token_lifetime: 300,
            max_assertion_lifetime: 300,
            leeway: 30,
        }
    }
}

/// Why a provider cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The issuer is not an https URL (or http on a loopback host) without query/fragment.
    #[error("issuer {0:?} must be an https URL without query or fragment")]
    BadIssuer(String),
    /// A client registration is refused.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The signing key cannot sign JWS.
    #[error("signing key")]
    Key(#[from] JoseError),
}

/// The secret pairwise subjects are derived with (32 bytes, wiped on drop).
pub struct PairwiseSecret(Zeroizing<[u8; 32]>);

impl PairwiseSecret {
    /// Wraps a secret the deployment keeps (the same secret keeps subjects stable).
    #[must_use]
    pub fn new(secret: [u8; 32]) -> Self {
        PairwiseSecret(Zeroizing::new(secret))
    }
}

impl std::fmt::Debug for PairwiseSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairwiseSecret(<redacted>)")
    }
}

/// The OpenID Provider.
pub struct Provider {
    config: ProviderConfig,
    keys: RwLock<SigningKeys>,
    clients: BTreeMap<String, Client>,
    pairwise: PairwiseSecret,
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.config.issuer)
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// `https://host[/path]`, or `http://` on 127.0.0.1 or localhost; no query, fragment or
/// userinfo.
fn is_issuer_url(issuer: &str) -> bool {
    let (rest, https) = match (
        issuer.strip_prefix("https://"),
        issuer.strip_prefix("http://"),
    ) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        (None, None) => return false,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.split(':').next().unwrap_or_default();
    !host.is_empty()
        && !issuer.contains(['?', '#', '@'])
        && !issuer.chars().any(|c| c.is_whitespace() || c.is_control())
        && (https || matches!(host, "127.0.0.1" | "localhost"))
}

impl Provider {
    /// A provider signing with `signer`, serving `clients`.
    ///
    /// # Errors
    /// [`ConfigError`] for a bad issuer, key or client registration.
    pub fn new(
        config: ProviderConfig,
        signer: Arc<dyn Signer>,
        clients: Vec<ClientRegistration>,
        pairwise: PairwiseSecret,
        store: Arc<dyn Store>,
    ) -> Result<Self, ConfigError> {
        if !is_issuer_url(&config.issuer) {
            return Err(ConfigError::BadIssuer(config.issuer));
        }
        let mut map = BTreeMap::new();
        for registration in clients {
            let client = Client::new(registration)?;
            let id = client.id().to_owned();
            if map.insert(id.clone(), client).is_some() {
                return Err(ClientError::Duplicate(id).into());
            }
        }
        Ok(Provider {
            config,
            keys: RwLock::new(SigningKeys::new(signer)?),
            clients: map,
            pairwise,
            store,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// A registered client.
    #[must_use]
    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.get(client_id)
    }

    /// The public JWK set at `now` (active and still-published retired keys).
    ///
    /// # Errors
    /// `server_error` when a key cannot be expressed as a JWK.
    pub fn jwks(&self, now: UnixTime) -> Result<Value, OAuthError> {
        let keys = self.keys.read().map_err(|_| poisoned())?;
        keys.jwks(now).map_err(server_error)
    }

    /// Makes `signer` the active ID-token key; the old key stays in the JWK set until the
    /// last token it signed has expired (code lifetime + ID token lifetime).
    ///
    /// # Errors
    /// `server_error` when the key cannot sign JWS.
    pub fn rotate(&self, signer: Arc<dyn Signer>, now: UnixTime) -> Result<(), OAuthError> {
        let keep_for = self
            .config
            .code_lifetime
            .saturating_add(self.config.id_token_lifetime);
        let mut keys = self.keys.write().map_err(|_| poisoned())?;
        keys.rotate(signer, now, keep_for).map_err(server_error)
    }

    fn active_key(&self) -> Result<JwsKey, OAuthError> {
        let keys = self.keys.read().map_err(|_| poisoned())?;
        Ok(keys.active().clone())
    }
}

fn poisoned() -> OAuthError {
    OAuthError::new(ErrorCode::ServerError, "signing keys unavailable")
}

pub(crate) fn server_error(source: impl std::error::Error + Send + Sync + 'static) -> OAuthError {
    OAuthError::new(ErrorCode::ServerError, "internal error").with_source(source)
}
