//! Hostile deviation lists (9303-12 §10): the CMS SignedData through
//! `dongpo_icao::deviation_list::parse` and `verify` (no trusted CSCA, so verification
//! must end in an error), and the bytes as the bare `DeviationList` eContent.
#![no_main]

use dongpo_crypto::Verifier;
use dongpo_icao::deviation_list::{self, DeviationList};
use dongpo_pki::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = deviation_list::parse(data) {
        // parsing is deterministic
        assert_eq!(deviation_list::parse(data), Ok(list));
        // without a trusted CSCA nothing verifies
        let at = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z");
        if let Some(at) = at {
            assert!(deviation_list::verify(data, &[], &[], at, &Verifier::new()).is_err());
        }
    }
    if let Ok(list) = DeviationList::from_content(data) {
        for deviation in &list.deviations {
            for d in &deviation.descriptions {
                let _ = d.defect.check_id(true);
            }
        }
    }
});
