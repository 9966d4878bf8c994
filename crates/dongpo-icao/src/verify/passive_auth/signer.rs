//! The SOD's signer: the DSC the SignerInfo names (embedded, or from the trust store),
//! its chain to a trusted CSCA, and the SOD signature, checked only once the DSC chained.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The signer's chain, where the signer was found, and the quirk its name needed.
pub(super) type Signer = (Arc<DscChain>, &'static str, Option<&'static str>);

/// How a SignerInfo names `cert`, if it does (issuerAndSerialNumber or key identifier).
pub(super) fn names_signer(signer: &SignerId, cert: &Cert) -> Option<NameMatch> {
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
pub(super) enum Candidate<'a> {
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
pub(super) struct ChainContext<'a> {
    pub(super) trust: &'a TrustStore,
    pub(super) snapshot_id: &'a str,
    pub(super) at: UnixTime,
    pub(super) now: UnixTime,
    pub(super) verifier: &'a Verifier,
    pub(super) cache: &'a dyn ChainCache,
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
pub(super) fn find_signer(
    sod: &Sod,
    policy: &Policy,
    context: &ChainContext<'_>,
) -> Result<Signer, String> {
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

/// Whether a deviation list in the store waives `dsc.chain` for this very DSC (`.1.1`
/// DSSignature, which waives only for a DSC named by its certificate digest): the list's
/// signer, chained to a trusted CSCA, then vouches for the DSC instead of its signature.
pub(super) fn dsc_chain_waived(trust: &TrustStore, chain: &DscChain) -> bool {
    trust.deviation_lists().iter().any(|(list, _)| {
        list.waivers_for(&chain.dsc)
            .iter()
            .any(|w| w.check_id == CheckId::DscChain)
    })
}

/// Only a DSC that chained to a trust anchor (or that a deviation list vouches for) may
/// make the verifier work: the SOD signature is checked with its key only then, so an
/// input cannot pick the key its signature is checked with.
pub(super) fn sod_signature_checked(chain: &DscChain, chain_waived: bool) -> Result<(), String> {
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

/// [`crate::encoding::signed_data::SignedDataInfo::verify_signature`] with the algorithm already
/// read (`labelled`) and the key the chain keeps prepared: the same checks in the same
/// order, so the same outcome and error text.
pub(super) fn verify_sod_signature(
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

pub(super) fn sod_signature(
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
    // The notes joined by "; ", the first kept with the chain's prepared key.
    let mut detail = chain.signature_text(&algorithm);
    let mut note = |text: &str| {
        detail.push_str("; ");
        detail.push_str(text);
    };
    for quirk in &quirks {
        note(quirk);
    }
    if sod.cms.uses_bare_rsa_encryption() {
        note(&format!(
            "quirk rsa-encryption-oid: hash {} taken from digestAlgorithm",
            sod.cms.digest_algorithm
        ));
        allowed &= policy.allow_rsa_encryption_oid;
    }
    if [algorithm.hash(), sod.cms.digest_algorithm, sod.lds_hash].contains(&HashAlgorithm::Sha1) {
        note("quirk sha1: SHA-1 in use");
        allowed &= policy.allow_sha1;
    }
    (allowed, detail)
}

/// The largest RSA modulus, in bits, for which a failed SOD signature is tried again
/// with the other padding (see [`mislabelled_rsa_padding`]).
pub(super) const RETRY_MAX_MODULUS_BITS: usize = 4096;

/// The largest RSA public exponent, in bytes, for which the retry runs (2^32: AWS-LC's
/// range, and every real key has 3 or 65537).
pub(super) const RETRY_MAX_EXPONENT_BYTES: usize = 4;

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
pub(super) fn mislabelled_rsa_padding(
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
pub(super) fn checks_with_dsc(
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
    let (dsc_detail, csca_detail) = chain.validity_details(at);
    checks.result(CheckId::DscValidity, dsc.valid_at(at), dsc_detail);
    match (&chain.csca, csca_detail) {
        (Some(csca), Some(detail)) => {
            checks.result(CheckId::CscaValidity, csca.cert.valid_at(at), detail);
        }
        _ => checks.skip(CheckId::CscaValidity, "no trusted CSCA"),
    }
    checks.push(
        CheckId::DscRevocation,
        chain.revocation.0,
        chain.revocation.1.clone(),
    );
    crl_numbers.extend(chain.crl_numbers.iter().cloned());
}
