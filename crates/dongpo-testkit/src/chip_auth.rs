//! Chip Authentication of a virtual chip: which protocol and domain it offers (the
//! `--chip-auth` and `--ca-curve` of `dongpo testkit chip serve`), its static key pair
//! (deterministic from profile, seed and role) and the DG14 SecurityInfos that publish
//! the public key.

use dongpo_chip::ca::{CaProtocol, ChipCaKey, KeyAgreement};
use dongpo_chip::kdf::Cipher;
use dongpo_crypto::Curve;
use dongpo_crypto::agreement::{DhGroup, Domain, KeyPair};

use crate::TestkitError;
use crate::dg;
use crate::profile::Profile;
use crate::rng::SeededRng;

/// Every `--chip-auth` name with the protocol it offers (`none`: no Chip Authentication).
pub const PROTOCOL_NAMES: [(&str, Option<CaProtocol>); 9] = [
    (
        "ecdh-aes128",
        Some(CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128)),
    ),
    (
        "ecdh-aes192",
        Some(CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes192)),
    ),
    (
        "ecdh-aes256",
        Some(CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes256)),
    ),
    (
        "ecdh-3des",
        Some(CaProtocol::new(KeyAgreement::Ecdh, Cipher::Tdes)),
    ),
    (
        "dh-3des",
        Some(CaProtocol::new(KeyAgreement::Dh, Cipher::Tdes)),
    ),
    (
        "dh-aes128",
        Some(CaProtocol::new(KeyAgreement::Dh, Cipher::Aes128)),
    ),
    (
        "dh-aes192",
        Some(CaProtocol::new(KeyAgreement::Dh, Cipher::Aes192)),
    ),
    (
        "dh-aes256",
        Some(CaProtocol::new(KeyAgreement::Dh, Cipher::Aes256)),
    ),
    ("none", None),
];

/// Every `--ca-curve` name with its curve.
pub const CURVE_NAMES: [(&str, Curve); 6] = [
    ("p256", Curve::P256),
    ("bp256", Curve::BrainpoolP256r1),
    ("p384", Curve::P384),
    ("bp384", Curve::BrainpoolP384r1),
    ("p521", Curve::P521),
    ("bp512", Curve::BrainpoolP512r1),
];

/// The curve a `--ca-curve` name (of [`CURVE_NAMES`]) stands for.
///
/// # Errors
/// A message naming the option for an unknown name.
pub fn curve_from_name(name: &str) -> Result<Curve, String> {
    CURVE_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .ok_or_else(|| format!("--ca-curve {name}: unknown"))
}

/// Whose static key a chip holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The key the issuer put into DG14 (and the SOD covers).
    Genuine,
    /// Another key on the same domain (a cloned chip's own key).
    Clone,
    /// Another key, published in a DG14 the SOD does not cover.
    NotCovered,
}

impl KeyRole {
    const fn label(self) -> &'static str {
        match self {
            KeyRole::Genuine => "genuine",
            KeyRole::Clone => "clone",
            KeyRole::NotCovered => "not-covered",
        }
    }
}

/// The Chip Authentication a virtual chip offers: protocol and, for ECDH, the curve (DH
/// uses the RFC 5114 2048-bit group with a 224-bit subgroup).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipAuthSpec {
    /// The protocol (its `ChipAuthenticationInfo`).
    pub protocol: CaProtocol,
    /// The curve of an ECDH protocol (ignored for DH).
    pub curve: Curve,
}

impl ChipAuthSpec {
    /// The spec for the CLI names: `Ok(None)` for `--chip-auth none`.
    ///
    /// # Errors
    /// A message naming the unknown option value.
    pub fn from_names(chip_auth: &str, curve: &str) -> Result<Option<Self>, String> {
        let protocol = PROTOCOL_NAMES
            .iter()
            .find(|(name, _)| *name == chip_auth)
            .map(|(_, p)| *p)
            .ok_or_else(|| format!("--chip-auth {chip_auth}: unknown"))?;
        let curve = curve_from_name(curve)?;
        Ok(protocol.map(|protocol| ChipAuthSpec { protocol, curve }))
    }

