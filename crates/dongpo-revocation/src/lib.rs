//! Revocation for dongpo: CRLs (and, later, OCSP).
#![forbid(unsafe_code)]

pub mod crl;
pub mod crl_builder;

pub use crl::{Crl, CrlError, CrlStatus};
pub use crl_builder::{
    CrlBuildError, CrlIssuer, CrlNumber, CrlSpec, RevokedEntry, Scope, build_crl,
};
