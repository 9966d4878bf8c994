//! CRL-based revocation for `dongpo path validate`: RFC 5280 §6.3 for complete CRLs
//! issued by the certificate's issuer (no delta CRLs, distribution-point partitions
//! or indirect CRLs: a CRL that uses them is refused as critical-and-unknown).

use dongpo_crypto::Verifier;
use dongpo_pki::path::{
    PathOptions, RevocationChecker, RevocationStatus, names_match, validate_path,
};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{Crl, CrlStatus};

/// CRL extensions understood here: cRLNumber, authorityKeyIdentifier.
const CRL_EXTENSIONS: [&str; 2] = ["2.5.29.20", "2.5.29.35"];
/// CRL entry extensions understood here: reasonCode, invalidityDate.
const ENTRY_EXTENSIONS: [&str; 2] = ["2.5.29.21", "2.5.29.24"];
/// How deep a CRL signer other than the issuer is itself checked for revocation
/// (a separate CRL-signing key, a key rolled over with self-issued certificates).
const MAX_SIGNER_DEPTH: usize = 2;

/// Answers revocation questions from a set of CRLs.
pub struct CrlChecker<'a> {
    crls: &'a [Crl],
    intermediates: &'a [Cert],
    anchors: &'a [Cert],
    verifier: &'a Verifier,
    depth: usize,
}

impl<'a> CrlChecker<'a> {
    /// A checker over `crls`; CRL signers other than the issuer are looked for in
    /// `intermediates` and `anchors` and must themselves validate.
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
            depth: 0,
        }
    }

    /// Why `crl` cannot speak for `issuer`'s certificates at `at`, if it cannot.
    fn unusable(&self, crl: &Crl, issuer: &Cert, at: UnixTime) -> Option<String> {
        let tbs = &crl.crl.tbs_cert_list;
        let critical = tbs
            .crl_extensions
            .iter()
            .flatten()
            .chain(
                tbs.revoked_certificates
                    .iter()
                    .flatten()
                    .flat_map(|r| r.crl_entry_extensions.iter().flatten()),
            )
            .filter(|e| e.critical)
            .map(|e| e.extn_id.to_string())
            .find(|oid| {
                !CRL_EXTENSIONS.contains(&oid.as_str()) && !ENTRY_EXTENSIONS.contains(&oid.as_str())
            });
        if let Some(oid) = critical {
            return Some(format!("unrecognised critical CRL extension {oid}"));
        }
        let mut reasons = Vec::new();
        for signer in self.signers(issuer, at) {
            if signer.key_usage().is_some_and(|ku| !ku.crl_sign()) {
                reasons.push(format!("{} may not sign CRLs (keyUsage)", signer.subject()));
                continue;
            }
            match crl.verify(signer, at, self.verifier) {
                Ok(()) => return None,
                Err(e) => reasons.push(e.to_string()),
            }
        }
        Some(reasons.join("; "))
    }

    /// Who may have signed the issuer's CRLs: the issuer, then certificates with the
    /// issuer's name and another key that validate on their own.
    fn signers<'s>(&'s self, issuer: &'s Cert, at: UnixTime) -> Vec<&'s Cert> {
        let mut out = vec![issuer];
        if self.depth >= MAX_SIGNER_DEPTH {
            return out;
        }
        let name = issuer.cert.tbs_certificate().subject();
        let nested = CrlChecker {
            depth: self.depth + 1,
            ..*self
        };
        for candidate in self.intermediates.iter().chain(self.anchors) {
            if candidate.key == issuer.key
                || !names_match(candidate.cert.tbs_certificate().subject(), name)
            {
                continue;
            }
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

impl RevocationChecker for CrlChecker<'_> {
    fn status(&self, cert: &Cert, issuer: &Cert, at: UnixTime) -> RevocationStatus {
        let issuer_name = cert.cert.tbs_certificate().issuer();
        let serial = cert.cert.tbs_certificate().serial_number().as_bytes();
        let mut usable = 0;
        let mut problems = Vec::new();
        for crl in self
            .crls
            .iter()
            .filter(|c| names_match(&c.crl.tbs_cert_list.issuer, issuer_name))
        {
            if let Some(why) = self.unusable(crl, issuer, at) {
                problems.push(why);
                continue;
            }
            // A delta CRL lists only changes since its base, and a partitioned CRL only its
            // partition: neither can say "good" for a certificate on its own.
            if crl.delta_base_hex().is_some() {
                problems.push("a delta CRL without its base CRL".into());
                continue;
            }
            if let Err(e) = crl.check_scope(cert) {
                problems.push(e.to_string());
                continue;
            }
            usable += 1;
            if let CrlStatus::Revoked { at: when } = crl.status(serial) {
                return RevocationStatus::Revoked(format!(
                    "serial {} listed since {} on the CRL of {}",
                    cert.serial_hex(),
                    when.rfc3339(),
                    cert.issuer()
                ));
            }
        }
        if usable > 0 {
            return RevocationStatus::Good;
        }
        if problems.is_empty() {
            RevocationStatus::Unknown(format!("no CRL from {}", cert.issuer()))
        } else {
            RevocationStatus::Unknown(format!(
                "no usable CRL from {}: {}",
                cert.issuer(),
                problems.join("; ")
            ))
        }
    }
}
