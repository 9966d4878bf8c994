//! Keyed document identifiers under the server's document-fingerprint key: the
//! fingerprint for duplicate-document protection (HMAC-SHA256 over the issuing state and
//! document number) and the `sod_id` receipts carry (over the SOD's hash), so neither the
//! database nor a receipt holds a value that identifies a passport to anyone without the
//! key.

use hmac::Mac;

/// The keyed fingerprint of the document `issuing_state` / `document_number`, hex.
#[must_use]
pub fn document_fingerprint(key: &[u8; 32], issuing_state: &str, document_number: &str) -> String {
    let mut mac = dongpo_ca::keyed_hmac(key);
    mac.update(b"dongpo document fingerprint v1\0");
    mac.update(issuing_state.trim_end_matches('<').as_bytes());
    mac.update(b"\0");
    mac.update(document_number.trim_end_matches('<').as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The keyed identifier of the document whose EF.SOD hashes to `sod_sha256_hex`, hex: the
/// `sod_id` of receipts. (Over the hash rather than the SOD: the report keeps only the
/// hash, and a MAC over a collision-resistant hash is as keyed as one over the bytes.)
#[must_use]
pub fn sod_id(key: &[u8; 32], sod_sha256_hex: &str) -> String {
    let mut mac = dongpo_ca::keyed_hmac(key);
    mac.update(b"dongpo receipt sod id v1\0");
    mac.update(sod_sha256_hex.to_ascii_lowercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_stable_and_distinct() {
        let a = document_fingerprint(&[1; 32], "KOR", "M12345678");
        assert_eq!(a, document_fingerprint(&[1; 32], "KOR", "M12345678<"));
        assert_ne!(a, document_fingerprint(&[2; 32], "KOR", "M12345678"));
        assert_ne!(a, document_fingerprint(&[1; 32], "KOR", "M12345679"));
        assert_ne!(a, document_fingerprint(&[1; 32], "KORM", "12345678"));
        assert!(!a.contains("4d3132")); // not the document number in hex
    }
}
