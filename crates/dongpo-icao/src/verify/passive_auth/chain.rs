//! The checks that depend on the Document Signer but not on the document: its chain to a
//! trusted CSCA, the certificate profiles, revocation. One DSC signs thousands of
//! documents, so a batch computes them once per (DSC fingerprint, trust snapshot, time
//! window) through a [`ChainCache`]; single-document verification uses [`NoCache`].

use std::sync::{Arc, RwLock};

use dongpo_crypto::{SignatureAlgorithm, Verifier, VerifyError, VerifyingKey};
use dongpo_pki::name::country;
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{Crl, CrlError, CrlStatus};
use x509_cert::ext::pkix::{CrlReason, KeyUsages};

use crate::checks::report::{CertSummary, Status};
use crate::trust::store::{TrustStore, TrustedCsca, crl_rank};

/// The instants (inclusive) over which a [`DscChain`]'s outcome cannot change: no
/// certificate validity bound and no CRL thisUpdate/nextUpdate lies strictly inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// First instant.
    pub from: UnixTime,
    /// Last instant.
    pub until: UnixTime,
}

impl TimeWindow {
    /// Whether `at` lies in the window.
    #[must_use]
    pub fn contains(&self, at: UnixTime) -> bool {
        self.from <= at && at <= self.until
    }

    /// The widest window around `at` that no boundary splits: any comparison of a time
    /// with a boundary (`<`, `<=`, `==`) gives the same answer everywhere in it.
    fn around(at: UnixTime, boundaries: &[UnixTime]) -> Self {
        if boundaries.contains(&at) {
            return TimeWindow {
                from: at,
                until: at,
            };
        }
        let from = boundaries
            .iter()
            .filter(|b| **b < at)
            .max()
            .map_or(UnixTime(0), |b| UnixTime(b.0.saturating_add(1)));
        let until = boundaries
            .iter()
            .filter(|b| **b > at)
            .min()
            .map_or(UnixTime(u64::MAX), |b| UnixTime(b.0.saturating_sub(1)));
        TimeWindow { from, until }
    }
}

/// What a cache is asked for.
#[derive(Clone, Copy, Debug)]
pub struct ChainKey<'a> {
    /// SHA-256 of the DSC's DER.
    pub dsc_sha256: &'a [u8],
    /// [`TrustStore::snapshot_id`] of the store the chain was built against.
    pub snapshot_id: &'a str,
    /// The time certificate validity is judged at (the signing time under
    /// `--time-model signing`).
    pub at: UnixTime,
    /// The verification time: CRL freshness is always judged at it.
    pub now: UnixTime,
}

/// The trusted CSCA a DSC chains to.
#[derive(Clone, Debug)]
pub struct ChainedCsca {
    /// The CSCA certificate.
    pub cert: Cert,
    /// Its report summary.
    pub summary: CertSummary,
    /// `CSCA valid <notBefore> to <notAfter>`, the start of the `csca.validity` detail.
    pub validity: String,
}

/// The document-independent DSC checks, computed at one time and valid for a window.
#[derive(Debug)]
pub struct DscChain {
    /// The Document Signer certificate.
    pub dsc: Cert,
    /// Its report summary.
    pub dsc_summary: CertSummary,
    /// `DSC valid <notBefore> to <notAfter>`, the start of the `dsc.validity` detail.
    pub dsc_validity: String,
    /// The CSCA that signed it, when one did.
    pub csca: Option<ChainedCsca>,
    /// The `dsc.chain` check.
    pub chain: (Status, String),
    /// The `dsc.profile` problems that do not depend on the document, in report order.
    pub profile_problems: Vec<String>,
    /// The DSC issuer's country (compared with DG1's issuing state).
    pub dsc_country: Option<String>,
    /// The document types the DSC may sign, when it lists them.
    pub document_types: Option<Result<Vec<String>, String>>,
    /// The `dsc.revocation` check.
    pub revocation: (Status, String),
    /// The number of the CRL that decided `dsc.revocation` (hex), if it has one.
    pub crl_numbers: Vec<String>,
    /// `dsc.key.description()`, written into every `sod.signature` detail.
    key_description: String,
    /// The `dsc.validity` and `csca.validity` details at the time the chain was
    /// computed for (`at`): a batch verifies most documents at that one time, and
    /// writing the time and joining the text cost more than copying it.
    validity_details: (UnixTime, String, Option<String>),
    snapshot_id: String,
    window: TimeWindow,
    now_window: TimeWindow,
    /// The DSC's key as the `Verifier` prepared it, per signature algorithm used with it
    /// (a DSC signs with one or two): the look-up in the `Verifier`'s own cache clones
    /// and hashes the key, once per document.
    /// With each, the `sod.signature` detail `<algorithm> by <key>`.
    prepared: RwLock<Vec<(SignatureAlgorithm, VerifyingKey, String)>>,
}

