#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod support;

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_INVALIDITY_DATE, ID_CE_ISSUING_DISTRIBUTION_POINT,
};
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::Verifier;
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::{
    Crl, CrlBuildError, CrlError, CrlIssuer, CrlNumber, CrlSpec, CrlStatus, RevokedEntry, Scope,
    build_crl,
};
use support::{Hierarchy, NOW, PARTITIONS, crl_url, pem, run, scratch, serial};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason, IssuingDistributionPoint};
use x509_cert::time::Time;

const WEEK: u64 = 7 * 86_400;

fn entry(serial: Vec<u8>, reason: Option<u8>) -> RevokedEntry {
    RevokedEntry {
        serial,
        revoked_at: UnixTime(NOW.0 - 3_600),
        reason,
        invalidity_date: None,
    }
}

fn spec<'a>(
    issuer: &'a CrlIssuer,
    number: &'a CrlNumber,
    entries: &'a [RevokedEntry],
    scope: Scope<'a>,
) -> CrlSpec<'a> {
    CrlSpec {
        issuer,
        crl_number: number,
        this_update: NOW,
        next_update: UnixTime(NOW.0 + WEEK),
        entries,
        scope,
        delta_of: None,
        freshest: None,
    }
}

fn partition(index: u32, url: &str) -> Scope<'_> {
    Scope::Partition {
        index,
        partitions: PARTITIONS,
        url,
    }
}

fn decode(der: &[u8]) -> CertificateList {
    CertificateList::from_der(der).unwrap()
}

fn ext_value(crl: &CertificateList, oid: der::asn1::ObjectIdentifier) -> (bool, &[u8]) {
    let ext = crl
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == oid)
        .unwrap_or_else(|| panic!("no extension {oid}"));
    (ext.critical, ext.extn_value.as_bytes())
}

