#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! One suite of store cases, run against SQLite (a temporary file) and against PostgreSQL
//! (a fresh random schema, dropped afterwards) when `DONGPO_TEST_POSTGRES_URL` is set.

use std::path::PathBuf;
use std::sync::Barrier;

use dongpo_ca::registry_seal::{RegistrySeal, SealError};
use dongpo_ca::store::migrations::latest_version;
use dongpo_ca::store::postgres::PostgresStore;
use dongpo_ca::store::sqlite::SqliteStore;
use dongpo_ca::store::{
    self, CertStatus, IssuedCert, RegistryRecord, Reservation, RevokedEntry, Store, StoreError,
};
use dongpo_ca::{AuditChain, AuditEntry, AuditRecord, verify_chain};
use dongpo_pki::time::UnixTime;
use zeroize::Zeroizing;

const KEY: [u8; 32] = [0x42; 32];
const URL_VAR: &str = "DONGPO_TEST_POSTGRES_URL";
const T0: u64 = 1_750_000_000;

// ---------------------------------------------------------------------------------------
// Backends

enum Backend {
    Sqlite { dir: PathBuf },
    Postgres { url: String, schema: String },
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    hex::encode(bytes)
}

impl Backend {
    fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("dongpo-store-{}", random_hex()));
        std::fs::create_dir_all(&dir).unwrap();
        Backend::Sqlite { dir }
    }

    fn postgres() -> Option<Self> {
        match std::env::var(URL_VAR) {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres {
                url,
                schema: format!("dongpo_test_{}", random_hex()),
            }),
            _ => {
                println!("skipped: {URL_VAR} not set");
                None
            }
        }
    }

    fn sqlite_path(&self) -> Option<PathBuf> {
        match self {
            Backend::Sqlite { dir } => Some(dir.join("ca.sqlite")),
            Backend::Postgres { .. } => None,
        }
    }

    /// A new connection to the same database.
    fn open(&self) -> Box<dyn Store> {
        match self {
            // Through the public dispatcher: a path is SQLite.
            Backend::Sqlite { .. } => {
                store::open(self.sqlite_path().unwrap().to_str().unwrap()).unwrap()
            }
            Backend::Postgres { url, schema } => {
                Box::new(PostgresStore::connect_with_schema(url, schema).unwrap())
            }
        }
    }

    fn try_open(&self) -> Result<Box<dyn Store>, StoreError> {
        match self {
            Backend::Sqlite { .. } => Ok(Box::new(SqliteStore::open(self.sqlite_path().unwrap())?)),
            Backend::Postgres { url, schema } => {
                Ok(Box::new(PostgresStore::connect_with_schema(url, schema)?))
            }
        }
    }

    /// Raw SQL behind the store's back (to fake a newer schema).
    fn execute_raw(&self, sql: &str) {
        match self {
            Backend::Sqlite { .. } => {
                let conn = rusqlite::Connection::open(self.sqlite_path().unwrap()).unwrap();
                conn.execute_batch(sql).unwrap();
            }
            Backend::Postgres { url, schema } => {
                let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
                client
                    .batch_execute(&format!("SET search_path TO \"{schema}\"; {sql}"))
                    .unwrap();
            }
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        match self {
            Backend::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Backend::Postgres { url, schema } => {
                if let Ok(mut client) = ::postgres::Client::connect(url, ::postgres::NoTls) {
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
                }
            }
        }
    }
}

/// Each case runs against both backends: `store` cases get one connection, `backend`
/// cases open their own (reopen, second connection).
macro_rules! suite {
    (store: [$($case:ident),* $(,)?], backend: [$($bcase:ident),* $(,)?]) => {
        mod sqlite {
            $(#[test] fn $case() { let b = super::Backend::sqlite(); super::$case(&mut *b.open()); })*
            $(#[test] fn $bcase() { let b = super::Backend::sqlite(); super::$bcase(&b); })*
        }
        mod postgres {
            $(#[test] fn $case() {
                let Some(b) = super::Backend::postgres() else { return };
                super::$case(&mut *b.open());
            })*
            $(#[test] fn $bcase() {
                let Some(b) = super::Backend::postgres() else { return };
                super::$bcase(&b);
            })*
        }
    };
}

suite!(
    store: [
        duplicate_serial_refused_and_store_unchanged,
        key_bound_to_other_person_refused_same_person_allowed,
        unreserved_commit_refused_and_nothing_stored,
        certificates_round_trip_in_numeric_order,
        revocation_once_with_its_audit,
        registry_upsert,
        registry_keys_versions_and_reseal,
        blocked_keys,
        crl_numbers_only_grow,
        audit_append_tail_and_refusals,
        access_chain_apart_from_audit_and_purged_with_a_checkpoint,
        schema_version_is_current,
    ],
    backend: [
        audit_chain_verifies_after_reopen,
        newer_schema_is_refused,
        plaintext_registry_is_retired,
        concurrent_reservation_of_one_serial_has_one_winner,
        version_4_removes_the_registry_vid_and_its_random,
        sealed_vid_random_round_trips_with_its_certificate,
    ]
);

