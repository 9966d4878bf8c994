//! Hostile OpenID Connect input, from both ends: an ID token (JWS or JWE) given to the
//! relying party's validator and the JWK set parser, and form bodies given to the provider's
//! pushed-authorization and token endpoints. Each must answer an error, never panic.
//! The first byte chooses the entry point; the rest is the input.
#![no_main]

use std::sync::{Arc, OnceLock};

use dongpo_crypto::{Curve, KeySpec, SigningKey};
use dongpo_oidc::jose::{DecryptionKey, KeySet};
use dongpo_oidc::provider::{
    ClientRegistration, MemoryStore, PairwiseSecret, Provider, ProviderConfig,
};
use dongpo_oidc::rp::{IdTokenValidator, RelyingParty};
use dongpo_pki::UnixTime;
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://verifier.example";
const REDIRECT: &str = "https://ca.example/cb";

struct Parties {
    validator: IdTokenValidator,
    provider: Provider,
}

fn parties() -> Option<&'static Parties> {
    static PARTIES: OnceLock<Option<Parties>> = OnceLock::new();
    PARTIES
        .get_or_init(|| {
            let provider_key = Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256)).ok()?);
            let client_key = Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256)).ok()?);
            let rp = RelyingParty::new("ca-kb", ISSUER, REDIRECT, client_key).ok()?;
            let provider = Provider::new(
                ProviderConfig::new(ISSUER),
                provider_key,
                vec![ClientRegistration {
                    client_id: "ca-kb".into(),
                    redirect_uris: vec![REDIRECT.into()],
                    jwks: serde_json::json!({ "keys": [rp.public_jwk().ok()?] }),
                    scopes: vec!["openid".into()],
                    sector_identifier: None,
                }],
                PairwiseSecret::new([7; 32]),
                Arc::new(MemoryStore::new()),
            )
            .ok()?;
            let now = UnixTime(1_800_000_000);
            let jwks = provider.jwks(now).ok()?.to_string();
            let validator = IdTokenValidator::new(ISSUER, "ca-kb", &jwks)
                .ok()?
                .with_decryption_key(DecryptionKey::generate().ok()?);
            Some(Parties { validator, provider })
        })
        .as_ref()
}

/// `a=b&c=d` as the pairs a form extractor gives (no percent-decoding: the server's).
fn form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some(parties) = parties() else { return };
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let now = UnixTime(1_800_000_000);
    match which % 4 {
        0 => {
            let _ = parties.validator.validate(text, "nonce", now);
        }
        1 => {
            let _ = KeySet::from_json(text);
        }
        2 => {
            let _ = parties.provider.push(&form(text), now);
        }
        _ => {
            let _ = parties.provider.token(&form(text), now);
        }
    }
});
