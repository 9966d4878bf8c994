//! Passive Authentication (9303-11 §5.1): is this chip data signed by a Document Signer
//! that a trusted CSCA certified, and unchanged since? Produces a report of every check.

use std::collections::BTreeMap;
use std::sync::Arc;

use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};

use crate::checks::check_id::CheckId;
use crate::checks::report::{CertSummary, Checks, MrzSummary, Status};
use crate::encoding::oid;
use crate::encoding::signed_data::{Encoding, SignerId};
use crate::lds::sod::{Sod, SodError};
use crate::lds::{LdsError, Mrz};
use crate::trust::store::TrustStore;
use crate::verify::leniency::Policy;
use crate::verify::outcome::{EvidenceFacts, Outcome, SodFacts};

mod active;
mod chain;
mod chip_auth;
mod document;
mod signer;
mod waivers;

pub use crate::verify::outcome::TimeModel;
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
    /// How Chip Authentication ended, when the caller ran it as the terminal against
    /// this document's DG14 (`ca.authentication`). `None`: not run.
    pub chip_authentication: Option<ChipAuthenticationResult>,
}

/// How a Chip Authentication (ICAO 9303-11 §6.2) the caller ran as the terminal ended.
///
/// Chip Authentication is interactive: it cannot be checked from the files afterwards.
/// Only the party that generated the ephemeral key and checked the chip's secure-messaging
/// answers under the agreed keys may state a result (`dongpo_chip`'s terminal, or the
/// server as the remote terminal); a file upload never carries one. The report still
/// counts a proof only on a DG14 that Passive Authentication covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChipAuthenticationResult {
    /// The chip derived the session keys from the DG14 key and answered under them with
    /// the document's own bytes.
    Proven {
        /// What was run and proven (protocol, key id, the bytes read back), for the report.
        detail: String,
    },
    /// The chip did not prove possession of the DG14 key.
    Failed {
        /// What went wrong (no personal data).
        reason: String,
    },
}

/// A challenge the verifier chose and the chip's signature over it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveAuthResponse {
    /// The verifier's nonce.
    pub challenge: Vec<u8>,
    /// The chip's signature.
    pub signature: Vec<u8>,
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

use active::{AA_BASIS, active_authentication};
use chip_auth::{chip_authentication, chip_offers};
use document::{com_consistency, dsc_profile, mrz_check_digits};
use signer::{ChainContext, Signer, checks_with_dsc, dsc_chain_waived, find_signer};
use waivers::apply_deviation_lists;

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

/// `<hash> matches`, the `dg.N.hash` detail of a data group that matches: a fixed text
/// per hash algorithm, not assembled per data group.
fn hash_matches_text(hash: HashAlgorithm) -> &'static str {
    match hash {
        HashAlgorithm::Sha1 => "sha1 matches",
        HashAlgorithm::Sha224 => "sha224 matches",
        HashAlgorithm::Sha256 => "sha256 matches",
        HashAlgorithm::Sha384 => "sha384 matches",
        HashAlgorithm::Sha512 => "sha512 matches",
    }
}

/// `<hash> of eContent matches the messageDigest attribute`, fixed per hash algorithm.
fn message_digest_matches_text(hash: HashAlgorithm) -> &'static str {
    match hash {
        HashAlgorithm::Sha1 => "sha1 of eContent matches the messageDigest attribute",
        HashAlgorithm::Sha224 => "sha224 of eContent matches the messageDigest attribute",
        HashAlgorithm::Sha256 => "sha256 of eContent matches the messageDigest attribute",
        HashAlgorithm::Sha384 => "sha384 of eContent matches the messageDigest attribute",
        HashAlgorithm::Sha512 => "sha512 of eContent matches the messageDigest attribute",
    }
}

/// `DG<number> is hashed in the SOD`: fixed texts for the data groups 9303 defines
/// (1 to 16), assembled for any other number.
fn dg_hashed_text(number: u8) -> String {
    const HASHED: [&str; 17] = [
        "DG0 is hashed in the SOD",
        "DG1 is hashed in the SOD",
        "DG2 is hashed in the SOD",
        "DG3 is hashed in the SOD",
        "DG4 is hashed in the SOD",
        "DG5 is hashed in the SOD",
        "DG6 is hashed in the SOD",
        "DG7 is hashed in the SOD",
        "DG8 is hashed in the SOD",
        "DG9 is hashed in the SOD",
        "DG10 is hashed in the SOD",
        "DG11 is hashed in the SOD",
        "DG12 is hashed in the SOD",
        "DG13 is hashed in the SOD",
        "DG14 is hashed in the SOD",
        "DG15 is hashed in the SOD",
        "DG16 is hashed in the SOD",
    ];
    match HASHED.get(usize::from(number)) {
        Some(text) => (*text).to_owned(),
        None => joined(&["DG", &number_text(number), " is hashed in the SOD"]),
    }
}