// ---------------------------------------------------------------------------------------
// Fixtures

fn res(serial: &[u8], person: &str, key: u8) -> Reservation {
    Reservation {
        serial: serial.to_vec(),
        issuer: "ca-1".into(),
        person: person.into(),
        spki_sha256: [key; 32],
        at: UnixTime(T0),
    }
}

fn cert_for(r: &Reservation) -> IssuedCert {
    let mut der = vec![0x30, 0x03, 0x02, 0x01];
    der.extend_from_slice(&r.serial);
    IssuedCert {
        serial: r.serial.clone(),
        issuer: r.issuer.clone(),
        profile: "personal-sign".into(),
        person: r.person.clone(),
        spki_sha256: r.spki_sha256,
        not_before: UnixTime(T0),
        not_after: UnixTime(T0 + 365 * 86_400),
        der,
        report_sha256: [0x5a; 32],
        issued_at: UnixTime(T0 + 1),
        vid_random: None,
    }
}

fn entry(kind: &str, n: usize) -> AuditEntry {
    AuditEntry {
        at: UnixTime(T0 + n as u64),
        kind: kind.into(),
        body: format!("{{\"n\":{n}}}"),
    }
}

/// A chain continuing `node`'s stored tail.
fn chain(store: &mut dyn Store, node: &str) -> AuditChain {
    let tail = store.audit_tail(node).unwrap();
    AuditChain::resume(&KEY, node, tail.as_ref())
}

fn one(chain: &AuditChain, kind: &str) -> AuditRecord {
    chain.draft(&[entry(kind, 0)]).remove(0)
}

fn registry_record(person: &str, status: &str) -> RegistryRecord {
    RegistryRecord {
        person: person.into(),
        overseas_registration_number: "OR-0001".into(),
        registration_status: status.into(),
        surname: "HONG".into(),
        given_names: "GIL DONG".into(),
        name_hangul: "홍길동".into(),
        date_of_birth: "1990-01-31".into(),
        sex: "M".into(),
        nationality: "KOR".into(),
        document_number: "M12345678".into(),
        country_of_residence: "USA".into(),
    }
}

fn is_not_reserved(r: Result<(), StoreError>, serial_hex: &str) -> bool {
    matches!(r, Err(StoreError::NotReserved { serial_hex: s }) if s == serial_hex)
}

// ---------------------------------------------------------------------------------------
// Cases

fn duplicate_serial_refused_and_store_unchanged(store: &mut dyn Store) {
    store
        .reserve(&[res(&[1], "p-a", 1), res(&[2], "p-a", 1)])
        .unwrap();

    // Within one batch.
    let err = store
        .reserve(&[res(&[3], "p-b", 3), res(&[3], "p-b", 3)])
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateSerial { ref serial_hex } if serial_hex == "03"));
    // Across batches; the batch's other serial and key binding go too.
    let err = store
        .reserve(&[res(&[4], "p-c", 4), res(&[1], "p-c", 4)])
        .unwrap_err();
    assert!(matches!(err, StoreError::DuplicateSerial { ref serial_hex } if serial_hex == "01"));

    // Unchanged: 3 and 4 were not reserved, key 4 is not bound to p-c.
    let c3 = cert_for(&res(&[3], "p-b", 3));
    assert!(is_not_reserved(store.commit_issued(&[c3], &[]), "03"));
    store
        .reserve(&[res(&[3], "p-d", 3), res(&[4], "p-e", 4)])
        .unwrap();
    // An invalid spelling of serial 1 is refused, not stored as a second serial 1.
    assert!(matches!(
        store.reserve(&[res(&[0, 1], "p-a", 1)]),
        Err(StoreError::InvalidSerial { .. })
    ));
    assert!(matches!(
        store.reserve(&[res(&[], "p-a", 1)]),
        Err(StoreError::InvalidSerial { .. })
    ));
}

