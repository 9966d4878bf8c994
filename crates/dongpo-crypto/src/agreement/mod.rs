//! Key agreement as ePassport Chip Authentication v1 and PACE use it (ICAO Doc 9303-11
//! §4.4 and §6.2; BSI TR-03110-3 A.4/A.5): ECDH on the named curves of [`Curve`] and DH
//! over a prime-order subgroup ([`DhGroup`]), with the PACE generic mapping.
//!
//! * A [`Domain`] is a curve or a DH group, possibly with a mapped generator (PACE).
//! * An [`AgreementPublicKey`] comes from a DG14 `ChipAuthenticationPublicKeyInfo`'s
//!   SubjectPublicKeyInfo ([`AgreementPublicKey::from_spki_der`]: `id-ecPublicKey` with a
//!   named curve or explicit parameters, or X9.42 `dhpublicnumber`) or from the bytes a
//!   protocol sends ([`AgreementPublicKey::from_bytes`]: `04 || X || Y`, or big-endian `y`),
//!   and is validated either way: on the curve and not the identity (every curve here has
//!   cofactor 1), or `1 < y < p - 1` with `y^q = 1 (mod p)`.
//! * A [`KeyPair`] holds a private key drawn from the OS CSPRNG ([`KeyPair::generate`]) or
//!   given ([`KeyPair::from_private_bytes`], for worked examples and a test chip's static
//!   key). The private key is zeroized on drop and never printed. [`KeyPair::agree`] gives
//!   the [`SharedSecret`] as 9303-11 feeds it to the KDF: the x-coordinate of the shared
//!   point (field length) for ECDH, `Z = y^x mod p` (`|p|` bytes, leading zeros kept) for DH.
//! * [`KeyPair::map_nonce`] is the PACE generic mapping (9303-11 §4.4.3.3.1), the same
//!   operation for terminal and chip: `G~ = s*G + SK*PK` or `g~ = g^s * PK^SK mod p`; the
//!   [`Domain`] it returns carries the mapped generator for the second key agreement.
//! * [`authentication_token_input`] is the public key data object (`7F49`, OID, `86` point or
//!   `84` value) that PACE MACs into the authentication tokens.
//!
//! # Side channels
//!
//! Arithmetic on secrets (private keys, the PACE nonce and mapping point) is constant time
//! on **P-256, P-384, P-521, brainpoolP256r1 and brainpoolP384r1** (RustCrypto's `p256`,
//! `p384`, `p521`, `bp256`, `bp384`) and for **DH** (`crypto-bigint`'s Montgomery
//! exponentiation; the time depends on the exponent's length, fixed per group, not its
//! value). On **P-224, brainpoolP224r1, brainpoolP320r1 and brainpoolP512r1** no maintained
//! constant-time crate exists and the crate's own `weierstrass` arithmetic is used: it is
//! **variable time** and its intermediate big integers are not wiped. [`Domain::is_constant_time`]
//! says which applies. Validating public values is variable time everywhere (they are
//! public). Curves given by explicit parameters are used only when they are one of the
//! named curves (see [`Curve::from_explicit`]).
//!
//! ```
//! use dongpo_crypto::agreement::{AgreementPublicKey, Domain, KeyPair};
//! use dongpo_crypto::Curve;
//!
//! // The chip's static key (from DG14 in real use) and the terminal's ephemeral key.
//! let domain = Domain::ec(Curve::BrainpoolP256r1);
//! let chip = KeyPair::generate(&domain)?;
//! let chip_public = AgreementPublicKey::from_spki_der(&chip.public_key().to_spki_der())?;
//! let terminal = KeyPair::generate(chip_public.domain())?;
//!
//! // Each side sends its public key as the protocol encodes it and derives the same secret.
//! let at_terminal = terminal.agree(&chip_public)?;
//! let from_terminal = AgreementPublicKey::from_bytes(chip.domain(), terminal.public_key_bytes())?;
//! let at_chip = chip.agree(&from_terminal)?;
//! assert_eq!(at_terminal.as_bytes(), at_chip.as_bytes());
//! assert_eq!(at_terminal.as_bytes().len(), 32);
//! # Ok::<(), dongpo_crypto::agreement::AgreementError>(())
//! ```

