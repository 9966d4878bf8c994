//! Assurance levels: how strongly a passport was checked, and what a profile requires.
//!
//! `PA` (Passive Authentication: the chip data is genuine, it could be a copy) ranks below
//! `PA+AA` and `PA+CA` (the data was read from the genuine chip, proven by Active or by
//! Chip Authentication), which rank the same; `PA+AA+CA` (both proofs passed) ranks with
//! them too: one proof of chip presence is enough, a second adds none.

use std::fmt;

/// How strongly a passport was checked (labels `PA`, `PA+AA`, `PA+CA`, `PA+AA+CA`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Assurance {
    /// Passive Authentication only: the chip data is genuine (it could be a copy).
    Pa,
    /// Passive and Active Authentication: genuine data read from the genuine chip.
    PaAa,
    /// Passive Authentication and Chip Authentication: genuine data read from the
    /// genuine chip.
    PaCa,
    /// Passive, Active and Chip Authentication all passed.
    PaAaCa,
}

impl Assurance {
    /// Every level, lowest first.
    pub const ALL: [Assurance; 4] = [
        Assurance::Pa,
        Assurance::PaAa,
        Assurance::PaCa,
        Assurance::PaAaCa,
    ];

    /// The level Passive Authentication reaches with these proofs of chip presence.
    #[must_use]
    pub fn reached(active_authentication: bool, chip_authentication: bool) -> Self {
        match (active_authentication, chip_authentication) {
            (false, false) => Assurance::Pa,
            (true, false) => Assurance::PaAa,
            (false, true) => Assurance::PaCa,
            (true, true) => Assurance::PaAaCa,
        }
    }

    /// `PA`, `PA+AA`, `PA+CA` or `PA+AA+CA`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Assurance::Pa => "PA",
            Assurance::PaAa => "PA+AA",
            Assurance::PaCa => "PA+CA",
            Assurance::PaAaCa => "PA+AA+CA",
        }
    }

    /// The level of a label, `None` for anything else (labels are exact: `pa` is not one).
    #[must_use]
    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.label() == label)
    }

    /// 1 without a proof of chip presence, 2 with one (or both).
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Assurance::Pa => 1,
            Assurance::PaAa | Assurance::PaCa | Assurance::PaAaCa => 2,
        }
    }

    /// Whether this level is at least `required` (by rank: `PA+AA` meets `PA+CA`).
    #[must_use]
    pub fn meets(self, required: Assurance) -> bool {
        self.rank() >= required.rank()
    }
}

impl fmt::Display for Assurance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl serde::Serialize for Assurance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_are_exact() {
        for a in Assurance::ALL {
            assert_eq!(Assurance::from_label(a.label()), Some(a));
            assert_eq!(a.to_string(), a.label());
        }
        for bad in ["pa", "PA+", "PA+CA+AA", "PA + CA", "", "AA"] {
            assert_eq!(Assurance::from_label(bad), None, "{bad}");
        }
    }

    #[test]
    fn one_proof_of_chip_presence_ranks_above_pa_and_two_add_nothing() {
        use Assurance::{Pa, PaAa, PaAaCa, PaCa};
        assert_eq!(Assurance::reached(false, false), Pa);
        assert_eq!(Assurance::reached(true, false), PaAa);
        assert_eq!(Assurance::reached(false, true), PaCa);
        assert_eq!(Assurance::reached(true, true), PaAaCa);
        assert!(!Pa.meets(PaCa) && !Pa.meets(PaAa));
        for strong in [PaAa, PaCa, PaAaCa] {
            assert!(strong.meets(Pa));
            for other in [PaAa, PaCa, PaAaCa] {
                assert!(strong.meets(other), "{strong} meets {other}");
            }
        }
        assert!(Pa.meets(Pa));
    }
}
