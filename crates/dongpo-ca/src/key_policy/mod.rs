//! The subscriber key policy: which keys a profile accepts, and the weak-key checks run
//! before anything is issued (in the spirit of Boulder's `goodkey` and EJBCA's key
//! validators).
//!
//! Checks run cheapest first, and the allowed-list check runs before any arithmetic, so
//! an oversized hostile modulus is refused before Fermat or ROCA spend time on it.

mod ec;
mod fermat;
mod roca;
mod rsa;
#[cfg(test)]
mod test_primes;

use dongpo_crypto::{KeySpec, PublicKey};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// Why a subscriber key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRejection {
    /// The key type, RSA size, EC curve or EC encoding is not one the profile allows.
    #[error("key {found} is not allowed by the profile (allowed: {allowed})")]
    NotAllowed {
        /// The key as found, e.g. `rsa:1024` or `ec:P-256 (explicit parameters)`.
        found: String,
        /// The keys the profile allows, e.g. `rsa:2048, ec:P-256`.
        allowed: String,
    },
    /// The RSA public exponent is not 65537.
    #[error("RSA public exponent {0} refused: only 65537 is accepted")]
    RsaExponent(String),
    /// The RSA modulus has a small prime factor (this one).
    #[error("RSA modulus is divisible by the small prime {0}")]
    RsaSmallFactor(u32),
    /// The RSA modulus has the ROCA fingerprint (CVE-2017-15361).
    #[error(
        "RSA modulus has the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): it can be factored"
    )]
    Roca,
    /// Fermat's method factors the RSA modulus: its primes are too close together.
    #[error("RSA modulus factors by Fermat's method: its two primes are too close together")]
    FermatFactorable,
    /// The EC public point fails public-key validation.
    #[error("invalid EC public key: {0}")]
    EcInvalidPoint(String),
}

/// The keys one profile accepts, and how hard to look for weak ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPolicy {
    allowed: Vec<KeySpec>,
    fermat_rounds: u32,
}

impl KeyPolicy {
    /// Fermat iterations by default: Boulder's choice, which finds primes that share
    /// roughly their top half of bits at negligible cost.
    pub const DEFAULT_FERMAT_ROUNDS: u32 = 110;

    /// A policy accepting exactly `allowed` (usually a profile's `key_algorithms`).
    #[must_use]
    pub fn new(allowed: Vec<KeySpec>) -> Self {
        KeyPolicy {
            allowed,
            fermat_rounds: Self::DEFAULT_FERMAT_ROUNDS,
        }
    }

    /// The same policy with another number of Fermat iterations.
    #[must_use]
    pub fn with_fermat_rounds(mut self, rounds: u32) -> Self {
        self.fermat_rounds = rounds;
        self
    }

    /// The keys this policy accepts.
    #[must_use]
    pub fn allowed(&self) -> &[KeySpec] {
        &self.allowed
    }

    /// Accepts `key` or says why not.
    ///
    /// # Errors
    /// The first [`KeyRejection`] found: the allowed list first, then for RSA the
    /// exponent, small factors, ROCA and Fermat; for EC full public-key validation.
    pub fn check(&self, key: &PublicKey) -> Result<(), KeyRejection> {
        self.check_allowed(key)?;
        match key {
            PublicKey::Rsa(rsa) => {
                rsa::check_exponent(&rsa.exponent)?;
                rsa::check_small_factors(&rsa.modulus)?;
                if roca::has_fingerprint(&rsa.modulus) {
                    return Err(KeyRejection::Roca);
                }
                let n = BigUint::from_bytes_be(&rsa.modulus);
                if fermat::factors_within(&n, self.fermat_rounds) {
                    return Err(KeyRejection::FermatFactorable);
                }
                Ok(())
            }
            PublicKey::Ec(ec) => ec::validate(ec),
        }
    }

    fn check_allowed(&self, key: &PublicKey) -> Result<(), KeyRejection> {
        let permitted = self.allowed.iter().any(|spec| match (spec, key) {
            // A key restricted to RSASSA-PSS (RFC 4055 id-RSASSA-PSS SPKI) is refused: the
            // CA certifies keys as rsaEncryption, which would silently drop the restriction
            // the key's owner asked for, and the RA must refuse before a serial is reserved
            // rather than leave it to the pre-issuance lint.
            (KeySpec::Rsa(bits), PublicKey::Rsa(rsa)) => {
                rsa.bits() == *bits && rsa.pss_restriction.is_none()
            }
            // Explicit parameters are how curve-substitution attacks travel; a phone
            // app has no reason to send them, so subscribers must name the curve.
            (KeySpec::Ec(curve), PublicKey::Ec(ec)) => {
                ec.curve == *curve && !ec.explicit_parameters
            }
            _ => false,
        });
        if permitted {
            return Ok(());
        }
        let found = match key {
            PublicKey::Ec(ec) if ec.explicit_parameters => {
                format!("{} (explicit parameters)", key.description())
            }
            PublicKey::Rsa(rsa) if rsa.pss_restriction.is_some() => {
                format!("{} (restricted to RSASSA-PSS)", key.description())
            }
            _ => key.description(),
        };
        let allowed = self
            .allowed
            .iter()
            .map(|spec| spec_name(*spec))
            .collect::<Vec<_>>()
            .join(", ");
        Err(KeyRejection::NotAllowed { found, allowed })
    }
}

/// A key spec written like [`PublicKey::description`]: `rsa:2048`, `ec:P-256`.
fn spec_name(spec: KeySpec) -> String {
    match spec {
        KeySpec::Rsa(bits) => format!("rsa:{bits}"),
        KeySpec::Ec(curve) => format!("ec:{}", curve.name()),
    }
}

