//! CRLs of the issuing CAs (full, or one partition), from the store. The builder lives in
//! `dongpo-revocation`; this file decides what goes in and takes the CRL number.

use std::collections::BTreeSet;

use der::Decode;
use dongpo_pki::time::UnixTime;
use dongpo_profiles::Profile;
use dongpo_revocation::{CrlIssuer, CrlNumber, CrlSpec, RevokedEntry, Scope, build_crl};
use x509_cert::Certificate;

use crate::audit::AuditEntry;
use crate::extensions::crl_url;
use crate::issue::{IssueError, Issuer, partition_of};
use dongpo_crypto::x509::CertSigner;
use dongpo_pki::Serial;

/// How long a CRL is valid (nextUpdate - thisUpdate). It is reissued on revocation and
/// well before this runs out, so nextUpdate never passes.
pub const CRL_VALIDITY: u64 = 7 * 86_400;

/// Which certificates a CRL covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrlScope {
    /// Every certificate of the issuing CA.
    Full,
    /// One partition (as baked into the certificates' CRL distribution points).
    Partition(u32),
    /// A delta CRL (RFC 5280 §5.2.4) over the complete CRL numbered `base`: every
    /// revoked certificate of the CA that the base does not list, whatever its
    /// revocation time. Deciding by what the base lists, not by comparing revocation
    /// times with the base's thisUpdate, keeps a revocation committed late (a slow
    /// transaction, another node's clock behind this one's) from being missed by both.
    /// It shares the complete CRLs' number sequence, so its number is above `base`.
    /// [`CrlScope::delta_over`] makes one from the base CRL itself.
    Delta {
        /// cRLNumber of the base (complete) CRL.
        base: u64,
        /// The serials the base lists.
        on_base: BTreeSet<Serial>,
    },
}

impl CrlScope {
    /// The delta scope over `base_der`, a complete CRL of the CA: its cRLNumber and the
    /// serials it lists.
    ///
    /// # Errors
    /// [`PublishError::Crl`] when the base does not parse, [`PublishError::Build`] when it
    /// is a delta or has no usable cRLNumber.
    pub fn delta_over(base_der: &[u8]) -> Result<CrlScope, PublishError> {
        let base = dongpo_revocation::Crl::parse(base_der).map_err(build)?;
        if base.delta_base_hex().is_some() {
            return Err(PublishError::Build(
                "the base of a delta CRL must be a complete CRL, not a delta".into(),
            ));
        }
        let number = base
            .number_hex()
            .and_then(|h| u64::from_str_radix(&h, 16).ok())
            .ok_or_else(|| PublishError::Build("base CRL without a usable cRLNumber".into()))?;
        let on_base = base
            .revoked()
            .filter_map(|entry| Serial::from_bytes(entry.serial_number.as_bytes()))
            .collect();
        Ok(CrlScope::Delta {
            base: number,
            on_base,
        })
    }
}

