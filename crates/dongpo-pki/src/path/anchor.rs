//! Trust anchors: where a path ends.
//!
//! RFC 5280 §6.1.1(d) makes an anchor a name and a public key. dongpo takes both
//! from a certificate and uses nothing else from it: the anchor's own validity
//! period, basicConstraints, policies and nameConstraints do not constrain the
//! path (RFC 5937 anchor constraints are not applied). That is what the RFC and
//! PKITS expect; a relying party that wants an anchor to expire removes it.

use crate::cert::Cert;

/// Whether `cert` is one of `anchors` (the same DER), so that it needs no path.
#[must_use]
pub fn is_anchor(cert: &Cert, anchors: &[Cert]) -> bool {
    anchors.iter().any(|a| a.der == cert.der)
}

/// How strongly a certificate's key identifiers say `issuer` issued it: 2 when
/// authorityKeyIdentifier equals the issuer's subjectKeyIdentifier, 0 when both
/// exist and differ, 1 when either is missing. Candidates are tried best first.
pub(crate) fn key_id_rank(cert: &Cert, issuer: &Cert) -> u8 {
    match (&cert.aki, &issuer.ski) {
        (Some(aki), Some(ski)) if aki == ski => 2,
        (Some(_), Some(_)) => 0,
        _ => 1,
    }
}
