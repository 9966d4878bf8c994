//! Request bodies: JSON with base64 fields, read with errors that say what was wrong and
//! never echo values (a serde message can quote a document number).

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use dongpo_icao::passive_auth::{ActiveAuthResponse, Document};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body whose rejections are API errors.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_error(&rejection)),
        }
    }
}

/// The request body, with a too-large body answered as JSON 413.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    payload_too_large()
                } else {
                    ApiError::bad_request("bad_request", "the body could not be read")
                }
            })
    }
}

/// The request's media type without parameters, lower-cased (`""` when absent).
#[must_use]
pub fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether the request says it carries CBOR (RFC 8949).
#[must_use]
pub fn is_cbor(headers: &HeaderMap) -> bool {
    media_type(headers) == "application/cbor"
}

/// Parses a CBOR body (fields as in the JSON schema, binary fields as byte strings,
/// borrowed from `body`).
///
/// # Errors
/// 400 `bad_cbor` (the decoder's message names positions and types, never values).
pub fn parse_cbor<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    cbor4ii::serde::from_slice(body).map_err(|_| {
        ApiError::bad_request(
            "bad_cbor",
            "the body is not CBOR of the documented shape (byte strings for sod, dg and com)",
        )
    })
}

/// Whether the request says it carries JSON.
fn is_json(headers: &HeaderMap) -> bool {
    let media = media_type(headers);
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Parses a JSON body that may borrow from `body`, with [`JsonBody`]'s errors.
///
/// # Errors
/// 415 without a JSON content type, 400 `bad_json` or `bad_request`.
pub fn parse_json<'a, T: Deserialize<'a>>(
    headers: &HeaderMap,
    body: &'a [u8],
) -> Result<T, ApiError> {
    if !is_json(headers) {
        return Err(unsupported_media_type());
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => data_error(&e.to_string()),
        _ => ApiError::bad_request("bad_json", "the body is not valid JSON"),
    })
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as Content-Type: application/json",
    )
}

/// A schema mismatch: field names are safe to repeat, values are not.
fn data_error(text: &str) -> ApiError {
    let message = ["missing field", "unknown field", "unknown variant"]
        .iter()
        .find_map(|needle| {
            text.find(needle).map(|at| {
                let tail = text.get(at..).unwrap_or_default();
                tail.split(" at line").next().unwrap_or(tail).to_owned()
            })
        })
        .unwrap_or_else(|| {
            "a field has the wrong type (see /openapi.yaml for the schema)".to_owned()
        });
    ApiError::bad_request("bad_request", message)
}

fn json_error(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::bad_request("bad_json", "the body is not valid JSON")
        }
        JsonRejection::JsonDataError(e) => data_error(&e.body_text()),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        _ => ApiError::bad_request("bad_request", "the body could not be read"),
    }
}

/// 413 `payload_too_large`.
#[must_use]
pub fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than this endpoint accepts",
    )
}

/// Standard alphabet, padding optional. Not constant-time (unlike `base64ct`): document
/// data is not secret, and a batch decodes megabytes, where this engine is several times
/// faster.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decodes standard base64 (padding optional, whitespace ignored).
///
/// # Errors
/// 400 `invalid_base64` naming `field`.
pub fn base64(field: &str, text: &str) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    let bad = || ApiError::bad_request("invalid_base64", format!("{field}: not valid base64"));
    match LENIENT.decode(text) {
        Ok(bytes) => Ok(bytes),
        Err(_) if text.bytes().any(|b| b.is_ascii_whitespace()) => {
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            LENIENT.decode(compact).map_err(|_| bad())
        }
        Err(_) => Err(bad()),
    }
}