/// Publishing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// No issuing CA of that name.
    #[error("no issuing CA named '{0}'")]
    UnknownIssuer(String),
    /// A partition outside the CA's range.
    #[error("partition {index} is outside 0..{partitions}")]
    Partition {
        /// The partition asked for.
        index: u32,
        /// How many there are.
        partitions: u32,
    },
    /// Building failed (described in words).
    #[error("{0}")]
    Build(String),
    /// Reading the base CRL, the issuer certificate, or building or signing the CRL
    /// failed: the error of the step that failed.
    #[error("{0}")]
    Crl(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// Where the delta CRL of the issuing CA `issuer` of a profile is published: its CRL
/// distribution point with `delta` for the partition (`.../kb-delta.crl`, `.../kb-g2-delta.crl`).
#[must_use]
pub fn delta_crl_url(profile: &Profile, issuer: &str) -> String {
    crl_url(profile, issuer, "delta")
}

fn build(e: impl std::error::Error + Send + Sync + 'static) -> PublishError {
    PublishError::Crl(Box::new(e))
}

/// Builds and signs the current ARL of the root (`name` in the store) at `now` with its
/// key: the CA certificates it revoked ([`crate::store::Store::revoke_ca`]), the number
/// taken from the store as for every CRL.
///
/// # Errors
/// [`PublishError`].
pub(crate) fn arl(
    issuer: &mut Issuer,
    name: &str,
    root_der: &[u8],
    key: &dyn dongpo_crypto::Signer,
    algorithm: dongpo_crypto::SignatureAlgorithm,
    now: UnixTime,
) -> Result<Vec<u8>, PublishError> {
    let floor = now.0.saturating_mul(1_000_000_000);
    let snapshot = issuer.crl_snapshot(
        name,
        "full",
        floor,
        AuditEntry {
            at: now,
            kind: "crl.issued".into(),
            body: serde_json::json!({ "issuer": name, "scope": "full" }).to_string(),
        },
    )?;
    let entries: Vec<RevokedEntry> = snapshot
        .revoked
        .into_iter()
        .map(|r| RevokedEntry {
            serial: r.serial,
            revoked_at: r.revoked_at,
            reason: Some(r.reason),
            invalidity_date: None,
        })
        .collect();
    let crl_number = CrlNumber::from_bytes(&snapshot.number.to_be_bytes()).map_err(build)?;
    let cert = Certificate::from_der(root_der).map_err(build)?;
    let crl_issuer = CrlIssuer::from_certificate(&cert).map_err(build)?;
    let signer = CertSigner::new(key, algorithm);
    build_crl(
        &CrlSpec {
            issuer: &crl_issuer,
            crl_number: &crl_number,
            this_update: now,
            next_update: UnixTime(now.0 + CRL_VALIDITY),
            entries: &entries,
            scope: Scope::CaCertificates,
            delta_of: None,
            freshest: None,
        },
        &signer,
    )
    .map_err(build)
}

/// Builds and signs the current CRL of `issuer` at `now`, taking the next CRL number from
/// the store (atomically, audited) so numbers only grow across restarts and nodes.
///
/// # Errors
/// [`PublishError`].
pub fn crl(
    issuer: &mut Issuer,
    name: &str,
    profile: Option<&Profile>,
    scope: CrlScope,
    now: UnixTime,
) -> Result<Vec<u8>, PublishError> {
    let partitions = issuer.crl_partitions();
    let (cert_der, key, algorithm) = {
        let ca = issuer
            .cas()
            .iter()
            .find(|ca| ca.name == name)
            .ok_or_else(|| PublishError::UnknownIssuer(name.to_owned()))?;
        (ca.cert_der.clone(), ca.key.clone(), ca.algorithm)
    };
    let scope_label = match &scope {
        // A delta shares the number sequence of the complete CRLs of its scope (§5.2.3).
        CrlScope::Full | CrlScope::Delta { .. } => "full".to_owned(),
        CrlScope::Partition(index) if *index < partitions => format!("partition-{index}"),
        CrlScope::Partition(index) => {
            return Err(PublishError::Partition {
                index: *index,
                partitions,
            });
        }
    };
    // Boulder's rule: the number is at least thisUpdate in nanoseconds (fits i64 until 2262).
    let floor = now.0.saturating_mul(1_000_000_000);
    // The number first, then the revoked list, in one transaction: a CRL numbered higher
    // was read later and so never omits what a lower-numbered one lists.
    let snapshot = issuer.crl_snapshot(
        name,
        &scope_label,
        floor,
        AuditEntry {
            at: now,
            kind: "crl.issued".into(),
            body: serde_json::json!({ "issuer": name, "scope": scope_label }).to_string(),
        },
    )?;
    let number = snapshot.number;
    let entries: Vec<RevokedEntry> = snapshot
        .revoked
        .into_iter()
        .filter(|r| match &scope {
            CrlScope::Full => true,
            CrlScope::Delta { on_base, .. } => {
                Serial::from_bytes(&r.serial).is_none_or(|s| !on_base.contains(&s))
            }
            CrlScope::Partition(index) => Serial::from_bytes(&r.serial)
                .is_some_and(|s| partition_of(&s, partitions) == *index),
        })
        .map(|r| RevokedEntry {
            serial: r.serial,
            revoked_at: r.revoked_at,
            reason: Some(r.reason),
            invalidity_date: None,
        })
        .collect();
    let crl_number = CrlNumber::from_bytes(&number.to_be_bytes()).map_err(build)?;
    let cert = Certificate::from_der(&cert_der).map_err(build)?;
    let crl_issuer = CrlIssuer::from_certificate(&cert).map_err(build)?;
    let url;
    let base = match &scope {
        CrlScope::Delta { base, .. } => {
            Some(CrlNumber::from_bytes(&base.to_be_bytes()).map_err(build)?)
        }
        _ => None,
    };
    // The complete CRL names its delta (freshestCRL): relying parties, OpenSSL among
    // them, look for deltas only where it says so.
    let freshest = match (&scope, profile) {
        (CrlScope::Full, Some(profile)) => Some(delta_crl_url(profile, name)),
        _ => None,
    };
    let scope = match scope {
        CrlScope::Full | CrlScope::Delta { .. } => Scope::Full,
        CrlScope::Partition(index) => {
            let profile = profile.ok_or_else(|| {
                PublishError::Build(format!("issuing CA '{name}' has no profile"))
            })?;
            url = crl_url(profile, name, &index.to_string());
            Scope::Partition {
                index,
                partitions,
                url: &url,
            }
        }
    };
    let signer = CertSigner::new(key.as_ref(), algorithm);
    build_crl(
        &CrlSpec {
            issuer: &crl_issuer,
            crl_number: &crl_number,
            this_update: now,
            next_update: UnixTime(now.0 + CRL_VALIDITY),
            entries: &entries,
            scope,
            delta_of: base.as_ref(),
            freshest: freshest.as_deref(),
        },
        &signer,
    )
    .map_err(build)
}
