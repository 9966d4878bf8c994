//! Hostile bytes into the response APDU parser (`dongpo_chip::ResponseApdu::parse`, what
//! a terminal reads from the chip): every accepted response encodes back to its bytes.
#![no_main]

use dongpo_chip::ResponseApdu;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = ResponseApdu::parse(data) {
        assert_eq!(response.to_bytes(), data);
        let _ = response.sw.to_string();
    }
});
