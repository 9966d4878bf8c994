//! OCSP (RFC 6960, the RFC 5019 lightweight profile, RFC 8954 nonces): the ASN.1, request
//! parsing and building, response signing, a caching responder core, and relying-party
//! verification.

pub mod asn1;
mod cache;
mod client;
mod error;
mod issuer;
mod request;
mod responder;
mod response;
mod source;

pub use asn1::{CertId, OcspResponseStatus};
pub use client::{
    MAX_CLOCK_SKEW, ParsedResponse, Query, SignedBy, SingleStatus, Status, parse_response,
    verify_response, verify_responses,
};
pub use error::{Malformed, OcspError};
pub use request::{
    MAX_GET_PATH, MAX_REQUESTS_PER_MESSAGE, Nonce, ParsedRequest, build_request, cert_id,
    decode_get_path, nonce_extension, parse_request,
};
pub use responder::{
    ETag, IssuerConfig, IssuerId, NoncePolicy, Responder, ResponseOutcome, StatusError,
    StatusSource, issuer_id, serial_of,
};
pub use response::{CertState, ResponseBuilder, error_response, responder_key_id};
