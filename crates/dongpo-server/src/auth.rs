//! API keys: `dpk_<id>_<secret>`, stored as SHA-256 of the secret (the secret has 256
//! bits of entropy, so a plain hash suffices), compared in constant time; scopes; and a
//! per-key rate limit.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::RwLock;

use axum::http::StatusCode;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::db::StoredApiKey;
use crate::error::ApiError;

/// What a key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Challenges and verifications.
    Verify,
    /// Certificate issuance and status.
    Issue,
    /// Revocation and status.
    Revoke,
    /// Registry import and API keys; implies every other scope.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Scope::Verify, Scope::Issue, Scope::Revoke, Scope::Admin];

    /// Its name in requests and storage.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scope::Verify => "verify",
            Scope::Issue => "issue",
            Scope::Revoke => "revoke",
            Scope::Admin => "admin",
        }
    }

    /// The scope called `name`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A set of scopes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    /// From names; `Err` names the unknown one.
    ///
    /// # Errors
    /// The first unknown name.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut set = Scopes(0);
        for name in names {
            let scope = Scope::from_name(name.trim()).ok_or_else(|| name.to_owned())?;
            set.0 |= 1 << scope as u8;
        }
        Ok(set)
    }

    /// Whether the set grants `scope` (admin grants everything).
    #[must_use]
    pub fn grants(self, scope: Scope) -> bool {
        self.0 & (1 << scope as u8 | 1 << Scope::Admin as u8) != 0
    }

    /// The names, in a stable order.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.0 & (1 << *s as u8) != 0)
            .map(Scope::name)
            .collect()
    }

    /// Whether no scope is set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A newly made key: the full secret (shown once) and what is stored.
pub struct NewKey {
    /// `dpk_<id>_<secret>`, for the client.
    pub key: String,
    /// The row to store.
    pub stored: StoredApiKey,
}

/// Makes a key with fresh OS randomness, for every profile ([`new_scoped_key`] limits it).
///
/// # Errors
/// The OS random source failed.
pub fn new_key(name: &str, scopes: Scopes) -> Result<NewKey, getrandom::Error> {
    new_scoped_key(name, scopes, None)
}

/// Makes a key with fresh OS randomness, limited to `profiles` when given (the caller
/// checked they exist): it issues, revokes and reads the status of certificates of those
/// profiles only.
///
/// # Errors
/// The OS random source failed.
pub fn new_scoped_key(
    name: &str,
    scopes: Scopes,
    profiles: Option<&[String]>,
) -> Result<NewKey, getrandom::Error> {
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id)?;
    getrandom::fill(&mut secret)?;
    let id = hex::encode(id);
    let secret = hex::encode(secret);
    Ok(NewKey {
        key: format!("dpk_{id}_{secret}"),
        stored: StoredApiKey {
            id,
            name: name.to_owned(),
            secret_sha256: Sha256::digest(secret.as_bytes()).to_vec(),
            scopes: scopes.names().join(","),
            profiles: profiles.map(|p| p.join(",")),
        },
    })
}

/// Splits `dpk_<id>_<secret>`.
pub(crate) fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("dpk_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 12 && !secret.is_empty()).then_some((id, secret))
}

/// Checks a presented secret against a stored key, in constant time.
#[must_use]
pub fn secret_matches(stored: &StoredApiKey, secret: &str) -> bool {
    let presented = Sha256::digest(secret.as_bytes());
    presented.as_slice().ct_eq(&stored.secret_sha256).into()
}

/// Known keys (id -> stored row), so the hot path does not ask the database, and the
/// per-key rate limiter.
pub struct KeyRing {
    known: RwLock<HashMap<String, StoredApiKey>>,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl KeyRing {
    /// Whether the key `id` went over its rate (counts this request).
    pub(crate) fn over_rate(&self, id: &String) -> bool {
        self.limiter.check_key(id).is_err()
    }
}

impl KeyRing {
    /// A key ring with `per_second` sustained and `burst` requests per key.
    #[must_use]
    pub fn new(per_second: u32, burst: u32) -> Self {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(per_second);
        KeyRing {
            known: RwLock::new(HashMap::new()),
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
        }
    }

