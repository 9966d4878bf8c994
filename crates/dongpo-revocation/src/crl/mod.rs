//! X.509 v2 CRLs, in three parts that do not depend on one another's internals:
//! [`parse`] reads and verifies a CRL as a relying party receives it ([`Crl`]), [`build`]
//! issues one for a CA ([`build_crl`]), and [`check`] answers RFC 5280 §6.3's revocation
//! question from a set of parsed CRLs ([`CrlChecker`]).

mod build;
mod check;
mod parse;

pub use build::{
    CrlBuildError, CrlIssuer, CrlNumber, CrlSpec, RevokedEntry, Scope, build_crl, partition_of,
};
pub use check::CrlChecker;
pub use parse::{Crl, CrlError, CrlStatus};
