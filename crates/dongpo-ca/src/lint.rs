//! Pre-issuance lint: the decoded to-be-signed certificate is checked against the
//! profile and the Approval *before* the issuing key touches it (Boulder lints a
//! throwaway certificate; we lint the very bytes that will be signed).
//!
//! The checks decode what was written and compare it with the profile, independently of
//! the code that wrote it, so a builder bug cannot vouch for itself.

use std::collections::HashSet;

use const_oid::AssociatedOid;
use der::{Decode, Encode};
use dongpo_crypto::{KeySpec, PublicKey, SignatureAlgorithm};
use dongpo_pki::time::UnixTime;
use dongpo_profiles::{Profile, ValidityBeyondIssuer};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::time::Time;

use crate::evidence::{ID_PASSPORT_EVIDENCE, PassportEvidence};
use crate::extensions::{crl_url, key_usage};
use crate::ra::Approval;
use dongpo_pki::Serial;

/// The certificate would break its profile; nothing was signed.
#[derive(Debug, thiserror::Error)]
#[error("pre-issuance lint refused the certificate: {}", .findings.join("; "))]
pub struct LintError {
    /// Every problem found.
    pub findings: Vec<String>,
}

/// What the certificate must say.
pub struct Expectation<'a> {
    /// The Approval it is issued for.
    pub approval: &'a Approval,
    /// The reserved serial.
    pub serial: &'a Serial,
    /// The issuing CA's subject.
    pub issuer: &'a Name,
    /// The issuing CA's subjectKeyIdentifier.
    pub issuer_key_id: &'a [u8],
    /// The signature algorithm of the issuing CA.
    pub algorithm: &'a SignatureAlgorithm,
    /// notBefore.
    pub not_before: UnixTime,
    /// The issuing CA's validity (notBefore, notAfter): the certificate must lie inside it.
    pub issuer_validity: (UnixTime, UnixTime),
    /// The CRL partition.
    pub partition: u32,
    /// The issuing CA's name (its CRLs' names).
    pub issuer_name: &'a str,
}

fn unix(t: &Time) -> UnixTime {
    UnixTime(t.to_unix_duration().as_secs())
}

fn is_utc(t: &Time) -> bool {
    matches!(t, Time::UtcTime(_))
}

/// Lints `tbs` against `expected`.
///
/// # Errors
/// [`LintError`] listing every finding.
pub fn lint(tbs: &TbsCertificate, expected: &Expectation<'_>) -> Result<(), LintError> {
    let mut findings = Vec::new();
    let mut fail = |what: String| findings.push(what);
    let profile = expected.approval.profile();

    if tbs.version() != Version::V3 {
        fail("version is not v3".into());
    }
    let serial = tbs.serial_number().as_bytes();
    if serial.len() > 20 || serial.first().is_some_and(|b| b & 0x80 != 0) {
        fail("serial is negative or longer than 20 octets".into());
    }
    if Serial::from_bytes(serial).as_ref() != Some(expected.serial) {
        fail("serial is not the reserved one".into());
    }
    if tbs.signature() != &expected.algorithm.to_identifier() {
        fail("signature algorithm is not the issuing CA's".into());
    }
    if tbs.issuer().to_der().ok() != expected.issuer.to_der().ok() {
        fail("issuer name is not the issuing CA's subject".into());
    }
    lint_validity(tbs, expected, profile, &mut fail);
    lint_subject(tbs.subject(), &mut fail);
    lint_key(tbs, expected.approval, &profile.key_algorithms, &mut fail);
    if tbs.issuer_unique_id().is_some() || tbs.subject_unique_id().is_some() {
        fail("unique identifiers must not be present (RFC 5280 §4.1.2.8)".into());
    }
    lint_extensions(tbs, expected, &mut fail);

    if findings.is_empty() {
        Ok(())
    } else {
        Err(LintError { findings })
    }
}

