//! Passive Authentication (9303-11 §5.1): is this chip data signed by a Document Signer
//! that a trusted CSCA certified, and unchanged since? Produces a report of every check.

use std::collections::BTreeMap;

use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, country};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::CrlStatus;
use x509_cert::ext::pkix::KeyUsages;

use crate::mrz_check;
use crate::oid;
use crate::policy::Policy;
use crate::report::{CertSummary, Checks, Evidence, SodSummary, Status, VerificationReport};
use crate::signed_data::Encoding;
use crate::sod::Sod;
use crate::trust_store::{TrustStore, TrustedCsca};

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
const REQUIRED: [&str; 8] = [
    "sod.parse",
    "sod.content_type",
    "sod.signer_certificate",
    "sod.message_digest",
    "sod.signature",
    "dsc.chain",
    "dsc.validity",
    "csca.validity",
];

/// Every check that depends on a parsed SOD, in report order.
const AFTER_PARSE: [&str; 9] = [
    "sod.content_type",
    "sod.signer_certificate",
    "sod.message_digest",
    "sod.signature",
    "dsc.chain",
    "dsc.profile",
    "dsc.validity",
    "csca.validity",
    "dsc.revocation",
];

/// The signer certificate, where it was found, and the quirk its name needed.
type Signer = (Cert, &'static str, Option<&'static str>);

/// Finds the signer certificate among the embedded ones, then among the trust store's
/// known DSCs (for SODs that do not embed theirs).
fn find_signer(sod: &Sod, trust: &TrustStore, policy: &Policy) -> Result<Signer, String> {
    let (found, origin) = match sod.cms.find_signer() {
        Some(found) => (Some(found), "embedded DSC"),
        None => (
            sod.cms.find_signer_in(trust.dscs().iter().cloned()),
            "DSC from the trust store",
        ),
    };
    match found {
        Some((cert, NameMatch::Exact)) => Ok((cert, origin, None)),
        Some((cert, _)) if policy.allow_signer_name_order => Ok((
            cert,
            origin,
            Some("quirk signer-name-order: SignerInfo issuer differs in RDN order"),
        )),
        Some(_) => Err("SignerInfo issuer matches the DSC only up to RDN order (strict)".into()),
        None => Err(format!(
            "no certificate matches the SignerInfo ({} embedded, {} known DSCs)",
            sod.cms.certificates.len(),
            trust.dscs().len()
        )),
    }
}

