//! Leniency toward named quirks: which real-world deviations a verification tolerates.
//! Every quirk used is named in the detail of the check it affected; `strict` tolerates
//! none. The type keeps the name `Policy` because that is what the CLI (`--policy`),
//! the HTTP API and the reports call it.

use serde::Serialize;

/// A verification policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `default` or `strict` (or a deployment's own name).
    pub name: String,
    /// BER (e.g. indefinite lengths) in the SOD's CMS structure.
    pub allow_ber: bool,
    /// `id-data` as eContentType instead of ldsSecurityObject.
    pub allow_id_data: bool,
    /// SignerInfo issuer name equal to the DSC's issuer only up to RDN order.
    pub allow_signer_name_order: bool,
    /// SHA-1 in the SOD signature or data-group hashes.
    pub allow_sha1: bool,
    /// The bare `rsaEncryption` OID as signature algorithm (hash from digestAlgorithm).
    pub allow_rsa_encryption_oid: bool,
    /// An RSA SOD signature labelled PKCS#1 v1.5 that is really PSS (default
    /// parameters for its hash), or the reverse.
    pub allow_mislabelled_rsa_padding: bool,
    /// DSC/CSCA profile deviations (key usage, document type list, country).
    pub allow_profile_deviations: bool,
    /// An EF.SOD without the 0x77 wrapper.
    pub allow_unwrapped_sod: bool,
    /// Bytes after the 0x77 object of EF.SOD (ignored, and not part of the evidence hash).
    pub allow_trailing_data: bool,
    /// EF.COM listing other data groups than the SOD hashes (EF.COM is unsigned and
    /// never trusted, so the difference is noted rather than fatal).
    pub allow_com_mismatch: bool,
    /// ECDSA Active Authentication when no covered DG14 names the hash
    /// (`ActiveAuthenticationInfo`): the hash whose output is as long as the key's curve
    /// order (see [`crate::active_auth::ecdsa_hash_for_curve`]).
    pub allow_aa_hash_by_curve: bool,
    /// A `skipped` revocation check makes the result invalid.
    pub require_revocation: bool,
}

impl Policy {
    /// Tolerates the deviations found in real, genuine documents, and says so.
    #[must_use]
    pub fn default_policy() -> Self {
        Policy {
            name: "default".into(),
            allow_ber: true,
            allow_id_data: true,
            allow_signer_name_order: true,
            allow_sha1: true,
            allow_rsa_encryption_oid: true,
            allow_mislabelled_rsa_padding: true,
            allow_profile_deviations: true,
            allow_unwrapped_sod: true,
            allow_trailing_data: true,
            allow_com_mismatch: true,
            allow_aa_hash_by_curve: true,
            require_revocation: false,
        }
    }

    /// Tolerates nothing.
    #[must_use]
    pub fn strict() -> Self {
        Policy {
            name: "strict".into(),
            allow_ber: false,
            allow_id_data: false,
            allow_signer_name_order: false,
            allow_sha1: false,
            allow_rsa_encryption_oid: false,
            allow_mislabelled_rsa_padding: false,
            allow_profile_deviations: false,
            allow_unwrapped_sod: false,
            allow_trailing_data: false,
            allow_com_mismatch: false,
            allow_aa_hash_by_curve: false,
            require_revocation: false,
        }
    }

    /// `default` or `strict` by name.
    #[must_use]
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::default_policy()),
            "strict" => Some(Self::strict()),
            _ => None,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::default_policy()
    }
}