#[test]
fn round_trip_parses_verifies_and_looks_up() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::next(None, NOW).unwrap();
    // Out of order on purpose, including a serial with the top bit set.
    let revoked = [
        entry(serial(9, 8), Some(1)),
        entry(vec![0x80, 1], Some(4)),
        entry(serial(1, 4), None),
        entry(vec![5], Some(5)),
    ];
    let der = build_crl(
        &spec(&issuer, &number, &revoked, Scope::Full),
        &pki.issuing.signer(),
    )
    .unwrap();

    let crl = Crl::parse(&der).unwrap();
    let issuing = pki.issuing.parsed();
    crl.verify(&issuing, NOW, &Verifier::new()).unwrap();
    assert_eq!(crl.revoked_count(), 4);
    assert_eq!(crl.number_hex(), Some(hex::encode(number.as_bytes())));
    assert_eq!(crl.delta_base_hex(), None);
    // The root's key did not sign it.
    assert!(matches!(
        crl.verify(&pki.root.parsed(), NOW, &Verifier::new()),
        Err(CrlError::WrongIssuer { .. })
    ));

    // Lookups take DER content bytes, as a certificate's serial gives them.
    let leaf = Cert::parse(&pki.leaf(&serial(9, 8)).to_der().unwrap()).unwrap();
    let leaf_serial = leaf
        .cert
        .tbs_certificate()
        .serial_number()
        .as_bytes()
        .to_vec();
    assert_eq!(
        crl.status(&leaf_serial),
        CrlStatus::Revoked {
            at: UnixTime(NOW.0 - 3_600)
        }
    );
    assert_ne!(crl.status(&[0x00, 0x80, 1]), CrlStatus::Good);
    assert_ne!(crl.status(&[5]), CrlStatus::Good);
    assert_eq!(crl.status(&serial(9, 9)), CrlStatus::Good);
    assert_eq!(crl.status(&[6]), CrlStatus::Good);

    // Entries are written in numeric order; the whole CRL is what x509-cert reads.
    let order: Vec<Vec<u8>> = crl
        .revoked()
        .map(|r| r.serial_number.as_bytes().to_vec())
        .collect();
    assert_eq!(
        order,
        vec![vec![5], vec![0, 0x80, 1], serial(1, 4), serial(9, 8)]
    );
    let full = decode(&der);
    let tbs = &full.tbs_cert_list;
    assert_eq!(tbs.version, x509_cert::Version::V2);
    assert_eq!(&tbs.issuer, pki.issuing.cert.tbs_certificate().subject());
    assert!(matches!(tbs.this_update, Time::UtcTime(_)));
    assert_eq!(
        UnixTime::from_x509(&tbs.next_update.unwrap()),
        UnixTime(NOW.0 + WEEK)
    );
    // AKI is the issuing CA's own key identifier, not its issuer's.
    let (critical, aki) = ext_value(&full, ID_CE_AUTHORITY_KEY_IDENTIFIER);
    assert!(!critical);
    let aki = AuthorityKeyIdentifier::from_der(aki).unwrap();
    assert_eq!(
        aki.key_identifier.unwrap().as_bytes(),
        issuing.ski.as_deref().unwrap()
    );
    assert_ne!(issuing.ski, issuing.aki);
    let (critical, _) = ext_value(&full, ID_CE_CRL_NUMBER);
    assert!(!critical);
    // Full scope: user certificates only, no distribution point.
    let (critical, idp) = ext_value(&full, ID_CE_ISSUING_DISTRIBUTION_POINT);
    assert!(critical);
    let idp = IssuingDistributionPoint::from_der(idp).unwrap();
    assert!(idp.only_contains_user_certs && idp.distribution_point.is_none());
    // The same input gives the same TBS (ECDSA signatures differ).
    let again = build_crl(
        &spec(&issuer, &number, &revoked, Scope::Full),
        &pki.issuing.signer(),
    )
    .unwrap();
    let again = decode(&again);
    assert_eq!(again.tbs_cert_list.to_der().unwrap(), tbs.to_der().unwrap());

    // PEM parses to the same CRL; a changed byte breaks the signature.
    let from_pem = Crl::parse(pem(&der, "X509 CRL").as_bytes()).unwrap();
    assert_eq!(from_pem.der, der);
    let mut tampered = der.clone();
    let at = tampered.windows(2).position(|w| w == [5, 0x17]).unwrap();
    tampered[at] = 6;
    let tampered = Crl::parse(&tampered).unwrap();
    assert!(matches!(
        tampered.verify(&issuing, NOW, &Verifier::new()),
        Err(CrlError::Signature(_))
    ));
}

#[test]
fn reason_codes_and_invalidity_dates() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::from(1);
    let compromised = UnixTime(NOW.0 - 86_400);
    let mut with_date = entry(vec![1], Some(1));
    with_date.invalidity_date = Some(compromised);
    let revoked = [
        with_date,
        entry(vec![2], Some(0)),
        entry(vec![3], Some(9)),
        entry(vec![4], None),
    ];
    let der = build_crl(
        &spec(&issuer, &number, &revoked, Scope::Full),
        &pki.issuing.signer(),
    )
    .unwrap();
    let crl = Crl::parse(&der).unwrap();
    let entries: Vec<_> = crl.revoked().collect();
    let extension = |i: usize, oid| {
        entries[i]
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes().to_vec())
    };
    let reason =
        |i: usize| extension(i, ID_CE_CRL_REASONS).map(|v| CrlReason::from_der(&v).unwrap());
    assert_eq!(reason(0), Some(CrlReason::KeyCompromise));
    // unspecified is omitted (RFC 5280 §5.3.1 SHOULD), as is an absent reason.
    assert_eq!(entries[1].crl_entry_extensions, None);
    assert_eq!(reason(2), Some(CrlReason::PrivilegeWithdrawn));
    assert_eq!(entries[3].crl_entry_extensions, None);
    let date = GeneralizedTime::from_der(&extension(0, ID_CE_INVALIDITY_DATE).unwrap()).unwrap();
    assert_eq!(date.to_unix_duration().as_secs(), compromised.0);
    assert_eq!(extension(2, ID_CE_INVALIDITY_DATE), None);

    // Codes RFC 5280 does not define, and removeFromCRL outside a delta, are refused.
    for code in [7, 11, 8] {
        let bad = [entry(vec![1], Some(code))];
        let err = build_crl(
            &spec(&issuer, &number, &bad, Scope::Full),
            &pki.issuing.signer(),
        )
        .unwrap_err();
        assert!(
            matches!(err, CrlBuildError::Reason { code: c, .. } if c == code),
            "{err}"
        );
    }
    // removeFromCRL is fine in a delta.
    let remove = [entry(vec![1], Some(8))];
    let base = CrlNumber::from(0);
    let mut delta = spec(&issuer, &number, &remove, Scope::Full);
    delta.delta_of = Some(&base);
    let crl = Crl::parse(&build_crl(&delta, &pki.issuing.signer()).unwrap()).unwrap();
    let entry = crl.revoked().next().unwrap();
    let reason = &entry.crl_entry_extensions.unwrap()[0];
    assert_eq!(
        CrlReason::from_der(reason.extn_value.as_bytes()).unwrap(),
        CrlReason::RemoveFromCRL
    );
}