fn key_bound_to_other_person_refused_same_person_allowed(store: &mut dyn Store) {
    store.reserve(&[res(&[1], "p-a", 1)]).unwrap();
    // Same person, same key: a renewal.
    store.reserve(&[res(&[2], "p-a", 1)]).unwrap();
    // Another person's key, in a batch with an innocent reservation: all refused.
    let err = store
        .reserve(&[res(&[3], "p-b", 2), res(&[4], "p-b", 1)])
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyBoundToOtherPerson), "{err}");
    // Key 2's binding to p-b was rolled back with serial 3.
    store.reserve(&[res(&[3], "p-c", 2)]).unwrap();
    // Two people claiming one new key inside a single batch.
    let err = store
        .reserve(&[res(&[5], "p-d", 5), res(&[6], "p-e", 5)])
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyBoundToOtherPerson), "{err}");
    store.reserve(&[res(&[5], "p-e", 5)]).unwrap();
}

fn unreserved_commit_refused_and_nothing_stored(store: &mut dyn Store) {
    let r1 = res(&[1], "p-a", 1);
    store.reserve(std::slice::from_ref(&r1)).unwrap();
    let mut chain = chain(store, "node-1");
    let audit = chain.draft(&[entry("issue", 1), entry("issue", 2)]);

    let unreserved = cert_for(&res(&[2], "p-a", 1));
    let r = store.commit_issued(&[cert_for(&r1), unreserved], &audit);
    assert!(is_not_reserved(r, "02"));
    // Reserved, but for another issuer / person / key.
    let tweaks: [fn(&mut IssuedCert); 3] = [
        |c: &mut IssuedCert| c.issuer = "ca-2".into(),
        |c: &mut IssuedCert| c.person = "p-b".into(),
        |c: &mut IssuedCert| c.spki_sha256 = [9; 32],
    ];
    for tweak in tweaks {
        let mut c = cert_for(&r1);
        tweak(&mut c);
        assert!(is_not_reserved(store.commit_issued(&[c], &audit), "01"));
    }
    // Nothing of the failed transactions remains: no certificate, no audit record.
    assert_eq!(store.certificate_count().unwrap(), 0);
    assert!(store.certificate(&[1]).unwrap().is_none());
    assert!(store.audit_records().unwrap().is_empty());

    // The same drafts commit once the batch is right, and only once.
    store.commit_issued(&[cert_for(&r1)], &audit).unwrap();
    chain.confirm(&audit);
    assert_eq!(store.certificate_count().unwrap(), 1);
    assert_eq!(store.audit_records().unwrap(), audit);
    let again = chain.draft(&[entry("issue", 3)]);
    let err = store.commit_issued(&[cert_for(&r1)], &again).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateSerial { ref serial_hex } if serial_hex == "01"));
    assert_eq!(store.audit_records().unwrap().len(), 2);
}

fn certificates_round_trip_in_numeric_order(store: &mut dyn Store) {
    // Lengths differ on purpose: numeric order is not byte-string order.
    let serials: [&[u8]; 4] = [&[0x7f, 0xff, 0x01], &[0x01, 0x00], &[0xff], &[0x05]];
    let reservations: Vec<_> = serials
        .iter()
        .enumerate()
        .map(|(i, s)| res(s, &format!("p-{i}"), i as u8 + 10))
        .collect();
    store.reserve(&reservations).unwrap();
    let certs: Vec<_> = reservations.iter().map(cert_for).collect();
    let mut chain = chain(store, "node-1");
    let audit = chain.draft(&[entry("issue-batch", 4)]);
    store.commit_issued(&certs, &audit).unwrap();
    chain.confirm(&audit);

    for c in &certs {
        let stored = store.certificate(&c.serial).unwrap().unwrap();
        assert_eq!(&stored.cert, c);
        assert_eq!(stored.status, CertStatus::Good);
    }
    assert!(store.certificate(&[0x06]).unwrap().is_none());
    assert_eq!(store.certificate_count().unwrap(), 4);
    assert_eq!(
        store.serials().unwrap(),
        vec![
            vec![0x05],
            vec![0xff],
            vec![0x01, 0x00],
            vec![0x7f, 0xff, 0x01]
        ]
    );
}

