//! ID token validation on the relying party's side (OIDC Core §3.1.3.7).

use dongpo_pki::time::UnixTime;
use dongpo_profiles::Assurance;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::claims::{Audience, OverseasIdentity, Rrn, assurance_of_acr};
use crate::jose::{DecryptionKey, JoseError, JwsAlg, KeySet, is_jwe, verify_jws};

/// Why an ID token is refused.
#[derive(Debug, thiserror::Error)]
pub enum IdTokenError {
    /// The JWS itself: `alg: none`, an algorithm not allowed, unknown `kid`, bad
    /// signature, malformed (see the [`JoseError`]).
    #[error("ID token: {0}")]
    Jose(#[source] JoseError),
    /// An encrypted ID token but no decryption key configured.
    #[error("the ID token is encrypted and no decryption key is configured")]
    NoDecryptionKey,
    /// The encrypted ID token does not decrypt with the client's key.
    #[error("the ID token does not decrypt with the client's key")]
    Decrypt(#[source] JoseError),
    /// The claims are not an ID token's (missing or mistyped claims).
    #[error("ID token claims")]
    Claims(#[source] serde_json::Error),
    /// `iss` is not the expected issuer.
    #[error("wrong issuer {found:?}")]
    WrongIssuer {
        /// The issuer in the token.
        found: String,
    },
    /// `aud` does not contain this client.
    #[error("the ID token is for another audience")]
    WrongAudience,
    /// Several audiences and `azp` is not this client (or `azp` names another client).
    #[error("authorized party (azp) is not this client")]
    WrongAuthorizedParty,
    /// `exp` has passed.
    #[error("the ID token expired at {exp}")]
    Expired {
        /// The expiry.
        exp: u64,
    },
    /// `iat` is in the future.
    #[error("the ID token is issued in the future ({iat})")]
    IssuedInFuture {
        /// The issue time.
        iat: u64,
    },
    /// `nonce` is not the one sent.
    #[error("wrong nonce")]
    WrongNonce,
    /// `acr` is not a dongpo assurance value.
    #[error("unknown acr {0:?}")]
    UnknownAcr(String),
    /// An RRN in a token that was not encrypted.
    #[error("an RRN in an unencrypted ID token")]
    RrnNotEncrypted,
}

/// The claims read from an ID token; other claims are ignored (OIDC Core §5.1).
#[derive(Deserialize)]
struct IdTokenClaims {
    iss: String,
    sub: String,
    aud: Audience,
    #[serde(default)]
    azp: Option<String>,
    exp: u64,
    iat: u64,
    auth_time: u64,
    nonce: String,
    acr: String,
    #[serde(default)]
    amr: Vec<String>,
    issuing_state: String,
    #[serde(default)]
    mrz_name: Option<String>,
    #[serde(default)]
    kr_hangul_name: Option<String>,
    #[serde(default)]
    birthdate: Option<String>,
    #[serde(default)]
    kr_registration_status: Option<String>,
    #[serde(default)]
    kr_rrn: Option<Rrn>,
}

/// What a valid ID token says. Debug shows no personal data.
#[derive(Clone)]
pub struct VerifiedIdentity {
    /// The pairwise subject.
    pub sub: String,
    /// The assurance level reached (from `acr`).
    pub assurance: Assurance,
    /// The `amr` values.
    pub amr: Vec<String>,
    /// When the verification finished.
    pub auth_time: UnixTime,
    /// When the token expires.
    pub expires_at: UnixTime,
    /// ICAO code of the passport's issuing state.
    pub issuing_state: String,
    /// Released with `kr_overseas_identity`.
    pub identity: Option<OverseasIdentity>,
    /// Released with `kr_rrn` (encrypted tokens only).
    pub rrn: Option<Rrn>,
    /// SHA-256 of the token as received: the key of the CA's one-time-use record.
    pub token_sha256: [u8; 32],
}

impl std::fmt::Debug for VerifiedIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedIdentity")
            .field("assurance", &self.assurance)
            .field("auth_time", &self.auth_time)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

/// Validates the verifier's ID tokens for one client.
#[derive(Debug)]
pub struct IdTokenValidator {
    issuer: String,
    client_id: String,
    keys: KeySet,
    decryption: Option<DecryptionKey>,
    leeway: u64,
}

impl IdTokenValidator {
    /// Tokens of `issuer` for `client_id`, signed by a key of `jwks_json` (pinned, or as
    /// fetched from the provider's `jwks_uri`), ES256 or PS256 only. Leeway 30 s.
    ///
    /// # Errors
    /// [`IdTokenError::Jose`] when the JWK set does not parse.
    pub fn new(issuer: &str, client_id: &str, jwks_json: &str) -> Result<Self, IdTokenError> {
        Ok(IdTokenValidator {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            keys: KeySet::from_json(jwks_json).map_err(IdTokenError::Jose)?,
            decryption: None,
            leeway: 30,
        })
    }

    /// Also accepts ID tokens encrypted to `key` (required for `kr_rrn`).
    #[must_use]
    pub fn with_decryption_key(mut self, key: DecryptionKey) -> Self {
        self.decryption = Some(key);
        self
    }

    /// Clock skew tolerated on `exp` and `iat`, in seconds.
    #[must_use]
    pub fn with_leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds;
        self
    }

    /// Validates `token` (a JWS, or a JWE around one) against the `nonce` sent in the
    /// request, at `now`.
    ///
    /// ```
    /// use dongpo_oidc::rp::{IdTokenError, IdTokenValidator};
    /// use dongpo_pki::time::UnixTime;
    ///
    /// let validator = IdTokenValidator::new("https://verifier.example", "ca-kb", r#"{"keys":[]}"#)?;
    /// // `{"alg":"none"}` with an empty payload and no signature
    /// let result = validator.validate("eyJhbGciOiJub25lIn0.e30.", "nonce", UnixTime(0));
    /// assert!(matches!(result, Err(IdTokenError::Jose(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// An [`IdTokenError`] naming the first check that failed.
    pub fn validate(
        &self,
        token: &str,
        nonce: &str,
        now: UnixTime,
    ) -> Result<VerifiedIdentity, IdTokenError> {
        let token_sha256: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let encrypted = is_jwe(token);
        let nested;
        let jws = if encrypted {
            let key = self
                .decryption
                .as_ref()
                .ok_or(IdTokenError::NoDecryptionKey)?;
            nested = key.decrypt(token).map_err(IdTokenError::Decrypt)?;
            nested.as_str()
        } else {
            token
        };
        let verified = verify_jws(jws, &self.keys, &JwsAlg::ALL).map_err(IdTokenError::Jose)?;
        let claims: IdTokenClaims =
            serde_json::from_slice(&verified.payload).map_err(IdTokenError::Claims)?;
        if claims.iss != self.issuer {
            return Err(IdTokenError::WrongIssuer { found: claims.iss });
        }
        if !claims.aud.contains(&self.client_id) {
            return Err(IdTokenError::WrongAudience);
        }
        let azp_required = claims.aud.len() > 1;
        match &claims.azp {
            Some(azp) if azp != &self.client_id => return Err(IdTokenError::WrongAuthorizedParty),
            None if azp_required => return Err(IdTokenError::WrongAuthorizedParty),
            _ => {}
        }
        if now.0 >= claims.exp.saturating_add(self.leeway) {
            return Err(IdTokenError::Expired { exp: claims.exp });
        }
        if claims.iat > now.0.saturating_add(self.leeway) {
            return Err(IdTokenError::IssuedInFuture { iat: claims.iat });
        }
        if claims.nonce != nonce {
            return Err(IdTokenError::WrongNonce);
        }
        let assurance =
            assurance_of_acr(&claims.acr).ok_or(IdTokenError::UnknownAcr(claims.acr.clone()))?;
        if claims.kr_rrn.is_some() && !encrypted {
            return Err(IdTokenError::RrnNotEncrypted);
        }
        let identity = match (
            claims.mrz_name,
            claims.birthdate,
            claims.kr_registration_status,
        ) {
            (Some(mrz_name), Some(birth_date), Some(registration_status)) => {
                Some(OverseasIdentity {
                    mrz_name,
                    hangul_name: claims.kr_hangul_name,
                    birth_date,
                    registration_status,
                })
            }
            _ => None,
        };
        Ok(VerifiedIdentity {
            sub: claims.sub,
            assurance,
            amr: claims.amr,
            auth_time: UnixTime(claims.auth_time),
            expires_at: UnixTime(claims.exp),
            issuing_state: claims.issuing_state,
            identity,
            rrn: claims.kr_rrn,
            token_sha256,
        })
    }
}