#[test]
fn partition_crl_names_the_certificates_cdp() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::from(10);
    let url = crl_url(2);
    let mine = pki.leaf(&serial(1, 6)); // 6 % 4 == 2
    let other = pki.leaf(&serial(1, 7)); // partition 3
    let revoked = [entry(serial(1, 6), Some(1)), entry(serial(2, 10), None)];
    let der = build_crl(
        &spec(&issuer, &number, &revoked, partition(2, &url)),
        &pki.issuing.signer(),
    )
    .unwrap();
    let full = decode(&der);
    let (critical, idp) = ext_value(&full, ID_CE_ISSUING_DISTRIBUTION_POINT);
    assert!(critical);
    let idp = IssuingDistributionPoint::from_der(idp).unwrap();
    assert!(idp.only_contains_user_certs);
    let Some(DistributionPointName::FullName(names)) = idp.distribution_point else {
        panic!("no fullName")
    };
    assert_eq!(names.len(), 1);
    let GeneralName::UniformResourceIdentifier(uri) = &names[0] else {
        panic!("not a URI")
    };
    assert_eq!(uri.as_str(), url);

    let crl = Crl::parse(&der).unwrap();
    crl.verify(&pki.issuing.parsed(), NOW, &Verifier::new())
        .unwrap();
    let parse = |c: &x509_cert::Certificate| Cert::parse(&c.to_der().unwrap()).unwrap();
    crl.check_scope(&parse(&mine)).unwrap();
    assert!(matches!(
        crl.check_scope(&parse(&other)),
        Err(CrlError::OutOfScope(_))
    ));
    // onlyContainsUserCerts: a CA certificate is out of scope.
    assert!(matches!(
        crl.check_scope(&pki.issuing.parsed()),
        Err(CrlError::OutOfScope(_))
    ));

    // A serial of another partition would be invisible to relying parties: refused.
    let stray = [entry(serial(1, 7), None)];
    let err = build_crl(
        &spec(&issuer, &number, &stray, partition(2, &url)),
        &pki.issuing.signer(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        CrlBuildError::WrongPartition {
            serial: hex::encode(serial(1, 7)),
            expected: 2,
            actual: 3
        }
    );
    let err = build_crl(
        &spec(&issuer, &number, &[], partition(4, &url)),
        &pki.issuing.signer(),
    )
    .unwrap_err();
    assert!(matches!(err, CrlBuildError::Partition(_)), "{err}");
}

