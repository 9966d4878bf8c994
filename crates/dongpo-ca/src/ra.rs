//! The registration authority: decides whether a person gets a certificate.
//!
//! It turns a passing verification [`Outcome`], the DG1 it covered, the person's registry
//! record, a CSR and a profile into an [`Approval`], or refuses with a [`Refusal`] that
//! says why. It reads the typed outcome (time, hash algorithm and data-group hashes as
//! values), never the display report. An `Approval` can only be made here, so the issuer cannot sign anything the
//! RA did not approve.

use dongpo_crypto::PublicKey;
use dongpo_icao::CheckId;
use dongpo_icao::Outcome;
use dongpo_icao::VerificationReport;
use dongpo_icao::lds::Mrz;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Profile;
use sha2::{Digest, Sha256};

use crate::csr::{Csr, CsrError, parse_csr};
use crate::evidence::{Assurance, PassportEvidence};
use crate::key_policy::{KeyPolicy, KeyRejection, spki_sha256};
use crate::store::RegistryRecord;
use crate::subject::SubjectValues;
use crate::vid::{AssignedVid, VidAssignError};

/// The registry status that allows issuance.
pub const REGISTERED: &str = "registered";

/// What the RA requires beyond a valid report (the assurance required is the profile's
/// `min_assurance`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaPolicy {
    /// Oldest verification report accepted, in seconds (default 10 minutes).
    pub max_report_age: u64,
}

impl Default for RaPolicy {
    fn default() -> Self {
        RaPolicy {
            max_report_age: 600,
        }
    }
}

/// Why the RA refused. Messages name fields and checks, never personal values.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No profile of that name.
    #[error("unknown certificate profile '{0}'")]
    UnknownProfile(String),
    /// The passport did not verify.
    #[error("the passport verification failed (checks: {})", .0.join(", "))]
    VerificationFailed(Vec<String>),
    /// The report is too old or from the future.
    #[error(
        "the verification report is stale: verified at {verified_at}, now {now}, at most {max_age} s old"
    )]
    StaleReport {
        /// When the passport was verified.
        verified_at: String,
        /// The decision time.
        now: String,
        /// The allowed age.
        max_age: u64,
    },
    /// The report lacks something issuance rests on.
    #[error("the verification report does not establish {0}")]
    MissingEvidence(&'static str),
    /// The DG1 given is not the one the report verified.
    #[error("the DG1 given does not match the verified document ({0})")]
    Dg1Mismatch(&'static str),
    /// The passport has expired.
    #[error("the passport expired on {0} (YYMMDD)")]
    DocumentExpired(String),
    /// The registry of overseas citizens does not support the application. The message is
    /// the same whatever the reason, so that a caller cannot probe the registry; the
    /// [`RegistryRefusal`] is for the access record only.
    #[error(
        "the application is refused by the registry of overseas citizens (the reason is in the \
         CA's access records)"
    )]
    RegistryRefused(RegistryRefusal),
    /// The covered data groups offer a proof of chip presence (Chip or Active
    /// Authentication) and none passed: the verification is a downgrade.
    #[error(
        "the passport offers a proof of chip presence ({offered}) and none passed: run Chip \
         Authentication or answer an Active Authentication challenge"
    )]
    ChipPresenceRequired {
        /// What the chip offers: `Chip Authentication`, `Active Authentication` or both.
        offered: &'static str,
    },
    /// The assurance reached ranks below the profile's `min_assurance`.
    #[error(
        "the assurance reached ({reached}) is below the {required} the profile '{profile}' requires"
    )]
    AssuranceTooLow {
        /// The level reached.
        reached: Assurance,
        /// The profile's `min_assurance`.
        required: Assurance,
        /// The profile.
        profile: String,
    },
    /// The CSR is unusable.
    #[error("bad CSR: {0}")]
    BadCsr(#[from] CsrError),
    /// The key is refused by the profile's key policy.
    #[error("subscriber key refused: {0}")]
    WeakKey(#[from] KeyRejection),
    /// The key is on the blocked-key list.
    #[error("subscriber key refused: it is on the blocked-key list")]
    BlockedKey,
    /// The profile puts a KISA VID in the certificate, and its random `R` cannot be sealed
    /// to the key (a curve without an RFC 9180 KEM, an RSA key restricted to PSS or shorter
    /// than 2048 bits), so the subscriber could never receive it.
    #[error(
        "subscriber key refused: the profile carries a KISA VID and its random cannot be sealed to this key ({0})"
    )]
    VidKeyUnsupported(dongpo_crypto::SealError),
    /// The store could not be asked.
    #[error("the CA store is unavailable: {0}")]
    Unavailable(String),
}

