//! Passive Authentication (9303-11 §5.1): is this chip data signed by a Document Signer
//! that a trusted CSCA certified, and unchanged since? Produces a report of every check.

use std::collections::BTreeMap;
use std::sync::Arc;

use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};

use crate::check_id::CheckId;
use crate::lds::mrz::Mrz;
use crate::mrz_check;
use crate::oid;
use crate::outcome::{EvidenceFacts, Outcome, SodFacts};
use crate::policy::Policy;
use crate::report::{CertSummary, Checks, Status};
use crate::signed_data::{Encoding, SignerId};
use crate::sod::{Sod, SodError};
use crate::trust_store::TrustStore;

mod chain;

pub(crate) use chain::crl_rank;
pub use chain::{ChainCache, ChainKey, ChainedCsca, DscChain, NoCache, TimeWindow};

/// The chip files of one document.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// EF.SOD as read.
    pub sod: Vec<u8>,
    /// Data groups as read, by number.
    pub data_groups: BTreeMap<u8, Vec<u8>>,
    /// EF.COM, if read (never trusted; compared with the SOD).
    pub com: Option<Vec<u8>>,
    /// The chip's Active Authentication answer to the verifier's challenge.
    pub active_auth: Option<ActiveAuthResponse>,
}

/// A challenge the verifier chose and the chip's signature over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveAuthResponse {
    /// The verifier's nonce.
    pub challenge: Vec<u8>,
    /// The chip's signature.
    pub signature: Vec<u8>,
}

/// At which time certificate validity is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeModel {
    /// At the verification time (`at`): the default, and what 9303-11 implies.
    #[default]
    VerificationTime,
    /// At the SOD's signingTime (falling back to `at` when the SOD has none): accepts
    /// documents whose DSC expired after they were signed, as some relying parties do.
    SigningTime,
}

impl TimeModel {
    /// The name reports use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            TimeModel::VerificationTime => "verification-time",
            TimeModel::SigningTime => "signing-time",
        }
    }
}

/// How a verification runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The verification time.
    pub at: UnixTime,
    /// The tolerated quirks.
    pub policy: Policy,
    /// At which time validity is judged.
    pub time_model: TimeModel,
}

impl Options {
    /// Default policy and time model at `at`.
    #[must_use]
    pub fn at(at: UnixTime) -> Self {
        Options {
            at,
            policy: Policy::default_policy(),
            time_model: TimeModel::VerificationTime,
        }
    }
}

/// Checks that make the result invalid when skipped.
const REQUIRED: [CheckId; 8] = [
    CheckId::SodParse,
    CheckId::SodContentType,
    CheckId::SodSignerCertificate,
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DscChain,
    CheckId::DscValidity,
    CheckId::CscaValidity,
];

/// Every check that depends on a parsed SOD, in report order.
const AFTER_PARSE: [CheckId; 9] = [
    CheckId::SodContentType,
    CheckId::SodSignerCertificate,
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DscChain,
    CheckId::DscProfile,
    CheckId::DscValidity,
    CheckId::CscaValidity,
    CheckId::DscRevocation,
];

/// The signer's chain, where the signer was found, and the quirk its name needed.
type Signer = (Arc<DscChain>, &'static str, Option<&'static str>);

/// How a SignerInfo names `cert`, if it does (issuerAndSerialNumber or key identifier).
fn names_signer(signer: &SignerId, cert: &Cert) -> Option<NameMatch> {
    match signer {
        SignerId::IssuerSerial { issuer, serial } => {
            if cert.cert.tbs_certificate().serial_number().as_bytes() != serial.as_slice() {
                return None;
            }
            Some(same_name(issuer, cert.cert.tbs_certificate().issuer()))
                .filter(|m| *m != NameMatch::Different)
        }
        SignerId::KeyId(ski) => {
            (cert.ski.as_deref() == Some(ski.as_slice())).then_some(NameMatch::Exact)
        }
    }
}

/// A possible signer: already chained in the cache, or still to be chained.
enum Candidate<'a> {
    Known(Arc<DscChain>),
    Parsed(Box<Cert>),
    Stored(&'a Cert),
}

impl Candidate<'_> {
    fn cert(&self) -> &Cert {
        match self {
            Candidate::Known(chain) => &chain.dsc,
            Candidate::Parsed(cert) => cert,
            Candidate::Stored(cert) => cert,
        }
    }
}

/// What chain look-ups need: the store, its id, the validity and verification times,
/// the cache.
struct ChainContext<'a> {
    trust: &'a TrustStore,
    snapshot_id: &'a str,
    at: UnixTime,
    now: UnixTime,
    verifier: &'a Verifier,
    cache: &'a dyn ChainCache,
}