#[test]
fn delta_crl_names_its_base() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let base = CrlNumber::next(None, NOW).unwrap();
    let number = CrlNumber::next(Some(&base), UnixTime(NOW.0 + 600)).unwrap();
    let url = crl_url(1);
    let revoked = [entry(serial(3, 5), Some(4)), entry(serial(4, 9), Some(8))];
    let mut delta = spec(&issuer, &number, &revoked, partition(1, &url));
    delta.this_update = UnixTime(NOW.0 + 600);
    delta.next_update = UnixTime(NOW.0 + 86_400);
    delta.delta_of = Some(&base);
    let der = build_crl(&delta, &pki.issuing.signer()).unwrap();

    let full = decode(&der);
    let (critical, value) = ext_value(&full, ID_CE_DELTA_CRL_INDICATOR);
    assert!(critical);
    assert_eq!(
        der::asn1::Uint::from_der(value).unwrap().as_bytes(),
        base.as_bytes()
    );
    let crl = Crl::parse(&der).unwrap();
    // The delta indicator is recognised: the critical extension does not stop verify.
    crl.verify(
        &pki.issuing.parsed(),
        UnixTime(NOW.0 + 601),
        &Verifier::new(),
    )
    .unwrap();
    assert_eq!(crl.delta_base_hex(), Some(base.to_hex()));
    assert_eq!(crl.number_hex(), Some(number.to_hex()));
    assert!(crl.status(&serial(4, 9)) != CrlStatus::Good);

    // A delta's number must be above its base's.
    let mut backwards = delta;
    backwards.crl_number = &base;
    backwards.delta_of = Some(&number);
    assert!(matches!(
        build_crl(&backwards, &pki.issuing.signer()),
        Err(CrlBuildError::Number(_))
    ));
}

#[test]
fn crl_numbers_strictly_grow_across_restarts() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let mut last: Option<CrlNumber> = None;
    let mut seen = Vec::new();
    // Same second twice, a clock step back, then normal progress; `None` is a restart
    // that lost the counter and must rely on the clock.
    for (t, remember) in [(0, true), (0, true), (-30, true), (60, false), (3600, true)] {
        let this_update = UnixTime(NOW.0.checked_add_signed(t).unwrap());
        let number = CrlNumber::next(last.as_ref().filter(|_| remember), this_update).unwrap();
        let mut s = spec(&issuer, &number, &[], Scope::Full);
        s.this_update = this_update;
        s.next_update = UnixTime(this_update.0 + WEEK);
        let crl = Crl::parse(&build_crl(&s, &pki.issuing.signer()).unwrap()).unwrap();
        let written =
            CrlNumber::from_bytes(&hex::decode(crl.number_hex().unwrap()).unwrap()).unwrap();
        assert_eq!(written, number);
        assert!(written.as_bytes().len() <= 20);
        if let Some(previous) = seen.last() {
            assert!(written > *previous, "{written:?} after {previous:?}");
        }
        seen.push(written);
        last = Some(number);
    }
}

#[test]
fn refuses_what_relying_parties_would_reject() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::from(1);
    let build = |entries: &[RevokedEntry]| {
        build_crl(
            &spec(&issuer, &number, entries, Scope::Full),
            &pki.issuing.signer(),
        )
    };
    assert_eq!(
        build(&[entry(vec![7], None), entry(vec![0, 7], Some(1))]),
        Err(CrlBuildError::DuplicateSerial("07".into()))
    );
    assert!(matches!(
        build(&[entry(vec![0], None)]),
        Err(CrlBuildError::Serial { .. })
    ));
    assert!(matches!(
        build(&[entry(vec![1; 21], None)]),
        Err(CrlBuildError::Serial { .. })
    ));
    let mut future = entry(vec![1], None);
    future.revoked_at = UnixTime(NOW.0 + 1);
    assert!(matches!(
        build(&[future]),
        Err(CrlBuildError::EntryTime { .. })
    ));
    let mut s = spec(&issuer, &number, &[], Scope::Full);
    s.next_update = NOW;
    assert!(matches!(
        build_crl(&s, &pki.issuing.signer()),
        Err(CrlBuildError::Times(_))
    ));
    // Signed with the root's key for the issuing CA's name.
    assert_eq!(
        build_crl(
            &spec(&issuer, &number, &[], Scope::Full),
            &pki.root.signer()
        ),
        Err(CrlBuildError::KeyMismatch)
    );
    // A CA certificate without cRLSign cannot issue CRLs.
    let leaf = pki.leaf(&serial(1, 1));
    assert!(matches!(
        CrlIssuer::from_certificate(&leaf),
        Err(CrlBuildError::Issuer(_))
    ));
}

