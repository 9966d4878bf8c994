//! Hostile EF.SOD files through parsing and the whole Passive Authentication.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use dongpo_crypto::Verifier;
use dongpo_icao::TrustStore;
use dongpo_icao::passive_auth::{self, Document, Options};
use dongpo_pki::UnixTime;
use libfuzzer_sys::fuzz_target;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(Verifier::new);

fuzz_target!(|data: &[u8]| {
    let _ = dongpo_icao::Sod::parse(data);
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
