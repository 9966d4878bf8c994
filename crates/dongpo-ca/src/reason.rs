//! RFC 5280 §5.3.1 revocation reasons, by the names the CLI and API accept.

/// A CRLReason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// privilegeWithdrawn (9). (certificateHold is not offered: holds are never lifted here.)
    PrivilegeWithdrawn,
}

const TABLE: [(RevocationReason, &str, u8); 6] = [
    (RevocationReason::Unspecified, "unspecified", 0),
    (RevocationReason::KeyCompromise, "keyCompromise", 1),
    (
        RevocationReason::AffiliationChanged,
        "affiliationChanged",
        3,
    ),
    (RevocationReason::Superseded, "superseded", 4),
    (
        RevocationReason::CessationOfOperation,
        "cessationOfOperation",
        5,
    ),
    (
        RevocationReason::PrivilegeWithdrawn,
        "privilegeWithdrawn",
        9,
    ),
];

impl RevocationReason {
    /// Parses a name (`keyCompromise`, case-insensitive; `key-compromise` and
    /// `key_compromise` too).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        let wanted: String = name.chars().filter(|c| *c != '-' && *c != '_').collect();
        TABLE
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(&wanted))
            .map(|(r, _, _)| *r)
    }

    /// From the RFC 5280 code.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        TABLE
            .iter()
            .find(|(_, _, c)| *c == code)
            .map(|(r, _, _)| *r)
    }

    /// The RFC 5280 name.
    #[must_use]
    pub fn name(self) -> &'static str {
        TABLE
            .iter()
            .find(|(r, _, _)| *r == self)
            .map_or("unspecified", |(_, n, _)| n)
    }

    /// The RFC 5280 code.
    #[must_use]
    pub fn code(self) -> u8 {
        TABLE
            .iter()
            .find(|(r, _, _)| *r == self)
            .map_or(0, |(_, _, c)| *c)
    }

    /// Every accepted name, for error messages.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        TABLE.iter().map(|(_, n, _)| *n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert_eq!(
            RevocationReason::from_name("keyCompromise"),
            Some(RevocationReason::KeyCompromise)
        );
        assert_eq!(
            RevocationReason::from_name("key-compromise"),
            Some(RevocationReason::KeyCompromise)
        );
        assert_eq!(RevocationReason::KeyCompromise.code(), 1);
        assert_eq!(
            RevocationReason::from_code(9).map(RevocationReason::name),
            Some("privilegeWithdrawn")
        );
        assert_eq!(RevocationReason::from_name("certificateHold"), None);
        assert_eq!(RevocationReason::from_code(2), None);
    }
}
