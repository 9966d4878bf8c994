//! §6.3.3 (f): who may have signed a CRL. For the certificate issuer's own CRLs, the
//! issuer, or another certificate of the issuer's name (another key) that validates;
//! for an indirect CRL, a certificate of the CRL issuer's name that validates. Each
//! must be allowed to sign CRLs (keyUsage cRLSign).

use dongpo_pki::path::{PathOptions, names_match, validate_path};
use dongpo_pki::{Cert, UnixTime};

use super::{CrlChecker, MAX_SIGNER_DEPTH};
use crate::Crl;

impl<'a> CrlChecker<'a> {
    /// The certificate that signed `crl`, checked as of `at`; `Err` says why none did.
    /// The issuer is tried first; other candidates are path-validated only if needed.
    pub(super) fn signer_of<'s>(
        &'s self,
        crl: &'s Crl,
        issuer: &'s Cert,
        at: UnixTime,
    ) -> Result<&'s Cert, String> {
        let mut reasons = Vec::new();
        for signer in self.candidates(crl, issuer, at) {
            if signer.key_usage().is_some_and(|ku| !ku.crl_sign()) {
                reasons.push(format!("{} may not sign CRLs (keyUsage)", signer.subject()));
                continue;
            }
            match crl.verify(signer, at, self.verifier) {
                Ok(()) => return Ok(signer),
                Err(e) => reasons.push(e.to_string()),
            }
        }
        if reasons.is_empty() {
            reasons.push(format!(
                "no valid certificate for the CRL issuer {}",
                crl.crl.tbs_cert_list.issuer
            ));
        }
        Err(reasons.join("; "))
    }

    /// Who may have signed `crl`, lazily: the issuer when the names match, then other
    /// certificates of the CRL issuer's name that validate.
    fn candidates<'s>(
        &'s self,
        crl: &'s Crl,
        issuer: &'s Cert,
        at: UnixTime,
    ) -> impl Iterator<Item = &'s Cert> + 's {
        let name = &crl.crl.tbs_cert_list.issuer;
        let own = names_match(name, issuer.cert.tbs_certificate().subject()).then_some(issuer);
        let others = self
            .intermediates
            .iter()
            .chain(self.anchors)
            .filter(move |_| self.depth < MAX_SIGNER_DEPTH)
            .filter(move |c| {
                c.key != issuer.key && names_match(c.cert.tbs_certificate().subject(), name)
            })
            .filter(move |candidate| {
                // A CRL issuer may be covered by the CRL it signs (PKITS 4.14.30): while its
                // own path is being validated, it counts as a signer.
                if self.validating.is_some_and(|v| v.key == candidate.key) {
                    return true;
                }
                let nested = CrlChecker {
                    depth: self.depth + 1,
                    validating: Some(candidate),
                    ..*self
                };
                let options = PathOptions::new(at)
                    .with_verifier(self.verifier)
                    .with_revocation(&nested);
                validate_path(candidate, self.intermediates, self.anchors, &options).is_ok()
            });
        own.into_iter().chain(others)
    }
}