fn lint_validity(
    tbs: &TbsCertificate,
    expected: &Expectation<'_>,
    profile: &Profile,
    fail: &mut impl FnMut(String),
) {
    let validity = tbs.validity();
    let (nb, na) = (unix(&validity.not_before), unix(&validity.not_after));
    let days = profile.validity_days;
    if nb != expected.not_before {
        fail("notBefore is not the issuance time".into());
    }
    let (issuer_nb, issuer_na) = expected.issuer_validity;
    if nb.0 < issuer_nb.0 || nb.0 > issuer_na.0 {
        fail("notBefore is outside the issuing CA's validity".into());
    }
    if na.0 > issuer_na.0 {
        fail("notAfter is after the issuing CA's notAfter".into());
    }
    let lifetime = u64::from(days) * 86_400 - 1;
    let full = na.0.checked_sub(nb.0) == Some(lifetime);
    // Cut to the CA's notAfter: only when the profile says cap, and only to exactly it.
    let capped = profile.validity_beyond_issuer == ValidityBeyondIssuer::Cap
        && na == issuer_na
        && na.0.checked_sub(nb.0).is_some_and(|l| l < lifetime);
    if !full && !capped {
        fail(format!(
            "validity is not the profile's {days} days (nor capped at the issuing CA's notAfter)"
        ));
    }
    for (t, name) in [
        (&validity.not_before, "notBefore"),
        (&validity.not_after, "notAfter"),
    ] {
        let before_2050 = unix(t).0 < 2_524_608_000;
        if before_2050 != is_utc(t) {
            fail(format!(
                "{name} must be UTCTime before 2050 and GeneralizedTime after"
            ));
        }
    }
}

fn lint_subject(subject: &Name, fail: &mut impl FnMut(String)) {
    if subject.is_empty() {
        fail("subject is empty".into());
        return;
    }
    match subject.common_name() {
        // As `subject` writes it: a UTF8String of at most ub-common-name characters, no
        // control, format or bidirectional characters.
        Ok(Some(x509_cert::ext::pkix::name::DirectoryString::Utf8String(cn))) => {
            if crate::subject::name_text_problem(&cn, crate::subject::UB_COMMON_NAME).is_some() {
                fail(
                    "subject commonName is empty, too long or holds control or format characters"
                        .into(),
                );
            }
        }
        Ok(Some(_)) => fail("subject commonName is not a UTF8String".into()),
        _ => fail("subject has no commonName".into()),
    }
    match subject.country() {
        Ok(Some(c))
            if c.as_str().len() == 2 && c.as_str().bytes().all(|b| b.is_ascii_uppercase()) => {}
        _ => fail("subject countryName is not two capital letters".into()),
    }
    if subject.iter_rdn().any(|rdn| rdn.len() != 1) {
        fail("subject has a multi-valued RDN".into());
    }
}

fn lint_key(
    tbs: &TbsCertificate,
    approval: &Approval,
    allowed: &[KeySpec],
    fail: &mut impl FnMut(String),
) {
    let Ok(der) = tbs.subject_public_key_info().to_der() else {
        fail("subjectPublicKeyInfo does not encode".into());
        return;
    };
    match PublicKey::from_spki_der(&der) {
        Ok(key) if &key == approval.public_key() => {
            let spec = match &key {
                PublicKey::Rsa(rsa) => KeySpec::Rsa(rsa.bits()),
                PublicKey::Ec(ec) => KeySpec::Ec(ec.curve),
            };
            if !allowed.contains(&spec) {
                fail("subscriber key type is not allowed by the profile".into());
            }
        }
        Ok(_) => fail("subjectPublicKeyInfo is not the approved key".into()),
        Err(e) => fail(format!("subjectPublicKeyInfo: {e}")),
    }
}

