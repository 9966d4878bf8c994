//! The CSCAs (and CSCA CRLs) a verification trusts, each with the sources that vouch
//! for it. A snapshot's content hash names exactly what was trusted in every report.

use std::path::{Path, PathBuf};

use dongpo_crypto::HashAlgorithm;
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, CertError, UnixTime};
use dongpo_revocation::{Crl, CrlError};
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::name::Name;

/// Why something could not be added to the trust store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A certificate did not parse.
    #[error("{source_name}: {error}")]
    Cert {
        /// Where it came from.
        source_name: String,
        /// What was wrong.
        #[source]
        error: CertError,
    },
    /// A master list is unreadable (its CMS or its list does not decode).
    #[error("{source_name}: {error}")]
    MasterListUnreadable {
        /// Where it came from.
        source_name: String,
        /// What was wrong.
        #[source]
        error: crate::trust::masterlist::MasterListError,
    },
    /// A master list was read but is invalid (signature, signer EKU, chain, validity).
    #[error("{source_name}: {reason}")]
    MasterList {
        /// Where it came from.
        source_name: String,
        /// Every reason, as the list's report gives them, joined by `; `.
        reason: String,
    },
    /// A link certificate was refused.
    #[error("{source_name}: link certificate: {reason}")]
    Link {
        /// Where it came from.
        source_name: String,
        /// Why.
        reason: String,
    },
    /// A deviation list was refused.
    #[error("{source_name}: {error}")]
    DeviationList {
        /// Where it came from.
        source_name: String,
        /// Why.
        #[source]
        error: crate::trust::deviation_list::DeviationListError,
    },
    /// A PKD LDIF file is not readable LDIF.
    #[error("{source_name}: {error}")]
    Ldif {
        /// Where it came from.
        source_name: String,
        /// What was wrong.
        #[source]
        error: crate::trust::pkd_ldif::LdifError,
    },
    /// A CRL did not parse.
    #[error("{source_name}: {error}")]
    Crl {
        /// Where it came from.
        source_name: String,
        /// What was wrong.
        #[source]
        error: CrlError,
    },
}

/// A trusted CSCA certificate and who vouches for it.
#[derive(Clone, Debug)]
pub struct TrustedCsca {
    /// The certificate.
    pub cert: Cert,
    /// Sources: file paths, `masterlist:<file>#<index>`, ...
    pub sources: Vec<String>,
}

/// CSCAs, CRLs and verified deviation lists.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    cscas: Vec<TrustedCsca>,
    crls: Vec<(Crl, String)>,
    deviation_lists: Vec<(crate::trust::deviation_list::VerifiedDeviationList, String)>,
    dscs: Vec<Cert>,
}

