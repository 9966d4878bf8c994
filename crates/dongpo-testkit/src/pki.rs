//! CSCA, DSC, link and master-list-signer certificates with the 9303-12 profiles, and
//! CSCA CRLs. Built with `x509-cert`'s builder; signed deterministically.

use std::str::FromStr;

use const_oid::AssociatedOid;
use der::asn1::{BitString, OctetString, PrintableString, SetOfVec};
use der::{Decode, Encode, Sequence};
use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{PublicKey, SignatureAlgorithm, SigningKey};
pub use dongpo_testpki::key_identifier;
use dongpo_testpki::{FixedProfile, extension, key_identifier_of, spki_of};
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::crl::{CertificateList, RevokedCert};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlReason, ExtendedKeyUsage, KeyUsage, KeyUsages,
    PrivateKeyUsagePeriod, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::TestkitError;
use crate::rng::SeededRng;
use crate::time::Instant;

/// What a certificate is for; decides its extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Self-signed CSCA (keyCertSign, cRLSign, CA, path length 0).
    Csca,
    /// Link certificate: a new CSCA key certified by the previous one.
    Link,
    /// Document Signer (digitalSignature, document type list).
    Dsc,
    /// Master List Signer (digitalSignature, EKU 2.23.136.1.1.3).
    MasterListSigner,
    /// Deviation List Signer (digitalSignature, EKU 2.23.136.1.1.8, critical).
    DeviationListSigner,
}

/// `DocumentTypeListSyntax ::= SEQUENCE { version INTEGER, docTypeList SET OF PrintableString }`.
#[derive(Sequence)]
struct DocumentTypeList {
    version: u8,
    doc_type_list: SetOfVec<PrintableString>,
}

/// Everything needed to issue one certificate.
pub struct CertRequest<'a> {
    /// Role.
    pub role: Role,
    /// Subject name (RFC 4514 string).
    pub subject: &'a str,
    /// Issuer name (RFC 4514 string).
    pub issuer: &'a str,
    /// The subject's public key.
    pub subject_key: &'a PublicKey,
    /// Write EC parameters explicitly (9303-12 asks it for CSCA and DSC keys).
    pub explicit_ec_parameters: bool,
    /// The issuer's signing key.
    pub issuer_key: &'a SigningKey,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Validity start.
    pub not_before: Instant,
    /// Validity end.
    pub not_after: Instant,
    /// End of the private key usage period (starts at `not_before`).
    pub key_usage_end: Instant,
}

/// Exactly the extensions of a 9303-12 role, for [`dongpo_testpki::FixedProfile`].
fn icao_extensions(
    role: Role,
    subject_key: &PublicKey,
    issuer_key: &PublicKey,
    usage_period: &PrivateKeyUsagePeriod,
) -> der::Result<Vec<Extension>> {
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier_of(subject_key)?)?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_identifier_of(issuer_key)?)?),
        ..Default::default()
    };
    let mut out = vec![
        extension(AuthorityKeyIdentifier::OID, false, &aki)?,
        extension(SubjectKeyIdentifier::OID, false, &ski)?,
        extension(PrivateKeyUsagePeriod::OID, false, usage_period)?,
    ];
    match role {
        Role::Csca | Role::Link => {
            let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
            out.push(extension(KeyUsage::OID, true, &ku)?);
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            };
            out.push(extension(BasicConstraints::OID, true, &bc)?);
        }
        Role::Dsc => {
            out.push(extension(
                KeyUsage::OID,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?);
            let mut types = SetOfVec::new();
            types.insert(PrintableString::new("P")?)?;
            let list = DocumentTypeList {
                version: 0,
                doc_type_list: types,
            };
            out.push(extension(
                dongpo_icao::oid::DOCUMENT_TYPE_LIST,
                false,
                &list,
            )?);
        }
        Role::MasterListSigner | Role::DeviationListSigner => {
            out.push(extension(
                KeyUsage::OID,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?);
            let (purpose, critical) = if role == Role::MasterListSigner {
                (dongpo_icao::oid::MASTER_LIST_SIGNER_EKU, false)
            } else {
                (dongpo_icao::oid::DEVIATION_LIST_SIGNER_EKU, true)
            };
            let eku = ExtendedKeyUsage(vec![purpose]);
            out.push(extension(ExtendedKeyUsage::OID, critical, &eku)?);
        }
    }
    Ok(out)
}

/// A positive serial number of 8 seeded bytes.
#[must_use]
pub fn serial(rng: &mut SeededRng) -> Vec<u8> {
    let mut bytes = rng.bytes(8);
    if let Some(first) = bytes.first_mut() {
        *first = (*first & 0x7f) | 0x01;
    }
    bytes
}

/// Issues a certificate, signing with `rng` so the result is reproducible.
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn issue(
    request: &CertRequest<'_>,
    serial_number: &[u8],
    rng: &mut SeededRng,
) -> Result<Certificate, TestkitError> {
    issue_named(
        request,
        Name::from_str(request.subject)?,
        Name::from_str(request.issuer)?,
        serial_number,
        rng,
    )
}

