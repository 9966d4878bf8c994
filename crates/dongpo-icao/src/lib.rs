//! ICAO Doc 9303 structures: the LDS (data groups, EF.COM, EF.SOD content) and the
//! building blocks of Passive and Active Authentication.
#![forbid(unsafe_code)]

pub mod lds_security_object;
pub mod mrz;
pub mod oid;
pub mod tlv;

pub use lds_security_object::{DataGroupHash, LdsSecurityObject, LdsVersionInfo};
