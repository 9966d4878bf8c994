//! Issue 15, "trust decisions that fail closed": signers that can waive or vouch
//! (deviation-list and master-list signers, link certificates, PKD LDIF anchors) and the
//! waivers themselves. Each test fails on the code before its fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, SigningKey, Verifier};
use dongpo_icao::Outcome;
use dongpo_icao::Policy;
use dongpo_icao::Status;
use dongpo_icao::TrustStore;
use dongpo_icao::deviation_list::{self, DeviationListError, deviation_oid};
use dongpo_icao::oid;
use dongpo_icao::passive_auth::{self, ActiveAuthResponse, Document, Options};
use dongpo_pki::{Cert, UnixTime};
use dongpo_revocation::Crl;
use dongpo_testkit::deviation_list::{Defect, Target, content, sign_list};
use dongpo_testkit::passport::{csca_certificate, names};
use dongpo_testkit::pki::{self, CertRequest, Role};
use dongpo_testkit::rng::SeededRng;
use dongpo_testkit::sod::{self, SodRequest};
use dongpo_testkit::time::{Instant, Timeline};
use dongpo_testkit::{KeyStore, Profile};
use synthetic::{at, read, vectors};
use x509_cert::Certificate;

const P256: Profile = Profile::P256;

fn key(label: &str) -> Arc<SigningKey> {
    KeyStore::default()
        .get(1, &format!("issue15/{label}"), P256.key_spec())
        .unwrap()
}

/// The p256 CSCA of the corpus with its key.
fn p256_csca() -> (Certificate, Arc<SigningKey>) {
    csca_certificate(P256, 1, &Timeline::CURRENT, &mut KeyStore::default()).unwrap()
}

