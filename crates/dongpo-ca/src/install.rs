//! The checks `dongpo ca install-issuing` makes on an issuing CA certificate that an
//! external root (a bank's own) signed, before anything is installed: the key is the
//! issuing CA's, the certificate is a CA able to sign certificates and CRLs for
//! subscribers only, it asserts the profile's policy, and it chains to the configured root
//! ([`dongpo_pki::path::validate_path`]).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::ANY_POLICY;
use dongpo_crypto::PublicKey;
use dongpo_pki::Cert;
use dongpo_pki::path::{PathError, PathOptions, validate_path};
use dongpo_pki::time::UnixTime;
use x509_cert::ext::pkix::CertificatePolicies;

/// Why an issuing CA certificate was not installed. Each names the check that failed;
/// nothing is written when one fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// No issuing CA serves the profile.
    #[error("no issuing CA serves profile '{0}'")]
    UnknownProfile(String),
    /// The profile's issuing CA is not waiting for a certificate (no request pending).
    #[error(
        "issuing CA '{0}' awaits no certificate: it is installed and no rollover request is pending"
    )]
    NotPending(String),
    /// The file is not an X.509 certificate.
    #[error("not a certificate: {0}")]
    Parse(#[source] dongpo_pki::CertError),
    /// The certificate certifies another key than the issuing CA's.
    #[error(
        "key check: the certificate's public key is not the key of issuing CA '{0}' (a certificate for another request?)"
    )]
    WrongKey(String),
    /// basicConstraints is absent or cA is false.
    #[error("CA check: basicConstraints is absent or cA is false: not a CA certificate")]
    NotCa,
    /// pathLenConstraint is not 0 (the issuing CA signs subscriber certificates only).
    #[error(
        "CA check: pathLenConstraint is {found}, not 0 (an issuing CA signs subscriber certificates only)"
    )]
    PathLength {
        /// What the certificate says (`absent` when unlimited).
        found: String,
    },
    /// keyUsage lacks a bit the issuing CA needs.
    #[error("key usage check: keyUsage lacks {0}")]
    KeyUsage(&'static str),
    /// certificatePolicies does not assert the profile's policy (or anyPolicy).
    #[error(
        "policy check: certificatePolicies does not assert profile '{profile}''s policy {policy} (or anyPolicy)"
    )]
    Policy {
        /// The profile.
        profile: String,
        /// Its policy OID.
        policy: ObjectIdentifier,
    },
    /// The configured root is not a CA certificate.
    #[error("root check: the configured root ({0}) is not a CA certificate")]
    RootNotCa(String),
    /// The configured root does not parse.
    #[error("root check: {0}")]
    Root(#[source] dongpo_pki::CertError),
    /// No valid path to the configured root at the installation time (signature,
    /// validity, names).
    #[error("chain check: {0}")]
    Chain(#[source] PathError),
    /// The certificate could not be written, or `ca.toml` updated.
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    /// The configuration could not be written.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The issuing CA could not be set up from the certificate.
    #[error(transparent)]
    Issue(#[from] crate::issue::IssueError),
}

/// What an issuing CA certificate must be, for [`check`].
pub(crate) struct Expected<'a> {
    /// The issuing CA's name (in messages).
    pub name: &'a str,
    /// The issuing CA's public key.
    pub key: &'a PublicKey,
    /// The profile it serves.
    pub profile: &'a dongpo_profiles::Profile,
    /// The configured root (DER).
    pub root: &'a [u8],
}

/// Checks `cert` (PEM or DER) against `expected` at `now`; the parsed certificate when
/// every check passes.
///
/// # Errors
/// [`InstallError`] naming the first check that failed.
pub(crate) fn check(
    cert: &[u8],
    expected: &Expected<'_>,
    now: UnixTime,
) -> Result<Cert, InstallError> {
    let cert = Cert::parse(cert).map_err(InstallError::Parse)?;
    if cert.key.to_spki_der() != expected.key.to_spki_der() {
        return Err(InstallError::WrongKey(expected.name.to_owned()));
    }
    let constraints = cert.basic_constraints().filter(|bc| bc.ca);
    let Some(constraints) = constraints else {
        return Err(InstallError::NotCa);
    };
    if constraints.path_len_constraint != Some(0) {
        return Err(InstallError::PathLength {
            found: constraints
                .path_len_constraint
                .map_or_else(|| "absent".to_owned(), |n| n.to_string()),
        });
    }
    let usage = cert
        .key_usage()
        .ok_or(InstallError::KeyUsage("keyCertSign and cRLSign"))?;
    if !usage.key_cert_sign() {
        return Err(InstallError::KeyUsage("keyCertSign"));
    }
    if !usage.crl_sign() {
        return Err(InstallError::KeyUsage("cRLSign"));
    }
    let policy = expected.profile.policy_oid;
    let asserts = cert
        .cert
        .tbs_certificate()
        .get_extension::<CertificatePolicies>()
        .ok()
        .flatten()
        .is_some_and(|(_, policies)| {
            policies
                .0
                .iter()
                .any(|p| p.policy_identifier == policy || p.policy_identifier == ANY_POLICY)
        });
    if !asserts {
        return Err(InstallError::Policy {
            profile: expected.profile.name.clone(),
            policy,
        });
    }
    let root = Cert::parse(expected.root).map_err(InstallError::Root)?;
    if !root.can_certify() {
        return Err(InstallError::RootNotCa(root.subject()));
    }
    let mut options = PathOptions::new(now);
    options.initial_policy_set = vec![policy];
    options.explicit_policy = true;
    validate_path(&cert, &[], std::slice::from_ref(&root), &options)
        .map_err(InstallError::Chain)?;
    Ok(cert)
}
