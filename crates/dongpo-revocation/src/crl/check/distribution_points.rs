//! RFC 5280 §6.3.3 (b) and (c): which distribution point a CRL serves, whether it
//! covers a certificate, and for which revocation reasons.

use der::oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT;
use der::{Decode, Encode};
use dongpo_pki::Cert;
use dongpo_pki::path::names_match;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CrlDistributionPoints, IssuingDistributionPoint};
use x509_cert::name::{Name, RdnSequence};

use super::reasons::Reasons;
use crate::Crl;

/// One distribution point of a certificate, names made absolute.
#[derive(Debug)]
pub(super) struct DistributionPoint {
    /// The distributionPoint names, if given.
    pub names: Option<Vec<GeneralName>>,
    /// The reasons this point serves (all when absent).
    pub reasons: Reasons,
    /// The cRLIssuer names: set for indirect CRLs.
    pub crl_issuer: Option<Vec<GeneralName>>,
}

impl DistributionPoint {
    /// The certificate's cRLDistributionPoints, then the point RFC 5280 assumes for
    /// CRLs not named in one: the certificate issuer's name, all reasons.
    pub fn of(cert: &Cert) -> Result<Vec<Self>, String> {
        let tbs = cert.cert.tbs_certificate();
        let issuer = tbs.issuer();
        let listed = tbs
            .get_extension::<CrlDistributionPoints>()
            .map_err(|e| format!("cRLDistributionPoints: {e}"))?
            .map(|(_, cdp)| cdp.0)
            .unwrap_or_default();
        let mut points = Vec::with_capacity(listed.len() + 1);
        for point in listed {
            // A relative name is relative to the CRL issuer: cRLIssuer if given, else
            // the certificate's issuer.
            let base = match point.crl_issuer.as_deref() {
                Some([GeneralName::DirectoryName(name)]) => name.clone(),
                _ => issuer.clone(),
            };
            points.push(DistributionPoint {
                names: point
                    .distribution_point
                    .map(|dp| absolute(dp, &base))
                    .transpose()?,
                reasons: point.reasons.map_or(Reasons::ALL, Reasons::from_flags),
                crl_issuer: point.crl_issuer,
            });
        }
        points.push(DistributionPoint {
            names: Some(vec![GeneralName::DirectoryName(issuer.clone())]),
            reasons: Reasons::ALL,
            crl_issuer: None,
        });
        Ok(points)
    }

    /// Whether `crl` serves this point for `cert` (§6.3.3 (b)), and if so the
    /// reasons it covers here (§6.3.3 (c)). `Err` says why not.
    pub fn covers(&self, crl: &Crl, cert: &Cert) -> Result<Reasons, String> {
        let crl_issuer = &crl.crl.tbs_cert_list.issuer;
        let idp = issuing_distribution_point(crl)?;
        let indirect = idp.as_ref().is_some_and(|i| i.indirect_crl);
        match &self.crl_issuer {
            Some(names) => {
                if !names.iter().any(|n| is_name(n, crl_issuer)) {
                    return Err("the CRL issuer is not the distribution point's cRLIssuer".into());
                }
                if !indirect {
                    return Err("a cRLIssuer distribution point needs an indirect CRL".into());
                }
            }
            None => {
                if !names_match(crl_issuer, cert.cert.tbs_certificate().issuer()) {
                    return Err("the CRL issuer is not the certificate's issuer".into());
                }
            }
        }
        let Some(idp) = idp else {
            return Ok(self.reasons);
        };
        if let Some(point) = idp.distribution_point {
            let idp_names = absolute(point, crl_issuer)?;
            let ours = self.names.as_ref().or(self.crl_issuer.as_ref());
            let matched = ours.is_some_and(|ours| {
                idp_names
                    .iter()
                    .any(|a| ours.iter().any(|b| same_general_name(a, b)))
            });
            if !matched {
                return Err("the CRL's distribution point is not one of the certificate's".into());
            }
        }
        let is_ca = cert.basic_constraints().is_some_and(|bc| bc.ca);
        if idp.only_contains_user_certs && is_ca {
            return Err("the CRL covers only end-entity certificates".into());
        }
        if idp.only_contains_ca_certs && !is_ca {
            return Err("the CRL covers only CA certificates".into());
        }
        if idp.only_contains_attribute_certs {
            return Err("the CRL covers only attribute certificates".into());
        }
        let crl_reasons = idp
            .only_some_reasons
            .map_or(Reasons::ALL, Reasons::from_flags);
        Ok(self.reasons.intersection(crl_reasons))
    }
}

/// The CRL's issuingDistributionPoint, decoded.
fn issuing_distribution_point(crl: &Crl) -> Result<Option<IssuingDistributionPoint>, String> {
    crl.crl
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_ISSUING_DISTRIBUTION_POINT)
        .map(|e| IssuingDistributionPoint::from_der(e.extn_value.as_bytes()))
        .transpose()
        .map_err(|e| format!("issuingDistributionPoint: {e}"))
}

/// Full names of a distribution point name; a name relative to `base` is appended to it.
fn absolute(point: DistributionPointName, base: &Name) -> Result<Vec<GeneralName>, String> {
    match point {
        DistributionPointName::FullName(names) => Ok(names),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let mut sequence = RdnSequence::from(base.clone());
            sequence.push(rdn);
            let name = sequence
                .to_der()
                .and_then(|der| Name::from_der(&der))
                .map_err(|e| format!("relative distribution point name: {e}"))?;
            Ok(vec![GeneralName::DirectoryName(name)])
        }
    }
}

fn is_name(general: &GeneralName, name: &Name) -> bool {
    matches!(general, GeneralName::DirectoryName(n) if names_match(n, name))
}

/// GeneralName equality with directory names compared under RFC 5280 §7.1.
pub(super) fn same_general_name(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => names_match(x, y),
        _ => a == b,
    }
}
