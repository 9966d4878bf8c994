//! `dongpo ca rollover`: a new key and certificate for a profile's issuing CA. The new
//! issuing CA, `<profile>-g<N>`, issues from then on; the one it replaces is retired
//! (`retired = true` in `ca.toml`): it issues nothing and keeps signing the CRLs and OCSP
//! responses of the certificates it issued, under its own name and CRL URLs, until the
//! operator removes it after the last of them expired.
//!
//! With the root key held, the root signs the new certificate at once. Under an external
//! root, a request `csr/<profile>-g<N>.csr.pem` is written; the old CA keeps issuing until
//! `install_issuing` installs the new certificate and retires it.

use dongpo_pki::time::UnixTime;

use super::{Ca, PendingIssuer, load_key, passphrase, sha256};
use crate::audit::AuditEntry;
use crate::config::{CaEntry, KeyRef, Pkcs11Ref, key_spec};
use crate::files::{certificate_pem, replace_private, write_public};
use crate::hierarchy::{issuing_ca_certificate, issuing_ca_request};
use crate::init::{CONFIG_FILE, csr_file, issuing_subject, new_ca_key, request_pem};
use crate::issue::{IssueError, IssuingCa};
use crate::keys::{Passphrase, signature_algorithm_for};

/// Why a rollover failed. Nothing is used before every step succeeded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RolloverError {
    /// No issuing CA serves the profile.
    #[error("no issuing CA serves profile '{0}'")]
    UnknownProfile(String),
    /// A request of an earlier rollover (or init) awaits its certificate.
    #[error(
        "issuing CA '{0}' of this profile still awaits its certificate: install it (dongpo ca install-issuing) before rolling over again"
    )]
    Pending(String),
    /// A key could not be made or loaded (the passphrase, the token, the root key).
    #[error("{0}")]
    Key(String),
    /// The certificate or request could not be built.
    #[error(transparent)]
    Build(#[from] crate::tbs::BuildError),
    /// A file could not be written.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// `ca.toml` could not be written.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store or the new issuing CA failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// What a rollover did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rollover {
    /// The root signed the new issuing CA, which issues from now on.
    Installed {
        /// The new issuing CA's name.
        name: String,
        /// The CA it retired.
        retired: String,
    },
    /// A request for the external root to sign was written (relative path); the current
    /// CA issues until `install_issuing` installs the certificate.
    Requested {
        /// The new issuing CA's name.
        name: String,
        /// The request file, relative to the CA directory.
        csr: String,
    },
}

fn key_error(e: impl std::fmt::Display) -> RolloverError {
    RolloverError::Key(e.to_string())
}