fn lint_extensions(
    tbs: &TbsCertificate,
    expected: &Expectation<'_>,
    fail: &mut impl FnMut(String),
) {
    let profile = expected.approval.profile();
    let Some(extensions) = tbs.extensions() else {
        fail("no extensions".into());
        return;
    };
    let mut seen = HashSet::new();
    let mut allowed = vec![
        KeyUsage::OID,
        ExtendedKeyUsage::OID,
        CertificatePolicies::OID,
        SubjectKeyIdentifier::OID,
        AuthorityKeyIdentifier::OID,
        CrlDistributionPoints::OID,
        AuthorityInfoAccessSyntax::OID,
        ID_PASSPORT_EVIDENCE,
    ];
    if profile.identify_data_vid {
        allowed.push(SubjectAltName::OID);
    }
    for ext in extensions {
        if !seen.insert(ext.extn_id) {
            fail(format!("extension {} appears twice", ext.extn_id));
        }
        if !allowed.contains(&ext.extn_id) {
            fail(format!(
                "extension {} is not in the profile's allowlist",
                ext.extn_id
            ));
        }
        if ext.critical != (ext.extn_id == KeyUsage::OID) {
            fail(format!(
                "extension {} has the wrong criticality",
                ext.extn_id
            ));
        }
    }
    let find = |oid| {
        extensions
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    };
    let mut missing = Vec::new();
    let mut require = |oid, name: &'static str| {
        let v = find(oid);
        if v.is_none() {
            missing.push(name);
        }
        v
    };
    let ku = require(KeyUsage::OID, "keyUsage");
    let cp = require(CertificatePolicies::OID, "certificatePolicies");
    let aki = require(AuthorityKeyIdentifier::OID, "authorityKeyIdentifier");
    require(SubjectKeyIdentifier::OID, "subjectKeyIdentifier");
    let cdp = require(CrlDistributionPoints::OID, "cRLDistributionPoints");
    let aia = require(AuthorityInfoAccessSyntax::OID, "authorityInfoAccess");
    let san = if profile.identify_data_vid {
        require(SubjectAltName::OID, "subjectAltName (identifyData)")
    } else {
        None
    };
    let evidence = require(ID_PASSPORT_EVIDENCE, "passportEvidence");
    for name in missing {
        fail(format!("{name} is missing"));
    }

    if let Some(v) = ku
        && KeyUsage::from_der(v).ok() != Some(key_usage(&profile.key_usage))
    {
        fail("keyUsage differs from the profile".into());
    }
    let eku = find(ExtendedKeyUsage::OID).map(ExtendedKeyUsage::from_der);
    match (profile.extended_key_usage.is_empty(), eku) {
        (true, None) => {}
        (false, Some(Ok(e))) if e.0 == profile.extended_key_usage => {}
        _ => fail("extKeyUsage differs from the profile".into()),
    }
    if let Some(v) = cp {
        match CertificatePolicies::from_der(v) {
            Ok(p)
                if p.0.len() == 1
                    && p.0
                        .iter()
                        .all(|i| i.policy_identifier == profile.policy_oid) => {}
            _ => fail("certificatePolicies is not the profile's single policy".into()),
        }
    }
    if let Some(v) = aki {
        match AuthorityKeyIdentifier::from_der(v) {
            Ok(aki)
                if aki.key_identifier.as_ref().map(|k| k.as_bytes())
                    == Some(expected.issuer_key_id) => {}
            _ => fail("authorityKeyIdentifier is not the issuing CA's key identifier".into()),
        }
    }
    if let Some(v) = cdp {
        let want = crl_url(
            profile,
            expected.issuer_name,
            &expected.partition.to_string(),
        );
        let ok = CrlDistributionPoints::from_der(v).is_ok_and(|c| {
            c.0.iter().any(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => names.iter().any(
                    |n| matches!(n, GeneralName::UniformResourceIdentifier(u) if u.as_str() == want),
                ),
                _ => false,
            })
        });
        if !ok {
            fail("cRLDistributionPoints is not the profile's URL for this partition".into());
        }
    }
    if let Some(v) = aia {
        let ok = AuthorityInfoAccessSyntax::from_der(v).is_ok_and(|a| {
            a.0.iter().any(|d| {
                matches!(&d.access_location, GeneralName::UniformResourceIdentifier(u) if u.as_str() == profile.ocsp_url)
            })
        });
        if !ok {
            fail("authorityInfoAccess does not carry the profile's OCSP URL".into());
        }
    }
    if let Some(v) = san {
        match (dongpo_profiles::vid::find_vid(v), expected.approval.vid()) {
            (Ok(vid), Some(want)) if vid.virtual_id.as_bytes() == want.virtual_id() => {}
            _ => fail("subjectAltName does not carry the person's VID".into()),
        }
    }
    if let Some(v) = evidence {
        match PassportEvidence::from_der(v) {
            Ok(e) if e.report_hash.as_bytes() == expected.approval.report_sha256() => {}
            _ => fail("passportEvidence does not name the approved verification report".into()),
        }
    }
}
