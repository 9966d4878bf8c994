//! Sealing a short secret to a subscriber's certified public key, and opening it with the
//! private key: HPKE (RFC 9180, base mode) for P-256/P-384/P-521 keys, RSAES-OAEP
//! (RFC 8017, SHA-256, MGF1-SHA-256, empty label) for RSA keys.
//!
//! The CA uses this to hand the KISA VID random `R` to the subscriber and to nobody else
//! (`docs/vid.md`). The wire format is the bare bytes, no framing:
//!
//! | suite | sealed value |
//! |---|---|
//! | `hpke-p256-sha256-aes256gcm` | `enc` (65 bytes, SEC1 uncompressed) ‖ AES-256-GCM ciphertext and tag |
//! | `hpke-p384-sha384-aes256gcm` | `enc` (97 bytes) ‖ ciphertext and tag |
//! | `hpke-p521-sha512-aes256gcm` | `enc` (133 bytes) ‖ ciphertext and tag |
//! | `rsa-oaep-sha256` | the OAEP ciphertext (the modulus length) |
//!
//! HPKE runs in base mode with the caller's `info` (for the VID random always
//! [`VID_RANDOM_INFO`]) and an empty `aad`, so any RFC 9180 implementation (CryptoKit's
//! `HPKE.Recipient`, Tink, BouncyCastle) opens it.
//!
//! Using a certified signing key once as an HPKE recipient or OAEP decryption key is a
//! deliberate delivery mechanism: the ciphertext is addressed to whoever holds the private
//! key the certificate binds, and joint ECDSA+ECDH security holds in the generic group
//! model. Curves without an RFC 9180 KEM (brainpool, P-224) are refused, never given a
//! home-made substitute.

use hpke::aead::{Aead, AesGcm256};
use hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512, Kdf};
use hpke::kem::{DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512};
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::curve::Curve;
use crate::key::PublicKey;
use crate::oid;
use crate::sign::KeySpec;

/// HPKE `info` and the domain of the KISA VID random: fixed, so every app can open it.
pub const VID_RANDOM_INFO: &[u8] = b"dongpo KISA VID randomNum v1";

/// The smallest RSA modulus a secret is sealed to, in bits (the smallest profile key).
pub const MIN_RSA_SEAL_BITS: usize = 2048;

/// How a secret is sealed to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SealSuite {
    /// HPKE DHKEM(P-256, HKDF-SHA256) 0x0010, HKDF-SHA256 0x0001, AES-256-GCM 0x0002.
    HpkeP256,
    /// HPKE DHKEM(P-384, HKDF-SHA384) 0x0011, HKDF-SHA384 0x0002, AES-256-GCM 0x0002.
    HpkeP384,
    /// HPKE DHKEM(P-521, HKDF-SHA512) 0x0012, HKDF-SHA512 0x0003, AES-256-GCM 0x0002.
    HpkeP521,
    /// RSAES-OAEP with SHA-256, MGF1-SHA-256 and an empty label.
    RsaOaepSha256,
}

/// Why a secret could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The key type has no sealing suite (brainpool and P-224 have no RFC 9180 KEM).
    #[error("no sealing suite for a {0} key (HPKE covers P-256, P-384, P-521; RSA uses OAEP)")]
    UnsupportedKey(String),
    /// The key has a suite but cannot be used (a PSS-only RSA key, a short modulus, a bad
    /// point); the text says which, never the key bytes.
    #[error("the key is unusable for sealing: {0}")]
    BadKey(String),
    /// The secret is longer than the RSA key can carry in one OAEP block.
    #[error("the secret is too long for this RSA key ({max} bytes at most)")]
    TooLong {
        /// The longest secret the key takes.
        max: usize,
    },
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
    /// The sealed value does not open with this key: one message for every cryptographic
    /// failure (wrong key, tampered `enc` or ciphertext, bad padding), so no oracle.
    #[error("the sealed value does not open with this key")]
    Open,
    /// The sealed value cannot be a value of the key's suite (its length).
    #[error("malformed sealed value: {0}")]
    Malformed(&'static str),
}

