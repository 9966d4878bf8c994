//! Hostile bytes into the key agreement parsers of `dongpo_crypto::agreement`: the input as a
//! DG14 SubjectPublicKeyInfo (`id-ecPublicKey` or `dhpublicnumber`), and, after a domain
//! selector, as a public key the way a chip or terminal sends it, as X9.42 DomainParameters
//! and as a private key. Whatever parses is used: it must agree with a fixed key pair and
//! encode back to itself.
#![no_main]

use std::sync::OnceLock;

use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{
    AgreementPublicKey, DhGroup, Domain, KeyPair, authentication_token_input,
};
use dongpo_crypto::oid::DH_PUBLIC_NUMBER;
use libfuzzer_sys::fuzz_target;

/// Every domain, with a key pair made once per process.
fn domains() -> &'static [(Domain, KeyPair)] {
    static ALL: OnceLock<Vec<(Domain, KeyPair)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut domains: Vec<Domain> = Curve::ALL.into_iter().map(Domain::ec).collect();
        domains.push(Domain::dh(DhGroup::rfc5114_1024_160()));
        domains.push(Domain::dh(DhGroup::rfc5114_2048_224()));
        domains.push(Domain::dh(DhGroup::rfc5114_2048_256()));
        domains
            .into_iter()
            .map(|d| {
                let pair = KeyPair::from_private_bytes(&d, &[0x2a; 20]).expect("fixed key");
                (d, pair)
            })
            .collect()
    })
}

/// Uses a key that parsed: it re-encodes to itself and agrees with the domain's key pair.
fn exercise(key: &AgreementPublicKey, pair: Option<&KeyPair>) {
    let domain = key.domain();
    assert_eq!(key.as_bytes().len(), domain.public_key_len());
    assert_eq!(
        AgreementPublicKey::from_bytes(domain, key.as_bytes()).as_ref(),
        Ok(key)
    );
    let _ = authentication_token_input(&DH_PUBLIC_NUMBER, key);
    let pair = match pair {
        Some(p) => p,
        None => match domains().iter().find(|(d, _)| d == domain) {
            Some((_, p)) => p,
            None => return,
        },
    };
    let secret = pair.agree(key).expect("a valid key agrees");
    assert_eq!(secret.as_bytes().len(), domain.shared_secret_len());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = AgreementPublicKey::from_spki_der(data) {
        exercise(&key, None);
        let reencoded = key.to_spki_der();
        assert_eq!(AgreementPublicKey::from_spki_der(&reencoded).as_ref(), Ok(&key));
    }
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let all = domains();
    let Some((domain, pair)) = all.get(usize::from(selector) % all.len()) else {
        return;
    };
    if let Ok(key) = AgreementPublicKey::from_bytes(domain, rest) {
        exercise(&key, Some(pair));
        if let Ok(mapped) = pair.map_nonce(&key, rest) {
            assert!(mapped.is_mapped());
        }
    }
    if let Ok(group) = DhGroup::from_x942_der(rest) {
        assert_eq!(DhGroup::from_x942_der(&group.to_x942_der()).as_ref(), Ok(&group));
    }
    if let Ok(own) = KeyPair::from_private_bytes(domain, rest) {
        exercise(&own.public_key(), Some(pair));
    }
});
