//! A chip session's secrets at rest: the Chip Authentication session keys and the
//! document, encrypted with AES-256-GCM under a key derived from the server's document
//! fingerprint key (HMAC-SHA256 with its own label), which lives in the CA keyring outside
//! the database and which every node sharing a database already holds (the store pins it).
//! A fresh random 96-bit nonce per seal; the session id and the owning API key are the
//! associated data, so a sealed state copied onto another session does not open. The
//! ephemeral private key is never stored at all (`dongpo_chip::RemoteCa` derives the keys
//! when the session opens).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::Mac;
use zeroize::Zeroizing;

/// Nonce octets.
const NONCE: usize = 12;

/// Why a sealed state does not open (or could not be sealed).
#[derive(Debug, thiserror::Error)]
pub enum ChipSealError {
    /// The OS random generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// Altered, cut, or from another session.
    #[error("a chip session's sealed state does not authenticate")]
    Tampered,
}

fn key(fingerprint_key: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut mac = dongpo_ca::keyed_hmac(fingerprint_key);
    mac.update(b"dongpo chip session seal v1\0");
    Zeroizing::new(mac.finalize().into_bytes().into())
}

fn aad(id: &str, owner: &str) -> Vec<u8> {
    let mut aad = b"dongpo chip session v1\0".to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(owner.as_bytes());
    aad
}

/// Encrypts `plain` for session `id` of API key `owner`: nonce then ciphertext and tag.
///
/// # Errors
/// [`ChipSealError::Random`].
pub fn seal(
    fingerprint_key: &[u8; 32],
    id: &str,
    owner: &str,
    plain: &[u8],
) -> Result<Vec<u8>, ChipSealError> {
    let mut nonce = [0u8; NONCE];
    getrandom::fill(&mut nonce).map_err(|_| ChipSealError::Random)?;
    let key = key(fingerprint_key);
    let cipher = Aes256Gcm::new(&(*key).into());
    let aad = aad(id, owner);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .map_err(|_| ChipSealError::Tampered)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`seal`] wrote for the same session and API key.
///
/// # Errors
/// [`ChipSealError::Tampered`].
pub fn open(
    fingerprint_key: &[u8; 32],
    id: &str,
    owner: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ChipSealError> {
    let (nonce, body) = sealed
        .split_first_chunk::<NONCE>()
        .ok_or(ChipSealError::Tampered)?;
    let key = key(fingerprint_key);
    let cipher = Aes256Gcm::new(&(*key).into());
    let aad = aad(id, owner);
    cipher
        .decrypt(
            &Nonce::from(*nonce),
            Payload {
                msg: body,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ChipSealError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_for_its_session_owner_and_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, "cs_1", "k1", b"secret").unwrap_or_default();
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            open(&key, "cs_1", "k1", &sealed).map(|p| p.to_vec()).ok(),
            Some(b"secret".to_vec())
        );
        assert!(open(&key, "cs_2", "k1", &sealed).is_err());
        assert!(open(&key, "cs_1", "k2", &sealed).is_err());
        assert!(open(&[8u8; 32], "cs_1", "k1", &sealed).is_err());
        assert!(open(&key, "cs_1", "k1", &sealed[..NONCE]).is_err());
        assert!(open(&key, "cs_1", "k1", &[]).is_err());
        let mut flipped = sealed;
        if let Some(b) = flipped.last_mut() {
            *b ^= 1;
        }
        assert!(open(&key, "cs_1", "k1", &flipped).is_err());
    }
}