impl SealSuite {
    /// The suite for a key, or why none exists: brainpool, P-224 and other curves are not
    /// RFC 9180 KEMs and are refused, never given a fallback.
    ///
    /// # Errors
    /// [`SealError::UnsupportedKey`] for a curve without a KEM; [`SealError::BadKey`] for an
    /// RSA key restricted to PSS (RFC 4055 §1.2: it must not encrypt) or shorter than
    /// [`MIN_RSA_SEAL_BITS`].
    pub fn for_key(key: &PublicKey) -> Result<Self, SealError> {
        match key {
            PublicKey::Ec(ec) => Self::for_curve(ec.curve)
                .ok_or_else(|| SealError::UnsupportedKey(key.description())),
            PublicKey::Rsa(rsa) => {
                if rsa.pss_restriction.is_some() {
                    return Err(SealError::BadKey(
                        "the RSA key is restricted to RSASSA-PSS and must not encrypt".into(),
                    ));
                }
                if rsa.bits() < MIN_RSA_SEAL_BITS {
                    return Err(SealError::BadKey(format!(
                        "RSA modulus of {} bits, at least {MIN_RSA_SEAL_BITS} needed",
                        rsa.bits()
                    )));
                }
                Ok(SealSuite::RsaOaepSha256)
            }
        }
    }

    fn for_curve(curve: Curve) -> Option<Self> {
        match curve {
            Curve::P256 => Some(SealSuite::HpkeP256),
            Curve::P384 => Some(SealSuite::HpkeP384),
            Curve::P521 => Some(SealSuite::HpkeP521),
            _ => None,
        }
    }

    /// Whether keys of this kind can receive a sealed value (for profile validation).
    #[must_use]
    pub fn supports(spec: &KeySpec) -> bool {
        match spec {
            KeySpec::Rsa(bits) => *bits >= MIN_RSA_SEAL_BITS,
            KeySpec::Ec(curve) => Self::for_curve(*curve).is_some(),
        }
    }

    /// `hpke-p256-sha256-aes256gcm`, `hpke-p384-sha384-aes256gcm`,
    /// `hpke-p521-sha512-aes256gcm` or `rsa-oaep-sha256`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SealSuite::HpkeP256 => "hpke-p256-sha256-aes256gcm",
            SealSuite::HpkeP384 => "hpke-p384-sha384-aes256gcm",
            SealSuite::HpkeP521 => "hpke-p521-sha512-aes256gcm",
            SealSuite::RsaOaepSha256 => "rsa-oaep-sha256",
        }
    }

    /// The suite a [`SealSuite::name`] names.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            SealSuite::HpkeP256,
            SealSuite::HpkeP384,
            SealSuite::HpkeP521,
            SealSuite::RsaOaepSha256,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    /// The length of the HPKE encapsulated key at the front of a sealed value (`None` for RSA).
    #[must_use]
    pub fn enc_len(self) -> Option<usize> {
        match self {
            SealSuite::HpkeP256 => Some(65),
            SealSuite::HpkeP384 => Some(97),
            SealSuite::HpkeP521 => Some(133),
            SealSuite::RsaOaepSha256 => None,
        }
    }
}

