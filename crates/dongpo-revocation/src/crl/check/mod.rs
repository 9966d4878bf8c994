//! RFC 5280 §6.3 CRL validation for relying parties: [`CrlChecker`] answers the
//! revocation question of `dongpo_pki::path::validate_path` from a set of CRLs.
//!
//! It follows the certificate's cRLDistributionPoints (then the issuer's own CRLs),
//! keeps the reasons mask of §6.3.3 so that CRLs limited to some reasons
//! (onlySomeReasons) only together vouch for a certificate, checks each CRL's scope
//! (issuingDistributionPoint), accepts indirect CRLs from the cRLIssuer a
//! distribution point names, and applies delta CRLs on top of their complete CRL.
//! Tested against NIST PKITS 4.4, 4.14 and 4.15 (`dongpo-cli/tests/path.rs`).

mod distribution_points;
mod listing;
mod reasons;
mod signers;

use dongpo_crypto::Verifier;
use dongpo_pki::path::{RevocationChecker, RevocationStatus, names_match};
use dongpo_pki::{Cert, UnixTime};
use x509_cert::ext::pkix::CrlReason;

use crate::Crl;
use distribution_points::DistributionPoint;
use reasons::Reasons;

/// How deep a CRL signer other than the issuer is itself checked for revocation
/// (a separate CRL-signing key, an indirect CRL issuer, a key rolled over with
/// self-issued certificates).
const MAX_SIGNER_DEPTH: usize = 2;

/// Answers revocation questions from a set of CRLs (complete, partitioned, indirect
/// and delta CRLs, in any order).
#[derive(Clone, Copy)]
pub struct CrlChecker<'a> {
    crls: &'a [Crl],
    intermediates: &'a [Cert],
    anchors: &'a [Cert],
    verifier: &'a Verifier,
    use_deltas: bool,
    depth: usize,
    /// The CRL signer whose own path is being validated, if any.
    validating: Option<&'a Cert>,
}

impl<'a> CrlChecker<'a> {
    /// A checker over `crls`. CRL signers other than the certificate's issuer are
    /// looked for in `intermediates` and `anchors` and must validate themselves.
    /// Delta CRLs are applied (see [`CrlChecker::without_deltas`]).
    #[must_use]
    pub fn new(
        crls: &'a [Crl],
        intermediates: &'a [Cert],
        anchors: &'a [Cert],
        verifier: &'a Verifier,
    ) -> Self {
        CrlChecker {
            crls,
            intermediates,
            anchors,
            verifier,
            use_deltas: true,
            depth: 0,
            validating: None,
        }
    }

    /// Ignores delta CRLs (RFC 5280's `use-deltas` unset).
    #[must_use]
    pub fn without_deltas(self) -> Self {
        CrlChecker {
            use_deltas: false,
            ..self
        }
    }

    /// The newest fresh delta CRL that extends `complete` (same issuer, signer and
    /// scope, and a base no newer than `complete`).
    fn delta_for(&self, complete: &Crl, signer: &Cert, at: UnixTime) -> Option<&'a Crl> {
        let number = complete.number_hex()?;
        let scope = idp_bytes(complete);
        self.crls
            .iter()
            .filter(|d| {
                d.delta_base_hex()
                    .is_some_and(|base| numeric_le(&base, &number))
                    && names_match(
                        &d.crl.tbs_cert_list.issuer,
                        &complete.crl.tbs_cert_list.issuer,
                    )
                    && idp_bytes(d) == scope
                    && d.verify(signer, at, self.verifier).is_ok()
            })
            .max_by(|a, b| {
                let (a, b) = (
                    a.number_hex().unwrap_or_default(),
                    b.number_hex().unwrap_or_default(),
                );
                if numeric_le(&a, &b) {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Greater
                }
            })
    }
}

impl RevocationChecker for CrlChecker<'_> {
    fn status(&self, cert: &Cert, issuer: &Cert, at: UnixTime) -> RevocationStatus {
        let points = match DistributionPoint::of(cert) {
            Ok(points) => points,
            Err(e) => return RevocationStatus::Unknown(e),
        };
        let mut mask = Reasons::NONE;
        let mut problems: Vec<String> = Vec::new();
        let mut note = |why: String| {
            if !problems.contains(&why) {
                problems.push(why);
            }
        };
        for point in &points {
            for crl in self.crls.iter().filter(|c| c.delta_base_hex().is_none()) {
                if mask.is_all() {
                    break;
                }
                let interim = match point.covers(crl, cert) {
                    Ok(reasons) => reasons,
                    Err(why) => {
                        note(why);
                        continue;
                    }
                };
                if !mask.gains_from(interim) {
                    continue;
                }
                let signer = match self.signer_of(crl, issuer, at) {
                    Ok(signer) => signer,
                    Err(why) => {
                        note(why);
                        continue;
                    }
                };
                let indirect = crl.is_indirect();
                let delta = self
                    .use_deltas
                    .then(|| self.delta_for(crl, signer, at))
                    .flatten();
                let found = match delta.and_then(|d| listing::find(d, cert, indirect)) {
                    Some(listing) => Some((listing, "delta CRL")),
                    None => listing::find(crl, cert, indirect).map(|l| (l, "CRL")),
                };
                if let Some((listing, which)) = found
                    && listing.reason != Some(CrlReason::RemoveFromCRL)
                {
                    let reason = listing
                        .reason
                        .map(|r| format!(" ({r:?})"))
                        .unwrap_or_default();
                    return RevocationStatus::Revoked(format!(
                        "serial {} listed since {}{reason} on the {which} of {}",
                        cert.serial_hex(),
                        listing.revoked_at.rfc3339(),
                        crl.crl.tbs_cert_list.issuer
                    ));
                }
                mask = mask.union(interim);
            }
        }
        if mask.is_all() {
            return RevocationStatus::Good;
        }
        let covered = if mask == Reasons::NONE {
            "no usable CRL"
        } else {
            "the usable CRLs do not cover every reason"
        };
        RevocationStatus::Unknown(if problems.is_empty() {
            format!("{covered} from {}", cert.issuer())
        } else {
            format!("{covered} from {}: {}", cert.issuer(), problems.join("; "))
        })
    }
}

/// The CRL's issuingDistributionPoint as encoded: a delta must have its base's scope.
fn idp_bytes(crl: &Crl) -> Option<&[u8]> {
    crl.crl
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == der::oid::db::rfc5280::ID_CE_ISSUING_DISTRIBUTION_POINT)
        .map(|e| e.extn_value.as_bytes())
}

/// `a <= b` for unsigned big-endian hex numbers.
fn numeric_le(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    (a.len(), a) <= (b.len(), b)
}

#[cfg(test)]
mod tests {
    use super::numeric_le;

    #[test]
    fn crl_numbers_compare_as_numbers_not_strings() {
        assert!(numeric_le("09", "0a"));
        assert!(numeric_le("ff", "0100"));
        assert!(!numeric_le("0100", "ff"));
        assert!(numeric_le("00", "0"));
        assert!(numeric_le("1234", "1234"));
    }
}
