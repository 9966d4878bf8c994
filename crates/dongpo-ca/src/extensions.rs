//! The extensions of subscriber and CA certificates, from the profile and the Approval.
//! Only these are ever written (an allowlist); [`crate::lint`] checks the result.

use const_oid::db::rfc5280;
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Encode;
use der::asn1::{Any, Ia5String, OctetString};
use dongpo_crypto::HashAlgorithm;
use dongpo_profiles::{KeyUsageBit, Profile};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::{
    DisplayText, PolicyInformation, PolicyQualifierInfo, UserNotice,
};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};

use crate::evidence::ID_PASSPORT_EVIDENCE;
use crate::ra::Approval;

/// An extension could not be built.
#[derive(Debug, thiserror::Error)]
#[error("extension {extension}: {reason}")]
pub struct ExtensionError {
    /// Which extension.
    pub extension: &'static str,
    /// What was wrong.
    pub reason: String,
}

fn err(extension: &'static str) -> impl Fn(der::Error) -> ExtensionError {
    move |e| ExtensionError {
        extension,
        reason: e.to_string(),
    }
}

/// An extension with a DER value.
///
/// # Errors
/// [`ExtensionError`] when the value does not encode.
pub fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
    name: &'static str,
) -> Result<Extension, ExtensionError> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(err(name))?).map_err(err(name))?,
    })
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 over the subjectPublicKey bits.
#[must_use]
pub fn key_identifier(spki: &SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    HashAlgorithm::Sha1.digest(spki.subject_public_key.raw_bytes())
}

/// subjectKeyIdentifier and authorityKeyIdentifier (key identifier only).
///
/// # Errors
/// [`ExtensionError`].
pub fn key_identifiers(
    subject: &SubjectPublicKeyInfoRef<'_>,
    issuer: &SubjectPublicKeyInfoRef<'_>,
    self_signed: bool,
) -> Result<Vec<Extension>, ExtensionError> {
    let ski = SubjectKeyIdentifier(OctetString::new(key_identifier(subject)).map_err(err("SKI"))?);
    let mut out = vec![extension(
        SubjectKeyIdentifier::OID,
        false,
        &ski,
        "subjectKeyIdentifier",
    )?];
    if !self_signed {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(key_identifier(issuer)).map_err(err("AKI"))?),
            ..Default::default()
        };
        out.push(extension(
            AuthorityKeyIdentifier::OID,
            false,
            &aki,
            "authorityKeyIdentifier",
        )?);
    }
    Ok(out)
}

/// The key usage bits of a profile.
#[must_use]
pub fn key_usage(bits: &[KeyUsageBit]) -> KeyUsage {
    let mut flags = der::flagset::FlagSet::<KeyUsages>::default();
    for bit in bits {
        flags |= match bit {
            KeyUsageBit::DigitalSignature => KeyUsages::DigitalSignature,
            KeyUsageBit::NonRepudiation => KeyUsages::NonRepudiation,
            KeyUsageBit::KeyEncipherment => KeyUsages::KeyEncipherment,
            KeyUsageBit::KeyAgreement => KeyUsages::KeyAgreement,
        };
    }
    KeyUsage(flags)
}

fn uri(text: &str, name: &'static str) -> Result<GeneralName, ExtensionError> {
    Ok(GeneralName::UniformResourceIdentifier(
        Ia5String::new(text).map_err(err(name))?,
    ))
}

/// The certificatePolicies of a profile: its OID with the CPS URI and a UTF8String notice.
///
/// # Errors
/// [`ExtensionError`].
pub fn certificate_policies(profile: &Profile) -> Result<CertificatePolicies, ExtensionError> {
    let name = "certificatePolicies";
    let notice = UserNotice {
        notice_ref: None,
        explicit_text: Some(DisplayText::Utf8String(profile.user_notice.clone())),
    };
    Ok(CertificatePolicies(vec![PolicyInformation {
        policy_identifier: profile.policy_oid,
        policy_qualifiers: Some(vec![
            PolicyQualifierInfo {
                policy_qualifier_id: rfc5280::ID_QT_CPS,
                qualifier: Some(
                    Any::encode_from(&Ia5String::new(&profile.cps_uri).map_err(err(name))?)
                        .map_err(err(name))?,
                ),
            },
            PolicyQualifierInfo {
                policy_qualifier_id: rfc5280::ID_QT_UNOTICE,
                qualifier: Some(Any::encode_from(&notice).map_err(err(name))?),
            },
        ]),
    }]))
}

