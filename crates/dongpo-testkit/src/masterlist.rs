//! A CSCA master list (9303-12 §9): every profile's CSCA, a rolled-over CSCA with its
//! link certificate, and one deliberately broken entry, signed by a master-list signer
//! (EKU 2.23.136.1.1.3) that chains to the rsapss3072 CSCA, the list's pinned anchor.

use std::collections::BTreeMap;

use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Sequence};
use dongpo_crypto::HashAlgorithm;
use serde::Serialize;
use x509_cert::Certificate;

use crate::passport::{csca_certificate, names};
use crate::pki::{self, CertRequest, Role};
use crate::rng::SeededRng;
use crate::signed_data::{self, SignedDataRequest};
use crate::time::{Instant, Timeline};
use crate::{KeyStore, Profile, TestkitError};

/// The profile whose CSCA issues the master-list signer (the anchor to pin).
pub const ANCHOR_PROFILE: Profile = Profile::RsaPss3072;

/// `CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF Certificate }`.
#[derive(Sequence)]
struct CscaMasterList {
    version: u8,
    cert_list: SetOfVec<Any>,
}

/// A generated master list and the certificates around it.
#[derive(Clone, Debug)]
pub struct MasterList {
    /// `masterlist.ml` (CMS ContentInfo, DER), `anchor.der`, `ml_signer.der`,
    /// `csca_new.der`, `link.der`, `manifest.json`.
    pub files: BTreeMap<String, Vec<u8>>,
}

#[derive(Serialize)]
struct Manifest {
    generator: String,
    command: String,
    seed: u64,
    verify_at: String,
    certificates: usize,
    countries: usize,
    anchor: String,
    expected_valid: bool,
    rejected: Vec<Rejected>,
}

#[derive(Serialize)]
struct Rejected {
    index: usize,
    subject: String,
    reason: String,
}

