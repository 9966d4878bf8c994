//! Material for trust-decision tests: a P-256 CSCA with a chosen subject, a DSC, one
//! document signed at [`Timeline::CURRENT`]'s signing time, a rolled-over CSCA key, and
//! CRLs of any number, issuer spelling, key identifier and entries.

use std::sync::Arc;

use der::Encode;
use dongpo_crypto::SigningKey;
use dongpo_icao::oid;
use dongpo_icao::passive_auth::Document;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::person::{Date, Person};
use crate::pki::{self, CertRequest, CrlRequest, Revocation, Role};
use crate::profile::Profile;
use crate::rng::SeededRng;
use crate::sod::{self, SodRequest};
use crate::time::{Instant, Timeline};
use crate::{KeyStore, TestkitError, dg, mrz};

const PROFILE: Profile = Profile::P256;

/// A CSCA, its DSC and one document.
pub struct Case {
    /// The CSCA certificate (self-signed).
    pub csca: Certificate,
    /// Its key.
    pub csca_key: Arc<SigningKey>,
    /// The DSC.
    pub dsc: Certificate,
    /// The DSC's serial number (DER INTEGER content).
    pub dsc_serial: Vec<u8>,
    /// EF.SOD and DG1 of a document signed by the DSC.
    pub document: Document,
    seed: u64,
}

fn csca_request<'a>(key: &'a SigningKey, timeline: &Timeline) -> CertRequest<'a> {
    CertRequest {
        role: Role::Csca,
        subject: "",
        issuer: "",
        subject_key: key.public_key(),
        explicit_ec_parameters: false,
        issuer_key: key,
        algorithm: PROFILE.signature_algorithm(),
        not_before: timeline.csca_not_before,
        not_after: timeline.csca_not_after,
        key_usage_end: Instant(timeline.csca_not_before.0 + 5, 1, 1, 0, 0, 0),
    }
}

impl Case {
    /// A CSCA named `csca_subject` (its DSC names it the same way), a DSC and a
    /// document of issuing state `state` (MRZ code).
    ///
    /// # Errors
    /// Key generation, encoding or signing failures.
    pub fn new(
        csca_subject: &Name,
        state: &str,
        seed: u64,
        keys: &mut KeyStore,
    ) -> Result<Self, TestkitError> {
        let timeline = Timeline::CURRENT;
        let csca_key = keys.get(seed, "trust-case/csca", PROFILE.key_spec())?;
        let dsc_key = keys.get(seed, "trust-case/dsc", PROFILE.key_spec())?;
        let rng = |role: &str| SeededRng::new(seed, &format!("trust-case/{role}"));
        let csca = pki::issue_named(
            &csca_request(&csca_key, &timeline),
            csca_subject.clone(),
            csca_subject.clone(),
            &pki::serial(&mut rng("csca-serial")),
            &mut rng("csca"),
        )?;
        let dsc_serial = pki::serial(&mut rng("dsc-serial"));
        let dsc_subject: Name = "CN=trust case DSC,O=dongpo test PKI,C=KR"
            .parse()
            .map_err(TestkitError::Der)?;
        let dsc = pki::issue_named(
            &CertRequest {
                role: Role::Dsc,
                subject: "",
                issuer: "",
                subject_key: dsc_key.public_key(),
                explicit_ec_parameters: false,
                issuer_key: &csca_key,
                algorithm: PROFILE.signature_algorithm(),
                not_before: timeline.dsc_not_before,
                not_after: timeline.dsc_not_after,
                key_usage_end: timeline.dsc_key_usage_end,
            },
            dsc_subject,
            csca_subject.clone(),
            &dsc_serial,
            &mut rng("dsc"),
        )?;
        let Instant(year, month, day, ..) = timeline.passport_expiry;
        let person = Person::generate(seed, Date { year, month, day });
        let dg1 = dg::dg1(&mrz::td3(&person, state));
        let signed = sod::build(
            &SodRequest {
                hash: PROFILE.hash(),
                data_groups: &[(1, &dg1)],
                lds_v1: false,
                dsc: &dsc,
                dsc_key: &dsc_key,
                algorithm: PROFILE.signature_algorithm(),
                signing_time: timeline.signing_time,
                content_type: oid::LDS_SECURITY_OBJECT,
                wrong_message_digest: false,
                corrupt_signature: false,
            },
            &mut rng("sod"),
        )?;
        let document = Document {
            sod: sod::wrap(&signed.content_info),
            data_groups: [(1, dg1)].into_iter().collect(),
            com: None,
            active_auth: None,
            chip_authentication: None,
        };
        Ok(Case {
            csca,
            csca_key,
            dsc,
            dsc_serial,
            document,
            seed,
        })
    }

