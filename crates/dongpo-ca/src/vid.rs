//! The KISA VID of one certificate: its random `R` drawn per issuance, the VID computed from
//! the applicant's RRN and `R`, and `R` sealed to the certified public key.
//!
//! With a certificate's VID and `R`, the RRN is brute-forced in seconds (the birth date and
//! sex fix seven of its thirteen digits), so `R` belongs to the subscriber alone: the CA
//! keeps it in wiped memory from the approval to the sealing, stores and returns only the
//! sealed value, and never logs it (`docs/vid.md`).

use dongpo_crypto::seal::{SealError, SealSuite, VID_RANDOM_INFO};
use dongpo_crypto::{HashAlgorithm, PublicKey};
use zeroize::Zeroizing;

/// The length of `R` in bytes: the 160 bits KCAC.TS.SIVID asks for.
pub const RANDOM_LEN: usize = 20;

/// `R` sealed to the certified public key ([`dongpo_crypto::seal`], `info`
/// [`VID_RANDOM_INFO`]): what the CA stores with the certificate and answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedRandom {
    /// How it was sealed ([`SealSuite::name`] on the wire).
    pub suite: SealSuite,
    /// The sealed value: `enc ‖ ct` for HPKE, the OAEP ciphertext for RSA.
    pub ciphertext: Vec<u8>,
}

/// Why no VID can be assigned to an application.
#[derive(Debug, thiserror::Error)]
pub enum VidAssignError {
    /// `R` cannot be sealed to the CSR's key, so the subscriber could never receive it.
    #[error("{0}")]
    KeyUnsupported(SealError),
    /// The RRN is not 13 digits.
    #[error("the resident registration number is not 13 digits")]
    BadRrn,
    /// The OS random number generator failed.
    #[error("the OS random number generator failed")]
    Random,
}

/// A VID and the random `R` it was computed with, for one approval. `R` is wiped when
/// this is dropped and never printed.
#[derive(Clone)]
pub struct AssignedVid {
    virtual_id: Vec<u8>,
    random: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for AssignedVid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // R (and so the RRN) must not reach a log through a debug print of an approval.
        f.write_str("AssignedVid(..)")
    }
}

impl AssignedVid {
    /// Draws `R` (OS CSPRNG) and computes the VID of `rrn` (13 digits, one hyphen after the
    /// sixth allowed) for a certificate of `key`. The key is checked first: a key `R`
    /// cannot be sealed to is refused before anything is drawn.
    ///
    /// # Errors
    /// [`VidAssignError`].
    pub fn draw(rrn: &str, key: &PublicKey) -> Result<Self, VidAssignError> {
        SealSuite::for_key(key).map_err(VidAssignError::KeyUnsupported)?;
        let digits = crate::rrn::normalise(rrn).ok_or(VidAssignError::BadRrn)?;
        let mut random = Zeroizing::new(vec![0u8; RANDOM_LEN]);
        getrandom::fill(random.as_mut_slice()).map_err(|_| VidAssignError::Random)?;
        let virtual_id = dongpo_profiles::vid::virtual_id(&digits, &random, HashAlgorithm::Sha256)
            .map_err(|_| VidAssignError::BadRrn)?;
        Ok(AssignedVid { virtual_id, random })
    }

    /// The VID (`H(H(DER(HashContent)))`, SHA-256) the certificate carries.
    #[must_use]
    pub fn virtual_id(&self) -> &[u8] {
        &self.virtual_id
    }

    /// `R` sealed to `key`, the certified public key.
    ///
    /// # Errors
    /// [`SealError`] (the key was checked at approval, so in practice the OS random
    /// number generator only).
    pub fn seal(&self, key: &PublicKey) -> Result<SealedRandom, SealError> {
        let (suite, ciphertext) = dongpo_crypto::seal::seal(key, VID_RANDOM_INFO, &self.random)?;
        Ok(SealedRandom { suite, ciphertext })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongpo_crypto::{Curve, KeySpec, SigningKey};

    fn key(spec: KeySpec) -> (PublicKey, Zeroizing<Vec<u8>>) {
        let pair = SigningKey::generate(spec).unwrap();
        (pair.public_key().clone(), pair.to_pkcs8_der().unwrap())
    }

    #[test]
    fn r_is_fresh_sealed_to_the_key_and_matches_the_vid() {
        for spec in [KeySpec::Ec(Curve::P256), KeySpec::Rsa(2048)] {
            let (public, private) = key(spec);
            let a = AssignedVid::draw("590803-1544762", &public).unwrap();
            let b = AssignedVid::draw("5908031544762", &public).unwrap();
            assert_ne!(a.virtual_id(), b.virtual_id(), "a new R per issuance");
            assert!(!format!("{a:?}").contains("59080"));
            let sealed = a.seal(&public).unwrap();
            assert_eq!(sealed.suite, SealSuite::for_key(&public).unwrap());
            assert_ne!(sealed, a.seal(&public).unwrap(), "sealing is randomised");
            let r =
                dongpo_crypto::seal::open(&private, VID_RANDOM_INFO, &sealed.ciphertext).unwrap();
            assert_eq!(r.len(), RANDOM_LEN);
            let vid = dongpo_profiles::vid::virtual_id("5908031544762", &r, HashAlgorithm::Sha256)
                .unwrap();
            assert_eq!(vid, a.virtual_id());
            let other =
                dongpo_profiles::vid::virtual_id("5908031544763", &r, HashAlgorithm::Sha256)
                    .unwrap();
            assert_ne!(other, a.virtual_id());
        }
    }

    #[test]
    fn keys_r_cannot_be_sealed_to_and_bad_rrns_are_refused() {
        let (brainpool, _) = key(KeySpec::Ec(Curve::BrainpoolP256r1));
        assert!(matches!(
            AssignedVid::draw("5908031544762", &brainpool),
            Err(VidAssignError::KeyUnsupported(SealError::UnsupportedKey(_)))
        ));
        let (p256, _) = key(KeySpec::Ec(Curve::P256));
        for bad in ["590803154476", "59080-31544762", "59080315447a2"] {
            assert!(matches!(
                AssignedVid::draw(bad, &p256),
                Err(VidAssignError::BadRrn)
            ));
        }
    }
}
