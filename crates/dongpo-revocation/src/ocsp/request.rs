//! OCSP requests: parsing (POST bodies and lenient GET paths), CertIDs and, for clients
//! and tests, building requests.
//!
//! Signed requests are accepted but their signature is **not checked**: this responder
//! answers anyone (RFC 6960 §4.1.2 makes request signing optional, and a status is public
//! information), so a requestor signature authorises nothing here.

use base64ct::{Base64Unpadded, Encoding};
use der::asn1::{Any, Int, OctetString};
use der::{Decode, Encode};
use dongpo_crypto::HashAlgorithm;
use dongpo_pki::Cert;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;

use crate::ocsp::asn1::{CertId, ID_PKIX_OCSP_NONCE, OcspRequest, Request, TbsRequest, Version};
use crate::ocsp::error::OcspError;

/// Requests per message beyond which a request is refused as malformed: one message must
/// not buy an unbounded amount of live signing work.
pub const MAX_REQUESTS_PER_MESSAGE: usize = 64;

/// Longest GET path accepted (RFC 5019 §5 expects GET only for requests under 255 bytes).
pub const MAX_GET_PATH: usize = 4096;

/// A nonce as a request carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nonce {
    extn_value: Vec<u8>,
    value: Vec<u8>,
    wrapped: bool,
}

impl Nonce {
    /// From an extension's `extnValue` bytes. RFC 6960 §4.4.1 wants the value DER-wrapped
    /// as an OCTET STRING inside `extnValue`; older clients put the raw nonce there, which
    /// is accepted too (openssl#1887, keycloak#26439).
    #[must_use]
    pub fn from_extn_value(extn_value: &[u8]) -> Self {
        match OctetString::from_der(extn_value) {
            Ok(inner) => Nonce {
                extn_value: extn_value.to_vec(),
                value: inner.as_bytes().to_vec(),
                wrapped: true,
            },
            Err(_) => Nonce {
                extn_value: extn_value.to_vec(),
                value: extn_value.to_vec(),
                wrapped: false,
            },
        }
    }

    /// The nonce octets (inside the OCTET STRING wrapper when there is one).
    #[must_use]
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The `extnValue` exactly as sent: echoed verbatim so the client finds what it sent,
    /// whichever wrapping it used.
    #[must_use]
    pub fn extn_value(&self) -> &[u8] {
        &self.extn_value
    }

    /// Whether the value was DER-wrapped in an OCTET STRING, as RFC 6960 asks.
    #[must_use]
    pub fn is_wrapped(&self) -> bool {
        self.wrapped
    }
}

/// What a request asks, ready for a responder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRequest {
    /// One CertID per `Request`, in order.
    pub cert_ids: Vec<CertId>,
    /// The nonce, from `requestExtensions` or, failing that, from the first request's
    /// `singleRequestExtensions` where some clients misplace it.
    pub nonce: Option<Nonce>,
    /// Whether the request was signed (the signature is not checked: see module docs).
    pub signed: bool,
}

/// Parses a DER `OCSPRequest`.
///
/// # Errors
/// [`OcspError::MalformedRequest`] for bad DER, an empty or oversized request list, or
/// more than one nonce.
pub fn parse_request(der: &[u8]) -> Result<ParsedRequest, OcspError> {
    let request = OcspRequest::from_der(der).map_err(|e| OcspError::MalformedRequest(e.into()))?;
    let tbs = request.tbs_request;
    if tbs.request_list.is_empty() {
        return Err(OcspError::MalformedRequest("empty requestList".into()));
    }
    if tbs.request_list.len() > MAX_REQUESTS_PER_MESSAGE {
        return Err(OcspError::MalformedRequest(
            format!(
                "{} requests in one message, at most {MAX_REQUESTS_PER_MESSAGE} accepted",
                tbs.request_list.len()
            )
            .into(),
        ));
    }
    let mut nonce = find_nonce(tbs.request_extensions.as_deref())?;
    if nonce.is_none() {
        let first = tbs.request_list.first();
        nonce = find_nonce(first.and_then(|r| r.single_request_extensions.as_deref()))?;
    }
    Ok(ParsedRequest {
        cert_ids: tbs.request_list.into_iter().map(|r| r.req_cert).collect(),
        nonce,
        signed: request.optional_signature.is_some(),
    })
}

fn find_nonce(extensions: Option<&[Extension]>) -> Result<Option<Nonce>, OcspError> {
    let mut found = extensions
        .into_iter()
        .flatten()
        .filter(|e| e.extn_id == ID_PKIX_OCSP_NONCE);
    let nonce = found
        .next()
        .map(|e| Nonce::from_extn_value(e.extn_value.as_bytes()));
    if found.next().is_some() {
        return Err(OcspError::MalformedRequest("more than one nonce".into()));
    }
    Ok(nonce)
}

