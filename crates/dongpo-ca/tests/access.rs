//! Access records of personal data: written for registry imports, lookups and issuance
//! with the actor and outcome (the registry refusal's detail only here), free of personal
//! data, exported, verified, caught when edited or deleted, and still verifiable after a
//! retention purge.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, applicant, csr, new_ca};
use dongpo_ca::access::{self, registry_imports};
use dongpo_ca::{AccessError, Application, Request, Standalone, finalize};
use dongpo_crypto::{Curve, KeySpec};
use dongpo_pki::time::UnixTime;
use dongpo_testkit::Variant;

const P256: KeySpec = KeySpec::Ec(Curve::P256);

/// An `access_records` row: seq, at, kind, body, prev_tag, tag.
type StoredRow = (i64, i64, String, String, Vec<u8>, Vec<u8>);

#[test]
fn records_chain_export_tamper_and_purge() {
    let (dir, mut ca) = new_ca("access", None);
    let person = applicant(Variant::Genuine, 1, NOW);
    let stranger = applicant(Variant::Genuine, 2, NOW);
    let mut log = ca.access_log().unwrap();

    let persons = ca
        .register_all(std::slice::from_ref(&person.identity), NOW)
        .unwrap();
    assert_eq!(persons, [ca.person_id(person.rrn()).unwrap()]);
    log.record(&registry_imports("key-admin", &persons, NOW))
        .unwrap();

    // Issued, then refused by the registry (the stranger's own passport and number, not
    // registered), then refused before the registry (a bad CSR).
    let request = csr(P256, 1);
    let attempts = [
        (&person, request.as_slice(), "ver_1"),
        (&stranger, request.as_slice(), "ver_2"),
        (&stranger, b"not a CSR".as_slice(), "ver_3"),
    ];
    let mut serial = String::new();
    for (i, (who, csr, verification)) in attempts.into_iter().enumerate() {
        let at = UnixTime(NOW.0 + 10 * (i as u64 + 1));
        let application = Application {
            report: &who.report,
            dg1: &who.dg1,
            receipt: Some(verification),
            rrn: who.rrn(),
            csr,
            profile: "kb",
        };
        let result = finalize(&mut ca, &Request::New(application), &mut Standalone, at);
        if let Ok(done) = &result {
            serial = done.serial.to_hex();
        }
        let pid = ca.person_id(who.rrn()).ok();
        log.record(&dongpo_ca::access_records(
            "key-1",
            pid.as_deref(),
            true,
            &result,
            Some(verification),
            at,
        ))
        .unwrap();
    }

    let records = ca.access_records().unwrap();
    let lines = access::export(&records, None, None);
    let summary: Vec<(String, String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l.action.clone(),
                l.actor.clone().unwrap(),
                l.outcome.clone().unwrap(),
                l.reference.clone().unwrap_or_default(),
            )
        })
        .collect();
    let row = |a: &str, k: &str, o: &str, r: &str| (a.into(), k.into(), o.into(), r.into());
    assert_eq!(
        summary,
        vec![
            row("registry.import", "key-admin", "imported", ""),
            row("registry.lookup", "key-1", "found", "ver_1"),
            row(
                "certificate.issue",
                "key-1",
                &format!("issued:{serial}"),
                "ver_1"
            ),
            row("registry.lookup", "key-1", "not_registered", "ver_2"),
            row("certificate.issue", "key-1", "registry_refused", "ver_2"),
            row("certificate.issue", "key-1", "bad_csr", "ver_3"),
        ]
    );
    let person_subject = format!("person:{}", persons[0]);
    assert_eq!(lines[1].subject.as_deref(), Some(person_subject.as_str()));

    // No personal data in any stored record: no number, name, birth date, passport number
    // or MRZ line.
    let mrz = dongpo_icao::lds::Mrz::from_dg1(&person.dg1).unwrap();
    let everything: String = records
        .iter()
        .map(|r| format!("{} {} {}\n", r.node, r.kind, r.body))
        .collect();
    for who in [&person, &stranger] {
        let id = &who.identity;
        for secret in [
            id.resident_registration_number.as_str(),
            &id.resident_registration_number.replace('-', ""),
            &id.surname,
            &id.given_names,
            &id.name_hangul,
            &id.date_of_birth,
            &id.document_number,
        ] {
            if secret.len() > 2 {
                assert!(
                    !everything.contains(secret),
                    "{secret} in the access records"
                );
            }
        }
    }
    assert!(!everything.contains(&mrz.raw));
    assert!(!everything.contains(&mrz.document_number));

    // Export: one JSON object a line, the documented fields, and the period filter.
    let period = access::export(
        &records,
        Some(UnixTime(NOW.0 + 20)),
        Some(UnixTime(NOW.0 + 30)),
    );
    assert_eq!(period.len(), 2);
    let json = serde_json::to_value(&period[0]).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "action",
            "actor",
            "at",
            "node",
            "outcome",
            "reference",
            "seq",
            "subject",
            "tag"
        ]
    );
    assert_eq!(json["at"], UnixTime(NOW.0 + 20).rfc3339());

    assert_eq!(ca.verify_access().unwrap().records, 6);

    // Tampering with the table is caught: an edited outcome, then a deleted record.
    let db = rusqlite::Connection::open(dir.join("ca.sqlite")).unwrap();
    let original: String = db
        .query_row("SELECT body FROM access_records WHERE seq = 4", [], |r| {
            r.get(0)
        })
        .unwrap();
    db.execute(
        "UPDATE access_records SET body = replace(body, 'not_registered', 'found') WHERE seq = 4",
        [],
    )
    .unwrap();
    assert!(matches!(ca.verify_access(), Err(AccessError::Chain(_))));
    db.execute(
        "UPDATE access_records SET body = ?1 WHERE seq = 4",
        [&original],
    )
    .unwrap();
    ca.verify_access().unwrap();
    let saved: Vec<StoredRow> = {
        let mut stmt = db
            .prepare("SELECT seq, at, kind, body, prev_tag, tag FROM access_records WHERE seq = 3")
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    db.execute("DELETE FROM access_records WHERE seq = 3", [])
        .unwrap();
    let broken = ca.verify_access().unwrap_err().to_string();
    assert!(broken.contains("test/3"), "{broken}");
    for (seq, at, kind, body, prev_tag, tag) in saved {
        db.execute(
            "INSERT INTO access_records (node, seq, at, kind, body, prev_tag, tag) \
             VALUES ('test', ?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![seq, at, kind, body, prev_tag, tag],
        )
        .unwrap();
    }
    ca.verify_access().unwrap();

    // Retention: everything before NOW + 20 goes (the import and the first issuance),
    // a checkpoint is appended, and the chain still verifies.
    let removed = log
        .purge(UnixTime(NOW.0 + 20), UnixTime(NOW.0 + 100))
        .unwrap();
    assert_eq!(removed, 3);
    let after = ca.access_records().unwrap();
    assert_eq!(after.first().unwrap().seq, 4);
    assert_eq!(after.last().unwrap().kind, access::CHECKPOINT);
    assert_eq!(ca.verify_access().unwrap().records, 4);
    // A purge with nothing past retention changes nothing.
    assert_eq!(
        log.purge(UnixTime(NOW.0 + 20), UnixTime(NOW.0 + 101))
            .unwrap(),
        0
    );
    // Deleting one more old record than the checkpoint says is still caught.
    db.execute("DELETE FROM access_records WHERE seq = 4", [])
        .unwrap();
    assert!(matches!(ca.verify_access(), Err(AccessError::Chain(_))));
}
