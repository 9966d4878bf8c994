//! Adapters that let `x509-cert`'s builders (certificates, CRLs, CSRs) sign with a
//! [`SigningKey`] under any [`SignatureAlgorithm`], including PSS and brainpool, which
//! the builders' own RustCrypto signers do not offer.

use der::asn1::BitString;
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding,
};

use crate::algorithm::SignatureAlgorithm;
use crate::key::PublicKey;
use crate::sign::SigningKey;

/// A signing key bound to the algorithm it signs certificates with.
#[derive(Debug)]
pub struct CertSigner<'a> {
    key: &'a SigningKey,
    algorithm: SignatureAlgorithm,
}

impl<'a> CertSigner<'a> {
    /// Binds `key` to `algorithm`.
    #[must_use]
    pub fn new(key: &'a SigningKey, algorithm: SignatureAlgorithm) -> Self {
        CertSigner { key, algorithm }
    }

    /// The bound algorithm.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
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

impl signature::Keypair for CertSigner<'_> {
    type VerifyingKey = SpkiPublicKey;

    fn verifying_key(&self) -> SpkiPublicKey {
        SpkiPublicKey(self.key.public_key().clone())
    }
}

impl DynSignatureAlgorithmIdentifier for CertSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.algorithm.to_identifier())
    }
}

impl signature::Signer<SignatureBytes> for CertSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<SignatureBytes, signature::Error> {
        self.key
            .sign(&self.algorithm, msg)
            .map(SignatureBytes)
            .map_err(|_| signature::Error::new())
    }
}