/// Decodes the part of a GET URL after the responder's prefix into request DER.
///
/// Tolerates every encoding seen in the field (ca-anchors.md §3.1): leading slashes (an
/// AIA URL ending in `/` gives `//MEow…`), percent-encoding (`%2B %2F %3D`, any case),
/// base64url (`-`, `_`), a space where a `+` was form-decoded, missing padding, line breaks
/// from MIME encoders, and a stray trailing slash.
///
/// # Errors
/// [`OcspError::GetPath`] naming what could not be decoded.
pub fn decode_get_path(path_after_ocsp_prefix: &str) -> Result<Vec<u8>, OcspError> {
    if path_after_ocsp_prefix.len() > MAX_GET_PATH {
        return Err(OcspError::GetPath(format!(
            "{} bytes, at most {MAX_GET_PATH} accepted",
            path_after_ocsp_prefix.len()
        )));
    }
    let unescaped = percent_decode(path_after_ocsp_prefix.trim_start_matches('/'))?;
    let mut text = String::with_capacity(unescaped.len());
    for byte in unescaped {
        match byte {
            b'-' => text.push('+'),
            b'_' => text.push('/'),
            b' ' => text.push('+'),
            b'\r' | b'\n' => {}
            b if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=' => {
                text.push(char::from(b));
            }
            other => {
                return Err(OcspError::GetPath(format!(
                    "byte 0x{other:02x} is not base64"
                )));
            }
        }
    }
    let decoded = decode_base64(&text).or_else(|first| {
        // A trailing '/' may be routing residue rather than data: retry without it.
        let trimmed = text.trim_end_matches('/');
        if trimmed.len() < text.len() {
            decode_base64(trimmed).map_err(|_| first)
        } else {
            Err(first)
        }
    })?;
    if decoded.is_empty() {
        return Err(OcspError::GetPath("empty request".into()));
    }
    Ok(decoded)
}

fn decode_base64(text: &str) -> Result<Vec<u8>, OcspError> {
    let unpadded = text.trim_end_matches('=');
    if text.len() - unpadded.len() > 2 {
        return Err(OcspError::GetPath("more than two '=' of padding".into()));
    }
    Base64Unpadded::decode_vec(unpadded).map_err(|e| OcspError::GetPath(format!("base64: {e}")))
}

fn percent_decode(text: &str) -> Result<Vec<u8>, OcspError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| OcspError::GetPath(format!("bad percent-escape at offset {i}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    Ok(out)
}

/// `issuerNameHash` and `issuerKeyHash` of `issuer` under `hash`: the hash of its subject
/// Name DER and of its subjectPublicKey BIT STRING contents (RFC 6960 §4.1.1).
pub(crate) fn issuer_hashes(
    hash: HashAlgorithm,
    issuer: &Cert,
) -> Result<(Vec<u8>, Vec<u8>), OcspError> {
    let tbs = issuer.cert.tbs_certificate();
    let name = tbs
        .subject()
        .to_der()
        .map_err(OcspError::encoding("issuer name"))?;
    let key = tbs.subject_public_key_info().subject_public_key.raw_bytes();
    Ok((hash.digest(&name), hash.digest(key)))
}

/// The AlgorithmIdentifier written into CertIDs: SHA-1 with NULL parameters, as RFC 5019
/// clients and OpenSSL write it; SHA-2 with absent parameters (RFC 5754 §2).
pub(crate) fn hash_identifier(hash: HashAlgorithm) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: hash.oid(),
        parameters: (hash == HashAlgorithm::Sha1).then(Any::null),
    }
}

/// The CertID of the certificate with `serial` (DER INTEGER content bytes) issued by
/// `issuer`.
///
/// # Errors
/// [`OcspError::Encoding`] for an unencodable name, or a serial that is not the minimal
/// (DER) content of an INTEGER: it would make a request no responder can parse.
pub fn cert_id(hash: HashAlgorithm, issuer: &Cert, serial: &[u8]) -> Result<CertId, OcspError> {
    let redundant = matches!(serial, [0x00, next, ..] if *next < 0x80)
        || matches!(serial, [0xff, next, ..] if *next >= 0x80);
    if serial.is_empty() || redundant {
        return Err(OcspError::NotEncodable {
            what: "serial number",
            why: "not the minimal content of a DER INTEGER",
        });
    }
    let (name_hash, key_hash) = issuer_hashes(hash, issuer)?;
    Ok(CertId {
        hash_algorithm: hash_identifier(hash),
        issuer_name_hash: OctetString::new(name_hash).map_err(OcspError::encoding("name hash"))?,
        issuer_key_hash: OctetString::new(key_hash).map_err(OcspError::encoding("key hash"))?,
        serial_number: Int::new(serial).map_err(OcspError::encoding("serial number"))?,
    })
}

/// The nonce extension carrying `value` DER-wrapped in an OCTET STRING (RFC 6960 §4.4.1).
///
/// # Errors
/// [`OcspError::Encoding`] when the value is too long to encode.
pub fn nonce_extension(value: &[u8]) -> Result<Extension, OcspError> {
    let inner = OctetString::new(value)
        .and_then(|o| o.to_der())
        .map_err(OcspError::encoding("nonce"))?;
    Ok(Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(inner).map_err(OcspError::encoding("nonce"))?,
    })
}

/// An unsigned DER `OCSPRequest` for `cert_ids` with an optional nonce in
/// `requestExtensions` (clients should send 32 random octets: RFC 8954 §2.1).
///
/// # Errors
/// [`OcspError::Encoding`] when encoding fails.
pub fn build_request(cert_ids: &[CertId], nonce: Option<&[u8]>) -> Result<Vec<u8>, OcspError> {
    let request_extensions = nonce.map(nonce_extension).transpose()?.map(|e| vec![e]);
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: cert_ids
                .iter()
                .map(|id| Request {
                    req_cert: id.clone(),
                    single_request_extensions: None,
                })
                .collect(),
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(OcspError::encoding("request"))
}
