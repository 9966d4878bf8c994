//! Building and signing `BasicOCSPResponse`s, and the unsigned error responses.
//!
//! Signing goes through the traits `x509-cert`'s builders use (`signature::Signer` +
//! `Keypair` + `DynSignatureAlgorithmIdentifier`), as CRLs and certificates do: dongpo's
//! one adapter `dongpo_crypto::x509::CertSigner` (or its owning form `SharedSigner`)
//! plugs any `dongpo_crypto::Signer` in. The responder ID is `byKey`
//! by default: it does not depend on how a name is encoded, which is what trips relying
//! parties up with `byName` (xipki#136).

use std::time::Duration;

use der::asn1::{GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::HashAlgorithm;
use dongpo_pki::UnixTime;
use signature::{Keypair, Signer};
use spki::{
    DynSignatureAlgorithmIdentifier, EncodePublicKey, SignatureBitStringEncoding,
    SubjectPublicKeyInfoRef,
};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::name::Name;

use crate::ocsp::asn1::{
    BasicOcspResponse, CertId, CertStatus, ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE, OcspResponse,
    OcspResponseStatus, ResponderId, ResponseBytes, ResponseData, RevokedInfo, SingleResponse,
    Version,
};
use crate::ocsp::error::OcspError;

/// What a status source knows about an issued certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertState {
    /// Issued and not revoked.
    Good,
    /// Revoked at `at`, for `reason` when one was recorded.
    Revoked {
        /// Revocation time.
        at: UnixTime,
        /// CRL reason code.
        reason: Option<CrlReason>,
    },
}

/// `byKey` for the key in `spki_der`: SHA-1 of its subjectPublicKey BIT STRING contents
/// (RFC 6960 §4.2.1, `KeyHash`).
///
/// # Errors
/// [`OcspError::Encoding`] when `spki_der` is not a SubjectPublicKeyInfo.
pub fn responder_key_id(spki_der: &[u8]) -> Result<ResponderId, OcspError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(OcspError::encoding("responder public key"))?;
    let hash = HashAlgorithm::Sha1.digest(spki.subject_public_key.raw_bytes());
    Ok(ResponderId::ByKey(
        OctetString::new(hash).map_err(OcspError::encoding("responder key hash"))?,
    ))
}

/// `GeneralizedTime` of `time`, whole seconds.
pub(crate) fn generalized(time: UnixTime) -> Result<GeneralizedTime, OcspError> {
    GeneralizedTime::from_unix_duration(Duration::from_secs(time.0))
        .map_err(OcspError::encoding("time"))
}

/// Builds one `BasicOCSPResponse` wrapped in a successful `OCSPResponse`.
#[derive(Clone, Debug)]
pub struct ResponseBuilder {
    produced_at: UnixTime,
    responder_id: Option<ResponderId>,
    responses: Vec<SingleResponse>,
    extensions: Vec<Extension>,
    certs: Vec<Certificate>,
}

impl ResponseBuilder {
    /// A response produced at `produced_at`, with `byKey` of the signer's key unless
    /// [`ResponseBuilder::responder_id`] says otherwise.
    #[must_use]
    pub fn new(produced_at: UnixTime) -> Self {
        ResponseBuilder {
            produced_at,
            responder_id: None,
            responses: Vec::new(),
            extensions: Vec::new(),
            certs: Vec::new(),
        }
    }

    /// Uses this responder ID (e.g. precomputed `byKey`, or `byName`).
    #[must_use]
    pub fn responder_id(mut self, id: ResponderId) -> Self {
        self.responder_id = Some(id);
        self
    }

    /// Uses `byName` with `name` (the responder certificate's subject).
    #[must_use]
    pub fn responder_name(self, name: Name) -> Self {
        self.responder_id(ResponderId::ByName(name))
    }