/// The identity of a key for blocked lists and the one-key-per-person rule: SHA-256 of
/// its SPKI DER in canonical form (EC with the named curve, RSA as `rsaEncryption`), so
/// that re-encoding a key (explicit parameters, PSS OID, PEM vs DER) never changes it.
#[must_use]
pub fn spki_sha256(key: &PublicKey) -> [u8; 32] {
    Sha256::digest(key.to_spki_der()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongpo_crypto::{Curve, RsaPublicKey, SigningKey};

    fn key(spec: KeySpec) -> PublicKey {
        SigningKey::generate(spec).unwrap().public_key().clone()
    }

    fn with_exponent(key: &PublicKey, exponent: &[u8]) -> PublicKey {
        let PublicKey::Rsa(rsa) = key else {
            panic!("not RSA")
        };
        PublicKey::Rsa(RsaPublicKey {
            exponent: exponent.to_vec(),
            ..rsa.clone()
        })
    }

    fn profile() -> KeyPolicy {
        KeyPolicy::new(vec![KeySpec::Rsa(2048), KeySpec::Ec(Curve::P256)])
    }

    #[test]
    fn allowed_keys_pass() {
        let policy = profile();
        assert_eq!(policy.check(&key(KeySpec::Rsa(2048))), Ok(()));
        assert_eq!(policy.check(&key(KeySpec::Ec(Curve::P256))), Ok(()));
        assert_eq!(policy.allowed().len(), 2);
    }

    #[test]
    fn keys_outside_the_profile_are_named() {
        let policy = profile();
        let err = policy.check(&key(KeySpec::Rsa(1024))).unwrap_err();
        assert_eq!(
            err,
            KeyRejection::NotAllowed {
                found: "rsa:1024".into(),
                allowed: "rsa:2048, ec:P-256".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "key rsa:1024 is not allowed by the profile (allowed: rsa:2048, ec:P-256)"
        );
        // RSA-3072 is refused too: the size must match exactly, not be "at least".
        assert!(matches!(
            policy.check(&key(KeySpec::Rsa(3072))),
            Err(KeyRejection::NotAllowed { .. })
        ));
        let p256_only = KeyPolicy::new(vec![KeySpec::Ec(Curve::P256)]);
        assert!(matches!(
            p256_only.check(&key(KeySpec::Ec(Curve::P384))),
            Err(KeyRejection::NotAllowed { found, .. }) if found == "ec:P-384"
        ));
        assert!(matches!(
            p256_only.check(&key(KeySpec::Rsa(2048))),
            Err(KeyRejection::NotAllowed { found, .. }) if found == "rsa:2048"
        ));
    }

    #[test]
    fn explicit_ec_parameters_are_refused_but_keep_the_key_identity() {
        let named = key(KeySpec::Ec(Curve::P256));
        let explicit = PublicKey::from_spki_der(&named.to_spki_der_explicit()).unwrap();
        assert!(matches!(
            profile().check(&explicit),
            Err(KeyRejection::NotAllowed { found, .. }) if found == "ec:P-256 (explicit parameters)"
        ));
        assert_eq!(spki_sha256(&explicit), spki_sha256(&named));
        assert_ne!(
            spki_sha256(&named),
            spki_sha256(&key(KeySpec::Ec(Curve::P256)))
        );
    }

    #[test]
    fn a_key_restricted_to_pss_is_refused_but_keeps_the_key_identity() {
        let plain = key(KeySpec::Rsa(2048));
        let PublicKey::Rsa(mut rsa) = plain.clone() else {
            panic!("not RSA");
        };
        rsa.pss_restriction = Some(None);
        let restricted = PublicKey::Rsa(rsa);
        assert!(matches!(
            profile().check(&restricted),
            Err(KeyRejection::NotAllowed { found, .. }) if found == "rsa:2048 (restricted to RSASSA-PSS)"
        ));
        assert_eq!(spki_sha256(&restricted), spki_sha256(&plain));
        assert_eq!(profile().check(&plain), Ok(()));
    }

    #[test]
    fn spki_sha256_is_the_sha256_of_the_named_curve_spki() {
        let k = key(KeySpec::Ec(Curve::P256));
        let expected = Sha256::digest(k.to_spki_der());
        assert_eq!(spki_sha256(&k).as_slice(), expected.as_slice());
    }

    #[test]
    fn only_exponent_65537_is_accepted() {
        let rsa = key(KeySpec::Rsa(2048));
        for (e, shown) in [
            (&[3u8][..], "3"),
            (&[0x01, 0x00, 0x03], "65539"),
            (&[0x01, 0x00, 0x00, 0x01], "16777217"),
        ] {
            assert_eq!(
                profile().check(&with_exponent(&rsa, e)),
                Err(KeyRejection::RsaExponent(shown.into()))
            );
        }
    }

    #[test]
    fn even_modulus_is_a_small_factor() {
        let PublicKey::Rsa(rsa) = key(KeySpec::Rsa(2048)) else {
            panic!()
        };
        let mut modulus = rsa.modulus.clone();
        *modulus.last_mut().unwrap() &= 0xfe;
        let even = PublicKey::Rsa(RsaPublicKey { modulus, ..rsa });
        assert_eq!(profile().check(&even), Err(KeyRejection::RsaSmallFactor(2)));
    }

    #[test]
    fn fermat_rounds_default_like_boulder() {
        assert_eq!(profile().fermat_rounds, 110);
        assert_eq!(profile().with_fermat_rounds(7).fermat_rounds, 7);
    }
}