impl TrustStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts a CSCA certificate (DER or PEM) from `source`; a certificate already
    /// present gains the source.
    ///
    /// # Errors
    /// [`TrustError::Cert`] when it does not parse.
    pub fn add_csca(&mut self, bytes: &[u8], source: &str) -> Result<(), TrustError> {
        let cert = Cert::parse(bytes).map_err(|error| TrustError::Cert {
            source_name: source.into(),
            error,
        })?;
        match self.cscas.iter_mut().find(|c| c.cert.sha256 == cert.sha256) {
            Some(existing) => existing.sources.push(source.into()),
            None => self.cscas.push(TrustedCsca {
                cert,
                sources: vec![source.into()],
            }),
        }
        Ok(())
    }

    /// Trusts the accepted entries of a verified master list (only when the list as a
    /// whole is valid); returns the list's report.
    ///
    /// # Errors
    /// [`TrustError::MasterListUnreadable`] when the list is unreadable,
    /// [`TrustError::MasterList`] when it is invalid.
    pub fn add_master_list(
        &mut self,
        bytes: &[u8],
        anchors: &[Cert],
        at: dongpo_pki::UnixTime,
        verifier: &dongpo_crypto::Verifier,
        source: &str,
    ) -> Result<crate::trust::masterlist::MasterListReport, TrustError> {
        let report =
            crate::trust::masterlist::verify(bytes, anchors, at, verifier).map_err(|error| {
                TrustError::MasterListUnreadable {
                    source_name: source.into(),
                    error,
                }
            })?;
        if !report.valid {
            return Err(TrustError::MasterList {
                source_name: source.into(),
                reason: report.errors.join("; "),
            });
        }
        for (index, cert) in report.accepted.iter().enumerate() {
            let name = format!("masterlist:{source}#{index}");
            match self.cscas.iter_mut().find(|c| c.cert.sha256 == cert.sha256) {
                Some(existing) => existing.sources.push(name),
                None => self.cscas.push(TrustedCsca {
                    cert: cert.clone(),
                    sources: vec![name],
                }),
            }
        }
        Ok(report)
    }

    /// Admits a new CSCA key through a link certificate (9303-12 §5.4): the link must be
    /// a CA certificate with keyCertSign, signed by a CSCA already trusted that is itself
    /// a CA certificate with keyCertSign; its subject key is then trusted with the source
    /// `link:<issuer>`. Load every other trust source first (see [`TrustSources`]), or a
    /// link from a CSCA that a later source brings is refused.
    ///
    /// # Errors
    /// [`TrustError::Cert`] when it does not parse, [`TrustError::Link`] when no trusted
    /// CSCA signed it or it is not a CA certificate.
    pub fn add_link_certificate(
        &mut self,
        bytes: &[u8],
        verifier: &dongpo_crypto::Verifier,
        source: &str,
    ) -> Result<(), TrustError> {
        let link = Cert::parse(bytes).map_err(|error| TrustError::Cert {
            source_name: source.into(),
            error,
        })?;
        if !link.can_certify() {
            return Err(TrustError::Link {
                source_name: source.into(),
                reason: "not a CA certificate with keyCertSign".into(),
            });
        }
        // A link certifies a State's own new CSCA key (or name): subject and issuer must
        // name the same State, so a trusted CSCA cannot rename itself into another State.
        let state = |name: &x509_cert::name::Name| dongpo_pki::name::country(name);
        let tbs = link.cert.tbs_certificate();
        match (state(tbs.subject()), state(tbs.issuer())) {
            (Some(subject), Some(issuer)) if subject == issuer => {}
            (subject, issuer) => {
                return Err(TrustError::Link {
                    source_name: source.into(),
                    reason: format!(
                        "subject and issuer name different States ({} and {})",
                        subject.as_deref().unwrap_or("no country"),
                        issuer.as_deref().unwrap_or("no country")
                    ),
                });
            }
        }
        let issuer = self
            .issuer_candidates(&link)
            .into_iter()
            .filter(|c| c.cert.can_certify() && c.cert.sha256 != link.sha256)
            .find(|c| link.verify_signed_by(&c.cert.key, verifier).is_ok())
            .map(|c| c.cert.subject())
            .ok_or_else(|| TrustError::Link {
                source_name: source.into(),
                reason: format!("no trusted CSCA signed it (issuer {})", link.issuer()),
            })?;
        let name = format!("link:{issuer} ({source})");
        match self.cscas.iter_mut().find(|c| c.cert.sha256 == link.sha256) {
            Some(existing) => existing.sources.push(name),
            None => self.cscas.push(TrustedCsca {
                cert: link,
                sources: vec![name],
            }),
        }
        Ok(())
    }

    /// Admits link certificates `(DER, source)` in as many passes as they need (a link
    /// may be signed by the key another link admits), after every other source.
    ///
    /// # Errors
    /// The error of the first link that no pass could admit.
    pub fn add_link_certificates(
        &mut self,
        links: &[(Vec<u8>, String)],
        verifier: &dongpo_crypto::Verifier,
    ) -> Result<usize, TrustError> {
        let mut pending: Vec<&(Vec<u8>, String)> = links.iter().collect();
        let mut admitted = 0;
        loop {
            let before = pending.len();
            let mut refused = Vec::new();
            let mut first_error = None;
            for link in pending {
                match self.add_link_certificate(&link.0, verifier, &link.1) {
                    Ok(()) => admitted += 1,
                    Err(e) => {
                        first_error.get_or_insert(e);
                        refused.push(link);
                    }
                }
            }
            match first_error {
                None => return Ok(admitted),
                Some(e) if refused.len() == before => return Err(e),
                Some(_) => pending = refused,
            }
        }
    }

    /// Trusts a CSCA certificate file.
    ///
    /// # Errors
    /// [`TrustError`] naming the file.
    pub fn add_csca_file(&mut self, path: &Path) -> Result<(), TrustError> {
        let bytes = read(path)?;
        self.add_csca(&bytes, &path.display().to_string())
    }

    /// Trusts every `.der`, `.cer`, `.crt` and `.pem` file in `dir` (not recursive).
    ///
    /// # Errors
    /// [`TrustError`] naming the first file that fails.
    pub fn add_csca_dir(&mut self, dir: &Path) -> Result<usize, TrustError> {
        let io = |source| TrustError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        let mut added = 0;
        for path in paths {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if matches!(ext.as_deref(), Some("der" | "cer" | "crt" | "pem")) {
                self.add_csca_file(&path)?;
                added += 1;
            }
        }
        Ok(added)
    }

    /// Adds a CRL (DER or PEM); it is verified against its CSCA when used.
    ///
    /// # Errors
    /// [`TrustError::Crl`] when it does not parse.
    pub fn add_crl(&mut self, bytes: &[u8], source: &str) -> Result<(), TrustError> {
        let crl = Crl::parse(bytes).map_err(|error| TrustError::Crl {
            source_name: source.into(),
            error,
        })?;
        self.crls.push((crl, source.into()));
        Ok(())
    }

    /// Adds a CRL file.
    ///
    /// # Errors
    /// [`TrustError`] naming the file.
    pub fn add_crl_file(&mut self, path: &Path) -> Result<(), TrustError> {
        let bytes = read(path)?;
        self.add_crl(&bytes, &path.display().to_string())
    }

    /// Keeps a Document Signer certificate for SODs that do not embed theirs. It is not
    /// trusted: a DSC found here is verified through its CSCA like an embedded one.
    ///
    /// # Errors
    /// [`TrustError::Cert`] when it does not parse.
    pub fn add_dsc(&mut self, bytes: &[u8], source: &str) -> Result<(), TrustError> {
        let cert = Cert::parse(bytes).map_err(|error| TrustError::Cert {
            source_name: source.into(),
            error,
        })?;
        if !self.dscs.iter().any(|c| c.sha256 == cert.sha256) {
            self.dscs.push(cert);
        }
        Ok(())
    }

    /// The known (untrusted) Document Signer certificates.
    #[must_use]
    pub fn dscs(&self) -> &[Cert] {
        &self.dscs
    }

    /// Verifies a deviation list against the CSCAs and CRLs already in the store and
    /// keeps it; its waivers apply to the documents of the DSCs it names. The signer is
    /// path-validated at `at` ([`crate::trust::deviation_list::verify`]): add the CSCA CRLs
    /// first, or the list is refused.
    ///
    /// # Errors
    /// [`TrustError::DeviationList`] naming why the list was refused.
    pub fn add_deviation_list(
        &mut self,
        bytes: &[u8],
        at: dongpo_pki::UnixTime,
        verifier: &dongpo_crypto::Verifier,
        source: &str,
    ) -> Result<(), TrustError> {
        let cscas: Vec<Cert> = self.cscas.iter().map(|c| c.cert.clone()).collect();
        let crls: Vec<&Crl> = self.crls.iter().map(|(crl, _)| crl).collect();
        let list = crate::trust::deviation_list::verify(bytes, &cscas, &crls, at, verifier)
            .map_err(|error| TrustError::DeviationList {
                source_name: source.into(),
                error,
            })?;
        self.deviation_lists.push((list, source.into()));
        Ok(())
    }

    /// The verified deviation lists with their sources.
    #[must_use]
    pub fn deviation_lists(
        &self,
    ) -> &[(crate::trust::deviation_list::VerifiedDeviationList, String)] {
        &self.deviation_lists
    }

    /// The trusted CSCAs.
    #[must_use]
    pub fn cscas(&self) -> &[TrustedCsca] {
        &self.cscas
    }

    /// CSCAs that may have issued `cert`: those whose subject is `cert`'s issuer name
    /// (RFC 5280 §7.1, or up to RDN order), the one whose key identifier is `cert`'s
    /// authorityKeyIdentifier first; the caller decides by verifying the signature.
    ///
    /// A key identifier alone never makes a candidate: RFC 5280 §6.1 chains by name, and a
    /// CSCA of one State that signs a certificate carrying another State's issuer name
    /// with its own key identifier must not vouch for that State's documents.
    #[must_use]
    pub fn issuer_candidates(&self, cert: &Cert) -> Vec<&TrustedCsca> {
        let issuer = cert.cert.tbs_certificate().issuer();
        let mut by_key: Vec<&TrustedCsca> = Vec::new();
        let mut by_name: Vec<&TrustedCsca> = Vec::new();
        for csca in &self.cscas {
            if same_name(csca.cert.cert.tbs_certificate().subject(), issuer) == NameMatch::Different
            {
                continue;
            }
            if cert.aki.is_some() && csca.cert.ski == cert.aki {
                by_key.push(csca);
            } else {
                by_name.push(csca);
            }
        }
        by_key.extend(by_name);
        by_key
    }

    /// The trusted certificates with `csca`'s subject (§7.1 comparison, or up to RDN
    /// order): the keys that may sign the CSCA's CRLs (its own, a rolled-over key, a
    /// link certificate's).
    fn keys_named(&self, name: &Name) -> Vec<&TrustedCsca> {
        self.cscas
            .iter()
            .filter(|c| {
                same_name(c.cert.cert.tbs_certificate().subject(), name) != NameMatch::Different
            })
            .collect()
    }

    /// CRLs of `csca`'s name, with their sources: first those whose
    /// authorityKeyIdentifier is the subjectKeyIdentifier of a trusted key of that name,
    /// then those issued under the name. Whether one is usable is decided by verifying
    /// it with [`TrustStore::crl_signers`].
    #[must_use]
    pub fn crls_for(&self, csca: &Cert) -> Vec<(&Crl, &str)> {
        let subject = csca.cert.tbs_certificate().subject();
        let skis: Vec<&[u8]> = self
            .keys_named(subject)
            .into_iter()
            .filter_map(|c| c.cert.ski.as_deref())
            .chain(csca.ski.as_deref())
            .collect();
        let mut by_key = Vec::new();
        let mut by_name = Vec::new();
        for (crl, source) in &self.crls {
            if crl_authority_key(crl).is_some_and(|aki| skis.contains(&aki.as_slice())) {
                by_key.push((crl, source.as_str()));
            } else if same_name(&crl.crl.tbs_cert_list.issuer, subject) != NameMatch::Different {
                by_name.push((crl, source.as_str()));
            }
        }
        by_key.extend(by_name);
        by_key
    }

    /// The trusted keys that may have signed `crl` for the CSCA named `csca_name`: any
    /// trusted certificate of that name (RFC 5280 §6.3.3 (f): after a key rollover the
    /// new key signs), restricted to the one(s) whose subjectKeyIdentifier is the CRL's
    /// authorityKeyIdentifier when it has one. Empty when none qualifies (fail closed).
    #[must_use]
    pub fn crl_signers(&self, crl: &Crl, csca_name: &Name) -> Vec<&TrustedCsca> {
        let named = self.keys_named(csca_name);
        match crl_authority_key(crl) {
            Some(aki) => named
                .into_iter()
                .filter(|c| c.cert.ski.as_deref() == Some(aki.as_slice()))
                .collect(),
            None => named,
        }
    }

    /// A content id of the store: SHA-256 over the sorted certificate and CRL hashes.
    #[must_use]
    pub fn snapshot_id(&self) -> String {
        let mut items: Vec<Vec<u8>> = self.cscas.iter().map(|c| c.cert.sha256.clone()).collect();
        items.extend(
            self.crls
                .iter()
                .map(|(crl, _)| HashAlgorithm::Sha256.digest(&crl.der)),
        );
        items.sort();
        let parts: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        format!(
            "sha256:{}",
            hex::encode(HashAlgorithm::Sha256.digest_parts(&parts))
        )
    }
}