    /// The `--chip-auth` and `--ca-curve` options that name `spec` (`None`: no CA).
    #[must_use]
    pub fn cli_options(spec: Option<ChipAuthSpec>) -> String {
        let protocol = PROTOCOL_NAMES
            .iter()
            .find(|(_, p)| *p == spec.map(|s| s.protocol))
            .map_or("none", |(name, _)| *name);
        let curve = CURVE_NAMES
            .iter()
            .find(|(_, c)| Some(*c) == spec.map(|s| s.curve))
            .map_or("p256", |(name, _)| *name);
        format!("--chip-auth {protocol} --ca-curve {curve}")
    }

    /// The domain of the chip's static key.
    #[must_use]
    pub fn domain(&self) -> Domain {
        match self.protocol.agreement {
            KeyAgreement::Ecdh => Domain::ec(self.curve),
            KeyAgreement::Dh => Domain::dh(DhGroup::rfc5114_2048_224()),
        }
    }

    fn label(&self, profile: Profile, role: KeyRole) -> String {
        let domain = match self.protocol.agreement {
            KeyAgreement::Ecdh => self.curve.name(),
            KeyAgreement::Dh => "dh-2048-224",
        };
        format!(
            "{profile}/chip-authentication/{}/{domain}/{}",
            self.protocol.oid(),
            role.label()
        )
    }

    /// The static key pair of `role` for `profile` and `seed`: the same inputs always give
    /// the same key.
    ///
    /// # Errors
    /// [`TestkitError::NotApplicable`] if no key could be drawn (not expected).
    pub fn key_pair(
        &self,
        profile: Profile,
        seed: u64,
        role: KeyRole,
    ) -> Result<KeyPair, TestkitError> {
        let mut rng = SeededRng::new(seed, &self.label(profile, role));
        KeyPair::generate_with_rng(&self.domain(), &mut rng)
            .map_err(|e| TestkitError::NotApplicable(format!("Chip Authentication key: {e}")))
    }

    /// The chip's key for `dongpo_chip::CaChip` (no key id, as DG14 names none).
    ///
    /// # Errors
    /// As [`ChipAuthSpec::key_pair`].
    pub fn chip_key(
        &self,
        profile: Profile,
        seed: u64,
        role: KeyRole,
    ) -> Result<ChipCaKey, TestkitError> {
        Ok(ChipCaKey {
            protocol: self.protocol,
            key_id: None,
            key: self.key_pair(profile, seed, role)?,
        })
    }

    /// The DG14 SecurityInfos publishing the public key of `key`
    /// (`ChipAuthenticationPublicKeyInfo` and `ChipAuthenticationInfo`, version 1).
    ///
    /// # Errors
    /// A DER encoding error (not expected).
    pub fn security_infos(&self, key: &KeyPair) -> Result<Vec<Vec<u8>>, TestkitError> {
        Ok(dg::chip_auth_infos(
            self.protocol.public_key_protocol(),
            &key.public_key().to_spki_der(),
            self.protocol.oid(),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_are_deterministic_and_distinct() {
        let spec = ChipAuthSpec::from_names("dh-aes192", "p384")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("dh-aes192 is a protocol"));
        assert_eq!(
            spec.protocol,
            CaProtocol::new(KeyAgreement::Dh, Cipher::Aes192)
        );
        assert!(matches!(ChipAuthSpec::from_names("none", "p256"), Ok(None)));
        assert!(ChipAuthSpec::from_names("ecdh-aes512", "p256").is_err());
        assert!(ChipAuthSpec::from_names("ecdh-aes128", "p224").is_err());
        let spec = ChipAuthSpec {
            protocol: CaProtocol::new(KeyAgreement::Ecdh, Cipher::Aes128),
            curve: Curve::BrainpoolP256r1,
        };
        let public = |seed, role| {
            spec.key_pair(Profile::P256, seed, role)
                .map(|k| k.public_key_bytes().to_vec())
                .unwrap_or_default()
        };
        let genuine = public(1, KeyRole::Genuine);
        assert_eq!(genuine.len(), 65);
        assert_eq!(genuine, public(1, KeyRole::Genuine));
        assert_ne!(genuine, public(2, KeyRole::Genuine));
        assert_ne!(genuine, public(1, KeyRole::Clone));
        assert_ne!(genuine, public(1, KeyRole::NotCovered));
    }
}
