//! The provider's ID-token signing keys: one active key, and retired keys still published
//! until every token they signed has expired.

use std::sync::Arc;

use dongpo_crypto::Signer;
use dongpo_pki::time::UnixTime;
use serde_json::{Value, json};

use crate::jose::{JoseError, JwsKey};

/// The active signing key and the retired ones still in the JWK set.
#[derive(Debug)]
pub struct SigningKeys {
    active: JwsKey,
    /// Retired keys with the time until which they stay published.
    retired: Vec<(JwsKey, UnixTime)>,
}

impl SigningKeys {
    /// Starts with `active` (ES256 for P-256, PS256 for RSA keys).
    ///
    /// # Errors
    /// [`JoseError::UnsupportedKey`] for other keys.
    pub fn new(active: Arc<dyn Signer>) -> Result<Self, JoseError> {
        Ok(SigningKeys {
            active: JwsKey::new(active)?,
            retired: Vec::new(),
        })
    }

    /// The key new tokens are signed with.
    #[must_use]
    pub fn active(&self) -> &JwsKey {
        &self.active
    }

    /// Makes `new` the active key; the previous one stays published until
    /// `now + keep_for` (the longest a token it signed can still be presented).
    ///
    /// # Errors
    /// [`JoseError::UnsupportedKey`] when `new` cannot sign JWS.
    pub fn rotate(
        &mut self,
        new: Arc<dyn Signer>,
        now: UnixTime,
        keep_for: u64,
    ) -> Result<(), JoseError> {
        let new = JwsKey::new(new)?;
        let old = std::mem::replace(&mut self.active, new);
        self.retired.retain(|(_, until)| *until > now);
        self.retired
            .push((old, UnixTime(now.0.saturating_add(keep_for))));
        Ok(())
    }

    /// The public JWK set at `now`: the active key, then retired keys not yet past their
    /// publication time, each with `kid`, `use: sig` and `alg`.
    ///
    /// # Errors
    /// As [`JwsKey::public_jwk`].
    pub fn jwks(&self, now: UnixTime) -> Result<Value, JoseError> {
        let mut keys = vec![Value::Object(self.active.public_jwk()?)];
        for (key, until) in &self.retired {
            if *until > now {
                keys.push(Value::Object(key.public_jwk()?));
            }
        }
        Ok(json!({ "keys": keys }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongpo_crypto::{Curve, KeySpec, SigningKey};

    fn p256() -> Result<Arc<dyn Signer>, Box<dyn std::error::Error>> {
        Ok(Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?))
    }

    fn kids(jwks: &Value) -> Vec<String> {
        jwks["keys"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn retired_key_is_published_until_its_tokens_expire() -> Result<(), Box<dyn std::error::Error>>
    {
        let mut keys = SigningKeys::new(p256()?)?;
        let first = keys.active().kid().to_owned();
        let jwks = keys.jwks(UnixTime(0))?;
        assert_eq!(kids(&jwks), vec![first.clone()]);
        assert_eq!(jwks["keys"][0]["use"], "sig");
        assert_eq!(jwks["keys"][0]["alg"], "ES256");
        assert_eq!(jwks["keys"][0]["kty"], "EC");

        keys.rotate(p256()?, UnixTime(1000), 300)?;
        let second = keys.active().kid().to_owned();
        assert_ne!(first, second);
        assert_eq!(
            kids(&keys.jwks(UnixTime(1299))?),
            vec![second.clone(), first]
        );
        assert_eq!(kids(&keys.jwks(UnixTime(1300))?), vec![second]);
        Ok(())
    }

    #[test]
    fn rsa_keys_sign_ps256_and_small_curves_are_refused() -> Result<(), Box<dyn std::error::Error>>
    {
        let rsa = SigningKeys::new(Arc::new(SigningKey::generate(KeySpec::Rsa(2048))?))?;
        assert_eq!(rsa.jwks(UnixTime(0))?["keys"][0]["alg"], "PS256");
        let p384: Arc<dyn Signer> = Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P384))?);
        assert!(matches!(
            SigningKeys::new(p384),
            Err(JoseError::UnsupportedKey(_))
        ));
        Ok(())
    }
}