/// PEM labels of a PKCS#10 request: RFC 7468 and the older Netscape/MSIE one.
const CSR_PEM_LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/// The DER of a CSR as the API takes it: PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE
/// REQUEST`) with the Base64 wrapped at any line length or on one line, as OpenSSL reads
/// it (Java's and Python's encoders wrap at 76 columns), or the DER as standard base64
/// (padding optional, white space ignored). The one reader for CSRs of the server.
///
/// # Errors
/// What is wrong with the encoding, naming no part of the value.
pub fn csr_der(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let text = text.trim();
    let decode = |body: &str| {
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        LENIENT
            .decode(compact)
            .map_err(|_| "the Base64 inside the PEM armour does not decode".to_owned())
    };
    let Some(rest) = text.strip_prefix("-----BEGIN ") else {
        return decode(text).map_err(|_| "neither PEM nor base64 DER".to_owned());
    };
    let Some((label, rest)) = rest.split_once("-----") else {
        return Err("PEM: the BEGIN line is not closed by \"-----\"".into());
    };
    if !CSR_PEM_LABELS.contains(&label) {
        let shown: String = label.chars().take(40).collect();
        return Err(format!(
            "PEM label {shown:?}, expected \"CERTIFICATE REQUEST\""
        ));
    }
    let end = format!("-----END {label}-----");
    let Some((body, after)) = rest.split_once(end.as_str()) else {
        return Err(format!("PEM: no \"{end}\" line"));
    };
    if !after.trim().is_empty() {
        return Err("PEM: text after the END line".into());
    }
    if body.contains(':') {
        return Err("PEM: RFC 1421 headers (encrypted PEM) are not a CSR".into());
    }
    decode(body)
}

/// Standard base64 with padding.
#[must_use]
pub fn to_base64(bytes: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    Base64::encode_string(bytes)
}

/// One document as the chip gave it. The base64 text is borrowed from the request body
/// where it can be (no escapes), so a batch of megabytes is not copied before decoding.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentIn<'a> {
    /// EF.SOD, base64.
    #[serde(borrow)]
    pub sod: Cow<'a, str>,
    /// Data groups by number ("1".."16"), base64.
    #[serde(borrow, default)]
    pub dg: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    /// EF.COM, base64.
    #[serde(borrow, default)]
    pub com: Option<Cow<'a, str>>,
}

/// The Active Authentication part of a verification request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActiveAuthIn {
    /// The challenge the server issued.
    pub challenge_id: String,
    /// The chip's signature over it, base64.
    pub signature: String,
}

/// One document in a CBOR body: the chip files as byte strings, no base64.
#[derive(Debug, Deserialize)]
pub struct DocumentBin<'a> {
    /// EF.SOD.
    #[serde(borrow)]
    pub sod: &'a serde_bytes::Bytes,
    /// Data groups by number ("1".."16").
    #[serde(borrow, default)]
    pub dg: BTreeMap<Cow<'a, str>, &'a serde_bytes::Bytes>,
    /// EF.COM.
    #[serde(borrow, default)]
    pub com: Option<&'a serde_bytes::Bytes>,
}

impl DocumentBin<'_> {
    /// The document.
    ///
    /// # Errors
    /// 400 naming the bad field.
    pub fn decode(&self) -> Result<Document, ApiError> {
        if self.sod.is_empty() {
            return Err(ApiError::bad_request("bad_request", "sod: empty"));
        }
        let mut data_groups = BTreeMap::new();
        for (key, value) in &self.dg {
            data_groups.insert(data_group_number(key)?, value.to_vec());
        }
        Ok(Document {
            sod: self.sod.to_vec(),
            data_groups,
            com: self.com.map(|c| c.to_vec()),
            active_auth: None,
            chip_authentication: None,
        })
    }
}

/// Encodes `documents` as the CBOR body `POST /v1/verifications:batch` takes (for clients,
/// tests and the load test; the server only decodes).
///
/// # Errors
/// The encoder's message (only on allocation failure).
pub fn encode_cbor_batch(documents: &[Document]) -> Result<Vec<u8>, String> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        sod: &'a serde_bytes::Bytes,
        dg: BTreeMap<String, &'a serde_bytes::Bytes>,
        #[serde(skip_serializing_if = "Option::is_none")]
        com: Option<&'a serde_bytes::Bytes>,
    }
    #[derive(serde::Serialize)]
    struct Batch<'a> {
        documents: Vec<Doc<'a>>,
    }
    let documents = documents
        .iter()
        .map(|d| Doc {
            sod: serde_bytes::Bytes::new(&d.sod),
            dg: d
                .data_groups
                .iter()
                .map(|(n, b)| (n.to_string(), serde_bytes::Bytes::new(b)))
                .collect(),
            com: d.com.as_deref().map(serde_bytes::Bytes::new),
        })
        .collect();
    cbor4ii::serde::to_vec(Vec::new(), &Batch { documents }).map_err(|e| e.to_string())
}

