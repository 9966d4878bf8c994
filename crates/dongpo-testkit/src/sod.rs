//! EF.SOD: CMS SignedData over an LDSSecurityObject, wrapped in tag 0x77.

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{OctetString, PrintableString};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, SigningKey};
use dongpo_icao::DigestAlgorithmIdentifier;
use dongpo_icao::{DataGroupHash, LdsSecurityObject, LdsVersionInfo, tlv};
use x509_cert::Certificate;

use crate::TestkitError;
use crate::rng::SeededRng;
use crate::signed_data::{self, Signed, SignedDataRequest};
use crate::time::Instant;

/// What to put into one EF.SOD.
pub struct SodRequest<'a> {
    /// Hash of the data groups, the SignerInfo digest and the signature.
    pub hash: HashAlgorithm,
    /// The data groups hashed into the LDSSecurityObject.
    pub data_groups: &'a [(u8, &'a [u8])],
    /// LDSSecurityObject v1 (with LDSVersionInfo 0108) instead of v0.
    pub lds_v1: bool,
    /// The Document Signer certificate (embedded and named by issuerAndSerialNumber).
    pub dsc: &'a Certificate,
    /// The DSC's private key.
    pub dsc_key: &'a SigningKey,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The signingTime attribute.
    pub signing_time: Instant,
    /// eContentType and contentType attribute (ldsSecurityObject, or id-data as a quirk).
    pub content_type: ObjectIdentifier,
    /// Sign a messageDigest that is not the hash of the content.
    pub wrong_message_digest: bool,
    /// Flip one bit of the signature after signing.
    pub corrupt_signature: bool,
}

/// The EF.SOD file: tag 0x77 around a ContentInfo (DER or BER).
#[must_use]
pub fn wrap(content_info: &[u8]) -> Vec<u8> {
    tlv::encode(&[0x77], content_info)
}

/// The DER LDSSecurityObject over `data_groups`.
///
/// # Errors
/// DER encoding errors.
pub fn lds_security_object(
    hash: HashAlgorithm,
    data_groups: &[(u8, &[u8])],
    v1: bool,
) -> der::Result<Vec<u8>> {
    let hashes = data_groups
        .iter()
        .map(|(n, bytes)| {
            Ok(DataGroupHash {
                data_group_number: *n,
                data_group_hash_value: OctetString::new(hash.digest(bytes))?,
            })
        })
        .collect::<der::Result<Vec<_>>>()?;
    let version_info = if v1 {
        Some(LdsVersionInfo {
            lds_version: PrintableString::new("0108")?,
            unicode_version: PrintableString::new("040000")?,
        })
    } else {
        None
    };
    LdsSecurityObject {
        version: u8::from(v1),
        hash_algorithm: DigestAlgorithmIdentifier {
            algorithm: hash.oid(),
            parameters: None,
        },
        data_group_hash_values: hashes,
        lds_version_info: version_info,
    }
    .to_der()
}

/// Builds and signs an EF.SOD (the ContentInfo; see [`wrap`] for the file).
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn build(request: &SodRequest<'_>, rng: &mut SeededRng) -> Result<Signed, TestkitError> {
    let content = lds_security_object(request.hash, request.data_groups, request.lds_v1)?;
    signed_data::sign(
        &SignedDataRequest {
            content_type: request.content_type,
            content: &content,
            hash: request.hash,
            signer: request.dsc,
            key: request.dsc_key,
            algorithm: request.algorithm,
            certificates: &[request.dsc],
            signing_time: request.signing_time,
            wrong_message_digest: request.wrong_message_digest,
            corrupt_signature: request.corrupt_signature,
        },
        rng,
    )
}
