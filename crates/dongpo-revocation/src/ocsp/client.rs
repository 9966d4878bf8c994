//! Relying-party verification of OCSP responses: who signed, about what, how fresh, and
//! whether the nonce came back.

use der::asn1::{AnyRef, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::{HashAlgorithm, SignatureAlgorithm, Verifier};
use dongpo_pki::name::{NameMatch, same_name};
use dongpo_pki::{Cert, UnixTime};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;

use crate::ocsp::asn1::{
    BasicOcspResponse, CertId, CertStatus, ID_KP_OCSP_SIGNING, ID_PKIX_OCSP_BASIC,
    ID_PKIX_OCSP_NONCE, OcspResponse, OcspResponseStatus, ResponderId, SingleResponse,
};
use crate::ocsp::error::OcspError;
use crate::ocsp::request::{Nonce, ParsedRequest, issuer_hashes};

/// How far in the future thisUpdate may lie: clocks of responders and relying parties
/// drift (OpenSSL's `OCSP_check_validity` allows 5 minutes by default too).
pub const MAX_CLOCK_SKEW: u64 = 300;

/// What the response is checked against.
#[derive(Clone, Copy, Debug)]
pub enum Query<'a> {
    /// One CertID.
    CertId(&'a CertId),
    /// The request sent (every CertID in it must be answered).
    Request(&'a ParsedRequest),
}

impl<'a> From<&'a CertId> for Query<'a> {
    fn from(id: &'a CertId) -> Self {
        Query::CertId(id)
    }
}

impl<'a> From<&'a ParsedRequest> for Query<'a> {
    fn from(request: &'a ParsedRequest) -> Self {
        Query::Request(request)
    }
}

/// A certificate's status as a verified response states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked {
        /// revocationTime.
        at: UnixTime,
        /// revocationReason, if given.
        reason: Option<CrlReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// Who signed a verified response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedBy {
    /// The issuer's own key.
    Issuer,
    /// A delegated responder certificate issued by the issuer.
    Delegate {
        /// Its subject.
        subject: String,
    },
}

/// One verified answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SingleStatus {
    /// The status.
    pub status: Status,
    /// thisUpdate.
    pub this_update: UnixTime,
    /// nextUpdate.
    pub next_update: Option<UnixTime>,
    /// producedAt.
    pub produced_at: UnixTime,
    /// Who signed.
    pub signed_by: SignedBy,
}

/// A successful response, parsed but not verified.
#[derive(Clone, Debug)]
pub struct ParsedResponse {
    /// The basic response.
    pub basic: BasicOcspResponse,
    /// `tbsResponseData` exactly as received (what the signature covers).
    pub tbs_der: Vec<u8>,
}

/// Parses an `OCSPResponse`; statuses other than `successful` are errors.
///
/// # Errors
/// [`OcspError::Status`] for error responses, [`OcspError::MalformedResponse`] otherwise.
pub fn parse_response(der: &[u8]) -> Result<ParsedResponse, OcspError> {
    let malformed = |e: der::Error| OcspError::MalformedResponse(e.into());
    let response = OcspResponse::from_der(der).map_err(malformed)?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(OcspError::Status(response.response_status));
    }
    let bytes = response
        .response_bytes
        .ok_or_else(|| OcspError::MalformedResponse("successful without responseBytes".into()))?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(OcspError::MalformedResponse(
            format!(
                "response type {} is not id-pkix-ocsp-basic",
                bytes.response_type
            )
            .into(),
        ));
    }
    let inner = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(inner).map_err(malformed)?;
    // The first element of the outer SEQUENCE, as sent: the signature covers these bytes.
    let outer = AnyRef::from_der(inner).map_err(malformed)?;
    let mut reader = der::SliceReader::new(outer.value()).map_err(malformed)?;
    let tbs = AnyRef::decode(&mut reader).map_err(malformed)?;
    let tbs_der = tbs.to_der().map_err(malformed)?;
    Ok(ParsedResponse { basic, tbs_der })
}