#[test]
fn stale_crls_are_refused_and_times_after_2049_are_generalized() {
    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::from(1);
    let der = build_crl(
        &spec(&issuer, &number, &[], Scope::Full),
        &pki.issuing.signer(),
    )
    .unwrap();
    let crl = Crl::parse(&der).unwrap();
    assert_eq!(crl.revoked_count(), 0);
    assert!(decode(&der).tbs_cert_list.revoked_certificates.is_none());
    let issuing = pki.issuing.parsed();
    crl.verify(&issuing, UnixTime(NOW.0 + WEEK), &Verifier::new())
        .unwrap();
    assert!(matches!(
        crl.verify(&issuing, UnixTime(NOW.0 + WEEK + 1), &Verifier::new()),
        Err(CrlError::Stale { .. })
    ));

    let y2050 = UnixTime(2_524_608_000); // 2050-01-01T00:00:00Z
    let mut s = spec(&issuer, &number, &[], Scope::Full);
    s.this_update = UnixTime(y2050.0 - 60);
    s.next_update = y2050;
    let tbs = decode(&build_crl(&s, &pki.issuing.signer()).unwrap()).tbs_cert_list;
    assert!(matches!(tbs.this_update, Time::UtcTime(_)));
    assert!(matches!(tbs.next_update, Some(Time::GeneralTime(_))));
}

#[test]
fn parse_indexes_crls_from_other_issuers_in_any_order() {
    use x509_cert::builder::{Builder, CrlBuilder};
    use x509_cert::crl::RevokedCert;
    use x509_cert::ext::pkix::crl::CrlNumber as CrlNumberExt;
    use x509_cert::serial_number::SerialNumber;

    let pki = Hierarchy::new();
    let serials: Vec<u64> = (0..300u64).map(|i| (i * 7919) % 1000 + 1).collect();
    let entries = serials.iter().map(|&s| RevokedCert {
        serial_number: SerialNumber::from(s),
        revocation_date: "2026-05-30T00:00:00Z".parse().unwrap(),
        crl_entry_extensions: Some(vec![x509_cert::ext::Extension {
            extn_id: ID_CE_CRL_REASONS,
            critical: false,
            extn_value: OctetString::new(CrlReason::Superseded.to_der().unwrap()).unwrap(),
        }]),
    });
    let builder = CrlBuilder::new_with_this_update(
        &pki.issuing.cert,
        CrlNumberExt::try_from(5u32).unwrap(),
        "2026-05-31T00:00:00Z".parse().unwrap(),
    )
    .unwrap()
    .with_certificates(entries);
    let der = builder
        .build::<_, dongpo_crypto::x509::SignatureBytes>(&pki.issuing.signer())
        .unwrap()
        .to_der()
        .unwrap();
    let crl = Crl::parse(&der).unwrap();
    assert_eq!(crl.revoked_count(), 300);
    for s in 1..=1000u64 {
        let bytes = SerialNumber::from(s).as_bytes().to_vec();
        assert_eq!(
            crl.status(&bytes) != CrlStatus::Good,
            serials.contains(&s),
            "serial {s}"
        );
    }
}