impl Ca {
    /// Rolls `profile`'s issuing CA over to a new key at `now` (see the module docs);
    /// `given` is the key-file passphrase, else the sources of `ca.toml` (as at open).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut ca = dongpo_ca::Ca::open(std::path::Path::new("ca"))?;
    /// let done = ca.rollover("kb", dongpo_pki::time::UnixTime(1_795_000_000), None)?;
    /// println!("{done:?}");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`RolloverError`].
    pub fn rollover(
        &mut self,
        profile: &str,
        now: UnixTime,
        given: Option<Passphrase>,
    ) -> Result<Rollover, RolloverError> {
        if let Some(pending) = self
            .pending
            .iter()
            .find(|p| p.entry.profiles.iter().any(|q| q == profile))
        {
            return Err(RolloverError::Pending(pending.entry.name.clone()));
        }
        let current = self
            .issuer
            .ca_for(profile)
            .map(|ca| ca.name.clone())
            .ok_or_else(|| RolloverError::UnknownProfile(profile.to_owned()))?;
        let profile_def = self
            .profile(profile)
            .cloned()
            .ok_or_else(|| RolloverError::UnknownProfile(profile.to_owned()))?;
        let serving: Vec<&CaEntry> = self
            .config
            .issuers
            .iter()
            .filter(|e| e.profiles.iter().any(|q| q == profile))
            .collect();
        let generation = u32::try_from(serving.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let name = format!("{profile}-g{generation}");
        if let Some(problem) = crate::config::issuer_name_problem(&name) {
            return Err(RolloverError::Key(problem));
        }
        if self.config.issuers.iter().any(|e| e.name == name) {
            return Err(RolloverError::Key(format!(
                "CA name '{name}' is used already"
            )));
        }
        // The new key lives where the first of this profile's keys lives.
        let token = serving.first().and_then(|e| match &e.key {
            Some(KeyRef::Pkcs11(r)) => Some(Pkcs11Ref {
                key_label: format!("{}-g{generation}", r.key_label),
                ..r.clone()
            }),
            _ => None,
        });
        let pass = given.map_or_else(|| passphrase(&self.dir, &self.config, &self.keyring), Ok);
        let spec = key_spec(&self.config.key_algorithm)
            .ok_or_else(|| key_error(format!("key_algorithm {}", self.config.key_algorithm)))?;
        let subject = issuing_subject(&profile_def, generation).map_err(key_error)?;
        // The root key first: a CA that cannot sign fails before a key is made.
        let root_key = match &self.config.root.key {
            Some(_) => Some(load_key(&self.dir, &self.config.root, &pass).map_err(key_error)?),
            None => None,
        };
        let pass = pass.map_err(|why| key_error(format!("no key passphrase ({why})")))?;
        let (key, key_ref) = new_ca_key(&self.dir, &name, spec, token, &pass).map_err(key_error)?;
        let algorithm = signature_algorithm_for(key.public_key())
            .ok_or_else(|| key_error("no signature algorithm for the new key"))?;
        let mut config = self.config.clone();
        let cert_rel = format!("certs/{name}.pem");
        let Some(root_key) = root_key else {
            let der = issuing_ca_request(key.as_ref(), algorithm, &subject)?;
            let csr_rel = csr_file(&name);
            write_public(&self.dir.join(&csr_rel), request_pem(&der).as_bytes())?;
            let entry = CaEntry {
                name: name.clone(),
                cert: cert_rel,
                key: Some(key_ref),
                profiles: vec![profile.to_owned()],
                csr: Some(csr_rel.clone()),
                retired: false,
            };
            config.issuers.push(entry.clone());
            self.issuer.audit(&[AuditEntry {
                at: now,
                kind: "issuing_ca.requested".into(),
                body:
                    serde_json::json!({ "issuer": name, "profile": profile, "replaces": current })
                        .to_string(),
            }])?;
            replace_private(&self.dir.join(CONFIG_FILE), config.to_toml()?.as_bytes())?;
            self.config = config;
            self.pending.push(PendingIssuer {
                entry,
                key: std::sync::Arc::from(key),
                algorithm,
            });
            return Ok(Rollover::Requested { name, csr: csr_rel });
        };
        let root = dongpo_pki::Cert::parse(&self.root_der).map_err(key_error)?;
        let root_algorithm = signature_algorithm_for(root_key.public_key())
            .ok_or_else(|| key_error("no signature algorithm for the root key"))?;
        let der = issuing_ca_certificate(
            root_key.as_ref(),
            root_algorithm,
            root.cert.tbs_certificate().subject(),
            &subject,
            key.public_key(),
            &[profile_def.policy_oid],
            now,
        )?;
        let issuing = IssuingCa::new(
            &name,
            der.clone(),
            std::sync::Arc::from(key),
            algorithm,
            vec![profile.to_owned()],
        )?;
        write_public(&self.dir.join(&cert_rel), certificate_pem(&der).as_bytes())?;
        let fingerprint = hex::encode(sha256(&der));
        crate::store::claim::check_pin(
            self.issuer.store(),
            &format!("issuer:{name}"),
            &fingerprint,
        )
        .map_err(IssueError::from)?;
        self.issuer.audit(&[AuditEntry {
            at: now,
            kind: "issuing_ca.rolled_over".into(),
            body: serde_json::json!({
                "issuer": name,
                "profile": profile,
                "retired": current,
                "certificate_sha256": fingerprint,
            })
            .to_string(),
        }])?;
        for entry in &mut config.issuers {
            if entry.profiles.iter().any(|q| q == profile) {
                entry.retired = true;
            }
        }
        config.issuers.push(CaEntry {
            name: name.clone(),
            cert: cert_rel,
            key: Some(key_ref),
            profiles: vec![profile.to_owned()],
            csr: None,
            retired: false,
        });
        replace_private(&self.dir.join(CONFIG_FILE), config.to_toml()?.as_bytes())?;
        self.config = config;
        self.issuer.add_ca(issuing);
        self.issuer.retire_others(profile, &name);
        Ok(Rollover::Installed {
            name,
            retired: current,
        })
    }
}
