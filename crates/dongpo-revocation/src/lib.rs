//! Revocation for dongpo: CRLs (parse, verify, build) and OCSP (requests, responses, a
//! caching responder, relying-party verification).
#![forbid(unsafe_code)]

mod crl;
pub mod ocsp;

pub use crl::{
    Crl, CrlBuildError, CrlChecker, CrlError, CrlIssuer, CrlNumber, CrlSpec, CrlStatus,
    RevokedEntry, Scope, build_crl, partition_of,
};
