//! RFC 5280 ReasonFlags as a set, for the reasons mask of §6.3.3.

use x509_cert::ext::pkix::crl::dp::ReasonFlags;

/// A set of revocation reasons (ReasonFlags bits 1 to 8; bit 0 is `unused`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(super) struct Reasons(u16);

impl Reasons {
    /// No reason.
    pub const NONE: Reasons = Reasons(0);
    /// keyCompromise through aACompromise.
    pub const ALL: Reasons = Reasons(0x1FE);

    pub fn from_flags(flags: ReasonFlags) -> Self {
        Reasons(flags.bits() & Self::ALL.0)
    }

    pub fn intersection(self, other: Reasons) -> Reasons {
        Reasons(self.0 & other.0)
    }

    pub fn union(self, other: Reasons) -> Reasons {
        Reasons(self.0 | other.0)
    }

    /// Whether `other` adds a reason this set lacks.
    pub fn gains_from(self, other: Reasons) -> bool {
        other.0 & !self.0 != 0
    }

    pub fn is_all(self) -> bool {
        self.0 & Self::ALL.0 == Self::ALL.0
    }
}

#[cfg(test)]
mod tests {
    use super::Reasons;
    use x509_cert::ext::pkix::crl::dp::{ReasonFlags, Reasons as Flag};

    #[test]
    fn the_mask_fills_only_with_new_reasons() {
        let key: ReasonFlags = Flag::KeyCompromise | Flag::CaCompromise;
        let key = Reasons::from_flags(key);
        let mut mask = Reasons::NONE;
        assert!(mask.gains_from(key));
        mask = mask.union(key);
        assert!(!mask.gains_from(key));
        assert!(!mask.is_all());
        assert!(mask.gains_from(Reasons::ALL));
        assert!(mask.union(Reasons::ALL).is_all());
        // `unused` (bit 0) is no reason.
        assert_eq!(Reasons::from_flags(Flag::Unused.into()), Reasons::NONE);
        assert_eq!(Reasons::ALL.intersection(key), key);
    }
}