    /// Answers `cert_id`: `Some(state)` for an issued certificate, `None` for `unknown`.
    ///
    /// # Errors
    /// [`OcspError::Encoding`] for times outside GeneralizedTime.
    pub fn single(
        mut self,
        cert_id: CertId,
        state: Option<CertState>,
        this_update: UnixTime,
        next_update: Option<UnixTime>,
    ) -> Result<Self, OcspError> {
        let cert_status = match state {
            Some(CertState::Good) => CertStatus::Good(Null),
            Some(CertState::Revoked { at, reason }) => CertStatus::Revoked(RevokedInfo {
                revocation_time: generalized(at)?,
                revocation_reason: reason,
            }),
            None => CertStatus::Unknown(Null),
        };
        self.responses.push(SingleResponse {
            cert_id,
            cert_status,
            this_update: generalized(this_update)?,
            next_update: next_update.map(generalized).transpose()?,
            single_extensions: None,
        });
        Ok(self)
    }

    /// Echoes a request nonce: `extn_value` exactly as the request carried it.
    ///
    /// # Errors
    /// [`OcspError::Encoding`] when the value is too long to encode.
    pub fn nonce_extn_value(mut self, extn_value: &[u8]) -> Result<Self, OcspError> {
        self.extensions.push(Extension {
            extn_id: ID_PKIX_OCSP_NONCE,
            critical: false,
            extn_value: OctetString::new(extn_value).map_err(OcspError::encoding("nonce"))?,
        });
        Ok(self)
    }

    /// Adds a response extension.
    #[must_use]
    pub fn extension(mut self, extension: Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Includes `cert` in `certs` (a delegated responder's certificate).
    #[must_use]
    pub fn certificate(mut self, cert: Certificate) -> Self {
        self.certs.push(cert);
        self
    }

    /// Signs with a builder-style signer and returns the `OCSPResponse` DER.
    ///
    /// # Errors
    /// [`OcspError::Sign`] or [`OcspError::Encoding`].
    pub fn sign<S, Sig>(self, signer: &S) -> Result<Vec<u8>, OcspError>
    where
        S: Signer<Sig> + Keypair + DynSignatureAlgorithmIdentifier,
        S::VerifyingKey: EncodePublicKey,
        Sig: SignatureBitStringEncoding,
    {
        let sign_error = |e: &dyn std::fmt::Display| OcspError::Sign(e.to_string());
        let responder_id = match self.responder_id {
            Some(id) => id,
            None => {
                let spki = signer
                    .verifying_key()
                    .to_public_key_der()
                    .map_err(|e| sign_error(&e))?;
                responder_key_id(spki.as_bytes())?
            }
        };
        let tbs_response_data = ResponseData {
            version: Version::V1,
            responder_id,
            produced_at: generalized(self.produced_at)?,
            responses: self.responses,
            response_extensions: (!self.extensions.is_empty()).then_some(self.extensions),
        };
        let tbs = tbs_response_data
            .to_der()
            .map_err(OcspError::encoding("ResponseData"))?;
        let signature = signer
            .try_sign(&tbs)
            .map_err(|e| sign_error(&e))?
            .to_bitstring()
            .map_err(|e| sign_error(&e))?;
        let signature_algorithm = signer
            .signature_algorithm_identifier()
            .map_err(|e| sign_error(&e))?;
        let basic = BasicOcspResponse {
            signature,
            signature_algorithm,
            tbs_response_data,
            certs: (!self.certs.is_empty()).then_some(self.certs),
        };
        let basic_der = basic
            .to_der()
            .map_err(OcspError::encoding("BasicOCSPResponse"))?;
        OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes {
                response_type: ID_PKIX_OCSP_BASIC,
                response: OctetString::new(basic_der).map_err(OcspError::encoding("response"))?,
            }),
        }
        .to_der()
        .map_err(OcspError::encoding("OCSPResponse"))
    }
}

/// An unsigned error response (RFC 6960 §2.3: error responses carry no responseBytes).
/// `successful` needs responseBytes, so it is written as `internalError`.
#[must_use]
pub fn error_response(status: OcspResponseStatus) -> Vec<u8> {
    let status = match status {
        OcspResponseStatus::Successful => OcspResponseStatus::InternalError,
        other => other,
    };
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    // A five-byte SEQUENCE { ENUMERATED } cannot fail to encode.
    .unwrap_or_default()
}
