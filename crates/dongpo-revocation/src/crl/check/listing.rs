//! Where a certificate appears on a CRL (§6.3.3 (i), (j)): by serial for direct CRLs;
//! on an indirect CRL, also under the right certificate issuer, which each entry's
//! certificateIssuer extension sets for itself and the entries after it (RFC 5280 §5.3.3).

use der::Decode;
use der::oid::db::rfc5280::{ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_REASONS};
use dongpo_pki::path::names_match;
use dongpo_pki::{Cert, UnixTime};
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;

use crate::{Crl, CrlStatus};

/// A certificate's entry on a CRL.
#[derive(Debug)]
pub(super) struct Listing {
    /// revocationDate.
    pub revoked_at: UnixTime,
    /// reasonCode, if given.
    pub reason: Option<CrlReason>,
}

/// The entry for `cert` on `crl`, if any.
pub(super) fn find(crl: &Crl, cert: &Cert, indirect: bool) -> Option<Listing> {
    let tbs = cert.cert.tbs_certificate();
    let serial = tbs.serial_number().as_bytes();
    // The index answers "not listed" for direct CRLs without a scan.
    if !indirect && crl.status(serial) == CrlStatus::Good {
        return None;
    }
    let mut issuer_matches = names_match(&crl.crl.tbs_cert_list.issuer, tbs.issuer());
    for entry in crl.revoked() {
        let extensions = entry.crl_entry_extensions.iter().flatten();
        let mut reason = None;
        for extension in extensions {
            let value = extension.extn_value.as_bytes();
            if indirect && extension.extn_id == ID_CE_CERTIFICATE_ISSUER {
                issuer_matches = Vec::<GeneralName>::from_der(value).is_ok_and(|names| {
                    names.iter().any(|n| {
                        matches!(n, GeneralName::DirectoryName(name) if names_match(name, tbs.issuer()))
                    })
                });
            } else if extension.extn_id == ID_CE_CRL_REASONS {
                reason = CrlReason::from_der(value).ok();
            }
        }
        if issuer_matches && entry.serial_number.as_bytes() == serial {
            return Some(Listing {
                revoked_at: UnixTime::from_x509(&entry.revocation_date),
                reason,
            });
        }
    }
    None
}