/// Seals `plaintext` to `key` with randomness from the OS CSPRNG: `enc ‖ ct` for HPKE, the
/// OAEP ciphertext for RSA.
///
/// # Errors
/// [`SealError`] when the key has no usable suite, the secret does not fit an RSA key, or
/// the OS random number generator fails.
pub fn seal(
    key: &PublicKey,
    info: &[u8],
    plaintext: &[u8],
) -> Result<(SealSuite, Vec<u8>), SealError> {
    let suite = SealSuite::for_key(key)?;
    // hpke draws its ephemeral key through an infallible RNG interface that panics if the OS
    // generator fails; ask the OS once through the fallible call first, so that a broken
    // generator is an error here (after the first success getrandom does not fail on the
    // platforms dongpo runs on).
    let mut probe = Zeroizing::new([0u8; 32]);
    getrandom::fill(probe.as_mut()).map_err(|_| SealError::Random)?;
    if suite == SealSuite::RsaOaepSha256 {
        // The RSA path takes a fallible RNG: an OS failure is an error, not a panic.
        return seal_rsa(key, plaintext, &mut getrandom::SysRng).map(|ct| (suite, ct));
    }
    seal_with_rng(
        key,
        info,
        plaintext,
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
}

/// [`seal`] with the caller's RNG (tests and known-answer vectors: the same RNG output gives
/// the same sealed value).
///
/// # Errors
/// As [`seal`].
pub fn seal_with_rng(
    key: &PublicKey,
    info: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(SealSuite, Vec<u8>), SealError> {
    let suite = SealSuite::for_key(key)?;
    let sealed = match (suite, key) {
        (SealSuite::HpkeP256, PublicKey::Ec(ec)) => {
            hpke_seal::<AesGcm256, HkdfSha256, DhP256HkdfSha256>(
                &ec.point, info, b"", plaintext, rng,
            )
        }
        (SealSuite::HpkeP384, PublicKey::Ec(ec)) => {
            hpke_seal::<AesGcm256, HkdfSha384, DhP384HkdfSha384>(
                &ec.point, info, b"", plaintext, rng,
            )
        }
        (SealSuite::HpkeP521, PublicKey::Ec(ec)) => {
            hpke_seal::<AesGcm256, HkdfSha512, DhP521HkdfSha512>(
                &ec.point, info, b"", plaintext, rng,
            )
        }
        (SealSuite::RsaOaepSha256, PublicKey::Rsa(_)) => seal_rsa(key, plaintext, rng),
        // for_key maps EC keys to HPKE suites and RSA keys to OAEP only.
        _ => Err(SealError::UnsupportedKey(key.description())),
    }?;
    Ok((suite, sealed))
}

/// Opens a sealed value with an unencrypted PKCS#8 private key (RSA, or EC on P-256, P-384
/// or P-521, the curve named in the AlgorithmIdentifier or in the ECPrivateKey). The suite
/// follows from the key. The sealed value is outside input: every length is checked and
/// every cryptographic failure is the one [`SealError::Open`].
///
/// # Errors
/// [`SealError::BadKey`] / [`SealError::UnsupportedKey`] for an unusable private key,
/// [`SealError::Malformed`] for a value of the wrong length, [`SealError::Open`] when it
/// does not open.
pub fn open(
    private_pkcs8_der: &[u8],
    info: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    match PrivateKey::from_pkcs8_der(private_pkcs8_der)? {
        PrivateKey::Rsa(key) => open_rsa(&key, sealed),
        PrivateKey::Ec { curve, d } => match curve {
            Curve::P256 => {
                hpke_open::<AesGcm256, HkdfSha256, DhP256HkdfSha256>(&d, info, b"", sealed)
            }
            Curve::P384 => {
                hpke_open::<AesGcm256, HkdfSha384, DhP384HkdfSha384>(&d, info, b"", sealed)
            }
            Curve::P521 => {
                hpke_open::<AesGcm256, HkdfSha512, DhP521HkdfSha512>(&d, info, b"", sealed)
            }
            other => Err(SealError::UnsupportedKey(format!("ec:{}", other.name()))),
        },
    }
}

/// The private keys [`open`] takes.
enum PrivateKey {
    Rsa(Box<rsa::PrivateKey>),
    Ec { curve: Curve, d: Zeroizing<Vec<u8>> },
}

impl PrivateKey {
    fn from_pkcs8_der(der: &[u8]) -> Result<Self, SealError> {
        use der::Decode;
        use pkcs8::DecodePrivateKey;

        let bad = |what: &str| SealError::BadKey(format!("private key: {what}"));
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| bad("not PKCS#8"))?;
        match info.algorithm.oid {
            oid::RSA_ENCRYPTION => rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|_| bad("not a usable RSA key")),
            oid::EC_PUBLIC_KEY => {
                let inner = sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
                    .map_err(|_| bad("malformed ECPrivateKey"))?;
                // RFC 5915: the curve sits in the AlgorithmIdentifier, or in the
                // ECPrivateKey when the former is absent.
                let named = match info.algorithm.parameters {
                    Some(any) => any
                        .decode_as::<der::asn1::ObjectIdentifier>()
                        .map_err(|_| bad("EC parameters are not a named curve"))?,
                    None => inner
                        .parameters
                        .and_then(|p| p.named_curve())
                        .ok_or_else(|| bad("EC key names no curve"))?,
                };
                let curve = Curve::from_oid(&named.to_string())
                    .ok_or_else(|| SealError::UnsupportedKey(format!("ec:{named}")))?;
                Ok(PrivateKey::Ec {
                    curve,
                    d: Zeroizing::new(inner.private_key.to_vec()),
                })
            }
            _ => Err(bad("neither RSA nor EC")),
        }
    }
}

