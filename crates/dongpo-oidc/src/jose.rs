//! JOSE in one place, on `josekit`: JWS signing through [`dongpo_crypto::Signer`] (so the
//! verifier's keys can live in PKCS#11), public JWKs with RFC 7638 thumbprints as `kid`,
//! JWS verification against a key set with an algorithm allow-list, and JWE (ECDH-ES,
//! A256GCM) around a signed JWT.
//!
//! Only `ES256` (P-256) and `PS256` (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32) are ever
//! produced or accepted; `none` and the HMAC algorithms are refused before any key is used.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use dongpo_crypto::{
    Curve, EcdsaEncoding, EcdsaSignature, HashAlgorithm, KeySpec, PssParams, PublicKey,
    SignatureAlgorithm, Signer, SigningKey,
};
use josekit::jwe::alg::ecdh_es::EcdhEsJweDecrypter;
use josekit::jwe::{ECDH_ES, JweHeader};
use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsAlgorithm, PS256};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The JWS algorithms dongpo signs and accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwsAlg {
    /// ECDSA P-256 with SHA-256, signature `r || s`.
    Es256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    Ps256,
}

impl JwsAlg {
    /// Every accepted algorithm.
    pub const ALL: [JwsAlg; 2] = [JwsAlg::Es256, JwsAlg::Ps256];

    /// `ES256` or `PS256`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            JwsAlg::Es256 => "ES256",
            JwsAlg::Ps256 => "PS256",
        }
    }

    /// The algorithm of an `alg` value, `None` for anything else (exact match).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The algorithm a key signs with: ES256 for P-256, PS256 for RSA of 2048 bits or more.
    #[must_use]
    pub fn for_key(key: &PublicKey) -> Option<Self> {
        match key {
            PublicKey::Ec(ec) if ec.curve == Curve::P256 => Some(JwsAlg::Es256),
            PublicKey::Rsa(rsa) if rsa.bits() >= 2048 && rsa.pss_restriction.is_none() => {
                Some(JwsAlg::Ps256)
            }
            _ => None,
        }
    }

    fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            // DER is what every `Signer` produces (X.509 needs it); `jws_signature`
            // converts it to the JWS form in one place.
            JwsAlg::Es256 => SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha256,
                encoding: EcdsaEncoding::Der,
            },
            JwsAlg::Ps256 => {
                SignatureAlgorithm::RsaPss(PssParams::with_hash(HashAlgorithm::Sha256))
            }
        }
    }

    fn josekit(self) -> &'static dyn JwsAlgorithm {
        match self {
            JwsAlg::Es256 => &ES256,
            JwsAlg::Ps256 => &PS256,
        }
    }
}

