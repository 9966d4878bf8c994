//! The verification report (`docs/cli.md`, "The report"): every check with pass / fail /
//! skipped and a detail, plus the evidence a receipt needs. Never a bare bool.
//!
//! Built from the typed [`crate::verify::outcome::Outcome`] ([`crate::verify::outcome::Outcome::report`]);
//! nothing reads it back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checks::check_id::{CheckId, CheckKey};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check ran and passed.
    Pass,
    /// The check ran and failed.
    Fail,
    /// The check did not run; `detail` says why.
    Skipped,
}

/// One check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id (`sod.signature`, `dg.2.hash`, ...).
    pub id: CheckId,
    /// pass / fail / skipped.
    pub status: Status,
    /// What was found, which quirk was tolerated, or why it was skipped.
    pub detail: String,
}

/// A certificate as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertSummary {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// `rsa:3072`, `ec:brainpoolP256r1`.
    pub key: String,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

impl From<&dongpo_pki::Cert> for CertSummary {
    fn from(cert: &dongpo_pki::Cert) -> Self {
        CertSummary {
            subject: cert.subject(),
            issuer: cert.issuer(),
            serial: cert.serial_hex(),
            not_before: cert.not_before.rfc3339(),
            not_after: cert.not_after.rfc3339(),
            key: cert.key.description(),
            sha256: hex::encode(&cert.sha256),
        }
    }
}

/// The SOD as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodSummary {
    /// eContentType (dotted OID).
    pub content_type: String,
    /// LDS version of a v1 LDSSecurityObject.
    pub lds_version: Option<String>,
    /// Data-group hash algorithm.
    pub digest_algorithm: String,
    /// SignerInfo signature algorithm name.
    pub signature_algorithm: String,
    /// Data-group number -> hash (hex).
    pub dg_hashes: BTreeMap<String, String>,
}

/// MRZ fields as the report shows them (no name: reports travel to logs and receipts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzSummary {
    /// `P`, `ID`, ...
    pub document_type: String,
    /// Issuing state (3 letters).
    pub issuing_state: String,
    /// Document number.
    pub document_number: String,
    /// YYMMDD.
    pub date_of_birth: String,
    /// YYMMDD.
    pub date_of_expiry: String,
    /// Nationality (3 letters).
    pub nationality: String,
}

/// Moves the fields out of an MRZ that is no longer needed (the verifier's own, once its
/// checks are done): no copies.
impl From<crate::lds::Mrz> for MrzSummary {
    fn from(mrz: crate::lds::Mrz) -> Self {
        MrzSummary {
            document_type: mrz.document_code,
            issuing_state: mrz.issuing_state,
            document_number: mrz.document_number,
            date_of_birth: mrz.date_of_birth,
            date_of_expiry: mrz.date_of_expiry,
            nationality: mrz.nationality,
        }
    }
}

impl From<&crate::lds::Mrz> for MrzSummary {
    fn from(mrz: &crate::lds::Mrz) -> Self {
        MrzSummary {
            document_type: mrz.document_code.clone(),
            issuing_state: mrz.issuing_state.clone(),
            document_number: mrz.document_number.clone(),
            date_of_birth: mrz.date_of_birth.clone(),
            date_of_expiry: mrz.date_of_expiry.clone(),
            nationality: mrz.nationality.clone(),
        }
    }
}

/// Which proofs of chip presence a document's Passive-Authentication-covered data groups
/// offer: a verification that offers one and proves none is a downgrade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipOffers {
    /// A covered DG14 holds a ChipAuthenticationPublicKeyInfo.
    pub chip_authentication: bool,
    /// A covered DG15 holds an Active Authentication key.
    pub active_authentication: bool,
}

/// What the verification rested on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// SHA-256 of the EF.SOD file, hex.
    pub sod_sha256: Option<String>,
    /// Content id of the trust store used.
    pub trust_snapshot: String,
    /// CRL numbers used (hex), by issuer.
    pub crl_numbers: Vec<String>,
    /// Policy name.
    pub policy: String,
    /// Verification time, RFC 3339.
    pub at: String,
    /// Which time validity was judged at: `verification-time` or `signing-time`.
    pub time_model: String,
    /// Data groups covered by the SOD and supplied.
    pub covered_dgs: Vec<u8>,
    /// The proofs of chip presence the covered data groups offer.
    #[serde(default)]
    pub chip_offers: ChipOffers,
}

/// The whole report (`dongpo verify --json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationReport {
    /// Every check that ran passed, and none required was skipped.
    pub valid: bool,
    /// Every check, in a stable order.
    pub checks: Vec<Check>,
    /// The SOD, when it parsed.
    pub sod: Option<SodSummary>,
    /// The DSC, when found.
    pub dsc: Option<CertSummary>,
    /// The CSCA the chain ended at.
    pub csca: Option<CertSummary>,
    /// DG1's MRZ, when DG1 was given and parsed.
    pub mrz: Option<MrzSummary>,
    /// Evidence.
    pub evidence: Evidence,
}

impl VerificationReport {
    /// The check with `id` (a [`CheckId`], or its text).
    #[must_use]
    pub fn check(&self, id: impl CheckKey) -> Option<&Check> {
        self.checks.iter().find(|c| id.names(c.id))
    }

    /// Ids of the failed checks.
    #[must_use]
    pub fn failed(&self) -> Vec<CheckId> {
        failed(&self.checks)
    }
}

/// Collects checks in order.
#[derive(Default, Debug)]
pub struct Checks(pub Vec<Check>);

impl Checks {
    /// Records a check.
    pub fn push(&mut self, id: CheckId, status: Status, detail: impl Into<String>) {
        self.0.push(Check {
            id,
            status,
            detail: detail.into(),
        });
    }

    /// Records pass or fail.
    pub fn result(&mut self, id: CheckId, ok: bool, detail: impl Into<String>) {
        self.push(id, if ok { Status::Pass } else { Status::Fail }, detail);
    }

    /// Records a skipped check.
    pub fn skip(&mut self, id: CheckId, why: impl Into<String>) {
        self.push(id, Status::Skipped, why);
    }
}

/// Ids of the failed checks among `checks`, in order.
pub(crate) fn failed(checks: &[Check]) -> Vec<CheckId> {
    checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id)
        .collect()
}
