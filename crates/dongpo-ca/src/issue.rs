//! The issuer: signs Approvals, and only Approvals, in durable batches.
//!
//! Per batch: (1) every serial is reserved in the store and every key bound to its person,
//! in one transaction, before anything is signed; (2) each certificate is built, linted
//! and signed; (3) the certificates and their audit records are committed in one durable
//! transaction; only then are they returned. A crash between (1) and (3) burns serials,
//! never returns an unrecorded certificate.

use der::{Decode, Encode};
use dongpo_crypto::SignatureAlgorithm;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::ValidityBeyondIssuer;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::name::Name;

use crate::audit::{AuditChain, AuditEntry, AuditRecord};
use crate::extensions::{key_identifier, subscriber_extensions};
use crate::lint::{Expectation, LintError, lint};
use crate::ra::Approval;
use crate::reason::RevocationReason;
use crate::store::{IssuedCert, Reservation, Store, StoreError};
use crate::subject::subscriber_name;
use crate::tbs::{BuildError, CertTemplate, prepare};
use crate::vid::SealedRandom;
use dongpo_crypto::Signer;
use dongpo_crypto::x509::CertSigner;
use dongpo_pki::Serial;

/// Issuance or revocation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// No issuing CA serves the profile.
    #[error("no issuing CA is configured for profile '{0}'")]
    NoIssuer(String),
    /// The store refused or failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The certificate could not be built or signed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The pre-issuance lint refused it.
    #[error(transparent)]
    Lint(#[from] LintError),
    /// The subject name could not be built.
    #[error(transparent)]
    Subject(#[from] crate::subject::NameError),
    /// The OS random generator failed.
    #[error(transparent)]
    Random(#[from] dongpo_pki::serial::RandomError),
    /// The KISA VID random could not be sealed to the certified key.
    #[error("sealing the VID random to the subscriber key: {0}")]
    Seal(#[from] dongpo_crypto::SealError),
    /// The issuing CA's certificate is not valid at the issuance time (expired or not
    /// yet valid), or the profile refuses a validity that would outlive it.
    #[error("issuing CA '{name}': {reason}")]
    IssuerValidity {
        /// The CA.
        name: String,
        /// What is wrong (times in RFC 3339).
        reason: String,
    },
    /// An issuing CA's certificate is unusable.
    #[error("issuing CA '{name}': {reason}")]
    IssuingCa {
        /// The CA.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// One issuing CA: its certificate, key and the profiles it issues.
pub struct IssuingCa {
    /// Short name (`toss`), used in the store and in CRL file names.
    pub name: String,
    /// The CA certificate (DER).
    pub cert_der: Vec<u8>,
    /// The CA's key.
    pub key: std::sync::Arc<dyn Signer>,
    /// The algorithm it signs with.
    pub algorithm: SignatureAlgorithm,
    /// Profiles it issues under (or, once retired, issued under).
    pub profiles: Vec<String>,
    /// Replaced by a rollover: it issues nothing, and still signs CRLs and OCSP
    /// responses for the certificates it issued.
    pub retired: bool,
    subject: Name,
    key_id: Vec<u8>,
    not_before: UnixTime,
    not_after: UnixTime,
}

impl IssuingCa {
    /// Wraps a CA certificate and its key.
    ///
    /// # Errors
    /// [`IssueError::IssuingCa`] when the certificate does not parse or does not match the key.
    pub fn new(
        name: &str,
        cert_der: Vec<u8>,
        key: std::sync::Arc<dyn Signer>,
        algorithm: SignatureAlgorithm,
        profiles: Vec<String>,
    ) -> Result<Self, IssueError> {
        let bad = |reason: String| IssueError::IssuingCa {
            name: name.to_owned(),
            reason,
        };
        let cert = Certificate::from_der(&cert_der).map_err(|e| bad(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let spki_der = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        if spki_der != key.public_key().to_spki_der() {
            return Err(bad("the certificate's public key is not the key's".into()));
        }
        let spki_ref =
            spki::SubjectPublicKeyInfoRef::from_der(&spki_der).map_err(|e| bad(e.to_string()))?;
        let validity = tbs.validity();
        let not_before = UnixTime(validity.not_before.to_unix_duration().as_secs());
        let not_after = UnixTime(validity.not_after.to_unix_duration().as_secs());
        if not_after.0 < not_before.0 {
            return Err(bad(
                "the certificate's notAfter is before its notBefore".into()
            ));
        }
        Ok(IssuingCa {
            not_before,
            not_after,
            name: name.to_owned(),
            subject: tbs.subject().clone(),
            key_id: key_identifier(&spki_ref),
            cert_der,
            key,
            algorithm,
            profiles,
            retired: false,
        })
    }

    /// The CA's subject name.
    #[must_use]
    pub fn subject(&self) -> &Name {
        &self.subject
    }

    /// notBefore of the CA's certificate.
    #[must_use]
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }

    /// notAfter of the CA's certificate.
    #[must_use]
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }

    /// The notAfter of a certificate issued under `profile` at `now`: the profile's
    /// validity, capped at the CA's notAfter or refused beyond it as the profile's
    /// `validity_beyond_issuer` says.
    ///
    /// # Errors
    /// [`IssueError::IssuerValidity`] when the CA is not valid at `now` (expired or not
    /// yet valid), or the validity would outlive it and the profile refuses that.
    pub fn subscriber_not_after(
        &self,
        profile: &dongpo_profiles::Profile,
        now: UnixTime,
    ) -> Result<UnixTime, IssueError> {
        let refuse = |reason: String| IssueError::IssuerValidity {
            name: self.name.clone(),
            reason,
        };
        if now.0 < self.not_before.0 {
            return Err(refuse(format!(
                "not valid before {}: nothing is issued before it",
                self.not_before.rfc3339()
            )));
        }
        if now.0 > self.not_after.0 {
            return Err(refuse(format!(
                "expired at {}: it issues nothing after its notAfter",
                self.not_after.rfc3339()
            )));
        }
        let wanted = UnixTime(
            now.0
                .saturating_add(u64::from(profile.validity_days) * 86_400)
                .saturating_sub(1),
        );
        if wanted.0 <= self.not_after.0 {
            return Ok(wanted);
        }
        match profile.validity_beyond_issuer {
            ValidityBeyondIssuer::Cap => Ok(self.not_after),
            ValidityBeyondIssuer::Refuse => Err(refuse(format!(
                "profile '{}' gives {} days, past the CA's notAfter {} (validity_beyond_issuer = \"refuse\")",
                profile.name,
                profile.validity_days,
                self.not_after.rfc3339()
            ))),
        }
    }
}

/// A certificate that is in the store and may be handed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// Serial.
    pub serial: Serial,
    /// DER.
    pub der: Vec<u8>,
    /// The issuing CA's name.
    pub issuer: String,
    /// The profile.
    pub profile: String,
    /// The KISA VID random `R` sealed to the certified key, for a certificate carrying a
    /// VID: stored with the certificate, for the subscriber alone to open.
    pub vid_random: Option<SealedRandom>,
}

/// Signs Approvals and records everything.
pub struct Issuer {
    cas: Vec<IssuingCa>,
    store: Box<dyn Store>,
    audit: AuditChain,
    crl_partitions: u32,
    write_failure: Option<String>,
    /// This process's claim on its audit node id, checked before every audited write.
    claim: Option<crate::store::claim::NodeClaim>,
}

/// The CRL partition of a serial: its last octet modulo the partition count, so a
/// certificate's CRL is known from its serial alone.
#[must_use]
pub fn partition_of(serial: &Serial, partitions: u32) -> u32 {
    // One rule for issuance and CRLs: the CRL builder refuses entries of other partitions.
    dongpo_revocation::partition_of(serial.as_bytes(), partitions.max(1))
}

impl Issuer {
    /// An issuer over `cas`, recording into `store` with `audit`.
    #[must_use]
    pub fn new(
        cas: Vec<IssuingCa>,
        store: Box<dyn Store>,
        audit: AuditChain,
        crl_partitions: u32,
    ) -> Self {
        Issuer {
            cas,
            store,
            audit,
            crl_partitions: crl_partitions.max(1),
            write_failure: None,
            claim: None,
        }
    }

    /// CRL partitions per issuing CA.
    #[must_use]
    pub fn crl_partitions(&self) -> u32 {
        self.crl_partitions
    }

    /// The next CRL number of `(ca, scope)`, at least `floor`, recorded with its audit
    /// entry, and the CA's revoked certificates read after it in the same transaction
    /// ([`crate::store::Store::crl_snapshot`]).
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn crl_snapshot(
        &mut self,
        ca: &str,
        scope: &str,
        floor: u64,
        entry: AuditEntry,
    ) -> Result<crate::store::CrlSnapshot, IssueError> {
        let (ca, scope) = (ca.to_owned(), scope.to_owned());
        self.with_audit(entry, |store, record| {
            store.crl_snapshot(&ca, &scope, floor, record)
        })
    }

    /// Adds an issuing CA (one just installed), serving its profiles from now on.
    pub fn add_ca(&mut self, ca: IssuingCa) {
        self.cas.push(ca);
    }

    /// The issuing CAs.
    #[must_use]
    pub fn cas(&self) -> &[IssuingCa] {
        &self.cas
    }

    /// The store (read access for callers and tests).
    pub fn store(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }

    /// The issuing CA serving `profile` (never a retired one).
    #[must_use]
    pub fn ca_for(&self, profile: &str) -> Option<&IssuingCa> {
        self.cas
            .iter()
            .find(|ca| !ca.retired && ca.profiles.iter().any(|p| p == profile))
    }

    /// Retires the issuing CA `name`: it issues nothing more.
    pub fn retire(&mut self, name: &str) {
        for ca in &mut self.cas {
            if ca.name == name {
                ca.retired = true;
            }
        }
    }

    /// Records the revocation of a CA certificate by its issuer (the root), with its
    /// audit `entry`.
    ///
    /// # Errors
    /// [`IssueError::Store`], with `AlreadyRevoked` when it is revoked already.
    pub fn revoke_ca(
        &mut self,
        revocation: &crate::store::CaRevocation<'_>,
        entry: AuditEntry,
    ) -> Result<(), IssueError> {
        self.with_audit(entry, |store, record| store.revoke_ca(revocation, record))
    }

    /// Retires every issuing CA of `profile` but `keep`: they issue nothing more.
    pub fn retire_others(&mut self, profile: &str, keep: &str) {
        for ca in &mut self.cas {
            if ca.name != keep && ca.profiles.iter().any(|p| p == profile) {
                ca.retired = true;
            }
        }
    }

    /// Appends standalone audit records (CA start, registry import, ...).
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>, IssueError> {
        self.audited(entries, |store, records| store.append_audit(records))
            .map(|((), records)| records)
    }

    /// Holds `claim` (this process's claim on its audit node id) and checks it before
    /// every audited write.
    #[must_use]
    pub fn with_claim(mut self, claim: Option<crate::store::claim::NodeClaim>) -> Self {
        self.claim = claim;
        self
    }

    /// Whether the node claim still holds (claimed again if it was lost and is free).
    ///
    /// # Errors
    /// [`IssueError::Store`] saying why the claim is lost.
    pub fn check_claim(&mut self) -> Result<(), IssueError> {
        if let Some(claim) = &mut self.claim {
            claim.check().map_err(|e| {
                IssueError::Store(StoreError::Backend(format!(
                    "audit node {}: {e}",
                    claim.node()
                )))
            })?;
        }
        Ok(())
    }

    /// Why the last audited write failed on an audit-sequence conflict even after
    /// re-reading the chain (`None` once a write succeeds).
    #[must_use]
    pub fn write_failure(&self) -> Option<&str> {
        self.write_failure.as_deref()
    }

    /// Drafts the audit records of `entries` and runs the store write `f` with them,
    /// advancing the chain on success only. When another writer took the drafted position
    /// ([`StoreError::AuditSeqTaken`]), the chain's tail is re-read from the store and the
    /// write is retried once, so one conflict never wedges this writer.
    fn audited<T>(
        &mut self,
        entries: &[AuditEntry],
        mut f: impl FnMut(&mut dyn Store, &[AuditRecord]) -> Result<T, StoreError>,
    ) -> Result<(T, Vec<AuditRecord>), IssueError> {
        // A process that lost its node claim (a dropped PostgreSQL connection, a removed
        // lock file) while another took the id must not write into that node's chain.
        self.check_claim()?;
        let mut retried = false;
        loop {
            let records = self.audit.draft(entries);
            match f(self.store.as_mut(), &records) {
                Ok(out) => {
                    self.audit.confirm(&records);
                    self.write_failure = None;
                    return Ok((out, records));
                }
                Err(StoreError::AuditSeqTaken { node, .. }) if !retried => {
                    retried = true;
                    let tail = self.store.audit_tail(&node)?;
                    self.audit.resync(tail.as_ref());
                }
                Err(e) => {
                    if let StoreError::AuditSeqTaken { node, seq } = &e {
                        self.write_failure = Some(format!(
                            "audit position {node}/{seq} taken twice by another writer with this node id"
                        ));
                        // The next write starts from the store's tail again.
                        if let Ok(tail) = self.store.audit_tail(node) {
                            self.audit.resync(tail.as_ref());
                        }
                    }
                    return Err(e.into());
                }
            }
        }
    }

    /// Drafts one audit record (for store calls that take one), advancing on success only.
    fn with_audit<T>(
        &mut self,
        entry: AuditEntry,
        mut f: impl FnMut(&mut dyn Store, &AuditRecord) -> Result<T, StoreError>,
    ) -> Result<T, IssueError> {
        self.audited(std::slice::from_ref(&entry), |store, records| {
            let record = records
                .first()
                .ok_or(StoreError::Backend("empty audit draft".into()))?;
            f(store, record)
        })
        .map(|(out, _)| out)
    }

    /// Issues one certificate.
    ///
    /// # Errors
    /// [`IssueError`] saying what refused it.
    pub fn issue(&mut self, approval: &Approval, now: UnixTime) -> Result<Issued, IssueError> {
        self.issue_batch(std::slice::from_ref(approval), now)
            .pop()
            .unwrap_or(Err(IssueError::Store(StoreError::Backend(
                "empty batch".into(),
            ))))
    }

    /// Issues a batch: one reservation transaction, one durable commit. The result for
    /// each Approval is in input order.
    pub fn issue_batch(
        &mut self,
        approvals: &[Approval],
        now: UnixTime,
    ) -> Vec<Result<Issued, IssueError>> {
        let mut results: Vec<Result<Serial, IssueError>> = Vec::with_capacity(approvals.len());
        let mut reservations = Vec::with_capacity(approvals.len());
        for approval in approvals {
            let prepared = self
                .ca_for(&approval.profile().name)
                .ok_or_else(|| IssueError::NoIssuer(approval.profile().name.clone()))
                .and_then(|ca| {
                    // Everything that can refuse without the store is checked before the
                    // serial is reserved, so a refusal never burns one.
                    ca.subscriber_not_after(approval.profile(), now)?;
                    subscriber_name(approval.profile(), approval.subject())?;
                    let serial = Serial::random()?;
                    reservations.push(Reservation {
                        serial: serial.as_bytes().to_vec(),
                        issuer: ca.name.clone(),
                        person: approval.person().to_owned(),
                        spki_sha256: *approval.spki_sha256(),
                        at: now,
                    });
                    Ok(serial)
                });
            results.push(prepared);
        }
        self.reserve_isolating(&reservations, &mut results);

        let mut issued: Vec<(usize, IssuedCert, Serial)> = Vec::new();
        let mut out: Vec<Option<Result<Issued, IssueError>>> =
            (0..approvals.len()).map(|_| None).collect();
        for (index, result) in results.into_iter().enumerate() {
            let signed = result.and_then(|serial| {
                let approval = approvals
                    .get(index)
                    .ok_or(IssueError::NoIssuer(String::new()))?;
                self.sign_one(approval, &serial, now)
                    .map(|cert| (cert, serial))
            });
            match signed {
                Ok((cert, serial)) => issued.push((index, cert, serial)),
                Err(e) => {
                    if let Some(slot) = out.get_mut(index) {
                        *slot = Some(Err(e));
                    }
                }
            }
        }
        if let Err(e) = self.commit(&issued, now) {
            let message = e.to_string();
            for (index, _, _) in &issued {
                if let Some(slot) = out.get_mut(*index) {
                    *slot = Some(Err(IssueError::Store(StoreError::Backend(message.clone()))));
                }
            }
        } else {
            for (index, cert, serial) in issued {
                if let Some(slot) = out.get_mut(index) {
                    *slot = Some(Ok(Issued {
                        serial,
                        der: cert.der,
                        issuer: cert.issuer,
                        profile: cert.profile,
                        vid_random: cert.vid_random,
                    }));
                }
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or(Err(IssueError::Store(StoreError::Backend(
                    "lost result".into(),
                ))))
            })
            .collect()
    }

    /// Reserves all serials in one transaction; when that fails, retries one by one so a
    /// single bad entry (a key bound to someone else) fails alone.
    fn reserve_isolating(
        &mut self,
        reservations: &[Reservation],
        results: &mut [Result<Serial, IssueError>],
    ) {
        if reservations.is_empty() || self.store.reserve(reservations).is_ok() {
            return;
        }
        for result in results.iter_mut() {
            let Ok(serial) = result else { continue };
            let Some(reservation) = reservations.iter().find(|r| r.serial == serial.as_bytes())
            else {
                continue;
            };
            if let Err(e) = self.store.reserve(std::slice::from_ref(reservation)) {
                *result = Err(IssueError::Store(e));
            }
        }
    }

    fn sign_one(
        &self,
        approval: &Approval,
        serial: &Serial,
        now: UnixTime,
    ) -> Result<IssuedCert, IssueError> {
        let profile = approval.profile();
        let ca = self
            .ca_for(&profile.name)
            .ok_or_else(|| IssueError::NoIssuer(profile.name.clone()))?;
        let partition = partition_of(serial, self.crl_partitions);
        let not_after = ca.subscriber_not_after(profile, now)?;
        let spki = SubjectPublicKeyInfoOwned::from_der(&approval.public_key().to_spki_der())
            .map_err(|e| BuildError::Encoding(e.to_string()))?;
        let template = CertTemplate {
            serial: serial.clone(),
            issuer: ca.subject.clone(),
            subject: subscriber_name(profile, approval.subject())?,
            not_before: now,
            not_after,
            spki,
            extensions: subscriber_extensions(approval, &ca.name, partition)
                .map_err(BuildError::from)?,
            self_signed: false,
        };
        let signer = CertSigner::new(ca.key.as_ref(), ca.algorithm);
        let to_be_signed = prepare(template, &signer)?;
        lint(
            &to_be_signed.tbs()?,
            &Expectation {
                approval,
                serial,
                issuer: &ca.subject,
                issuer_key_id: &ca.key_id,
                issuer_name: &ca.name,
                algorithm: &ca.algorithm,
                not_before: now,
                issuer_validity: (ca.not_before, ca.not_after),
                partition,
            },
        )?;
        let der = to_be_signed.sign(&signer)?;
        // R is sealed to the key just certified and committed with the certificate in one
        // transaction, so a stored VID certificate always has the value its subscriber needs;
        // R itself is wiped with the approval.
        let vid_random = approval
            .vid()
            .map(|vid| vid.seal(approval.public_key()))
            .transpose()?;
        Ok(IssuedCert {
            serial: serial.as_bytes().to_vec(),
            issuer: ca.name.clone(),
            profile: profile.name.clone(),
            person: approval.person().to_owned(),
            spki_sha256: *approval.spki_sha256(),
            not_before: now,
            not_after,
            der,
            report_sha256: *approval.report_sha256(),
            issued_at: now,
            vid_random,
        })
    }

    fn commit(
        &mut self,
        issued: &[(usize, IssuedCert, Serial)],
        now: UnixTime,
    ) -> Result<(), IssueError> {
        if issued.is_empty() {
            return Ok(());
        }
        let entries: Vec<AuditEntry> = issued
            .iter()
            .map(|(_, cert, serial)| AuditEntry {
                at: now,
                kind: "certificate.issued".into(),
                body: serde_json::json!({
                    "serial": serial.to_hex(),
                    "issuer": cert.issuer,
                    "profile": cert.profile,
                    "report_sha256": hex::encode(cert.report_sha256),
                    "spki_sha256": hex::encode(cert.spki_sha256),
                    "not_after": cert.not_after.rfc3339(),
                })
                .to_string(),
            })
            .collect();
        let certs: Vec<IssuedCert> = issued.iter().map(|(_, c, _)| c.clone()).collect();
        self.audited(&entries, |store, records| {
            store.commit_issued(&certs, records)
        })?;
        Ok(())
    }

    /// Revokes a certificate (durably, with its audit record).
    ///
    /// # Errors
    /// [`IssueError::Store`] with `NotFound` or `AlreadyRevoked`.
    pub fn revoke(
        &mut self,
        serial: &Serial,
        reason: RevocationReason,
        now: UnixTime,
    ) -> Result<(), IssueError> {
        let entry = AuditEntry {
            at: now,
            kind: "certificate.revoked".into(),
            body: serde_json::json!({ "serial": serial.to_hex(), "reason": reason.name() })
                .to_string(),
        };
        let bytes = serial.as_bytes().to_vec();
        self.with_audit(entry, |store, record| {
            store.revoke(&bytes, now, reason.code(), record)
        })
    }

    /// Adds a key to the blocked list.
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn block_key(
        &mut self,
        spki_sha256: &[u8; 32],
        reason: &str,
        now: UnixTime,
    ) -> Result<(), IssueError> {
        let entry = AuditEntry {
            at: now,
            kind: "key.blocked".into(),
            body: serde_json::json!({ "spki_sha256": hex::encode(spki_sha256), "reason": reason })
                .to_string(),
        };
        let reason = reason.to_owned();
        self.with_audit(entry, |store, record| {
            store.block_key(spki_sha256, &reason, record)
        })
    }

    /// Imports sealed registry rows (all or nothing), audited without personal data.
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn import_registry(
        &mut self,
        rows: &[crate::store::SealedRegistryRow],
        now: UnixTime,
    ) -> Result<(), IssueError> {
        let entry = AuditEntry {
            at: now,
            kind: "registry.imported".into(),
            body: serde_json::json!({ "records": rows.len() }).to_string(),
        };
        self.with_audit(entry, |store, record| store.put_registry(rows, record))
    }

    /// Records a new registry data key (wrapped), audited with its version.
    ///
    /// # Errors
    /// [`IssueError::Store`], with [`StoreError::KeyVersionTaken`] when another process
    /// added this version first.
    pub fn add_registry_key(
        &mut self,
        key: &crate::store::WrappedDataKey,
        now: UnixTime,
    ) -> Result<(), IssueError> {
        let entry = AuditEntry {
            at: now,
            kind: "registry.key_rotated".into(),
            body: serde_json::json!({ "version": key.version }).to_string(),
        };
        self.audited(std::slice::from_ref(&entry), |store, records| {
            store.add_registry_key(key, records)
        })
        .map(|((), _)| ())
    }

    /// Replaces the plaintext registry of an earlier schema by `rows` (its records sealed),
    /// audited with the count.
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn retire_plaintext_registry(
        &mut self,
        rows: &[crate::store::SealedRegistryRow],
        now: UnixTime,
    ) -> Result<bool, IssueError> {
        let entry = AuditEntry {
            at: now,
            kind: "registry.sealed".into(),
            body: serde_json::json!({ "records": rows.len() }).to_string(),
        };
        self.audited(std::slice::from_ref(&entry), |store, records| {
            store.retire_plaintext_registry(rows, records)
        })
        .map(|(done, _)| done)
    }

    /// Erases the registry record of `person` (audited as `registry.erased` with the
    /// pseudonymous identifier and counts only) and returns what was erased and which
    /// certificates, kept, were issued to them.
    ///
    /// # Errors
    /// [`IssueError::Store`].
    pub fn erase_registry(
        &mut self,
        person: &str,
        now: UnixTime,
    ) -> Result<crate::registry::Erasure, IssueError> {
        let serials = self.store().person_serials(person)?;
        let entry = AuditEntry {
            at: now,
            kind: "registry.erased".into(),
            body: serde_json::json!({ "person": person, "certificates_kept": serials.len() })
                .to_string(),
        };
        let record_deleted =
            self.with_audit(entry, |store, record| store.delete_registry(person, record))?;
        Ok(crate::registry::Erasure {
            person: person.to_owned(),
            record_deleted,
            certificate_serials: serials.iter().map(hex::encode).collect(),
        })
    }
}