    /// A new self-signed CSCA certificate with the same subject and a new key (key
    /// rollover), and that key. `label` tells keys apart.
    ///
    /// # Errors
    /// Key generation, encoding or signing failures.
    pub fn rolled_over(
        &self,
        label: &str,
        keys: &mut KeyStore,
    ) -> Result<(Certificate, Arc<SigningKey>), TestkitError> {
        let key = keys.get(
            self.seed,
            &format!("trust-case/{label}"),
            PROFILE.key_spec(),
        )?;
        let subject = self.csca.tbs_certificate().subject().clone();
        let rng = |role: &str| SeededRng::new(self.seed, &format!("trust-case/{label}/{role}"));
        let cert = pki::issue_named(
            &csca_request(&key, &Timeline::CURRENT),
            subject.clone(),
            subject,
            &pki::serial(&mut rng("serial")),
            &mut rng("cert"),
        )?;
        Ok((cert, key))
    }

    /// A CRL (DER) signed by `key`, naming `issuer` (the CSCA's subject when `None`),
    /// with authorityKeyIdentifier `aki`, number `number`, fresh from `this_update` for
    /// a year.
    ///
    /// # Errors
    /// Encoding or signing failures.
    pub fn crl(
        &self,
        key: &SigningKey,
        issuer: Option<&Name>,
        aki: Option<&[u8]>,
        number: u64,
        this_update: Instant,
        revoked: &[Revocation],
    ) -> Result<Vec<u8>, TestkitError> {
        let Instant(y, mo, d, h, mi, s) = this_update;
        let crl = pki::crl_with(
            &CrlRequest {
                issuer: issuer.unwrap_or_else(|| self.csca.tbs_certificate().subject()),
                authority_key_id: aki,
                key,
                algorithm: PROFILE.signature_algorithm(),
                number,
                this_update,
                next_update: Instant(y + 1, mo, d, h, mi, s),
                revoked,
            },
            &mut SeededRng::new(self.seed, &format!("trust-case/crl/{number}")),
        )?;
        Ok(crl.to_der()?)
    }

    /// The DSC revoked at `at` for `reason`.
    #[must_use]
    pub fn revoked(
        &self,
        at: Instant,
        reason: Option<x509_cert::ext::pkix::CrlReason>,
    ) -> Revocation {
        Revocation {
            serial: self.dsc_serial.clone(),
            at,
            reason,
        }
    }

    /// Writes `csca.der`, `EF_SOD.bin` and `DG1.bin` into `dir` (created if missing).
    ///
    /// # Errors
    /// Encoding or I/O failures.
    pub fn write_to(&self, dir: &std::path::Path) -> Result<(), TestkitError> {
        let mut files = std::collections::BTreeMap::new();
        files.insert("csca.der".to_string(), self.csca.to_der()?);
        files.insert("EF_SOD.bin".to_string(), self.document.sod.clone());
        if let Some(dg1) = self.document.data_groups.get(&1) {
            files.insert("DG1.bin".to_string(), dg1.clone());
        }
        crate::write_files(&files, dir)
    }
}
