//! The deviation-list signer, path-validated at the verification time, failing closed:
//! [`verify`] and what it rests on (the certifying CSCA, the signer's revocation).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A deviation list whose signature, signer EKU, signer validity and chain to a trusted
/// CSCA all held.
#[derive(Clone, Debug)]
pub struct VerifiedDeviationList {
    /// The list.
    pub list: DeviationList,
    /// The deviation-list signer.
    pub signer: Cert,
    /// The trusted CSCA that certified the signer.
    pub csca: Cert,
    /// The trusted CSCAs (given to [`verify`]) of the same State as `csca`: a deviation
    /// only applies to a DSC whose authorityKeyIdentifier (when present) is the key id
    /// of one of them, so that a certificate of an unknown CSCA that merely copies a
    /// listed issuer name and serial number gains nothing.
    pub state_cscas: Vec<Cert>,
    /// The signingTime attribute, if present.
    pub signing_time: Option<UnixTime>,
}

/// Verifies a deviation list against trusted CSCAs (`cscas`, e.g. from
/// [`crate::trust::store::TrustStore::cscas`]) and CSCA CRLs (`crls`) at time `at`.
///
/// The signer is path-validated at `at`, failing closed: it must be valid, carry the
/// deviation-list-signer EKU, be signed by a trusted CSCA that is itself valid at `at`
/// and a CA certificate with keyCertSign, and a fresh, complete CRL of that CSCA (signed
/// by it, `thisUpdate <= at <= nextUpdate`) must show it is not revoked. Without such a
/// CRL the list is refused.
///
/// # Errors
/// The first [`DeviationListError`] found: content type, decoding, signer certificate,
/// EKU, contentType attribute, messageDigest, signature, signer validity, chain, CSCA
/// validity and CA flags, revocation.
pub fn verify(
    bytes: &[u8],
    cscas: &[Cert],
    crls: &[&Crl],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<VerifiedDeviationList, DeviationListError> {
    let cms = SignedDataInfo::parse(bytes)?;
    if cms.econtent_type != oid::DEVIATION_LIST {
        return Err(DeviationListError::ContentType(cms.econtent_type));
    }
    let list = DeviationList::from_content(&cms.econtent)?;
    let (signer, _) = cms
        .find_signer()
        .ok_or(DeviationListError::NoSignerCertificate)?;
    let eku = signer.has_extended_key_usage(&oid::DEVIATION_LIST_SIGNER_EKU);
    if !eku {
        return Err(DeviationListError::SignerEku {
            subject: signer.subject(),
        });
    }
    if cms.attr_content_type != Some(oid::DEVIATION_LIST) {
        return Err(DeviationListError::ContentTypeAttribute(
            cms.attr_content_type,
        ));
    }
    if !cms.message_digest_matches() {
        return Err(DeviationListError::MessageDigest);
    }
    cms.verify_signature(&signer, verifier)
        .map_err(DeviationListError::Signature)?;
    if !signer.valid_at(at) {
        return Err(DeviationListError::SignerNotValid {
            subject: signer.subject(),
            at,
        });
    }
    let csca = certifying_csca(&signer, cscas, at, verifier)?.clone();
    match revocation_status(&signer, &csca, crls, at, verifier) {
        Ok(CrlStatus::Good) => {}
        Ok(CrlStatus::Revoked { at: since }) => {
            return Err(DeviationListError::SignerRevoked {
                subject: signer.subject(),
                csca: csca.subject(),
                since,
            });
        }
        Err(problems) => {
            return Err(DeviationListError::NoFreshCrl {
                subject: signer.subject(),
                csca: csca.subject(),
                problems,
            });
        }
    }
    let state_cscas = cscas
        .iter()
        .filter(|c| {
            let (a, b) = (
                c.cert.tbs_certificate().subject(),
                csca.cert.tbs_certificate().subject(),
            );
            match (country(a), country(b)) {
                (Some(x), Some(y)) => x == y,
                _ => same_name(a, b) != NameMatch::Different,
            }
        })
        .cloned()
        .collect();
    Ok(VerifiedDeviationList {
        list,
        signer,
        csca,
        state_cscas,
        signing_time: cms.signing_time,
    })
}

/// Why `csca` cannot certify other certificates at `at`, if it cannot: it must be valid
/// then, and a CA certificate (BasicConstraints cA) with the keyCertSign key usage.
#[must_use]
pub fn csca_unusable(csca: &Cert, at: UnixTime) -> Option<String> {
    if !csca.basic_constraints().is_some_and(|bc| bc.ca) {
        return Some("is not a CA certificate (BasicConstraints cA is not set)".into());
    }
    if !csca.key_usage().is_some_and(|ku| ku.key_cert_sign()) {
        return Some("lacks the keyCertSign key usage".into());
    }
    if !csca.valid_at(at) {
        return Some(format!(
            "is not valid at {} (valid {} to {})",
            at.rfc3339(),
            csca.not_before.rfc3339(),
            csca.not_after.rfc3339()
        ));
    }
    None
}

/// The trusted CSCA that signed `signer` and may certify it at `at`.
pub(super) fn certifying_csca<'a>(
    signer: &Cert,
    cscas: &'a [Cert],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<&'a Cert, DeviationListError> {
    let mut refused = None;
    let issuer = signer.cert.tbs_certificate().issuer();
    for csca in cscas {
        // Chained by name (RFC 5280 §6.1) as well as by signature: a CSCA of another
        // State certifies nothing under this State's name.
        if same_name(csca.cert.tbs_certificate().subject(), issuer) == NameMatch::Different {
            continue;
        }
        if signer.verify_signed_by(&csca.key, verifier).is_err() {
            continue;
        }
        match csca_unusable(csca, at) {
            None => return Ok(csca),
            Some(reason) => {
                refused.get_or_insert((csca.subject(), reason));
            }
        }
    }
    Err(match refused {
        Some((csca, reason)) => DeviationListError::IssuerUnusable {
            subject: signer.subject(),
            csca,
            reason,
        },
        None => DeviationListError::UntrustedSigner {
            subject: signer.subject(),
        },
    })
}

/// The status of `cert` on the newest (highest cRLNumber, then thisUpdate) fresh,
/// complete CRL of `csca` among `crls` that covers it — the same ordering as the DSC's
/// revocation check — otherwise why none could be used (CRLs of other issuers are not
/// named). Two newest CRLs of one rank that disagree fail closed: revoked wins.
///
/// # Errors
/// The problems of every CRL of `csca` (empty when none was given).
pub fn revocation_status(
    cert: &Cert,
    csca: &Cert,
    crls: &[&Crl],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<CrlStatus, Vec<String>> {
    let mut problems = Vec::new();
    let mut usable: Vec<&Crl> = Vec::new();
    for crl in crls {
        match crl.verify(csca, at, verifier) {
            Err(CrlError::WrongIssuer { .. }) => continue,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
            Ok(()) => {}
        }
        if let Some(base) = crl.delta_base_hex() {
            problems.push(format!(
                "a delta CRL (base {base}) cannot establish status without its base"
            ));
            continue;
        }
        if let Err(e) = crl.check_scope(cert) {
            problems.push(e.to_string());
            continue;
        }
        usable.push(crl);
    }
    let Some(top) = usable.iter().map(|crl| crl_rank(crl)).max() else {
        return Err(problems);
    };
    let serial = cert.cert.tbs_certificate().serial_number().as_bytes();
    let statuses = usable
        .iter()
        .filter(|crl| crl_rank(crl) == top)
        .map(|crl| crl.status(serial));
    let mut decided = CrlStatus::Good;
    for status in statuses {
        if matches!(status, CrlStatus::Revoked { .. }) {
            decided = status;
            break;
        }
    }
    Ok(decided)
}