/// The CRL distribution point URL of a certificate of the issuing CA named `issuer` in
/// `partition` (a number, or `delta`): the profile's template with `{partition}` replaced.
/// An issuing CA made by a rollover, named `<profile>-g<N>`, has CRLs of its own: its
/// partition is written `g<N>-<partition>` (`.../kb-g2-0.crl`, the file name of its
/// CRL as [`crate::Ca::publish_crls`] and the server name it).
#[must_use]
pub fn crl_url(profile: &Profile, issuer: &str, partition: &str) -> String {
    let token = match crl_tag(issuer, &profile.name) {
        Some(tag) => format!("{tag}-{partition}"),
        None => partition.to_owned(),
    };
    profile
        .crl_distribution_point
        .replace("{partition}", &token)
}

/// The part of an issuing CA's name after its profile's (`g2` of `kb-g2` for `kb`), if any.
fn crl_tag<'a>(issuer: &'a str, profile: &str) -> Option<&'a str> {
    issuer
        .strip_prefix(profile)
        .and_then(|rest| rest.strip_prefix('-'))
        .filter(|tag| !tag.is_empty())
}

/// Every extension of a subscriber certificate except the key identifiers (which need
/// the final SPKIs), in the order they are written.
///
/// # Errors
/// [`ExtensionError`] naming the extension.
pub fn subscriber_extensions(
    approval: &Approval,
    issuer: &str,
    partition: u32,
) -> Result<Vec<Extension>, ExtensionError> {
    let profile = approval.profile();
    let mut out = vec![extension(
        KeyUsage::OID,
        true,
        &key_usage(&profile.key_usage),
        "keyUsage",
    )?];
    if !profile.extended_key_usage.is_empty() {
        let eku = ExtendedKeyUsage(profile.extended_key_usage.clone());
        out.push(extension(
            ExtendedKeyUsage::OID,
            false,
            &eku,
            "extKeyUsage",
        )?);
    }
    out.push(extension(
        CertificatePolicies::OID,
        false,
        &certificate_policies(profile)?,
        "certificatePolicies",
    )?);
    let cdp = CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(
            &crl_url(profile, issuer, &partition.to_string()),
            "cRLDistributionPoints",
        )?])),
        reasons: None,
        crl_issuer: None,
    }]);
    out.push(extension(
        CrlDistributionPoints::OID,
        false,
        &cdp,
        "cRLDistributionPoints",
    )?);
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: rfc5280::ID_AD_OCSP,
        access_location: uri(&profile.ocsp_url, "authorityInfoAccess")?,
    }]);
    out.push(extension(
        AuthorityInfoAccessSyntax::OID,
        false,
        &aia,
        "authorityInfoAccess",
    )?);
    if profile.identify_data_vid {
        out.push(identify_data(approval)?);
    }
    let evidence = approval.evidence().to_der().map_err(|e| ExtensionError {
        extension: "passportEvidence",
        reason: e.to_string(),
    })?;
    out.push(Extension {
        extn_id: ID_PASSPORT_EVIDENCE,
        critical: false,
        extn_value: OctetString::new(evidence).map_err(err("passportEvidence"))?,
    });
    Ok(out)
}

/// The KISA identifyData subjectAltName with the person's VID.
fn identify_data(approval: &Approval) -> Result<Extension, ExtensionError> {
    let name = "subjectAltName (identifyData)";
    let virtual_id = approval
        .vid()
        .ok_or(ExtensionError {
            extension: name,
            reason: "the profile asks for a VID and the approval holds none".into(),
        })?
        .virtual_id();
    let vid = dongpo_profiles::vid::Vid {
        hash_alg: spki::AlgorithmIdentifierOwned {
            oid: HashAlgorithm::Sha256.oid(),
            parameters: None,
        },
        virtual_id: OctetString::new(virtual_id).map_err(err(name))?,
    };
    let value = dongpo_profiles::vid::subject_alt_name(&approval.subject().real_name, &vid)
        .map_err(|e| ExtensionError {
            extension: name,
            reason: e.to_string(),
        })?;
    Ok(Extension {
        extn_id: SubjectAltName::OID,
        critical: false,
        extn_value: OctetString::new(value).map_err(err(name))?,
    })
}

/// basicConstraints and keyUsage of a CA certificate.
///
/// # Errors
/// [`ExtensionError`].
pub fn ca_extensions(path_len: Option<u8>) -> Result<Vec<Extension>, ExtensionError> {
    let bc = BasicConstraints {
        ca: true,
        path_len_constraint: path_len,
    };
    let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    Ok(vec![
        extension(BasicConstraints::OID, true, &bc, "basicConstraints")?,
        extension(KeyUsage::OID, true, &ku, "keyUsage")?,
    ])
}