/// Verifies `response_der` as an answer about `query` from `issuer` at time `at`, and
/// returns the status of the (first) certificate asked about.
///
/// Checks: status `successful`; signed by the issuer's key or by a delegated responder
/// certificate issued by the issuer with id-kp-OCSPSigning and valid at `at`; the CertID
/// names `issuer` and is answered; thisUpdate <= `at` + [`MAX_CLOCK_SKEW`] and a
/// nextUpdate >= `at` (a response without nextUpdate cannot be shown fresh and is
/// refused); no unknown critical extensions; the nonce when `expected_nonce` is given.
///
/// # Errors
/// The first [`OcspError`] found.
pub fn verify_response<'a>(
    response_der: &[u8],
    query: impl Into<Query<'a>>,
    issuer: &Cert,
    at: UnixTime,
    expected_nonce: Option<&[u8]>,
    verifier: &Verifier,
) -> Result<SingleStatus, OcspError> {
    let statuses = verify_responses(response_der, query, issuer, at, expected_nonce, verifier)?;
    statuses
        .into_iter()
        .next()
        .ok_or_else(|| OcspError::CertIdMismatch("empty query".into()))
}

/// As [`verify_response`], returning one status per CertID of `query`, in order.
///
/// # Errors
/// The first [`OcspError`] found.
pub fn verify_responses<'a>(
    response_der: &[u8],
    query: impl Into<Query<'a>>,
    issuer: &Cert,
    at: UnixTime,
    expected_nonce: Option<&[u8]>,
    verifier: &Verifier,
) -> Result<Vec<SingleStatus>, OcspError> {
    let cert_ids: Vec<&CertId> = match query.into() {
        Query::CertId(id) => vec![id],
        Query::Request(request) => request.cert_ids.iter().collect(),
    };
    for id in &cert_ids {
        check_names_issuer(id, issuer)?;
    }
    let parsed = parse_response(response_der)?;
    let data = &parsed.basic.tbs_response_data;
    let signed_by = check_signature(&parsed, issuer, at, verifier)?;
    let extensions = data.response_extensions.as_deref().unwrap_or_default();
    check_critical(extensions, &[ID_PKIX_OCSP_NONCE])?;
    if let Some(expected) = expected_nonce {
        check_nonce(extensions, expected)?;
    }
    let produced_at = UnixTime(data.produced_at.to_unix_duration().as_secs());
    let mut out = Vec::with_capacity(cert_ids.len());
    for id in cert_ids {
        let single = data
            .responses
            .iter()
            .find(|r| same_cert_id(&r.cert_id, id))
            .ok_or_else(|| unanswered(id))?;
        check_critical(single.single_extensions.as_deref().unwrap_or_default(), &[])?;
        out.push(single_status(single, at, produced_at, signed_by.clone())?);
    }
    Ok(out)
}

fn unanswered(id: &CertId) -> OcspError {
    OcspError::CertIdMismatch(format!(
        "{} serial {}",
        id.hash_algorithm.oid,
        hex::encode(id.serial_number.as_bytes())
    ))
}

fn check_names_issuer(id: &CertId, issuer: &Cert) -> Result<(), OcspError> {
    let hash = HashAlgorithm::from_oid(&id.hash_algorithm.oid)
        .map_err(|e| OcspError::WrongIssuer(format!("{}: {e}", issuer.subject())))?;
    let (name_hash, key_hash) = issuer_hashes(hash, issuer)?;
    if id.issuer_name_hash.as_bytes() == name_hash && id.issuer_key_hash.as_bytes() == key_hash {
        Ok(())
    } else {
        Err(OcspError::WrongIssuer(issuer.subject()))
    }
}

/// CertIDs match on hash OID (parameters NULL or absent alike), both hashes and serial.
fn same_cert_id(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

fn key_hash_of(cert: &Cert) -> Vec<u8> {
    let key = &cert
        .cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key;
    HashAlgorithm::Sha1.digest(key.raw_bytes())
}

fn responder_is(id: &ResponderId, cert: &Cert) -> bool {
    match id {
        ResponderId::ByKey(hash) => hash.as_bytes() == key_hash_of(cert),
        ResponderId::ByName(name) => {
            same_name(name, cert.cert.tbs_certificate().subject()) != NameMatch::Different
        }
    }
}

/// Finds the signing key the responder ID points at, and verifies the signature with it.
fn check_signature(
    parsed: &ParsedResponse,
    issuer: &Cert,
    at: UnixTime,
    verifier: &Verifier,
) -> Result<SignedBy, OcspError> {
    let basic = &parsed.basic;
    let responder = &basic.tbs_response_data.responder_id;
    let (key, signed_by) = if responder_is(responder, issuer) {
        (issuer.key.clone(), SignedBy::Issuer)
    } else {
        let delegate = find_delegate(basic, responder)?;
        check_delegate(&delegate, issuer, at, verifier)?;
        let subject = delegate.subject();
        (delegate.key, SignedBy::Delegate { subject })
    };
    let alg = &basic.signature_algorithm;
    let algorithm = SignatureAlgorithm::from_oid_and_parameters(
        &alg.oid,
        alg.parameters.as_ref().map(der::asn1::Any::to_ref),
        None,
    )
    .map_err(|e| OcspError::Signature(e.to_string()))?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| OcspError::Signature("BIT STRING with unused bits".into()))?;
    verifier
        .verify(&key, &algorithm, &parsed.tbs_der, signature)
        .map_err(|e| OcspError::Signature(e.to_string()))?;
    Ok(signed_by)
}

