#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Path building and the rules PKITS does not reach, on certificates generated
//! here: cross-certification loops, backtracking past a bad candidate, the depth
//! bound, extended key usage, iPAddress constraints and the policy-tree bound.

use std::str::FromStr;

use const_oid::AssociatedOid;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH};
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::x509::CertSigner;
use dongpo_crypto::{Curve, EcdsaEncoding, HashAlgorithm, KeySpec, SignatureAlgorithm, SigningKey};
use dongpo_pki::path::MAX_INTERMEDIATES;
use dongpo_pki::path::{PathError, PathOptions, Rule, validate_path};
use dongpo_pki::{Cert, UnixTime};
use dongpo_testpki::FixedProfile;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage, KeyUsage,
    KeyUsages, NameConstraints, PolicyMapping, PolicyMappings, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::time::{Time, Validity};

const ALG: SignatureAlgorithm = SignatureAlgorithm::Ecdsa {
    hash: HashAlgorithm::Sha256,
    encoding: EcdsaEncoding::Der,
};

fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap()
}

fn ext<T: Encode + AssociatedOid>(critical: bool, value: &T) -> Extension {
    Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

fn key_id(key: &SigningKey) -> OctetString {
    OctetString::new(
        &dongpo_crypto::HashAlgorithm::Sha256.digest(&key.public_key().to_spki_der())[..20],
    )
    .unwrap()
}

/// A party: a name and a key.
struct Party {
    name: &'static str,
    key: SigningKey,
}

fn party(name: &'static str) -> Party {
    Party {
        name,
        key: SigningKey::generate(KeySpec::Ec(Curve::P256)).unwrap(),
    }
}

fn time(text: &str) -> Time {
    let t = UnixTime::parse_rfc3339(text).unwrap();
    Time::GeneralTime(
        GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(t.0)).unwrap(),
    )
}

/// `subject` certified by `issuer`; a CA (keyCertSign, cA) unless `extra` is for a leaf.
fn certify(
    subject: &Party,
    issuer: &Party,
    ca: bool,
    not_after: &str,
    extra: Vec<Extension>,
) -> Cert {
    let mut extensions = vec![
        ext(false, &SubjectKeyIdentifier(key_id(&subject.key))),
        ext(
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(key_id(&issuer.key)),
                ..Default::default()
            },
        ),
    ];
    if ca {
        extensions.push(ext(
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        ));
        extensions.push(ext(
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        ));
    }
    extensions.extend(extra);
    let profile = FixedProfile {
        issuer: Name::from_str(issuer.name).unwrap(),
        subject: Name::from_str(subject.name).unwrap(),
        extensions,
    };
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&subject.key.public_key().to_spki_der()).unwrap();
    let validity = Validity::new(time("2025-01-01T00:00:00Z"), time(not_after));
    let serial = key_id(&subject.key);
    let signer = CertSigner::new(&issuer.key, ALG);
    let cert =
        dongpo_testpki::issue(profile, &serial.as_bytes()[..8], validity, spki, &signer).unwrap();
    Cert::parse(&cert.to_der().unwrap()).unwrap()
}

fn ca(subject: &Party, issuer: &Party) -> Cert {
    certify(subject, issuer, true, "2030-01-01T00:00:00Z", Vec::new())
}

fn leaf(subject: &Party, issuer: &Party, extra: Vec<Extension>) -> Cert {
    certify(subject, issuer, false, "2030-01-01T00:00:00Z", extra)
}

fn root(p: &Party) -> Cert {
    ca(p, p)
}

