#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! `validate_path`'s contract beyond PKITS verdicts: what the revocation checker is
//! asked and how its answers surface, purposes, caller-processed extensions, and
//! the errors when no path exists. Uses PKITS certificates.

use std::cell::RefCell;
use std::path::PathBuf;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ANY_POLICY, ID_KP_CLIENT_AUTH};
use dongpo_pki::path::{
    PathError, PathOptions, RevocationChecker, RevocationStatus, Rule, validate_path,
};
use dongpo_pki::{Cert, UnixTime};

fn cert(name: &str) -> Cert {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/pkits/certs")
        .join(format!("{name}.crt"));
    Cert::parse(&std::fs::read(path).unwrap()).unwrap()
}

fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2011-04-15T00:00:00Z").unwrap()
}

/// PKITS 4.1.1: Trust Anchor -> Good CA -> leaf.
fn good() -> (Cert, Vec<Cert>, Vec<Cert>) {
    (
        cert("ValidCertificatePathTest1EE"),
        vec![cert("GoodCACert")],
        vec![cert("TrustAnchorRootCertificate")],
    )
}

/// Records every question and answers from a script.
struct Scripted {
    asked: RefCell<Vec<(String, String)>>,
    answer: Box<dyn Fn(&Cert) -> RevocationStatus>,
}

impl RevocationChecker for Scripted {
    fn status(&self, cert: &Cert, issuer: &Cert, when: UnixTime) -> RevocationStatus {
        assert_eq!(when, at());
        self.asked
            .borrow_mut()
            .push((cert.subject(), issuer.subject()));
        (self.answer)(cert)
    }
}

fn scripted(answer: impl Fn(&Cert) -> RevocationStatus + 'static) -> Scripted {
    Scripted {
        asked: RefCell::new(Vec::new()),
        answer: Box::new(answer),
    }
}

#[test]
fn valid_path_lists_chain_and_policies() {
    let (leaf, inter, anchors) = good();
    let path = validate_path(&leaf, &inter, &anchors, &PathOptions::new(at())).unwrap();
    assert_eq!(
        path.subjects(),
        vec![
            "CN=Valid EE Certificate Test1,O=Test Certificates 2011,C=US",
            "CN=Good CA,O=Test Certificates 2011,C=US",
            "CN=Trust Anchor,O=Test Certificates 2011,C=US",
        ]
    );
    assert_eq!(
        path.policies(),
        [ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1")]
    );
    assert_eq!(path.anchor().unwrap().der, anchors[0].der);
}

#[test]
fn revocation_is_asked_top_down_with_each_issuer() {
    let (leaf, inter, anchors) = good();
    let checker = scripted(|_| RevocationStatus::Good);
    let opts = PathOptions::new(at()).with_revocation(&checker);
    validate_path(&leaf, &inter, &anchors, &opts).unwrap();
    let asked = checker.asked.borrow();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[0].0, inter[0].subject());
    assert_eq!(asked[0].1, anchors[0].subject());
    assert_eq!(asked[1].0, leaf.subject());
    assert_eq!(asked[1].1, inter[0].subject());
}

