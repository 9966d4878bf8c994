//! Whether a CRL covers a certificate: RFC 5280 §6.3.3 (b), for direct CRLs.

use der::Decode;
use der::oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT;
use dongpo_pki::Cert;
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::ext::pkix::{CrlDistributionPoints, IssuingDistributionPoint};

use super::CrlError;

fn out_of_scope(why: impl Into<String>) -> CrlError {
    CrlError::OutOfScope(why.into())
}

/// Checks the CRL's issuingDistributionPoint against `cert`.
///
/// OIDs are spelled out because x509-cert 0.3.0 gives `IssuingDistributionPoint` the
/// OID of subjectInfoAccess.
pub(crate) fn check(
    extensions: Option<&x509_cert::ext::Extensions>,
    cert: &Cert,
) -> Result<(), CrlError> {
    let Some(idp) = extensions
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_ISSUING_DISTRIBUTION_POINT)
    else {
        // No IDP: a complete CRL for every certificate of its issuer.
        return Ok(());
    };
    let idp = IssuingDistributionPoint::from_der(idp.extn_value.as_bytes()).map_err(|source| {
        CrlError::Field {
            what: "issuingDistributionPoint",
            source,
        }
    })?;
    if idp.indirect_crl {
        return Err(out_of_scope("indirect CRLs are not supported"));
    }
    if idp.only_some_reasons.is_some() {
        return Err(out_of_scope(
            "the CRL covers only some reasons (onlySomeReasons)",
        ));
    }
    if idp.only_contains_attribute_certs {
        return Err(out_of_scope("the CRL covers only attribute certificates"));
    }
    let is_ca = cert.basic_constraints().is_some_and(|bc| bc.ca);
    if idp.only_contains_user_certs && is_ca {
        return Err(out_of_scope(
            "the CRL covers only end-entity certificates and this is a CA",
        ));
    }
    if idp.only_contains_ca_certs && !is_ca {
        return Err(out_of_scope(
            "the CRL covers only CA certificates and this is an end entity",
        ));
    }
    match idp.distribution_point {
        None => Ok(()),
        Some(DistributionPointName::FullName(names)) => {
            let cdp = cert
                .cert
                .tbs_certificate()
                .get_extension::<CrlDistributionPoints>()
                .map_err(|e| out_of_scope(format!("certificate cRLDistributionPoints: {e}")))?
                .map(|(_, cdp)| cdp.0)
                .unwrap_or_default();
            let matches = cdp.iter().any(|point| match &point.distribution_point {
                Some(DistributionPointName::FullName(cert_names)) => {
                    cert_names.iter().any(|n| names.contains(n))
                }
                _ => false,
            });
            if matches {
                Ok(())
            } else {
                Err(out_of_scope(
                    "no cRLDistributionPoints name of the certificate is the CRL's distribution point",
                ))
            }
        }
        Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => Err(out_of_scope(
            "distribution points relative to the CRL issuer are not supported",
        )),
    }
}
