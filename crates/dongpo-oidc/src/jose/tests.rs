use super::*;
use serde_json::json;

type R = Result<(), Box<dyn std::error::Error>>;

fn p256() -> Result<JwsKey, Box<dyn std::error::Error>> {
    Ok(JwsKey::new(Arc::new(SigningKey::generate(KeySpec::Ec(
        Curve::P256,
    ))?))?)
}

fn set_of(keys: &[&JwsKey]) -> Result<KeySet, Box<dyn std::error::Error>> {
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| k.public_jwk().map(Value::Object))
        .collect::<Result<_, _>>()?;
    Ok(KeySet::from_value(&json!({ "keys": keys }))?)
}

fn claims() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("iss".into(), "https://verifier.example".into());
    m.insert("n".into(), 7.into());
    m
}

#[test]
fn rfc7638_thumbprint_example() -> R {
    // RFC 7638 §3.1
    let jwk = json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    });
    let map = jwk.as_object().cloned().unwrap_or_default();
    assert_eq!(
        thumbprint(&map)?,
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    Ok(())
}

#[test]
fn es256_through_signer_verifies_with_openssl_and_kid_is_the_thumbprint() -> R {
    let key = p256()?;
    let jwk = key.public_jwk()?;
    assert_eq!(jwk["kid"], key.kid());
    assert_eq!(thumbprint(&jwk)?, key.kid());
    let token = key.sign_json("JWT", &claims())?;
    let verified = verify_jws(&token, &set_of(&[&key])?, &JwsAlg::ALL)?;
    assert_eq!(verified.alg, JwsAlg::Es256);
    assert_eq!(verified.kid, key.kid());
    assert_eq!(verified.header["typ"], "JWT");
    let payload: Map<String, Value> = serde_json::from_slice(&verified.payload)?;
    assert_eq!(payload, claims());
    // the signature is fixed-width r || s, 64 bytes
    let sig = token.rsplit('.').next().unwrap_or_default();
    assert_eq!(Base64UrlUnpadded::decode_vec(sig)?.len(), 64);
    Ok(())
}

#[test]
fn ps256_through_signer_verifies_and_the_allow_list_applies() -> R {
    let key = JwsKey::new(Arc::new(SigningKey::generate(KeySpec::Rsa(2048))?))?;
    assert_eq!(key.alg(), JwsAlg::Ps256);
    let token = key.sign_json("JWT", &claims())?;
    let set = set_of(&[&key])?;
    assert_eq!(verify_jws(&token, &set, &JwsAlg::ALL)?.alg, JwsAlg::Ps256);
    assert!(matches!(
        verify_jws(&token, &set, &[JwsAlg::Es256]),
        Err(JoseError::AlgNotAllowed(a)) if a == "PS256"
    ));
    Ok(())
}

fn forge(header: &Value, payload: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes()),
        b64(signature)
    )
}