#[test]
fn revoked_and_unknown_statuses_name_the_certificate() {
    let (leaf, inter, anchors) = good();
    let ca = inter[0].subject();
    let checker = scripted(move |c| {
        if c.subject() == ca {
            RevocationStatus::Revoked("keyCompromise at 2010-06-01T00:00:00Z".into())
        } else {
            RevocationStatus::Good
        }
    });
    let opts = PathOptions::new(at()).with_revocation(&checker);
    let err = validate_path(&leaf, &inter, &anchors, &opts).unwrap_err();
    match &err {
        PathError::Certificate {
            position: 1,
            subject,
            rule: Rule::Revoked(why),
        } => {
            assert_eq!(*subject, inter[0].subject());
            assert!(why.contains("keyCompromise"));
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("Good CA"), "{err}");

    let unknown = scripted(|_| RevocationStatus::Unknown("no CRL".into()));
    let opts = PathOptions::new(at()).with_revocation(&unknown);
    let err = validate_path(&leaf, &inter, &anchors, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                position: 1,
                rule: Rule::RevocationUnknown(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn revocation_is_not_asked_for_paths_that_fail_anyway() {
    let leaf = cert("InvalidEESignatureTest3EE");
    let (_, inter, anchors) = good();
    let checker = scripted(|_| RevocationStatus::Good);
    let opts = PathOptions::new(at()).with_revocation(&checker);
    let err = validate_path(&leaf, &inter, &anchors, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                position: 0,
                rule: Rule::Signature { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(checker.asked.borrow().is_empty());
}

#[test]
fn required_purpose_needs_an_extended_key_usage() {
    let (leaf, inter, anchors) = good();
    let mut opts = PathOptions::new(at());
    opts.required_eku = Some(ID_KP_CLIENT_AUTH);
    let err = validate_path(&leaf, &inter, &anchors, &opts).unwrap_err();
    assert!(
        matches!(
            &err,
            PathError::Certificate {
                position: 0,
                rule: Rule::ExtendedKeyUsage(oid),
                ..
            } if oid == "1.3.6.1.5.5.7.3.2"
        ),
        "{err}"
    );
}

#[test]
fn caller_processed_critical_extensions_are_accepted() {
    let leaf = cert("InvalidUnknownCriticalCertificateExtensionTest2EE");
    let (_, inter, anchors) = good();
    let err = validate_path(&leaf, &inter, &anchors, &PathOptions::new(at())).unwrap_err();
    assert!(err.to_string().contains("2.16.840.1.101.2.1.12.2"), "{err}");
    let mut opts = PathOptions::new(at());
    opts.known_extensions = vec![ObjectIdentifier::new_unwrap("2.16.840.1.101.2.1.12.2")];
    validate_path(&leaf, &inter, &anchors, &opts).unwrap();
}

#[test]
fn time_is_an_input() {
    let (leaf, inter, anchors) = good();
    let late = UnixTime::parse_rfc3339("2031-01-01T00:00:00Z").unwrap();
    let err = validate_path(&leaf, &inter, &anchors, &PathOptions::new(late)).unwrap_err();
    // The CA is checked before the leaf: the topmost failure is reported.
    assert!(
        matches!(
            err,
            PathError::Certificate {
                position: 1,
                rule: Rule::Expired { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn missing_issuers_and_anchors_are_named() {
    let (leaf, _, anchors) = good();
    let err = validate_path(&leaf, &[], &anchors, &PathOptions::new(at())).unwrap_err();
    match err {
        PathError::NoIssuer { subject, issuer } => {
            assert_eq!(subject, leaf.subject());
            assert_eq!(issuer, "CN=Good CA,O=Test Certificates 2011,C=US");
        }
        other => panic!("{other}"),
    }
    let (leaf, inter, _) = good();
    assert_eq!(
        validate_path(&leaf, &inter, &[], &PathOptions::new(at())).unwrap_err(),
        PathError::NoAnchors
    );
}

#[test]
fn an_anchor_is_its_own_path() {
    let (_, _, anchors) = good();
    let path = validate_path(&anchors[0], &[], &anchors, &PathOptions::new(at())).unwrap();
    assert_eq!(path.chain().len(), 1);
    assert_eq!(path.policies(), [ANY_POLICY]);
}

/// Intermediates that do not belong to the path, and the leaf among them, change
/// nothing.
#[test]
fn unrelated_intermediates_are_ignored() {
    let (leaf, mut inter, anchors) = good();
    inter.insert(0, cert("BadSignedCACert"));
    inter.push(leaf.clone());
    inter.push(cert("nameConstraintsDN1CACert"));
    let path = validate_path(&leaf, &inter, &anchors, &PathOptions::new(at())).unwrap();
    assert_eq!(path.chain().len(), 3);
}