/// What went wrong with a JOSE object or key.
#[derive(Debug, thiserror::Error)]
pub enum JoseError {
    /// Not a well-formed compact JWS/JWE, or its header or payload is not JSON.
    #[error("malformed JOSE object: {0}")]
    Malformed(String),
    /// The header says `alg: none`: an unsigned token is never accepted.
    #[error("`alg: none` is never accepted")]
    AlgNone,
    /// An algorithm outside the allow-list (HMAC, RS256, ...).
    #[error("algorithm {0:?} is not allowed")]
    AlgNotAllowed(String),
    /// The header names no `kid`.
    #[error("the header names no kid")]
    MissingKid,
    /// No key in the set has this `kid`.
    #[error("no key with kid {0:?}")]
    UnknownKid(String),
    /// The key named by `kid` cannot verify this algorithm or is not a signing key.
    #[error("key {kid:?} cannot be used here: {reason}")]
    UnusableKey {
        /// The key id.
        kid: String,
        /// Why.
        reason: String,
    },
    /// The signature does not verify with the named key.
    #[error("the signature does not verify")]
    BadSignature(#[source] josekit::JoseError),
    /// A key dongpo cannot express or use (curve, size, missing member).
    #[error("unsupported key: {0}")]
    UnsupportedKey(String),
    /// A JWK set that is not one (not JSON, no `keys`, a key without `kid`, duplicate kids).
    #[error("bad JWK set: {0}")]
    BadKeySet(String),
    /// The signer failed.
    #[error("signing failed")]
    Sign(#[source] josekit::JoseError),
    /// Encryption failed.
    #[error("encryption failed")]
    Encrypt(#[source] josekit::JoseError),
    /// The JWE does not decrypt with this key (wrong key, tampered, wrong algorithms).
    #[error("the JWE does not decrypt with this key")]
    Decrypt(#[source] josekit::JoseError),
    /// The key generation or import of an encryption key failed.
    #[error("encryption key: {0}")]
    EncryptionKey(String),
}

/// Base64url without padding (RFC 7515 §2).
pub(crate) fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// The public JWK of `key` (`kty`, `crv`/`x`/`y` or `n`/`e`) with `kid` set to its
/// RFC 7638 thumbprint.
///
/// # Errors
/// [`JoseError::UnsupportedKey`] for EC curves other than P-256, P-384, P-521.
pub fn public_jwk(key: &PublicKey) -> Result<Map<String, Value>, JoseError> {
    let mut jwk = Map::new();
    match key {
        PublicKey::Ec(ec) => {
            let crv = match ec.curve {
                Curve::P256 => "P-256",
                Curve::P384 => "P-384",
                Curve::P521 => "P-521",
                other => {
                    return Err(JoseError::UnsupportedKey(format!(
                        "curve {} has no JWK name",
                        other.name()
                    )));
                }
            };
            let len = ec.curve.field_bytes();
            let (x, y) = match ec.point.split_first() {
                Some((0x04, xy)) if xy.len() == 2 * len => xy.split_at(len),
                _ => {
                    return Err(JoseError::UnsupportedKey(
                        "EC point not uncompressed".into(),
                    ));
                }
            };
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("crv".into(), crv.into());
            jwk.insert("x".into(), b64(x).into());
            jwk.insert("y".into(), b64(y).into());
        }
        PublicKey::Rsa(rsa) => {
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64(&rsa.modulus).into());
            jwk.insert("e".into(), b64(&rsa.exponent).into());
        }
    }
    let kid = thumbprint(&jwk)?;
    jwk.insert("kid".into(), kid.into());
    Ok(jwk)
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK (base64url): the required members in
/// lexicographic order, no whitespace.
///
/// # Errors
/// [`JoseError::UnsupportedKey`] for a `kty` other than `EC` and `RSA`, or a missing member.
pub fn thumbprint(jwk: &Map<String, Value>) -> Result<String, JoseError> {
    let members: &[&str] = match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => &["crv", "kty", "x", "y"],
        Some("RSA") => &["e", "kty", "n"],
        other => return Err(JoseError::UnsupportedKey(format!("kty {other:?}"))),
    };
    let mut canonical = BTreeMap::new();
    for name in members {
        let value = jwk
            .get(*name)
            .and_then(Value::as_str)
            .ok_or_else(|| JoseError::UnsupportedKey(format!("JWK member {name} missing")))?;
        canonical.insert(*name, value);
    }
    let json = serde_json::to_vec(&canonical).map_err(|e| JoseError::Malformed(e.to_string()))?;
    Ok(b64(&Sha256::digest(&json)))
}

/// A [`Signer`] as a JWS signer: `alg` from the key, `kid` its thumbprint.
#[derive(Clone)]
pub struct JwsKey {
    signer: Arc<dyn Signer>,
    alg: JwsAlg,
    kid: String,
    signature_len: usize,
}

impl std::fmt::Debug for JwsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwsKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("signer", &self.signer.describe())
            .finish()
    }
}

impl JwsKey {
    /// Binds `signer` to the JWS algorithm of its key (ES256 for P-256, PS256 for RSA).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dongpo_crypto::{Curve, KeySpec, SigningKey};
    /// use dongpo_oidc::jose::{JwsAlg, JwsKey};
    ///
    /// let key = JwsKey::new(Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?))?;
    /// assert_eq!(key.alg(), JwsAlg::Es256);
    /// assert_eq!(key.kid().len(), 43); // base64url SHA-256 thumbprint
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`JoseError::UnsupportedKey`] for keys that are neither P-256 nor RSA of 2048 bits
    /// or more.
    pub fn new(signer: Arc<dyn Signer>) -> Result<Self, JoseError> {
        let public = signer.public_key();
        let alg = JwsAlg::for_key(public).ok_or_else(|| {
            JoseError::UnsupportedKey(format!(
                "{} signs neither ES256 nor PS256",
                public.description()
            ))
        })?;
        let signature_len = match public {
            PublicKey::Rsa(rsa) => rsa.byte_len(),
            PublicKey::Ec(_) => 64,
        };
        let kid = thumbprint(&public_jwk(public)?)?;
        Ok(JwsKey {
            signer,
            alg,
            kid,
            signature_len,
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn alg(&self) -> JwsAlg {
        self.alg
    }

    /// The key id (RFC 7638 thumbprint).
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK with `kid`, `use: sig` and `alg`.
    ///
    /// # Errors
    /// As [`public_jwk`].
    pub fn public_jwk(&self) -> Result<Map<String, Value>, JoseError> {
        let mut jwk = public_jwk(self.signer.public_key())?;
        jwk.insert("use".into(), "sig".into());
        jwk.insert("alg".into(), self.alg.name().into());
        Ok(jwk)
    }

    /// Signs `claims` as a compact JWS with header `{alg, kid, typ}`.
    ///
    /// # Errors
    /// [`JoseError::Sign`] when the signer fails.
    pub fn sign_json(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, JoseError> {
        let payload =
            serde_json::to_vec(claims).map_err(|e| JoseError::Malformed(e.to_string()))?;
        let mut header = josekit::jws::JwsHeader::new();
        header.set_token_type(typ);
        josekit::jws::serialize_compact(&payload, &header, self).map_err(JoseError::Sign)
    }
}

/// Converts what [`Signer::sign`] returned for `alg` into the JWS signature form (the one
/// place that knows ECDSA's DER `ECDSA-Sig-Value` must become fixed-width `r || s`).
fn jws_signature(alg: JwsAlg, signature: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    match alg {
        JwsAlg::Ps256 => Ok(signature),
        JwsAlg::Es256 => EcdsaSignature::from_der(&signature)?
            .to_fixed(32)
            .ok_or_else(|| anyhow::anyhow!("ECDSA signature scalar longer than 32 bytes")),
    }
}

impl josekit::jws::JwsSigner for JwsKey {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        self.alg.josekit()
    }

    fn key_id(&self) -> Option<&str> {
        Some(&self.kid)
    }

    fn signature_len(&self) -> usize {
        self.signature_len
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, josekit::JoseError> {
        let signature = self
            .signer
            .sign(&self.alg.signature_algorithm(), message)
            .map_err(|e| josekit::JoseError::InvalidSignature(anyhow::Error::new(e)))?;
        jws_signature(self.alg, signature).map_err(josekit::JoseError::InvalidSignature)
    }

    fn box_clone(&self) -> Box<dyn josekit::jws::JwsSigner> {
        Box::new(self.clone())
    }
}

/// A parsed JWK set whose keys all carry a unique `kid`.
#[derive(Clone, Debug)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Parses `{"keys": [...]}`.
    ///
    /// # Errors
    /// [`JoseError::BadKeySet`] when it is not a JWK set, a key has no `kid` or two
    /// keys share one.
    pub fn from_value(value: &Value) -> Result<Self, JoseError> {
        let bad = |m: String| JoseError::BadKeySet(m);
        let list = value
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no \"keys\" array".into()))?;
        let mut keys: Vec<Jwk> = Vec::with_capacity(list.len());
        for (i, key) in list.iter().enumerate() {
            let map = key
                .as_object()
                .ok_or_else(|| bad(format!("key {i} is not an object")))?;
            if map.contains_key("d") || map.contains_key("p") || map.contains_key("k") {
                return Err(bad(format!(
                    "key {i} holds private or symmetric key material"
                )));
            }
            let jwk = Jwk::from_map(map.clone()).map_err(|e| bad(format!("key {i}: {e}")))?;
            let kid = jwk
                .key_id()
                .ok_or_else(|| bad(format!("key {i} has no kid")))?;
            if keys.iter().any(|k| k.key_id() == Some(kid)) {
                return Err(bad(format!("two keys with kid {kid:?}")));
            }
            keys.push(jwk);
        }
        Ok(KeySet { keys })
    }

    /// Parses a JWK set from JSON text.
    ///
    /// # Errors
    /// As [`KeySet::from_value`].
    pub fn from_json(json: &str) -> Result<Self, JoseError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| JoseError::BadKeySet(e.to_string()))?;
        Self::from_value(&value)
    }

    /// The key with this `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.key_id() == Some(kid))
    }

    /// Whether some key can verify `alg` signatures (`use` absent or `sig`).
    #[must_use]
    pub fn has_signing_key(&self) -> bool {
        self.keys.iter().any(|k| {
            JwsAlg::ALL
                .into_iter()
                .any(|alg| usable_for(k, alg).is_ok())
        })
    }

    /// The EC P-256 key marked `use: enc` (the one ID tokens are encrypted to).
    #[must_use]
    pub fn encryption_key(&self) -> Option<&Jwk> {
        self.keys.iter().find(|k| {
            k.key_use() == Some("enc")
                && k.key_type() == "EC"
                && k.curve() == Some("P-256")
                && k.algorithm().is_none_or(|a| a == "ECDH-ES")
        })
    }
}