fn revocation_once_with_its_audit(store: &mut dyn Store) {
    let rs: Vec<_> = [[0x10u8], [0x02], [0x30]]
        .iter()
        .map(|s| res(s, "p-a", 1))
        .collect();
    store.reserve(&rs).unwrap();
    let certs: Vec<_> = rs.iter().map(cert_for).collect();
    store.commit_issued(&certs, &[]).unwrap();
    let mut chain = chain(store, "node-1");

    let at = UnixTime(T0 + 100);
    for (serial, reason) in [([0x10u8], 1u8), ([0x02], 4)] {
        let rec = one(&chain, "revoke");
        store.revoke(&serial, at, reason, &rec).unwrap();
        chain.confirm(&[rec]);
    }
    assert_eq!(
        store.certificate(&[0x10]).unwrap().unwrap().status,
        CertStatus::Revoked { at, reason: 1 }
    );
    assert_eq!(
        store.certificate(&[0x30]).unwrap().unwrap().status,
        CertStatus::Good
    );

    let rec = one(&chain, "revoke");
    assert!(matches!(
        store.revoke(&[0x10], UnixTime(T0 + 200), 5, &rec),
        Err(StoreError::AlreadyRevoked)
    ));
    assert!(matches!(
        store.revoke(&[0x77], at, 1, &rec),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.revoke(&[0x30], at, 7, &rec),
        Err(StoreError::InvalidReason { reason: 7 })
    ));
    // The first revocation stands, and refused revocations wrote no audit record.
    assert_eq!(
        store.certificate(&[0x10]).unwrap().unwrap().status,
        CertStatus::Revoked { at, reason: 1 }
    );
    assert_eq!(store.audit_records().unwrap().len(), 2);

    assert_eq!(
        store.revoked("ca-1").unwrap(),
        vec![
            RevokedEntry {
                serial: vec![0x02],
                revoked_at: at,
                reason: 4
            },
            RevokedEntry {
                serial: vec![0x10],
                revoked_at: at,
                reason: 1
            },
        ]
    );
    assert!(store.revoked("ca-2").unwrap().is_empty());
}

fn registry_upsert(store: &mut dyn Store) {
    let mut chain = chain(store, "node-1");
    let seal = RegistrySeal::load(Zeroizing::new([7; 32]), store, UnixTime(T0)).unwrap();
    let open = |store: &mut dyn Store, person: &str| {
        store
            .registry(person)
            .unwrap()
            .map(|row| seal.open(&row).unwrap())
    };
    let a = registry_record("aa01", "registered");
    let rec = one(&chain, "registry");
    store.put_registry(&[seal.seal(&a).unwrap()], &rec).unwrap();
    chain.confirm(&[rec]);
    assert_eq!(open(store, "aa01"), Some(a.clone()));

    let mut a2 = registry_record("aa01", "cancelled");
    a2.document_number = "M87654321".into();
    let b = registry_record("bb02", "registered");
    let rec = one(&chain, "registry");
    let rows = [seal.seal(&a2).unwrap(), seal.seal(&b).unwrap()];
    store.put_registry(&rows, &rec).unwrap();
    chain.confirm(&[rec]);
    assert_eq!(open(store, "aa01"), Some(a2));
    assert_eq!(open(store, "bb02"), Some(b));
    assert_eq!(open(store, "cc03"), None);

    // Registry and audit are one transaction: a stale audit record undoes the upsert.
    let stale = AuditChain::resume(&KEY, "node-1", None);
    let c = registry_record("cc03", "registered");
    assert!(matches!(
        store.put_registry(&[seal.seal(&c).unwrap()], &one(&stale, "registry")),
        Err(StoreError::AuditSeqTaken { seq: 1, .. })
    ));
    assert_eq!(open(store, "cc03"), None);

    // Erasure: the row goes, with its audit record.
    let rec = one(&chain, "registry.erased");
    assert!(store.delete_registry("bb02", &rec).unwrap());
    chain.confirm(&[rec]);
    assert_eq!(open(store, "bb02"), None);
    let rec = one(&chain, "registry.erased");
    assert!(!store.delete_registry("bb02", &rec).unwrap());
    chain.confirm(&[rec]);
    verify_chain(&store.audit_records().unwrap(), &KEY).unwrap();
}

