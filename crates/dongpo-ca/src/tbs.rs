//! From a template to a signed certificate in three visible steps: build the
//! to-be-signed bytes, let the caller lint them, then sign exactly those bytes.
//!
//! `x509-cert`'s `CertificateBuilder` does the encoding; a fixed builder profile makes it
//! write our names and extensions and nothing else.

use der::asn1::GeneralizedTime;
use der::{Decode, Encode};
use dongpo_crypto::x509::SignatureBytes;
use dongpo_pki::time::UnixTime;
use spki::{SignatureBitStringEncoding, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

use crate::extensions::{ExtensionError, key_identifiers};
use dongpo_crypto::Signer;
use dongpo_crypto::x509::CertSigner;
use dongpo_pki::Serial;

/// Building or signing failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An extension failed to encode.
    #[error(transparent)]
    Extension(#[from] ExtensionError),
    /// The certificate structure failed to encode.
    #[error("certificate encoding: {0}")]
    Encoding(String),
    /// The issuing key failed to sign.
    #[error("signing: {0}")]
    Signing(String),
}

fn encoding(e: impl std::fmt::Display) -> BuildError {
    BuildError::Encoding(e.to_string())
}

/// Everything a certificate says, before signing.
#[derive(Clone, Debug)]
pub struct CertTemplate {
    /// Serial number (already reserved in the store for subscriber certificates).
    pub serial: Serial,
    /// Issuer name (the issuing certificate's subject, byte for byte).
    pub issuer: Name,
    /// Subject name.
    pub subject: Name,
    /// notBefore.
    pub not_before: UnixTime,
    /// notAfter (inclusive, RFC 5280 §4.1.2.5).
    pub not_after: UnixTime,
    /// The subject's public key.
    pub spki: SubjectPublicKeyInfoOwned,
    /// Extensions after the key identifiers, in order.
    pub extensions: Vec<Extension>,
    /// Self-signed (no authorityKeyIdentifier).
    pub self_signed: bool,
}

/// A builder profile that writes exactly the template's names and extensions.
struct FixedProfile {
    issuer: Name,
    subject: Name,
    extensions: Vec<Extension>,
    self_signed: bool,
}

impl BuilderProfile for FixedProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut out = key_identifiers(&spk, &issuer_spk, self.self_signed)
            .map_err(|_| x509_cert::builder::Error::Signature(signature::Error::new()))?;
        out.extend(self.extensions.iter().cloned());
        Ok(out)
    }
}

fn x509_time(t: UnixTime) -> Result<Time, BuildError> {
    // The builder turns dates before 2050 into UTCTime, as RFC 5280 requires.
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(t.0))
        .map(Time::GeneralTime)
        .map_err(encoding)
}

/// A certificate ready to be signed: its TBS bytes are final.
pub struct ToBeSigned {
    builder: CertificateBuilder<FixedProfile>,
    tbs_der: Vec<u8>,
}

impl ToBeSigned {
    /// The TBS decoded, for linting.
    ///
    /// # Errors
    /// [`BuildError::Encoding`] if the bytes do not decode (a builder bug).
    pub fn tbs(&self) -> Result<TbsCertificate, BuildError> {
        TbsCertificate::from_der(&self.tbs_der).map_err(encoding)
    }

    /// Signs the TBS bytes and returns the certificate DER.
    ///
    /// # Errors
    /// [`BuildError::Signing`] or [`BuildError::Encoding`].
    pub fn sign(self, signer: &CertSigner<&dyn Signer>) -> Result<Vec<u8>, BuildError> {
        let signature = signer
            .sign(&self.tbs_der)
            .map_err(|e| BuildError::Signing(e.to_string()))?;
        let bits = SignatureBytes(signature).to_bitstring().map_err(encoding)?;
        let certificate = self.builder.assemble(bits, signer).map_err(encoding)?;
        certificate.to_der().map_err(encoding)
    }
}

/// Encodes `template` for `signer`.
///
/// # Errors
/// [`BuildError`] naming what failed to encode.
pub fn prepare(
    template: CertTemplate,
    signer: &CertSigner<&dyn Signer>,
) -> Result<ToBeSigned, BuildError> {
    let validity = Validity::new(
        x509_time(template.not_before)?,
        x509_time(template.not_after)?,
    );
    let profile = FixedProfile {
        issuer: template.issuer,
        subject: template.subject,
        extensions: template.extensions,
        self_signed: template.self_signed,
    };
    let mut builder = CertificateBuilder::new(
        profile,
        template.serial.to_x509().map_err(encoding)?,
        validity,
        template.spki,
    )
    .map_err(encoding)?;
    let tbs_der = builder.finalize(signer).map_err(encoding)?;
    Ok(ToBeSigned { builder, tbs_der })
}
