//! Active Authentication signatures as a chip makes them, for test material: ISO/IEC
//! 9796-2 scheme 1 with partial recovery for RSA keys, plain `r || s` ECDSA for EC keys.
//!
//! Output is deterministic: the chip's nonce M1 is derived from the key and the challenge,
//! and ECDSA uses RFC 6979 nonces. The RSA private operation here is plain variable-time
//! big-integer arithmetic: acceptable for test keys only, never for a real key.

use dongpo_crypto::backend::generic::mgf1;
use dongpo_crypto::{EcdsaEncoding, HashAlgorithm, PublicKey, SignError, SignatureAlgorithm};
use dongpo_crypto::{RsaPublicKey, SigningKey};
use num_bigint::BigUint;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PrivateKeyParts;

use crate::rng::SeededRng;

/// Signs `challenge` with the Active Authentication key `aa_key_pkcs8` (the testkit's
/// `aa_key.p8`) as a chip answering INTERNAL AUTHENTICATE would.
///
/// RSA keys: `F = 0x6A || M1 || H(M1 || challenge) || trailer`, trailer `0xBC` for
/// SHA-1 and `hashId || 0xCC` for the SHA-2 hashes, signature `F^d mod n` (not
/// `min(s, n - s)`). EC keys: ECDSA with `hash`, plain `r || s`.
///
/// # Errors
/// [`SignError::BadKey`] for an unreadable key or an RSA modulus that is not a whole
/// number of bytes or too short for the hash.
pub fn sign(
    aa_key_pkcs8: &[u8],
    challenge: &[u8],
    hash: HashAlgorithm,
) -> Result<Vec<u8>, SignError> {
    let key = SigningKey::from_pkcs8_der(aa_key_pkcs8)?;
    match key.public_key() {
        PublicKey::Ec(_) => {
            let algorithm = SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Plain,
            };
            // The generator is never drawn from: ECDSA nonces follow RFC 6979.
            key.sign_with_rng(&algorithm, challenge, &mut SeededRng::new(0, "aa"))
        }
        PublicKey::Rsa(public) => sign_iso9796_2(aa_key_pkcs8, public, challenge, hash),
    }
}

/// The ISO/IEC 10118-3 hash identifier of a two-byte ISO/IEC 9796-2 trailer.
const fn hash_id(hash: HashAlgorithm) -> u8 {
    match hash {
        HashAlgorithm::Sha1 => 0x33,
        HashAlgorithm::Sha256 => 0x34,
        HashAlgorithm::Sha512 => 0x35,
        HashAlgorithm::Sha384 => 0x36,
        HashAlgorithm::Sha224 => 0x38,
    }
}

fn sign_iso9796_2(
    pkcs8: &[u8],
    public: &RsaPublicKey,
    challenge: &[u8],
    hash: HashAlgorithm,
) -> Result<Vec<u8>, SignError> {
    let bad = |what: String| SignError::BadKey(what);
    if !public.bits().is_multiple_of(8) {
        return Err(bad(format!(
            "RSA-{}: not a whole number of bytes",
            public.bits()
        )));
    }
    let k = public.byte_len();
    let trailer: &[u8] = match hash {
        HashAlgorithm::Sha1 => &[0xbc],
        other => &[hash_id(other), 0xcc],
    };
    let m1_len = k
        .checked_sub(1 + hash.output_len() + trailer.len())
        .filter(|len| *len > 0)
        .ok_or_else(|| bad(format!("RSA-{} too short for {hash}", public.bits())))?;
    let seed =
        HashAlgorithm::Sha256.digest_parts(&[b"dongpo-testkit/aa-m1", &public.modulus, challenge]);
    let m1 = mgf1(HashAlgorithm::Sha256, &seed, m1_len);
    let digest = hash.digest_parts(&[&m1, challenge]);
    let f = [&[0x6a][..], &m1, &digest, trailer].concat();

    let private = rsa::PrivateKey::from_pkcs8_der(pkcs8).map_err(|e| bad(e.to_string()))?;
    let d = BigUint::from_bytes_be(&private.d().to_be_bytes_trimmed_vartime());
    let n = BigUint::from_bytes_be(&public.modulus);
    let s = BigUint::from_bytes_be(&f).modpow(&d, &n).to_bytes_be();
    let mut out = vec![0u8; k.saturating_sub(s.len())];
    out.extend_from_slice(&s);
    Ok(out)
}