/// HPKE base-mode seal with a given `aad` (empty on the wire; the RFC 9180 vectors use
/// others): `enc ‖ ct`.
fn hpke_seal<A: Aead, K: Kdf, M: Kem>(
    recipient_point: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, SealError> {
    let pk = M::PublicKey::from_bytes(recipient_point)
        .map_err(|_| SealError::BadKey("the EC point is not usable for HPKE".into()))?;
    let (enc, ct) =
        hpke::single_shot_seal_with_rng::<A, K, M>(&OpModeS::Base, &pk, info, plaintext, aad, rng)
            .map_err(|_| SealError::BadKey("HPKE encapsulation failed".into()))?;
    let mut sealed = enc.to_bytes().to_vec();
    sealed.extend_from_slice(&ct);
    Ok(sealed)
}

/// HPKE base-mode open of `enc ‖ ct` with the private scalar `d`.
fn hpke_open<A: Aead, K: Kdf, M: Kem>(
    d: &[u8],
    info: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let enc_len = <M::EncappedKey as Serializable>::size();
    // The AEAD tag is 16 bytes for every suite used here.
    if sealed.len() < enc_len + 16 {
        return Err(SealError::Malformed("shorter than enc and the AEAD tag"));
    }
    let (enc, ct) = sealed.split_at(enc_len);
    let sk = M::PrivateKey::from_bytes(d)
        .map_err(|_| SealError::BadKey("the EC private scalar is out of range".into()))?;
    let enc = M::EncappedKey::from_bytes(enc).map_err(|_| SealError::Open)?;
    hpke::single_shot_open::<A, K, M>(&OpModeR::Base, &sk, &enc, info, ct, aad)
        .map(Zeroizing::new)
        .map_err(|_| SealError::Open)
}

fn rsa_public(key: &PublicKey) -> Result<rsa::PublicKey, SealError> {
    let PublicKey::Rsa(k) = key else {
        return Err(SealError::UnsupportedKey(key.description()));
    };
    rsa::PublicKey::new(
        rsa::BoxedUint::from_be_slice_vartime(&k.modulus),
        rsa::BoxedUint::from_be_slice_vartime(&k.exponent),
    )
    .map_err(|e| SealError::BadKey(format!("RSA key: {e}")))
}

/// The longest secret OAEP-SHA256 carries under a `k`-byte modulus (RFC 8017 §7.1.1).
fn oaep_capacity(k: usize) -> usize {
    k.saturating_sub(2 * 32 + 2)
}

fn seal_rsa(
    key: &PublicKey,
    plaintext: &[u8],
    rng: &mut impl rand_core::TryCryptoRng,
) -> Result<Vec<u8>, SealError> {
    let public = rsa_public(key)?;
    let max = oaep_capacity(rsa::traits::PublicKeyParts::size(&public));
    if plaintext.len() > max {
        return Err(SealError::TooLong { max });
    }
    public
        .encrypt(rng, rsa::Oaep::<sha2::Sha256>::new(), plaintext)
        .map_err(|e| match e {
            rsa::Error::Rng => SealError::Random,
            other => SealError::BadKey(format!("RSA-OAEP: {other}")),
        })
}

fn open_rsa(key: &rsa::PrivateKey, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.len() != rsa::traits::PublicKeyParts::size(key) {
        return Err(SealError::Malformed("not the length of the RSA modulus"));
    }
    // Blinded: the private operation's timing does not follow the ciphertext.
    key.decrypt_blinded(
        &mut getrandom::SysRng,
        rsa::Oaep::<sha2::Sha256>::new(),
        sealed,
    )
    .map(Zeroizing::new)
    .map_err(|e| match e {
        rsa::Error::Rng => SealError::Random,
        _ => SealError::Open,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use hpke::aead::AesGcm128;
    use rand_core::{TryCryptoRng, TryRng};

    use super::*;

    /// Replays fixed bytes (an RFC 9180 `ikmE`), then zeros.
    pub(super) struct Replay(pub Vec<u8>, pub usize);

    impl TryRng for Replay {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0u8; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0u8; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for byte in dst {
                *byte = self.0.get(self.1).copied().unwrap_or(0);
                self.1 += 1;
            }
            Ok(())
        }
    }
    impl TryCryptoRng for Replay {}

    #[derive(serde::Deserialize)]
    struct Vector {
        section: String,
        kem_id: u16,
        kdf_id: u16,
        aead_id: u16,
        info: String,
        #[serde(rename = "ikmE")]
        ikm_e: String,
        #[serde(rename = "pkRm")]
        pk_rm: String,
        #[serde(rename = "skRm")]
        sk_rm: String,
        enc: String,
        pt: String,
        aad: String,
        ct: String,
    }

    fn vectors() -> Vec<Vector> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../test-vectors/hpke/rfc9180-base.json"
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 9180 Appendix A, base mode, sequence number 0: sealing with the published
    /// `ikmE` gives the published `enc ‖ ct`, and opening with `skRm` gives `pt` back.
    #[test]
    fn rfc9180_base_mode_vectors() {
        let all = vectors();
        assert!(all.len() >= 3, "the checked-in vectors");
        for v in all {
            let mut rng = Replay(h(&v.ikm_e), 0);
            let (info, aad, pt) = (h(&v.info), h(&v.aad), h(&v.pt));
            let (sealed, opened) = match (v.kem_id, v.kdf_id, v.aead_id) {
                (0x10, 1, 1) => (
                    hpke_seal::<AesGcm128, HkdfSha256, DhP256HkdfSha256>(
                        &h(&v.pk_rm),
                        &info,
                        &aad,
                        &pt,
                        &mut rng,
                    ),
                    hpke_open::<AesGcm128, HkdfSha256, DhP256HkdfSha256>(
                        &h(&v.sk_rm),
                        &info,
                        &aad,
                        &[h(&v.enc), h(&v.ct)].concat(),
                    ),
                ),
                (0x11, 2, 2) => (
                    hpke_seal::<AesGcm256, HkdfSha384, DhP384HkdfSha384>(
                        &h(&v.pk_rm),
                        &info,
                        &aad,
                        &pt,
                        &mut rng,
                    ),
                    hpke_open::<AesGcm256, HkdfSha384, DhP384HkdfSha384>(
                        &h(&v.sk_rm),
                        &info,
                        &aad,
                        &[h(&v.enc), h(&v.ct)].concat(),
                    ),
                ),
                (0x10, 1, 2) => (
                    hpke_seal::<AesGcm256, HkdfSha256, DhP256HkdfSha256>(
                        &h(&v.pk_rm),
                        &info,
                        &aad,
                        &pt,
                        &mut rng,
                    ),
                    hpke_open::<AesGcm256, HkdfSha256, DhP256HkdfSha256>(
                        &h(&v.sk_rm),
                        &info,
                        &aad,
                        &[h(&v.enc), h(&v.ct)].concat(),
                    ),
                ),
                (0x12, 3, 2) => (
                    hpke_seal::<AesGcm256, HkdfSha512, DhP521HkdfSha512>(
                        &h(&v.pk_rm),
                        &info,
                        &aad,
                        &pt,
                        &mut rng,
                    ),
                    hpke_open::<AesGcm256, HkdfSha512, DhP521HkdfSha512>(
                        &h(&v.sk_rm),
                        &info,
                        &aad,
                        &[h(&v.enc), h(&v.ct)].concat(),
                    ),
                ),
                other => panic!("{}: suite {other:?} not in the test", v.section),
            };
            assert_eq!(
                hex::encode(sealed.unwrap()),
                format!("{}{}", v.enc, v.ct),
                "{}",
                v.section
            );
            assert_eq!(opened.unwrap().as_slice(), pt.as_slice(), "{}", v.section);
        }
    }

    #[test]
    fn suites_have_stable_names_and_enc_lengths() {
        for suite in [
            SealSuite::HpkeP256,
            SealSuite::HpkeP384,
            SealSuite::HpkeP521,
            SealSuite::RsaOaepSha256,
        ] {
            assert_eq!(SealSuite::from_name(suite.name()), Some(suite));
        }
        assert_eq!(SealSuite::from_name("hpke-x25519"), None);
        assert_eq!(SealSuite::HpkeP256.enc_len(), Some(65));
        assert_eq!(
            SealSuite::HpkeP521.enc_len(),
            Some(<<DhP521HkdfSha512 as Kem>::EncappedKey as Serializable>::size())
        );
        assert!(SealSuite::supports(&KeySpec::Ec(Curve::P384)));
        assert!(SealSuite::supports(&KeySpec::Rsa(3072)));
        assert!(!SealSuite::supports(&KeySpec::Ec(Curve::BrainpoolP256r1)));
        assert!(!SealSuite::supports(&KeySpec::Ec(Curve::P224)));
        assert!(!SealSuite::supports(&KeySpec::Rsa(1024)));
    }
}