/// Rows sealed under data key 1 and 2 both open; re-sealing replaces only rows that are
/// still as read (a row written meanwhile stays), and another seal key opens nothing.
fn registry_keys_versions_and_reseal(store: &mut dyn Store) {
    let mut chain = chain(store, "node-1");
    let mut seal = RegistrySeal::load(Zeroizing::new([7; 32]), store, UnixTime(T0)).unwrap();
    assert_eq!(seal.newest(), 1);
    // Loading again finds version 1 rather than making another.
    assert_eq!(
        RegistrySeal::load(Zeroizing::new([7; 32]), store, UnixTime(T0))
            .unwrap()
            .newest(),
        1
    );
    let old = [
        seal.seal(&registry_record("aa01", "registered")).unwrap(),
        seal.seal(&registry_record("bb02", "registered")).unwrap(),
        seal.seal(&registry_record("cc03", "registered")).unwrap(),
    ];
    let rec = one(&chain, "registry");
    store.put_registry(&old, &rec).unwrap();
    chain.confirm(&[rec]);

    let (wrapped, key) = seal.new_data_key(2, UnixTime(T0 + 1)).unwrap();
    let rec = one(&chain, "registry.key_rotated");
    store
        .add_registry_key(&wrapped, std::slice::from_ref(&rec))
        .unwrap();
    chain.confirm(&[rec]);
    assert!(matches!(
        store.add_registry_key(&wrapped, &[]),
        Err(StoreError::KeyVersionTaken { version: 2 })
    ));
    seal.insert(2, key);
    assert_eq!(store.registry_versions().unwrap(), vec![(1, 3)]);

    // A writer seals bb02 anew (under 2) between the rotation's read and its write.
    let below = store.registry_sealed_below(2, 2).unwrap();
    assert_eq!(
        below.iter().map(|r| r.person.as_str()).collect::<Vec<_>>(),
        ["aa01", "bb02"]
    );
    let newer = registry_record("bb02", "cancelled");
    let rec = one(&chain, "registry");
    store
        .put_registry(&[seal.seal(&newer).unwrap()], &rec)
        .unwrap();
    chain.confirm(&[rec]);
    let pairs: Vec<_> = below
        .into_iter()
        .map(|row| {
            let record = seal.open(&row).unwrap();
            (row, seal.seal(&record).unwrap())
        })
        .collect();
    assert_eq!(store.reseal_registry(&pairs).unwrap(), 1);
    assert_eq!(store.registry_versions().unwrap(), vec![(1, 1), (2, 2)]);
    // During rotation, rows of both versions open.
    for person in ["aa01", "cc03"] {
        let row = store.registry(person).unwrap().unwrap();
        assert_eq!(
            seal.open(&row).unwrap(),
            registry_record(person, "registered")
        );
    }
    let row = store.registry("bb02").unwrap().unwrap();
    assert_eq!(seal.open(&row).unwrap(), newer);

    // The keyring's sealing key is the only way in.
    assert!(matches!(
        RegistrySeal::load(Zeroizing::new([8; 32]), store, UnixTime(T0)),
        Err(SealError::WrongSealKey { .. })
    ));
}

/// A plaintext `registry` (schema before 5) is read, then replaced by sealed rows and
/// dropped in one transaction; a person already sealed keeps the sealed row.
fn plaintext_registry_is_retired(backend: &Backend) {
    let mut store = backend.open();
    let store = store.as_mut();
    let mut chain = chain(store, "node-1");
    let seal = RegistrySeal::load(Zeroizing::new([7; 32]), store, UnixTime(T0)).unwrap();
    backend.execute_raw(
        "INSERT INTO registry (person, overseas_registration_number, registration_status, \
         surname, given_names, name_hangul, date_of_birth, sex, nationality, document_number, \
         country_of_residence) VALUES \
         ('aa01', 'OR-0001', 'registered', 'HONG', 'GIL DONG', '홍길동', '1990-01-31', 'M', \
          'KOR', 'M12345678', 'USA'), \
         ('bb02', 'OR-0001', 'registered', 'HONG', 'GIL DONG', '홍길동', '1990-01-31', 'M', \
          'KOR', 'M12345678', 'USA')",
    );
    let legacy = store.plaintext_registry().unwrap().unwrap();
    let expected = registry_record("aa01", "registered");
    assert_eq!(legacy.first(), Some(&expected));
    let newer = registry_record("bb02", "deceased");
    let rec = one(&chain, "registry");
    store
        .put_registry(&[seal.seal(&newer).unwrap()], &rec)
        .unwrap();
    chain.confirm(&[rec]);

    let rows: Vec<_> = legacy.iter().map(|r| seal.seal(r).unwrap()).collect();
    let rec = one(&chain, "registry.sealed");
    assert!(
        store
            .retire_plaintext_registry(&rows, std::slice::from_ref(&rec))
            .unwrap()
    );
    chain.confirm(&[rec]);
    assert_eq!(store.plaintext_registry().unwrap(), None);
    let open = |store: &mut dyn Store, person: &str| {
        seal.open(&store.registry(person).unwrap().unwrap())
            .unwrap()
    };
    assert_eq!(open(store, "aa01"), expected);
    assert_eq!(open(store, "bb02"), newer);
    // A second node finding it gone does nothing but its audit record.
    let rec = one(&chain, "registry.sealed");
    assert!(
        !store
            .retire_plaintext_registry(&rows, std::slice::from_ref(&rec))
            .unwrap()
    );
    chain.confirm(&[rec]);
    verify_chain(&store.audit_records().unwrap(), &KEY).unwrap();
}