impl Refusal {
    /// A stable snake_case code for APIs and audit records.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownProfile(_) => "unknown_profile",
            Refusal::VerificationFailed(_) => "verification_failed",
            Refusal::StaleReport { .. } => "stale_verification",
            Refusal::MissingEvidence(_) => "missing_evidence",
            Refusal::Dg1Mismatch(_) => "dg1_mismatch",
            Refusal::DocumentExpired(_) => "document_expired",
            Refusal::RegistryRefused(_) => "registry_refused",
            Refusal::ChipPresenceRequired { .. } => "chip_presence_required",
            Refusal::AssuranceTooLow { .. } => "assurance_too_low",
            Refusal::BadCsr(_) => "bad_csr",
            Refusal::WeakKey(_) => "weak_key",
            Refusal::BlockedKey => "blocked_key",
            Refusal::VidKeyUnsupported(_) => "vid_key_unsupported",
            Refusal::Unavailable(_) => "unavailable",
        }
    }
}

/// Why the registry refused, for the access record only (never for the applicant: one
/// generic answer keeps the registry from being an oracle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryRefusal {
    /// No registry record for this resident registration number (or not a well-formed one).
    NotRegistered,
    /// The record's status is not [`REGISTERED`]. The status itself is not kept: it can be
    /// sensitive (e.g. deceased).
    Inactive,
    /// Registry and passport disagree in these fields (names, never values).
    Mismatch(Vec<&'static str>),
}

impl RegistryRefusal {
    /// The access-record outcome: `not_registered`, `inactive` or `mismatch:<fields>`
    /// (field names joined by `,`).
    #[must_use]
    pub fn detail(&self) -> String {
        match self {
            RegistryRefusal::NotRegistered => "not_registered".into(),
            RegistryRefusal::Inactive => "inactive".into(),
            RegistryRefusal::Mismatch(fields) => format!("mismatch:{}", fields.join(",")),
        }
    }
}

/// Looks the applicant up in the registry; called by [`decide`] only once every check that
/// needs no personal data has passed.
pub type RegistryLookup<'a> = dyn Fn() -> Result<Option<RegistryRecord>, Refusal> + 'a;

/// Everything the RA decides on.
pub struct Application<'a> {
    /// The verification outcome of the passport.
    pub report: &'a Outcome,
    /// DG1 (the raw file) of the verified passport.
    pub dg1: &'a [u8],
    /// Finds the registry record of the applicant's resident registration number (run
    /// last, see [`decide`]).
    pub registry: &'a RegistryLookup<'a>,
    /// The applicant's resident registration number: the VID of a profile carrying one is
    /// computed from it (never stored).
    pub rrn: &'a str,
    /// The CSR (PEM or DER).
    pub csr: &'a [u8],
    /// The chosen profile.
    pub profile: &'a Profile,
    /// Whether the CSR's key is on the blocked list (looked up by the caller).
    pub key_blocked: &'a dyn Fn(&[u8; 32]) -> bool,
    /// The `UID` of a registry person under this profile (keyed, so computed by the caller,
    /// which holds the registry key: [`crate::registry::RegistryKey::subject_id_for`]).
    pub subject_id: &'a dyn Fn(&str) -> String,
    /// The id of the signed verification receipt the report was stored under, written
    /// into the certificate's evidence extension.
    pub receipt: Option<&'a str>,
}

/// What the RA approved: the only input the issuer signs.
#[derive(Clone, Debug)]
pub struct Approval {
    profile: Profile,
    person: String,
    subject: SubjectValues,
    public_key: PublicKey,
    spki_sha256: [u8; 32],
    report_sha256: [u8; 32],
    evidence: PassportEvidence,
    vid: Option<AssignedVid>,
    approved_at: UnixTime,
}

impl Approval {
    /// The profile to issue under.
    #[must_use]
    pub fn profile(&self) -> &Profile {
        &self.profile
    }
    /// The person's registry identifier (keyed hash).
    #[must_use]
    pub fn person(&self) -> &str {
        &self.person
    }
    /// Subject values.
    #[must_use]
    pub fn subject(&self) -> &SubjectValues {
        &self.subject
    }
    /// The subscriber's public key (proof of possession checked).
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }
    /// SHA-256 of the subscriber SPKI (named-curve form).
    #[must_use]
    pub fn spki_sha256(&self) -> &[u8; 32] {
        &self.spki_sha256
    }
    /// SHA-256 of the verification report.
    #[must_use]
    pub fn report_sha256(&self) -> &[u8; 32] {
        &self.report_sha256
    }
    /// The passport-evidence extension value.
    #[must_use]
    pub fn evidence(&self) -> &PassportEvidence {
        &self.evidence
    }
    /// The KISA VID drawn for this certificate with its random `R`, when the profile
    /// carries one.
    #[must_use]
    pub fn vid(&self) -> Option<&AssignedVid> {
        self.vid.as_ref()
    }
    /// When the RA approved.
    #[must_use]
    pub fn approved_at(&self) -> UnixTime {
        self.approved_at
    }
}

