//! The whole flow provider ↔ relying party in memory, and each refusal.

use std::sync::Arc;

use base64ct::Encoding as _;
use dongpo_crypto::{Curve, KeySpec, Signer, SigningKey};
use dongpo_oidc::claims::{OverseasIdentity, Rrn, Scope};
use dongpo_oidc::jose::{DecryptionKey, JoseError, JwsKey};
use dongpo_oidc::provider::{
    ClientRegistration, JWT_BEARER, MemoryStore, PairwiseSecret, Provider, ProviderConfig,
    VerifiedPerson,
};
use dongpo_oidc::rp::{
    AuthorizationRequest, IdTokenError, IdTokenValidator, RelyingParty, VerifiedIdentity,
};
use dongpo_oidc::{ErrorCode, OAuthError};
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Assurance;
use serde_json::{Map, Value, json};

type E = Box<dyn std::error::Error>;
type R = Result<(), E>;

const ISSUER: &str = "https://verifier.example";
const KB: &str = "ca-kb";
const NH: &str = "ca-nh";
const KB_CB: &str = "https://kb.example/cb";
const NH_CB: &str = "https://nh.example/cb?from=verifier";
const NOW: UnixTime = UnixTime(1_800_000_000);

fn p256() -> Result<Arc<SigningKey>, E> {
    Ok(Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?))
}

struct World {
    provider: Provider,
    provider_key: Arc<SigningKey>,
    kb: RelyingParty,
    kb_enc: Option<DecryptionKey>,
    kb_signer: Arc<SigningKey>,
    nh: RelyingParty,
}

impl World {
    fn new() -> Result<Self, E> {
        let kb_signer = p256()?;
        let kb = RelyingParty::new(KB, ISSUER, KB_CB, kb_signer.clone())?;
        // NH authenticates with PS256
        let nh = RelyingParty::new(
            NH,
            ISSUER,
            NH_CB,
            Arc::new(SigningKey::generate(KeySpec::Rsa(2048))?),
        )?;
        let kb_enc = DecryptionKey::generate()?;
        let provider_key = p256()?;
        let provider = Provider::new(
            ProviderConfig::new(ISSUER),
            provider_key.clone(),
            vec![
                ClientRegistration {
                    client_id: KB.into(),
                    redirect_uris: vec![KB_CB.into()],
                    jwks: json!({"keys": [kb.public_jwk()?, kb_enc.public_jwk()]}),
                    scopes: vec![
                        "openid".into(),
                        "kr_overseas_identity".into(),
                        "kr_rrn".into(),
                    ],
                    sector_identifier: None,
                },
                ClientRegistration {
                    client_id: NH.into(),
                    redirect_uris: vec![NH_CB.into()],
                    jwks: json!({"keys": [nh.public_jwk()?]}),
                    scopes: vec!["openid".into(), "kr_overseas_identity".into()],
                    sector_identifier: None,
                },
            ],
            PairwiseSecret::new([9; 32]),
            Arc::new(MemoryStore::new()),
        )?;
        Ok(World {
            provider,
            provider_key,
            kb,
            kb_enc: Some(kb_enc),
            kb_signer,
            nh,
        })
    }

    fn validator(&self, client_id: &str) -> Result<IdTokenValidator, E> {
        let jwks = self.provider.jwks(NOW)?.to_string();
        Ok(IdTokenValidator::new(ISSUER, client_id, &jwks)?)
    }

    /// PAR → complete → returns (request, code).
    fn authorize(
        &self,
        rp: &RelyingParty,
        scopes: &[Scope],
        person: &VerifiedPerson,
    ) -> Result<(AuthorizationRequest, String), E> {
        let request = rp.authorization_request(scopes, &[], NOW)?;
        let pushed = self.provider.push(&request.form, NOW)?;
        let redirect = self.provider.complete(&pushed.request_uri, person, NOW)?;
        let code = query(&redirect.location, "code").ok_or("no code")?;
        assert_eq!(
            query(&redirect.location, "state"),
            Some(request.pending.state.clone())
        );
        assert_eq!(query(&redirect.location, "iss").as_deref(), Some(ISSUER));
        Ok((request, code))
    }

