//! The key derivation function of ICAO 9303-11 §9.7.1: `K = H(shared secret || counter)`,
//! cut to the key length, with the counter `00000001` for the encryption key, `00000002`
//! for the MAC key and `00000003` for the PACE password key.
//!
//! | cipher | hash | key |
//! |---|---|---|
//! | 3DES (two-key) | SHA-1 | first 16 bytes, DES parity adjusted |
//! | AES-128 | SHA-1 | first 16 bytes |
//! | AES-192 | SHA-256 | first 24 bytes |
//! | AES-256 | SHA-256 | all 32 bytes |
//!
//! Keys ([`SecretKey`]) are wiped when dropped and never printed.

use std::fmt;

use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroize;

/// The block cipher of a secure-messaging channel (and the size of its keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// Two-key triple DES (`TdesEde2`): CBC with a zero IV, ISO/IEC 9797-1 MAC algorithm 3.
    Tdes,
    /// AES-128: CBC with IV `E(KSenc, SSC)`, CMAC.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
}

impl Cipher {
    /// Key length in bytes.
    #[must_use]
    pub fn key_len(self) -> usize {
        match self {
            Self::Tdes | Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Block length in bytes (also the send sequence counter's length).
    #[must_use]
    pub fn block_len(self) -> usize {
        match self {
            Self::Tdes => 8,
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
        }
    }
}

/// The KDF counter: which key is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfCounter {
    /// `00000001`: the encryption key.
    Enc = 1,
    /// `00000002`: the MAC key.
    Mac = 2,
    /// `00000003`: the PACE password key `K_π`.
    Pace = 3,
}

/// Largest key (AES-256).
const MAX_KEY: usize = 32;

/// A symmetric key for one [`Cipher`]. Wiped on drop; `Debug` shows the cipher only.
#[derive(Clone)]
pub struct SecretKey {
    cipher: Cipher,
    bytes: [u8; MAX_KEY],
}

impl SecretKey {
    /// A key from its bytes, which must be `cipher.key_len()` long (a 3DES key is taken
    /// as given: its parity bits are ignored by DES).
    ///
    /// # Errors
    /// [`KeyLengthError`] for any other length.
    pub fn from_bytes(cipher: Cipher, bytes: &[u8]) -> Result<Self, KeyLengthError> {
        let mut key = Self {
            cipher,
            bytes: [0; MAX_KEY],
        };
        match key.bytes.get_mut(..cipher.key_len()) {
            Some(slot) if bytes.len() == cipher.key_len() => {
                slot.copy_from_slice(bytes);
                Ok(key)
            }
            _ => Err(KeyLengthError {
                cipher,
                len: bytes.len(),
            }),
        }
    }

    /// The cipher the key is for.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// The key bytes. Named so that every use of the secret is visible in review.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.get(..self.cipher.key_len()).unwrap_or_default()
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({:?}, redacted)", self.cipher)
    }
}

/// Key bytes of the wrong length for the cipher.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {cipher:?} key is {} bytes, not {len}", cipher.key_len())]
pub struct KeyLengthError {
    /// The cipher.
    pub cipher: Cipher,
    /// Bytes given.
    pub len: usize,
}

/// `KDF(K, c)` of 9303-11 §9.7.1 for `cipher`.
#[must_use]
pub fn derive_key(shared_secret: &[u8], cipher: Cipher, counter: KdfCounter) -> SecretKey {
    let c = (counter as u32).to_be_bytes();
    let mut key = SecretKey {
        cipher,
        bytes: [0; MAX_KEY],
    };
    match cipher {
        Cipher::Tdes | Cipher::Aes128 => {
            let mut digest = Sha1::new()
                .chain_update(shared_secret)
                .chain_update(c)
                .finalize();
            for (slot, byte) in key.bytes.iter_mut().zip(digest.iter()).take(16) {
                *slot = *byte;
            }
            digest.as_mut_slice().zeroize();
            if cipher == Cipher::Tdes {
                for byte in key.bytes.iter_mut().take(16) {
                    *byte = with_des_parity(*byte);
                }
            }
        }
        Cipher::Aes192 | Cipher::Aes256 => {
            let mut digest = Sha256::new()
                .chain_update(shared_secret)
                .chain_update(c)
                .finalize();
            for (slot, byte) in key
                .bytes
                .iter_mut()
                .zip(digest.iter())
                .take(cipher.key_len())
            {
                *slot = *byte;
            }
            digest.as_mut_slice().zeroize();
        }
    }
    key
}

/// `byte` with its low bit set so that the byte has odd parity (the DES key convention).
#[must_use]
pub fn with_des_parity(byte: u8) -> u8 {
    let high = byte & 0xFE;
    if high.count_ones().is_multiple_of(2) {
        high | 1
    } else {
        high
    }
}

/// The encryption and MAC keys of a secure-messaging channel.
#[derive(Clone, Debug)]
pub struct SessionKeys {
    /// `KSenc`.
    pub enc: SecretKey,
    /// `KSmac`.
    pub mac: SecretKey,
}

impl SessionKeys {
    /// `KSenc = KDF(K, 1)` and `KSmac = KDF(K, 2)` from the shared secret `K` (BAC's key
    /// seed, or the ECDH/DH secret of PACE and Chip Authentication).
    #[must_use]
    pub fn derive(shared_secret: &[u8], cipher: Cipher) -> Self {
        Self {
            enc: derive_key(shared_secret, cipher, KdfCounter::Enc),
            mac: derive_key(shared_secret, cipher, KdfCounter::Mac),
        }
    }