/// Signature algorithms whose prepared key a [`DscChain`] keeps.
const PREPARED_PER_DSC: usize = 4;

impl DscChain {
    /// The DSC key's description (`rsa:2048`, `ec:P-256`), formatted once per chain.
    #[must_use]
    pub fn key_description(&self) -> &str {
        &self.key_description
    }

    /// `<algorithm name> by <key description>`, the start of the `sod.signature` detail:
    /// kept with the prepared key once [`DscChain::verifying_key`] prepared one for
    /// `algorithm`, written here otherwise.
    #[must_use]
    pub fn signature_text(&self, algorithm: &SignatureAlgorithm) -> String {
        if let Ok(prepared) = self.prepared.read()
            && let Some((_, _, text)) = prepared.iter().find(|(a, _, _)| a == algorithm)
        {
            return text.clone();
        }
        signature_text(algorithm, &self.key_description)
    }

    /// The `dsc.validity` detail and, when the DSC chained, the `csca.validity` detail
    /// at `at`: `<DSC|CSCA> valid <notBefore> to <notAfter>, checked at <at>`.
    #[must_use]
    pub fn validity_details(&self, at: UnixTime) -> (String, Option<String>) {
        let (computed_at, dsc, csca) = &self.validity_details;
        if *computed_at == at {
            return (dsc.clone(), csca.clone());
        }
        validity_details(at, &self.dsc_validity, self.csca.as_ref())
    }

    /// Builds the chain of `dsc` in `trust`, validity judged at `at`, revocation at `now`
    /// (a signature check for the CSCA's on the DSC, one per CRL of the CSCA's name, each
    /// with the key its authorityKeyIdentifier names). `snapshot_id` is
    /// `trust.snapshot_id()`.
    #[must_use]
    pub fn compute(
        dsc: Cert,
        trust: &TrustStore,
        at: UnixTime,
        now: UnixTime,
        verifier: &Verifier,
        snapshot_id: String,
    ) -> Self {
        // Chain: exactly CSCA -> DSC, the issuer found by key identifier or name and
        // confirmed by the signature.
        let candidates = trust.issuer_candidates(&dsc);
        let csca: Option<&TrustedCsca> = candidates
            .iter()
            .copied()
            .find(|c| dsc.verify_signed_by(&c.cert.key, verifier).is_ok());
        let chain = match csca {
            Some(csca) => (
                Status::Pass,
                format!(
                    "signed by trusted CSCA {} (from {})",
                    csca.cert.subject(),
                    csca.sources.join(", ")
                ),
            ),
            None if candidates.is_empty() => (
                Status::Fail,
                format!(
                    "no trusted CSCA for issuer {} ({} CSCAs trusted)",
                    dsc.issuer(),
                    trust.cscas().len()
                ),
            ),
            None => (
                Status::Fail,
                format!(
                    "{} trusted CSCA(s) named {} but none signed this DSC",
                    candidates.len(),
                    dsc.issuer()
                ),
            ),
        };
        let mut boundaries = vec![dsc.not_before, dsc.not_after];
        let mut now_boundaries = Vec::new();
        let mut crl_numbers = Vec::new();
        let revocation = match csca {
            None => (Status::Skipped, "no trusted CSCA".to_string()),
            Some(csca) => {
                boundaries.extend([csca.cert.not_before, csca.cert.not_after]);
                let judged = revocation(&dsc, &csca.cert, trust, at, now, verifier);
                for (crl, _) in trust.crls_for(&csca.cert) {
                    let tbs = &crl.crl.tbs_cert_list;
                    now_boundaries.push(UnixTime::from_x509(&tbs.this_update));
                    now_boundaries.extend(tbs.next_update.as_ref().map(UnixTime::from_x509));
                }
                if judged.mentions_now {
                    // The detail names `now`: valid for that instant only.
                    now_boundaries.push(now);
                }
                if judged.mentions_at {
                    boundaries.push(at);
                }
                boundaries.extend(judged.revoked_at);
                crl_numbers.extend(judged.crl_number);
                judged.result
            }
        };
        let chained = csca.map(|c| ChainedCsca {
            cert: c.cert.clone(),
            summary: CertSummary::from(&c.cert),
            validity: validity("CSCA", &c.cert),
        });
        let dsc_validity = validity("DSC", &dsc);
        let (dsc_detail, csca_detail) = validity_details(at, &dsc_validity, chained.as_ref());
        DscChain {
            dsc_summary: CertSummary::from(&dsc),
            key_description: dsc.key.description(),
            validity_details: (at, dsc_detail, csca_detail),
            csca: chained,
            dsc_validity,
            chain,
            profile_problems: profile_problems(&dsc, csca.map(|c| &c.cert)),
            dsc_country: country(dsc.cert.tbs_certificate().issuer()),
            document_types: document_types(&dsc),
            revocation,
            crl_numbers,
            snapshot_id,
            window: TimeWindow::around(at, &boundaries),
            now_window: TimeWindow::around(now, &now_boundaries),
            prepared: RwLock::new(Vec::new()),
            dsc,
        }
    }

