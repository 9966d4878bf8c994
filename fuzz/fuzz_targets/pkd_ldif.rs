//! Hostile ICAO PKD LDIF downloads: line splitting (LF/CRLF), folding, comments,
//! attribute descriptions, base64 / plain / URL values, record structure, then the
//! certificates, CRLs and master lists inside through `load_into` on a fresh store.
#![no_main]

use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::pkd_ldif;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = pkd_ldif::parse(data);
    let objects = parsed.as_ref().map(|entries| pkd_ldif::objects(entries));
    let mut store = TrustStore::new();
    match (
        pkd_ldif::load_into(&mut store, data, "fuzz", &Verifier::new()),
        objects,
    ) {
        (Ok((import, lists)), Ok(objects)) => {
            // every object is accounted for exactly once
            assert_eq!(
                import.cscas
                    + import.dscs
                    + import.crls
                    + import.master_lists
                    + import.links.len()
                    + import.rejected.len(),
                objects.len()
            );
            assert_eq!(lists.len(), import.master_lists);
            assert!(store.cscas().len() <= import.cscas);
        }
        (Err(a), Err(b)) => assert_eq!(&a, b),
        _ => panic!("load_into and parse disagree"),
    }
});
