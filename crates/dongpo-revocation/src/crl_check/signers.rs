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
    pub(super) fn signer_of<'s>(
        &'s self,
        crl: &Crl,
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

    fn candidates<'s>(&'s self, crl: &Crl, issuer: &'s Cert, at: UnixTime) -> Vec<&'s Cert> {
        let name = &crl.crl.tbs_cert_list.issuer;
        let mut out = Vec::new();
        if names_match(name, issuer.cert.tbs_certificate().subject()) {
            out.push(issuer);
        }
        if self.depth >= MAX_SIGNER_DEPTH {
            return out;
        }
        for candidate in self.intermediates.iter().chain(self.anchors) {
            if candidate.key == issuer.key
                || !names_match(candidate.cert.tbs_certificate().subject(), name)
            {
                continue;
            }
            // A CRL issuer may be covered by the CRL it signs (PKITS 4.14.30): while its
            // own path is being validated, it counts as a signer.
            if self.validating.is_some_and(|v| v.key == candidate.key) {
                out.push(candidate);
                continue;
            }
            let nested = CrlChecker {
                depth: self.depth + 1,
                validating: Some(candidate),
                ..*self
            };
            let options = PathOptions::new(at)
                .with_verifier(self.verifier)
                .with_revocation(&nested);
            if validate_path(candidate, self.intermediates, self.anchors, &options).is_ok() {
                out.push(candidate);
            }
        }
        out
    }
}
