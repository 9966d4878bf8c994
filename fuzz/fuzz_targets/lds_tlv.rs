//! Hostile bytes into the BER-TLV reader of the LDS: every data object, recursively,
//! and a re-encoding of each that must read back to the same tag and value.
#![no_main]

use dongpo_icao::tlv::{self, TlvReader};
use libfuzzer_sys::fuzz_target;

fn walk(reader: TlvReader<'_>, depth: usize) {
    for item in reader {
        let Ok(tlv) = item else { break };
        assert_eq!(tlv.raw.len(), tlv.header_len + tlv.value.len());
        assert_eq!(tlv.raw.get(tlv.header_len..), Some(tlv.value));
        let tag_len = match tlv.tag {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            _ => 3,
        };
        let tag_bytes = tlv.tag.to_be_bytes();
        let again = tlv::encode(&tag_bytes[4 - tag_len..], tlv.value);
        let reread = tlv::parse_single(&again).map(|t| (t.tag, t.value));
        assert_eq!(reread, Ok((tlv.tag, tlv.value)));
        if tlv.constructed && depth < 32 {
            walk(tlv.children(), depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = tlv::parse_single(data);
    walk(TlvReader::new(data), 0);
});
