//! What a verified deviation list waives: the [`Waiver`]s for one DSC or document, and
//! [`apply`], which turns the waived `fail` checks of a report into `pass`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A check a deviation list lets pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// The check id (`dg.2.hash`, `sod.signature`, ...).
    pub check_id: CheckId,
    /// The deviationType.
    pub defect: ObjectIdentifier,
    /// The defect's description, if the list gives one.
    pub description: Option<String>,
}

impl VerifiedDeviationList {
    /// Whether `dsc` belongs to the State of the CSCA that certified the list signer.
    fn same_state(&self, dsc: &Cert) -> bool {
        let issuer = dsc.cert.tbs_certificate().issuer();
        let csca = self.csca.cert.tbs_certificate().subject();
        let same = match (country(issuer), country(csca)) {
            (Some(a), Some(b)) => a == b,
            _ => same_name(issuer, csca) != NameMatch::Different,
        };
        let key_known = match &dsc.aki {
            None => true,
            Some(aki) => self
                .state_cscas
                .iter()
                .chain(std::iter::once(&self.csca))
                .any(|c| c.ski.as_ref() == Some(aki)),
        };
        same && key_known
    }

    /// Whether `id` names `dsc`.
    fn names(&self, id: &DscIdentifier, dsc: &Cert) -> bool {
        let tbs = dsc.cert.tbs_certificate();
        match id {
            DscIdentifier::IssuerSerial { issuer, serial } => {
                tbs.serial_number().as_bytes() == serial.as_slice()
                    && same_name(issuer, tbs.issuer()) != NameMatch::Different
            }
            DscIdentifier::SubjectKeyIdentifier(ski) => dsc.ski.as_deref() == Some(ski.as_slice()),
            DscIdentifier::CertificateDigest(digest) => {
                let alg = self.list.digest_algorithm.unwrap_or(HashAlgorithm::Sha256);
                alg.digest(&dsc.der) == *digest
            }
            DscIdentifier::AllOfCsca => {
                let csca = &self.csca;
                let name_ok = same_name(tbs.issuer(), csca.cert.tbs_certificate().subject())
                    != NameMatch::Different;
                let key_ok = match (&dsc.aki, &csca.ski) {
                    (Some(aki), Some(ski)) => aki == ski,
                    _ => true,
                };
                name_ok && key_ok
            }
        }
    }

    /// The waivers that apply to a document signed under `dsc`, for deviations that name
    /// DSCs only (see [`VerifiedDeviationList::waivers_for_document`] for the rest).
    #[must_use]
    pub fn waivers_for(&self, dsc: &Cert) -> Vec<Waiver> {
        self.waivers_for_document(dsc, &DocumentFacts::default())
    }

    /// The waivers that apply to one document signed under `dsc`: one per defect of every
    /// deviation whose DSC identification matches `dsc` (issuer and serial, key id, the
    /// certificate's digest, or no identifier = all DSCs of the list signer's CSCA) and
    /// that maps to a dongpo check ([`Defect::check_id`]). A deviation restricted to some
    /// documents (type, issuance period, numbers) applies only when `facts` shows the
    /// document is one of them; an unknown fact never matches.
    #[must_use]
    pub fn waivers_for_document(&self, dsc: &Cert, facts: &DocumentFacts) -> Vec<Waiver> {
        self.defects_for(dsc, facts)
            .filter_map(|(by_digest, d)| {
                d.defect.check_id(by_digest).map(|check_id| Waiver {
                    check_id,
                    defect: d.deviation_type,
                    description: d.description.clone(),
                })
            })
            .collect()
    }

    /// The defects of every deviation that names `dsc` and covers the document, with
    /// whether the deviation named the DSC by its certificate digest.
    fn defects_for<'a>(
        &'a self,
        dsc: &'a Cert,
        facts: &'a DocumentFacts,
    ) -> impl Iterator<Item = (bool, &'a DeviationDescription)> + 'a {
        let same_state = self.same_state(dsc);
        self.list
            .deviations
            .iter()
            .filter(move |deviation| {
                same_state
                    && deviation.documents.covers(facts)
                    && self.names(&deviation.documents.dsc, dsc)
            })
            .flat_map(|deviation| {
                let by_digest =
                    matches!(deviation.documents.dsc, DscIdentifier::CertificateDigest(_));
                deviation.descriptions.iter().map(move |d| (by_digest, d))
            })
    }

    /// Whether the list declares the Active Authentication keys of the documents of
    /// `dsc` compromised (`id-Deviation-CertOrKey-AAKeyCompromised`): then Active
    /// Authentication proves nothing for them and `aa.signature` fails. Gives the
    /// defect's description (or its OID) when it does.
    ///
    /// A warning fails closed the other way round from a waiver: a deviation restricted
    /// to some documents applies unless `facts` show the document is not one of them
    /// (an unknown fact does not rule it out).
    #[must_use]
    pub fn aa_key_compromised(&self, dsc: &Cert, facts: &DocumentFacts) -> Option<String> {
        if !self.same_state(dsc) {
            return None;
        }
        self.list
            .deviations
            .iter()
            .filter(|deviation| {
                deviation.documents.may_cover(facts) && self.names(&deviation.documents.dsc, dsc)
            })
            .flat_map(|deviation| deviation.descriptions.iter())
            .find(|d| d.defect == Defect::AaKeyCompromised)
            .map(|d| {
                d.description
                    .clone()
                    .unwrap_or_else(|| d.deviation_type.to_string())
            })
    }

    /// The trusted CSCA of the list's State that issued `dsc` (by key identifier, or by
    /// name when the DSC has no authorityKeyIdentifier), if any. A deviation that waives
    /// `dsc.chain` names the DSC; this is the CSCA whose validity still counts.
    #[must_use]
    pub fn issuing_csca(&self, dsc: &Cert) -> Option<&Cert> {
        let issuer = dsc.cert.tbs_certificate().issuer();
        std::iter::once(&self.csca)
            .chain(self.state_cscas.iter())
            .find(|c| {
                let name_ok =
                    same_name(c.cert.tbs_certificate().subject(), issuer) != NameMatch::Different;
                match &dsc.aki {
                    Some(aki) => c.ski.as_ref() == Some(aki) && name_ok,
                    None => name_ok,
                }
            })
    }
}

/// Turns every `fail` check whose id a waiver names into `pass`, with detail
/// `waived by deviation list <list_name>: <description or OID> (was: <old detail>)`.
/// Other checks (passed, skipped, or not named) are left as they are.
#[allow(
    clippy::ptr_arg,
    reason = "the signature agreed with the verifier, which owns a Vec<Check>"
)]
pub fn apply(checks: &mut Vec<Check>, waivers: &[Waiver], list_name: &str) {
    for check in checks.iter_mut() {
        if check.status != Status::Fail {
            continue;
        }
        let Some(waiver) = waivers.iter().find(|w| w.check_id == check.id) else {
            continue;
        };
        let why = waiver
            .description
            .clone()
            .unwrap_or_else(|| waiver.defect.to_string());
        check.status = Status::Pass;
        check.detail = format!(
            "waived by deviation list {list_name}: {why} (was: {})",
            check.detail
        );
    }
}
