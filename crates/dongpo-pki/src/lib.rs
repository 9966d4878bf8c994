//! X.509 helpers shared by dongpo's verifiers: a certificate parsed once together with
//! its public key and identifiers ([`Cert`]), semantic name comparison, and time.
#![forbid(unsafe_code)]

pub mod cert;
pub mod name;
pub mod path;
pub mod time;

pub use cert::{Cert, CertError};
pub use time::UnixTime;