impl ChainContext<'_> {
    fn cached(&self, dsc_sha256: &[u8]) -> Option<Arc<DscChain>> {
        self.cache.get(&ChainKey {
            dsc_sha256,
            snapshot_id: self.snapshot_id,
            at: self.at,
            now: self.now,
        })
    }

    /// An embedded certificate: from the cache by its DER, else parsed.
    fn embedded(&self, der: &[u8]) -> Option<Candidate<'static>> {
        match self
            .cache
            .get_by_der(der, self.snapshot_id, self.at, self.now)
        {
            Some(chain) => Some(Candidate::Known(chain)),
            None => Cert::parse(der)
                .ok()
                .map(|c| Candidate::Parsed(Box::new(c))),
        }
    }

    fn chain(&self, candidate: Candidate<'_>) -> Arc<DscChain> {
        let dsc = match candidate {
            Candidate::Known(chain) => return chain,
            Candidate::Stored(cert) => match self.cached(&cert.sha256) {
                Some(chain) => return chain,
                None => cert.clone(),
            },
            Candidate::Parsed(cert) => *cert,
        };
        let chain = Arc::new(DscChain::compute(
            dsc,
            self.trust,
            self.at,
            self.now,
            self.verifier,
            self.snapshot_id.to_string(),
        ));
        self.cache.put(chain.clone());
        chain
    }
}

/// Finds the signer certificate among the embedded ones, then among the trust store's
/// known DSCs (for SODs that do not embed theirs), and its chain.
fn find_signer(sod: &Sod, policy: &Policy, context: &ChainContext<'_>) -> Result<Signer, String> {
    let named = |candidate: &Candidate<'_>| names_signer(&sod.cms.signer, candidate.cert());
    let embedded = sod
        .cms
        .certificates
        .iter()
        .filter_map(|der| context.embedded(der))
        .find_map(|c| named(&c).map(|m| (c, m)));
    let (found, origin) = match embedded {
        Some(found) => (Some(found), "embedded DSC"),
        None => (
            context
                .trust
                .dscs()
                .iter()
                .map(Candidate::Stored)
                .find_map(|c| named(&c).map(|m| (c, m))),
            "DSC from the trust store",
        ),
    };
    match found {
        Some((candidate, NameMatch::Exact)) => Ok((context.chain(candidate), origin, None)),
        Some((candidate, _)) if policy.allow_signer_name_order => Ok((
            context.chain(candidate),
            origin,
            Some("quirk signer-name-order: SignerInfo issuer differs in RDN order"),
        )),
        Some(_) => Err("SignerInfo issuer matches the DSC only up to RDN order (strict)".into()),
        None => {
            let mut detail = format!(
                "no certificate matches the SignerInfo ({} embedded, {} known DSCs)",
                sod.cms.certificates.len(),
                context.trust.dscs().len()
            );
            // Say why an embedded certificate was unusable (e.g. a key over the size
            // limits): re-parsed only on this failure path.
            for (i, der) in sod.cms.certificates.iter().enumerate() {
                if let Err(e) = Cert::parse(der) {
                    detail.push_str(&format!("; embedded certificate {} refused: {e}", i + 1));
                }
            }
            Err(detail)
        }
    }
}

