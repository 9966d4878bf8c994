//! Certificate profiles of the overseas-citizen certificates and the Korean subject
//! identification they may carry (KISA VID `identifyData`, KCAC.TS.SIVID).
#![forbid(unsafe_code)]

mod assurance;
mod profile;
pub mod vid;

pub use assurance::Assurance;
pub use profile::{
    KeyUsageBit, Profile, ProfileError, SubjectSource, ValidityBeyondIssuer, builtin,
    key_algorithm_name, load_dir, load_str, write_builtin,
};