/// Whether `jwk` can verify `alg`: type and curve fit, `use` absent or `sig`, `alg` absent
/// or equal.
fn usable_for(jwk: &Jwk, alg: JwsAlg) -> Result<(), String> {
    if jwk.key_use().is_some_and(|u| u != "sig") {
        return Err("not a signing key (use is not sig)".into());
    }
    if let Some(key_alg) = jwk.algorithm()
        && key_alg != alg.name()
    {
        return Err(format!("the key is for {key_alg}"));
    }
    let fits = match alg {
        JwsAlg::Es256 => jwk.key_type() == "EC" && jwk.curve() == Some("P-256"),
        JwsAlg::Ps256 => jwk.key_type() == "RSA",
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "a {} key cannot verify {}",
            jwk.key_type(),
            alg.name()
        ))
    }
}

/// Splits a compact serialisation into `parts` pieces and decodes the protected header.
fn compact_header(token: &str, parts: usize) -> Result<Map<String, Value>, JoseError> {
    let pieces: Vec<&str> = token.split('.').collect();
    if pieces.len() != parts {
        return Err(JoseError::Malformed(format!(
            "{} parts, expected {parts}",
            pieces.len()
        )));
    }
    let header = pieces.first().copied().unwrap_or_default();
    let bytes = Base64UrlUnpadded::decode_vec(header)
        .map_err(|e| JoseError::Malformed(format!("header: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| JoseError::Malformed(format!("header: {e}")))
}

/// The payload of a compact JWS as JSON, without verifying anything: only to find out
/// whose keys to verify it with (a client assertion names its client in `iss`).
///
/// # Errors
/// [`JoseError::Malformed`].
pub fn peek_payload(token: &str) -> Result<Map<String, Value>, JoseError> {
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| JoseError::Malformed("no payload".into()))?;
    let bytes = Base64UrlUnpadded::decode_vec(payload)
        .map_err(|e| JoseError::Malformed(format!("payload: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| JoseError::Malformed(format!("payload: {e}")))
}

/// A verified JWS.
#[derive(Debug)]
pub struct VerifiedJws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The algorithm it was signed with.
    pub alg: JwsAlg,
    /// The key that verified it.
    pub kid: String,
}

/// Verifies a compact JWS against `keys`: `alg` must be in `allowed` (never `none`,
/// never HMAC), `kid` must name a key of the set fit for that algorithm.
///
/// ```
/// use std::sync::Arc;
/// use dongpo_crypto::{Curve, KeySpec, SigningKey};
/// use dongpo_oidc::jose::{JoseError, JwsAlg, JwsKey, KeySet, verify_jws};
///
/// let key = JwsKey::new(Arc::new(SigningKey::generate(KeySpec::Ec(Curve::P256))?))?;
/// let keys = KeySet::from_value(&serde_json::json!({"keys": [key.public_jwk()?]}))?;
/// let token = key.sign_json("JWT", &serde_json::Map::new())?;
/// assert_eq!(verify_jws(&token, &keys, &JwsAlg::ALL)?.kid, key.kid());
/// // an unsigned token is refused before any key is looked at
/// let none = "eyJhbGciOiJub25lIn0.e30.";
/// assert!(matches!(verify_jws(none, &keys, &JwsAlg::ALL), Err(JoseError::AlgNone)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`JoseError::AlgNone`], [`JoseError::AlgNotAllowed`], [`JoseError::MissingKid`],
/// [`JoseError::UnknownKid`], [`JoseError::UnusableKey`], [`JoseError::BadSignature`] or
/// [`JoseError::Malformed`].
pub fn verify_jws(
    token: &str,
    keys: &KeySet,
    allowed: &[JwsAlg],
) -> Result<VerifiedJws, JoseError> {
    let header = compact_header(token, 3)?;
    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| JoseError::Malformed("no alg".into()))?;
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(JoseError::AlgNone);
    }
    let alg = JwsAlg::from_name(alg_name)
        .filter(|a| allowed.contains(a))
        .ok_or_else(|| JoseError::AlgNotAllowed(alg_name.to_owned()))?;
    if header.contains_key("crit") {
        return Err(JoseError::Malformed(
            "critical header parameters are not supported".into(),
        ));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(JoseError::MissingKid)?;
    let jwk = keys
        .get(kid)
        .ok_or_else(|| JoseError::UnknownKid(kid.to_owned()))?;
    let unusable = |reason: String| JoseError::UnusableKey {
        kid: kid.to_owned(),
        reason,
    };
    usable_for(jwk, alg).map_err(unusable)?;
    let (payload, _) = match alg {
        JwsAlg::Es256 => {
            let verifier = ES256
                .verifier_from_jwk(jwk)
                .map_err(|e| unusable(e.to_string()))?;
            josekit::jws::deserialize_compact(token, &verifier)
        }
        JwsAlg::Ps256 => {
            let verifier = PS256
                .verifier_from_jwk(jwk)
                .map_err(|e| unusable(e.to_string()))?;
            josekit::jws::deserialize_compact(token, &verifier)
        }
    }
    .map_err(JoseError::BadSignature)?;
    Ok(VerifiedJws {
        kid: kid.to_owned(),
        header,
        payload,
        alg,
    })
}

/// Whether a compact token is a JWE (five parts) rather than a JWS (three).
#[must_use]
pub fn is_jwe(token: &str) -> bool {
    token.split('.').count() == 5
}

/// Encrypts a signed JWT (nested, `cty: JWT`) to `recipient`, an EC P-256 `use: enc` key:
/// `alg: ECDH-ES`, `enc: A256GCM`.
///
/// # Errors
/// [`JoseError::UnusableKey`] when the key is not such a key, [`JoseError::Encrypt`].
pub fn encrypt_jwt(nested_jws: &str, recipient: &Jwk) -> Result<String, JoseError> {
    let kid = recipient.key_id().unwrap_or_default().to_owned();
    if recipient.key_use() != Some("enc") || recipient.curve() != Some("P-256") {
        return Err(JoseError::UnusableKey {
            kid,
            reason: "not an EC P-256 key with use enc".into(),
        });
    }
    let encrypter = ECDH_ES
        .encrypter_from_jwk(recipient)
        .map_err(|e| JoseError::UnusableKey {
            kid,
            reason: e.to_string(),
        })?;
    let mut header = JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_content_type("JWT");
    josekit::jwe::serialize_compact(nested_jws.as_bytes(), &header, &encrypter)
        .map_err(JoseError::Encrypt)
}

/// A client's private ECDH key (P-256) for ID tokens encrypted to it.
pub struct DecryptionKey {
    decrypter: EcdhEsJweDecrypter,
    public: Map<String, Value>,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("kid", &self.public.get("kid"))
            .finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// A new P-256 key from the OS CSPRNG.
    ///
    /// # Errors
    /// [`JoseError::EncryptionKey`] when generation fails.
    pub fn generate() -> Result<Self, JoseError> {
        let key = SigningKey::generate(KeySpec::Ec(Curve::P256))
            .map_err(|e| JoseError::EncryptionKey(e.to_string()))?;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| JoseError::EncryptionKey(e.to_string()))?;
        Self::from_pkcs8_der(&der)
    }

    /// Reads an unencrypted PKCS#8 P-256 private key.
    ///
    /// # Errors
    /// [`JoseError::EncryptionKey`] when it is not one.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, JoseError> {
        let key =
            SigningKey::from_pkcs8_der(der).map_err(|e| JoseError::EncryptionKey(e.to_string()))?;
        if !matches!(key.public_key(), PublicKey::Ec(ec) if ec.curve == Curve::P256) {
            return Err(JoseError::EncryptionKey("not a P-256 key".into()));
        }
        let decrypter = ECDH_ES
            .decrypter_from_der(der)
            .map_err(|e| JoseError::EncryptionKey(e.to_string()))?;
        let mut public = public_jwk(key.public_key())?;
        public.insert("use".into(), "enc".into());
        public.insert("alg".into(), "ECDH-ES".into());
        Ok(DecryptionKey { decrypter, public })
    }

    /// The public JWK to register (`use: enc`, `alg: ECDH-ES`, `kid`).
    #[must_use]
    pub fn public_jwk(&self) -> &Map<String, Value> {
        &self.public
    }

    /// Decrypts a compact JWE made by [`encrypt_jwt`] and returns the nested JWS.
    ///
    /// # Errors
    /// [`JoseError::Malformed`] for other algorithms or content types,
    /// [`JoseError::Decrypt`] when this key does not open it.
    pub fn decrypt(&self, token: &str) -> Result<String, JoseError> {
        let header = compact_header(token, 5)?;
        let field = |name: &str| header.get(name).and_then(Value::as_str);
        if field("alg") != Some("ECDH-ES") || field("enc") != Some("A256GCM") {
            return Err(JoseError::Malformed(
                "a JWE must be alg ECDH-ES, enc A256GCM".into(),
            ));
        }
        if !field("cty").is_some_and(|c| c.eq_ignore_ascii_case("JWT")) {
            return Err(JoseError::Malformed(
                "a JWE must carry a nested JWT (cty JWT)".into(),
            ));
        }
        if header.contains_key("zip") || header.contains_key("crit") {
            return Err(JoseError::Malformed(
                "zip and crit are not supported".into(),
            ));
        }
        let (payload, _) = josekit::jwe::deserialize_compact(token, &self.decrypter)
            .map_err(JoseError::Decrypt)?;
        String::from_utf8(payload).map_err(|e| JoseError::Malformed(format!("nested JWT: {e}")))
    }
}

#[cfg(test)]
mod tests;
