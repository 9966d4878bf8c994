//! Signing keys for CAs (AWS-LC where it has the algorithm) and for deterministic test
//! PKIs (RustCrypto, or the generic big-integer code for curves no crate covers).
//!
//! Module layering, one way only: `software` is the key, `pkcs8` imports and exports it,
//! and this module ties them together (so `pkcs8` and `software` never import each other
//! both ways).

use getrandom::SysRng;
use rand_core::{CryptoRng, UnwrapErr};

use crate::algorithm::{EcdsaEncoding, SignatureAlgorithm};
use crate::curve::Curve;
use crate::ecdsa_sig::EcdsaSignature;
use crate::error::SignError;
use crate::key::PublicKey;

#[cfg(feature = "aws-lc")]
mod aws_lc;
mod pkcs8;
mod software;

/// The one way dongpo signs: a private key that signs whole messages (not digests)
/// under a [`SignatureAlgorithm`] it is asked for.
///
/// Implemented by [`SigningKey`] (software keys, also those the CA keeps in encrypted
/// files) and by the CA's PKCS#11 keys. Object safe, so issuers, CRL publishers and OCSP
/// responders hold `&dyn Signer` or `Arc<dyn Signer>` and work the same on a laptop and
/// against an HSM. [`crate::x509::CertSigner`] binds one to an algorithm for `x509-cert`'s
/// builders, CRLs and OCSP responses.
pub trait Signer: Send + Sync {
    /// The public half, as it goes into certificates.
    fn public_key(&self) -> &PublicKey;

    /// Signs `message` (not a digest) under `algorithm`; ECDSA signatures come out in
    /// the encoding the algorithm names (DER `ECDSA-Sig-Value` for X.509).
    ///
    /// # Errors
    /// [`SignError::Unsupported`] when the key cannot produce `algorithm`,
    /// [`SignError::Backend`] or [`SignError::Key`] when the implementation fails.
    fn sign(&self, algorithm: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, SignError>;

    /// Where the key lives, for logs and reports: `software ec:P-256`,
    /// `pkcs11 token 'ca' key 'issuing-2025' (ec:P-384)`. Never contains secrets.
    fn describe(&self) -> String;
}

impl Signer for SigningKey {
    fn public_key(&self) -> &PublicKey {
        SigningKey::public_key(self)
    }

    fn sign(&self, algorithm: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, SignError> {
        SigningKey::sign(self, algorithm, message)
    }

    fn describe(&self) -> String {
        format!("software {}", self.public.description())
    }
}

/// The kind of key to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySpec {
    /// RSA with this modulus size in bits and exponent 65537.
    Rsa(usize),
    /// ECDSA on this curve.
    Ec(Curve),
}

/// A private key able to sign.
///
/// Every key has a pure-Rust implementation (deterministic with a seeded RNG); where
/// AWS-LC supports the key type it also holds an AWS-LC copy, used by [`SigningKey::sign`].
pub struct SigningKey {
    software: software::SoftwareKey,
    #[cfg(feature = "aws-lc")]
    fast: Option<aws_lc::AwsLcKey>,
    public: PublicKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.public.description())
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn from_software(software: software::SoftwareKey) -> Result<Self, SignError> {
        let public = software.public_key()?;
        #[cfg(feature = "aws-lc")]
        let fast = match pkcs8::encode(&software, &public) {
            Ok(der) => aws_lc::AwsLcKey::from_pkcs8_der(&der, software.spec()).and_then(Result::ok),
            Err(_) => None,
        };
        Ok(SigningKey {
            software,
            #[cfg(feature = "aws-lc")]
            fast,
            public,
        })
    }

    /// Generates a key from the OS CSPRNG (on AWS-LC when it supports the key type).
    ///
    /// # Errors
    /// [`SignError`] when generation fails or the size is unsupported.
    pub fn generate(spec: KeySpec) -> Result<Self, SignError> {
        #[cfg(feature = "aws-lc")]
        if let Some(key) = aws_lc::AwsLcKey::generate(spec) {
            let der = key?.to_pkcs8_der()?;
            return Self::from_pkcs8_der(&der);
        }
        Self::generate_with_rng(spec, &mut UnwrapErr(SysRng))
    }