    /// The DSC's key prepared for `algorithm`: [`Verifier::prepare`]'s answer, kept
    /// with the chain. A chain is shared only between verifications that use the same
    /// backends (see [`ChainCache`]), so the answer is the one `verifier` would give.
    ///
    /// # Errors
    /// As [`Verifier::prepare`] (errors are not kept).
    pub fn verifying_key(
        &self,
        algorithm: &SignatureAlgorithm,
        verifier: &Verifier,
    ) -> Result<VerifyingKey, VerifyError> {
        if let Ok(prepared) = self.prepared.read()
            && let Some((_, key, _)) = prepared.iter().find(|(a, _, _)| a == algorithm)
        {
            return Ok(key.clone());
        }
        let key = verifier.prepare(&self.dsc.key, algorithm)?;
        if let Ok(mut prepared) = self.prepared.write()
            && prepared.len() < PREPARED_PER_DSC
            && !prepared.iter().any(|(a, _, _)| a == algorithm)
        {
            prepared.push((
                *algorithm,
                key.clone(),
                signature_text(algorithm, &self.key_description),
            ));
        }
        Ok(key)
    }

    /// SHA-256 of the DSC's DER.
    #[must_use]
    pub fn dsc_sha256(&self) -> &[u8] {
        &self.dsc.sha256
    }

    /// The trust snapshot it was built against.
    #[must_use]
    pub fn snapshot_id(&self) -> &str {
        &self.snapshot_id
    }

    /// The validity times ([`ChainKey::at`]) at which it holds.
    #[must_use]
    pub fn window(&self) -> TimeWindow {
        self.window
    }

    /// The verification times ([`ChainKey::now`]) at which its revocation outcome holds.
    #[must_use]
    pub fn now_window(&self) -> TimeWindow {
        self.now_window
    }

    /// Whether it answers `key`.
    #[must_use]
    pub fn answers(&self, key: &ChainKey<'_>) -> bool {
        self.dsc.sha256 == key.dsc_sha256
            && self.snapshot_id == key.snapshot_id
            && self.window.contains(key.at)
            && self.now_window.contains(key.now)
    }
}

/// Where [`DscChain`]s are kept between documents. Implementations must be safe to share
/// between threads and may forget entries at any time. A chain depends on the trust store
/// (named in the key) and on the `Verifier`'s backends: share a cache only between
/// verifications that use the same backends.
pub trait ChainCache: Send + Sync {
    /// The content id of `trust`. A cache that serves one store may return its id
    /// computed once (hashing every CSCA and CRL per document costs more than a small
    /// document's whole check).
    fn snapshot_id(&self, trust: &TrustStore) -> String {
        trust.snapshot_id()
    }