    /// The whole flow up to the token response's ID token.
    fn id_token(
        &self,
        rp: &RelyingParty,
        scopes: &[Scope],
        person: &VerifiedPerson,
    ) -> Result<(String, String), E> {
        let (request, code) = self.authorize(rp, scopes, person)?;
        let tokens = self
            .provider
            .token(&rp.token_request(&code, &request.pending, NOW)?, NOW)?;
        assert_eq!(tokens.token_type, "Bearer");
        let json = serde_json::to_value(&tokens)?;
        assert_eq!(json.get("token_type"), Some(&json!("Bearer")));
        assert_eq!(json.get("expires_in"), Some(&json!(300)));
        let read: dongpo_oidc::provider::TokenResponse = serde_json::from_value(json)?;
        assert_eq!(read, tokens);
        Ok((tokens.id_token, request.pending.nonce.clone()))
    }

    /// Signs arbitrary claims with the provider's key (for hand-made tokens).
    fn provider_sign(&self, claims: &Value) -> Result<String, E> {
        let key = JwsKey::new(self.provider_key.clone())?;
        Ok(key.sign_json("JWT", claims.as_object().ok_or("not an object")?)?)
    }
}

fn query(location: &str, name: &str) -> Option<String> {
    let (_, q) = location.split_once('?')?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn person(id: &str) -> VerifiedPerson {
    VerifiedPerson {
        person_id: id.into(),
        assurance: Assurance::PaCa,
        auth_time: UnixTime(NOW.0 - 5),
        issuing_state: "KOR".into(),
        identity: OverseasIdentity {
            mrz_name: "HONG GILDONG".into(),
            hangul_name: Some("홍길동".into()),
            birth_date: "1990-01-01".into(),
            registration_status: "registered".into(),
        },
        rrn: Some(Rrn::new("900101-1234567".into())),
    }
}

fn code_of<T: std::fmt::Debug>(result: Result<T, OAuthError>) -> Option<ErrorCode> {
    result.err().map(|e| e.code)
}

fn replace(form: &[(String, String)], name: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = form.iter().filter(|(k, _)| k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name.into(), v.into()));
    }
    out
}

