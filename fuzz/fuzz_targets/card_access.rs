//! EF.CardAccess (`dongpo_icao::lds::CardAccess::parse`, DG14's SecurityInfo parser on a
//! bare `SET OF`), then PACE's choice from it (`dongpo_chip::pace::select`) and, for a
//! choice, the terminal's MSE:Set AT.
//!
//! Invariants: no panic; a choice names a protocol and parameter ID that a `PACEInfo` of
//! version 2 in the file lists, and its MSE:Set AT carries that protocol OID.
#![no_main]

use dongpo_chip::MrzKey;
use dongpo_chip::pace::{PaceTerminal, select};
use dongpo_icao::lds::CardAccess;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = CardAccess::parse(data) else {
        return;
    };
    let Ok(choice) = select(&file) else {
        return;
    };
    assert!(
        file.pace_infos()
            .any(|p| p.protocol == choice.protocol.oid()
                && p.version == 2
                && p.parameter_id == Some(choice.parameter_id()))
    );
    let Ok(password) = MrzKey::from_mrz_fields("T22000129", "640812", "101031") else {
        panic!("fixed MRZ");
    };
    let Ok(terminal) = PaceTerminal::new(choice, &password) else {
        panic!("a supported choice must start");
    };
    let Some(command) = terminal.next_command() else {
        panic!("MSE:Set AT first");
    };
    let oid = choice.protocol.oid();
    assert!(
        command
            .data()
            .windows(oid.as_bytes().len())
            .any(|w| w == oid.as_bytes())
    );
});
