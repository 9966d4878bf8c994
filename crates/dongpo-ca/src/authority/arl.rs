//! The ARL: the CRL of the CA's own root, listing the issuing CA certificates it revoked
//! (`dongpo ca revoke-issuing`, `dongpo ca arl`). Only a CA that holds its root key has one;
//! an external root's owner revokes its issuing CAs itself.

use dongpo_pki::Serial;
use dongpo_pki::time::UnixTime;

use super::{Ca, load_key, passphrase};
use crate::audit::AuditEntry;
use crate::files::replace_private;
use crate::init::CONFIG_FILE;
use crate::issue::IssueError;
use crate::keys::{Passphrase, signature_algorithm_for};
use crate::reason::RevocationReason;
use crate::store::CaRevocation;

/// The name the root goes by in the store (CRL numbers, revocations) and its ARL's file,
/// `root.crl`.
pub const ROOT_NAME: &str = "root";

/// Why an issuing CA could not be revoked or the ARL signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArlError {
    /// The root is external: its owner revokes its issuing CAs and publishes its CRL.
    #[error(
        "the root is external (the provider's own): revoke the issuing CA certificate and publish the CRL with that root"
    )]
    ExternalRoot,
    /// No installed issuing CA of that name.
    #[error("no installed issuing CA named '{0}'")]
    UnknownIssuer(String),
    /// The root key could not be loaded, or a certificate read.
    #[error("{0}")]
    Key(String),
    /// The store refused or failed (`AlreadyRevoked` among them).
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// Building or signing the ARL failed.
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    /// `ca.toml` could not be written.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// `ca.toml` could not be serialised.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

impl Ca {
    /// Revokes the certificate of the issuing CA `name` by the root at `now` (audited as
    /// `issuing_ca.revoked`) and retires it (it issues nothing more; it still signs CRLs and
    /// OCSP for its certificates). The root's next ARL ([`Ca::arl`]) lists it.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut ca = dongpo_ca::Ca::open(std::path::Path::new("ca"))?;
    /// let now = dongpo_pki::time::UnixTime(1_795_000_000);
    /// ca.revoke_issuing("kb", dongpo_ca::RevocationReason::KeyCompromise, now)?;
    /// let arl = ca.arl(now, None)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`ArlError`]; [`crate::store::StoreError::AlreadyRevoked`] inside
    /// [`ArlError::Issue`] when it is revoked already.
    pub fn revoke_issuing(
        &mut self,
        name: &str,
        reason: RevocationReason,
        now: UnixTime,
    ) -> Result<(), ArlError> {
        if self.config.external_root() {
            return Err(ArlError::ExternalRoot);
        }
        let der = self
            .issuer
            .cas()
            .iter()
            .find(|ca| ca.name == name)
            .map(|ca| ca.cert_der.clone())
            .ok_or_else(|| ArlError::UnknownIssuer(name.to_owned()))?;
        let cert = dongpo_pki::Cert::parse(&der).map_err(|e| ArlError::Key(e.to_string()))?;
        let serial =
            Serial::from_integer(cert.cert.tbs_certificate().serial_number().as_bytes())
                .ok_or_else(|| ArlError::Key(format!("issuing CA '{name}': unusable serial")))?;
        let revocation = CaRevocation {
            serial: serial.as_bytes(),
            issuer: ROOT_NAME,
            ca: name,
            at: now,
            reason: reason.code(),
        };
        self.issuer.revoke_ca(
            &revocation,
            AuditEntry {
                at: now,
                kind: "issuing_ca.revoked".into(),
                body: serde_json::json!({
                    "issuer": name,
                    "serial": serial.to_hex(),
                    "reason": reason.name(),
                })
                .to_string(),
            },
        )?;
        let mut config = self.config.clone();
        for entry in &mut config.issuers {
            if entry.name == name {
                entry.retired = true;
            }
        }
        replace_private(&self.dir.join(CONFIG_FILE), config.to_toml()?.as_bytes())?;
        self.config = config;
        self.issuer.retire(name);
        Ok(())
    }

    /// The root's current ARL (DER) at `now`, signed with the root key (`given` is the
    /// key-file passphrase, else the sources of `ca.toml`): every issuing CA certificate
    /// the root revoked, numbered from the store as every CRL is.
    ///
    /// # Errors
    /// [`ArlError`].
    pub fn arl(&mut self, now: UnixTime, given: Option<Passphrase>) -> Result<Vec<u8>, ArlError> {
        if self.config.external_root() {
            return Err(ArlError::ExternalRoot);
        }
        let pass = given.map_or_else(|| passphrase(&self.dir, &self.config, &self.keyring), Ok);
        let key = load_key(&self.dir, &self.config.root, &pass)
            .map_err(|e| ArlError::Key(e.to_string()))?;
        let algorithm = signature_algorithm_for(key.public_key())
            .ok_or_else(|| ArlError::Key("no signature algorithm for the root key".into()))?;
        Ok(crate::publish::arl(
            &mut self.issuer,
            ROOT_NAME,
            &self.root_der,
            key.as_ref(),
            algorithm,
            now,
        )?)
    }
}
