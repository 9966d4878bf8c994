//! The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414, RFC 9126 §5).

use serde_json::{Value, json};

use super::Provider;
use crate::claims::{Scope, acr, names};
use crate::jose::JwsAlg;
use dongpo_profiles::Assurance;

impl Provider {
    /// `/.well-known/openid-configuration`.
    #[must_use]
    pub fn discovery(&self) -> Value {
        let c = &self.config;
        let algs: Vec<&str> = JwsAlg::ALL.iter().map(|a| a.name()).collect();
        json!({
            "issuer": c.issuer,
            "authorization_endpoint": c.authorization_endpoint,
            "token_endpoint": c.token_endpoint,
            "jwks_uri": c.jwks_uri,
            "pushed_authorization_request_endpoint": c.par_endpoint,
            "require_pushed_authorization_requests": true,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": algs,
            "id_token_encryption_alg_values_supported": ["ECDH-ES"],
            "id_token_encryption_enc_values_supported": ["A256GCM"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": algs,
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": Scope::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
                names::ISSUING_STATE, names::MRZ_NAME, names::HANGUL_NAME, names::BIRTHDATE,
                names::REGISTRATION_STATUS, names::RRN,
            ],
            "acr_values_supported": Assurance::ALL.iter().map(|a| acr(*a)).collect::<Vec<_>>(),
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "authorization_response_iss_parameter_supported": true,
        })
    }
}