fn get<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[test]
fn whole_flow_releases_identity_at_the_verified_level() -> R {
    let w = World::new()?;
    let (token, nonce) = w.id_token(&w.nh, &[Scope::OverseasIdentity], &person("p1"))?;
    assert_eq!(
        token.split('.').count(),
        3,
        "without kr_rrn the ID token is a JWS"
    );
    let identity: VerifiedIdentity = w.validator(NH)?.validate(&token, &nonce, NOW)?;
    assert_eq!(identity.assurance, Assurance::PaCa);
    assert_eq!(identity.amr, vec!["sc", "hwk"]);
    assert_eq!(identity.auth_time, UnixTime(NOW.0 - 5));
    assert_eq!(identity.issuing_state, "KOR");
    let id = identity.identity.clone().ok_or("no identity claims")?;
    assert_eq!(id.mrz_name, "HONG GILDONG");
    assert_eq!(id.hangul_name.as_deref(), Some("홍길동"));
    assert_eq!(id.birth_date, "1990-01-01");
    assert_eq!(id.registration_status, "registered");
    assert!(identity.rrn.is_none());
    let digest = dongpo_crypto::HashAlgorithm::Sha256.digest(token.as_bytes());
    assert_eq!(identity.token_sha256.as_slice(), digest.as_slice());
    // Debug shows no personal data
    let debug = format!("{identity:?} {:?}", person("p1"));
    for secret in ["HONG", "홍길동", "1990", "900101", "p1"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    Ok(())
}

#[test]
fn openid_alone_releases_no_identity_claims_and_pa_has_no_hwk() -> R {
    let w = World::new()?;
    let mut pa = person("p1");
    pa.assurance = Assurance::Pa;
    let (token, nonce) = w.id_token(&w.kb, &[], &pa)?;
    let identity = w.validator(KB)?.validate(&token, &nonce, NOW)?;
    assert_eq!(identity.assurance, Assurance::Pa);
    assert_eq!(identity.amr, vec!["sc"]);
    assert!(identity.identity.is_none() && identity.rrn.is_none());
    Ok(())
}

#[test]
fn rrn_travels_only_in_a_jwe_that_only_the_client_opens() -> R {
    let mut w = World::new()?;
    let (token, nonce) = w.id_token(&w.kb, &[Scope::Rrn], &person("p1"))?;
    assert_eq!(
        token.split('.').count(),
        5,
        "an ID token with the RRN is a JWE"
    );
    assert!(!token.contains("900101"));

    let plain = w.validator(KB)?;
    assert!(matches!(
        plain.validate(&token, &nonce, NOW),
        Err(IdTokenError::NoDecryptionKey)
    ));
    let stranger = w
        .validator(KB)?
        .with_decryption_key(DecryptionKey::generate()?);
    assert!(matches!(
        stranger.validate(&token, &nonce, NOW),
        Err(IdTokenError::Decrypt(_))
    ));
    let key = w.kb_enc.take().ok_or("no key")?;
    let identity = w
        .validator(KB)?
        .with_decryption_key(key)
        .validate(&token, &nonce, NOW)?;
    assert_eq!(
        identity.rrn.as_ref().map(Rrn::expose),
        Some("900101-1234567")
    );
    assert!(
        identity.identity.is_none(),
        "kr_overseas_identity was not asked for"
    );

    // An RRN in a plain JWS is refused even when the signature is the provider's.
    let forged = w.provider_sign(&json!({
        "iss": ISSUER, "sub": "s", "aud": KB, "exp": NOW.0 + 60, "iat": NOW.0,
        "auth_time": NOW.0, "nonce": nonce, "acr": "urn:dongpo:assurance:pa+ca",
        "issuing_state": "KOR", "kr_rrn": "900101-1234567"
    }))?;
    assert!(matches!(
        w.validator(KB)?.validate(&forged, &nonce, NOW),
        Err(IdTokenError::RrnNotEncrypted)
    ));
    Ok(())
}

#[test]
fn kr_rrn_is_refused_to_clients_not_registered_for_it_and_needs_a_verified_rrn() -> R {
    let w = World::new()?;
    let request = w.nh.authorization_request(&[Scope::Rrn], &[], NOW)?;
    assert_eq!(
        code_of(w.provider.push(&request.form, NOW)),
        Some(ErrorCode::InvalidScope)
    );

    let request = w.kb.authorization_request(&[Scope::Rrn], &[], NOW)?;
    let pushed = w.provider.push(&request.form, NOW)?;
    let mut no_rrn = person("p1");
    no_rrn.rrn = None;
    assert_eq!(
        code_of(w.provider.complete(&pushed.request_uri, &no_rrn, NOW)),
        Some(ErrorCode::InvalidRequest)
    );
    Ok(())
}

#[test]
fn pairwise_subjects_differ_across_clients_and_are_stable_for_one() -> R {
    let w = World::new()?;
    let sub = |rp: &RelyingParty, client: &str, who: &str| -> Result<String, E> {
        let (token, nonce) = w.id_token(rp, &[], &person(who))?;
        Ok(w.validator(client)?.validate(&token, &nonce, NOW)?.sub)
    };
    let kb1 = sub(&w.kb, KB, "p1")?;
    let kb1_again = sub(&w.kb, KB, "p1")?;
    let nh1 = sub(&w.nh, NH, "p1")?;
    let kb2 = sub(&w.kb, KB, "p2")?;
    assert_eq!(kb1, kb1_again);
    assert_ne!(kb1, nh1);
    assert_ne!(kb1, kb2);
    assert!(!kb1.contains("p1"));
    Ok(())
}

#[test]
fn a_code_is_redeemed_once() -> R {
    let w = World::new()?;
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    w.provider
        .token(&w.kb.token_request(&code, &request.pending, NOW)?, NOW)?;
    let again = w
        .provider
        .token(&w.kb.token_request(&code, &request.pending, NOW)?, NOW);
    assert_eq!(code_of(again), Some(ErrorCode::InvalidGrant));
    Ok(())
}

#[test]
fn a_wrong_pkce_verifier_fails_and_spends_the_code() -> R {
    let w = World::new()?;
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    let mut wrong = request.pending.clone();
    wrong.code_verifier = zeroize::Zeroizing::new("x".repeat(43));
    let form = w.kb.token_request(&code, &wrong, NOW)?;
    assert_eq!(
        code_of(w.provider.token(&form, NOW)),
        Some(ErrorCode::InvalidGrant)
    );
    let form = w.kb.token_request(&code, &request.pending, NOW)?;
    assert_eq!(
        code_of(w.provider.token(&form, NOW)),
        Some(ErrorCode::InvalidGrant)
    );
    Ok(())
}

#[test]
fn a_code_is_bound_to_its_client_and_redirect_uri_and_expires() -> R {
    let w = World::new()?;
    // redeemed by another client
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    let form = w.nh.token_request(&code, &request.pending, NOW)?;
    assert_eq!(
        code_of(w.provider.token(&form, NOW)),
        Some(ErrorCode::InvalidGrant)
    );
    // another redirect_uri
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    let form = w.kb.token_request(&code, &request.pending, NOW)?;
    let form = replace(&form, "redirect_uri", Some("https://kb.example/other"));
    assert_eq!(
        code_of(w.provider.token(&form, NOW)),
        Some(ErrorCode::InvalidGrant)
    );
    // too late (code lifetime 60 s)
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    let later = UnixTime(NOW.0 + 61);
    let form = w.kb.token_request(&code, &request.pending, later)?;
    assert_eq!(
        code_of(w.provider.token(&form, later)),
        Some(ErrorCode::InvalidGrant)
    );
    // wrong grant type
    let form = replace(&form, "grant_type", Some("client_credentials"));
    assert_eq!(
        code_of(w.provider.token(&form, later)),
        Some(ErrorCode::UnsupportedGrantType)
    );
    Ok(())
}

#[test]
fn a_client_cannot_authenticate_with_another_clients_key() -> R {
    let w = World::new()?;
    // NH's client id with KB's key
    let impostor = RelyingParty::new(NH, ISSUER, NH_CB, w.kb_signer.clone())?;
    let request = impostor.authorization_request(&[], &[], NOW)?;
    let err = w
        .provider
        .push(&request.form, NOW)
        .err()
        .ok_or("accepted")?;
    assert_eq!(err.code, ErrorCode::InvalidClient);
    assert_eq!(err.status(), 401);
    // and at the token endpoint
    let (request, code) = w.authorize(&w.nh, &[], &person("p1"))?;
    let form = impostor.token_request(&code, &request.pending, NOW)?;
    assert_eq!(
        code_of(w.provider.token(&form, NOW)),
        Some(ErrorCode::InvalidClient)
    );
    Ok(())
}

fn assertion(w: &World, claims: Value) -> Result<String, E> {
    let key = JwsKey::new(w.kb_signer.clone())?;
    Ok(key.sign_json("JWT", claims.as_object().ok_or("object")?)?)
}

#[test]
fn client_assertions_are_checked() -> R {
    let w = World::new()?;
    let request = w.kb.authorization_request(&[], &[], NOW)?;
    let with = |a: &str| replace(&request.form, "client_assertion", Some(a));
    let base = |jti: &str| json!({"iss": KB, "sub": KB, "aud": ISSUER, "iat": NOW.0, "exp": NOW.0 + 60, "jti": jti});
    let bad = |claims: Value| -> Result<Option<ErrorCode>, E> {
        Ok(code_of(
            w.provider.push(&with(&assertion(&w, claims)?), NOW),
        ))
    };
    let invalid = Some(ErrorCode::InvalidClient);

    let mut c = base("1");
    c["aud"] = json!("https://other.example");
    assert_eq!(bad(c)?, invalid, "wrong audience");
    let mut c = base("2");
    c["aud"] = json!(["https://other.example", "https://verifier.example/par"]);
    assert_eq!(
        code_of(w.provider.push(&with(&assertion(&w, c)?), NOW)),
        None,
        "PAR URL as aud"
    );
    let mut c = base("3");
    c["exp"] = json!(NOW.0);
    assert_eq!(bad(c)?, invalid, "expired");
    let mut c = base("4");
    c["exp"] = json!(NOW.0 + 3600);
    assert_eq!(bad(c)?, invalid, "lives too long");
    let mut c = base("5");
    c["sub"] = json!(NH);
    assert_eq!(bad(c)?, invalid, "sub is not the client");
    let mut c = base("6");
    c["iat"] = json!(NOW.0 + 600);
    assert_eq!(bad(c)?, invalid, "issued in the future");
    assert_eq!(bad(base(""))?, invalid, "empty jti");

    // replay: the same assertion twice
    let replayed = assertion(&w, base("7"))?;
    assert_eq!(code_of(w.provider.push(&with(&replayed,), NOW)), None);
    assert_eq!(
        code_of(w.provider.push(&with(&replayed), NOW)),
        invalid,
        "replayed jti"
    );

    // missing or other assertion type, client_secret, mismatching client_id
    let form = replace(&request.form, "client_assertion_type", Some("urn:other"));
    assert_eq!(code_of(w.provider.push(&form, NOW)), invalid);
    let form = replace(&request.form, "client_assertion", None);
    assert_eq!(code_of(w.provider.push(&form, NOW)), invalid);
    let form = replace(&request.form, "client_secret", Some("s3cret"));
    assert_eq!(code_of(w.provider.push(&form, NOW)), invalid);
    assert_eq!(get(&request.form, "client_assertion_type"), JWT_BEARER);
    let form = replace(&with(&assertion(&w, base("8"))?), "client_id", Some(NH));
    assert_eq!(code_of(w.provider.push(&form, NOW)), invalid);
    // alg none assertion
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(base("9").to_string().as_bytes())
    );
    assert_eq!(code_of(w.provider.push(&with(&none), NOW)), invalid);
    Ok(())
}

