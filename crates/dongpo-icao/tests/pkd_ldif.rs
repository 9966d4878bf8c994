//! PKD LDIF import over real certificates: an LDIF download is assembled here (the ICAO
//! PKD licence keeps real dumps out of the repo) from the Korean CSCAs, a French DSC, a
//! synthetic CSCA with its CRL and a synthetic master list, base64-encoded and folded at
//! 76 columns as real exports are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::PathBuf;

use base64ct::{Base64, Encoding};
use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::pkd_ldif::{self, LdifError, PkdObject};
use dongpo_pki::{Cert, UnixTime};

const KOREAN: [&str; 5] = [
    "KOR_KR_101.cer",
    "KOR_KR_12b.cer",
    "KOR_KR_1a4.cer",
    "KOR_KR_1a7.cer",
    "KOR_KR_a3.cer",
];
const SUFFIX: &str = "dc=data,dc=download,dc=pkd,dc=icao,dc=int";

fn vector(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One LDIF line folded at 76 columns (continuations: one space + 75 characters).
fn fold(line: &str) -> String {
    let (first, mut rest) = line.split_at(76.min(line.len()));
    let mut out = format!("{first}\n");
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(75.min(rest.len()));
        out.push_str(&format!(" {chunk}\n"));
        rest = tail;
    }
    out
}

fn entry(dn: &str, object_classes: &[&str], attribute: &str, bytes: &[u8]) -> String {
    let mut out = fold(&format!("dn: {dn}"));
    for class in object_classes {
        out.push_str(&format!("objectClass: {class}\n"));
    }
    out.push_str(&fold(&format!("cn: {}", dn.split(',').next().unwrap())));
    out.push_str("sn: 1\n");
    out.push_str(&fold(&format!(
        "{attribute}:: {}",
        Base64::encode_string(bytes)
    )));
    out.push_str("pkdVersion: 1234\n\n");
    out
}

const CERT_CLASSES: [&str; 5] = [
    "top",
    "person",
    "organizationalPerson",
    "inetOrgPerson",
    "pkdDownload",
];

/// Five Korean CSCAs, the synthetic CSCA, one French DSC, one CRL, one master list,
/// plus `extra` entries.
fn download(extra: &str) -> String {
    let mut ldif = String::from("version: 1\n\n");
    ldif.push_str(&format!(
        "dn: {SUFFIX}\nobjectClass: top\nobjectClass: domain\ndc: data\n\n"
    ));
    for (i, name) in KOREAN.iter().enumerate() {
        let cert = vector(&format!("real/csca-kor/{name}"));
        ldif.push_str(&entry(
            &format!("cn=KR-CSCA-{i}+sn=1,o=csca,c=KR,{SUFFIX}"),
            &CERT_CLASSES,
            "userCertificate;binary",
            &cert,
        ));
    }
    ldif.push_str(&entry(
        &format!("cn=dongpo Test CSCA+sn=2,o=csca,c=KR,{SUFFIX}"),
        &CERT_CLASSES,
        "userCertificate;binary",
        &vector("synthetic/p256/genuine/csca.der"),
    ));
    ldif.push_str(&entry(
        &format!("cn=HSM-DS2+sn=201707181355550,o=dsc,c=FR,{SUFFIX}"),
        &CERT_CLASSES,
        "userCertificate;binary",
        &vector("real/sod/FR/DSC.cer"),
    ));
    ldif.push_str(&entry(
        &format!("cn=dongpo Test CSCA,o=crl,c=KR,{SUFFIX}"),
        &["top", "cRLDistributionPoint"],
        "certificateRevocationList;binary",
        &vector("synthetic/p256/genuine/csca.crl"),
    ));
    ldif.push_str(&entry(
        &format!("cn=CN\\=dongpo ML Signer,o=ml,c=KR,{SUFFIX}"),
        &["top", "person", "pkdMasterList", "pkdDownload"],
        "pkdMasterListContent",
        &vector("synthetic/masterlist/masterlist.ml"),
    ));
    ldif.push_str(extra);
    ldif
}

#[test]
fn folding_matches_real_exports() {
    let ldif = download("");
    assert!(ldif.lines().all(|l| l.len() <= 76));
    // values and long DNs are folded
    assert!(ldif.lines().any(|l| l.starts_with(' ')));
    let entries = pkd_ldif::parse(ldif.as_bytes()).unwrap();
    assert_eq!(
        entries[6].dn,
        format!("cn=dongpo Test CSCA+sn=2,o=csca,c=KR,{SUFFIX}")
    );
}