/// Generates the master list of `seed`.
///
/// # Errors
/// Key generation, encoding or signing failures.
pub fn generate(seed: u64, keys: &mut KeyStore) -> Result<MasterList, TestkitError> {
    let timeline = Timeline::CURRENT;
    let mut entries: Vec<Certificate> = Vec::new();
    for profile in Profile::ALL {
        entries.push(csca_certificate(profile, seed, &timeline, keys)?.0);
    }
    let (anchor, anchor_key) = csca_certificate(ANCHOR_PROFILE, seed, &timeline, keys)?;
    let (anchor_name, _) = names(ANCHOR_PROFILE);
    let algorithm = ANCHOR_PROFILE.signature_algorithm();
    let spec = ANCHOR_PROFILE.key_spec();
    let rng = |label: &str| SeededRng::new(seed, &format!("masterlist/{label}"));

    // CSCA key rollover: the new CSCA self-signed, and the link certificate by which the
    // old key vouches for the new one.
    let new_key = keys.get(seed, "masterlist/csca-new", spec)?;
    let new_name =
        format!("CN=dongpo Test CSCA 2,OU=testkit {ANCHOR_PROFILE},O=dongpo test PKI,C=KR");
    let self_signed = CertRequest {
        role: Role::Csca,
        subject: &new_name,
        issuer: &new_name,
        subject_key: new_key.public_key(),
        explicit_ec_parameters: false,
        issuer_key: &new_key,
        algorithm,
        not_before: Instant(2026, 1, 1, 0, 0, 0),
        not_after: Instant(2041, 1, 1, 0, 0, 0),
        key_usage_end: Instant(2031, 1, 1, 0, 0, 0),
    };
    let new_csca = pki::issue(
        &self_signed,
        &pki::serial(&mut rng("new-serial")),
        &mut rng("new-cert"),
    )?;
    let link_request = CertRequest {
        role: Role::Link,
        issuer: &anchor_name,
        issuer_key: &anchor_key,
        ..self_signed
    };
    let link = pki::issue(
        &link_request,
        &pki::serial(&mut rng("link-serial")),
        &mut rng("link-cert"),
    )?;
    entries.push(new_csca.clone());
    entries.push(link.clone());

    // One entry whose signature is broken: it alone must be rejected.
    let mut broken_der = entries
        .first()
        .map(Encode::to_der)
        .transpose()?
        .unwrap_or_default();
    if let Some(last) = broken_der.last_mut() {
        *last ^= 0x01;
    }
    let broken = Certificate::from_der(&broken_der)?;
    entries.push(broken);

    let signer_key = keys.get(seed, "masterlist/signer", spec)?;
    let signer = pki::issue(
        &CertRequest {
            role: Role::MasterListSigner,
            subject: &format!(
                "CN=dongpo Test Master List Signer,OU=testkit {ANCHOR_PROFILE},O=dongpo test PKI,C=KR"
            ),
            issuer: &anchor_name,
            subject_key: signer_key.public_key(),
            explicit_ec_parameters: false,
            issuer_key: &anchor_key,
            algorithm,
            not_before: Instant(2025, 6, 1, 0, 0, 0),
            not_after: Instant(2030, 6, 1, 0, 0, 0),
            key_usage_end: Instant(2026, 6, 1, 0, 0, 0),
        },
        &pki::serial(&mut rng("signer-serial")),
        &mut rng("signer-cert"),
    )?;

    let mut cert_list = SetOfVec::new();
    for cert in &entries {
        cert_list.insert(Any::from_der(&cert.to_der()?)?)?;
    }
    let content = CscaMasterList {
        version: 0,
        cert_list,
    }
    .to_der()?;
    let signed = signed_data::sign(
        &SignedDataRequest {
            content_type: dongpo_icao::oid::CSCA_MASTER_LIST,
            content: &content,
            hash: HashAlgorithm::Sha256,
            signer: &signer,
            key: &signer_key,
            algorithm,
            certificates: &[&signer, &anchor],
            signing_time: Instant(2026, 1, 15, 12, 0, 0),
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        &mut rng("cms"),
    )?;

    // Where the broken entry landed after DER SET OF sorting.
    let sorted = CscaMasterList::from_der(&content)?.cert_list;
    let broken_index = sorted
        .iter()
        .position(|c| c.to_der().ok() == Some(broken_der.clone()))
        .unwrap_or_default();
    let manifest = Manifest {
        generator: format!("dongpo-testkit {}", env!("CARGO_PKG_VERSION")),
        command: format!("dongpo testkit masterlist --seed {seed} --out DIR"),
        seed,
        verify_at: timeline.verify_at.rfc3339(),
        certificates: entries.len(),
        countries: 1,
        anchor: "anchor.der".into(),
        expected_valid: true,
        rejected: vec![Rejected {
            index: broken_index,
            subject: names(Profile::ALL[0]).0,
            reason: "signature does not verify (one bit flipped)".into(),
        }],
    };
    let mut files = BTreeMap::new();
    files.insert("masterlist.ml".to_string(), signed.content_info);
    files.insert("anchor.der".to_string(), anchor.to_der()?);
    files.insert("ml_signer.der".to_string(), signer.to_der()?);
    files.insert("csca_new.der".to_string(), new_csca.to_der()?);
    files.insert("link.der".to_string(), link.to_der()?);
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    files.insert("manifest.json".to_string(), json);
    Ok(MasterList { files })
}

/// A master list over `entries`, signed by `signer` with `key` (SHA-256), embedding
/// `signer` (the DER CMS ContentInfo, unwrapped).
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn sign_entries(
    entries: &[Certificate],
    signer: &Certificate,
    key: &dongpo_crypto::SigningKey,
    algorithm: dongpo_crypto::SignatureAlgorithm,
    rng: &mut SeededRng,
) -> Result<Vec<u8>, TestkitError> {
    let mut cert_list = SetOfVec::new();
    for cert in entries {
        cert_list.insert(Any::from_der(&cert.to_der()?)?)?;
    }
    let content = CscaMasterList {
        version: 0,
        cert_list,
    }
    .to_der()?;
    Ok(signed_data::sign(
        &SignedDataRequest {
            content_type: dongpo_icao::oid::CSCA_MASTER_LIST,
            content: &content,
            hash: HashAlgorithm::Sha256,
            signer,
            key,
            algorithm,
            certificates: &[signer],
            signing_time: Timeline::CURRENT.signing_time,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        rng,
    )?
    .content_info)
}
