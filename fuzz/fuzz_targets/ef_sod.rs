//! Hostile EF.SOD files through parsing and the whole Passive Authentication, and the
//! EF.SOD fast path (`sod_fast::parse`, what the batch verifier uses) against the full
//! parser: whenever the fast path answers, `Sod::parse` must give the same value.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use dongpo_crypto::Verifier;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_icao::{KnownCertificates, TrustStore, sod_fast};
use dongpo_pki::UnixTime;
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(Verifier::new);

/// Shared across runs, as in a batch: a certificate admitted by one input is taken as
/// known by the next, so the cached paths (known DSC, cached issuer name) are fuzzed too.
static KNOWN: LazyLock<KnownCertificates> = LazyLock::new(KnownCertificates::default);

fuzz_target!(|data: &[u8]| {
    let full = dongpo_icao::Sod::parse(data);
    // Twice: the second time the certificate and the issuer name come from the caches.
    for _ in 0..2 {
        if let Some(fast) = sod_fast::parse(data, &KNOWN) {
            match &full {
                Ok(full) => assert_eq!(
                    format!("{fast:?}"),
                    format!("{full:?}"),
                    "the EF.SOD fast path and Sod::parse disagree"
                ),
                Err(e) => panic!("the EF.SOD fast path accepted what Sod::parse refuses: {e}"),
            }
        }
    }
    if let Ok(signer) = dongpo_icao::cms_raw::single_signer_info(data) {
        let _ = signer.signed_attrs_for_signature();
    }
    let _ = dongpo_icao::tlv::TlvReader::ber(data).read();
    let mut data_groups = BTreeMap::new();
    data_groups.insert(
        1,
        data.get(..data.len().min(93)).unwrap_or_default().to_vec(),
    );
    let document = Document {
        sod: data.to_vec(),
        data_groups,
        ..Document::default()
    };
    let options = Options::at(UnixTime(1_780_272_000));
    let _ = passive_auth::verify(&document, &TrustStore::new(), &options, &VERIFIER);
});