fn blocked_keys(store: &mut dyn Store) {
    let mut chain = chain(store, "node-1");
    let (k1, k2) = ([1u8; 32], [2u8; 32]);
    assert!(!store.is_blocked(&k1).unwrap());
    let rec = one(&chain, "block-key");
    store.block_key(&k1, "compromised", &rec).unwrap();
    chain.confirm(&[rec]);
    assert!(store.is_blocked(&k1).unwrap());
    assert!(!store.is_blocked(&k2).unwrap());
    // Blocking again is harmless and still audited.
    let rec = one(&chain, "block-key");
    store.block_key(&k1, "again", &rec).unwrap();
    chain.confirm(&[rec]);
    assert!(store.is_blocked(&k1).unwrap());
    assert_eq!(store.audit_records().unwrap().len(), 2);
}

fn crl_numbers_only_grow(store: &mut dyn Store) {
    let mut chain = chain(store, "node-1");
    let mut next = |store: &mut dyn Store, scope: &str, at_least: u64| {
        let rec = one(&chain, "crl");
        let n = store
            .crl_snapshot("toss", scope, at_least, &rec)
            .unwrap()
            .number;
        chain.confirm(&[rec]);
        n
    };
    // The time-derived floor wins when it is ahead...
    assert_eq!(next(store, "full", 1_000), 1_000);
    // ...the stored number + 1 when a clock went backwards or two CRLs share a time,
    assert_eq!(next(store, "full", 1_000), 1_001);
    assert_eq!(next(store, "full", 5), 1_002);
    assert_eq!(next(store, "full", 2_000), 2_000);
    // and scopes count separately.
    assert_eq!(next(store, "partition-1", 7), 7);
    assert_eq!(store.audit_records().unwrap().len(), 5);
}

fn audit_append_tail_and_refusals(store: &mut dyn Store) {
    assert_eq!(store.audit_tail("node-1").unwrap(), None);
    let mut c1 = chain(store, "node-1");
    let batch = c1.draft(&[entry("a", 1), entry("b", 2), entry("c", 3)]);
    store.append_audit(&batch).unwrap();
    c1.confirm(&batch);
    assert_eq!(store.audit_tail("node-1").unwrap().as_ref(), batch.last());

    let mut c2 = chain(store, "node-0");
    let other = c2.draft(&[entry("x", 1)]);
    store.append_audit(&other).unwrap();
    c2.confirm(&other);

    // A second writer drafting from the same position loses: the position is taken.
    let stale = AuditChain::resume(&KEY, "node-1", Some(&batch[1]));
    assert!(matches!(
        store.append_audit(&stale.draft(&[entry("d", 4)])),
        Err(StoreError::AuditSeqTaken { ref node, seq: 3 }) if node == "node-1"
    ));
    // A record that skips ahead, or does not link to the stored tail, is refused.
    let mut gap = c1.draft(&[entry("d", 4)]);
    gap[0].seq = 10;
    assert!(matches!(
        store.append_audit(&gap),
        Err(StoreError::AuditNotLinked { seq: 10, .. })
    ));
    let mut unlinked = c1.draft(&[entry("d", 4), entry("e", 5)]);
    unlinked[1].prev_tag = [0xee; 32];
    assert!(matches!(
        store.append_audit(&unlinked),
        Err(StoreError::AuditNotLinked { seq: 5, .. })
    ));
    let fresh = AuditChain::resume(&KEY, "node-2", Some(&batch[2]));
    assert!(matches!(
        store.append_audit(&fresh.draft(&[entry("z", 1)])),
        Err(StoreError::AuditNotLinked { seq: 4, .. })
    ));
    // None of the refused batches left anything; records come by node, then seq.
    let all = store.audit_records().unwrap();
    let order: Vec<_> = all.iter().map(|r| (r.node.as_str(), r.seq)).collect();
    assert_eq!(
        order,
        vec![("node-0", 1), ("node-1", 1), ("node-1", 2), ("node-1", 3)]
    );
    let summary = verify_chain(&all, &KEY).unwrap();
    assert_eq!(
        summary.nodes,
        vec![("node-0".to_owned(), 1), ("node-1".to_owned(), 3)]
    );
}

fn access_chain_apart_from_audit_and_purged_with_a_checkpoint(store: &mut dyn Store) {
    let audit_before = store.audit_records().unwrap().len();
    assert_eq!(store.access_tail("node-1").unwrap(), None);
    let mut c = AuditChain::resume(&KEY, "node-1", None);
    let batch = c.draft(&[entry("a", 1), entry("b", 2), entry("c", 3)]);
    store.append_access(&batch).unwrap();
    c.confirm(&batch);
    assert_eq!(store.access_tail("node-1").unwrap().as_ref(), batch.last());
    // Its own table: the audit log did not move, and its chain links only to its own.
    assert_eq!(store.audit_records().unwrap().len(), audit_before);
    let stale = AuditChain::resume(&KEY, "node-1", Some(&batch[1]));
    assert!(matches!(
        store.append_access(&stale.draft(&[entry("d", 4)])),
        Err(StoreError::AuditSeqTaken { seq: 3, .. })
    ));
    // The purge: the checkpoint appended, records before seq 3 deleted, in one go.
    let checkpoint = c.draft(&[entry("access.purged", 9)]);
    assert_eq!(store.purge_access(3, &checkpoint[0]).unwrap(), 2);
    let left: Vec<u64> = store
        .access_records()
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(left, [3, 4]);
}

