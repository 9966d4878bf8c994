//! `TBSCertList` and `CertificateList` with their large parts carried as finished DER.
//!
//! x509-cert's own types hold a `Vec<RevokedCert>`; these mirrors differ only in taking
//! the already encoded revoked list (and, for the outer structure, the signed TBS) by
//! reference, so the million-entry case is encoded once and never copied field by field.

use der::asn1::{AnyRef, BitString};
use der::{EncodeValue, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Version;
use x509_cert::ext::Extensions;
use x509_cert::name::Name;
use x509_cert::time::Time;

/// RFC 5280 §5.1 `TBSCertList`, with `revokedCertificates` pre-encoded (encode only).
#[derive(EncodeValue)]
pub(crate) struct TbsCertList<'a> {
    pub(crate) version: Version,
    pub(crate) signature: AlgorithmIdentifierOwned,
    pub(crate) issuer: Name,
    pub(crate) this_update: Time,
    pub(crate) next_update: Option<Time>,
    /// The SEQUENCE OF RevokedCert, tag and content.
    pub(crate) revoked_certificates: Option<AnyRef<'a>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(crate) crl_extensions: Option<Extensions>,
}

impl<'a> Sequence<'a> for TbsCertList<'a> {}

/// RFC 5280 §5.1 `CertificateList`, with the signed `tbsCertList` as its DER (encode
/// only).
#[derive(EncodeValue)]
pub(crate) struct CertificateList<'a> {
    pub(crate) tbs_cert_list: AnyRef<'a>,
    pub(crate) signature_algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: BitString,
}

impl<'a> Sequence<'a> for CertificateList<'a> {}
