//! ICAO Doc 9303 structures: the LDS (data groups, EF.COM, EF.SOD content) and the
//! building blocks of Passive and Active Authentication.
#![forbid(unsafe_code)]

pub mod active_auth;
pub mod check_id;
pub mod cms_raw;
pub mod country;
pub mod deviation_list;
pub mod lds;
pub mod lds_security_object;
pub mod masterlist;
pub mod mrz;
pub mod mrz_check;
pub mod oid;
pub mod outcome;
pub mod passive_auth;
pub mod pkd_ldif;
pub mod policy;
pub mod report;
pub mod signed_data;
pub mod sod;
pub mod tlv;
pub mod trust_store;

pub use check_id::CheckId;
pub use lds_security_object::{DataGroupHash, LdsSecurityObject, LdsVersionInfo};
pub use outcome::Outcome;