#[test]
fn parse_and_objects() {
    let ldif = download("");
    let entries = pkd_ldif::parse(ldif.as_bytes()).unwrap();
    assert_eq!(entries.len(), 1 + 5 + 1 + 1 + 1 + 1);
    assert_eq!(entries[0].dn, SUFFIX);
    let objects = pkd_ldif::objects(&entries);
    assert_eq!(objects.len(), 9);
    let certificates: Vec<_> = objects
        .iter()
        .filter_map(|o| match o {
            PkdObject::Certificate { der, .. } => Some(der.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(certificates.len(), 7);
    assert_eq!(certificates[0], vector("real/csca-kor/KOR_KR_101.cer"));
    assert_eq!(certificates[6], vector("real/sod/FR/DSC.cer"));
    assert!(matches!(&objects[7], PkdObject::Crl { der, .. }
        if *der == vector("synthetic/p256/genuine/csca.crl")));
    assert!(matches!(&objects[8], PkdObject::MasterList { cms, .. }
        if *cms == vector("synthetic/masterlist/masterlist.ml")));
}

#[test]
fn load_trusts_cscas_and_crls_counts_dscs_and_returns_master_lists() {
    let ldif = download("");
    let mut store = TrustStore::new();
    let (import, lists) =
        pkd_ldif::load_into(&mut store, ldif.as_bytes(), "icao.ldif", &Verifier::new()).unwrap();
    // Five self-signed CSCAs are anchors; the Korean link certificate (signed by an
    // older Korean key) is returned as a link, admitted once every source is loaded.
    assert_eq!(import.cscas, 5);
    assert_eq!(import.links.len(), 1);
    assert_eq!(import.dscs, 1);
    assert_eq!(import.crls, 1);
    assert_eq!(import.master_lists, 1);
    assert_eq!(import.rejected, vec![]);
    assert_eq!(store.cscas().len(), 5);
    assert_eq!(
        store
            .add_link_certificates(&import.links, &Verifier::new())
            .unwrap(),
        1
    );
    assert_eq!(store.cscas().len(), 6);

    // every Korean CSCA is trusted, with the LDIF entry as its source
    for name in KOREAN {
        let cert = Cert::parse(&vector(&format!("real/csca-kor/{name}"))).unwrap();
        let trusted = store
            .cscas()
            .iter()
            .find(|c| c.cert.sha256 == cert.sha256)
            .unwrap_or_else(|| panic!("{name} not trusted"));
        assert!(
            trusted.sources[0].starts_with("ldif:icao.ldif#cn=KR-CSCA-")
                || trusted.sources[0].starts_with("link:")
                    && trusted.sources[0].contains("(ldif:icao.ldif#cn=KR-CSCA-"),
            "{:?}",
            trusted.sources
        );
    }
    // the DSC is not
    let dsc = Cert::parse(&vector("real/sod/FR/DSC.cer")).unwrap();
    assert!(store.cscas().iter().all(|c| c.cert.sha256 != dsc.sha256));
    // the CRL is filed under its CSCA
    let csca = Cert::parse(&vector("synthetic/p256/genuine/csca.der")).unwrap();
    assert_eq!(store.crls_for(&csca).len(), 1);

    // the master list comes back untouched and verifies against its pinned anchor
    assert_eq!(lists, vec![vector("synthetic/masterlist/masterlist.ml")]);
    let anchor = Cert::parse(&vector("synthetic/masterlist/anchor.der")).unwrap();
    let report = store
        .add_master_list(
            &lists[0],
            &[anchor],
            UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap(),
            &Verifier::new(),
            "icao.ldif#ml",
        )
        .unwrap();
    assert!(report.valid);
    assert!(store.cscas().len() > 6);
}

#[test]
fn o_dsc_is_never_an_anchor_and_a_dsc_under_o_csca_is_not_trusted() {
    // Behaviour change (issue 15): a CSCA filed under o=dsc is no longer trusted (it is
    // kept as an untrusted DSC), and a DSC filed under o=csca is still not trusted.
    let ldif = format!(
        "{}{}",
        entry(
            &format!("cn=x,o=dsc,c=KR,{SUFFIX}"),
            &CERT_CLASSES,
            "userCertificate;binary",
            &vector("real/csca-kor/KOR_KR_a3.cer"),
        ),
        entry(
            &format!("cn=y,o=csca,c=FR,{SUFFIX}"),
            &CERT_CLASSES,
            "userCertificate;binary",
            &vector("real/sod/FR/DSC.cer"),
        ),
    );
    let mut store = TrustStore::new();
    let (import, _) =
        pkd_ldif::load_into(&mut store, ldif.as_bytes(), "x", &Verifier::new()).unwrap();
    assert_eq!((import.cscas, import.dscs), (0, 2));
    assert!(store.cscas().is_empty());
    assert_eq!(store.dscs().len(), 2);
}

#[test]
fn crlf_input() {
    let ldif = download("").replace('\n', "\r\n");
    let mut store = TrustStore::new();
    let (import, lists) =
        pkd_ldif::load_into(&mut store, ldif.as_bytes(), "crlf", &Verifier::new()).unwrap();
    assert_eq!(
        (import.cscas, import.dscs, import.crls, import.master_lists),
        (5, 1, 1, 1)
    );
    assert_eq!(import.links.len(), 1);
    assert_eq!(store.cscas().len(), 5);
    assert_eq!(lists, vec![vector("synthetic/masterlist/masterlist.ml")]);
}

#[test]
fn garbage_certificate_is_rejected_and_the_rest_loads() {
    let mut garbage = vector("real/csca-kor/KOR_KR_101.cer");
    garbage.truncate(garbage.len() / 2);
    let bad_dn = format!("cn=broken,o=csca,c=XX,{SUFFIX}");
    let ldif = download(&entry(
        &bad_dn,
        &CERT_CLASSES,
        "userCertificate;binary",
        &garbage,
    ));
    let mut store = TrustStore::new();
    let (import, _) =
        pkd_ldif::load_into(&mut store, ldif.as_bytes(), "x", &Verifier::new()).unwrap();
    assert_eq!(import.cscas, 5);
    assert_eq!(import.rejected.len(), 1);
    assert_eq!(import.rejected[0].0, bad_dn);
    assert!(
        import.rejected[0].1.contains("certificate"),
        "{}",
        import.rejected[0].1
    );
    assert_eq!(store.cscas().len(), 5);
}

/// The 0-based index of the first `userCertificate` line in the entry whose DN
/// contains `needle`.
fn value_index(ldif: &str, needle: &str) -> usize {
    let lines: Vec<&str> = ldif.lines().collect();
    let dn = lines
        .iter()
        .position(|l| l.starts_with("dn: ") && l.contains(needle))
        .unwrap();
    dn + lines[dn..]
        .iter()
        .position(|l| l.starts_with("userCertificate;binary:: "))
        .unwrap()
}

#[test]
fn corrupted_base64_names_its_line() {
    let ldif = download("");
    // a character outside the base64 alphabet in a continuation line of the DSC value
    let value_line = value_index(&ldif, "HSM-DS2");
    let mut lines: Vec<String> = ldif.lines().map(str::to_owned).collect();
    lines[value_line + 3].replace_range(10..11, "*");
    let broken = lines.join("\n");
    let error = pkd_ldif::parse(broken.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, LdifError::Base64 { line, attribute, .. }
            if *line == value_line + 1 && attribute == "userCertificate;binary"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("line {}:", value_line + 1)),
        "{error}"
    );
    // and load_into refuses the whole file
    let mut store = TrustStore::new();
    assert!(pkd_ldif::load_into(&mut store, broken.as_bytes(), "x", &Verifier::new()).is_err());
    assert!(store.cscas().is_empty());
}

#[test]
fn unterminated_fold_names_its_line() {
    let ldif = download("");
    let value_line = value_index(&ldif, "KR-CSCA-2");
    let mut lines: Vec<String> = ldif.lines().map(str::to_owned).collect();
    assert!(lines[value_line + 1].starts_with(' '));
    // the continuation lost its leading space
    lines[value_line + 1].remove(0);
    let error = pkd_ldif::parse(lines.join("\n").as_bytes()).unwrap_err();
    assert_eq!(
        error,
        LdifError::MissingColon {
            line: value_line + 2
        }
    );
    assert!(
        error.to_string().contains("must start with one space"),
        "{error}"
    );

    // a fold after the end of an entry continues nothing
    let orphan = format!("{ldif} AAAA\n");
    let last = orphan.lines().count();
    assert_eq!(
        pkd_ldif::parse(orphan.as_bytes()),
        Err(LdifError::OrphanContinuation { line: last })
    );
}

#[test]
fn url_values_are_refused() {
    let ldif = download(&format!(
        "dn: cn=z,o=csca,c=XX,{SUFFIX}\nuserCertificate;binary:< file:///etc/ssl/x.der\n"
    ));
    let line = ldif.lines().count();
    let error = pkd_ldif::parse(ldif.as_bytes()).unwrap_err();
    assert!(
        matches!(error, LdifError::UrlValue { line: l, .. } if l == line),
        "{error:?}"
    );
    assert!(error.to_string().contains("not supported"));
}