fn b64(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(bytes)
}

#[test]
fn pushed_requests_are_validated() -> R {
    let w = World::new()?;
    let request =
        w.kb.authorization_request(&[Scope::OverseasIdentity], &[Assurance::PaCa], NOW)?;
    // each check with a fresh assertion (jti single use)
    let push = |form: Vec<(String, String)>| -> Result<Option<ErrorCode>, E> {
        let fresh = w.kb.client_assertion(NOW)?;
        let form = replace(&form, "client_assertion", Some(&fresh));
        Ok(code_of(w.provider.push(&form, NOW)))
    };
    let f = &request.form;
    let ir = Some(ErrorCode::InvalidRequest);
    assert_eq!(
        push(replace(f, "code_challenge_method", Some("plain")))?,
        ir
    );
    assert_eq!(push(replace(f, "code_challenge_method", None))?, ir);
    assert_eq!(push(replace(f, "code_challenge", None))?, ir);
    assert_eq!(push(replace(f, "code_challenge", Some("short")))?, ir);
    assert_eq!(push(replace(f, "nonce", None))?, ir);
    assert_eq!(push(replace(f, "state", None))?, ir);
    assert_eq!(
        push(replace(f, "redirect_uri", Some("https://kb.example/cb/x")))?,
        ir
    );
    assert_eq!(push(replace(f, "acr_values", Some("urn:other")))?, ir);
    assert_eq!(push(replace(f, "request_uri", Some("urn:x")))?, ir);
    assert_eq!(
        push(replace(f, "client_id", Some(NH)))?,
        Some(ErrorCode::InvalidClient)
    );
    assert_eq!(
        push(replace(f, "response_type", Some("token")))?,
        Some(ErrorCode::UnsupportedResponseType)
    );
    assert_eq!(
        push(replace(f, "scope", Some("kr_overseas_identity")))?,
        Some(ErrorCode::InvalidScope)
    );
    assert_eq!(
        push(replace(f, "scope", Some("openid email")))?,
        Some(ErrorCode::InvalidScope)
    );
    let mut twice = f.clone();
    twice.push(("state".into(), "again".into()));
    assert_eq!(push(twice)?, ir);
    // unknown parameters are ignored
    let mut extra = f.clone();
    extra.push(("prompt".into(), "login".into()));
    assert_eq!(push(extra)?, None);
    // the accepted request as stored
    let pushed = w.provider.push(
        &replace(f, "client_assertion", Some(&w.kb.client_assertion(NOW)?)),
        NOW,
    )?;
    assert!(
        pushed
            .request_uri
            .starts_with("urn:ietf:params:oauth:request_uri:")
    );
    assert_eq!(pushed.expires_in, 90);
    // the client reads the answer back from JSON
    let answer: dongpo_oidc::provider::PushedAuthorization =
        serde_json::from_str(&serde_json::to_string(&pushed)?)?;
    assert_eq!(answer, pushed);
    // Debug shows neither the live assertion nor the PKCE verifier
    let debug = format!("{request:?}");
    assert!(!debug.contains(get(&request.form, "client_assertion")));
    assert!(!debug.contains(request.pending.code_verifier.as_str()));
    // the authorization endpoint checks the client_id against the pushed request
    let query = |client: &str| {
        vec![
            ("client_id".to_owned(), client.to_owned()),
            ("request_uri".to_owned(), pushed.request_uri.clone()),
        ]
    };
    assert_eq!(w.provider.authorization(&query(KB), NOW)?.client_id, KB);
    assert_eq!(
        code_of(w.provider.authorization(&query(NH), NOW)),
        Some(ErrorCode::InvalidRequest)
    );
    assert_eq!(
        code_of(w.provider.authorization(&query(KB)[..1], NOW)),
        Some(ErrorCode::InvalidRequest)
    );
    let pending = w.provider.pending(&pushed.request_uri, NOW)?;
    assert_eq!(pending.client_id, KB);
    assert_eq!(pending.scopes, vec!["openid", "kr_overseas_identity"]);
    assert_eq!(pending.acr_values, vec!["urn:dongpo:assurance:pa+ca"]);
    assert_eq!(pending.nonce, request.pending.nonce);
    Ok(())
}

