#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! NIST PKITS (test-vectors/pkits) against `validate_path`: every test of every
//! supported section must reach PKITS's verdict and, when the path is valid, its
//! user-constrained-policy-set. The per-section table in the vectors' README.md is
//! checked against what this file runs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::ANY_POLICY;
use dongpo_crypto::Verifier;
use dongpo_pki::path::{PathError, PathOptions, Rule, validate_path};
use dongpo_pki::{Cert, UnixTime};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/pkits")
}

/// 2011-04-15: PKITS 2011 certificates are valid 2010-2030 except the ones that
/// test validity periods.
fn at() -> UnixTime {
    UnixTime::parse_rfc3339("2011-04-15T00:00:00Z").unwrap()
}

struct Case {
    id: String,
    title: String,
    valid: bool,
    initial: Vec<ObjectIdentifier>,
    flags: String,
    user: Vec<ObjectIdentifier>,
    ee: String,
    intermediates: Vec<String>,
}

impl Case {
    fn section(&self) -> String {
        self.id.split('.').take(2).collect::<Vec<_>>().join(".")
    }
}

fn policy(name: &str) -> ObjectIdentifier {
    match name {
        "any" => ANY_POLICY,
        n => {
            let k = n.strip_prefix("NIST").expect(n);
            ObjectIdentifier::new(&format!("2.16.840.1.101.3.2.1.48.{k}")).unwrap()
        }
    }
}

fn policies(field: &str) -> Vec<ObjectIdentifier> {
    let mut out: Vec<_> = match field {
        "-" => Vec::new(),
        f => f.split(',').map(policy).collect(),
    };
    out.sort();
    out
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("tests.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 9, "{l}");
            Case {
                id: f[0].into(),
                title: f[1].into(),
                valid: f[2] == "valid",
                initial: policies(f[3]),
                flags: f[4].into(),
                user: policies(f[5]),
                ee: f[6].into(),
                intermediates: match f[7] {
                    "-" => Vec::new(),
                    s => s.split(' ').map(String::from).collect(),
                },
            }
        })
        .collect()
}

/// Why a test is not run here, if it is not.
fn not_covered(case: &Case) -> Option<&'static str> {
    // dongpo-pki leaves the revocation question to a checker; dongpo-revocation's
    // answers it from CRLs, and cannot be a dependency here.
    const CLI: &str =
        "decided by CRLs: run by dongpo-cli/tests/path.rs (dongpo_revocation::CrlChecker)";
    if ["4.4", "4.14", "4.15"].contains(&case.section().as_str()) {
        return Some(CLI);
    }
    match case.id.as_str() {
        "4.1.4" | "4.1.5" | "4.1.6" => Some("DSA: not supported by dongpo-crypto"),
        "4.2.3" => Some(
            "notBefore 1950: the der crate's UTCTime starts at 1970, so the leaf does not parse",
        ),
        // Invalid only because a CRL revokes the leaf or cannot be trusted.
        "4.5.2" | "4.5.5" | "4.5.7" | "4.7.4" | "4.7.5" => Some(CLI),
        _ => None,
    }
}

fn cert(name: &str) -> Cert {
    let bytes = std::fs::read(dir().join("certs").join(format!("{name}.crt"))).unwrap();
    Cert::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn options(case: &Case) -> PathOptions<'static> {
    let mut o = PathOptions::new(at());
    o.initial_policy_set = case.initial.clone();
    o.explicit_policy = case.flags.contains("explicit");
    o.inhibit_policy_mapping = case.flags.contains("inhibit-mapping");
    o.inhibit_any_policy = case.flags.contains("inhibit-any");
    o
}

/// Runs `case` with `intermediates`; `Err` describes a disagreement with PKITS.
fn run(
    case: &Case,
    intermediates: &[Cert],
    anchors: &[Cert],
    verifier: &Verifier,
) -> Result<(), String> {
    let leaf = cert(&case.ee);
    let opts = options(case).with_verifier(verifier);
    match (
        validate_path(&leaf, intermediates, anchors, &opts),
        case.valid,
    ) {
        (Ok(path), true) if path.policies() == case.user => Ok(()),
        (Ok(path), true) => Err(format!(
            "{} {}: policies {:?}, PKITS expects {:?}",
            case.id,
            case.title,
            path.policies(),
            case.user
        )),
        (Ok(path), false) => Err(format!(
            "{} {}: accepted {:?}, PKITS expects rejection",
            case.id,
            case.title,
            path.subjects()
        )),
        (Err(e), true) => Err(format!("{} {}: rejected: {e}", case.id, case.title)),
        (Err(e), false) if expected_kinds(case).contains(&kind(&e)) => Ok(()),
        (Err(e), false) => Err(format!(
            "{} {}: rejected for the wrong reason: {e}",
            case.id, case.title
        )),
    }
}

