//! Hostile bytes into the command APDU parser (`dongpo_chip::CommandApdu::parse`, what the
//! virtual chip reads first): every accepted APDU encodes back to exactly its bytes, and
//! its case matches its parts.
#![no_main]

use dongpo_chip::{ApduCase, CommandApdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(command) = CommandApdu::parse(data) {
        assert_eq!(command.to_bytes(), data);
        let case = command.case();
        assert_eq!(command.data().is_empty(), matches!(case, ApduCase::Case1 | ApduCase::Case2));
        assert_eq!(command.le().is_some(), matches!(case, ApduCase::Case2 | ApduCase::Case4));
        assert!(command.le().is_none_or(|le| (1..=65_536).contains(&le)));
    }
});
