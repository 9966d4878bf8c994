//! Storage of the provider's short-lived state: pushed requests, authorization codes and
//! client-assertion `jti`s. Every take is atomic and single use; values are small and
//! serde-serialisable so the server can keep them in its database.

use std::collections::HashMap;
use std::sync::Mutex;

use dongpo_pki::time::UnixTime;
use serde::{Deserialize, Serialize};

/// A pushed authorization request, as validated by the PAR endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedRequest {
    /// The client that pushed it.
    pub client_id: String,
    /// The registered redirect URI it named.
    pub redirect_uri: String,
    /// The scopes asked for, `openid` first.
    pub scopes: Vec<String>,
    /// The client's `state`.
    pub state: String,
    /// The client's `nonce`.
    pub nonce: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// Requested `acr` values, most preferred first (advisory, OIDC Core §3.1.2.1).
    pub acr_values: Vec<String>,
}

/// What an authorization code is bound to, with the ID token made when it was issued
/// (a JWE when it carries the RRN, so the store never holds the RRN readable).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeGrant {
    /// The client the code was issued to.
    pub client_id: String,
    /// The redirect URI of the request.
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The ID token to answer with.
    pub id_token: String,
}

impl std::fmt::Debug for CodeGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeGrant")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key is already present.
    #[error("duplicate key")]
    Duplicate,
    /// The backend failed.
    #[error("store backend failed")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The provider's storage. Entries past `expires_at` count as absent.
pub trait Store: Send + Sync {
    /// Stores a pushed request under its handle.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] when the handle exists, [`StoreError::Backend`].
    fn insert_request(
        &self,
        handle: &str,
        request: &PushedRequest,
        expires_at: UnixTime,
    ) -> Result<(), StoreError>;

    /// The pushed request under `handle`, left in place.
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn get_request(&self, handle: &str, now: UnixTime)
    -> Result<Option<PushedRequest>, StoreError>;

    /// Removes and returns the pushed request under `handle` (atomic: one caller gets it).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn take_request(
        &self,
        handle: &str,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, StoreError>;

    /// Stores a code grant under the hash of the code.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`], [`StoreError::Backend`].
    fn insert_code(
        &self,
        code_hash: &str,
        grant: &CodeGrant,
        expires_at: UnixTime,
    ) -> Result<(), StoreError>;

    /// Removes and returns the grant under `code_hash` (atomic: one caller gets it).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn take_code(&self, code_hash: &str, now: UnixTime) -> Result<Option<CodeGrant>, StoreError>;

    /// Records `jti` for `client_id` until `expires_at`: `true` the first time, `false`
    /// when it was already recorded and has not expired (a replay).
    ///
    /// # Errors
    /// [`StoreError::Backend`].
    fn use_jti(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError>;
}

#[derive(Default)]
struct Tables {
    requests: HashMap<String, (PushedRequest, UnixTime)>,
    codes: HashMap<String, (CodeGrant, UnixTime)>,
    jtis: HashMap<(String, String), UnixTime>,
}

impl Tables {
    fn purge(&mut self, now: UnixTime) {
        self.requests.retain(|_, (_, exp)| *exp > now);
        self.codes.retain(|_, (_, exp)| *exp > now);
        self.jtis.retain(|_, exp| *exp > now);
    }
}

/// An in-memory [`Store`] (tests, single-process deployments).
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> Result<std::sync::MutexGuard<'_, Tables>, StoreError> {
        self.tables
            .lock()
            .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))
    }
}

impl Store for MemoryStore {
    fn insert_request(
        &self,
        handle: &str,
        request: &PushedRequest,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        let mut t = self.tables()?;
        if t.requests.contains_key(handle) {
            return Err(StoreError::Duplicate);
        }
        t.requests
            .insert(handle.to_owned(), (request.clone(), expires_at));
        Ok(())
    }

    fn get_request(
        &self,
        handle: &str,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, StoreError> {
        let mut t = self.tables()?;
        t.purge(now);
        Ok(t.requests.get(handle).map(|(r, _)| r.clone()))
    }

    fn take_request(
        &self,
        handle: &str,
        now: UnixTime,
    ) -> Result<Option<PushedRequest>, StoreError> {
        let mut t = self.tables()?;
        t.purge(now);
        Ok(t.requests.remove(handle).map(|(r, _)| r))
    }

    fn insert_code(
        &self,
        code_hash: &str,
        grant: &CodeGrant,
        expires_at: UnixTime,
    ) -> Result<(), StoreError> {
        let mut t = self.tables()?;
        if t.codes.contains_key(code_hash) {
            return Err(StoreError::Duplicate);
        }
        t.codes
            .insert(code_hash.to_owned(), (grant.clone(), expires_at));
        Ok(())
    }

    fn take_code(&self, code_hash: &str, now: UnixTime) -> Result<Option<CodeGrant>, StoreError> {
        let mut t = self.tables()?;
        t.purge(now);
        Ok(t.codes.remove(code_hash).map(|(g, _)| g))
    }

    fn use_jti(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<bool, StoreError> {
        let mut t = self.tables()?;
        t.purge(now);
        let key = (client_id.to_owned(), jti.to_owned());
        if t.jtis.contains_key(&key) {
            return Ok(false);
        }
        t.jtis.insert(key, expires_at);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> PushedRequest {
        PushedRequest {
            client_id: "ca".into(),
            redirect_uri: "https://ca.example/cb".into(),
            scopes: vec!["openid".into()],
            state: "s".into(),
            nonce: "n".into(),
            code_challenge: "c".into(),
            acr_values: vec![],
        }
    }

    #[test]
    fn takes_are_single_use_and_expiry_hides_entries() -> Result<(), StoreError> {
        let store = MemoryStore::new();
        store.insert_request("h", &request(), UnixTime(100))?;
        assert!(matches!(
            store.insert_request("h", &request(), UnixTime(100)),
            Err(StoreError::Duplicate)
        ));
        assert_eq!(store.get_request("h", UnixTime(10))?, Some(request()));
        assert_eq!(store.take_request("h", UnixTime(10))?, Some(request()));
        assert_eq!(store.take_request("h", UnixTime(10))?, None);
        store.insert_request("late", &request(), UnixTime(100))?;
        assert_eq!(store.take_request("late", UnixTime(100))?, None);
        Ok(())
    }

    #[test]
    fn jti_is_single_use_per_client_until_expiry() -> Result<(), StoreError> {
        let store = MemoryStore::new();
        assert!(store.use_jti("a", "j", UnixTime(50), UnixTime(0))?);
        assert!(!store.use_jti("a", "j", UnixTime(50), UnixTime(1))?);
        assert!(store.use_jti("b", "j", UnixTime(50), UnixTime(1))?);
        assert!(store.use_jti("a", "j", UnixTime(90), UnixTime(50))?);
        Ok(())
    }
}
