//! EF.CardAccess (9303-10 §3.11.3, 9303-11 §9.2): the `SET OF SecurityInfo` in the master
//! file, readable without access control, that announces PACE (`PACEInfo`, optionally
//! `PACEDomainParameterInfo`). It is the same structure as DG14's content without the `6E`
//! wrapper and is read by the same SecurityInfo parser. Unlike DG14 it is **not**
//! covered by the SOD: a terminal may use it to choose a protocol, never as evidence.

use super::dg14::security_infos;
use super::{LdsError, LdsFile, PaceInfo, SecurityInfo, outer};

/// File identifier of EF.CardAccess (`011C`, short EF identifier `1C`).
pub const EF_CARD_ACCESS_FID: u16 = 0x011C;

/// The content of EF.CardAccess.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardAccess {
    /// The SecurityInfos in file order.
    pub infos: Vec<SecurityInfo>,
}

impl CardAccess {
    /// Parses the complete EF.CardAccess file (`31 { SecurityInfo ... }`, nothing after it).
    ///
    /// # Errors
    /// [`LdsError`] naming EF.CardAccess for a broken TLV structure, an outer tag other than
    /// `31`, an element that is not a SEQUENCE starting with an OID, or a known protocol
    /// whose fields do not decode.
    pub fn parse(bytes: &[u8]) -> Result<Self, LdsError> {
        let set = outer(LdsFile::CardAccess, bytes)?;
        Ok(CardAccess {
            infos: security_infos(LdsFile::CardAccess, &set)?,
        })
    }

    /// Every `PACEInfo`, in file order.
    pub fn pace_infos(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::ID_PACE;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The EF.CardAccess of the 9303-11 PACE worked example (ECDH generic mapping):
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, parameter ID 13 (brainpoolP256r1).
    #[test]
    fn parses_the_worked_example_card_access() {
        let file = CardAccess::parse(&hex("31143012060A04007F0007020204020202010202010D")).unwrap();
        let pace: Vec<&PaceInfo> = file.pace_infos().collect();
        assert_eq!(pace.len(), 1);
        assert_eq!(
            pace[0].protocol,
            ID_PACE.push_arc(2).unwrap().push_arc(2).unwrap()
        );
        assert_eq!(pace[0].version, 2);
        assert_eq!(pace[0].parameter_id, Some(13));
    }

    #[test]
    fn refuses_other_files_and_broken_content() {
        // A DG14 (6E wrapper) is not EF.CardAccess.
        let err = CardAccess::parse(&hex("6E0431023000")).unwrap_err();
        assert!(
            matches!(
                err,
                LdsError::WrongTag {
                    file: LdsFile::CardAccess,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().starts_with("EF.CardAccess"));
        // Trailing bytes after the SET.
        assert!(CardAccess::parse(&hex("310000")).is_err());
        // Truncated.
        assert!(CardAccess::parse(&hex("3114301206")).is_err());
        // A PACEInfo without its version.
        assert!(CardAccess::parse(&hex("310E300C060A04007F00070202040202")).is_err());
        // Empty SET: no SecurityInfo, no PACE.
        assert_eq!(
            CardAccess::parse(&hex("3100"))
                .unwrap()
                .pace_infos()
                .count(),
            0
        );
    }
}