/// How new a CRL is: by cRLNumber (a CRL without one below any with one), then
/// thisUpdate. The one ordering every "which CRL decides" choice uses (a DSC's revocation in
/// Passive Authentication, a deviation-list signer's in [`crate::trust::deviation_list`]).
pub(crate) fn crl_rank(crl: &Crl) -> (usize, String, UnixTime) {
    let digits = crl
        .number_hex()
        .map(|n| n.trim_start_matches('0').to_string());
    let this_update = UnixTime::from_x509(&crl.crl.tbs_cert_list.this_update);
    match digits {
        // One more than any length so that "0" (empty after trimming) still ranks
        // above a CRL without number.
        Some(d) => (d.len() + 1, d, this_update),
        None => (0, String::new(), this_update),
    }
}

/// The keyIdentifier of a CRL's authorityKeyIdentifier extension, if it has one.
#[must_use]
pub fn crl_authority_key(crl: &Crl) -> Option<Vec<u8>> {
    let ext = crl
        .crl
        .tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)?;
    let aki = <AuthorityKeyIdentifier as der::Decode>::from_der(ext.extn_value.as_bytes()).ok()?;
    aki.key_identifier.map(|k| k.as_bytes().to_vec())
}

/// Every source a trust store is assembled from, loaded by [`TrustSources::load`] in the
/// one order where each source can rely on all those before it: CSCA files and
/// directories, master lists (each against its pinned anchors), PKD LDIF files, CRLs,
/// then link certificates (from `links` and from the LDIF files, however they are
/// ordered among themselves), then known DSCs, and deviation lists last (their signers
/// are path-validated against the complete store, CRLs included).
#[derive(Clone, Debug, Default)]
pub struct TrustSources {
    /// CSCA certificate files.
    pub csca_files: Vec<PathBuf>,
    /// Directories of CSCA certificates ([`TrustStore::add_csca_dir`]).
    pub csca_dirs: Vec<PathBuf>,
    /// Master lists with the anchors each is pinned to.
    pub master_lists: Vec<(PathBuf, Vec<Cert>)>,
    /// PKD LDIF files ([`crate::trust::pkd_ldif::load_into`]).
    pub pkd_ldif: Vec<PathBuf>,
    /// CSCA CRL files.
    pub crl_files: Vec<PathBuf>,
    /// Link certificate files.
    pub links: Vec<PathBuf>,
    /// Known (untrusted) DSC files.
    pub dscs: Vec<PathBuf>,
    /// Deviation list files.
    pub deviation_lists: Vec<PathBuf>,
}