/// Verifies one document.
#[must_use]
pub fn verify(
    document: &Document,
    trust: &TrustStore,
    options: &Options,
    verifier: &Verifier,
) -> VerificationReport {
    let policy = &options.policy;
    let mut checks = Checks::default();
    let mut report_sod = None;
    let mut report_dsc = None;
    let mut report_csca = None;
    let mut crl_numbers = Vec::new();
    let mut covered = Vec::new();

    let parsed = Sod::parse(&document.sod);
    let sod = match parsed {
        Ok(sod) => {
            let mut notes = Vec::new();
            let mut ok = true;
            if sod.cms.encoding == Encoding::Ber {
                notes.push("quirk ber-encoding: CMS in BER");
                ok &= policy.allow_ber;
            }
            if !sod.wrapped {
                notes.push("quirk unwrapped-sod: no 0x77 wrapper");
                ok &= policy.allow_unwrapped_sod;
            }
            let detail = if notes.is_empty() {
                "DER CMS SignedData".to_string()
            } else {
                notes.join("; ")
            };
            checks.result("sod.parse", ok, detail);
            Some(sod)
        }
        Err(e) => {
            checks.push("sod.parse", Status::Fail, e.to_string());
            None
        }
    };

    let signer = sod.as_ref().map(|s| find_signer(s, trust, policy));
    if let (Some(sod), Some(signer)) = (&sod, &signer) {
        verify_parsed(
            sod,
            signer,
            document,
            trust,
            options,
            verifier,
            &mut checks,
            &mut report_dsc,
            &mut report_csca,
            &mut crl_numbers,
        );
        let signature_algorithm = SignatureAlgorithm::from_identifier_der(
            &sod.cms.signature_algorithm,
            Some(sod.cms.digest_algorithm),
        )
        .map_or_else(|e| e.to_string(), |a| a.name());
        report_sod = Some(SodSummary {
            content_type: sod.cms.econtent_type.to_string(),
            lds_version: sod.lds_version(),
            digest_algorithm: sod.lds_hash.name().to_string(),
            signature_algorithm,
            dg_hashes: sod
                .dg_hashes
                .iter()
                .map(|(n, h)| (n.to_string(), hex::encode(h)))
                .collect(),
        });
    } else {
        for id in AFTER_PARSE {
            checks.skip(id, "EF.SOD could not be parsed");
        }
    }

    // Data groups: hashed and compared; supplied but not hashed is never trusted.
    for (number, bytes) in &document.data_groups {
        let hash_id = format!("dg.{number}.hash");
        let covered_id = format!("dg.{number}.covered");
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
                    format!("{hash} matches")
                } else {
                    format!("{hash} of DG{number} differs from the SOD")
                };
                checks.result(hash_id, ok, detail);
                checks.push(
                    covered_id,
                    Status::Pass,
                    format!("DG{number} is hashed in the SOD"),
                );
                if ok {
                    covered.push(*number);
                }
            }
        }
    }

    let mrz = match document.data_groups.get(&1) {
        Some(dg1) => {
            let (ok, detail, summary) = mrz_check::check(dg1);
            checks.result("mrz.check_digits", ok, detail);
            summary
        }
        None => {
            checks.skip("mrz.check_digits", "DG1 not supplied");
            None
        }
    };

    com_consistency(document, sod.as_ref(), policy, &mut checks);
    if let Some((dsc, _, _)) = sod
        .as_ref()
        .and_then(|s| find_signer(s, trust, policy).ok())
    {
        for (list, source) in trust.deviation_lists() {
            crate::deviation_list::apply(&mut checks.0, &list.waivers_for(&dsc), source);
        }
    }
    active_authentication(document, sod.as_ref(), &mut checks);

    let required_skipped = checks.0.iter().any(|c| {
        c.status == Status::Skipped
            && (REQUIRED.contains(&c.id.as_str())
                || (policy.require_revocation && c.id == "dsc.revocation"))
    });
    let any_failed = checks.0.iter().any(|c| c.status == Status::Fail);
    VerificationReport {
        valid: !any_failed && !required_skipped,
        checks: checks.0,
        sod: report_sod,
        dsc: report_dsc,
        csca: report_csca,
        mrz,
        evidence: Evidence {
            sod_sha256: sod.as_ref().map(|s| hex::encode(&s.file_sha256)),
            trust_snapshot: trust.snapshot_id(),
            crl_numbers,
            policy: policy.name.clone(),
            at: options.at.rfc3339(),
            time_model: options.time_model.name().into(),
            covered_dgs: covered,
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn verify_parsed(
    sod: &Sod,
    signer: &Result<Signer, String>,
    document: &Document,
    trust: &TrustStore,
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
        (false, true) => format!("eContentType {}", sod.cms.econtent_type),
    };
    checks.result("sod.content_type", content_ok && attr_ok, detail);

    match signer {
        Ok((cert, origin, quirk)) => {
            let detail = match quirk {
                Some(q) => format!("{origin} {} ({q})", cert.subject()),
                None => format!("{origin} {}", cert.subject()),
            };
            checks.push("sod.signer_certificate", Status::Pass, detail);
            *report_dsc = Some(CertSummary::from(cert));
        }
        Err(e) => checks.push("sod.signer_certificate", Status::Fail, e.clone()),
    }

    match &sod.cms.attr_message_digest {
        Some(md) => {
            let ok = sod.cms.digest_algorithm.digest(&sod.cms.econtent) == *md;
            let detail = if ok {
                format!(
                    "{} of eContent matches the messageDigest attribute",
                    sod.cms.digest_algorithm
                )
            } else {
                format!(
                    "{} of eContent differs from the messageDigest attribute",
                    sod.cms.digest_algorithm
                )
            };
            checks.result("sod.message_digest", ok, detail);
        }
        None => checks.push(
            "sod.message_digest",
            Status::Fail,
            "no messageDigest signed attribute",
        ),
    }

    match signer {
        Ok((dsc, _, _)) => checks_with_dsc(
            sod,
            document,
            dsc,
            trust,
            options,
            verifier,
            checks,
            report_csca,
            crl_numbers,
        ),
        Err(_) => {
            checks.skip("sod.signature", "no signer certificate");
            for id in [
                "dsc.chain",
                "dsc.profile",
                "dsc.validity",
                "csca.validity",
                "dsc.revocation",
            ] {
                checks.skip(id, "no signer certificate");
            }
        }
    }
}

fn sod_signature(sod: &Sod, dsc: &Cert, policy: &Policy, verifier: &Verifier) -> (bool, String) {
    let mut allowed = true;
    let mut quirks = Vec::new();
    let algorithm = match sod.cms.verify_signature(dsc, verifier) {
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

/// Some signers label a PSS signature as PKCS#1 v1.5 or the reverse: try the other RSA
/// padding with the same hash (PSS with MGF1 of that hash and a salt of its length).
fn mislabelled_rsa_padding(
    sod: &Sod,
    dsc: &Cert,
    verifier: &Verifier,
) -> Option<SignatureAlgorithm> {
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
    document: &Document,
    dsc: &Cert,
    trust: &TrustStore,
    options: &Options,
    verifier: &Verifier,
    checks: &mut Checks,
    report_csca: &mut Option<CertSummary>,
    crl_numbers: &mut Vec<String>,
) {
    let policy = &options.policy;
    let (ok, detail) = sod_signature(sod, dsc, policy, verifier);
    checks.result("sod.signature", ok, detail);

    // Chain: exactly CSCA -> DSC, the issuer found by key identifier or name and
    // confirmed by the signature.
    let candidates = trust.issuer_candidates(dsc);
    let csca: Option<&TrustedCsca> = candidates
        .iter()
        .copied()
        .find(|c| dsc.verify_signed_by(&c.cert.key, verifier).is_ok());
    match csca {
        Some(csca) => {
            checks.push(
                "dsc.chain",
                Status::Pass,
                format!(
                    "signed by trusted CSCA {} (from {})",
                    csca.cert.subject(),
                    csca.sources.join(", ")
                ),
            );
            *report_csca = Some(CertSummary::from(&csca.cert));
        }
        None => {
            let detail = if candidates.is_empty() {
                format!(
                    "no trusted CSCA for issuer {} ({} CSCAs trusted)",
                    dsc.issuer(),
                    trust.cscas().len()
                )
            } else {
                format!(
                    "{} trusted CSCA(s) named {} but none signed this DSC",
                    candidates.len(),
                    dsc.issuer()
                )
            };
            checks.push("dsc.chain", Status::Fail, detail);
        }
    }

    let (profile_ok, profile_detail) = dsc_profile(dsc, csca.map(|c| &c.cert), document);
    if profile_ok {
        checks.push("dsc.profile", Status::Pass, profile_detail);
    } else if policy.allow_profile_deviations {
        checks.push(
            "dsc.profile",
            Status::Pass,
            format!("deviation tolerated: {profile_detail}"),
        );
    } else {
        checks.push("dsc.profile", Status::Fail, profile_detail);
    }

    let at = match (options.time_model, sod.cms.signing_time) {
        (TimeModel::SigningTime, Some(signed)) => signed,
        _ => options.at,
    };
    checks.result(
        "dsc.validity",
        dsc.valid_at(at),
        format!(
            "DSC valid {} to {}, checked at {}",
            dsc.not_before.rfc3339(),
            dsc.not_after.rfc3339(),
            at.rfc3339()
        ),
    );
    match csca {
        Some(csca) => checks.result(
            "csca.validity",
            csca.cert.valid_at(at),
            format!(
                "CSCA valid {} to {}, checked at {}",
                csca.cert.not_before.rfc3339(),
                csca.cert.not_after.rfc3339(),
                at.rfc3339()
            ),
        ),
        None => checks.skip("csca.validity", "no trusted CSCA"),
    }

    match csca {
        None => checks.skip("dsc.revocation", "no trusted CSCA"),
        Some(csca) => revocation(dsc, &csca.cert, trust, at, verifier, checks, crl_numbers),
    }
}

fn revocation(
    dsc: &Cert,
    csca: &Cert,
    trust: &TrustStore,
    at: UnixTime,
    verifier: &Verifier,
    checks: &mut Checks,
    crl_numbers: &mut Vec<String>,
) {
    let crls = trust.crls_for(csca);
    if crls.is_empty() {
        checks.skip(
            "dsc.revocation",
            "no CRL of the CSCA was given: status undetermined",
        );
        return;
    }
    let mut problems = Vec::new();
    let serial = dsc.cert.tbs_certificate().serial_number().as_bytes();
    for (crl, source) in crls {
        if let Err(e) = crl.verify(csca, at, verifier) {
            problems.push(format!("{source}: {e}"));
            continue;
        }
        if let Some(number) = crl.number_hex() {
            crl_numbers.push(number);
        }
        match crl.status(serial) {
            CrlStatus::Revoked { at: when } => {
                checks.push(
                    "dsc.revocation",
                    Status::Fail,
                    format!("DSC revoked on {} ({source})", when.rfc3339()),
                );
                return;
            }
            CrlStatus::Good => {
                checks.push(
                    "dsc.revocation",
                    Status::Pass,
                    format!("not on the CSCA's CRL ({source})"),
                );
                return;
            }
        }
    }
    checks.skip(
        "dsc.revocation",
        format!("no usable CRL: {}", problems.join("; ")),
    );
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
        .find(|e| e.extn_id == oid::DOCUMENT_TYPE_LIST)?;
    Some(
        <DocumentTypeList as der::Decode>::from_der(ext.extn_value.as_bytes())
            .map(|list| list.doc_type_list.iter().map(ToString::to_string).collect())
            .map_err(|e| format!("document type list: {e}")),
    )
}

/// 9303-12 profiles: DSC with digitalSignature only, not a CA, in the CSCA's country,
/// allowed to sign this document type; CSCA a CA with keyCertSign.
fn dsc_profile(dsc: &Cert, csca: Option<&Cert>, document: &Document) -> (bool, String) {
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
    let mrz = document
        .data_groups
        .get(&1)
        .and_then(|dg1| crate::lds::mrz::Mrz::from_dg1(dg1).ok());
    if let Some(state) = mrz
        .as_ref()
        .and_then(|m| crate::country::alpha2(&m.issuing_state))
    {
        let dsc_country = country(dsc.cert.tbs_certificate().issuer());
        if dsc_country.as_deref() != Some(state) {
            problems.push(format!(
                "DG1 issuing state {state} differs from the DSC's country {dsc_country:?}"
            ));
        }
    }
    let code = mrz.map(|mrz| mrz.document_code.trim_end_matches('<').to_string());
    match (document_types(dsc), code) {
        (Some(Err(e)), _) => problems.push(e),
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

/// EF.COM is unsigned: it may only agree with the SOD, never add to it.
fn com_consistency(document: &Document, sod: Option<&Sod>, policy: &Policy, checks: &mut Checks) {
    let Some(com) = &document.com else {
        checks.skip("com.consistency", "EF.COM not supplied");
        return;
    };
    let Some(sod) = sod else {
        checks.skip("com.consistency", "EF.SOD could not be parsed");
        return;
    };
    match crate::lds::com::EfCom::parse(com) {
        Err(e) => checks.push("com.consistency", Status::Fail, e.to_string()),
        Ok(com) => {
            let listed: Vec<u8> = com.data_groups.iter().map(|dg| dg.number()).collect();
            let hashed: Vec<u8> = sod.dg_hashes.keys().copied().collect();
            let mut sorted = listed.clone();
            sorted.sort_unstable();
            let detail = format!("EF.COM lists DGs {listed:?}, the SOD hashes {hashed:?}");
            if sorted == hashed {
                checks.push("com.consistency", Status::Pass, detail);
            } else if policy.allow_com_mismatch {
                checks.push(
                    "com.consistency",
                    Status::Pass,
                    format!("deviation tolerated (EF.COM is unsigned): {detail}"),
                );
            } else {
                checks.push("com.consistency", Status::Fail, detail);
            }
        }
    }
}

/// Active Authentication counts only for a chip whose Passive Authentication passed
/// and whose DG15 (and DG14, for ECDSA) are covered by the SOD.
fn active_authentication(document: &Document, sod: Option<&Sod>, checks: &mut Checks) {
    let Some(response) = &document.active_auth else {
        checks.skip("aa.signature", "no Active Authentication challenge given");
        return;
    };
    let Some(dg15) = document.data_groups.get(&15) else {
        checks.push(
            "aa.signature",
            Status::Fail,
            "Active Authentication needs DG15",
        );
        return;
    };
    let passed = |id: &str| {
        checks
            .0
            .iter()
            .any(|c| c.id == id && c.status == Status::Pass)
    };
    let pa_passed =
        REQUIRED.iter().all(|id| passed(id)) && !checks.0.iter().any(|c| c.status == Status::Fail);
    if !pa_passed || !passed("dg.15.hash") {
        checks.push(
            "aa.signature",
            Status::Fail,
            "Passive Authentication of the chip and of DG15 must pass first",
        );
        return;
    }
    let hash = match document.data_groups.get(&14) {
        Some(dg14)
            if sod.is_some_and(|s| s.dg_hashes.contains_key(&14)) && passed("dg.14.hash") =>
        {
            crate::lds::dg14::Dg14::parse(dg14).ok().and_then(|d| {
                d.active_authentication()
                    .and_then(|aa| aa.hash_algorithm().ok())
            })
        }
        _ => None,
    };
    match crate::active_auth::verify(dg15, hash, &response.challenge, &response.signature) {
        Ok(outcome) => checks.push(
            "aa.signature",
            Status::Pass,
            format!(
                "{} with {} by {}",
                outcome.algorithm.name(),
                outcome.hash,
                outcome.key
            ),
        ),
        Err(e) => checks.push("aa.signature", Status::Fail, e.to_string()),
    }
}