fn subject(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

/// A certificate of `role` for `subject_key`, issued by (`issuer`, `issuer_key`).
#[allow(clippy::too_many_arguments)]
fn issue(
    role: Role,
    subject: &str,
    issuer: &str,
    subject_key: &SigningKey,
    issuer_key: &SigningKey,
    not_before: Instant,
    not_after: Instant,
    serial: &[u8],
) -> Certificate {
    pki::issue(
        &CertRequest {
            role,
            subject,
            issuer,
            subject_key: subject_key.public_key(),
            explicit_ec_parameters: false,
            issuer_key,
            algorithm: P256.signature_algorithm(),
            not_before,
            not_after,
            key_usage_end: not_after,
        },
        serial,
        &mut SeededRng::new(1, &format!("issue15/{subject}/{serial:?}")),
    )
    .unwrap()
}

const SIGNER_SERIAL: [u8; 2] = [0x15, 0x01];

/// A deviation-list signer issued by (`issuer`, `issuer_key`), valid 2025-2036.
fn dl_signer(issuer: &Certificate, issuer_key: &SigningKey) -> (Certificate, Arc<SigningKey>) {
    let k = key("dls");
    let cert = issue(
        Role::DeviationListSigner,
        "CN=issue15 Deviation List Signer,O=dongpo test PKI,C=KR",
        &subject(issuer),
        &k,
        issuer_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &SIGNER_SERIAL,
    );
    (cert, k)
}

fn crl(
    issuer: &Certificate,
    issuer_key: &SigningKey,
    this_update: Instant,
    next_update: Instant,
    revoked: &[Vec<u8>],
) -> Vec<u8> {
    let revoked: Vec<(Vec<u8>, Instant)> = revoked
        .iter()
        .map(|s| (s.clone(), Instant(2026, 2, 1, 0, 0, 0)))
        .collect();
    pki::crl(
        issuer,
        issuer_key,
        P256.signature_algorithm(),
        this_update,
        next_update,
        &revoked,
        &mut SeededRng::new(1, "issue15/crl"),
    )
    .unwrap()
    .to_der()
    .unwrap()
}

fn fresh_crl(issuer: &Certificate, issuer_key: &SigningKey, revoked: &[Vec<u8>]) -> Vec<u8> {
    crl(
        issuer,
        issuer_key,
        Timeline::CURRENT.crl_this_update,
        Timeline::CURRENT.crl_next_update,
        revoked,
    )
}

fn list(signer: &(Certificate, Arc<SigningKey>), deviations: &[(Target, Vec<Defect>)]) -> Vec<u8> {
    sign_list(
        &signer.0,
        &signer.1,
        P256.signature_algorithm(),
        &content(deviations).unwrap(),
        Timeline::CURRENT.signing_time,
        &mut SeededRng::new(1, "issue15/dl"),
    )
    .unwrap()
}

fn defect(kind: const_oid::ObjectIdentifier, parameter: Option<u8>) -> Defect {
    Defect {
        kind,
        parameter,
        description: None,
    }
}

/// "The SOD signatures of every DSC of this CSCA are wrong": what a forger wants.
fn waive_sod_signature(signer: &(Certificate, Arc<SigningKey>)) -> Vec<u8> {
    list(
        signer,
        &[(
            Target::AllOfCsca,
            vec![defect(deviation_oid::SOD_SIGNATURE_WRONG, None)],
        )],
    )
}

fn document(variant: &str) -> Document {
    let dir = vectors(variant);
    let mut data_groups = BTreeMap::new();
    for n in [1u8, 2, 14, 15] {
        data_groups.insert(n, std::fs::read(dir.join(format!("DG{n}.bin"))).unwrap());
    }
    Document {
        sod: std::fs::read(dir.join("EF_SOD.bin")).unwrap(),
        data_groups,
        com: Some(std::fs::read(dir.join("EF_COM.bin")).unwrap()),
        active_auth: None,
        chip_authentication: None,
    }
}

/// The p256 CSCA and its corpus CRL (fresh at `at()`, revoking nothing of interest).
fn p256_store() -> TrustStore {
    let mut trust = TrustStore::new();
    trust
        .add_csca(&read("p256/genuine/csca.der"), "csca.der")
        .unwrap();
    trust
        .add_crl(&read("p256/genuine/csca.crl"), "csca.crl")
        .unwrap();
    trust
}

fn verify(document: &Document, trust: &TrustStore, policy: Policy) -> Outcome {
    passive_auth::verify(
        document,
        trust,
        &Options {
            policy,
            ..Options::at(at())
        },
        &Verifier::new(),
    )
}

fn strict_with_revocation() -> Policy {
    let mut policy = Policy::default_policy();
    policy.require_revocation = true;
    policy
}

// --- High: deviation-list signers ----------------------------------------------------

#[test]
fn revoked_deviation_list_signer_cannot_make_a_forged_sod_valid() {
    let (csca, csca_key) = p256_csca();
    let signer = dl_signer(&csca, &csca_key);
    let bytes = waive_sod_signature(&signer);
    let revoking = fresh_crl(&csca, &csca_key, &[SIGNER_SERIAL.to_vec()]);
    let csca_cert = Cert::parse(&csca.to_der().unwrap()).unwrap();
    let crl = Crl::parse(&revoking).unwrap();
    let err =
        deviation_list::verify(&bytes, &[csca_cert], &[&crl], at(), &Verifier::new()).unwrap_err();
    assert!(
        matches!(err, DeviationListError::SignerRevoked { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("revoked"), "{err}");

    // Through the trust store, as the CLI loads it: the list is refused, and the
    // document with a broken SOD signature stays invalid even with revocation required.
    let mut trust = TrustStore::new();
    trust.add_csca(&csca.to_der().unwrap(), "csca").unwrap();
    trust.add_crl(&revoking, "revoking.crl").unwrap();
    let refused = trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "forged.dl")
        .unwrap_err();
    assert!(refused.to_string().contains("revoked"), "{refused}");
    let report = verify(
        &document("p256/bad-signature"),
        &trust,
        strict_with_revocation(),
    );
    assert!(!report.valid);
    assert_eq!(report.check("sod.signature").unwrap().status, Status::Fail);
}

#[test]
fn deviation_list_without_a_fresh_csca_crl_is_refused_and_says_why() {
    let (csca, csca_key) = p256_csca();
    let signer = dl_signer(&csca, &csca_key);
    let bytes = waive_sod_signature(&signer);
    let csca_cert = Cert::parse(&csca.to_der().unwrap()).unwrap();
    let err = deviation_list::verify(
        &bytes,
        std::slice::from_ref(&csca_cert),
        &[],
        at(),
        &Verifier::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DeviationListError::NoFreshCrl { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("no fresh CRL"), "{err}");
    // A CRL that expired before the verification time does not do either.
    let stale = Crl::parse(&crl(
        &csca,
        &csca_key,
        Instant(2025, 1, 1, 0, 0, 0),
        Instant(2025, 6, 1, 0, 0, 0),
        &[],
    ))
    .unwrap();
    let err = deviation_list::verify(&bytes, &[csca_cert], &[&stale], at(), &Verifier::new())
        .unwrap_err();
    assert!(
        matches!(err, DeviationListError::NoFreshCrl { ref problems, .. } if !problems.is_empty()),
        "{err}"
    );
    // The trust store without any CRL refuses it at load.
    let mut trust = TrustStore::new();
    trust.add_csca(&csca.to_der().unwrap(), "csca").unwrap();
    assert!(
        trust
            .add_deviation_list(&bytes, at(), &Verifier::new(), "l")
            .is_err()
    );
}

#[test]
fn deviation_list_signer_certified_by_an_expired_csca_is_refused() {
    // A CSCA of the same State that expired in 2015, whose (still valid) signer waives
    // the SOD signature of every DSC of the State: a forged passport would be VALID.
    let old_key = key("old-csca");
    let old_name = "CN=issue15 Old CSCA,O=dongpo test PKI,C=KR";
    let old = issue(
        Role::Csca,
        old_name,
        old_name,
        &old_key,
        &old_key,
        Instant(2010, 1, 1, 0, 0, 0),
        Instant(2015, 1, 1, 0, 0, 0),
        &[0x15, 0x02],
    );
    let signer = dl_signer(&old, &old_key);
    let bytes = waive_sod_signature(&signer);
    let mut trust = p256_store();
    trust.add_csca(&old.to_der().unwrap(), "old-csca").unwrap();
    trust
        .add_crl(&fresh_crl(&old, &old_key, &[]), "old.crl")
        .unwrap();
    let err = trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "old.dl")
        .unwrap_err();
    assert!(err.to_string().contains("is not valid at"), "{err}");
    let report = verify(
        &document("p256/bad-signature"),
        &trust,
        strict_with_revocation(),
    );
    assert!(!report.valid);
    assert_eq!(report.check("sod.signature").unwrap().status, Status::Fail);
}

#[test]
fn deviation_list_signer_certified_by_a_non_ca_is_refused() {
    // A trusted "CSCA" that is really an end-entity certificate cannot vouch.
    let (csca, csca_key) = p256_csca();
    let fake_key = key("not-a-ca");
    let fake = issue(
        Role::Dsc,
        "CN=issue15 Not A CA,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &fake_key,
        &csca_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &[0x15, 0x03],
    );
    let signer = dl_signer(&fake, &fake_key);
    let bytes = waive_sod_signature(&signer);
    let fake_cert = Cert::parse(&fake.to_der().unwrap()).unwrap();
    let crl = Crl::parse(&fresh_crl(&fake, &fake_key, &[])).unwrap();
    let err =
        deviation_list::verify(&bytes, &[fake_cert], &[&crl], at(), &Verifier::new()).unwrap_err();
    assert!(
        matches!(err, DeviationListError::IssuerUnusable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not a CA certificate"), "{err}");
}

// --- Medium: waivers and Active Authentication ---------------------------------------

fn p256_dsc() -> Certificate {
    Certificate::from_der(&read("p256/genuine/dsc.der")).unwrap()
}

fn p256_list(deviations: &[(Target, Vec<Defect>)]) -> Vec<u8> {
    let (csca, csca_key) = p256_csca();
    list(&dl_signer(&csca, &csca_key), deviations)
}

const CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn aa_response(pkcs8: &[u8]) -> ActiveAuthResponse {
    ActiveAuthResponse {
        challenge: CHALLENGE.to_vec(),
        signature: dongpo_testkit::active_auth::sign(pkcs8, &CHALLENGE, HashAlgorithm::Sha256)
            .unwrap(),
    }
}

#[test]
fn waived_dg15_hash_does_not_unlock_active_authentication() {
    // The attacker's own AA key in DG15 (its hash no longer matches), and a list that
    // waives dg.15.hash for this DSC.
    let attacker = key("attacker-aa");
    let mut doc = document("p256/genuine");
    doc.data_groups.insert(
        15,
        dongpo_testkit::dg::dg15(&attacker.public_key().to_spki_der()),
    );
    doc.active_auth = Some(aa_response(&attacker.to_pkcs8_der().unwrap()));
    let bytes = p256_list(&[(
        Target::IssuerSerial(Box::new(p256_dsc())),
        vec![defect(deviation_oid::DG_HASH_WRONG, Some(15))],
    )]);
    let mut trust = p256_store();
    trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "dg15.dl")
        .unwrap();
    let report = verify(&doc, &trust, Policy::default_policy());
    assert_eq!(report.check("dg.15.hash").unwrap().status, Status::Pass);
    let aa = report.check("aa.signature").unwrap();
    assert_eq!(aa.status, Status::Fail, "{}", aa.detail);
    assert!(aa.detail.contains("dg.15.hash"), "{}", aa.detail);
    assert!(!report.valid);

    // The genuine chip with the same list: AA still counts (nothing was waived).
    let mut genuine = document("p256/genuine");
    genuine.active_auth = Some(aa_response(&read("p256/genuine/aa_key.p8")));
    let report = verify(&genuine, &trust, Policy::default_policy());
    assert_eq!(
        report.check("aa.signature").unwrap().status,
        Status::Pass,
        "{report:#?}"
    );
    assert!(report.valid);
}

#[test]
fn aa_key_compromised_deviation_fails_aa_under_every_policy() {
    let bytes = p256_list(&[(
        Target::IssuerSerial(Box::new(p256_dsc())),
        vec![Defect {
            kind: deviation_oid::AA_KEY_COMPROMISED,
            parameter: None,
            description: Some("AA keys leaked".into()),
        }],
    )]);
    let mut trust = p256_store();
    trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "aa.dl")
        .unwrap();
    let mut doc = document("p256/genuine");
    doc.active_auth = Some(aa_response(&read("p256/genuine/aa_key.p8")));
    for policy in [Policy::default_policy(), Policy::strict()] {
        let name = policy.name.clone();
        let report = verify(&doc, &trust, policy);
        let aa = report.check("aa.signature").unwrap();
        assert_eq!(aa.status, Status::Fail, "{name}: {}", aa.detail);
        assert!(aa.detail.contains("AA keys leaked"), "{}", aa.detail);
        assert!(!report.valid, "{name}");
    }
    // Without an AA challenge, Passive Authentication alone is unaffected.
    doc.active_auth = None;
    let report = verify(&doc, &trust, Policy::default_policy());
    assert!(report.valid);
}

/// A document signed by a DSC whose certificate signature is broken, and that DSC.
fn document_with_broken_dsc_signature() -> (Document, Vec<u8>) {
    let (csca, csca_key) = p256_csca();
    let dsc_key = key("ds-signature-dsc");
    let (_, dsc_name) = names(P256);
    let dsc_name = dsc_name.replacen("CN=dongpo Test DSC", "CN=issue15 DSC", 1);
    let good = issue(
        Role::Dsc,
        &dsc_name,
        &subject(&csca),
        &dsc_key,
        &csca_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &[0x15, 0x04],
    );
    let mut der = good.to_der().unwrap();
    // The last byte belongs to the signature value: flip it.
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let broken = Certificate::from_der(&der).unwrap();
    let genuine = document("p256/genuine");
    let groups: Vec<(u8, &[u8])> = genuine
        .data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let signed = sod::build(
        &SodRequest {
            hash: HashAlgorithm::Sha256,
            data_groups: &groups,
            lds_v1: false,
            dsc: &broken,
            dsc_key: &dsc_key,
            algorithm: P256.signature_algorithm(),
            signing_time: Timeline::CURRENT.signing_time,
            content_type: oid::LDS_SECURITY_OBJECT,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut SeededRng::new(1, "issue15/sod"),
    )
    .unwrap();
    let doc = Document {
        sod: sod::wrap(&signed.content_info),
        ..genuine
    };
    (doc, der)
}

#[test]
fn a_listed_ds_signature_defect_can_be_accepted() {
    let (doc, dsc_der) = document_with_broken_dsc_signature();
    let trust = p256_store();
    let report = verify(&doc, &trust, strict_with_revocation());
    assert_eq!(report.failed(), vec!["dsc.chain"], "{report:#?}");

    let bytes = p256_list(&[(
        Target::Digest(HashAlgorithm::Sha256.digest(&dsc_der)),
        vec![defect(deviation_oid::DS_SIGNATURE, None)],
    )]);
    let mut trust = p256_store();
    trust
        .add_deviation_list(&bytes, at(), &Verifier::new(), "ds.dl")
        .unwrap();
    let report = verify(&doc, &trust, strict_with_revocation());
    assert!(report.valid, "{report:#?}");
    let chain = report.check("dsc.chain").unwrap();
    assert!(chain.detail.starts_with("waived by deviation list ds.dl"));
    let csca = report.check("csca.validity").unwrap();
    assert_eq!(csca.status, Status::Pass, "{}", csca.detail);
    assert_eq!(report.check("dsc.revocation").unwrap().status, Status::Pass);
}

// --- Medium: PKD LDIF anchors ---------------------------------------------------------

const SUFFIX: &str = "dc=data,dc=download,dc=pkd,dc=icao,dc=int";

fn ldif_entry(dn: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    format!(
        "dn: {dn},{SUFFIX}\nobjectClass: top\nuserCertificate;binary:: {}\n\n",
        Base64::encode_string(der)
    )
}

#[test]
fn ldif_never_makes_an_o_dsc_entry_or_a_not_self_signed_ca_an_anchor() {
    let (csca, csca_key) = p256_csca();
    // A "DSC" with keyCertSign and cA, issued by the State's CSCA, filed under o=dsc: its
    // (possibly revoked) key must not mint trusted DSCs.
    let minting_key = key("minting-dsc");
    let minting = issue(
        Role::Link,
        "CN=issue15 Minting DSC,O=dongpo test PKI,C=KR",
        &subject(&csca),
        &minting_key,
        &csca_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &[0x15, 0x05],
    );
    // A CSCA-looking certificate whose self-signature does not verify.
    let mut forged = read("p256/genuine/csca.der");
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    let ldif = format!(
        "{}{}{}",
        ldif_entry("cn=minting,o=dsc,c=KR", &minting.to_der().unwrap()),
        ldif_entry("cn=forged,o=csca,c=KR", &forged),
        ldif_entry(
            "cn=real,o=csca,c=KR",
            &read("p256/genuine/csca.der").clone()
        ),
    );
    let verifier = Verifier::new();
    let mut store = TrustStore::new();
    let (import, _) =
        dongpo_icao::pkd_ldif::load_into(&mut store, ldif.as_bytes(), "pkd", &verifier).unwrap();
    assert_eq!(import.cscas, 1, "{import:?}");
    assert_eq!(import.dscs, 1);
    assert_eq!(import.links.len(), 1, "the forged one is at most a link");
    assert_eq!(store.cscas().len(), 1);
    assert_eq!(
        store.cscas()[0].cert.sha256,
        Cert::parse(&read("p256/genuine/csca.der")).unwrap().sha256
    );
    // The forged "CSCA" is signed by no trusted key: refused as a link too.
    assert!(
        store
            .add_link_certificates(&import.links, &verifier)
            .is_err()
    );
    assert_eq!(store.cscas().len(), 1);
    // A DSC minted by the o=dsc key does not chain.
    let minted_key = key("minted");
    let minted = issue(
        Role::Dsc,
        "CN=issue15 Minted DSC,O=dongpo test PKI,C=KR",
        "CN=issue15 Minting DSC,O=dongpo test PKI,C=KR",
        &minted_key,
        &minting_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &[0x15, 0x06],
    );
    let minted = Cert::parse(&minted.to_der().unwrap()).unwrap();
    assert!(
        store
            .issuer_candidates(&minted)
            .iter()
            .all(|c| minted.verify_signed_by(&c.cert.key, &verifier).is_err())
    );
}

// --- Low-medium: link certificates after every trust source ---------------------------

fn korean(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../test-vectors/real/csca-kor/{name}"))
}

#[test]
fn a_link_from_a_csca_of_a_later_source_is_admitted() {
    use dongpo_icao::TrustSources;
    let scratch = std::env::temp_dir().join(format!("issue15-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::copy(korean("KOR_KR_12b.cer"), scratch.join("old.cer")).unwrap();
    // The old Korean CSCA comes only from a directory, the link is given as a file.
    let store = TrustSources {
        csca_dirs: vec![scratch.clone()],
        links: vec![korean("KOR_KR_1a7.cer")],
        ..TrustSources::default()
    }
    .load(at(), &Verifier::new())
    .unwrap();
    let link = Cert::parse(&std::fs::read(korean("KOR_KR_1a7.cer")).unwrap()).unwrap();
    let admitted = store
        .cscas()
        .iter()
        .find(|c| c.cert.sha256 == link.sha256)
        .expect("link admitted");
    assert!(admitted.sources[0].starts_with("link:"));
    // Without the CSCA, the link is refused and the error names it.
    let err = TrustSources {
        links: vec![korean("KOR_KR_1a7.cer")],
        ..TrustSources::default()
    }
    .load(at(), &Verifier::new())
    .unwrap_err();
    assert!(
        err.to_string().contains("no trusted CSCA signed it"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

// --- Master lists ------------------------------------------------------------------------

#[test]
fn master_list_entries_are_examined_only_under_a_valid_list() {
    let ml = read("masterlist/masterlist.ml");
    let anchor = Cert::parse(&read("masterlist/anchor.der")).unwrap();
    let verifier = Verifier::new();
    let report = dongpo_icao::masterlist::verify(&ml, &[anchor], at(), &verifier).unwrap();
    assert!(report.valid, "{:?}", report.errors);
    // The link entry is accepted through the issuer index.
    let link = Cert::parse(&read("masterlist/link.der")).unwrap();
    assert!(report.accepted.iter().any(|c| c.sha256 == link.sha256));
    assert!(!report.rejected.is_empty(), "the broken entry is rejected");

    // Pinned to another anchor: the list is not valid and its entries are not touched.
    let wrong = Cert::parse(&read("p256/genuine/csca.der")).unwrap();
    let report = dongpo_icao::masterlist::verify(&ml, &[wrong], at(), &verifier).unwrap();
    assert!(!report.valid);
    assert!(report.accepted.is_empty());
    assert!(report.rejected.is_empty());
    assert!(report.certificates > 0);
}

#[test]
fn aa_key_compromised_restricted_to_unknown_documents_still_fails_aa() {
    use dongpo_icao::deviation_list::{DeviationDocuments, DocumentFacts, DscIdentifier};
    let restricted = DeviationDocuments {
        document_type: Some("P".into()),
        dsc: DscIdentifier::AllOfCsca,
        issuing_period: Some((UnixTime(1_700_000_000), UnixTime(1_800_000_000))),
        document_numbers: Some(vec!["M01458361".into()]),
    };
    // Unknown facts: a waiver does not apply, a warning does.
    assert!(!restricted.covers(&DocumentFacts::default()));
    assert!(restricted.may_cover(&DocumentFacts::default()));
    // A known other document is ruled out.
    assert!(!restricted.may_cover(&DocumentFacts {
        document_number: Some("X1".into()),
        ..DocumentFacts::default()
    }));
}

#[test]
fn master_list_anchor_must_be_a_valid_ca_with_key_cert_sign() {
    let verifier = Verifier::new();
    let (csca, _) = p256_csca();
    let list_by = |anchor: &Certificate, anchor_key: &SigningKey| {
        let signer_key = key("mls");
        let signer = issue(
            Role::MasterListSigner,
            "CN=issue15 Master List Signer,O=dongpo test PKI,C=KR",
            &subject(anchor),
            &signer_key,
            anchor_key,
            Timeline::CURRENT.dsc_not_before,
            Timeline::CURRENT.dsc_not_after,
            &[0x15, 0x07],
        );
        dongpo_testkit::masterlist::sign_entries(
            std::slice::from_ref(&csca),
            &signer,
            &signer_key,
            P256.signature_algorithm(),
            &mut SeededRng::new(1, "issue15/ml"),
        )
        .unwrap()
    };
    // A valid anchor: the list is valid and its entry accepted.
    let anchor_key = key("ml-anchor");
    let name = "CN=issue15 ML Anchor,O=dongpo test PKI,C=KR";
    let valid = issue(
        Role::Csca,
        name,
        name,
        &anchor_key,
        &anchor_key,
        Instant(2025, 1, 1, 0, 0, 0),
        Instant(2040, 1, 1, 0, 0, 0),
        &[0x15, 0x08],
    );
    let anchor = Cert::parse(&valid.to_der().unwrap()).unwrap();
    let report =
        dongpo_icao::masterlist::verify(&list_by(&valid, &anchor_key), &[anchor], at(), &verifier)
            .unwrap();
    assert!(report.valid, "{:?}", report.errors);
    assert_eq!(report.accepted.len(), 1);
    // The same key in an anchor that expired in 2015.
    let expired = issue(
        Role::Csca,
        name,
        name,
        &anchor_key,
        &anchor_key,
        Instant(2010, 1, 1, 0, 0, 0),
        Instant(2015, 1, 1, 0, 0, 0),
        &[0x15, 0x09],
    );
    let anchor = Cert::parse(&expired.to_der().unwrap()).unwrap();
    let report = dongpo_icao::masterlist::verify(
        &list_by(&expired, &anchor_key),
        &[anchor],
        at(),
        &verifier,
    )
    .unwrap();
    assert!(!report.valid);
    assert!(
        report.errors.iter().any(|e| e.contains("is not valid at")),
        "{:?}",
        report.errors
    );
    assert!(report.accepted.is_empty());
    // The same key in an end-entity certificate.
    let (p256, p256_key) = p256_csca();
    let not_ca = issue(
        Role::Dsc,
        "CN=issue15 ML Anchor EE,O=dongpo test PKI,C=KR",
        &subject(&p256),
        &anchor_key,
        &p256_key,
        Timeline::CURRENT.dsc_not_before,
        Timeline::CURRENT.dsc_not_after,
        &[0x15, 0x0a],
    );
    let anchor = Cert::parse(&not_ca.to_der().unwrap()).unwrap();
    let report =
        dongpo_icao::masterlist::verify(&list_by(&not_ca, &anchor_key), &[anchor], at(), &verifier)
            .unwrap();
    assert!(!report.valid);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("not a CA certificate")),
        "{:?}",
        report.errors
    );
}