/// Writes the hierarchy and a partition CRL revoking one of two leaves.
fn interop_files(name: &str) -> (std::path::PathBuf, Vec<u8>) {
    let pki = Hierarchy::new();
    let dir = scratch(name);
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::next(None, NOW).unwrap();
    let url = crl_url(1);
    let revoked = [
        entry(serial(1, 5), Some(1)),
        RevokedEntry {
            invalidity_date: Some(UnixTime(NOW.0 - 86_400)),
            ..entry(serial(3, 9), Some(5))
        },
        entry(serial(4, 13), None),
    ];
    let der = build_crl(
        &spec(&issuer, &number, &revoked, partition(1, &url)),
        &pki.issuing.signer(),
    )
    .unwrap();
    let write = |file: &str, data: &[u8]| std::fs::write(dir.join(file), data).unwrap();
    write("crl.der", &der);
    write("crl.pem", pem(&der, "X509 CRL").as_bytes());
    write("issuing.pem", pki.issuing.pem().as_bytes());
    write(
        "chain.pem",
        format!("{}{}", pki.root.pem(), pki.issuing.pem()).as_bytes(),
    );
    for (file, s) in [
        ("revoked.pem", serial(1, 5)),
        ("good.pem", serial(2, 5)),
        ("other-partition.pem", serial(2, 6)),
    ] {
        write(
            file,
            pem(&pki.leaf(&s).to_der().unwrap(), "CERTIFICATE").as_bytes(),
        );
    }
    // A complete CRL naming its delta (freshestCRL) and a delta for the linter.
    let delta_url = "http://crl.example/issuing-delta.crl";
    let mut full = spec(&issuer, &number, &revoked, Scope::Full);
    full.freshest = Some(delta_url);
    let full = build_crl(&full, &pki.issuing.signer()).unwrap();
    let parsed: CertificateList = CertificateList::from_der(&full).unwrap();
    let freshest = parsed
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_FRESHEST_CRL)
        .expect("freshestCRL");
    assert!(!freshest.critical);
    let points =
        x509_cert::ext::pkix::FreshestCrl::from_der(freshest.extn_value.as_bytes()).unwrap();
    assert_eq!(points.0.len(), 1);
    write("full.der", &full);
    let base = CrlNumber::from(1);
    let mut delta = spec(&issuer, &number, &revoked[..1], partition(1, &url));
    delta.delta_of = Some(&base);
    // A delta cannot point at a fresher CRL than itself.
    let mut both = delta;
    both.freshest = Some(delta_url);
    assert!(build_crl(&both, &pki.issuing.signer()).is_err());
    write(
        "delta.der",
        &build_crl(&delta, &pki.issuing.signer()).unwrap(),
    );
    // Negative control for the linter: a year of validity breaks the BRs' 10 days.
    let mut long = spec(&issuer, &number, &revoked, Scope::Full);
    long.next_update = UnixTime(NOW.0 + 365 * 86_400);
    write(
        "long.der",
        &build_crl(&long, &pki.issuing.signer()).unwrap(),
    );
    (dir, der)
}

#[test]
fn openssl_verifies_the_crl_and_revokes_the_leaf() {
    let (dir, _) = interop_files("openssl");
    let Some((ok, out)) = run(
        "openssl",
        &[
            "crl",
            "-in",
            "crl.der",
            "-inform",
            "DER",
            "-CAfile",
            "issuing.pem",
            "-noout",
        ],
        &dir,
    ) else {
        return;
    };
    assert!(ok && out.contains("verify OK"), "{out}");
    let at = NOW.0 + 60;
    let verify = |leaf: &str| {
        run(
            "openssl",
            &[
                "verify",
                "-crl_check",
                "-attime",
                &at.to_string(),
                "-CAfile",
                "chain.pem",
                "-CRLfile",
                "crl.pem",
                leaf,
            ],
            &dir,
        )
        .unwrap()
    };
    let (ok, out) = verify("revoked.pem");
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (ok, out) = verify("good.pem");
    assert!(ok && out.contains("good.pem: OK"), "{out}");
    // OpenSSL matches the IDP to the leaf's CDP: this CRL does not cover partition 2.
    let (ok, out) = verify("other-partition.pem");
    assert!(!ok && out.contains("different CRL scope"), "{out}");
}

