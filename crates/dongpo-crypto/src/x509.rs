//! The one adapter between dongpo's [`Signer`] and `x509-cert`'s builders (certificates,
//! CRLs, CSRs) and the OCSP response builder: a key bound to the [`SignatureAlgorithm`]
//! it signs with, including PSS and brainpool, which the builders' own RustCrypto
//! signers do not offer.

use std::ops::Deref;
use std::sync::Arc;

use der::asn1::BitString;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding,
};

use crate::algorithm::SignatureAlgorithm;
use crate::error::SignError;
use crate::key::PublicKey;
use crate::sign::Signer;

/// A signing key bound to the algorithm it signs certificates, CRLs and OCSP responses
/// with.
///
/// `K` is how the key is held: `&SigningKey` or `&dyn Signer` for one build,
/// `Arc<dyn Signer>` ([`SharedSigner`]) for a long-lived responder or publisher that
/// must own what it signs with.
#[derive(Clone)]
pub struct CertSigner<K> {
    key: K,
    algorithm: SignatureAlgorithm,
}

/// A [`CertSigner`] that owns a shared key: what OCSP responders and CRL schedulers hold.
pub type SharedSigner = CertSigner<Arc<dyn Signer>>;

impl<K> std::fmt::Debug for CertSigner<K>
where
    K: Deref,
    K::Target: Signer,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertSigner")
            .field("key", &self.key.describe())
            .field("algorithm", &self.algorithm.name())
            .finish()
    }
}

impl<K> CertSigner<K>
where
    K: Deref,
    K::Target: Signer,
{
    /// Binds `key` to `algorithm`.
    #[must_use]
    pub fn new(key: K, algorithm: SignatureAlgorithm) -> Self {
        CertSigner { key, algorithm }
    }

    /// The bound algorithm.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &K::Target {
        &self.key
    }

    /// The key's public half.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// Signs `message` under the bound algorithm, keeping the key's error.
    ///
    /// # Errors
    /// The key's [`SignError`].
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign(&self.algorithm, message)
    }
}

/// The public half of a [`CertSigner`], as the builders want it.
#[derive(Clone, Debug)]
pub struct SpkiPublicKey(pub PublicKey);

impl EncodePublicKey for SpkiPublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.to_spki_der())?)
    }
}

/// Raw signature bytes, written as a BIT STRING with no unused bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureBytes(pub Vec<u8>);

impl SignatureBitStringEncoding for SignatureBytes {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl<K> signature::Keypair for CertSigner<K>
where
    K: Deref,
    K::Target: Signer,
{
    type VerifyingKey = SpkiPublicKey;

    fn verifying_key(&self) -> SpkiPublicKey {
        SpkiPublicKey(self.key.public_key().clone())
    }
}

impl<K> DynSignatureAlgorithmIdentifier for CertSigner<K>
where
    K: Deref,
    K::Target: Signer,
{
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.to_identifier())
    }
}

impl<K> signature::Signer<SignatureBytes> for CertSigner<K>
where
    K: Deref,
    K::Target: Signer,
{
    fn try_sign(&self, msg: &[u8]) -> Result<SignatureBytes, signature::Error> {
        self.sign(msg)
            .map(SignatureBytes)
            .map_err(|_| signature::Error::new())
    }
}
