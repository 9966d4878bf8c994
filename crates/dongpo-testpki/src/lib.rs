//! Certificate building for tests, below `dongpo-pki` and `dongpo-revocation` so their
//! tests can use it (`dongpo-testkit`, above them, re-uses it too).
//!
//! * [`FixedProfile`] is the one `x509-cert` builder profile for tests: it writes the
//!   names and extensions it is given, nothing else, in the given order.
//! * [`extension`], [`key_identifier`], [`subject_key_identifier`] and
//!   [`authority_key_identifier`] build the extensions test hierarchies share.
//! * [`issue`] builds and signs a certificate through dongpo's one signing adapter,
//!   [`CertSigner`].
//!
//! Production issuance does not use this crate: `dongpo-ca` keeps its own profile, which
//! derives the key identifiers under the CA's rules and reports typed errors.

use std::ops::Deref;

use der::Encode;
use der::asn1::{ObjectIdentifier, OctetString};
use dongpo_crypto::x509::{CertSigner, SignatureBytes};
use dongpo_crypto::{HashAlgorithm, PublicKey, Signer};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

/// A builder profile that writes exactly `issuer`, `subject` and `extensions`.
///
/// Key identifiers are not derived here: callers put them into `extensions` (see
/// [`subject_key_identifier`]), so the order of every extension is theirs to choose.
#[derive(Clone, Debug)]
pub struct FixedProfile {
    /// The issuer name, as written.
    pub issuer: Name,
    /// The subject name, as written.
    pub subject: Name,
    /// The extensions, in order.
    pub extensions: Vec<Extension>,
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
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// An extension holding the DER of `value`.
///
/// # Errors
/// When `value` does not encode.
pub fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey bits.
#[must_use]
pub fn key_identifier(spki: &SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    HashAlgorithm::Sha1.digest(spki.subject_public_key.raw_bytes())
}

/// [`key_identifier`] of `key`. The bits are the same whether the EC parameters are
/// named or explicit, so this matches the certificate either way.
///
/// # Errors
/// When the key's SubjectPublicKeyInfo does not decode (a dongpo-crypto bug).
pub fn key_identifier_of(key: &PublicKey) -> der::Result<Vec<u8>> {
    use der::Decode;
    let der = key.to_spki_der();
    Ok(key_identifier(&SubjectPublicKeyInfoRef::from_der(&der)?))
}

/// The (non-critical) subjectKeyIdentifier extension for `key`.
///
/// # Errors
/// When encoding fails.
pub fn subject_key_identifier(key: &PublicKey) -> der::Result<Extension> {
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier_of(key)?)?);
    extension(
        <SubjectKeyIdentifier as der::oid::AssociatedOid>::OID,
        false,
        &ski,
    )
}

/// The (non-critical) authorityKeyIdentifier extension naming `issuer_key` by key
/// identifier only.
///
/// # Errors
/// When encoding fails.
pub fn authority_key_identifier(issuer_key: &PublicKey) -> der::Result<Extension> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_identifier_of(issuer_key)?)?),
        ..Default::default()
    };
    extension(
        <AuthorityKeyIdentifier as der::oid::AssociatedOid>::OID,
        false,
        &aki,
    )
}

/// The SubjectPublicKeyInfo of `key`, EC parameters named or (`explicit`) spelled out.
///
/// # Errors
/// When the encoding does not decode (a dongpo-crypto bug).
pub fn spki_of(key: &PublicKey, explicit: bool) -> der::Result<SubjectPublicKeyInfoOwned> {
    use der::Decode;
    let der = if explicit {
        key.to_spki_der_explicit()
    } else {
        key.to_spki_der()
    };
    SubjectPublicKeyInfoOwned::from_der(&der)
}

/// Builds and signs a certificate for `subject_spki` with `profile`.
///
/// # Errors
/// The builder's error (encoding or signing).
pub fn issue<K>(
    profile: FixedProfile,
    serial: &[u8],
    validity: Validity,
    subject_spki: SubjectPublicKeyInfoOwned,
    signer: &CertSigner<K>,
) -> x509_cert::builder::Result<Certificate>
where
    K: Deref,
    K::Target: Signer,
{
    CertificateBuilder::new(profile, SerialNumber::new(serial)?, validity, subject_spki)?
        .build::<_, SignatureBytes>(signer)
}
