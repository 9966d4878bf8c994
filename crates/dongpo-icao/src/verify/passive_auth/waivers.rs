//! Deviation-list waivers: the listed defects of this DSC's documents applied to the
//! checks, and whether a list declares their Active Authentication keys compromised.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Applies the waivers of every deviation list of the store to the documents of
/// `chain`'s DSC and returns why Active Authentication is void for them, if a list
/// declares their AA keys compromised.
///
/// A DSSignature deviation (DSC named by digest) waives `dsc.chain`; the CSCA that issued
/// the DSC is then taken from the list's trusted CSCAs, so that `csca.validity` is still
/// judged (at `at`, the validity time; CRL freshness at `now`, the verification time)
/// instead of being skipped for want of a chain: a listed defect can be
/// accepted, but only when everything else holds.
pub(super) fn apply_deviation_lists(
    trust: &TrustStore,
    chain: &DscChain,
    (at, now): (UnixTime, UnixTime),
    verifier: &Verifier,
    checks: &mut Checks,
) -> Option<String> {
    let facts = crate::trust::deviation_list::DocumentFacts::default();
    let mut aa_compromised = None;
    for (list, source) in trust.deviation_lists() {
        let waivers = list.waivers_for_document(&chain.dsc, &facts);
        let chain_failed = checks
            .0
            .iter()
            .any(|c| c.id == CheckId::DscChain && c.status == Status::Fail);
        crate::trust::deviation_list::apply(&mut checks.0, &waivers, source);
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