/// SHA-256 of a report as `dongpo verify --json` writes it (serde's field order is fixed).
#[must_use]
#[allow(clippy::expect_used)]
pub fn report_sha256(report: &VerificationReport) -> [u8; 32] {
    // Invariant: the report is plain derived `Serialize` data whose only map has `String`
    // keys, and serde_json fails only on custom serializers or non-string map keys.
    // Hashing an empty document instead would bind the certificate to no report at all.
    let json = serde_json::to_vec(report).expect("a VerificationReport always serializes");
    Sha256::digest(&json).into()
}

/// Decides on an application at time `now`.
///
/// # Errors
/// The first [`Refusal`] that applies, in the order: report, DG1, CSR, key, registry. Every
/// check that needs no personal data comes before the registry is consulted, and every
/// registry refusal is the one [`Refusal::RegistryRefused`], so a request with a bad CSR
/// learns nothing about the registry and one with a good CSR learns only "refused".
pub fn decide(
    app: &Application<'_>,
    policy: &RaPolicy,
    now: UnixTime,
) -> Result<Approval, Refusal> {
    let report = app.report;
    if !report.valid {
        return Err(Refusal::VerificationFailed(
            report.failed().iter().map(ToString::to_string).collect(),
        ));
    }
    let verified_at = report.evidence.verified_at;
    // A minute of clock skew between nodes is tolerated for reports "from the future".
    if verified_at.0 > now.0 + 60 || now.0.saturating_sub(verified_at.0) > policy.max_report_age {
        return Err(Refusal::StaleReport {
            verified_at: verified_at.rfc3339(),
            now: now.rfc3339(),
            max_age: policy.max_report_age,
        });
    }
    if !report.passed(CheckId::SodSignature) || !report.passed(CheckId::DscChain) {
        return Err(Refusal::MissingEvidence("Passive Authentication"));
    }
    if !report.passed(CheckId::DgHash(1)) {
        return Err(Refusal::MissingEvidence("the integrity of DG1"));
    }
    let mrz = Mrz::from_dg1(app.dg1).map_err(|_| Refusal::Dg1Mismatch("DG1 does not parse"))?;
    check_dg1_is_the_verified_one(report, app.dg1, &mrz)?;
    if document_expired(&mrz, now) {
        return Err(Refusal::DocumentExpired(mrz.date_of_expiry.clone()));
    }
    let assurance = assurance_reached(report, app.profile)?;
    let csr: Csr = parse_csr(app.csr)?;
    KeyPolicy::new(app.profile.key_algorithms.clone()).check(&csr.public_key)?;
    let spki = spki_sha256(&csr.public_key);
    if (app.key_blocked)(&spki) {
        return Err(Refusal::BlockedKey);
    }
    // R is drawn per certificate (a new one for every issuance), and only for a key it can be
    // sealed to: that is checked here, before anything is signed.
    let vid = if app.profile.identify_data_vid {
        Some(
            AssignedVid::draw(app.rrn, &csr.public_key).map_err(|e| match e {
                VidAssignError::KeyUnsupported(e) => Refusal::VidKeyUnsupported(e),
                VidAssignError::BadRrn => Refusal::RegistryRefused(RegistryRefusal::NotRegistered),
                VidAssignError::Random => Refusal::Unavailable(e.to_string()),
            })?,
        )
    } else {
        None
    };
    let report_hash = report_sha256(&report.report());
    let mut evidence =
        PassportEvidence::new(&report_hash, assurance, &mrz.issuing_state, verified_at)
            .map_err(|_| Refusal::MissingEvidence("an issuing state of one to three letters"))?;
    evidence.receipt = app.receipt.map(str::to_owned);
    // Only now the registry: everything above needs no personal data.
    let refused = Refusal::RegistryRefused;
    let record = (app.registry)()?.ok_or_else(|| refused(RegistryRefusal::NotRegistered))?;
    if record.registration_status != REGISTERED {
        return Err(refused(RegistryRefusal::Inactive));
    }
    let mismatches = registry_mismatches(&record, &mrz);
    if !mismatches.is_empty() {
        return Err(refused(RegistryRefusal::Mismatch(mismatches)));
    }
    let country = dongpo_icao::lds::country::alpha2(&record.country_of_residence)
        .ok_or_else(|| refused(RegistryRefusal::Mismatch(vec!["country_of_residence"])))?;
    let real_name = if record.name_hangul.trim().is_empty() {
        format!("{} {}", record.surname, record.given_names)
            .trim()
            .to_owned()
    } else {
        record.name_hangul.trim().to_owned()
    };
    Ok(Approval {
        profile: app.profile.clone(),
        person: record.person.clone(),
        subject: SubjectValues {
            real_name,
            subject_id: (app.subject_id)(&record.person),
            country_of_residence: country.to_owned(),
        },
        public_key: csr.public_key,
        spki_sha256: spki,
        report_sha256: report_hash,
        evidence,
        vid,
        approved_at: now,
    })
}