use std::fmt;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use num_bigint::BigUint;
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use crate::curve::Curve;
use crate::error::KeyError;
use crate::key::{EcPublicKey, PublicKey};
use crate::oid;

mod dh;
mod ec;
#[cfg(test)]
mod tests;

pub use dh::{DhGroup, MAX_DH_P_BITS, MIN_DH_P_BITS, MIN_DH_Q_BITS};

/// Why a key agreement step failed. Messages never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgreementError {
    /// The SubjectPublicKeyInfo or an EC key inside it is unusable (malformed DER, unknown
    /// curve, a point off the curve).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The key's algorithm is neither `id-ecPublicKey` nor `dhpublicnumber`.
    #[error("unsupported key agreement algorithm {0}")]
    UnsupportedAlgorithm(ObjectIdentifier),
    /// A structure could not be decoded.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// An EC public key that is not an uncompressed point on the curve (or is the identity).
    #[error("invalid EC public key on {curve}: {reason}")]
    BadPoint {
        /// The curve name.
        curve: &'static str,
        /// Why the point was refused.
        reason: String,
    },
    /// A DH public value outside `1 < y < p - 1`.
    #[error("DH public value out of range (1 < y < p - 1 required)")]
    DhOutOfRange,
    /// A DH public value outside the prime-order subgroup (`y^q != 1 mod p`).
    #[error("DH public value is not in the subgroup of order q")]
    DhNotInSubgroup,
    /// DH domain parameters that fail a check.
    #[error("unusable DH domain parameters: {0}")]
    BadDhGroup(&'static str),
    /// The two keys are on different domains (curve, group or generator).
    #[error("the keys belong to different key agreement domains")]
    DomainMismatch,
    /// A private key outside `[1, n-1]` (EC) or `[1, q-1]` (DH), or of the wrong length.
    #[error("invalid private key for the domain")]
    InvalidPrivateKey,
    /// The computation gave the identity (a mapped generator or shared point at infinity,
    /// a mapped DH generator of 1).
    #[error("key agreement produced the identity element")]
    Degenerate,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
}

/// What keys agree over: a named curve or a DH group, with the standard generator or the
/// PACE mapped one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    kind: Kind,
    mapped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// `generator` is `None` for the curve's base point, else an uncompressed point.
    Ec {
        curve: Curve,
        generator: Option<Vec<u8>>,
    },
    Dh(DhGroup),
}

impl Domain {
    /// ECDH on `curve` with its standard base point.
    #[must_use]
    pub fn ec(curve: Curve) -> Domain {
        Domain {
            kind: Kind::Ec {
                curve,
                generator: None,
            },
            mapped: false,
        }
    }

    /// DH in `group` with its generator `g`.
    #[must_use]
    pub fn dh(group: DhGroup) -> Domain {
        Domain {
            kind: Kind::Dh(group),
            mapped: false,
        }
    }

    /// The curve of an ECDH domain.
    #[must_use]
    pub fn curve(&self) -> Option<Curve> {
        match &self.kind {
            Kind::Ec { curve, .. } => Some(*curve),
            Kind::Dh(_) => None,
        }
    }

    /// The group of a DH domain (its `g` is the mapped generator after PACE mapping).
    #[must_use]
    pub fn dh_group(&self) -> Option<&DhGroup> {
        match &self.kind {
            Kind::Dh(group) => Some(group),
            Kind::Ec { .. } => None,
        }
    }

    /// `true` after [`KeyPair::map_nonce`]: the generator is the PACE mapped one.
    #[must_use]
    pub fn is_mapped(&self) -> bool {
        self.mapped
    }

    /// `true` when secret-dependent arithmetic on this domain is constant time (see the
    /// module documentation).
    #[must_use]
    pub fn is_constant_time(&self) -> bool {
        match &self.kind {
            Kind::Ec { curve, .. } => ec::is_constant_time(*curve),
            Kind::Dh(_) => true,
        }
    }

    /// The generator as a public key is encoded: an uncompressed point, or `g` padded to `|p|`.
    #[must_use]
    pub fn generator(&self) -> Vec<u8> {
        match &self.kind {
            Kind::Ec {
                generator: Some(g), ..
            } => g.clone(),
            Kind::Ec { curve, .. } => {
                let prm = curve.params();
                crate::weierstrass::encode_point(
                    *curve,
                    &crate::weierstrass::AffinePoint {
                        x: prm.gx.clone(),
                        y: prm.gy.clone(),
                    },
                )
            }
            Kind::Dh(group) => group.g(),
        }
    }

