//! OCSP (RFC 6960, the RFC 5019 lightweight profile, RFC 8954 nonces): the ASN.1, request
//! parsing and building, response signing, a caching responder core, and relying-party
//! verification.

pub mod asn1;
mod cache;
pub mod client;
pub mod error;
mod issuer;
pub mod request;
pub mod responder;
pub mod response;
mod source;

pub use asn1::{CertId, OcspResponseStatus};
pub use client::{
    Query, SignedBy, SingleStatus, Status, parse_response, verify_response, verify_responses,
};
pub use error::OcspError;
pub use request::{ParsedRequest, build_request, cert_id, decode_get_path, parse_request};
pub use responder::{
    ETag, IssuerConfig, IssuerId, NoncePolicy, Responder, ResponseOutcome, StatusError,
    StatusSource,
};
pub use response::{CertState, ResponseBuilder, error_response};