/// The pieces one after the other, in one allocation: the report's texts are built for
/// every document, and `format!` costs several times more than copying the pieces.
fn joined(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// `number` in decimal, as `to_string` writes it.
fn number_text(number: u8) -> String {
    let mut out = String::with_capacity(3);
    if number >= 100 {
        out.push(char::from(b'0' + number / 100));
    }
    if number >= 10 {
        out.push(char::from(b'0' + number / 10 % 10));
    }
    out.push(char::from(b'0' + number % 10));
    out
}

/// The dotted text of `oid`, as `to_string` writes it; the content types of an EF.SOD
/// without formatting their arcs.
fn oid_text(oid: &der::asn1::ObjectIdentifier) -> String {
    if *oid == oid::LDS_SECURITY_OBJECT {
        "2.23.136.1.1.1".to_string()
    } else if *oid == oid::ID_DATA {
        "1.2.840.113549.1.7.1".to_string()
    } else {
        oid.to_string()
    }
}

/// The time certificate validity is judged at.
fn validity_time(sod: &Sod, options: &Options) -> UnixTime {
    match (options.time_model, sod.cms.signing_time) {
        (TimeModel::SigningTime, Some(signed)) => signed,
        _ => options.at,
    }
}

/// Verifies one document.
#[must_use]
pub fn verify(
    document: &Document,
    trust: &TrustStore,
    options: &Options,
    verifier: &Verifier,
) -> Outcome {
    verify_with(document, trust, options, verifier, &NoCache)
}

/// Verifies one document, taking DSC chains from `cache` and keeping new ones there.
/// The report is the one [`verify`] gives, check for check.
#[must_use]
pub fn verify_with(
    document: &Document,
    trust: &TrustStore,
    options: &Options,
    verifier: &Verifier,
    cache: &dyn ChainCache,
) -> Outcome {
    verify_parsed(
        document,
        Sod::parse(&document.sod),
        trust,
        options,
        verifier,
        cache,
    )
}

/// [`verify_with`] for a caller that parsed `document.sod` itself: `parsed` must be what
/// [`Sod::parse`] gives for it (a faster parser may stand in only where it agrees).
#[must_use]
pub fn verify_parsed(
    document: &Document,
    parsed: Result<Sod, SodError>,
    trust: &TrustStore,
    options: &Options,
    verifier: &Verifier,
    cache: &dyn ChainCache,
) -> Outcome {
    let policy = &options.policy;
    // DG1 is parsed once, for `dsc.profile` and `mrz.check_digits`.
    let dg1_mrz = document.data_groups.get(&1).map(|dg1| Mrz::from_dg1(dg1));
    let mrz_parsed = dg1_mrz.as_ref().and_then(|m| m.as_ref().ok());
    let mut checks = Checks::default();
    let mut report_sod = None;
    let mut report_dsc = None;
    let mut report_csca = None;
    let mut crl_numbers = Vec::new();
    let mut covered = Vec::new();

    let sod = match parsed {
        Ok(sod) => {
            let mut notes = Vec::new();
            let mut ok = true;
            if sod.cms.encoding == Encoding::Ber {
                notes.push("quirk ber-encoding: CMS in BER");
                ok &= policy.allow_ber;
            }
            if sod.wrapped && !sod.wrapper_der {
                notes.push(
                    "quirk ber-encoding: 0x77 wrapper with an indefinite or non-minimal length",
                );
                ok &= policy.allow_ber;
            }
            if !sod.wrapped {
                notes.push("quirk unwrapped-sod: no 0x77 wrapper");
                ok &= policy.allow_unwrapped_sod;
            }
            let trailing;
            if sod.trailing_bytes > 0 {
                trailing = format!(
                    "quirk trailing-data: {} bytes after the EF.SOD object (ignored, not in the evidence hash)",
                    sod.trailing_bytes
                );
                notes.push(&trailing);
                ok &= policy.allow_trailing_data;
            }
            let detail = if notes.is_empty() {
                "DER CMS SignedData".to_string()
            } else {
                notes.join("; ")
            };
            checks.result(CheckId::SodParse, ok, detail);
            Some(sod)
        }
        Err(e) => {
            checks.push(CheckId::SodParse, Status::Fail, e.to_string());
            None
        }
    };

    let snapshot_id = cache.snapshot_id(trust);
    let signer = sod.as_ref().map(|s| {
        let context = ChainContext {
            trust,
            snapshot_id: &snapshot_id,
            at: validity_time(s, options),
            now: options.at,
            verifier,
            cache,
        };
        find_signer(s, policy, &context)
    });
    if let (Some(sod), Some(signer)) = (&sod, &signer) {
        let chain_waived = signer
            .as_ref()
            .is_ok_and(|(chain, _, _)| dsc_chain_waived(trust, chain));
        // The labelled signature algorithm, read once for the checks and the summary.
        let labelled = sod.cms.signature_algorithm();
        checks_after_parse(
            sod,
            signer,
            chain_waived,
            &labelled,
            mrz_parsed,
            options,
            verifier,
            &mut checks,
            &mut report_dsc,
            &mut report_csca,
            &mut crl_numbers,
        );
        let signature_algorithm = labelled.as_ref().map_or_else(Clone::clone, |a| a.name());
        report_sod = Some(SodFacts {
            content_type: oid_text(&sod.cms.econtent_type),
            lds_version: sod.lds_version(),
            lds_hash: sod.lds_hash,
            signature_algorithm,
            dg_hashes: sod.dg_hashes.clone(),
        });
    } else {
        for id in AFTER_PARSE {
            checks.skip(id, "EF.SOD could not be parsed");
        }
    }

    // Data groups: hashed and compared; supplied but not hashed is never trusted.
    for (number, bytes) in &document.data_groups {
        let (hash_id, covered_id) = (CheckId::DgHash(*number), CheckId::DgCovered(*number));
        match sod.as_ref().map(|s| (s.lds_hash, s.dg_hashes.get(number))) {
            None => {
                checks.skip(hash_id, "EF.SOD could not be parsed");
                checks.skip(covered_id, "EF.SOD could not be parsed");
            }
            Some((_, None)) => {
                checks.skip(hash_id, format!("the SOD holds no hash for DG{number}"));
                checks.push(covered_id, Status::Fail, format!("DG{number} was supplied but the SOD does not hash it: it must not be trusted"));
            }
            Some((hash, Some(expected))) => {
                let ok = hash.digest(bytes) == *expected;
                let detail = if ok {
                    joined(&[hash.name(), " matches"])
                } else {
                    format!("{hash} of DG{number} differs from the SOD")
                };
                checks.result(hash_id, ok, detail);
                checks.push(
                    covered_id,
                    Status::Pass,
                    joined(&["DG", &number_text(*number), " is hashed in the SOD"]),
                );
                if ok {
                    covered.push(*number);
                }
            }
        }
    }

    let mrz = match &dg1_mrz {
        Some(parsed) => {
            let (ok, detail, summary) = mrz_check::check_parsed(parsed);
            checks.result(CheckId::MrzCheckDigits, ok, detail);
            summary
        }
        None => {
            checks.skip(CheckId::MrzCheckDigits, "DG1 not supplied");
            None
        }
    };

    com_consistency(document, sod.as_ref(), policy, &mut checks);
    // What Active Authentication rests on is judged before any waiver: a waiver lets a
    // known defect pass, it never makes a document's data trustworthy.
    let unwaived: Vec<CheckId> = AA_BASIS
        .into_iter()
        .filter(|id| {
            checks
                .0
                .iter()
                .any(|c| c.id == *id && c.status == Status::Pass)
        })
        .collect();
    let mut aa_compromised = None;
    if let (Some(sod), Some(Ok((chain, _, _)))) = (&sod, &signer) {
        aa_compromised = apply_deviation_lists(
            trust,
            chain,
            (validity_time(sod, options), options.at),
            verifier,
            &mut checks,
        );
    }
    active_authentication(
        document,
        sod.as_ref(),
        &unwaived,
        aa_compromised.as_deref(),
        &mut checks,
    );

    let required_skipped = checks.0.iter().any(|c| {
        c.status == Status::Skipped
            && (REQUIRED.contains(&c.id)
                || (policy.require_revocation && c.id == CheckId::DscRevocation))
    });
    let any_failed = checks.0.iter().any(|c| c.status == Status::Fail);
    Outcome {
        valid: !any_failed && !required_skipped,
        checks: checks.0,
        sod: report_sod,
        dsc: report_dsc,
        csca: report_csca,
        mrz,
        evidence: EvidenceFacts {
            sod_sha256: sod.as_ref().map(|s| s.file_sha256.clone()),
            trust_snapshot: snapshot_id,
            crl_numbers,
            policy: policy.name.clone(),
            verified_at: options.at,
            time_model: options.time_model,
            covered_dgs: covered,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn checks_after_parse(
    sod: &Sod,
    signer: &Result<Signer, String>,
    chain_waived: bool,
    labelled: &Result<SignatureAlgorithm, String>,
    mrz: Option<&Mrz>,
    options: &Options,
    verifier: &Verifier,
    checks: &mut Checks,
    report_dsc: &mut Option<CertSummary>,
    report_csca: &mut Option<CertSummary>,
    crl_numbers: &mut Vec<String>,
) {
    let policy = &options.policy;
    // eContentType and the contentType attribute.
    let content_ok = sod.cms.econtent_type == oid::LDS_SECURITY_OBJECT
        || (sod.cms.econtent_type == oid::ID_DATA && policy.allow_id_data);
    let attr_ok = sod.cms.attr_content_type == Some(sod.cms.econtent_type);
    let detail = match (sod.cms.econtent_type == oid::ID_DATA, attr_ok) {
        (_, false) => format!(
            "contentType attribute {:?} differs from eContentType {}",
            sod.cms.attr_content_type.map(|o| o.to_string()),
            sod.cms.econtent_type
        ),
        (true, true) => "quirk id-data-content-type: eContentType is id-data".to_string(),
        (false, true) => joined(&["eContentType ", &oid_text(&sod.cms.econtent_type)]),
    };
    checks.result(CheckId::SodContentType, content_ok && attr_ok, detail);

    match signer {
        Ok((chain, origin, quirk)) => {
            // The summary's subject is `chain.dsc.subject()`, formatted once per chain.
            let subject = &chain.dsc_summary.subject;
            let detail = match quirk {
                Some(q) => format!("{origin} {subject} ({q})"),
                None => joined(&[origin, " ", subject]),
            };
            checks.push(CheckId::SodSignerCertificate, Status::Pass, detail);
            *report_dsc = Some(chain.dsc_summary.clone());
        }
        Err(e) => checks.push(CheckId::SodSignerCertificate, Status::Fail, e.clone()),
    }

    match &sod.cms.attr_message_digest {
        Some(md) => {
            let ok = sod.cms.digest_algorithm.digest(&sod.cms.econtent) == *md;
            let detail = if ok {
                joined(&[
                    sod.cms.digest_algorithm.name(),
                    " of eContent matches the messageDigest attribute",
                ])
            } else {
                format!(
                    "{} of eContent differs from the messageDigest attribute",
                    sod.cms.digest_algorithm
                )
            };
            checks.result(CheckId::SodMessageDigest, ok, detail);
        }
        None => checks.push(
            CheckId::SodMessageDigest,
            Status::Fail,
            "no messageDigest signed attribute",
        ),
    }

    match signer {
        Ok((chain, _, _)) => checks_with_dsc(
            sod,
            mrz,
            chain,
            chain_waived,
            labelled,
            options,
            verifier,
            checks,
            report_csca,
            crl_numbers,
        ),
        Err(_) => {
            checks.skip(CheckId::SodSignature, "no signer certificate");
            for id in [
                CheckId::DscChain,
                CheckId::DscProfile,
                CheckId::DscValidity,
                CheckId::CscaValidity,
                CheckId::DscRevocation,
            ] {
                checks.skip(id, "no signer certificate");
            }
        }
    }
}

/// Whether a deviation list in the store waives `dsc.chain` for this very DSC (`.1.1`
/// DSSignature, which waives only for a DSC named by its certificate digest): the list's
/// signer, chained to a trusted CSCA, then vouches for the DSC instead of its signature.
fn dsc_chain_waived(trust: &TrustStore, chain: &DscChain) -> bool {
    trust.deviation_lists().iter().any(|(list, _)| {
        list.waivers_for(&chain.dsc)
            .iter()
            .any(|w| w.check_id == CheckId::DscChain)
    })
}

/// Only a DSC that chained to a trust anchor (or that a deviation list vouches for) may
/// make the verifier work: the SOD signature is checked with its key only then, so an
/// input cannot pick the key its signature is checked with.
fn sod_signature_checked(chain: &DscChain, chain_waived: bool) -> Result<(), String> {
    match chain.chain.0 {
        Status::Pass => Ok(()),
        // The waiver turns this failure into a pass once the checks are done.
        Status::Fail if chain_waived => Ok(()),
        Status::Fail => Err(
            "not checked: the DSC does not chain to a trusted CSCA (dsc.chain), so its key is not used"
                .into(),
        ),
        Status::Skipped => Err(
            "not checked: the DSC does not chain, no trusted CSCA issued it (dsc.chain), so its key is not used"
                .into(),
        ),
    }
}

/// [`crate::signed_data::SignedDataInfo::verify_signature`] with the algorithm already
/// read (`labelled`) and the key the chain keeps prepared: the same checks in the same
/// order, so the same outcome and error text.
fn verify_sod_signature(
    sod: &Sod,
    chain: &DscChain,
    labelled: &Result<SignatureAlgorithm, String>,
    verifier: &Verifier,
) -> Result<SignatureAlgorithm, String> {
    let signed_attrs = sod.cms.signed_attrs.as_ref().ok_or("no signedAttrs")?;
    let algorithm = labelled.clone()?;
    chain
        .verifying_key(&algorithm, verifier)
        .and_then(|key| key.verify(signed_attrs, &sod.cms.signature))
        .map_err(|e| format!("{}: {e}", algorithm.name()))?;
    Ok(algorithm)
}

fn sod_signature(
    sod: &Sod,
    chain: &DscChain,
    labelled: &Result<SignatureAlgorithm, String>,
    policy: &Policy,
    verifier: &Verifier,
) -> (bool, String) {
    let dsc = &chain.dsc;
    let mut allowed = true;
    let mut quirks = Vec::new();
    let algorithm = match verify_sod_signature(sod, chain, labelled, verifier) {
        Ok(algorithm) => algorithm,
        Err(e) => match mislabelled_rsa_padding(sod, dsc, verifier) {
            Some(actual) => {
                quirks.push(format!(
                    "quirk mislabelled-rsa-padding: labelled otherwise, verifies as {}",
                    actual.name()
                ));
                allowed &= policy.allow_mislabelled_rsa_padding;
                actual
            }
            None => return (false, e),
        },
    };
    let mut notes = vec![format!("{} by {}", algorithm.name(), dsc.key.description())];
    notes.extend(quirks);
    if sod.cms.uses_bare_rsa_encryption() {
        notes.push(format!(
            "quirk rsa-encryption-oid: hash {} taken from digestAlgorithm",
            sod.cms.digest_algorithm
        ));
        allowed &= policy.allow_rsa_encryption_oid;
    }
    if [algorithm.hash(), sod.cms.digest_algorithm, sod.lds_hash].contains(&HashAlgorithm::Sha1) {
        notes.push("quirk sha1: SHA-1 in use".to_string());
        allowed &= policy.allow_sha1;
    }
    (allowed, notes.join("; "))
}

/// The largest RSA modulus, in bits, for which a failed SOD signature is tried again
/// with the other padding (see [`mislabelled_rsa_padding`]).
const RETRY_MAX_MODULUS_BITS: usize = 4096;

/// The largest RSA public exponent, in bytes, for which the retry runs (2^32: AWS-LC's
/// range, and every real key has 3 or 65537).
const RETRY_MAX_EXPONENT_BYTES: usize = 4;

/// Some signers label a PSS signature as PKCS#1 v1.5 or the reverse (quirk
/// `mislabelled-rsa-padding`, policy `allow_mislabelled_rsa_padding`): try the other
/// RSA padding with the same hash (PSS with MGF1 of that hash and a salt of its length).
///
/// The retry costs one more RSA public operation, so it runs only when that is cheap:
/// only after the labelled check failed, only for a DSC that chained to a trust anchor
/// (the caller's rule: the key is one a trusted CSCA certified, not one the input
/// chose), and only for keys of at most 4096 bits with an exponent below 2^32 (every
/// DSC and chip key seen; one such operation takes tens of microseconds on the fast
/// backends). Larger keys, allowed up to 8192 bits and 256-bit exponents, get no second
/// operation: their signature fails as labelled. A document so costs at most two
/// operations of a small trusted key, or one of a large one; performing the operation
/// once and checking both encodings against the result would need the generic backend
/// on the passing path, several times slower than AWS-LC for every valid document.
fn mislabelled_rsa_padding(
    sod: &Sod,
    dsc: &Cert,
    verifier: &Verifier,
) -> Option<SignatureAlgorithm> {
    let dongpo_crypto::PublicKey::Rsa(rsa) = &dsc.key else {
        return None;
    };
    if rsa.bits() > RETRY_MAX_MODULUS_BITS || rsa.exponent.len() > RETRY_MAX_EXPONENT_BYTES {
        return None;
    }
    let signed_attrs = sod.cms.signed_attrs.as_ref()?;
    let labelled = sod.cms.signature_algorithm().ok()?;
    let other = match labelled {
        SignatureAlgorithm::RsaPkcs1 { hash } => {
            SignatureAlgorithm::RsaPss(dongpo_crypto::PssParams::with_hash(hash))
        }
        SignatureAlgorithm::RsaPss(p) => SignatureAlgorithm::RsaPkcs1 { hash: p.hash },
        SignatureAlgorithm::Ecdsa { .. } => return None,
    };
    verifier
        .verify(&dsc.key, &other, signed_attrs, &sod.cms.signature)
        .ok()
        .map(|()| other)
}

#[allow(clippy::too_many_arguments)]
fn checks_with_dsc(
    sod: &Sod,
    mrz: Option<&Mrz>,
    chain: &DscChain,
    chain_waived: bool,
    labelled: &Result<SignatureAlgorithm, String>,
    options: &Options,
    verifier: &Verifier,
    checks: &mut Checks,
    report_csca: &mut Option<CertSummary>,
    crl_numbers: &mut Vec<String>,
) {
    let policy = &options.policy;
    let dsc = &chain.dsc;
    match sod_signature_checked(chain, chain_waived) {
        Ok(()) => {
            let (ok, detail) = sod_signature(sod, chain, labelled, policy, verifier);
            checks.result(CheckId::SodSignature, ok, detail);
        }
        Err(reason) => checks.skip(CheckId::SodSignature, reason),
    }

    checks.push(CheckId::DscChain, chain.chain.0, chain.chain.1.clone());
    *report_csca = chain.csca.as_ref().map(|c| c.summary.clone());

    let (profile_ok, profile_detail) = dsc_profile(chain, mrz);
    if profile_ok {
        checks.push(CheckId::DscProfile, Status::Pass, profile_detail);
    } else if policy.allow_profile_deviations {
        checks.push(
            CheckId::DscProfile,
            Status::Pass,
            format!("deviation tolerated: {profile_detail}"),
        );
    } else {
        checks.push(CheckId::DscProfile, Status::Fail, profile_detail);
    }

    let at = validity_time(sod, options);
    let at_text = at.rfc3339();
    checks.result(
        CheckId::DscValidity,
        dsc.valid_at(at),
        joined(&[&chain.dsc_validity, ", checked at ", &at_text]),
    );
    match &chain.csca {
        Some(csca) => checks.result(
            CheckId::CscaValidity,
            csca.cert.valid_at(at),
            joined(&[&csca.validity, ", checked at ", &at_text]),
        ),
        None => checks.skip(CheckId::CscaValidity, "no trusted CSCA"),
    }
    checks.push(
        CheckId::DscRevocation,
        chain.revocation.0,
        chain.revocation.1.clone(),
    );
    crl_numbers.extend(chain.crl_numbers.iter().cloned());
}

/// 9303-12 profiles: the certificate problems of the chain, then the document's: DG1's
/// issuing state in the DSC's country, a document type the DSC may sign.
fn dsc_profile(chain: &DscChain, mrz: Option<&Mrz>) -> (bool, String) {
    let mut problems = chain.profile_problems.clone();
    if let Some(mrz) = mrz {
        problems.extend(issuing_state_problem(
            &mrz.issuing_state,
            chain.dsc_country.as_deref(),
        ));
    }
    let code = mrz.map(|mrz| mrz.document_code.trim_end_matches('<').to_string());
    match (&chain.document_types, code) {
        (Some(Err(e)), _) => problems.push(e.clone()),
        (Some(Ok(types)), Some(code)) if !types.iter().any(|t| code.starts_with(t.as_str())) => {
            problems.push(format!("DSC may sign document types {types:?}, not {code}"));
        }
        _ => {}
    }
    if problems.is_empty() {
        (true, "DSC and CSCA profiles as 9303-12 describes".into())
    } else {
        (false, problems.join("; "))
    }
}

/// DG1's issuing state against the DSC's country: a State must be the DSC's country, an
/// ICAO organisation the country its certificates carry. A code that maps to neither
/// (nationality-only XXA/XXB/XXC/XXX, an organisation whose certificate country is not
/// known, an unknown code) cannot be checked, which is itself a problem: it fails
/// `dsc.profile` under strict and is named under default.
fn issuing_state_problem(code: &str, dsc_country: Option<&str>) -> Option<String> {
    use crate::country::{IssuingState, issuing_state};
    let shown = code.trim_end_matches('<');
    let expected = match issuing_state(code) {
        IssuingState::State(state) => state,
        IssuingState::Organisation {
            certificate_country: Some(country),
            ..
        } => country,
        IssuingState::Organisation {
            certificate_country: None,
            name,
            ..
        } => {
            return Some(format!(
                "DG1 issuing state {shown} ({name}) has no known certificate country: not compared with the DSC's country {dsc_country:?}"
            ));
        }
        IssuingState::NationalityOnly { meaning, .. } => {
            return Some(format!(
                "DG1 issuing state {shown} is a nationality code ({meaning}), not an issuing state"
            ));
        }
        IssuingState::Unknown => {
            return Some(format!(
                "DG1 issuing state {shown:?} is no ICAO 9303-3 code: not compared with the DSC's country {dsc_country:?}"
            ));
        }
    };
    (dsc_country != Some(expected)).then(|| {
        format!("DG1 issuing state {expected} differs from the DSC's country {dsc_country:?}")
    })
}

/// EF.COM is unsigned: it may only agree with the SOD, never add to it.
fn com_consistency(document: &Document, sod: Option<&Sod>, policy: &Policy, checks: &mut Checks) {
    let Some(com) = &document.com else {
        checks.skip(CheckId::ComConsistency, "EF.COM not supplied");
        return;
    };
    let Some(sod) = sod else {
        checks.skip(CheckId::ComConsistency, "EF.SOD could not be parsed");
        return;
    };
    match crate::lds::com::EfCom::parse(com) {
        Err(e) => checks.push(CheckId::ComConsistency, Status::Fail, e.to_string()),
        Ok(com) => {
            let listed: Vec<u8> = com.data_groups.iter().map(|dg| dg.number()).collect();
            let hashed: Vec<u8> = sod.dg_hashes.keys().copied().collect();
            let mut sorted = listed.clone();
            sorted.sort_unstable();
            let detail = format!("EF.COM lists DGs {listed:?}, the SOD hashes {hashed:?}");
            if sorted == hashed {
                checks.push(CheckId::ComConsistency, Status::Pass, detail);
            } else if policy.allow_com_mismatch {
                checks.push(
                    CheckId::ComConsistency,
                    Status::Pass,
                    format!("deviation tolerated (EF.COM is unsigned): {detail}"),
                );
            } else {
                checks.push(CheckId::ComConsistency, Status::Fail, detail);
            }
        }
    }
}

/// Applies the waivers of every deviation list of the store to the documents of
/// `chain`'s DSC and returns why Active Authentication is void for them, if a list
/// declares their AA keys compromised.
///
/// A DSSignature deviation (DSC named by digest) waives `dsc.chain`; the CSCA that issued
/// the DSC is then taken from the list's trusted CSCAs, so that `csca.validity` is still
/// judged (at `at`, the validity time; CRL freshness at `now`, the verification time)
/// instead of being skipped for want of a chain: a listed defect can be
/// accepted, but only when everything else holds.
fn apply_deviation_lists(
    trust: &TrustStore,
    chain: &DscChain,
    (at, now): (UnixTime, UnixTime),
    verifier: &Verifier,
    checks: &mut Checks,
) -> Option<String> {
    let facts = crate::deviation_list::DocumentFacts::default();
    let mut aa_compromised = None;
    for (list, source) in trust.deviation_lists() {
        let waivers = list.waivers_for_document(&chain.dsc, &facts);
        let chain_failed = checks
            .0
            .iter()
            .any(|c| c.id == CheckId::DscChain && c.status == Status::Fail);
        crate::deviation_list::apply(&mut checks.0, &waivers, source);
        let chain_waived = chain_failed
            && checks
                .0
                .iter()
                .any(|c| c.id == CheckId::DscChain && c.status == Status::Pass);
        let issuing_csca = if chain_waived && chain.csca.is_none() {
            list.issuing_csca(&chain.dsc)
        } else {
            None
        };
        if let Some(csca) = issuing_csca {
            if let Some(check) = checks
                .0
                .iter_mut()
                .find(|c| c.id == CheckId::DscRevocation && c.status == Status::Skipped)
            {
                // The same judgement as for a chained DSC: the newest verified CRL of
                // the CSCA's name decides, fresh at the verification time.
                let (status, detail) =
                    chain::dsc_revocation(&chain.dsc, csca, trust, at, now, verifier);
                check.status = status;
                check.detail = detail;
            }
            if let Some(check) = checks
                .0
                .iter_mut()
                .find(|c| c.id == CheckId::CscaValidity && c.status == Status::Skipped)
            {
                check.status = if csca.valid_at(at) {
                    Status::Pass
                } else {
                    Status::Fail
                };
                check.detail = format!(
                    "CSCA {} (issuer of the DSC named by deviation list {source}) valid {} to {}, checked at {}",
                    csca.subject(),
                    csca.not_before.rfc3339(),
                    csca.not_after.rfc3339(),
                    at.rfc3339()
                );
            }
        }
        if aa_compromised.is_none() {
            aa_compromised = list
                .aa_key_compromised(&chain.dsc, &facts)
                .map(|why| format!("deviation list {source}: {why}"));
        }
    }
    aa_compromised
}

/// The checks Active Authentication rests on, which must pass without any waiver.
const AA_BASIS: [CheckId; 4] = [
    CheckId::SodMessageDigest,
    CheckId::SodSignature,
    CheckId::DgHash(15),
    CheckId::DgHash(14),
];

/// Active Authentication counts only for a chip whose Passive Authentication passed
/// and whose DG15 (and DG14, when it is supplied and hashed in the SOD) hashes, SOD
/// signature and messageDigest passed on their own, before any deviation-list waiver
/// (`unwaived`): a waived hash means the key in DG15 is not the one the State signed.
/// A deviation list that declares the document's AA keys compromised makes it fail
/// under every policy.
fn active_authentication(
    document: &Document,
    sod: Option<&Sod>,
    unwaived: &[CheckId],
    aa_compromised: Option<&str>,
    checks: &mut Checks,
) {
    let Some(response) = &document.active_auth else {
        checks.skip(
            CheckId::AaSignature,
            "no Active Authentication challenge given",
        );
        return;
    };
    if let Some(why) = aa_compromised {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            format!("Active Authentication keys declared compromised by {why}"),
        );
        return;
    }
    let Some(dg15) = document.data_groups.get(&15) else {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            "Active Authentication needs DG15",
        );
        return;
    };
    let passed = |id: CheckId| {
        checks
            .0
            .iter()
            .any(|c| c.id == id && c.status == Status::Pass)
    };
    let pa_passed =
        REQUIRED.iter().all(|id| passed(*id)) && !checks.0.iter().any(|c| c.status == Status::Fail);
    if !pa_passed || !passed(CheckId::DgHash(15)) {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            "Passive Authentication of the chip and of DG15 must pass first",
        );
        return;
    }
    let dg14_hashed = document.data_groups.contains_key(&14)
        && sod.is_some_and(|s| s.dg_hashes.contains_key(&14));
    let mut own = vec![
        CheckId::SodMessageDigest,
        CheckId::SodSignature,
        CheckId::DgHash(15),
    ];
    if dg14_hashed {
        own.push(CheckId::DgHash(14));
    }
    if let Some(id) = own.iter().find(|id| !unwaived.contains(id)) {
        checks.push(
            CheckId::AaSignature,
            Status::Fail,
            format!("{id} passed only by a deviation-list waiver: Active Authentication cannot rest on it"),
        );
        return;
    }
    let hash = match document.data_groups.get(&14) {
        Some(dg14) if dg14_hashed => crate::lds::dg14::Dg14::parse(dg14).ok().and_then(|d| {
            d.active_authentication()
                .and_then(|aa| aa.hash_algorithm().ok())
        }),
        _ => None,
    };
    // As `dongpo aa verify`, a bare SubjectPublicKeyInfo is read as well as the file.
    let verified = crate::lds::Dg15::parse_file_or_spki(dg15)
        .map_err(crate::active_auth::AaError::from)
        .and_then(|dg15| {
            crate::active_auth::verify(&dg15, hash, &response.challenge, &response.signature)
        });
    match verified {
        Ok(outcome) => checks.push(
            CheckId::AaSignature,
            Status::Pass,
            format!(
                "{} with {} by {}",
                outcome.algorithm.name(),
                outcome.hash,
                outcome.key
            ),
        ),
        Err(e) => checks.push(CheckId::AaSignature, Status::Fail, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_texts_are_written_as_format_would() {
        for n in 0..=u8::MAX {
            assert_eq!(number_text(n), n.to_string());
        }
        for o in [oid::LDS_SECURITY_OBJECT, oid::ID_DATA, oid::ID_SIGNED_DATA] {
            assert_eq!(oid_text(&o), o.to_string());
        }
        assert_eq!(joined(&["dg.", "2", ".hash"]), "dg.2.hash");
        assert_eq!(joined(&[]), "");
    }
}
