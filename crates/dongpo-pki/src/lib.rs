//! X.509 helpers shared by dongpo's verifiers: a certificate parsed once together with
//! its public key and identifiers ([`Cert`]), semantic name comparison, and time.
#![forbid(unsafe_code)]

pub mod cert;
pub mod name;
pub mod path;
pub mod serial;
pub mod time;

pub use cert::{Cert, CertError};
pub use serial::Serial;
pub use time::UnixTime;