/// The assurance the report reaches, if the profile accepts it: a report whose covered
/// data groups offer a proof of chip presence that did not pass is a downgrade
/// ([`Refusal::ChipPresenceRequired`]) whatever the profile asks; otherwise the level must
/// meet the profile's `min_assurance` ([`Refusal::AssuranceTooLow`]).
///
/// # Errors
/// Those two refusals.
pub fn assurance_reached(report: &Outcome, profile: &Profile) -> Result<Assurance, Refusal> {
    let reached = Assurance::reached(
        report.passed(CheckId::AaSignature),
        report.passed(CheckId::CaAuthentication),
    );
    let offers = report.evidence.chip_offers;
    if reached == Assurance::Pa {
        let offered = match (offers.chip_authentication, offers.active_authentication) {
            (true, true) => Some("Chip Authentication, Active Authentication"),
            (true, false) => Some("Chip Authentication"),
            (false, true) => Some("Active Authentication"),
            (false, false) => None,
        };
        if let Some(offered) = offered {
            return Err(Refusal::ChipPresenceRequired { offered });
        }
    }
    if !reached.meets(profile.min_assurance) {
        return Err(Refusal::AssuranceTooLow {
            reached,
            required: profile.min_assurance,
            profile: profile.name.clone(),
        });
    }
    Ok(reached)
}

/// The outcome holds the SOD's DG1 hash; the DG1 given must hash to it, so the names the
/// registry is matched against are the verified ones.
fn check_dg1_is_the_verified_one(report: &Outcome, dg1: &[u8], mrz: &Mrz) -> Result<(), Refusal> {
    if report.sod.is_none() {
        return Err(Refusal::MissingEvidence("a parsed SOD"));
    }
    let (algorithm, expected) = report
        .dg_hash(1)
        .ok_or(Refusal::MissingEvidence("a DG1 hash in the SOD"))?;
    if algorithm.digest(dg1) != expected {
        return Err(Refusal::Dg1Mismatch("its hash is not the one in the SOD"));
    }
    if let Some(summary) = &report.mrz
        && summary.document_number != mrz.document_number
    {
        return Err(Refusal::Dg1Mismatch("document number"));
    }
    Ok(())
}

/// `YYMMDD` expiry dates: 9303 documents last at most ten years, so an expiry more
/// than fifty years ahead of now belongs to the previous century.
fn document_expired(mrz: &Mrz, now: UnixTime) -> bool {
    let iso = now.rfc3339();
    let today: Option<u32> = iso
        .get(0..4)
        .zip(iso.get(5..7))
        .zip(iso.get(8..10))
        .and_then(|((y, m), d)| format!("{y}{m}{d}").parse().ok());
    let (Some(today), Ok(expiry)) = (today, mrz.date_of_expiry.parse::<u32>()) else {
        return true; // an unreadable expiry date is not a valid document
    };
    let mut full = 20_000_000 + expiry;
    if full > today + 500_000 {
        full -= 1_000_000;
    }
    full < today
}

fn normalise_name(name: &str) -> String {
    name.split([' ', '<', '-'])
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// Field names (never values) where the registry and the MRZ disagree.
fn registry_mismatches(record: &RegistryRecord, mrz: &Mrz) -> Vec<&'static str> {
    let mut out = Vec::new();
    if normalise_name(&record.surname) != normalise_name(&mrz.primary_identifier) {
        out.push("surname");
    }
    if normalise_name(&record.given_names) != normalise_name(&mrz.secondary_identifier) {
        out.push("given_names");
    }
    let dob = record.date_of_birth.replace('-', "");
    if dob.get(2..) != Some(mrz.date_of_birth.as_str()) {
        out.push("date_of_birth");
    }
    if !record.sex.starts_with(mrz.sex) {
        out.push("sex");
    }
    if record.nationality != mrz.nationality {
        out.push("nationality");
    }
    // The passport the registry knows must be the one presented (a renewed passport is
    // registered again before it is used).
    let number = |n: &str| -> String {
        n.chars()
            .filter(|c| !matches!(c, '<' | ' ' | '-'))
            .flat_map(char::to_uppercase)
            .collect()
    };
    if number(&record.document_number) != number(&mrz.document_number) {
        out.push("document_number");
    }
    out
}