fn schema_version_is_current(store: &mut dyn Store) {
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert!(
        latest_version() >= 2,
        "migration 2 (CRL numbers) is applied"
    );
}

fn audit_chain_verifies_after_reopen(backend: &Backend) {
    let r = res(&[0x42], "p-a", 1);
    {
        let mut store = backend.open();
        store.reserve(std::slice::from_ref(&r)).unwrap();
        let mut chain = chain(&mut *store, "node-1");
        let audit = chain.draft(&[entry("issue", 1)]);
        store.commit_issued(&[cert_for(&r)], &audit).unwrap();
        chain.confirm(&audit);
        let more = chain.draft(&[entry("note", 2), entry("note", 3)]);
        store.append_audit(&more).unwrap();
    }
    // Reopened (SQLite: from the file), migrations run again without effect, and the
    // chain resumes from the stored tail.
    let mut store = backend.open();
    assert_eq!(store.schema_version().unwrap(), latest_version());
    assert_eq!(
        store.certificate(&[0x42]).unwrap().unwrap().cert,
        cert_for(&r)
    );
    let mut chain = chain(&mut *store, "node-1");
    assert_eq!(chain.next_seq(), 4);
    let last = chain.draft(&[entry("note", 4)]);
    store.append_audit(&last).unwrap();
    chain.confirm(&last);

    let records = store.audit_records().unwrap();
    let summary = verify_chain(&records, &KEY).unwrap();
    assert_eq!(summary.records, 4);
    assert_eq!(summary.nodes, vec![("node-1".to_owned(), 4)]);
    // The stored chain is checked for real: a wrong key fails at the first record.
    assert!(verify_chain(&records, &[0; 32]).is_err());
}

