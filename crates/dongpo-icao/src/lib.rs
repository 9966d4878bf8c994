//! ICAO Doc 9303 structures: the LDS (data groups, EF.COM, EF.SOD content) and the
//! building blocks of Passive and Active Authentication.
//!
//! The crate is four layers, each using only the ones before it, and the report's
//! vocabulary (`checks`: check ids and report shapes) that the last two share:
//!
//! * `encoding`: bytes to structure, nothing ICAO-specific about trust. The one TLV/BER
//!   reader ([`tlv`]), the CMS SignerInfo located in the bytes as received ([`cms_raw`]),
//!   CMS SignedData as ICAO uses it ([`signed_data`]) and the OIDs ([`oid`]).
//! * [`lds`]: the files of the chip, each parsed from exactly the bytes the SOD hashes:
//!   EF.COM, the data groups, the one MRZ module, EF.SOD ([`Sod`], with its fast path
//!   [`sod_fast`]) and its LDSSecurityObject, and the MRZ's State codes (`lds::country`).
//! * `trust`: what a verifier trusts and why: the [`TrustStore`] and its sources, CSCA
//!   [`masterlist`]s, [`deviation_list`]s and [`pkd_ldif`] files. Deviation lists name
//!   the checks they waive, so this layer uses the check ids and check records of
//!   `checks` ([`CheckId`], [`Check`], [`CertSummary`]), which depend on nothing else.
//! * `verify`: Passive Authentication ([`passive_auth`], with the DSC chain), Active
//!   Authentication ([`active_auth`]), the typed [`Outcome`], the display report built from
//!   it ([`VerificationReport`]) and the leniency toward named quirks
//!   ([`Policy`], a type whose name the CLI's `--policy` and the JSON keep).
//!
//! The layers are private modules; what callers use is re-exported here: the crate's
//! nouns as types at the root, and families of functions whose names read well only
//! qualified (`passive_auth::verify`, `masterlist::verify`, `tlv::encode`) as modules.
#![forbid(unsafe_code)]

mod checks;
mod encoding;
pub mod lds;
mod trust;
mod verify;

pub use checks::check_id::{CheckId, CheckKey, UnknownCheckId};
pub use checks::report::{
    CertSummary, Check, Checks, ChipOffers, Evidence, MrzSummary, SodSummary, Status,
    VerificationReport,
};
pub use encoding::{cms_raw, oid, signed_data, tlv};
pub use lds::security_object::{
    DataGroupHash, DigestAlgorithmIdentifier, LdsSecurityObject, LdsVersionInfo,
};
pub use lds::sod::fast as sod_fast;
pub use lds::sod::{KnownCertificates, Sod, SodError, data_group_hashes};
pub use trust::store::{TrustError, TrustSources, TrustStore, TrustedCsca, crl_authority_key};
pub use trust::{deviation_list, masterlist, pkd_ldif};
pub use verify::leniency::Policy;
pub use verify::outcome::{EvidenceFacts, Outcome, SodFacts};
pub use verify::{active_auth, passive_auth};
