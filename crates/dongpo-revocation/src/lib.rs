//! Revocation for dongpo: CRLs (parse, verify, build) and OCSP (requests, responses, a
//! caching responder, relying-party verification).
#![forbid(unsafe_code)]

pub mod crl;
pub mod crl_builder;
pub mod crl_check;
pub mod ocsp;

pub use crl::{Crl, CrlError, CrlStatus};
pub use crl_builder::{
    CrlBuildError, CrlIssuer, CrlNumber, CrlSpec, RevokedEntry, Scope, build_crl,
};
pub use crl_check::CrlChecker;
