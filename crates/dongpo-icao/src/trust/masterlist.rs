//! CSCA master lists (9303-12 §9): a CMS SignedData over `CscaMasterList`, signed by a
//! master-list signer (EKU 2.23.136.1.1.3) that chains to a pinned anchor. A broken
//! entry is rejected alone, with its reason; it never spoils the rest of the list.

use std::collections::{BTreeSet, HashMap};

use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Sequence};
use dongpo_crypto::Verifier;
use dongpo_pki::name::country;
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};
use serde::Serialize;

use crate::checks::report::CertSummary;
use crate::encoding::oid;
use crate::encoding::signed_data::{SignedDataError, SignedDataInfo};

/// `CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }`.
#[derive(Sequence)]
struct CscaMasterList {
    version: u8,
    cert_list: SetOfVec<Any>,
}

/// Why a master list as a whole cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MasterListError {
    /// The CMS is unreadable.
    #[error("master list {0}")]
    SignedData(#[from] SignedDataError),
    /// The eContentType is not id-icao-cscaMasterList.
    #[error("master list eContentType is {0}, not 2.23.136.1.1.2")]
    ContentType(der::asn1::ObjectIdentifier),
    /// The CscaMasterList does not decode.
    #[error("CscaMasterList: {0}")]
    Content(#[source] der::Error),
}

/// An entry that was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Position in the certList (DER order).
    pub index: usize,
    /// Subject, when the certificate parsed.
    pub subject: String,
    /// Why.
    pub reason: String,
}

/// The verdict on a master list.
#[derive(Clone, Debug, Serialize)]
pub struct MasterListReport {
    /// Signature, signer EKU, signer chain and validity all hold.
    pub valid: bool,
    /// Why not, when `valid` is false.
    pub errors: Vec<String>,
    /// The master-list signer.
    pub signer: Option<CertSummary>,
    /// Entries in the list.
    pub certificates: usize,
    /// Distinct countries among the accepted entries (0 when the list is not valid).
    pub countries: usize,
    /// Entries refused, with reasons (empty when the list is not valid: its entries are
    /// not examined then).
    pub rejected: Vec<Rejected>,
    /// Accepted CSCA certificates (DER), in list order (empty when the list is not
    /// valid).
    #[serde(skip)]
    pub accepted: Vec<Cert>,
}

/// The entries of a master list without checking anything (`masterlist extract`).
///
/// # Errors
/// [`MasterListError`] when the CMS or the list does not decode.
pub fn entries(bytes: &[u8]) -> Result<Vec<Vec<u8>>, MasterListError> {
    let cms = SignedDataInfo::parse(bytes)?;
    if cms.econtent_type != oid::CSCA_MASTER_LIST {
        return Err(MasterListError::ContentType(cms.econtent_type));
    }
    let list = CscaMasterList::from_der(&cms.econtent)
        .or_else(|_| CscaMasterList::from_ber(&cms.econtent))
        .map_err(MasterListError::Content)?;
    // Every entry is returned: one that cannot be re-encoded fails the list rather
    // than vanishing from it.
    list.cert_list
        .iter()
        .map(Encode::to_der)
        .collect::<Result<_, _>>()
        .map_err(MasterListError::Content)
}

/// Verifies a master list against pinned `anchors` at time `at`.
///
/// # Errors
/// [`MasterListError`] when the list cannot be read at all; problems with the signer or
/// single entries are reported in the [`MasterListReport`].
pub fn verify(
    bytes: &[u8],
    anchors: &[Cert],
    at: UnixTime,
    verifier: &Verifier,
) -> Result<MasterListReport, MasterListError> {
    let cms = SignedDataInfo::parse(bytes)?;
    if cms.econtent_type != oid::CSCA_MASTER_LIST {
        return Err(MasterListError::ContentType(cms.econtent_type));
    }
    let raw_entries = entries(bytes)?;
    let mut errors = Vec::new();

    let signer = cms.find_signer().map(|(cert, _)| cert);
    match &signer {
        None => errors.push("no embedded certificate matches the SignerInfo".to_string()),
        Some(signer) => {
            if !signer.has_extended_key_usage(&oid::MASTER_LIST_SIGNER_EKU) {
                errors.push(format!(
                    "signer lacks extended key usage {}",
                    oid::MASTER_LIST_SIGNER_EKU
                ));
            }
            if !cms.message_digest_matches() {
                errors.push("messageDigest does not match the list".into());
            }
            if cms.attr_content_type != Some(oid::CSCA_MASTER_LIST) {
                errors.push("contentType attribute is not id-icao-cscaMasterList".into());
            }
            if let Err(e) = cms.verify_signature(signer, verifier) {
                errors.push(format!("signature: {e}"));
            }
            if !signer.valid_at(at) {
                errors.push(format!("signer not valid at {}", at.rfc3339()));
            }
            // The signer is the pinned certificate itself, or signed by a pinned anchor
            // that may certify it now: valid at `at`, a CA certificate with keyCertSign.
            let pinned = anchors.iter().any(|a| a.sha256 == signer.sha256);
            let signed_by: Vec<&Cert> = anchors
                .iter()
                .filter(|a| a.sha256 != signer.sha256)
                .filter(|a| signer.verify_signed_by(&a.key, verifier).is_ok())
                .collect();
            if !pinned {
                if signed_by.is_empty() {
                    errors.push(format!(
                        "signer {} does not chain to a pinned anchor",
                        signer.subject()
                    ));
                } else if let Some(reason) = signed_by
                    .iter()
                    .map(|a| {
                        crate::trust::deviation_list::csca_unusable(a, at)
                            .map(|why| format!("anchor {} {why}", a.subject()))
                    })
                    .collect::<Option<Vec<String>>>()
                {
                    errors.push(format!(
                        "signer {} chains only to an anchor that cannot certify it: {}",
                        signer.subject(),
                        reason.join("; ")
                    ));
                }
            }
        }
    }

    // Entries are examined only under a list whose signature and signer hold: an
    // unauthenticated list gets no work done on its contents.
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    if errors.is_empty() {
        (accepted, rejected) = check_entries(&raw_entries, anchors, verifier);
    }
    let countries: BTreeSet<String> = accepted
        .iter()
        .filter_map(|c| country(c.cert.tbs_certificate().subject()))
        .collect();
    Ok(MasterListReport {
        valid: errors.is_empty(),
        errors,
        signer: signer.as_ref().map(CertSummary::from),
        certificates: raw_entries.len(),
        countries: countries.len(),
        rejected,
        accepted,
    })
}

