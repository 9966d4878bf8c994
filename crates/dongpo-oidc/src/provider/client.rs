//! Registered clients (the provider CAs): redirect URIs, keys, allowed scopes.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::claims::Scope;
use crate::jose::{JoseError, KeySet};

/// A client registration as configured (serde: the server keeps these in its config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRegistration {
    /// The client id.
    pub client_id: String,
    /// Redirect URIs, matched exactly: `https`, or `http` on a loopback host only.
    pub redirect_uris: Vec<String>,
    /// The client's public JWK set: signing keys for `private_key_jwt`, and an EC P-256
    /// `use: enc` key when the client may receive `kr_rrn`. Every key has a `kid`.
    pub jwks: Value,
    /// Scopes the client may ask for; must include `openid`.
    pub scopes: Vec<String>,
    /// The sector pairwise subjects are computed over; clients sharing it see the same
    /// `sub` for a person. Defaults to the client id.
    #[serde(default)]
    pub sector_identifier: Option<String>,
}

/// Why a registration is refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Empty client id or one with characters outside printable ASCII.
    #[error("client id {0:?} is empty or not printable ASCII")]
    BadClientId(String),
    /// No redirect URI.
    #[error("client {0}: no redirect URI")]
    NoRedirectUri(String),
    /// A redirect URI that is not allowed.
    #[error("redirect URI {uri:?}: {reason}")]
    BadRedirectUri {
        /// The URI.
        uri: String,
        /// Why.
        reason: &'static str,
    },
    /// A scope the provider does not know.
    #[error("unknown scope {0:?}")]
    UnknownScope(String),
    /// `openid` missing from the allowed scopes.
    #[error("client {0}: the scopes must include openid")]
    NoOpenIdScope(String),
    /// The JWK set is unusable.
    #[error("client {client_id}: bad JWK set")]
    Jwks {
        /// The client.
        client_id: String,
        /// The failure.
        #[source]
        source: JoseError,
    },
    /// No key that can sign client assertions (ES256/PS256).
    #[error("client {0}: no signing key for private_key_jwt")]
    NoSigningKey(String),
    /// `kr_rrn` allowed but no encryption key to encrypt ID tokens to.
    #[error("client {0}: kr_rrn needs an EC P-256 key with use enc")]
    RrnWithoutEncryptionKey(String),
    /// Two registrations with the same client id.
    #[error("client {0} registered twice")]
    Duplicate(String),
}

/// A validated client.
#[derive(Clone, Debug)]
pub struct Client {
    registration: ClientRegistration,
    keys: KeySet,
    scopes: BTreeSet<Scope>,
}

/// `https://...`, or `http://` on 127.0.0.1, [::1] or localhost; no fragment, no userinfo.
fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let (rest, https) = if let Some(rest) = uri.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = uri.strip_prefix("http://") {
        (rest, false)
    } else {
        return Err("not an https (or loopback http) URI");
    };
    if uri.contains('#') {
        return Err("has a fragment");
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("has whitespace or control characters");
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err("has no host");
    }
    if authority.contains('@') {
        return Err("has userinfo");
    }
    if !https {
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default()
        };
        if !matches!(host, "127.0.0.1" | "[::1]" | "localhost") {
            return Err("http is allowed on loopback hosts only");
        }
    }
    Ok(())
}