#[test]
fn none_hmac_unknown_kid_and_tampering_are_refused() -> R {
    let key = p256()?;
    let set = set_of(&[&key])?;
    let payload = Value::Object(claims());
    let none = forge(&json!({"alg": "none", "kid": key.kid()}), &payload, b"");
    assert!(matches!(
        verify_jws(&none, &set, &JwsAlg::ALL),
        Err(JoseError::AlgNone)
    ));
    let none_upper = forge(&json!({"alg": "NONE"}), &payload, b"");
    assert!(matches!(
        verify_jws(&none_upper, &set, &JwsAlg::ALL),
        Err(JoseError::AlgNone)
    ));
    let hs = forge(
        &json!({"alg": "HS256", "kid": key.kid()}),
        &payload,
        &[0; 32],
    );
    assert!(matches!(
        verify_jws(&hs, &set, &JwsAlg::ALL),
        Err(JoseError::AlgNotAllowed(a)) if a == "HS256"
    ));
    let no_kid = forge(&json!({"alg": "ES256"}), &payload, &[0; 64]);
    assert!(matches!(
        verify_jws(&no_kid, &set, &JwsAlg::ALL),
        Err(JoseError::MissingKid)
    ));

    let other = p256()?;
    let token = other.sign_json("JWT", &claims())?;
    assert!(matches!(
        verify_jws(&token, &set, &JwsAlg::ALL),
        Err(JoseError::UnknownKid(k)) if k == other.kid()
    ));

    // a signature by another key under this key's kid
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[0] = b64(json!({"alg": "ES256", "kid": key.kid()})
        .to_string()
        .as_bytes());
    let good = key.sign_json("JWT", &claims())?;
    let swapped = format!(
        "{}.{}",
        good.rsplit_once('.').map(|(m, _)| m).unwrap_or_default(),
        parts[2]
    );
    assert!(matches!(
        verify_jws(&swapped, &set, &JwsAlg::ALL),
        Err(JoseError::BadSignature(_))
    ));

    // payload changed after signing
    let mut pieces: Vec<&str> = good.split('.').collect();
    let changed = b64(br#"{"iss":"https://evil.example"}"#);
    pieces[1] = &changed;
    assert!(matches!(
        verify_jws(&pieces.join("."), &set, &JwsAlg::ALL),
        Err(JoseError::BadSignature(_))
    ));
    assert!(matches!(
        verify_jws("a.b", &set, &JwsAlg::ALL),
        Err(JoseError::Malformed(_))
    ));
    Ok(())
}

#[test]
fn an_encryption_key_does_not_verify_signatures() -> R {
    let key = p256()?;
    let mut jwk = key.public_jwk()?;
    jwk.insert("use".into(), "enc".into());
    jwk.remove("alg");
    let set = KeySet::from_value(&json!({ "keys": [jwk] }))?;
    let token = key.sign_json("JWT", &claims())?;
    assert!(matches!(
        verify_jws(&token, &set, &JwsAlg::ALL),
        Err(JoseError::UnusableKey { .. })
    ));
    Ok(())
}

#[test]
fn key_sets_need_unique_kids_and_no_private_parts() {
    assert!(KeySet::from_json("{}").is_err());
    assert!(KeySet::from_json("not json").is_err());
    let k = json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "a"});
    assert!(KeySet::from_value(&json!({"keys": [k.clone(), k.clone()]})).is_err());
    let mut no_kid = k.clone();
    no_kid.as_object_mut().map(|m| m.remove("kid"));
    assert!(KeySet::from_value(&json!({"keys": [no_kid]})).is_err());
    let mut private = k;
    private["d"] = json!("AA");
    assert!(KeySet::from_value(&json!({"keys": [private]})).is_err());
}

#[test]
fn jwe_decrypts_only_with_the_recipients_key() -> R {
    let signer = p256()?;
    let nested = signer.sign_json("JWT", &claims())?;
    let recipient = DecryptionKey::generate()?;
    let jwk = Jwk::from_map(recipient.public_jwk().clone())?;
    let jwe = encrypt_jwt(&nested, &jwk)?;
    assert!(is_jwe(&jwe));
    assert!(!jwe.contains(&nested));
    let header = compact_header(&jwe, 5)?;
    assert_eq!(header["alg"], "ECDH-ES");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["cty"], "JWT");
    assert_eq!(recipient.decrypt(&jwe)?, nested);

    let stranger = DecryptionKey::generate()?;
    assert!(matches!(stranger.decrypt(&jwe), Err(JoseError::Decrypt(_))));

    // a signing key is not an encryption key
    let sig_jwk = Jwk::from_map(signer.public_jwk()?)?;
    assert!(matches!(
        encrypt_jwt(&nested, &sig_jwk),
        Err(JoseError::UnusableKey { .. })
    ));
    Ok(())
}

#[test]
fn decryption_keys_round_trip_through_pkcs8() -> R {
    let key = SigningKey::generate(KeySpec::Ec(Curve::P256))?;
    let der = key.to_pkcs8_der()?;
    let a = DecryptionKey::from_pkcs8_der(&der)?;
    let b = DecryptionKey::from_pkcs8_der(&der)?;
    assert_eq!(a.public_jwk(), b.public_jwk());
    assert_eq!(a.public_jwk()["use"], "enc");
    let jwe = encrypt_jwt("a.b.c", &Jwk::from_map(a.public_jwk().clone())?)?;
    assert_eq!(b.decrypt(&jwe)?, "a.b.c");
    let rsa = SigningKey::generate(KeySpec::Rsa(2048))?;
    assert!(DecryptionKey::from_pkcs8_der(&rsa.to_pkcs8_der()?).is_err());
    assert!(!format!("{a:?}").contains("\"d\""));
    Ok(())
}