#[test]
fn cross_certified_loop_terminates_then_resolves_through_the_anchor() {
    let (r, a, b, l) = (party("CN=R"), party("CN=A"), party("CN=B"), party("CN=L"));
    let anchors = vec![root(&r)];
    let a_by_b = ca(&a, &b);
    let b_by_a = ca(&b, &a);
    let end = leaf(&l, &a, Vec::new());
    let started = std::time::Instant::now();
    let err = validate_path(
        &end,
        &[a_by_b.clone(), b_by_a.clone()],
        &anchors,
        &PathOptions::new(at()),
    )
    .unwrap_err();
    assert!(matches!(err, PathError::NoIssuer { .. }), "{err}");
    assert!(started.elapsed().as_secs() < 2);
    // B certified by the root: the loop is left by L -> A(by B) -> B(by R) -> R.
    let b_by_r = ca(&b, &r);
    let path = validate_path(
        &end,
        &[a_by_b, b_by_a, b_by_r],
        &anchors,
        &PathOptions::new(at()),
    )
    .unwrap();
    assert_eq!(path.subjects(), vec!["CN=L", "CN=A", "CN=B", "CN=R"]);
}

#[test]
fn backtracks_past_a_candidate_that_fails_validation() {
    let (r, a, l) = (party("CN=R"), party("CN=A"), party("CN=L"));
    let anchors = vec![root(&r)];
    let expired = certify(&a, &r, true, "2025-06-01T00:00:00Z", Vec::new());
    let good = ca(&a, &r);
    let end = leaf(&l, &a, Vec::new());
    let path = validate_path(
        &end,
        &[expired.clone(), good.clone()],
        &anchors,
        &PathOptions::new(at()),
    )
    .unwrap();
    assert_eq!(path.chain()[1].der, good.der);
    // Alone, the expired candidate's failure is the one reported.
    let err = validate_path(&end, &[expired], &anchors, &PathOptions::new(at())).unwrap_err();
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
fn depth_is_bounded() {
    let r = party("CN=R");
    let anchors = vec![root(&r)];
    let names: Vec<&'static str> = (0..=MAX_INTERMEDIATES)
        .map(|i| &*Box::leak(format!("CN=CA{i}").into_boxed_str()))
        .collect();
    let cas: Vec<Party> = names.iter().map(|n| party(n)).collect();
    let mut chain = vec![ca(&cas[0], &r)];
    for w in cas.windows(2) {
        chain.push(ca(&w[1], &w[0]));
    }
    let l = party("CN=L");
    // MAX_INTERMEDIATES + 1 intermediates: too deep.
    let end = leaf(&l, cas.last().unwrap(), Vec::new());
    let err = validate_path(&end, &chain, &anchors, &PathOptions::new(at())).unwrap_err();
    assert_eq!(err, PathError::TooDeep(MAX_INTERMEDIATES));
    // MAX_INTERMEDIATES intermediates: fine.
    let end = leaf(&l, &cas[MAX_INTERMEDIATES - 1], Vec::new());
    let path = validate_path(&end, &chain, &anchors, &PathOptions::new(at())).unwrap();
    assert_eq!(path.chain().len(), MAX_INTERMEDIATES + 2);
}

#[test]
fn extended_key_usage_is_required_of_the_leaf_and_restricting_intermediates() {
    let (r, a, l) = (party("CN=R"), party("CN=A"), party("CN=L"));
    let anchors = vec![root(&r)];
    let client = ext(false, &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]));
    let end = leaf(&l, &a, vec![client]);
    let mut opts = PathOptions::new(at());
    opts.required_eku = Some(ID_KP_CLIENT_AUTH);
    validate_path(&end, &[ca(&a, &r)], &anchors, &opts).unwrap();
    opts.required_eku = Some(ID_KP_SERVER_AUTH);
    let err = validate_path(&end, &[ca(&a, &r)], &anchors, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                position: 0,
                rule: Rule::ExtendedKeyUsage(_),
                ..
            }
        ),
        "{err}"
    );
    // An intermediate restricted to serverAuth cannot vouch for clientAuth.
    let server_ca = certify(
        &a,
        &r,
        true,
        "2030-01-01T00:00:00Z",
        vec![ext(false, &ExtendedKeyUsage(vec![ID_KP_SERVER_AUTH]))],
    );
    opts.required_eku = Some(ID_KP_CLIENT_AUTH);
    let err = validate_path(&end, &[server_ca], &anchors, &opts).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                position: 1,
                rule: Rule::ExtendedKeyUsage(_),
                ..
            }
        ),
        "{err}"
    );
}