    /// Length of a public key as sent: `1 + 2 * field_bytes` (EC) or `|p|` (DH).
    #[must_use]
    pub fn public_key_len(&self) -> usize {
        match &self.kind {
            Kind::Ec { curve, .. } => 1 + 2 * curve.field_bytes(),
            Kind::Dh(group) => group.p_len(),
        }
    }

    /// Length of a shared secret: `field_bytes` (EC) or `|p|` (DH).
    #[must_use]
    pub fn shared_secret_len(&self) -> usize {
        match &self.kind {
            Kind::Ec { curve, .. } => curve.field_bytes(),
            Kind::Dh(group) => group.p_len(),
        }
    }

    /// Length of a private key: `field_bytes` (EC) or `|q|` (DH).
    #[must_use]
    pub fn private_key_len(&self) -> usize {
        match &self.kind {
            Kind::Ec { curve, .. } => curve.field_bytes(),
            Kind::Dh(group) => group.q_len(),
        }
    }

    /// The same domain with the generator replaced (PACE mapping).
    fn mapped_to(&self, kind: Kind) -> Domain {
        Domain { kind, mapped: true }
    }
}

impl fmt::Display for Domain {
    /// `ecdh:brainpoolP256r1`, `dh:rfc5114-2048-224`, `dh:2048/224`; `+mapped` after PACE.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Ec { curve, .. } => write!(f, "ecdh:{}", curve.name())?,
            Kind::Dh(group) => match group.name() {
                Some(name) => write!(f, "dh:{name}")?,
                None => {
                    let (p, q) = group.bits();
                    write!(f, "dh:{p}/{q}")?;
                }
            },
        }
        if self.mapped {
            f.write_str("+mapped")?;
        }
        Ok(())
    }
}

/// A validated public key on a [`Domain`], kept in the encoding the protocols send:
/// an uncompressed point `04 || X || Y`, or `y` big-endian padded to `|p|` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementPublicKey {
    domain: Domain,
    bytes: Vec<u8>,
}

