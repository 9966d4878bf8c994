//! A registry-only [`Ca`]: what a verifier process (`dongpo-server --role verifier`) holds.
//! The registry of overseas citizens, its keys (registry, sealing, audit) and its audit
//! chain, in a store of the usual schema, with no root, no issuing CA and no signing key:
//! nothing is loaded or created that could issue, sign a CRL or answer OCSP.
//!
//! The store is marked as a verifier's (pin [`ROLE_PIN`] = [`VERIFIER_ROLE`]): a CA refuses
//! to open it ([`Ca::open_with`]) and this refuses a store that pins a CA's root.

use std::path::Path;

use dongpo_pki::time::UnixTime;

use super::{Ca, OpenError, Overrides};
use crate::audit::{AuditChain, AuditEntry};
use crate::config::{CaConfig, CaEntry, PassphraseSource};
use crate::issue::Issuer;
use crate::keyring::{Kek, KeyName, Keyring};
use crate::ra::RaPolicy;
use crate::registry::RegistryKey;
use crate::registry_seal::RegistrySeal;

/// The store pin naming the role of the process that owns the store.
pub const ROLE_PIN: &str = "role";
/// [`ROLE_PIN`]'s value in a verifier's store.
pub const VERIFIER_ROLE: &str = "verifier";

/// How long a verification report stays usable for an issuance (seconds), as `dongpo ca
/// init` sets it; a registry-only CA issues nothing, this only bounds what it keeps.
const MAX_REPORT_AGE: u64 = 600;

impl Ca {
    /// Opens (creating its keys and store on first use) the registry of a verifier in
    /// `dir`: the store at `overrides.store` (else `dir/registry.sqlite`), the keyring at
    /// `overrides.default_key_dir` (else `<dir>.keys`), the audit node `overrides.node`.
    /// The result has no profiles and no issuing CA: [`Ca::holds_hierarchy`] is false.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use dongpo_ca::{Ca, Overrides};
    ///
    /// let dir = std::env::temp_dir().join(format!("dongpo-doc-registry-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let ca = Ca::open_registry(&dir, &Overrides::default())?;
    /// assert!(!ca.holds_hierarchy());
    /// assert!(ca.profiles().is_empty());
    /// # let keys = ca.keyring().dir().to_path_buf();
    /// # drop(ca);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # std::fs::remove_dir_all(keys)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`OpenError::Store`] when the store holds a CA hierarchy (a pinned root); the
    /// keyring's, the store's and the seal's failures.
    pub fn open_registry(dir: &Path, overrides: &Overrides) -> Result<Self, OpenError> {
        let location = overrides
            .store
            .clone()
            .unwrap_or_else(|| dir.join(REGISTRY_STORE).display().to_string());
        let node = overrides
            .node
            .clone()
            .unwrap_or_else(|| "verifier-1".into());
        let key_dir = overrides
            .default_key_dir
            .clone()
            .unwrap_or_else(|| Keyring::default_dir(dir));
        let kek = match &overrides.kek {
            Some(kek) => Some(kek.clone()),
            None => Kek::from_process_env()?,
        };
        let keyring = Keyring::new(key_dir.clone(), kek);
        let claim =
            crate::store::claim::claim_node(&location, &node).map_err(OpenError::StoreFailed)?;
        let mut store = crate::store::open(&location).map_err(OpenError::StoreFailed)?;
        if store
            .pinned("root_sha256")
            .map_err(OpenError::StoreFailed)?
            .is_some()
        {
            return Err(OpenError::Store(format!(
                "the store at {} belongs to a CA (it pins a root certificate): a verifier keeps \
                 its registry in a database of its own",
                crate::store::redacted_location(&location)
            )));
        }
        let fresh = !store.holds_history().map_err(OpenError::StoreFailed)?;
        let audit_key = keyring.key32_or_create(KeyName::Audit)?;
        let registry_secret = keyring.key32_or_create(KeyName::Registry)?;
        for (name, value) in [
            (ROLE_PIN.to_owned(), VERIFIER_ROLE.to_owned()),
            (
                "audit_key".to_owned(),
                crate::store::claim::secret_fingerprint(&audit_key, "audit key"),
            ),
            (
                "registry_key".to_owned(),
                crate::store::claim::secret_fingerprint(&registry_secret, "registry key"),
            ),
        ] {
            crate::store::claim::check_pin(store.as_mut(), &name, &value).map_err(|source| {
                OpenError::Pin {
                    dir: dir.to_path_buf(),
                    source,
                }
            })?;
        }
        let tail = store.audit_tail(&node).map_err(OpenError::StoreFailed)?;
        let chain = AuditChain::resume(&audit_key, &node, tail.as_ref());
        let now = overrides.now.unwrap_or_else(UnixTime::now);
        let seal_key = super::registry_seal_key(&keyring, store.as_mut())?;
        let seal = RegistrySeal::load(seal_key, store.as_mut(), now)?;
        let mut issuer = Issuer::new(Vec::new(), store, chain, 1).with_claim(Some(claim));
        if fresh {
            issuer.audit(&[AuditEntry {
                at: now,
                kind: "registry.created".into(),
                body: serde_json::json!({ "role": VERIFIER_ROLE }).to_string(),
            }])?;
        }
        let config = CaConfig {
            node,
            // As in `ca.toml`: relative to `dir` ([`crate::resolve_store`] joins it), so a
            // relative `dir` is not joined twice.
            store: overrides
                .store
                .clone()
                .unwrap_or_else(|| REGISTRY_STORE.to_owned()),
            key_algorithm: String::new(),
            crl_partitions: 1,
            profiles_dir: None,
            max_report_age: MAX_REPORT_AGE,
            access_retention_days: None,
            passphrase: PassphraseSource {
                env: None,
                file: None,
            },
            key_dir: Some(key_dir.display().to_string()),
            root: CaEntry {
                name: String::new(),
                cert: String::new(),
                key: None,
                profiles: Vec::new(),
                csr: None,
                retired: false,
            },
            issuers: Vec::new(),
        };
        Ok(Ca {
            dir: dir.to_path_buf(),
            config,
            profiles: Vec::new(),
            keyring,
            registry_key: RegistryKey::new(*registry_secret),
            audit_key,
            seal,
            root_der: Vec::new(),
            ra_policy: RaPolicy {
                max_report_age: MAX_REPORT_AGE,
            },
            issuer,
            pending: Vec::new(),
        })
    }

    /// Whether this CA holds a hierarchy (a root and issuing CAs): false for a verifier's
    /// registry ([`Ca::open_registry`]).
    #[must_use]
    pub fn holds_hierarchy(&self) -> bool {
        !self.root_der.is_empty()
    }
}

/// The registry store's SQLite file in a verifier's registry directory.
pub const REGISTRY_STORE: &str = "registry.sqlite";