    /// Generates a key in pure Rust from `rng`: the same seeded generator always gives the
    /// same key (used by the test kit).
    ///
    /// # Errors
    /// [`SignError`] when generation fails or the size is unsupported.
    pub fn generate_with_rng<R: CryptoRng + ?Sized>(
        spec: KeySpec,
        rng: &mut R,
    ) -> Result<Self, SignError> {
        Self::from_software(software::SoftwareKey::generate(spec, rng)?)
    }

    /// Reads an unencrypted PKCS#8 private key (RSA, or EC on any supported curve).
    ///
    /// # Errors
    /// [`SignError::BadKey`] naming what is wrong.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SignError> {
        Self::from_software(pkcs8::decode(der)?)
    }

    /// The key as unencrypted PKCS#8 DER (callers encrypt or protect it).
    ///
    /// # Errors
    /// [`SignError::Backend`] when encoding fails.
    pub fn to_pkcs8_der(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, SignError> {
        pkcs8::encode(&self.software, &self.public)
    }

    /// The public half.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Which implementation [`SigningKey::sign`] prefers (`aws-lc`, `rust-crypto`, `generic`).
    #[must_use]
    pub fn backend(&self) -> &'static str {
        #[cfg(feature = "aws-lc")]
        if self.fast.is_some() {
            return "aws-lc";
        }
        self.software.backend()
    }

    /// The pure-Rust implementation behind [`SigningKey::sign_with_rng`]
    /// (`rust-crypto` or `generic`).
    #[must_use]
    pub fn software_backend(&self) -> &'static str {
        self.software.backend()
    }

    /// Signs `message` on the fastest implementation, drawing any randomness (PSS salt,
    /// ECDSA nonces on AWS-LC) from the OS.
    ///
    /// # Errors
    /// [`SignError::Unsupported`] when the key cannot produce `algorithm`.
    pub fn sign(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        self.check(algorithm)?;
        #[cfg(feature = "aws-lc")]
        if let Some(fast) = &self.fast
            && let Ok(signature) = fast.sign(algorithm, message)
        {
            return Ok(signature);
        }
        self.software
            .sign(algorithm, message, &mut UnwrapErr(SysRng))
    }

    /// Signs `message` in pure Rust with randomness from `rng`: fully deterministic for a
    /// seeded `rng` (RFC 6979 nonces for ECDSA, the PSS salt drawn from `rng`).
    ///
    /// # Errors
    /// [`SignError::Unsupported`] when the key cannot produce `algorithm`.
    pub fn sign_with_rng<R: CryptoRng + ?Sized>(
        &self,
        algorithm: &SignatureAlgorithm,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, SignError> {
        self.check(algorithm)?;
        self.software.sign(algorithm, message, rng)
    }

    fn check(&self, algorithm: &SignatureAlgorithm) -> Result<(), SignError> {
        let unsupported = || {
            SignError::Unsupported(format!(
                "{} with {}",
                algorithm.name(),
                self.public.description()
            ))
        };
        let pair_ok = matches!(
            (&self.public, algorithm),
            (
                PublicKey::Rsa(_),
                SignatureAlgorithm::RsaPkcs1 { .. } | SignatureAlgorithm::RsaPss(_)
            ) | (PublicKey::Ec(_), SignatureAlgorithm::Ecdsa { .. })
        );
        // The `rsa` crate ties MGF1 to the message hash, and so does every profile we issue.
        let pss_ok = match algorithm {
            SignatureAlgorithm::RsaPss(p) => p.mgf1_hash == p.hash,
            _ => true,
        };
        if pair_ok && pss_ok {
            Ok(())
        } else {
            Err(unsupported())
        }
    }
}

/// Writes fixed-width `r || s` in the encoding the algorithm names.
fn encode_ecdsa(fixed: &[u8], encoding: EcdsaEncoding) -> Vec<u8> {
    match encoding {
        EcdsaEncoding::Plain => fixed.to_vec(),
        EcdsaEncoding::Der => {
            let (r, s) = fixed.split_at(fixed.len() / 2);
            EcdsaSignature::from_scalars(r, s).to_der()
        }
    }
}