    /// A chain that [`DscChain::answers`] `key`, if kept.
    fn get(&self, key: &ChainKey<'_>) -> Option<Arc<DscChain>>;

    /// [`ChainCache::get`] for the certificate whose DER is `der`, with `key`'s
    /// `dsc_sha256` left to the cache: by default it is computed here. A cache may first
    /// compare `der` with the certificates of chains it answered recently (a comparison
    /// costs less than hashing a kilobyte, once per document); whatever it returns must
    /// answer the key with the fingerprint of `der`.
    fn get_by_der(
        &self,
        der: &[u8],
        snapshot_id: &str,
        at: UnixTime,
        now: UnixTime,
    ) -> Option<Arc<DscChain>> {
        self.get(&ChainKey {
            dsc_sha256: &dongpo_crypto::HashAlgorithm::Sha256.digest(der),
            snapshot_id,
            at,
            now,
        })
    }

    /// Keeps a freshly computed chain.
    fn put(&self, chain: Arc<DscChain>);
}

/// Keeps nothing: every document builds its chain (single-document verification).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoCache;

impl ChainCache for NoCache {
    fn get(&self, _: &ChainKey<'_>) -> Option<Arc<DscChain>> {
        None
    }

    fn put(&self, _: Arc<DscChain>) {}
}

/// `<role> valid <notBefore> to <notAfter>`: formatting dates costs more per document
/// than the rest of the validity check.
/// `<algorithm name> by <key description>`.
fn signature_text(algorithm: &SignatureAlgorithm, key_description: &str) -> String {
    let name = algorithm.name();
    let mut out = String::with_capacity(name.len() + 4 + key_description.len());
    out.push_str(&name);
    out.push_str(" by ");
    out.push_str(key_description);
    out
}

/// The `dsc.validity` and `csca.validity` details at `at`.
fn validity_details(
    at: UnixTime,
    dsc_validity: &str,
    csca: Option<&ChainedCsca>,
) -> (String, Option<String>) {
    let at_text = at.rfc3339();
    let detail = |validity: &str| {
        let mut out = String::with_capacity(validity.len() + 13 + at_text.len());
        out.push_str(validity);
        out.push_str(", checked at ");
        out.push_str(&at_text);
        out
    };
    (detail(dsc_validity), csca.map(|c| detail(&c.validity)))
}

fn validity(role: &str, cert: &Cert) -> String {
    format!(
        "{role} valid {} to {}",
        cert.not_before.rfc3339(),
        cert.not_after.rfc3339()
    )
}

/// The `dsc.revocation` outcome and what it depends on.
struct Judged {
    result: (Status, String),
    /// The detail names the verification time.
    mentions_now: bool,
    /// The detail names the validity time.
    mentions_at: bool,
    /// The revocation date the outcome was compared with `at` on.
    revoked_at: Option<UnixTime>,
    /// The deciding CRL's number (hex).
    crl_number: Option<String>,
}

/// A CRL that passed every check: verified by a trusted key of the CSCA's name, fresh
/// at `now`, complete and covering the DSC.
struct Usable<'a> {
    crl: &'a Crl,
    source: &'a str,
    number: Option<String>,
}

/// The revocation check of `dsc` against the CRLs of `csca` in `trust`: certificate
/// validity judged at `at`, CRL freshness at `now` (see [`DscChain::compute`]). Used as
/// well when a deviation list waived `dsc.chain` and names the CSCA, so that a waived
/// chain gets the same revocation judgement as any other.
pub(crate) fn dsc_revocation(
    dsc: &Cert,
    csca: &Cert,
    trust: &TrustStore,
    at: UnixTime,
    now: UnixTime,
    verifier: &Verifier,
) -> (Status, String) {
    revocation(dsc, csca, trust, at, now, verifier).result
}

impl Usable<'_> {
    fn rank(&self) -> (usize, String, UnixTime) {
        crl_rank(self.crl)
    }

    fn name(&self) -> String {
        match &self.number {
            Some(n) => format!("CRL number {n} ({})", self.source),
            None => format!("CRL without number ({})", self.source),
        }
    }
}

/// RFC 5280 §5.3.1 reasons after which documents signed before the revocation date
/// stay good: the key was not compromised, only retired.
fn retirement(reason: Option<CrlReason>) -> bool {
    matches!(
        reason,
        Some(
            CrlReason::Superseded | CrlReason::AffiliationChanged | CrlReason::CessationOfOperation
        )
    )
}

/// The reason code of `serial`'s entry on `crl`, if it has one.
fn reason_of(crl: &Crl, serial: &[u8]) -> Option<CrlReason> {
    let entry = crl
        .revoked()
        .find(|e| e.serial_number.as_bytes() == serial)?;
    entry
        .crl_entry_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == <CrlReason as der::oid::AssociatedOid>::OID)
        .and_then(|e| <CrlReason as der::Decode>::from_der(e.extn_value.as_bytes()).ok())
}