fn newer_schema_is_refused(backend: &Backend) {
    drop(backend.open());
    backend.execute_raw(
        "INSERT INTO schema_migrations (version, description, applied_at) \
         VALUES (99, 'from the future', 0)",
    );
    match backend.try_open() {
        Err(StoreError::Migration(msg)) => {
            assert!(msg.contains("99") && msg.contains("newer"), "{msg}");
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

fn concurrent_reservation_of_one_serial_has_one_winner(backend: &Backend) {
    let mut a = backend.open();
    let mut b = backend.open();
    for i in 0..20u8 {
        let serial = [0x60, i];
        let barrier = Barrier::new(2);
        let (ra, rb) = std::thread::scope(|s| {
            let ta = s.spawn(|| {
                barrier.wait();
                a.reserve(&[res(&serial, "p-a", 1)])
            });
            let tb = s.spawn(|| {
                barrier.wait();
                b.reserve(&[res(&serial, "p-a", 1)])
            });
            (ta.join().unwrap(), tb.join().unwrap())
        });
        let outcomes = [ra, rb];
        let wins = outcomes.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {i}: {outcomes:?}");
        let loser = outcomes.into_iter().find_map(Result::err).unwrap();
        assert!(
            matches!(loser, StoreError::DuplicateSerial { ref serial_hex } if *serial_hex == hex::encode(serial)),
            "{loser}"
        );
    }
}

/// R as a version 3 registry row held it: distinctive bytes to look for afterwards.
const OLD_RANDOM: [u8; 20] = *b"R-OF-A-PERSON-v3-row";
const OLD_VID: [u8; 32] = *b"VID-OF-A-PERSON-IN-A-v3-registry";

/// Enough registry rows to fill many pages, each with its VID and R (the common prefixes
/// are what the upgrade test looks for).
fn old_rows() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    (0..400u16)
        .map(|i| {
            let mut vid = OLD_VID.to_vec();
            vid.extend_from_slice(&i.to_be_bytes());
            let mut random = OLD_RANDOM.to_vec();
            random.extend_from_slice(&i.to_be_bytes());
            (format!("aa{i:02}"), vid, random)
        })
        .collect()
}

/// A database at schema version 3 (the release before this one), with a registry row
/// holding a VID and its random R.
fn version_3_with_a_vid(backend: &Backend) {
    let set = store::migrations::MigrationSet {
        migrations: store::migrations::MIGRATIONS.get(..3).unwrap(),
        ..store::migrations::CA
    };
    let insert = "INSERT INTO registry (person, overseas_registration_number, \
         registration_status, surname, given_names, name_hangul, date_of_birth, sex, \
         nationality, document_number, country_of_residence, vid, vid_random) VALUES \
         ($1, 'OR-0001', 'registered', 'HONG', 'GIL DONG', '홍길동', '1990-01-31', 'M', \
         'KOR', 'M12345678', 'USA', $2, $3)";
    match backend {
        Backend::Sqlite { .. } => {
            let mut conn = rusqlite::Connection::open(backend.sqlite_path().unwrap()).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            store::migrations::apply_sqlite(&mut conn, &set).unwrap();
            for (person, vid, random) in old_rows() {
                conn.execute(
                    &insert.replace('$', "?"),
                    rusqlite::params![person, vid, random],
                )
                .unwrap();
            }
        }
        Backend::Postgres { url, schema } => {
            let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
            store::migrations::apply_postgres(&mut client, &set, Some(schema)).unwrap();
            for (person, vid, random) in old_rows() {
                client.execute(insert, &[&person, &vid, &random]).unwrap();
            }
        }
    }
}

/// Every file of `dir`, raw bytes (database, WAL, shared memory).
fn files_of(dir: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Issue 17: a version 3 registry row with a VID and its R gives back the RRN; version 4
/// drops both columns, and on SQLite no byte of them is left in the files.
fn version_4_removes_the_registry_vid_and_its_random(backend: &Backend) {
    version_3_with_a_vid(backend);
    if let Backend::Sqlite { dir } = backend {
        // The premise: the values are in the file before the upgrade.
        assert!(
            files_of(dir)
                .iter()
                .any(|(_, bytes)| contains(bytes, &OLD_RANDOM))
        );
    }
    {
        let mut store = backend.open();
        assert_eq!(store.schema_version().unwrap(), latest_version());
        // The person's record survives the upgrade, without VID (still in the plaintext
        // table: the CA seals it when it opens with its keyring, version 5).
        let legacy = store.plaintext_registry().unwrap().unwrap();
        let record = legacy.iter().find(|r| r.person == "aa01").unwrap();
        assert_eq!(record.document_number, "M12345678");
    }
    match backend {
        Backend::Sqlite { dir } => {
            let conn = rusqlite::Connection::open(backend.sqlite_path().unwrap()).unwrap();
            let columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info('registry')")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                columns.iter().all(|c| c != "vid" && c != "vid_random"),
                "{columns:?}"
            );
            drop(conn);
            for (path, bytes) in files_of(dir) {
                for secret in [&OLD_RANDOM[..], &OLD_VID[..]] {
                    assert!(
                        !contains(&bytes, secret),
                        "{} still holds a registry VID value",
                        path.display()
                    );
                }
            }
        }
        Backend::Postgres { url, schema } => {
            let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
            let rows = client
                .query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = $1 AND table_name = 'registry'",
                    &[schema],
                )
                .unwrap();
            let columns: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            assert!(columns.contains(&"person".to_owned()), "{columns:?}");
            assert!(
                columns.iter().all(|c| c != "vid" && c != "vid_random"),
                "{columns:?}"
            );
            let rows = client
                .query(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = $1 AND table_name = 'certificates' \
                     AND column_name LIKE 'vid_random%'",
                    &[schema],
                )
                .unwrap();
            assert_eq!(rows.len(), 2);
        }
    }
}

/// The sealed R is stored with its certificate and read back as committed; the clear R
/// has no column anywhere.
fn sealed_vid_random_round_trips_with_its_certificate(backend: &Backend) {
    let mut store = backend.open();
    let r = res(&[0x51], "p-v", 7);
    store.reserve(std::slice::from_ref(&r)).unwrap();
    let mut cert = cert_for(&r);
    cert.vid_random = Some(dongpo_ca::SealedRandom {
        suite: dongpo_crypto::SealSuite::HpkeP256,
        ciphertext: vec![0xc7; 101],
    });
    let chain = chain(&mut *store, "node-1");
    let audit = chain.draft(&[entry("issue", 1)]);
    store
        .commit_issued(std::slice::from_ref(&cert), &audit)
        .unwrap();
    drop(store);
    let mut store = backend.open();
    assert_eq!(store.certificate(&[0x51]).unwrap().unwrap().cert, cert);
    // A suite name this build does not know is refused, not guessed.
    backend.execute_raw(
        "UPDATE certificates SET vid_random_encryption = 'rot13' WHERE vid_random_encrypted IS NOT NULL",
    );
    assert!(matches!(
        store.certificate(&[0x51]),
        Err(StoreError::Backend(_))
    ));
}