fn ip(octets: &[u8]) -> GeneralName {
    GeneralName::IpAddress(OctetString::new(octets).unwrap())
}

#[test]
fn ip_address_constraints() {
    let (r, a, l) = (party("CN=R"), party("CN=A"), party("CN=L"));
    let anchors = vec![root(&r)];
    let nc = NameConstraints {
        permitted_subtrees: Some(vec![GeneralSubtree {
            base: ip(&[10, 0, 0, 0, 255, 0, 0, 0]),
            minimum: 0,
            maximum: None,
        }]),
        excluded_subtrees: Some(vec![GeneralSubtree {
            base: ip(&[10, 9, 0, 0, 255, 255, 0, 0]),
            minimum: 0,
            maximum: None,
        }]),
    };
    let a_cert = certify(&a, &r, true, "2030-01-01T00:00:00Z", vec![ext(true, &nc)]);
    let with_ip = |octets: &[u8]| leaf(&l, &a, vec![ext(false, &SubjectAltName(vec![ip(octets)]))]);
    let opts = PathOptions::new(at());
    validate_path(
        &with_ip(&[10, 1, 2, 3]),
        std::slice::from_ref(&a_cert),
        &anchors,
        &opts,
    )
    .unwrap();
    let err = validate_path(
        &with_ip(&[11, 1, 2, 3]),
        std::slice::from_ref(&a_cert),
        &anchors,
        &opts,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                rule: Rule::NameNotPermitted(_),
                ..
            }
        ),
        "{err}"
    );
    let err = validate_path(
        &with_ip(&[10, 9, 2, 3]),
        std::slice::from_ref(&a_cert),
        &anchors,
        &opts,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                rule: Rule::NameExcluded(_),
                ..
            }
        ),
        "{err}"
    );
}

/// Every CA maps each of eight policies to all eight: the RFC tree would grow by a
/// factor of eight per certificate (the OpenSSL CVE-2023-0464 shape).
#[test]
fn policy_tree_growth_is_bounded() {
    let policies: Vec<ObjectIdentifier> = (1..=8)
        .map(|i| ObjectIdentifier::new(&format!("1.3.6.1.4.1.99999.{i}")).unwrap())
        .collect();
    let cp = CertificatePolicies(
        policies
            .iter()
            .map(|p| PolicyInformation {
                policy_identifier: *p,
                policy_qualifiers: None,
            })
            .collect(),
    );
    let pm = PolicyMappings(
        policies
            .iter()
            .flat_map(|a| {
                policies.iter().map(|b| PolicyMapping {
                    issuer_domain_policy: *a,
                    subject_domain_policy: *b,
                })
            })
            .collect(),
    );
    let r = party("CN=R");
    let names = ["CN=P1", "CN=P2", "CN=P3", "CN=P4", "CN=P5"];
    let cas: Vec<Party> = names.iter().map(|n| party(n)).collect();
    let mut chain = Vec::new();
    let mut issuer = &r;
    for c in &cas {
        chain.push(certify(
            c,
            issuer,
            true,
            "2030-01-01T00:00:00Z",
            vec![ext(false, &cp), ext(true, &pm)],
        ));
        issuer = c;
    }
    let end = leaf(&party("CN=L"), issuer, vec![ext(false, &cp)]);
    let started = std::time::Instant::now();
    let err = validate_path(&end, &chain, &[root(&r)], &PathOptions::new(at())).unwrap_err();
    assert!(
        matches!(
            err,
            PathError::Certificate {
                rule: Rule::PolicyTreeTooLarge(_),
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
