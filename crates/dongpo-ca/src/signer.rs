//! Lets `x509-cert`'s builders sign with any [`IssuerKey`] (software or PKCS#11).

use dongpo_crypto::SignatureAlgorithm;
use dongpo_crypto::x509::{SignatureBytes, SpkiPublicKey};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};

use crate::keys::IssuerKey;

/// An issuing key bound to the algorithm it signs with.
pub struct IssuerSigner<'a> {
    key: &'a dyn IssuerKey,
    algorithm: SignatureAlgorithm,
}

impl<'a> IssuerSigner<'a> {
    /// Binds `key` to `algorithm`.
    #[must_use]
    pub fn new(key: &'a dyn IssuerKey, algorithm: SignatureAlgorithm) -> Self {
        IssuerSigner { key, algorithm }
    }

    /// The bound algorithm.
    #[must_use]
    pub fn algorithm(&self) -> &SignatureAlgorithm {
        &self.algorithm
    }

    /// Signs `message`, keeping the key's error text.
    ///
    /// # Errors
    /// The key's error.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, crate::keys::IssuerKeyError> {
        self.key.sign(&self.algorithm, message)
    }
}

impl signature::Keypair for IssuerSigner<'_> {
    type VerifyingKey = SpkiPublicKey;

    fn verifying_key(&self) -> SpkiPublicKey {
        SpkiPublicKey(self.key.public_key().clone())
    }
}

impl DynSignatureAlgorithmIdentifier for IssuerSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.to_identifier())
    }
}

impl signature::Signer<SignatureBytes> for IssuerSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<SignatureBytes, signature::Error> {
        self.sign(msg)
            .map(SignatureBytes)
            .map_err(|_| signature::Error::new())
    }
}

/// An issuing key shared with long-lived signers (OCSP responders, CRL schedulers) that
/// must own what they sign with.
#[derive(Clone)]
pub struct SharedSigner {
    key: std::sync::Arc<dyn IssuerKey>,
    algorithm: SignatureAlgorithm,
}

impl SharedSigner {
    /// Binds a shared `key` to `algorithm`.
    #[must_use]
    pub fn new(key: std::sync::Arc<dyn IssuerKey>, algorithm: SignatureAlgorithm) -> Self {
        SharedSigner { key, algorithm }
    }
}

impl signature::Keypair for SharedSigner {
    type VerifyingKey = SpkiPublicKey;

    fn verifying_key(&self) -> SpkiPublicKey {
        SpkiPublicKey(self.key.public_key().clone())
    }
}

impl DynSignatureAlgorithmIdentifier for SharedSigner {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.to_identifier())
    }
}

impl signature::Signer<SignatureBytes> for SharedSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<SignatureBytes, signature::Error> {
        self.key
            .sign(&self.algorithm, msg)
            .map(SignatureBytes)
            .map_err(|_| signature::Error::new())
    }
}
