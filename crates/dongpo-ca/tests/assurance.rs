//! The assurance the RA reads from a report, and what it refuses: a verification whose
//! covered data groups offer a proof of chip presence that did not pass is a downgrade
//! (`chip_presence_required`); otherwise the level must meet the profile's `min_assurance`
//! (`assurance_too_low`). Both come before the registry is consulted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, applicant, applicant_with, csr, new_ca};
use dongpo_ca::{Assurance, Refusal, assurance_reached};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_icao::{CheckId, ChipOffers, Outcome, Status};
use dongpo_testkit::Variant;

/// A profile requiring `min`.
fn profile(min: Assurance) -> dongpo_profiles::Profile {
    let mut p = dongpo_profiles::builtin()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "kb")
        .unwrap();
    p.min_assurance = min;
    p
}

/// A genuine outcome with the two proofs' checks and the offers set as given.
fn outcome(base: &Outcome, offers: (bool, bool), passed: (bool, bool)) -> Outcome {
    let mut o = base.clone();
    o.evidence.chip_offers = ChipOffers {
        chip_authentication: offers.0,
        active_authentication: offers.1,
    };
    for (id, pass) in [
        (CheckId::CaAuthentication, passed.0),
        (CheckId::AaSignature, passed.1),
    ] {
        let check = o.checks.iter_mut().find(|c| c.id == id).unwrap();
        check.status = if pass { Status::Pass } else { Status::Skipped };
    }
    o
}

#[test]
fn every_combination_of_offers_proofs_and_required_level() {
    let base = applicant(Variant::Genuine, 1, NOW).report;
    let both = [false, true];
    let mut seen = std::collections::BTreeMap::new();
    for offer_ca in both {
        for offer_aa in both {
            for ca in both {
                for aa in both {
                    for min in Assurance::ALL {
                        let o = outcome(&base, (offer_ca, offer_aa), (ca, aa));
                        let got = assurance_reached(&o, &profile(min));
                        let reached = match (aa, ca) {
                            (false, false) => "PA",
                            (true, false) => "PA+AA",
                            (false, true) => "PA+CA",
                            (true, true) => "PA+AA+CA",
                        };
                        let case = format!(
                            "offers ca={offer_ca} aa={offer_aa}, passed ca={ca} aa={aa}, min {min}"
                        );
                        let outcome = match got {
                            Ok(level) => {
                                assert_eq!(level.label(), reached, "{case}");
                                "ok"
                            }
                            Err(Refusal::ChipPresenceRequired { offered }) => {
                                assert!(!ca && !aa, "{case}");
                                assert_eq!(
                                    offered.contains("Chip Authentication"),
                                    offer_ca,
                                    "{case}"
                                );
                                assert_eq!(
                                    offered.contains("Active Authentication"),
                                    offer_aa,
                                    "{case}"
                                );
                                "chip_presence_required"
                            }
                            Err(
                                e @ Refusal::AssuranceTooLow {
                                    reached: r,
                                    required,
                                    ..
                                },
                            ) => {
                                assert_eq!((r.label(), required), (reached, min), "{case}");
                                let text = e.to_string();
                                assert!(
                                    text.contains(reached) && text.contains(min.label()),
                                    "{text}"
                                );
                                assert_eq!(e.code(), "assurance_too_low");
                                "assurance_too_low"
                            }
                            Err(other) => panic!("{case}: {other}"),
                        };
                        // The rule: an offer with no proof is a downgrade whatever the
                        // profile; else PA meets only PA, any proof meets every level.
                        let expected = if !ca && !aa && (offer_ca || offer_aa) {
                            "chip_presence_required"
                        } else if !ca && !aa && min != Assurance::Pa {
                            "assurance_too_low"
                        } else {
                            "ok"
                        };
                        assert_eq!(outcome, expected, "{case}");
                        *seen.entry(outcome).or_insert(0) += 1;
                    }
                }
            }
        }
    }
    // 64 cases: 3 offer pairs x 4 levels downgrade, the PA-only document below PA+x 3 times.
    assert_eq!(seen["chip_presence_required"], 12);
    assert_eq!(seen["assurance_too_low"], 3);
    assert_eq!(seen["ok"], 49);
}

#[test]
fn refusals_come_before_the_registry_and_pa_issues_where_the_profile_allows_it() {
    let (_dir, mut ca) = new_ca("assurance-order", None);
    let key = csr(KeySpec::Ec(Curve::P256), 7);
    // Seed 9 is not registered: a refusal that consulted the registry would say so.
    let stranger = applicant_with(Variant::Genuine, 9, NOW, &[1, 2, 14, 15], false);
    let err = ca
        .approve(
            &stranger.report,
            &stranger.dg1,
            stranger.rrn(),
            &key,
            "kb",
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code(), "chip_presence_required", "{err}");
    let without_chip = common::applicant_without_chip_presence(9, NOW);
    assert_eq!(
        without_chip.report.evidence.chip_offers,
        ChipOffers::default()
    );
    let err = ca
        .approve(
            &without_chip.report,
            &without_chip.dg1,
            without_chip.rrn(),
            &key,
            "kb",
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code(), "assurance_too_low", "{err}");
    assert!(err.to_string().contains("PA+CA"), "{err}");
    // The registered citizen passes the assurance check and reaches the registry.
    let citizen = applicant(Variant::Genuine, 1, NOW);
    ca.register(&citizen.identity, NOW).unwrap();
    let approval = ca
        .approve(
            &citizen.report,
            &citizen.dg1,
            citizen.rrn(),
            &key,
            "kb",
            NOW,
        )
        .unwrap();
    assert_eq!(approval.evidence().assurance, Assurance::PaAa);
    assert_eq!(approval.evidence().version, 2);
}

#[test]
fn a_profile_asking_for_pa_issues_to_a_document_without_chip_presence_only() {
    let (_dir, mut ca) = common::ca_with_profiles("assurance-pa", None, |_, text| {
        text.replace("min_assurance = \"PA+CA\"", "min_assurance = \"PA\"")
    });
    assert_eq!(ca.profile("kb").unwrap().min_assurance, Assurance::Pa);
    let key = csr(KeySpec::Ec(Curve::P256), 7);
    let person = common::applicant_without_chip_presence(1, NOW);
    ca.register(&person.identity, NOW).unwrap();
    let approval = ca
        .approve(&person.report, &person.dg1, person.rrn(), &key, "kb", NOW)
        .unwrap();
    assert_eq!(approval.evidence().assurance, Assurance::Pa);
    // The same passport read with its DG14 and DG15 but no proof is still a downgrade.
    let copied = applicant_with(Variant::Genuine, 1, NOW, &[1, 2, 14, 15], false);
    let err = ca
        .approve(&copied.report, &copied.dg1, copied.rrn(), &key, "kb", NOW)
        .unwrap_err();
    assert_eq!(err.code(), "chip_presence_required", "{err}");
    // Leaving DG14 and DG15 out does not hide them: the SOD hashes both.
    let withheld = applicant_with(Variant::Genuine, 1, NOW, &[1, 2], false);
    let err = ca
        .approve(
            &withheld.report,
            &withheld.dg1,
            withheld.rrn(),
            &key,
            "kb",
            NOW,
        )
        .unwrap_err();
    assert_eq!(err.code(), "chip_presence_required", "{err}");
}
