//! The extensions path validation reads, decoded once per certificate, with the
//! syntax checks of RFC 5280 §4.2 that the algorithm relies on.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS, ID_CE_CERTIFICATE_POLICIES,
    ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_EXT_KEY_USAGE, ID_CE_FRESHEST_CRL,
    ID_CE_INHIBIT_ANY_POLICY, ID_CE_KEY_USAGE, ID_CE_NAME_CONSTRAINTS, ID_CE_POLICY_CONSTRAINTS,
    ID_CE_POLICY_MAPPINGS, ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER,
};
use der::Decode;
use x509_cert::ext::pkix::{
    BasicConstraints, CertificatePolicies, ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage,
    NameConstraints, PolicyConstraints, PolicyMappings, SubjectAltName,
};

use super::error::Rule;
use crate::cert::Cert;

/// The extensions of one certificate that §6.1 processes.
#[derive(Debug, Default)]
pub(crate) struct Extensions {
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) extended_key_usage: Option<ExtendedKeyUsage>,
    pub(crate) subject_alt_name: Option<SubjectAltName>,
    pub(crate) name_constraints: Option<NameConstraints>,
    pub(crate) policies: Option<CertificatePolicies>,
    pub(crate) policy_mappings: Option<PolicyMappings>,
    pub(crate) policy_constraints: Option<PolicyConstraints>,
    pub(crate) inhibit_any_policy: Option<InhibitAnyPolicy>,
    /// Critical extensions nobody processes; rejected once the certificate is used.
    pub(crate) unknown_critical: Vec<ObjectIdentifier>,
}

/// Extensions recognised without being decoded here: key identifiers only steer
/// path building, distribution points belong to the revocation checker.
const RECOGNISED: [ObjectIdentifier; 4] = [
    ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_CRL_DISTRIBUTION_POINTS,
    ID_CE_FRESHEST_CRL,
];

impl Extensions {
    /// Decodes `cert`'s extensions; `known` lists further critical extensions the
    /// caller processes.
    pub(crate) fn parse(cert: &Cert, known: &[ObjectIdentifier]) -> Result<Self, Rule> {
        let mut out = Extensions::default();
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        for ext in cert
            .cert
            .tbs_certificate()
            .extensions()
            .into_iter()
            .flatten()
        {
            let oid = ext.extn_id;
            if seen.contains(&oid) {
                return Err(Rule::DuplicateExtension(oid.to_string()));
            }
            seen.push(oid);
            let bytes = ext.extn_value.as_bytes();
            match oid {
                ID_CE_BASIC_CONSTRAINTS => out.basic_constraints = Some(decode(oid, bytes)?),
                ID_CE_KEY_USAGE => out.key_usage = Some(decode(oid, bytes)?),
                ID_CE_EXT_KEY_USAGE => out.extended_key_usage = Some(decode(oid, bytes)?),
                ID_CE_SUBJECT_ALT_NAME => out.subject_alt_name = Some(decode(oid, bytes)?),
                ID_CE_NAME_CONSTRAINTS => {
                    let nc: NameConstraints = decode(oid, bytes)?;
                    if nc.permitted_subtrees.is_none() && nc.excluded_subtrees.is_none() {
                        return Err(malformed(oid, "neither permitted nor excluded subtrees"));
                    }
                    out.name_constraints = Some(nc);
                }
                ID_CE_CERTIFICATE_POLICIES => {
                    let cp: CertificatePolicies = decode(oid, bytes)?;
                    check_policies(&cp)?;
                    out.policies = Some(cp);
                }
                ID_CE_POLICY_MAPPINGS => out.policy_mappings = Some(decode(oid, bytes)?),
                ID_CE_POLICY_CONSTRAINTS => {
                    let pc: PolicyConstraints = decode(oid, bytes)?;
                    if pc.require_explicit_policy.is_none() && pc.inhibit_policy_mapping.is_none() {
                        return Err(malformed(oid, "empty policyConstraints"));
                    }
                    out.policy_constraints = Some(pc);
                }
                ID_CE_INHIBIT_ANY_POLICY => out.inhibit_any_policy = Some(decode(oid, bytes)?),
                _ if RECOGNISED.contains(&oid) || known.contains(&oid) => {}
                _ if ext.critical => out.unknown_critical.push(oid),
                _ => {}
            }
        }
        Ok(out)
    }
}

fn decode<'a, T: Decode<'a>>(oid: ObjectIdentifier, bytes: &'a [u8]) -> Result<T, Rule> {
    T::from_der(bytes).map_err(|e| malformed(oid, &e.to_string()))
}

fn malformed(oid: ObjectIdentifier, reason: &str) -> Rule {
    Rule::MalformedExtension {
        oid: oid.to_string(),
        reason: reason.to_string(),
    }
}

/// RFC 5280 §4.2.1.4: a policy identifier appears at most once.
fn check_policies(cp: &CertificatePolicies) -> Result<(), Rule> {
    let mut ids: Vec<&ObjectIdentifier> = cp.0.iter().map(|p| &p.policy_identifier).collect();
    ids.sort();
    if ids.windows(2).any(|w| matches!(w, [a, b] if a == b)) {
        return Err(malformed(
            ID_CE_CERTIFICATE_POLICIES,
            "a policy identifier appears twice",
        ));
    }
    Ok(())
}