/// [`issue`] with subject and issuer given as names (e.g. from [`name`], to choose the
/// string types); `request.subject` and `request.issuer` are ignored.
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn issue_named(
    request: &CertRequest<'_>,
    subject: Name,
    issuer: Name,
    serial_number: &[u8],
    rng: &mut SeededRng,
) -> Result<Certificate, TestkitError> {
    let usage_period = PrivateKeyUsagePeriod {
        not_before: Some(request.not_before.generalized()?),
        not_after: Some(request.key_usage_end.generalized()?),
    };
    let profile = FixedProfile {
        issuer,
        subject,
        extensions: icao_extensions(
            request.role,
            request.subject_key,
            request.issuer_key.public_key(),
            &usage_period,
        )?,
    };
    let validity = Validity::new(request.not_before.x509()?, request.not_after.x509()?);
    let spki = spki_of(request.subject_key, request.explicit_ec_parameters)?;
    let mut builder =
        CertificateBuilder::new(profile, SerialNumber::new(serial_number)?, validity, spki)?;
    let signer = CertSigner::new(request.issuer_key, request.algorithm);
    let tbs = builder.finalize(&signer)?;
    let signature = request
        .issuer_key
        .sign_with_rng(&request.algorithm, &tbs, rng)?;
    Ok(builder.assemble(BitString::from_bytes(&signature)?, &signer)?)
}

/// A CSCA CRL revoking `revoked` serials (reason keyCompromise).
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn crl(
    csca: &Certificate,
    csca_key: &SigningKey,
    algorithm: SignatureAlgorithm,
    this_update: Instant,
    next_update: Instant,
    revoked: &[(Vec<u8>, Instant)],
    rng: &mut SeededRng,
) -> Result<CertificateList, TestkitError> {
    let mut entries = Vec::new();
    for (serial_number, when) in revoked {
        let reason = extension(CrlReason::OID, false, &CrlReason::KeyCompromise)?;
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(serial_number)?,
            revocation_date: when.x509()?,
            crl_entry_extensions: Some(vec![reason]),
        });
    }
    let number = CrlNumber(der::asn1::Uint::new(&[1])?);
    let mut builder = CrlBuilder::new_with_this_update(csca, number, this_update.x509()?)?
        .with_next_update(Some(next_update.x509()?));
    if !entries.is_empty() {
        builder = builder.with_certificates(entries.into_iter());
    }
    let signer = CertSigner::new(csca_key, algorithm);
    let tbs = builder.finalize(&signer)?;
    let signature = csca_key.sign_with_rng(&algorithm, &tbs, rng)?;
    Ok(builder.assemble(BitString::from_bytes(&signature)?, &signer)?)
}

/// A name from `(attribute, string type, value)` RDNs in order, e.g. a CN written as
/// TeletexString as some CSCAs do.
///
/// # Errors
/// [`TestkitError::Der`] for an encoding failure.
pub fn name(rdns: &[(const_oid::ObjectIdentifier, der::Tag, &str)]) -> Result<Name, TestkitError> {
    let mut seq = Vec::new();
    for (oid, tag, value) in rdns {
        let mut set = SetOfVec::new();
        set.insert(x509_cert::attr::AttributeTypeAndValue {
            oid: *oid,
            value: der::asn1::Any::new(*tag, value.as_bytes())?,
        })?;
        seq.push(x509_cert::name::RelativeDistinguishedName::from(set));
    }
    let der = x509_cert::name::RdnSequence::from(seq).to_der()?;
    Ok(Name::from_der(&der)?)
}

/// One entry of a [`CrlRequest`].
#[derive(Clone, Debug)]
pub struct Revocation {
    /// The revoked certificate's serial number (DER INTEGER content).
    pub serial: Vec<u8>,
    /// revocationDate.
    pub at: Instant,
    /// reasonCode, if given.
    pub reason: Option<CrlReason>,
}

/// Everything one CSCA CRL says, with full control of issuer name, key identifier and
/// number (for rollover, ordering and name-encoding cases).
pub struct CrlRequest<'a> {
    /// The issuer name as written.
    pub issuer: &'a Name,
    /// The authorityKeyIdentifier's keyIdentifier; `None` writes no such extension.
    pub authority_key_id: Option<&'a [u8]>,
    /// The signing key.
    pub key: &'a SigningKey,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// cRLNumber.
    pub number: u64,
    /// thisUpdate.
    pub this_update: Instant,
    /// nextUpdate.
    pub next_update: Instant,
    /// The revoked certificates.
    pub revoked: &'a [Revocation],
}

/// The subjectKeyIdentifier of `cert` (as [`issue`] writes it).
#[must_use]
pub fn ski(cert: &Certificate) -> Vec<u8> {
    use der::referenced::OwnedToRef;
    key_identifier(
        &cert
            .tbs_certificate()
            .subject_public_key_info()
            .owned_to_ref(),
    )
}

/// A CRL as `request` describes it.
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn crl_with(
    request: &CrlRequest<'_>,
    rng: &mut SeededRng,
) -> Result<CertificateList, TestkitError> {
    use spki::DynSignatureAlgorithmIdentifier;
    let mut entries = Vec::new();
    for entry in request.revoked {
        let extensions = match entry.reason {
            Some(reason) => Some(vec![extension(CrlReason::OID, false, &reason)?]),
            None => None,
        };
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(&entry.serial)?,
            revocation_date: entry.at.x509()?,
            crl_entry_extensions: extensions,
        });
    }
    let number = CrlNumber(der::asn1::Uint::new(&request.number.to_be_bytes())?);
    let mut extensions = vec![extension(CrlNumber::OID, false, &number)?];
    if let Some(id) = request.authority_key_id {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(id)?),
            ..Default::default()
        };
        extensions.push(extension(AuthorityKeyIdentifier::OID, false, &aki)?);
    }
    let signer = CertSigner::new(request.key, request.algorithm);
    let algorithm = signer
        .signature_algorithm_identifier()
        .map_err(x509_cert::builder::Error::from)?;
    let tbs = x509_cert::crl::TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: request.issuer.clone(),
        this_update: request.this_update.x509()?,
        next_update: Some(request.next_update.x509()?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(extensions),
    };
    let signature = request
        .key
        .sign_with_rng(&request.algorithm, &tbs.to_der()?, rng)?;
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    })
}