fn data_group_number(key: &str) -> Result<u8, ApiError> {
    key.parse()
        .ok()
        .filter(|n| (1..=16).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_request",
                "dg: keys are data-group numbers \"1\" to \"16\"",
            )
        })
}

impl DocumentIn<'_> {
    /// The document, with `active_auth` attached.
    ///
    /// # Errors
    /// 400 naming the bad field.
    pub fn decode(&self, active_auth: Option<ActiveAuthResponse>) -> Result<Document, ApiError> {
        let sod = base64("sod", &self.sod)?;
        if sod.is_empty() {
            return Err(ApiError::bad_request("bad_request", "sod: empty"));
        }
        let mut data_groups = BTreeMap::new();
        for (key, value) in &self.dg {
            let number = data_group_number(key)?;
            data_groups.insert(number, base64(&format!("dg.{number}"), value)?);
        }
        let com = self.com.as_deref().map(|c| base64("com", c)).transpose()?;
        Ok(Document {
            sod,
            data_groups,
            com,
            active_auth,
            // Only a chip session the server ran states a Chip Authentication result.
            chip_authentication: None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csrs_in_pem_of_any_line_length_or_base64_der() {
        let der: Vec<u8> = (0u8..=200).collect();
        let b64 = to_base64(&der);
        let wrap = |width: usize| {
            b64.as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\r\n")
        };
        for body in [wrap(64), wrap(76), wrap(20), b64.clone()] {
            for label in ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"] {
                let pem = format!("\n-----BEGIN {label}-----\n{body}\n-----END {label}-----\n\n");
                assert_eq!(csr_der(&pem).unwrap(), der, "{pem}");
            }
        }
        // One line, as some encoders emit it.
        let one_line =
            format!("-----BEGIN CERTIFICATE REQUEST-----{b64}-----END CERTIFICATE REQUEST-----");
        assert_eq!(csr_der(&one_line).unwrap(), der);
        // Bare base64 DER, with or without padding and line breaks.
        assert_eq!(csr_der(&b64).unwrap(), der);
        assert_eq!(csr_der(&wrap(76)).unwrap(), der);
        assert_eq!(csr_der(b64.trim_end_matches('=')).unwrap(), der);
        for (bad, says) in [
            (
                format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----"),
                "label",
            ),
            (
                format!("-----BEGIN CERTIFICATE REQUEST-----\n{b64}\n"),
                "END",
            ),
            (
                format!(
                    "-----BEGIN CERTIFICATE REQUEST-----\n{b64}!\n-----END CERTIFICATE REQUEST-----"
                ),
                "Base64",
            ),
            (
                format!(
                    "-----BEGIN CERTIFICATE REQUEST-----\n{b64}\n-----END CERTIFICATE REQUEST-----\nmore"
                ),
                "after",
            ),
            ("not a CSR!".to_owned(), "neither"),
        ] {
            let err = csr_der(&bad).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn base64_with_or_without_padding_and_whitespace() {
        assert_eq!(base64("x", "AQID").unwrap(), [1, 2, 3]);
        assert_eq!(base64("x", "AQI").unwrap(), [1, 2]);
        assert_eq!(base64("x", "AQ==\n").unwrap(), [1]);
        let err = base64("dg.2", "not base64!").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            ("invalid_base64", "dg.2: not valid base64")
        );
    }

    #[test]
    fn data_group_keys_are_checked() {
        let doc = DocumentIn {
            sod: Cow::Borrowed("AQID"),
            dg: [("17".into(), "AQID".into())].into(),
            com: None,
        };
        assert_eq!(doc.decode(None).unwrap_err().code, "bad_request");
        let doc = DocumentIn {
            sod: Cow::Borrowed("AQID"),
            dg: [("1".into(), "AQID".into())].into(),
            com: Some(Cow::Borrowed("AQ")),
        };
        let decoded = doc.decode(None).unwrap();
        assert_eq!(decoded.data_groups.get(&1).unwrap(), &[1, 2, 3]);
        assert_eq!(decoded.com.unwrap(), [1]);
    }
}