/// The `dsc.revocation` check. Every CRL of the CSCA's name is verified with the trusted
/// key its authorityKeyIdentifier names (any trusted certificate of that name: after a
/// key rollover the new key signs the CRLs), judged fresh at `now` whatever the time
/// model, and the newest of the usable ones (highest cRLNumber) decides. A listed DSC
/// fails when it was revoked at or before `at` (the signing time under the signing-time
/// model) or for any reason but superseded, affiliationChanged or
/// cessationOfOperation (a compromised key makes every signature suspect).
fn revocation(
    dsc: &Cert,
    csca: &Cert,
    trust: &TrustStore,
    at: UnixTime,
    now: UnixTime,
    verifier: &Verifier,
) -> Judged {
    let mut judged = Judged {
        result: (Status::Skipped, String::new()),
        mentions_now: false,
        mentions_at: false,
        revoked_at: None,
        crl_number: None,
    };
    let crls = trust.crls_for(csca);
    if crls.is_empty() {
        judged.result.1 = "no CRL of the CSCA was given: status undetermined".into();
        return judged;
    }
    let mut problems = Vec::new();
    let mut usable = Vec::new();
    let subject = csca.cert.tbs_certificate().subject();
    for (crl, source) in crls {
        let signers = trust.crl_signers(crl, subject);
        if signers.is_empty() {
            problems.push(format!(
                "{source}: signed by no trusted key of {} (authority key {})",
                csca.subject(),
                crl_authority_key_hex(crl)
            ));
            continue;
        }
        // The key identifier picks the key; only a CRL without one tries each key of the
        // CSCA's name (a handful), and the first that verifies it decides.
        let mut outcome = Err(CrlError::Signature("no key tried".into()));
        for signer in signers {
            outcome = crl.verify(&signer.cert, now, verifier);
            if !matches!(outcome, Err(CrlError::Signature(_))) {
                break;
            }
        }
        if let Err(e) = outcome {
            judged.mentions_now |= matches!(e, CrlError::Stale { .. });
            problems.push(format!("{source}: {e}"));
            continue;
        }
        // A delta lists only changes since its base: alone it cannot say "not revoked".
        if let Some(base) = crl.delta_base_hex() {
            problems.push(format!(
                "{source}: a delta CRL (base {base}) cannot establish status without its base"
            ));
            continue;
        }
        // RFC 5280 §6.3.3 (b): a CRL whose issuingDistributionPoint does not cover the DSC
        // (another partition, CA certificates only) says nothing about it.
        if let Err(e) = crl.check_scope(dsc) {
            problems.push(format!("{source}: {e}"));
            continue;
        }
        usable.push(Usable {
            crl,
            source,
            number: crl.number_hex(),
        });
    }
    let count = usable.len();
    let serial = dsc.cert.tbs_certificate().serial_number().as_bytes();
    let Some(top) = usable.iter().map(Usable::rank).max() else {
        judged.result.1 = format!("no usable CRL: {}", problems.join("; "));
        return judged;
    };
    // Two different CRLs of the same number and thisUpdate contradict each other (the
    // CSCA broke cRLNumber's monotonicity): fail closed, the one listing the DSC decides.
    let mut newest_ones: Vec<Usable<'_>> = usable.into_iter().filter(|u| u.rank() == top).collect();
    let tied = newest_ones.len();
    let listing = newest_ones
        .iter()
        .position(|u| matches!(u.crl.status(serial), CrlStatus::Revoked { .. }))
        .unwrap_or(0);
    let newest = newest_ones.swap_remove(listing);
    judged.crl_number.clone_from(&newest.number);
    let of = match (count, tied) {
        (1, _) => String::new(),
        (_, 1) => format!(", the newest of {count} fresh CRLs of the CSCA"),
        _ => format!(
            ", the newest of {count} fresh CRLs of the CSCA ({tied} share its number and thisUpdate)"
        ),
    };
    judged.result = match newest.crl.status(serial) {
        CrlStatus::Good => (Status::Pass, format!("not on {}{of}", newest.name())),
        CrlStatus::Revoked { at: when } => {
            judged.revoked_at = Some(when);
            let reason = reason_of(newest.crl, serial);
            let reason_text =
                reason.map_or_else(|| "no reason given".to_string(), |r| format!("{r:?}"));
            if when <= at || !retirement(reason) {
                (
                    Status::Fail,
                    format!(
                        "DSC revoked on {} ({reason_text}) per {}{of}",
                        when.rfc3339(),
                        newest.name()
                    ),
                )
            } else {
                judged.mentions_at = true;
                (
                    Status::Pass,
                    format!(
                        "DSC revoked on {} ({reason_text}) per {}{of}, after {} (the signing time under the signing-time model): a retirement, signatures made before stay good",
                        when.rfc3339(),
                        newest.name(),
                        at.rfc3339()
                    ),
                )
            }
        }
    };
    judged
}

