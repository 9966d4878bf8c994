//! CMS SignedData as ICAO signs it (EF.SOD, master lists): signedAttrs with
//! contentType, signingTime and messageDigest; issuerAndSerialNumber; embedded signer.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, SigningKey};
use dongpo_icao::oid;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::TestkitError;
use crate::rng::SeededRng;
use crate::time::Instant;

/// What to sign.
pub struct SignedDataRequest<'a> {
    /// eContentType and the contentType attribute.
    pub content_type: ObjectIdentifier,
    /// eContent (DER of the signed object).
    pub content: &'a [u8],
    /// Hash of the SignerInfo digest and the signature.
    pub hash: HashAlgorithm,
    /// The signer's certificate (named by issuerAndSerialNumber).
    pub signer: &'a Certificate,
    /// The signer's private key.
    pub key: &'a SigningKey,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Certificates to embed (the signer's first).
    pub certificates: &'a [&'a Certificate],
    /// The signingTime attribute.
    pub signing_time: Instant,
    /// Sign a messageDigest that is not the hash of the content.
    pub wrong_message_digest: bool,
    /// Flip one bit of the signature after signing.
    pub corrupt_signature: bool,
}

/// A signed CMS object.
pub struct Signed {
    /// The DER CMS ContentInfo.
    pub content_info: Vec<u8>,
    /// The raw signature value inside the SignerInfo.
    pub signature: Vec<u8>,
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

/// Builds and signs the SignedData.
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn sign(request: &SignedDataRequest<'_>, rng: &mut SeededRng) -> Result<Signed, TestkitError> {
    let digest_input: Vec<u8> = if request.wrong_message_digest {
        [request.content, b"not the signed content"].concat()
    } else {
        request.content.to_vec()
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
        .key
        .sign_with_rng(&request.algorithm, &to_sign, rng)?;
    if request.corrupt_signature
        && let Some(last) = signature.last_mut()
    {
        *last ^= 0x01;
    }

    let tbs = request.signer.tbs_certificate();
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
    for cert in request.certificates {
        certificates.insert(CertificateChoices::Certificate((*cert).clone()))?;
    }
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer)?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: request.content_type,
            econtent: Some(Any::encode_from(&OctetString::new(request.content)?)?),
        },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let content_info = ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::from_der(&signed_data.to_der()?)?,
    };
    Ok(Signed {
        content_info: content_info.to_der()?,
        signature,
    })
}