impl AgreementPublicKey {
    /// Parses a DER SubjectPublicKeyInfo as DG14 carries it (`spki_der` of a
    /// `ChipAuthenticationPublicKeyInfo`): `id-ecPublicKey` with a named curve or explicit
    /// parameters (via [`PublicKey::from_spki_der`]), or `dhpublicnumber` with X9.42
    /// DomainParameters and the public value as a DER INTEGER.
    ///
    /// # Errors
    /// [`AgreementError::Key`] for a bad SPKI or EC key, [`AgreementError::UnsupportedAlgorithm`]
    /// for another algorithm, and the DH checks' errors.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, AgreementError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| {
            AgreementError::Key(KeyError::Malformed {
                what: "SubjectPublicKeyInfo",
                reason: e.to_string(),
            })
        })?;
        match spki.algorithm.oid {
            oid::EC_PUBLIC_KEY => match PublicKey::from_spki(&spki)? {
                PublicKey::Ec(ec) => Ok(AgreementPublicKey {
                    domain: Domain::ec(ec.curve),
                    bytes: ec.point,
                }),
                PublicKey::Rsa(_) => Err(AgreementError::UnsupportedAlgorithm(spki.algorithm.oid)),
            },
            oid::DH_PUBLIC_NUMBER => {
                let params =
                    spki.algorithm
                        .parameters
                        .ok_or_else(|| AgreementError::Malformed {
                            what: "dhpublicnumber parameters",
                            reason: "absent".into(),
                        })?;
                let group = DhGroup::from_x942_der(&params.to_der().map_err(|e| {
                    AgreementError::Malformed {
                        what: "dhpublicnumber parameters",
                        reason: e.to_string(),
                    }
                })?)?;
                let key = spki.subject_public_key.as_bytes().ok_or_else(|| {
                    AgreementError::Malformed {
                        what: "subjectPublicKey",
                        reason: "BIT STRING has unused bits".into(),
                    }
                })?;
                let y = UintRef::from_der(key).map_err(|e| AgreementError::Malformed {
                    what: "DHPublicKey",
                    reason: e.to_string(),
                })?;
                AgreementPublicKey::from_bytes(&Domain::dh(group), y.as_bytes())
            }
            other => Err(AgreementError::UnsupportedAlgorithm(other)),
        }
    }

    /// A public key as a protocol sends it: an uncompressed point `04 || X || Y` of exactly
    /// [`Domain::public_key_len`] bytes (EC), or `y` big-endian of at most `|p|` bytes (DH).
    ///
    /// # Errors
    /// [`AgreementError::BadPoint`] for a wrong length, a compressed or infinity encoding,
    /// a coordinate `>= p` or a point off the curve; [`AgreementError::DhOutOfRange`] or
    /// [`AgreementError::DhNotInSubgroup`] for a bad DH value.
    pub fn from_bytes(domain: &Domain, bytes: &[u8]) -> Result<Self, AgreementError> {
        let bytes = match &domain.kind {
            Kind::Ec { curve, .. } => {
                if bytes.first() != Some(&0x04) || bytes.len() != domain.public_key_len() {
                    return Err(AgreementError::BadPoint {
                        curve: curve.name(),
                        reason: "not an uncompressed point of the curve's length".into(),
                    });
                }
                let point = crate::weierstrass::decode_point(*curve, bytes).map_err(|e| {
                    AgreementError::BadPoint {
                        curve: curve.name(),
                        reason: e.to_string(),
                    }
                })?;
                crate::weierstrass::encode_point(*curve, &point)
            }
            Kind::Dh(group) => group.check_public(bytes)?,
        };
        Ok(AgreementPublicKey {
            domain: domain.clone(),
            bytes,
        })
    }

    /// The domain the key is on.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The key as the protocols send it (uncompressed point, or `y` padded to `|p|`).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// DER SubjectPublicKeyInfo: `id-ecPublicKey` with the named-curve OID, or
    /// `dhpublicnumber` with X9.42 DomainParameters. For a key on a mapped (PACE) domain,
    /// which has no SPKI form, the result is empty.
    #[must_use]
    pub fn to_spki_der(&self) -> Vec<u8> {
        if self.domain.mapped {
            return Vec::new();
        }
        match &self.domain.kind {
            Kind::Ec { curve, .. } => PublicKey::Ec(EcPublicKey {
                curve: *curve,
                point: self.bytes.clone(),
                explicit_parameters: false,
            })
            .to_spki_der(),
            Kind::Dh(group) => {
                let params = group.to_x942_der();
                let y = BigUint::from_bytes_be(&self.bytes).to_bytes_be();
                let encoded = UintRef::new(&y).and_then(|y| y.to_der());
                let (Ok(parameters), Ok(encoded)) = (AnyRef::try_from(params.as_slice()), encoded)
                else {
                    return Vec::new();
                };
                let Ok(key) = BitStringRef::from_bytes(&encoded) else {
                    return Vec::new();
                };
                SubjectPublicKeyInfoRef {
                    algorithm: spki::AlgorithmIdentifier {
                        oid: oid::DH_PUBLIC_NUMBER,
                        parameters: Some(parameters),
                    },
                    subject_public_key: key,
                }
                .to_der()
                .unwrap_or_default()
            }
        }
    }
}

/// A shared secret as the KDF takes it (9303-11 §9.7.1): ECDH the x-coordinate of the shared
/// point (`field_bytes`), DH `Z` (`|p|` bytes, leading zeros kept). Zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    /// The secret bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSecret({} bytes, redacted)", self.0.len())
    }
}

/// A private key and its public key on a [`Domain`]. The private key is zeroized on drop;
/// `Debug` shows the domain and public key only.
pub struct KeyPair {
    domain: Domain,
    secret: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

/// How many candidates [`KeyPair::generate`] draws before giving up (each is accepted with
/// probability above 1/2 on every domain here).
const MAX_DRAWS: usize = 128;

impl KeyPair {
    /// A fresh key pair from the OS CSPRNG (`getrandom`): a scalar uniform in `[1, n-1]` or
    /// an exponent uniform in `[1, q-1]`, by rejection sampling.
    ///
    /// # Errors
    /// [`AgreementError::Random`] when the OS generator fails.
    pub fn generate(domain: &Domain) -> Result<Self, AgreementError> {
        Self::sample(domain, |buf| {
            getrandom::fill(buf).map_err(|_| AgreementError::Random)
        })
    }