/// The rule an invalid path is rejected under, by name.
fn kind(e: &PathError) -> &'static str {
    match e {
        PathError::NoIssuer { .. } => "NoIssuer",
        PathError::Certificate { rule, .. } => match rule {
            Rule::Signature { .. } => "Signature",
            Rule::NotYetValid { .. } | Rule::Expired { .. } => "Validity",
            Rule::NotCa => "NotCa",
            Rule::PathLength => "PathLength",
            Rule::KeyCertSign => "KeyCertSign",
            Rule::PolicyRequired => "PolicyRequired",
            Rule::AnyPolicyMapping => "AnyPolicyMapping",
            Rule::NameNotPermitted(_) | Rule::NameExcluded(_) => "NameConstraints",
            Rule::UnknownCriticalExtension(_) => "UnknownCriticalExtension",
            _ => "other",
        },
        _ => "other",
    }
}

/// What PKITS says each invalid test is about.
fn expected_kinds(case: &Case) -> &'static [&'static str] {
    match case.section().as_str() {
        "4.1" => &["Signature"],
        "4.2" => &["Validity"],
        "4.3" => &["NoIssuer"],
        "4.5" => &["NotCa", "KeyCertSign"],
        "4.6" => &["NotCa", "PathLength"],
        "4.7" => &["KeyCertSign"],
        "4.8" | "4.9" | "4.11" | "4.12" => &["PolicyRequired"],
        "4.10" => &["PolicyRequired", "AnyPolicyMapping"],
        "4.13" => &["NameConstraints"],
        "4.16" => &["UnknownCriticalExtension"],
        _ => &[],
    }
}

#[derive(Default)]
struct Tally {
    tests: usize,
    passed: usize,
    not_covered: BTreeMap<&'static str, usize>,
}

fn section_order(s: &str) -> u32 {
    s.rsplit('.').next().unwrap().parse().unwrap()
}

/// The README table for `tally`.
fn table(tally: &BTreeMap<String, Tally>) -> String {
    let mut rows: Vec<_> = tally.iter().collect();
    rows.sort_by_key(|(s, _)| section_order(s));
    let mut out = String::from(
        "| section | tests | passed here | run elsewhere or not run | why |\n|---|---:|---:|---:|---|\n",
    );
    for (section, t) in rows {
        let skipped: usize = t.not_covered.values().sum();
        let why: Vec<String> = t
            .not_covered
            .iter()
            .map(|(why, n)| format!("{n}: {why}"))
            .collect();
        out.push_str(&format!(
            "| {section} | {} | {} | {skipped} | {} |\n",
            t.tests,
            t.passed,
            why.join("; ")
        ));
    }
    out
}

#[test]
fn pkits_verdicts_and_policy_sets() {
    let anchors = vec![cert("TrustAnchorRootCertificate")];
    let verifier = Verifier::new();
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for case in cases() {
        let t = tally.entry(case.section()).or_default();
        t.tests += 1;
        if let Some(why) = not_covered(&case) {
            *t.not_covered.entry(why).or_default() += 1;
            continue;
        }
        let intermediates: Vec<Cert> = case.intermediates.iter().map(|n| cert(n)).collect();
        match run(&case, &intermediates, &anchors, &verifier) {
            Ok(()) => t.passed += 1,
            Err(e) => failures.push(e),
        }
    }
    let table = table(&tally);
    println!("{table}\n{:?} for the run", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let readme = std::fs::read_to_string(dir().join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "test-vectors/pkits/README.md is out of date; its table should read:\n{table}"
    );
}

/// The builder must not depend on the order intermediates come in, nor be misled
/// by every other PKITS certificate in the pool: valid paths stay valid.
#[test]
fn pkits_valid_paths_survive_reordering_and_a_crowded_pool() {
    let anchors = vec![cert("TrustAnchorRootCertificate")];
    let verifier = Verifier::new();
    let mut pool: Vec<Cert> = std::fs::read_dir(dir().join("certs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("TrustAnchorRoot"))
        .filter_map(|p| Cert::parse(&std::fs::read(&p).unwrap()).ok())
        .collect();
    pool.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases() {
        if not_covered(&case).is_some() {
            continue;
        }
        let mut reversed: Vec<Cert> = case.intermediates.iter().map(|n| cert(n)).collect();
        reversed.reverse();
        if let Err(e) = run(&case, &reversed, &anchors, &verifier) {
            failures.push(format!("reversed: {e}"));
        }
        if case.valid
            && let Err(e) = run(&case, &pool, &anchors, &verifier)
        {
            failures.push(format!("whole pool: {e}"));
        }
        ran += 1;
    }
    assert!(ran > 150, "only {ran} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