impl Client {
    /// Validates a registration.
    ///
    /// # Errors
    /// A [`ClientError`] naming the first problem.
    pub fn new(registration: ClientRegistration) -> Result<Self, ClientError> {
        let id = registration.client_id.clone();
        if id.is_empty() || !id.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(ClientError::BadClientId(id));
        }
        if registration.redirect_uris.is_empty() {
            return Err(ClientError::NoRedirectUri(id));
        }
        for uri in &registration.redirect_uris {
            check_redirect_uri(uri).map_err(|reason| ClientError::BadRedirectUri {
                uri: uri.clone(),
                reason,
            })?;
        }
        let mut scopes = BTreeSet::new();
        for name in &registration.scopes {
            let scope =
                Scope::from_name(name).ok_or_else(|| ClientError::UnknownScope(name.clone()))?;
            scopes.insert(scope);
        }
        if !scopes.contains(&Scope::OpenId) {
            return Err(ClientError::NoOpenIdScope(id));
        }
        let keys = KeySet::from_value(&registration.jwks).map_err(|source| ClientError::Jwks {
            client_id: id.clone(),
            source,
        })?;
        if !keys.has_signing_key() {
            return Err(ClientError::NoSigningKey(id));
        }
        if scopes.contains(&Scope::Rrn) && keys.encryption_key().is_none() {
            return Err(ClientError::RrnWithoutEncryptionKey(id));
        }
        Ok(Client {
            registration,
            keys,
            scopes,
        })
    }

    /// The client id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.registration.client_id
    }

    /// Whether `uri` is one of the registered redirect URIs (exact string match).
    #[must_use]
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.registration.redirect_uris.iter().any(|u| u == uri)
    }

    /// Whether the client may ask for `scope`.
    #[must_use]
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The client's keys.
    #[must_use]
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The sector of its pairwise subjects.
    #[must_use]
    pub fn sector(&self) -> &str {
        self.registration
            .sector_identifier
            .as_deref()
            .unwrap_or(&self.registration.client_id)
    }

    /// The registration.
    #[must_use]
    pub fn registration(&self) -> &ClientRegistration {
        &self.registration
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{DecryptionKey, public_jwk};
    use dongpo_crypto::{Curve, KeySpec, SigningKey};
    use serde_json::json;

    fn registration() -> Result<ClientRegistration, Box<dyn std::error::Error>> {
        let key = SigningKey::generate(KeySpec::Ec(Curve::P256))?;
        let enc = DecryptionKey::generate()?;
        Ok(ClientRegistration {
            client_id: "ca-kb".into(),
            redirect_uris: vec!["https://ca.example/cb".into()],
            jwks: json!({"keys": [public_jwk(key.public_key())?, enc.public_jwk()]}),
            scopes: vec!["openid".into(), "kr_rrn".into()],
            sector_identifier: None,
        })
    }

    #[test]
    fn redirect_uris_are_https_or_loopback_http() {
        for ok in [
            "https://ca.example/cb",
            "https://ca.example:8443/cb?x=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost/cb",
        ] {
            assert_eq!(check_redirect_uri(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://ca.example/cb",
            "http://127.0.0.1.evil.example/cb",
            "https://ca.example/cb#frag",
            "https://user@ca.example/cb",
            "ftp://ca.example/",
            "https:///path",
            "ca.example/cb",
            "https://ca.example/c b",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registration_is_validated() -> Result<(), Box<dyn std::error::Error>> {
        let client = Client::new(registration()?)?;
        assert!(client.allows(Scope::Rrn));
        assert!(!client.allows(Scope::OverseasIdentity));
        assert!(client.has_redirect_uri("https://ca.example/cb"));
        assert!(!client.has_redirect_uri("https://ca.example/cb/"));
        assert_eq!(client.sector(), "ca-kb");

        let mut r = registration()?;
        r.scopes = vec!["kr_rrn".into()];
        assert!(matches!(Client::new(r), Err(ClientError::NoOpenIdScope(_))));

        let mut r = registration()?;
        r.scopes.push("email".into());
        assert!(matches!(Client::new(r), Err(ClientError::UnknownScope(s)) if s == "email"));

        let mut r = registration()?;
        r.redirect_uris = vec!["http://ca.example/cb".into()];
        assert!(matches!(
            Client::new(r),
            Err(ClientError::BadRedirectUri { .. })
        ));

        // kr_rrn without an encryption key
        let mut r = registration()?;
        if let Some(keys) = r.jwks["keys"].as_array_mut() {
            keys.truncate(1);
        }
        assert!(matches!(
            Client::new(r),
            Err(ClientError::RrnWithoutEncryptionKey(_))
        ));

        // only an encryption key: nothing to authenticate with
        let mut r = registration()?;
        if let Some(keys) = r.jwks["keys"].as_array_mut() {
            keys.remove(0);
        }
        assert!(matches!(Client::new(r), Err(ClientError::NoSigningKey(_))));

        // private key material is refused
        let mut r = registration()?;
        r.jwks["keys"][0]["d"] = json!("AAAA");
        assert!(matches!(Client::new(r), Err(ClientError::Jwks { .. })));
        Ok(())
    }
}