    /// [`KeyPair::generate`] with the caller's RNG: deterministic test chips (a seeded RNG
    /// gives the same key pair). Production code uses [`KeyPair::generate`].
    ///
    /// # Errors
    /// [`AgreementError::Random`] when no candidate out of many is in range (a broken RNG).
    pub fn generate_with_rng<R: rand_core::CryptoRng + ?Sized>(
        domain: &Domain,
        rng: &mut R,
    ) -> Result<Self, AgreementError> {
        Self::sample(domain, |buf| {
            rng.fill_bytes(buf);
            Ok(())
        })
    }

    fn sample(
        domain: &Domain,
        mut fill: impl FnMut(&mut [u8]) -> Result<(), AgreementError>,
    ) -> Result<Self, AgreementError> {
        let len = domain.private_key_len();
        let top_bits = match &domain.kind {
            Kind::Ec { curve, .. } => curve.order_bits(),
            Kind::Dh(group) => usize::try_from(group.bits().1).unwrap_or(usize::MAX),
        } % 8;
        let mask = if top_bits == 0 {
            0xff
        } else {
            (1u8 << top_bits) - 1
        };
        let mut candidate = Zeroizing::new(vec![0u8; len]);
        for _ in 0..MAX_DRAWS {
            fill(&mut candidate)?;
            if let Some(first) = candidate.first_mut() {
                *first &= mask;
            }
            if let Ok(pair) = KeyPair::from_private_bytes(domain, &candidate) {
                return Ok(pair);
            }
        }
        Err(AgreementError::Random)
    }

    /// A key pair from a big-endian private key (shorter input is left-padded to
    /// [`Domain::private_key_len`]): worked examples and a test chip's static key.
    ///
    /// # Errors
    /// [`AgreementError::InvalidPrivateKey`] outside `[1, n-1]` / `[1, q-1]` or too long.
    pub fn from_private_bytes(domain: &Domain, private: &[u8]) -> Result<Self, AgreementError> {
        let len = domain.private_key_len();
        if private.len() > len {
            return Err(AgreementError::InvalidPrivateKey);
        }
        let mut secret = Zeroizing::new(vec![0u8; len - private.len()]);
        secret.extend_from_slice(private);
        let public = match &domain.kind {
            Kind::Ec { curve, generator } => {
                if !ec::is_private(*curve, &secret) {
                    return Err(AgreementError::InvalidPrivateKey);
                }
                ec::mul(*curve, &secret, generator.as_deref())?
            }
            Kind::Dh(group) => {
                if !group.is_private(&secret) {
                    return Err(AgreementError::InvalidPrivateKey);
                }
                group.pow_secret(None, &secret)?.to_vec()
            }
        };
        Ok(KeyPair {
            domain: domain.clone(),
            secret,
            public,
        })
    }