    /// Keys given directly (both for `cipher`).
    ///
    /// # Errors
    /// [`KeyLengthError`] when a key is not `cipher.key_len()` bytes.
    pub fn from_bytes(cipher: Cipher, enc: &[u8], mac: &[u8]) -> Result<Self, KeyLengthError> {
        Ok(Self {
            enc: SecretKey::from_bytes(cipher, enc)?,
            mac: SecretKey::from_bytes(cipher, mac)?,
        })
    }

    /// The cipher of both keys.
    #[must_use]
    pub fn cipher(&self) -> Cipher {
        self.enc.cipher
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn parity_adjustment_gives_odd_parity_and_keeps_high_bits() {
        for b in 0..=255u8 {
            let p = with_des_parity(b);
            assert_eq!(p.count_ones() % 2, 1, "{b:02X}");
            assert_eq!(p & 0xFE, b & 0xFE);
        }
        // 9303-11 Appendix D.1: Ka AB94FCEDF2664EDF becomes AB94FDECF2674FDF.
        let adjusted: Vec<u8> = h("AB94FCEDF2664EDF")
            .into_iter()
            .map(with_des_parity)
            .collect();
        assert_eq!(adjusted, h("AB94FDECF2674FDF"));
    }

    #[test]
    fn key_lengths_follow_the_cipher() {
        for (cipher, len) in [
            (Cipher::Tdes, 16),
            (Cipher::Aes128, 16),
            (Cipher::Aes192, 24),
            (Cipher::Aes256, 32),
        ] {
            let k = derive_key(b"secret", cipher, KdfCounter::Enc);
            assert_eq!(k.expose_secret().len(), len);
            assert!(SecretKey::from_bytes(cipher, &vec![1; len]).is_ok());
            assert_eq!(
                SecretKey::from_bytes(cipher, &vec![1; len + 1]).unwrap_err(),
                KeyLengthError {
                    cipher,
                    len: len + 1
                }
            );
        }
        let enc = derive_key(b"secret", Cipher::Aes256, KdfCounter::Enc);
        let mac = derive_key(b"secret", Cipher::Aes256, KdfCounter::Mac);
        let pace = derive_key(b"secret", Cipher::Aes256, KdfCounter::Pace);
        assert_ne!(enc.expose_secret(), mac.expose_secret());
        assert_ne!(enc.expose_secret(), pace.expose_secret());
        // AES-192 is the first 24 bytes of the AES-256 derivation (both SHA-256).
        let k192 = derive_key(b"secret", Cipher::Aes192, KdfCounter::Enc);
        assert_eq!(k192.expose_secret(), &enc.expose_secret()[..24]);
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let keys = SessionKeys::from_bytes(Cipher::Aes128, &[0xAB; 16], &[0xCD; 16]).unwrap();
        let text = format!("{keys:?}");
        assert!(
            !text.contains("171") && !text.to_uppercase().contains("ABAB"),
            "{text}"
        );
        assert!(text.contains("redacted"));
    }
}
