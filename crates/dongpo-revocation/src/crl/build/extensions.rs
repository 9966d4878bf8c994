//! The crlExtensions of an issued CRL.

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_FRESHEST_CRL, ID_CE_ISSUING_DISTRIBUTION_POINT,
};
use der::Encode;
use der::asn1::{Ia5String, OctetString, Uint};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber as CrlNumberExt};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, FreshestCrl, IssuingDistributionPoint};

use super::error::{CrlBuildError, encoding};
use super::{CrlNumber, CrlSpec, Scope};

fn extension(
    extn_id: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
    what: &'static str,
) -> Result<Extension, CrlBuildError> {
    let der = value.to_der().map_err(encoding(what))?;
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(der).map_err(encoding(what))?,
    })
}

fn uint(number: &CrlNumber, what: &'static str) -> Result<Uint, CrlBuildError> {
    Uint::new(number.as_bytes()).map_err(encoding(what))
}

/// authorityKeyIdentifier, cRLNumber, issuingDistributionPoint and, for a delta,
/// deltaCRLIndicator (RFC 5280 §5.2).
///
/// OIDs are spelled out: x509-cert 0.3.0 gives `IssuingDistributionPoint` the OID of
/// subjectInfoAccess, so its `AssociatedOid` must not be used.
pub(crate) fn crl_extensions(spec: &CrlSpec<'_>) -> Result<Vec<Extension>, CrlBuildError> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(
            OctetString::new(spec.issuer.key_identifier.clone())
                .map_err(encoding("authorityKeyIdentifier"))?,
        ),
        ..Default::default()
    };
    let mut out = vec![
        extension(
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &aki,
            "authorityKeyIdentifier",
        )?,
        extension(
            ID_CE_CRL_NUMBER,
            false,
            &CrlNumberExt(uint(spec.crl_number, "cRLNumber")?),
            "cRLNumber",
        )?,
        extension(
            ID_CE_ISSUING_DISTRIBUTION_POINT,
            true,
            &issuing_distribution_point(&spec.scope)?,
            "issuingDistributionPoint",
        )?,
    ];
    if let Some(url) = spec.freshest {
        if spec.delta_of.is_some() {
            return Err(CrlBuildError::Partition(
                "a delta CRL does not name a freshest CRL".into(),
            ));
        }
        let uri = Ia5String::new(url).map_err(|e| {
            CrlBuildError::Partition(format!("freshest CRL URL {url:?} is not IA5String: {e}"))
        })?;
        out.push(extension(
            ID_CE_FRESHEST_CRL,
            false,
            &FreshestCrl(vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(uri),
                ])),
                reasons: None,
                crl_issuer: None,
            }]),
            "freshestCRL",
        )?);
    }
    if let Some(base) = spec.delta_of {
        out.push(extension(
            ID_CE_DELTA_CRL_INDICATOR,
            true,
            &BaseCrlNumber(uint(base, "deltaCRLIndicator")?),
            "deltaCRLIndicator",
        )?);
    }
    Ok(out)
}

/// The issuing CA issues only end-entity certificates, so every scope but the root's ARL
/// is user certificates only (the ARL, CA certificates only); a partition also names the URI its certificates carry in their
/// cRLDistributionPoints, which is what RFC 5280 §6.3.3 (b)(2)(i) matches.
fn issuing_distribution_point(
    scope: &Scope<'_>,
) -> Result<IssuingDistributionPoint, CrlBuildError> {
    let distribution_point = match *scope {
        Scope::Full | Scope::CaCertificates => None,
        Scope::Partition { url, .. } => {
            let uri = Ia5String::new(url).map_err(|e| {
                CrlBuildError::Partition(format!("URL {url:?} is not IA5String: {e}"))
            })?;
            Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(uri),
            ]))
        }
    };
    Ok(IssuingDistributionPoint {
        distribution_point,
        only_contains_user_certs: !matches!(scope, Scope::CaCertificates),
        only_contains_ca_certs: matches!(scope, Scope::CaCertificates),
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    })
}
