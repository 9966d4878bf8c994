//! EF.SOD: CMS SignedData over an LDSSecurityObject, wrapped in tag 0x77.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, PrintableString, SetOfVec};
use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, SigningKey};
use dongpo_icao::lds_security_object::DigestAlgorithmIdentifier;
use dongpo_icao::{DataGroupHash, LdsSecurityObject, LdsVersionInfo, oid, tlv};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::TestkitError;
use crate::rng::SeededRng;
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

/// A built SOD.
pub struct Sod {
    /// The DER CMS ContentInfo.
    pub content_info: Vec<u8>,
    /// The raw signature value inside the SignerInfo.
    pub signature: Vec<u8>,
}

/// The EF.SOD file: tag 0x77 around a ContentInfo (DER or BER).
#[must_use]
pub fn wrap(content_info: &[u8]) -> Vec<u8> {
    tlv::encode(&[0x77], content_info)
}

fn digest_identifier(hash: HashAlgorithm) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
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

/// Builds and signs an EF.SOD.
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn build(request: &SodRequest<'_>, rng: &mut SeededRng) -> Result<Sod, TestkitError> {
    let content = lds_security_object(request.hash, request.data_groups, request.lds_v1)?;
    let digest_input: Vec<u8> = if request.wrong_message_digest {
        [content.as_slice(), b"not the signed content"].concat()
    } else {
        content.clone()
    };
    let mut signed_attrs = SetOfVec::new();
    signed_attrs.insert(attribute(
        oid::ATTR_CONTENT_TYPE,
        Any::encode_from(&request.content_type)?,
    )?)?;
    signed_attrs.insert(attribute(
        oid::ATTR_SIGNING_TIME,
        Any::encode_from(&request.signing_time.x509()?)?,
    )?)?;
    let message_digest = OctetString::new(request.hash.digest(&digest_input))?;
    signed_attrs.insert(attribute(
        oid::ATTR_MESSAGE_DIGEST,
        Any::encode_from(&message_digest)?,
    )?)?;

    // The signature covers the DER SET OF (tag 0x31), not the [0] IMPLICIT form.
    let to_sign = signed_attrs.to_der()?;
    let mut signature = request
        .dsc_key
        .sign_with_rng(&request.algorithm, &to_sign, rng)?;
    if request.corrupt_signature
        && let Some(last) = signature.last_mut()
    {
        *last ^= 0x01;
    }

    let tbs = request.dsc.tbs_certificate();
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_identifier(request.hash),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: request.algorithm.to_identifier(),
        signature: OctetString::new(signature.clone())?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(digest_identifier(request.hash))?;
    let mut certificates = SetOfVec::new();
    certificates.insert(CertificateChoices::Certificate(request.dsc.clone()))?;
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer)?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: request.content_type,
            econtent: Some(Any::encode_from(&OctetString::new(content)?)?),
        },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let content_info = ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::from_der(&signed_data.to_der()?)?,
    };
    Ok(Sod {
        content_info: content_info.to_der()?,
        signature,
    })
}