impl TrustSources {
    /// Builds the trust store; master lists and deviation lists are judged at `at`.
    ///
    /// # Errors
    /// The first [`TrustError`], naming its file.
    pub fn load(
        &self,
        at: dongpo_pki::UnixTime,
        verifier: &dongpo_crypto::Verifier,
    ) -> Result<TrustStore, TrustError> {
        let mut trust = TrustStore::new();
        for path in &self.csca_files {
            trust.add_csca_file(path)?;
        }
        for dir in &self.csca_dirs {
            trust.add_csca_dir(dir)?;
        }
        for (path, anchors) in &self.master_lists {
            trust.add_master_list(
                &read(path)?,
                anchors,
                at,
                verifier,
                &path.display().to_string(),
            )?;
        }
        let mut links = Vec::new();
        for path in &self.pkd_ldif {
            let name = path.display().to_string();
            let (import, _) =
                crate::trust::pkd_ldif::load_into(&mut trust, &read(path)?, &name, verifier)
                    .map_err(|error| TrustError::Ldif {
                        source_name: name.clone(),
                        error,
                    })?;
            links.extend(import.links);
        }
        for path in &self.crl_files {
            trust.add_crl_file(path)?;
        }
        for path in &self.links {
            links.push((read(path)?, path.display().to_string()));
        }
        trust.add_link_certificates(&links, verifier)?;
        for path in &self.dscs {
            trust.add_dsc(&read(path)?, &path.display().to_string())?;
        }
        for path in &self.deviation_lists {
            trust.add_deviation_list(&read(path)?, at, verifier, &path.display().to_string())?;
        }
        Ok(trust)
    }
}

/// The largest trust file read (a CRL of a million entries is about 50 MB).
const MAX_TRUST_FILE: u64 = 256 * 1024 * 1024;

/// Reads a trust file: only a regular file (after symlinks), at most [`MAX_TRUST_FILE`].
/// A FIFO or device in a trust directory would block the reader (and with it every later
/// trust reload) or never end.
fn read(path: &Path) -> Result<Vec<u8>, TrustError> {
    use std::io::Read;
    let io = |source| TrustError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_TRUST_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_TRUST_FILE {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_TRUST_FILE} bytes"),
        )));
    }
    Ok(bytes)
}
