//! Revocation for dongpo: CRLs (and, later, OCSP).
#![forbid(unsafe_code)]

pub mod crl;

pub use crl::{Crl, CrlError, CrlStatus};