/// `eContentType <dotted OID>`, the `sod.content_type` detail of an EF.SOD whose
/// contentType attribute agrees.
fn econtent_type_text(oid: &der::asn1::ObjectIdentifier) -> String {
    if *oid == oid::LDS_SECURITY_OBJECT {
        "eContentType 2.23.136.1.1.1".to_owned()
    } else {
        joined(&["eContentType ", &oid_text(oid)])
    }
}

/// Checks a document of `data_groups` data groups gives (the named ones, two per data
/// group), so that the list is allocated once.
fn check_count(data_groups: usize) -> usize {
    AFTER_PARSE.len() + 4 + 2 * data_groups
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
///
/// Public for two callers outside this crate: `dongpo-batch` hands in the EF.SOD parsed
/// by `Sod::parse_known` (the fast path, with the DSCs it has already decoded), and the
/// `dongpo verify` command parses first so that an unreadable EF.SOD exits 2 after the
/// report. Everyone else calls [`verify`] or [`verify_with`].
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
    let mut checks = Checks(Vec::with_capacity(check_count(document.data_groups.len())));
    let mut report_sod = None;
    let mut report_dsc = None;
    let mut report_csca = None;
    let mut crl_numbers = Vec::new();
    let mut covered = Vec::new();

    let mut sod = match parsed {
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
            // Moved in from `sod` once nothing reads it any more (just before the
            // outcome is built): one map per document, not a copy.
            dg_hashes: BTreeMap::new(),
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
                    hash_matches_text(hash).to_owned()
                } else {
                    format!("{hash} of DG{number} differs from the SOD")
                };
                checks.result(hash_id, ok, detail);
                checks.push(covered_id, Status::Pass, dg_hashed_text(*number));
                if ok {
                    covered.push(*number);
                }
            }
        }
    }

    let mrz = match dg1_mrz {
        Some(parsed) => {
            let (ok, detail, summary) = mrz_check_digits(parsed);
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
    // Kept in place (at most the four ids of `AA_BASIS`), not in a list per document.
    let mut passed = [CheckId::SodParse; AA_BASIS.len()];
    let mut count = 0;
    for id in AA_BASIS {
        if checks
            .0
            .iter()
            .any(|c| c.id == id && c.status == Status::Pass)
            && let Some(slot) = passed.get_mut(count)
        {
            *slot = id;
            count += 1;
        }
    }
    let unwaived = passed.get(..count).unwrap_or(&[]);
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
        unwaived,
        aa_compromised.as_deref(),
        policy.allow_aa_hash_by_curve,
        &mut checks,
    );
    let offers = chip_offers(document, sod.as_ref(), &checks);
    chip_authentication(document, unwaived, offers, &mut checks);

    let required_skipped = checks.0.iter().any(|c| {
        c.status == Status::Skipped
            && (REQUIRED.contains(&c.id)
                || (policy.require_revocation && c.id == CheckId::DscRevocation))
    });
    let any_failed = checks.0.iter().any(|c| c.status == Status::Fail);
    // The last reads of `sod` are above: its hash map and evidence hash move into the
    // report instead of being copied (`report_sod` is `Some` only alongside `sod`).
    let sod_sha256 = sod.as_mut().map(|s| {
        if let Some(facts) = report_sod.as_mut() {
            facts.dg_hashes = std::mem::take(&mut s.dg_hashes);
        }
        std::mem::take(&mut s.file_sha256)
    });
    Outcome {
        valid: !any_failed && !required_skipped,
        checks: checks.0,
        sod: report_sod,
        dsc: report_dsc,
        csca: report_csca,
        mrz,
        evidence: EvidenceFacts {
            sod_sha256,
            trust_snapshot: snapshot_id,
            crl_numbers,
            policy: policy.name.clone(),
            verified_at: options.at,
            time_model: options.time_model,
            covered_dgs: covered,
            chip_offers: offers,
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
        (false, true) => econtent_type_text(&sod.cms.econtent_type),
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
                message_digest_matches_text(sod.cms.digest_algorithm).to_owned()
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
        for n in 0..=u8::MAX {
            assert_eq!(dg_hashed_text(n), format!("DG{n} is hashed in the SOD"));
        }
        for hash in HashAlgorithm::ALL {
            assert_eq!(hash_matches_text(hash), format!("{hash} matches"));
            assert_eq!(
                message_digest_matches_text(hash),
                format!("{hash} of eContent matches the messageDigest attribute")
            );
        }
        for o in [oid::LDS_SECURITY_OBJECT, oid::ID_DATA, oid::ID_SIGNED_DATA] {
            assert_eq!(econtent_type_text(&o), format!("eContentType {o}"));
        }
        assert_eq!(joined(&["dg.", "2", ".hash"]), "dg.2.hash");
        assert_eq!(joined(&[]), "");
    }
}