    /// The domain of the key pair.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The public key as the protocols send it (uncompressed point, or `y` padded to `|p|`).
    #[must_use]
    pub fn public_key_bytes(&self) -> &[u8] {
        &self.public
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> AgreementPublicKey {
        AgreementPublicKey {
            domain: self.domain.clone(),
            bytes: self.public.clone(),
        }
    }

    /// `SK * PK` as a full point (EC) or `PK^SK mod p` (DH), encoded like a public key.
    fn raw_agree(&self, peer: &AgreementPublicKey) -> Result<Zeroizing<Vec<u8>>, AgreementError> {
        if !same_group(&self.domain, &peer.domain) {
            return Err(AgreementError::DomainMismatch);
        }
        match &self.domain.kind {
            Kind::Ec { curve, .. } => Ok(Zeroizing::new(ec::mul(
                *curve,
                &self.secret,
                Some(&peer.bytes),
            )?)),
            Kind::Dh(group) => group.pow_secret(Some(&peer.bytes), &self.secret),
        }
    }

    /// Key agreement with a peer's public key on the same domain (same curve and generator,
    /// or same `p`, `q`, `g`): Chip Authentication (ephemeral-static) and the second PACE
    /// step (ephemeral-ephemeral on the mapped domain).
    ///
    /// # Errors
    /// [`AgreementError::DomainMismatch`] for a key on another domain.
    pub fn agree(&self, peer: &AgreementPublicKey) -> Result<SharedSecret, AgreementError> {
        if self.domain != peer.domain {
            return Err(AgreementError::DomainMismatch);
        }
        let shared = self.raw_agree(peer)?;
        match &self.domain.kind {
            Kind::Ec { curve, .. } => {
                let x = shared
                    .get(1..=curve.field_bytes())
                    .ok_or(AgreementError::Degenerate)?;
                Ok(SharedSecret(Zeroizing::new(x.to_vec())))
            }
            Kind::Dh(_) => Ok(SharedSecret(shared)),
        }
    }

    /// The PACE generic mapping (9303-11 §4.4.3.3.1), from either side: with this key pair
    /// the mapping key (terminal's `SK_map,PCD` or chip's `SK_map,PICC`) and `peer` the other
    /// side's mapping public key, `H = SK * PK` and `G~ = s*G + H` (ECDH), or `h = PK^SK mod
    /// p` and `g~ = g^s * h mod p` (DH). `nonce` is the decrypted nonce `s`, big-endian.
    ///
    /// Returns the mapped domain; generate the ephemeral key pair for the second step on it.
    ///
    /// # Errors
    /// [`AgreementError::DomainMismatch`] when the keys differ in group or this key pair is
    /// itself on a mapped domain; [`AgreementError::Degenerate`] when `G~` is the identity or
    /// `g~ = 1`.
    pub fn map_nonce(
        &self,
        peer: &AgreementPublicKey,
        nonce: &[u8],
    ) -> Result<Domain, AgreementError> {
        if self.domain.mapped || self.domain != peer.domain {
            return Err(AgreementError::DomainMismatch);
        }
        let h = self.raw_agree(peer)?;
        match &self.domain.kind {
            Kind::Ec { curve, .. } => {
                let mapped = ec::map(*curve, nonce, &h)?;
                Ok(self.domain.mapped_to(Kind::Ec {
                    curve: *curve,
                    generator: Some(mapped),
                }))
            }
            Kind::Dh(group) => {
                let g = group.map(nonce, &h)?;
                Ok(self.domain.mapped_to(Kind::Dh(group.with_generator(g))))
            }
        }
    }
}

/// Same curve or same DH `p` and `q` (the generator may differ: the PACE mapping itself
/// combines a key on the standard generator with one on the same group).
fn same_group(a: &Domain, b: &Domain) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Ec { curve: x, .. }, Kind::Ec { curve: y, .. }) => x == y,
        (Kind::Dh(x), Kind::Dh(y)) => x.p() == y.p() && x.q() == y.q(),
        _ => false,
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("domain", &self.domain)
            .field("public", &HexBytes(&self.public))
            .field("secret", &"<redacted>")
            .finish()
    }
}

struct HexBytes<'a>(&'a [u8]);

impl fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The input of a PACE authentication token (9303-11 §4.4.3.4, TR-03110-3 D.3): the public
/// key data object `7F49 { 06 protocol-OID, 86 point }` for ECDH or `7F49 { 06 OID, 84 y }`
/// for DH, with DER lengths. `protocol` is the PACE protocol OID of the PACEInfo in use.
#[must_use]
pub fn authentication_token_input(
    protocol: &ObjectIdentifier,
    key: &AgreementPublicKey,
) -> Vec<u8> {
    let oid = protocol.as_bytes();
    let tag = match key.domain.kind {
        Kind::Ec { .. } => 0x86,
        Kind::Dh(_) => 0x84,
    };
    let mut body = Vec::with_capacity(oid.len() + key.bytes.len() + 8);
    push_tlv(&mut body, &[0x06], oid);
    push_tlv(&mut body, &[tag], &key.bytes);
    let mut out = Vec::with_capacity(body.len() + 5);
    push_tlv(&mut out, &[0x7f, 0x49], &body);
    out
}

/// Appends tag, DER length and value.
fn push_tlv(out: &mut Vec<u8>, tag: &[u8], value: &[u8]) {
    out.extend_from_slice(tag);
    let len = value.len();
    let len_bytes = len.to_be_bytes();
    let significant = len_bytes
        .iter()
        .position(|&b| b != 0)
        .and_then(|i| len_bytes.get(i..))
        .unwrap_or_default();
    if len < 0x80 {
        out.push(len_bytes.last().copied().unwrap_or(0));
    } else {
        out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(value);
}