/// The CRL's authorityKeyIdentifier as hex, or `none`.
fn crl_authority_key_hex(crl: &Crl) -> String {
    crate::trust::store::crl_authority_key(crl).map_or_else(|| "none".to_string(), hex::encode)
}

/// `DocumentTypeListSyntax ::= SEQUENCE { version INTEGER, docTypeList SET OF PrintableString }`.
#[derive(der::Sequence)]
struct DocumentTypeList {
    version: u8,
    doc_type_list: der::asn1::SetOfVec<der::asn1::PrintableString>,
}

/// The document types a DSC may sign (9303-12 extension 2.23.136.1.1.6.2), if listed.
fn document_types(dsc: &Cert) -> Option<Result<Vec<String>, String>> {
    let ext = dsc
        .cert
        .tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == crate::encoding::oid::DOCUMENT_TYPE_LIST)?;
    Some(
        <DocumentTypeList as der::Decode>::from_der(ext.extn_value.as_bytes())
            .map(|list| list.doc_type_list.iter().map(ToString::to_string).collect())
            .map_err(|e| format!("document type list: {e}")),
    )
}

/// 9303-12 profiles as far as the certificates go: DSC with digitalSignature only, not
/// a CA, in the CSCA's country; CSCA a CA with keyCertSign.
fn profile_problems(dsc: &Cert, csca: Option<&Cert>) -> Vec<String> {
    let mut problems = Vec::new();
    match dsc.key_usage() {
        Some(ku)
            if ku.0.contains(KeyUsages::DigitalSignature)
                && !ku.0.contains(KeyUsages::KeyCertSign) => {}
        Some(_) => problems.push("DSC key usage is not digitalSignature only".to_string()),
        None => problems.push("DSC has no key usage extension".to_string()),
    }
    if dsc.basic_constraints().is_some_and(|bc| bc.ca) {
        problems.push("DSC is a CA".to_string());
    }
    for quirk in dsc.encoding_quirks() {
        problems.push(format!("DSC: {quirk}"));
    }
    for quirk in csca.map(Cert::encoding_quirks).unwrap_or_default() {
        problems.push(format!("CSCA: {quirk}"));
    }
    if let Some(csca) = csca {
        let (a, b) = (
            country(dsc.cert.tbs_certificate().issuer()),
            country(csca.cert.tbs_certificate().subject()),
        );
        if a != b {
            problems.push(format!(
                "DSC issuer country {a:?} differs from CSCA country {b:?}"
            ));
        }
        if !csca.basic_constraints().is_some_and(|bc| bc.ca) {
            problems.push("CSCA is not marked CA".to_string());
        }
        if !csca
            .key_usage()
            .is_some_and(|ku| ku.0.contains(KeyUsages::KeyCertSign))
        {
            problems.push("CSCA key usage lacks keyCertSign".to_string());
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_split_by_every_boundary() {
        let b = [UnixTime(10), UnixTime(20), UnixTime(30)];
        let w = TimeWindow::around(UnixTime(15), &b);
        assert_eq!((w.from, w.until), (UnixTime(11), UnixTime(19)));
        assert!(!w.contains(UnixTime(10)) && !w.contains(UnixTime(20)));
        let point = TimeWindow::around(UnixTime(20), &b);
        assert_eq!((point.from, point.until), (UnixTime(20), UnixTime(20)));
        let open = TimeWindow::around(UnixTime(40), &b);
        assert_eq!((open.from, open.until), (UnixTime(31), UnixTime(u64::MAX)));
        let before = TimeWindow::around(UnixTime(0), &b);
        assert_eq!((before.from, before.until), (UnixTime(0), UnixTime(9)));
    }
}