#[test]
fn pkilint_finds_no_errors() {
    let (dir, _) = interop_files("pkilint");
    let lint = |profile: &str, file: &str| {
        run(
            "lint_crl",
            &["lint", "-t", "CRL", "-p", profile, "-s", "WARNING", file],
            &dir,
        )
    };
    for file in ["crl.der", "full.der", "delta.der"] {
        for profile in ["PKIX", "BR"] {
            let Some((ok, out)) = lint(profile, file) else {
                return;
            };
            println!("{file} {profile}:\n{out}");
            assert!(
                ok && !out.contains("ERROR") && !out.contains("FATAL"),
                "{file} {profile}: {out}"
            );
        }
    }
    // The linter does report errors: a year of validity breaks the BRs' 10 days.
    let (ok, out) = lint("BR", "long.der").unwrap();
    assert!(
        !ok && out.contains("cabf.crl_invalid_validity_period (ERROR)"),
        "{out}"
    );
}

/// Signs a TBSCertList written field by field, for CRLs the builder refuses to make.
fn sign_raw(pki: &Hierarchy, mut tbs: x509_cert::crl::TbsCertList) -> Vec<u8> {
    use signature::Signer;
    use spki::{DynSignatureAlgorithmIdentifier, SignatureBitStringEncoding};
    let signer = pki.issuing.signer();
    tbs.signature = signer.signature_algorithm_identifier().unwrap();
    let sig: dongpo_crypto::x509::SignatureBytes = signer.try_sign(&tbs.to_der().unwrap()).unwrap();
    CertificateList {
        signature_algorithm: tbs.signature.clone(),
        tbs_cert_list: tbs,
        signature: sig.to_bitstring().unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn unsupported_critical_extensions_make_the_crl_unusable() {
    use x509_cert::crl::RevokedCert;
    use x509_cert::ext::Extension;
    use x509_cert::serial_number::SerialNumber;

    let pki = Hierarchy::new();
    let issuer = CrlIssuer::from_certificate(&pki.issuing.cert).unwrap();
    let number = CrlNumber::from(3);
    let good = decode(
        &build_crl(
            &spec(&issuer, &number, &[entry(vec![9], Some(1))], Scope::Full),
            &pki.issuing.signer(),
        )
        .unwrap(),
    )
    .tbs_cert_list;
    let unknown = |critical| Extension {
        extn_id: der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
        critical,
        extn_value: OctetString::new(vec![5, 0]).unwrap(),
    };
    let issuing = pki.issuing.parsed();
    let verify = |tbs: x509_cert::crl::TbsCertList| {
        Crl::parse(&sign_raw(&pki, tbs))
            .unwrap()
            .verify(&issuing, NOW, &Verifier::new())
    };
    // A non-critical unknown extension is ignored; a critical one is not.
    let mut tbs = good.clone();
    tbs.crl_extensions.as_mut().unwrap().push(unknown(false));
    verify(tbs).unwrap();
    let mut tbs = good.clone();
    tbs.crl_extensions.as_mut().unwrap().push(unknown(true));
    assert_eq!(
        verify(tbs),
        Err(CrlError::UnsupportedCritical(
            der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1")
        ))
    );
    // certificateIssuer entries belong to indirect CRLs only (this one does not say so).
    let mut tbs = good.clone();
    tbs.revoked_certificates = Some(vec![RevokedCert {
        serial_number: SerialNumber::from(9u8),
        revocation_date: tbs.this_update,
        crl_entry_extensions: Some(vec![Extension {
            extn_id: const_oid::db::rfc5280::ID_CE_CERTIFICATE_ISSUER,
            ..unknown(true)
        }]),
    }]);
    assert_eq!(
        verify(tbs),
        Err(CrlError::Malformed(
            "certificateIssuer entries on a CRL that is not indirect".into()
        ))
    );
    // A malformed reasonCode makes the CRL unparsable (the decoder's error, kept as the
    // source).
    let mut tbs = good;
    tbs.revoked_certificates.as_mut().unwrap()[0].crl_entry_extensions = Some(vec![Extension {
        extn_id: ID_CE_CRL_REASONS,
        ..unknown(false)
    }]);
    assert!(matches!(
        Crl::parse(&sign_raw(&pki, tbs)),
        Err(CrlError::Der(_))
    ));
}
