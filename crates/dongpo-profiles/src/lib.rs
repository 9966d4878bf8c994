//! Certificate profiles of the overseas-citizen certificates and the Korean subject
//! identification they may carry (KISA VID `identifyData`, KCAC.TS.SIVID).
#![forbid(unsafe_code)]

pub mod profile;
pub mod vid;
