//! The CA hierarchy `dongpo ca init` creates: a self-signed root and, under it, one
//! issuing CA per institution (path length 0: they issue subscriber certificates only).

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Decode;
use dongpo_crypto::{PublicKey, SignatureAlgorithm};
use dongpo_pki::time::UnixTime;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::CertificatePolicies;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::name::Name;

use crate::extensions::{ca_extensions, extension};
use crate::tbs::{BuildError, CertTemplate, prepare};
use dongpo_crypto::Signer;
use dongpo_crypto::x509::CertSigner;
use dongpo_pki::Serial;

/// Lifetime of the root certificate.
pub const ROOT_DAYS: u32 = 20 * 365;
/// Lifetime of an issuing CA certificate (longer than any subscriber certificate).
pub const ISSUING_CA_DAYS: u32 = 10 * 365;

fn spki(key: &PublicKey) -> Result<SubjectPublicKeyInfoOwned, BuildError> {
    SubjectPublicKeyInfoOwned::from_der(&key.to_spki_der())
        .map_err(|e| BuildError::Encoding(e.to_string()))
}

fn random_serial() -> Result<Serial, BuildError> {
    Serial::random().map_err(|e| BuildError::Encoding(e.to_string()))
}

/// A self-signed root certificate (DER).
///
/// # Errors
/// [`BuildError`].
pub fn root_certificate(
    key: &dyn Signer,
    algorithm: SignatureAlgorithm,
    subject: &Name,
    not_before: UnixTime,
) -> Result<Vec<u8>, BuildError> {
    let signer = CertSigner::new(key, algorithm);
    let template = CertTemplate {
        serial: random_serial()?,
        issuer: subject.clone(),
        subject: subject.clone(),
        not_before,
        not_after: UnixTime(not_before.0 + u64::from(ROOT_DAYS) * 86_400 - 1),
        spki: spki(key.public_key())?,
        extensions: ca_extensions(None)?,
        self_signed: true,
    };
    prepare(template, &signer)?.sign(&signer)
}

/// An issuing CA certificate (DER) signed by the root, asserting `policies`.
///
/// # Errors
/// [`BuildError`].
pub fn issuing_ca_certificate(
    root_key: &dyn Signer,
    algorithm: SignatureAlgorithm,
    root_subject: &Name,
    subject: &Name,
    subject_key: &PublicKey,
    policies: &[ObjectIdentifier],
    not_before: UnixTime,
) -> Result<Vec<u8>, BuildError> {
    let signer = CertSigner::new(root_key, algorithm);
    let mut extensions = ca_extensions(Some(0))?;
    if !policies.is_empty() {
        let value = CertificatePolicies(
            policies
                .iter()
                .map(|oid| PolicyInformation {
                    policy_identifier: *oid,
                    policy_qualifiers: None,
                })
                .collect(),
        );
        extensions.push(extension(
            CertificatePolicies::OID,
            false,
            &value,
            "certificatePolicies",
        )?);
    }
    let template = CertTemplate {
        serial: random_serial()?,
        issuer: root_subject.clone(),
        subject: subject.clone(),
        not_before,
        not_after: UnixTime(not_before.0 + u64::from(ISSUING_CA_DAYS) * 86_400 - 1),
        spki: spki(subject_key)?,
        extensions,
        self_signed: false,
    };
    prepare(template, &signer)?.sign(&signer)
}

/// A PKCS#10 request (DER) for an issuing CA key, signed by that key (proof of
/// possession), for an external root to sign. It carries the subject only: the root's
/// operators write the extensions (`docs/operators.md`), and `Ca::install_issuing` checks
/// that the certificate carries those the profile needs.
///
/// # Errors
/// [`BuildError`].
pub fn issuing_ca_request(
    key: &dyn Signer,
    algorithm: SignatureAlgorithm,
    subject: &Name,
) -> Result<Vec<u8>, BuildError> {
    use der::Encode;
    use dongpo_crypto::x509::SignatureBytes;
    use x509_cert::builder::{Builder, RequestBuilder};
    let signer = CertSigner::new(key, algorithm);
    let builder =
        RequestBuilder::new(subject.clone()).map_err(|e| BuildError::Encoding(e.to_string()))?;
    let request = builder
        .build::<_, SignatureBytes>(&signer)
        .map_err(|e| BuildError::Signing(e.to_string()))?;
    request
        .to_der()
        .map_err(|e| BuildError::Encoding(e.to_string()))
}
