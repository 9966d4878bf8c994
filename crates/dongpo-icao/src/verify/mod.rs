//! What a document proves: Passive Authentication ([`passive_auth`]: EF.SOD, the DSC
//! chain, data-group hashes, deviation-list waivers), Active Authentication
//! ([`active_auth`]), the typed [`outcome`] of a verification (the display report built from it
//! and the check ids live in `crate::checks`, shared with `trust`) and the leniency toward
//! named real-world quirks ([`leniency`]).

pub mod active_auth;
pub mod leniency;
pub mod outcome;
pub mod passive_auth;