    pub(crate) fn cached(&self, id: &str) -> Option<StoredApiKey> {
        self.known.read().ok()?.get(id).cloned()
    }

    pub(crate) fn remember(&self, key: StoredApiKey) {
        if let Ok(mut known) = self.known.write() {
            known.insert(key.id.clone(), key);
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The key's id (safe to log).
    pub key_id: String,
    /// What it may do.
    pub scopes: Scopes,
    /// The profiles it may issue, revoke and read certificates of; `None`: every profile.
    pub profiles: Option<Vec<String>>,
}

impl Caller {
    /// `Ok` when the caller holds `scope`.
    ///
    /// # Errors
    /// 403 `insufficient_scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        self.require_any(&[scope])
    }

    /// `Ok` when the caller's key covers certificates of `profile` (an unscoped key covers
    /// every profile).
    ///
    /// # Errors
    /// 403 `profile_not_in_key_scope`, naming the profile.
    pub fn require_profile(&self, profile: &str) -> Result<(), ApiError> {
        match &self.profiles {
            Some(profiles) if !profiles.iter().any(|p| p == profile) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "profile_not_in_key_scope",
                format!(
                    "this API key is limited to the profiles {}, not {profile}",
                    profiles.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    }

    /// `Ok` when the caller holds one of `scopes`.
    ///
    /// # Errors
    /// 403 `insufficient_scope`.
    pub fn require_any(&self, scopes: &[Scope]) -> Result<(), ApiError> {
        if scopes.iter().any(|s| self.scopes.grants(*s)) {
            return Ok(());
        }
        let names: Vec<&str> = scopes.iter().map(|s| s.name()).collect();
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this API key lacks the scope {}", names.join(" or ")),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn admin_grants_everything_and_others_only_themselves() {
        let admin = Scopes::parse(["admin"]).unwrap();
        assert!(Scope::ALL.iter().all(|s| admin.grants(*s)));
        let verify = Scopes::parse(["verify"]).unwrap();
        assert!(verify.grants(Scope::Verify));
        assert!(!verify.grants(Scope::Issue) && !verify.grants(Scope::Admin));
        assert_eq!(Scopes::parse(["verify", "root"]).unwrap_err(), "root");
        assert_eq!(
            Scopes::parse(["revoke", "verify"]).unwrap().names(),
            ["verify", "revoke"]
        );
    }

    #[test]
    fn a_scoped_key_covers_its_profiles_only() {
        let caller = |profiles: Option<Vec<String>>| Caller {
            key_id: "k".into(),
            scopes: Scopes::parse(["issue"]).unwrap(),
            profiles,
        };
        let toss = caller(Some(vec!["toss".into()]));
        assert!(toss.require_profile("toss").is_ok());
        let refused = toss.require_profile("kb").unwrap_err();
        assert_eq!(refused.code, "profile_not_in_key_scope");
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(caller(None).require_profile("kb").is_ok());
        let made = new_scoped_key(
            "toss",
            Scopes::parse(["issue"]).unwrap(),
            Some(&["toss".into(), "kb".into()]),
        )
        .unwrap();
        assert_eq!(made.stored.profiles.as_deref(), Some("toss,kb"));
        assert_eq!(
            new_key("all", Scopes::parse(["issue"]).unwrap())
                .unwrap()
                .stored
                .profiles,
            None
        );
    }

    #[test]
    fn keys_match_only_their_secret() {
        let made = new_key("ci", Scopes::parse(["verify"]).unwrap()).unwrap();
        let (id, secret) = split_key(&made.key).unwrap();
        assert_eq!(id, made.stored.id);
        assert!(secret_matches(&made.stored, secret));
        assert!(!secret_matches(
            &made.stored,
            &secret.replace('a', "b").replace('0', "1")
        ));
        assert!(!made.stored.secret_sha256.is_empty());
        assert!(!made.key.contains(&hex::encode(&made.stored.secret_sha256)));
        assert_eq!(split_key("dpk_short_x"), None);
        assert_eq!(split_key("Bearer"), None);
    }
}