/// Accepts the entries that are self-signed or signed by another entry (or an anchor)
/// that issued them. Issuers are looked up in an index by subject key identifier (for
/// an entry with an authorityKeyIdentifier) or by subject name, so the work is linear
/// in the number of entries (a few signature checks each), never every pair.
fn check_entries(
    raw_entries: &[Vec<u8>],
    anchors: &[Cert],
    verifier: &Verifier,
) -> (Vec<Cert>, Vec<Rejected>) {
    /// At most this many issuer candidates are tried per entry.
    const MAX_CANDIDATES: usize = 8;
    let parsed: Vec<Result<Cert, String>> = raw_entries
        .iter()
        .map(|der| Cert::parse(der).map_err(|e| e.to_string()))
        .collect();
    let issuers: Vec<&Cert> = parsed.iter().flatten().chain(anchors.iter()).collect();
    let mut by_ski: HashMap<&[u8], Vec<&Cert>> = HashMap::new();
    let mut by_subject: HashMap<Vec<u8>, Vec<&Cert>> = HashMap::new();
    for issuer in &issuers {
        if let Some(ski) = &issuer.ski {
            by_ski.entry(ski.as_slice()).or_default().push(issuer);
        }
        if let Ok(subject) = issuer.cert.tbs_certificate().subject().to_der() {
            by_subject.entry(subject).or_default().push(issuer);
        }
    }
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for (index, entry) in parsed.iter().enumerate() {
        let cert = match entry {
            Ok(cert) => cert,
            Err(reason) => {
                rejected.push(Rejected {
                    index,
                    subject: String::new(),
                    reason: reason.clone(),
                });
                continue;
            }
        };
        // An entry becomes a trust anchor, so it must be able to certify: a Document
        // Signer listed by mistake (or by a compromised list signer) must not mint DSCs.
        if !cert.can_certify() {
            rejected.push(Rejected {
                index,
                subject: cert.subject(),
                reason: "not a CA certificate with keyCertSign".into(),
            });
            continue;
        }
        // Self-signed CSCAs verify with their own key; link certificates with the key of
        // another entry (or an anchor) that issued them, whose subject is their issuer.
        let own = cert.verify_signed_by(&cert.key, verifier).is_ok();
        let linked = !own && {
            let candidates = match &cert.aki {
                Some(aki) => by_ski.get(aki.as_slice()),
                None => cert
                    .cert
                    .tbs_certificate()
                    .issuer()
                    .to_der()
                    .ok()
                    .and_then(|issuer| by_subject.get(&issuer)),
            };
            candidates.is_some_and(|list| {
                list.iter()
                    .filter(|issuer| {
                        issuer.sha256 != cert.sha256
                            && issuer.can_certify()
                            && same_name(
                                issuer.cert.tbs_certificate().subject(),
                                cert.cert.tbs_certificate().issuer(),
                            ) != NameMatch::Different
                    })
                    .take(MAX_CANDIDATES)
                    .any(|issuer| cert.verify_signed_by(&issuer.key, verifier).is_ok())
            })
        };
        if own || linked {
            accepted.push(cert.clone());
        } else {
            rejected.push(Rejected {
                index,
                subject: cert.subject(),
                reason: "signature verifies with neither its own key nor another entry's".into(),
            });
        }
    }
    (accepted, rejected)
}
