//! Hostile request bodies of dongpo-server: the JSON of a verification and of a batch
//! (borrowed base64 fields, data-group keys) and the CBOR batch (borrowed byte strings),
//! decoded into documents exactly as the handlers do, with JSON and without a JSON
//! content type.
#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use dongpo_server::verify::{BatchBin, BatchIn, VerifyIn};
use dongpo_server::{parse_cbor, parse_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut json = HeaderMap::new();
    json.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(body) = parse_json::<VerifyIn<'_>>(&json, data) {
        let _ = body.document.decode(None);
    }
    if let Ok(body) = parse_json::<BatchIn<'_>>(&json, data) {
        for document in &body.documents {
            let _ = document.decode(None);
        }
    }
    if let Ok(body) = parse_cbor::<BatchBin<'_>>(data) {
        for document in &body.documents {
            let _ = document.decode();
        }
    }
    assert!(parse_json::<VerifyIn<'_>>(&HeaderMap::new(), data).is_err());
});
