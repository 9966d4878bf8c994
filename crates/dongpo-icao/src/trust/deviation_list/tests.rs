#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use der::Encode;

fn description(oid_: ObjectIdentifier, dg: Option<u8>, text: Option<&str>) -> Any {
    let d = asn1::DeviationDescription {
        description: text.map(|t| PrintableString::new(t).unwrap()),
        deviation_type: oid_,
        parameters: dg.map(|n| Any::encode_from(&n).unwrap()),
        national_use: None,
    };
    Any::encode_from(&d).unwrap()
}

fn list_der(dsc: Option<asn1::DocumentSignerIdentifier>, descs: Vec<Any>) -> Vec<u8> {
    let mut set = SetOfVec::new();
    for d in descs {
        set.insert(d).unwrap();
    }
    let dev = asn1::Deviation {
        documents: asn1::DeviationDocuments {
            document_type: None,
            dsc_identifier: dsc,
            issuing_date: None,
            document_numbers: None,
        },
        descriptions: set,
    };
    let mut devs = SetOfVec::new();
    devs.insert(Any::encode_from(&dev).unwrap()).unwrap();
    asn1::DeviationList {
        version: 0,
        digest_algorithm: None,
        deviations: devs,
    }
    .to_der()
    .unwrap()
}

#[test]
fn content_round_trip_and_mapping() {
    let der = list_der(
        Some(asn1::DocumentSignerIdentifier::SubjectKeyIdentifier(
            OctetString::new(vec![1, 2, 3]).unwrap(),
        )),
        vec![
            description(deviation_oid::DG_HASH_WRONG, Some(12), Some("DG12 hash")),
            description(deviation_oid::SOD_SIGNATURE_WRONG, None, None),
            description(deviation_oid::MRZ_WRONG_DATA, Some(3), None),
            description(deviation_oid::DG_HASH_WRONG, None, None),
            description(deviation_oid::DS_SIGNATURE, None, None),
        ],
    );
    let list = DeviationList::from_content(&der).unwrap();
    assert_eq!(list.deviations.len(), 1);
    let dev = &list.deviations[0];
    assert_eq!(
        dev.documents.dsc,
        DscIdentifier::SubjectKeyIdentifier(vec![1, 2, 3])
    );
    let ids: Vec<Option<CheckId>> = dev
        .descriptions
        .iter()
        .map(|d| d.defect.check_id(false))
        .collect();
    assert_eq!(ids.iter().flatten().count(), 2);
    assert!(ids.contains(&Some(id("dg.12.hash"))));
    assert!(ids.contains(&Some(id("sod.signature"))));
    assert!(dev.descriptions.iter().any(|d| d.defect
        == Defect::Unmapped {
            oid: deviation_oid::MRZ_WRONG_DATA
        }));
    assert_eq!(Defect::DsSignature.check_id(true), Some(id("dsc.chain")));
    assert_eq!(Defect::DsSignature.check_id(false), None);
    assert_eq!(Defect::DgHashWrong(Some(20)).check_id(false), None);
    assert_eq!(Defect::AaKeyCompromised.check_id(true), None);
}

#[test]
fn absent_identifier_means_all_of_csca() {
    let der = list_der(
        None,
        vec![description(deviation_oid::COM_INCONSISTENT, None, None)],
    );
    let list = DeviationList::from_content(&der).unwrap();
    assert_eq!(list.deviations[0].documents.dsc, DscIdentifier::AllOfCsca);
    assert_eq!(
        list.deviations[0].descriptions[0].defect.check_id(false),
        Some(id("com.consistency"))
    );
}

#[test]
fn other_version_is_refused() {
    let mut der = list_der(None, vec![]);
    // SEQUENCE { INTEGER 0 ... }: the version byte follows 30 len 02 01.
    let pos = der.windows(3).position(|w| w == [2, 1, 0]).unwrap();
    der[pos + 2] = 1;
    assert_eq!(
        DeviationList::from_content(&der),
        Err(DeviationListError::Version(1))
    );
}

#[test]
fn garbage_and_truncation_are_errors() {
    let der = list_der(
        None,
        vec![description(deviation_oid::DG_HASH_WRONG, Some(2), None)],
    );
    for cut in 0..der.len() {
        assert!(DeviationList::from_content(&der[..cut]).is_err());
    }
    assert!(parse(&[]).is_err());
    assert!(parse(&[0x30, 0x80, 0xff]).is_err());
    assert!(parse(&der).is_err()); // not CMS
}

fn id(text: &str) -> CheckId {
    text.parse().unwrap()
}

fn check(text: &str, status: Status, detail: &str) -> Check {
    Check {
        id: id(text),
        status,
        detail: detail.into(),
    }
}

#[test]
fn apply_waives_only_named_failures() {
    let mut checks = vec![
        check("dg.2.hash", Status::Fail, "hash mismatch"),
        check("dg.1.hash", Status::Fail, "hash mismatch"),
        check("sod.signature", Status::Pass, "ok"),
        check("mrz.check_digits", Status::Skipped, "DG1 not supplied"),
    ];
    let waivers = vec![
        Waiver {
            check_id: id("dg.2.hash"),
            defect: deviation_oid::DG_HASH_WRONG,
            description: Some("DG2 hash".into()),
        },
        Waiver {
            check_id: id("sod.signature"),
            defect: deviation_oid::SOD_SIGNATURE_WRONG,
            description: None,
        },
        Waiver {
            check_id: id("mrz.check_digits"),
            defect: deviation_oid::MRZ_WRONG_CHECK_DIGIT,
            description: None,
        },
    ];
    let before = checks.clone();
    apply(&mut checks, &waivers, "KR-DL-1");
    assert_eq!(checks[0].status, Status::Pass);
    assert_eq!(
        checks[0].detail,
        "waived by deviation list KR-DL-1: DG2 hash (was: hash mismatch)"
    );
    assert_eq!(checks[1..], before[1..]);
    let mut checks = vec![check("sod.signature", Status::Fail, "bad")];
    apply(&mut checks, &waivers, "L");
    assert_eq!(
        checks[0].detail,
        "waived by deviation list L: 2.23.136.1.1.7.2.3 (was: bad)"
    );
}
