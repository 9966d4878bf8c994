//! ICAO deviation lists (9303-12 §10): the `DeviationList` content and the signed CMS,
//! from a deviation-list signer certificate and key (see [`crate::pki::Role`]).

use const_oid::ObjectIdentifier;
use der::Encode;
use der::asn1::{Any, OctetString, PrintableString, SetOfVec};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, SigningKey};
use dongpo_icao::deviation_list::asn1;
use x509_cert::Certificate;

use crate::TestkitError;
use crate::rng::SeededRng;
use crate::signed_data::{SignedDataRequest, sign};
use crate::time::Instant;

/// Which DSC(s) a deviation names.
#[derive(Clone, Debug)]
pub enum Target {
    /// By the DSC's issuer and serial number.
    IssuerSerial(Box<Certificate>),
    /// By the DSC's subjectKeyIdentifier.
    KeyId(Vec<u8>),
    /// By the SHA-256 digest of the DSC's DER.
    Digest(Vec<u8>),
    /// No dscIdentifier: every DSC of the signer's CSCA.
    AllOfCsca,
}

/// One defect: deviationType, optional small-integer parameter, optional description.
#[derive(Clone, Debug)]
pub struct Defect {
    /// deviationType (see `dongpo_icao::deviation_list::deviation_oid`).
    pub kind: ObjectIdentifier,
    /// The parameter (a data group or MRZ field number), if any.
    pub parameter: Option<u8>,
    /// The description, if any.
    pub description: Option<String>,
}

/// The DER `DeviationList` (v0, no digestAlgorithm) of `deviations`.
///
/// # Errors
/// [`TestkitError::Der`] for encoding failures.
pub fn content(deviations: &[(Target, Vec<Defect>)]) -> Result<Vec<u8>, TestkitError> {
    let mut set = SetOfVec::new();
    for (target, defects) in deviations {
        let mut descriptions = SetOfVec::new();
        for d in defects {
            descriptions.insert(Any::encode_from(&asn1::DeviationDescription {
                description: d
                    .description
                    .as_deref()
                    .map(PrintableString::new)
                    .transpose()?,
                deviation_type: d.kind,
                parameters: d.parameter.map(|n| Any::encode_from(&n)).transpose()?,
                national_use: None,
            })?)?;
        }
        let dsc_identifier = match target {
            Target::IssuerSerial(dsc) => {
                let tbs = dsc.tbs_certificate();
                Some(asn1::DocumentSignerIdentifier::IssuerAndSerialNumber(
                    cms::cert::IssuerAndSerialNumber {
                        issuer: tbs.issuer().clone(),
                        serial_number: tbs.serial_number().clone(),
                    },
                ))
            }
            Target::KeyId(ski) => Some(asn1::DocumentSignerIdentifier::SubjectKeyIdentifier(
                OctetString::new(ski.clone())?,
            )),
            Target::Digest(digest) => Some(asn1::DocumentSignerIdentifier::CertificateDigest(
                OctetString::new(digest.clone())?,
            )),
            Target::AllOfCsca => None,
        };
        set.insert(Any::encode_from(&asn1::Deviation {
            documents: asn1::DeviationDocuments {
                document_type: None,
                dsc_identifier,
                issuing_date: None,
                document_numbers: None,
            },
            descriptions,
        })?)?;
    }
    Ok(asn1::DeviationList {
        version: 0,
        digest_algorithm: None,
        deviations: set,
    }
    .to_der()?)
}

/// The signed deviation list (DER CMS ContentInfo, SHA-256, signer embedded).
///
/// # Errors
/// [`TestkitError`] for encoding or signing failures.
pub fn sign_list(
    signer: &Certificate,
    key: &SigningKey,
    algorithm: SignatureAlgorithm,
    content: &[u8],
    signing_time: Instant,
    rng: &mut SeededRng,
) -> Result<Vec<u8>, TestkitError> {
    Ok(sign(
        &SignedDataRequest {
            content_type: dongpo_icao::oid::DEVIATION_LIST,
            content,
            hash: HashAlgorithm::Sha256,
            signer,
            key,
            algorithm,
            certificates: &[signer],
            signing_time,
            wrong_message_digest: false,
            corrupt_signature: false,
        },
        rng,
    )?
    .content_info)
}
