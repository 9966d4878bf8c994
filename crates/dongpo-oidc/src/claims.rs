//! What both sides agree on: scopes, `acr` and `amr` values, claim names, and the
//! personal data an ID token may carry (with Debug that never shows it).

use dongpo_profiles::Assurance;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A scope the provider knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `openid`: required in every request.
    OpenId,
    /// `kr_overseas_identity`: the verified names, birth date and registration status.
    OverseasIdentity,
    /// `kr_rrn`: the resident registration number; only in an encrypted ID token.
    Rrn,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 3] = [Scope::OpenId, Scope::OverseasIdentity, Scope::Rrn];

    /// The scope's name on the wire.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::OverseasIdentity => "kr_overseas_identity",
            Scope::Rrn => "kr_rrn",
        }
    }

    /// The scope of a name (exact match).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The `acr` value of an assurance level (`urn:dongpo:assurance:pa+ca`, ...).
#[must_use]
pub fn acr(assurance: Assurance) -> &'static str {
    match assurance {
        Assurance::Pa => "urn:dongpo:assurance:pa",
        Assurance::PaAa => "urn:dongpo:assurance:pa+aa",
        Assurance::PaCa => "urn:dongpo:assurance:pa+ca",
        Assurance::PaAaCa => "urn:dongpo:assurance:pa+aa+ca",
    }
}

/// The assurance level of an `acr` value, `None` for any other value.
#[must_use]
pub fn assurance_of_acr(value: &str) -> Option<Assurance> {
    Assurance::ALL.into_iter().find(|a| acr(*a) == value)
}

/// The `amr` values (RFC 8176) of an assurance level: `sc` (the passport's contactless
/// chip was read) always; `hwk` in addition when Active or Chip Authentication proved
/// possession of the chip's private key. Passive Authentication alone proves the data
/// genuine but not the chip present, so `PA` has no `hwk`. The registry check of the RRN
/// identifies, it does not authenticate: it has no `amr` value.
#[must_use]
pub fn amr(assurance: Assurance) -> &'static [&'static str] {
    match assurance {
        Assurance::Pa => &["sc"],
        Assurance::PaAa | Assurance::PaCa | Assurance::PaAaCa => &["sc", "hwk"],
    }
}

/// Claim names beyond OIDC Core's.
pub mod names {
    /// ICAO code of the passport's issuing state (always present).
    pub const ISSUING_STATE: &str = "issuing_state";
    /// The holder's name as the MRZ has it (scope `kr_overseas_identity`).
    pub const MRZ_NAME: &str = "mrz_name";
    /// The holder's Hangul name from the registry (scope `kr_overseas_identity`).
    pub const HANGUL_NAME: &str = "kr_hangul_name";
    /// Birth date `YYYY-MM-DD` (OIDC Core's `birthdate`; scope `kr_overseas_identity`).
    pub const BIRTHDATE: &str = "birthdate";
    /// Registration status in the registry of overseas citizens (scope
    /// `kr_overseas_identity`).
    pub const REGISTRATION_STATUS: &str = "kr_registration_status";
    /// Resident registration number (scope `kr_rrn`, encrypted ID tokens only).
    pub const RRN: &str = "kr_rrn";
}

/// A resident registration number: wiped on drop, never shown by Debug.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rrn(Zeroizing<String>);

impl Rrn {
    /// Wraps the number.
    #[must_use]
    pub fn new(value: String) -> Self {
        Rrn(Zeroizing::new(value))
    }

    /// The number itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Rrn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rrn(<redacted>)")
    }
}

/// The verified identity released under scope `kr_overseas_identity`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverseasIdentity {
    /// The name as the MRZ has it (`HONG GILDONG`).
    pub mrz_name: String,
    /// The Hangul name from the registry, when it has one.
    pub hangul_name: Option<String>,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: String,
    /// Registration status in the registry of overseas citizens.
    pub registration_status: String,
}

impl std::fmt::Debug for OverseasIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverseasIdentity")
            .field("registration_status", &self.registration_status)
            .finish_non_exhaustive()
    }
}

/// `aud`: one string or an array of them (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `value` is among the audiences.
    #[must_use]
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(a) => a == value,
            Audience::Many(list) => list.iter().any(|a| a == value),
        }
    }

    /// How many audiences.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Audience::One(_) => 1,
            Audience::Many(list) => list.len(),
        }
    }

    /// Whether there is none (an empty array).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