#[test]
fn a_request_uri_is_used_once_and_expires() -> R {
    let w = World::new()?;
    let request = w.nh.authorization_request(&[], &[], NOW)?;
    let pushed = w.provider.push(&request.form, NOW)?;
    let redirect = w
        .provider
        .complete(&pushed.request_uri, &person("p1"), NOW)?;
    // the registered URI had a query: code is appended to it
    assert!(
        redirect
            .location
            .starts_with("https://nh.example/cb?from=verifier&code=")
    );
    assert_eq!(
        code_of(w.provider.complete(&pushed.request_uri, &person("p1"), NOW)),
        Some(ErrorCode::InvalidRequestUri)
    );
    let request = w.nh.authorization_request(&[], &[], NOW)?;
    let pushed = w.provider.push(&request.form, NOW)?;
    let late = UnixTime(NOW.0 + 90);
    assert_eq!(
        code_of(
            w.provider
                .complete(&pushed.request_uri, &person("p1"), late)
        ),
        Some(ErrorCode::InvalidRequestUri)
    );
    assert_eq!(
        code_of(w.provider.complete("urn:other", &person("p1"), NOW)),
        Some(ErrorCode::InvalidRequestUri)
    );
    // a denied request redirects with access_denied and is used up
    let request = w.nh.authorization_request(&[], &[], NOW)?;
    let pushed = w.provider.push(&request.form, NOW)?;
    let denied = w
        .provider
        .deny(&pushed.request_uri, "passport not verified", NOW)?;
    assert_eq!(
        query(&denied.location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query(&denied.location, "state"),
        Some(request.pending.state)
    );
    assert!(query(&denied.location, "code").is_none());
    assert!(w.provider.pending(&pushed.request_uri, NOW).is_err());
    Ok(())
}

#[test]
fn id_tokens_are_refused_for_each_failed_check() -> R {
    let w = World::new()?;
    let (token, nonce) = w.id_token(&w.kb, &[], &person("p1"))?;
    let v = w.validator(KB)?;
    v.validate(&token, &nonce, NOW)?;

    // another audience
    assert!(matches!(
        w.validator(NH)?.validate(&token, &nonce, NOW),
        Err(IdTokenError::WrongAudience)
    ));
    // expired (ID token lifetime 300 s, leeway 30 s)
    assert!(matches!(
        v.validate(&token, &nonce, UnixTime(NOW.0 + 330)),
        Err(IdTokenError::Expired { .. })
    ));
    v.validate(&token, &nonce, UnixTime(NOW.0 + 329))?;
    // issued in the future
    assert!(matches!(
        v.validate(&token, &nonce, UnixTime(NOW.0 - 31)),
        Err(IdTokenError::IssuedInFuture { .. })
    ));
    // wrong nonce
    assert!(matches!(
        v.validate(&token, "other", NOW),
        Err(IdTokenError::WrongNonce)
    ));
    // wrong issuer
    let jwks = w.provider.jwks(NOW)?.to_string();
    let elsewhere = IdTokenValidator::new("https://other.example", KB, &jwks)?;
    assert!(matches!(
        elsewhere.validate(&token, &nonce, NOW),
        Err(IdTokenError::WrongIssuer { .. })
    ));
    // unknown key: pinned JWKS of another provider key
    let other = JwsKey::new(p256()?)?;
    let pinned = json!({"keys": [other.public_jwk()?]}).to_string();
    assert!(matches!(
        IdTokenValidator::new(ISSUER, KB, &pinned)?.validate(&token, &nonce, NOW),
        Err(IdTokenError::Jose(JoseError::UnknownKid(_)))
    ));
    // alg none, hand-crafted from the real token's payload
    let payload = token.split('.').nth(1).ok_or("payload")?;
    let none = format!("{}.{payload}.", b64(br#"{"alg":"none","typ":"JWT"}"#));
    assert!(matches!(
        v.validate(&none, &nonce, NOW),
        Err(IdTokenError::Jose(JoseError::AlgNone))
    ));
    // tampered payload
    let mut claims: Map<String, Value> =
        serde_json::from_slice(&base64ct::Base64UrlUnpadded::decode_vec(payload)?)?;
    claims.insert("acr".into(), "urn:dongpo:assurance:pa+aa+ca".into());
    let header = token.split('.').next().ok_or("header")?;
    let signature = token.split('.').nth(2).ok_or("signature")?;
    let tampered = format!(
        "{header}.{}.{signature}",
        b64(Value::Object(claims.clone()).to_string().as_bytes())
    );
    assert!(matches!(
        v.validate(&tampered, &nonce, NOW),
        Err(IdTokenError::Jose(JoseError::BadSignature(_)))
    ));
    // unknown acr, correctly signed
    claims.insert("acr".into(), "urn:other:loa:3".into());
    let unknown_acr = w.provider_sign(&Value::Object(claims.clone()))?;
    assert!(matches!(
        v.validate(&unknown_acr, &nonce, NOW),
        Err(IdTokenError::UnknownAcr(a)) if a == "urn:other:loa:3"
    ));
    // several audiences: azp must name this client
    claims.insert("acr".into(), "urn:dongpo:assurance:pa+ca".into());
    claims.insert("aud".into(), json!([KB, NH]));
    let multi = w.provider_sign(&Value::Object(claims.clone()))?;
    assert!(matches!(
        v.validate(&multi, &nonce, NOW),
        Err(IdTokenError::WrongAuthorizedParty)
    ));
    claims.insert("azp".into(), KB.into());
    let with_azp = w.provider_sign(&Value::Object(claims.clone()))?;
    v.validate(&with_azp, &nonce, NOW)?;
    assert!(matches!(
        w.validator(NH)?.validate(&with_azp, &nonce, NOW),
        Err(IdTokenError::WrongAuthorizedParty)
    ));
    // a claim missing
    claims.remove("auth_time");
    let incomplete = w.provider_sign(&Value::Object(claims))?;
    assert!(matches!(
        v.validate(&incomplete, &nonce, NOW),
        Err(IdTokenError::Claims(_))
    ));
    Ok(())
}

#[test]
fn tokens_signed_before_a_rotation_still_validate() -> R {
    let w = World::new()?;
    let (request, code) = w.authorize(&w.kb, &[], &person("p1"))?;
    let old_kid = w.provider.jwks(NOW)?["keys"][0]["kid"].clone();
    let rsa: Arc<dyn Signer> = Arc::new(SigningKey::generate(KeySpec::Rsa(2048))?);
    w.provider.rotate(rsa, NOW)?;
    let jwks = w.provider.jwks(NOW)?;
    assert_eq!(jwks["keys"][0]["alg"], "PS256");
    assert_eq!(jwks["keys"][1]["kid"], old_kid);
    let tokens = w
        .provider
        .token(&w.kb.token_request(&code, &request.pending, NOW)?, NOW)?;
    w.validator(KB)?
        .validate(&tokens.id_token, &request.pending.nonce, NOW)?;
    // new tokens are PS256
    let (token, nonce) = w.id_token(&w.kb, &[], &person("p1"))?;
    w.validator(KB)?.validate(&token, &nonce, NOW)?;
    let header: Value = serde_json::from_slice(&base64ct::Base64UrlUnpadded::decode_vec(
        token.split('.').next().ok_or("header")?,
    )?)?;
    assert_eq!(header["alg"], "PS256");
    // the old key leaves the set once its tokens have expired (60 + 300 s)
    let later = w.provider.jwks(UnixTime(NOW.0 + 360))?;
    assert_eq!(later["keys"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[test]
fn discovery_announces_par_pairwise_s256_and_private_key_jwt() -> R {
    let w = World::new()?;
    let d = w.provider.discovery();
    assert_eq!(d["issuer"], ISSUER);
    assert_eq!(
        d["pushed_authorization_request_endpoint"],
        "https://verifier.example/par"
    );
    assert_eq!(d["token_endpoint"], "https://verifier.example/token");
    assert_eq!(d["jwks_uri"], "https://verifier.example/jwks");
    assert_eq!(d["require_pushed_authorization_requests"], true);
    assert_eq!(d["subject_types_supported"], json!(["pairwise"]));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        json!(["ES256", "PS256"])
    );
    assert_eq!(
        d["id_token_encryption_alg_values_supported"],
        json!(["ECDH-ES"])
    );
    assert_eq!(d["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        d["acr_values_supported"],
        json!([
            "urn:dongpo:assurance:pa",
            "urn:dongpo:assurance:pa+aa",
            "urn:dongpo:assurance:pa+ca",
            "urn:dongpo:assurance:pa+aa+ca"
        ])
    );
    assert_eq!(
        d["scopes_supported"],
        json!(["openid", "kr_overseas_identity", "kr_rrn"])
    );
    Ok(())
}

#[test]
fn provider_setup_is_validated() -> R {
    let key = p256()?;
    let rp = RelyingParty::new(KB, ISSUER, KB_CB, p256()?)?;
    let reg = ClientRegistration {
        client_id: KB.into(),
        redirect_uris: vec![KB_CB.into()],
        jwks: json!({"keys": [rp.public_jwk()?]}),
        scopes: vec!["openid".into()],
        sector_identifier: None,
    };
    let make = |issuer: &str, clients: Vec<ClientRegistration>| {
        Provider::new(
            ProviderConfig::new(issuer),
            key.clone(),
            clients,
            PairwiseSecret::new([1; 32]),
            Arc::new(MemoryStore::new()),
        )
    };
    assert!(make("http://verifier.example", vec![]).is_err());
    assert!(make("https://verifier.example?x", vec![]).is_err());
    assert!(make("http://127.0.0.1.evil.example", vec![]).is_err());
    assert!(make("https://user@verifier.example", vec![]).is_err());
    assert!(make("http://127.0.0.1:8443/oidc", vec![]).is_ok());
    assert!(make(ISSUER, vec![reg.clone(), reg.clone()]).is_err());
    let provider = make(ISSUER, vec![reg])?;
    assert!(provider.client(KB).is_some());
    // a registration read from JSON refuses unknown fields
    let json = r#"{"client_id":"x","redirect_uris":[],"jwks":{"keys":[]},"scopes":[],"extra":1}"#;
    assert!(serde_json::from_str::<ClientRegistration>(json).is_err());
    Ok(())
}

#[test]
fn provider_and_validator_can_be_shared_across_handler_tasks() {
    fn shared<T: Send + Sync>() {}
    shared::<Provider>();
    shared::<IdTokenValidator>();
    shared::<RelyingParty>();
    shared::<MemoryStore>();
}
