//! OpenID Connect between the verifier and the provider CAs.
//!
//! The verifier (the agency running chip sessions against its registry of overseas
//! citizens) is the OpenID Provider ([`provider`]); each provider CA is a client
//! ([`rp`]). The flow:
//!
//! 1. the CA pushes an authorization request (RFC 9126) with its `nonce`, a PKCE S256
//!    challenge and a `private_key_jwt` client assertion (RFC 7523), and hands the app
//!    the `request_uri`;
//! 2. the app runs the chip session at the verifier bound to that `request_uri`, the
//!    applicant enters the RRN, the verifier checks it against the registry and calls
//!    [`provider::Provider::complete`], which issues a single-use code;
//! 3. the app brings the code to the CA, which redeems it at the token endpoint
//!    (`private_key_jwt` + `code_verifier`) and validates the ID token
//!    ([`rp::IdTokenValidator`]): pairwise `sub`, `acr` = assurance level, and the RRN
//!    only inside a JWE encrypted to the CA.
//!
//! JOSE (JWS, JWE, JWK) lives in [`jose`] only.
//!
//! ```
//! use std::sync::Arc;
//! use dongpo_crypto::{Curve, KeySpec, SigningKey};
//! use dongpo_oidc::claims::{OverseasIdentity, Scope};
//! use dongpo_oidc::provider::{
//!     ClientRegistration, MemoryStore, PairwiseSecret, Provider, ProviderConfig, VerifiedPerson,
//! };
//! use dongpo_oidc::rp::{IdTokenValidator, RelyingParty};
//! use dongpo_pki::time::UnixTime;
//! use dongpo_profiles::Assurance;
//!
//! let issuer = "https://verifier.example";
//! let redirect = "https://ca.example/cb";
//! let rp = RelyingParty::new("ca-kb", issuer, redirect,
//!     Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?))?;
//! let provider = Provider::new(
//!     ProviderConfig::new(issuer),
//!     Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?),
//!     vec![ClientRegistration {
//!         client_id: "ca-kb".into(),
//!         redirect_uris: vec![redirect.into()],
//!         jwks: serde_json::json!({"keys": [rp.public_jwk()?]}),
//!         scopes: vec!["openid".into()],
//!         sector_identifier: None,
//!     }],
//!     PairwiseSecret::new([42; 32]),
//!     Arc::new(MemoryStore::new()),
//! )?;
//! let now = UnixTime(1_800_000_000);
//!
//! // 1. PAR
//! let request = rp.authorization_request(&[Scope::OpenId], &[Assurance::PaCa], now)?;
//! let pushed = provider.push(&request.form, now)?;
//! // 2. chip session and registry check succeeded
//! let person = VerifiedPerson {
//!     person_id: "registry-0001".into(),
//!     assurance: Assurance::PaCa,
//!     auth_time: now,
//!     issuing_state: "KOR".into(),
//!     identity: OverseasIdentity {
//!         mrz_name: "HONG GILDONG".into(),
//!         hangul_name: Some("홍길동".into()),
//!         birth_date: "1990-01-01".into(),
//!         registration_status: "registered".into(),
//!     },
//!     rrn: None,
//! };
//! let redirect = provider.complete(&pushed.request_uri, &person, now)?;
//! let code = redirect.location.split(['?', '&'])
//!     .find_map(|p| p.strip_prefix("code=")).unwrap_or_default().to_owned();
//! // 3. redeem and validate
//! let tokens = provider.token(&rp.token_request(&code, &request.pending, now)?, now)?;
//! let jwks = provider.jwks(now)?.to_string();
//! let identity = IdTokenValidator::new(issuer, "ca-kb", &jwks)?
//!     .validate(&tokens.id_token, &request.pending.nonce, now)?;
//! assert_eq!(identity.assurance, Assurance::PaCa);
//! assert!(identity.identity.is_none()); // kr_overseas_identity was not asked for
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod claims;
pub mod jose;
mod oauth;
pub mod provider;
pub mod rp;

pub use oauth::{ErrorCode, OAuthError, pkce_challenge};