fn find_delegate(basic: &BasicOcspResponse, responder: &ResponderId) -> Result<Cert, OcspError> {
    for cert in basic.certs.iter().flatten() {
        let der = cert
            .to_der()
            .map_err(|e| OcspError::MalformedResponse(e.into()))?;
        let Ok(parsed) = Cert::parse(&der) else {
            continue;
        };
        if responder_is(responder, &parsed) {
            return Ok(parsed);
        }
    }
    Err(OcspError::UnauthorisedResponder(
        "the responder ID names neither the issuer nor a certificate in the response".into(),
    ))
}

/// RFC 6960 §4.2.2.2: a delegate must be issued directly by the CA and carry
/// id-kp-OCSPSigning; we also require it to be valid at `at`.
fn check_delegate(
    delegate: &Cert,
    issuer: &Cert,
    at: UnixTime,
    verifier: &Verifier,
) -> Result<(), OcspError> {
    let refuse =
        |what: String| OcspError::UnauthorisedResponder(format!("{}: {what}", delegate.subject()));
    if same_name(
        delegate.cert.tbs_certificate().issuer(),
        issuer.cert.tbs_certificate().subject(),
    ) == NameMatch::Different
    {
        return Err(refuse(format!(
            "issued by {}, not {}",
            delegate.issuer(),
            issuer.subject()
        )));
    }
    delegate
        .verify_signed_by(&issuer.key, verifier)
        .map_err(|e| refuse(format!("not signed by the issuer: {e}")))?;
    if !delegate.has_extended_key_usage(&ID_KP_OCSP_SIGNING) {
        return Err(refuse("no id-kp-OCSPSigning extended key usage".into()));
    }
    if !delegate.valid_at(at) {
        return Err(refuse(format!(
            "not valid at {} ({} to {})",
            at.rfc3339(),
            delegate.not_before.rfc3339(),
            delegate.not_after.rfc3339()
        )));
    }
    Ok(())
}

fn check_critical(
    extensions: &[Extension],
    understood: &[der::asn1::ObjectIdentifier],
) -> Result<(), OcspError> {
    match extensions
        .iter()
        .find(|e| e.critical && !understood.contains(&e.extn_id))
    {
        Some(e) => Err(OcspError::CriticalExtension(e.extn_id.to_string())),
        None => Ok(()),
    }
}

/// Compares nonce values, reading both wrapped and raw encodings on the response side.
fn check_nonce(extensions: &[Extension], expected: &[u8]) -> Result<(), OcspError> {
    let nonce = extensions
        .iter()
        .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE)
        .ok_or(OcspError::NonceMissing)?;
    let found = Nonce::from_extn_value(nonce.extn_value.as_bytes());
    let raw_matches = OctetString::new(expected)
        .and_then(|o| o.to_der())
        .is_ok_and(|wrapped| wrapped == found.extn_value());
    if found.value() == expected || raw_matches {
        Ok(())
    } else {
        Err(OcspError::NonceMismatch {
            got: hex::encode(found.value()),
        })
    }
}

fn single_status(
    single: &SingleResponse,
    at: UnixTime,
    produced_at: UnixTime,
    signed_by: SignedBy,
) -> Result<SingleStatus, OcspError> {
    let this_update = UnixTime(single.this_update.to_unix_duration().as_secs());
    let next_update = single
        .next_update
        .map(|t| UnixTime(t.to_unix_duration().as_secs()));
    let fresh = this_update.0 <= at.0.saturating_add(MAX_CLOCK_SKEW)
        && next_update.is_some_and(|n| at <= n);
    if !fresh {
        return Err(OcspError::Stale {
            at,
            this_update,
            next_update,
        });
    }
    let status = match &single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Revoked(info) => Status::Revoked {
            at: UnixTime(info.revocation_time.to_unix_duration().as_secs()),
            reason: info.revocation_reason,
        },
        CertStatus::Unknown(_) => Status::Unknown,
    };
    Ok(SingleStatus {
        status,
        this_update,
        next_update,
        produced_at,
        signed_by,
    })
}
