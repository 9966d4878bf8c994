//! Certificate serial numbers, in the one form every part of dongpo keys them by: the
//! positive INTEGER's magnitude, big-endian, without leading zero octets.
//!
//! A DER INTEGER whose magnitude has its top bit set carries a leading zero octet
//! (`00 c0 e0 ...`); the bare magnitude (`c0 e0 ...`) as INTEGER content would be a
//! *negative* number. Store keys, OCSP cache keys, revocation invalidations and the
//! CertIDs of pre-signed OCSP answers all go through [`Serial`], so the two spellings can
//! never name different entries: [`Serial::from_integer`] reads INTEGER content (a
//! certificate's or a CertID's), [`Serial::to_int`] and [`Serial::to_x509`] write it.
//!
//! New serials: 127 bits from the OS CSPRNG, positive, 16 octets at most.
//!
//! RFC 5280 §4.1.2.2 caps serials at 20 octets and CA/B rules ask for 64 random bits.
//! Clearing the top bit keeps the DER INTEGER positive without a leading zero octet (the
//! 21-octet trap of golang/go#52444), and 127 bits make collisions a non-event; the store's
//! unique constraint catches one anyway.

use getrandom::SysRng;
use rand_core::TryRng;

/// Random octets drawn per serial.
pub const SERIAL_OCTETS: usize = 16;

/// A certificate serial number: the magnitude, big-endian, without leading zero octets
/// (never zero; its INTEGER at most 20 octets). Equality and hashing are those of the magnitude, so a
/// `Serial` is the key wherever serials are looked up.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serial(Vec<u8>);

/// The OS random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the OS random number generator failed: {0}")]
pub struct RandomError(String);

impl Serial {
    /// Draws a fresh serial from the OS CSPRNG.
    ///
    /// # Errors
    /// [`RandomError`] when the OS generator fails.
    pub fn random() -> Result<Self, RandomError> {
        loop {
            let mut bytes = [0u8; SERIAL_OCTETS];
            SysRng
                .try_fill_bytes(&mut bytes)
                .map_err(|e| RandomError(e.to_string()))?;
            if let Some(first) = bytes.first_mut() {
                *first &= 0x7f;
            }
            if let Some(serial) = Serial::from_bytes(&bytes) {
                return Ok(serial);
            }
        }
    }

    /// A serial from big-endian octets (leading zeros dropped); `None` for zero, or when
    /// its INTEGER would take more than 20 octets (RFC 5280 §4.1.2.2; a 20-octet magnitude
    /// with its top bit set needs a 21st).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let start = bytes.iter().position(|&b| b != 0)?;
        let magnitude = bytes.get(start..)?;
        let sign = usize::from(magnitude.first().is_some_and(|b| b & 0x80 != 0));
        (magnitude.len() + sign <= 20).then(|| Serial(magnitude.to_vec()))
    }

    /// The serial of DER INTEGER content octets (a certificate's `serialNumber`, a
    /// CertID's `serialNumber`): `00 c0 e0` is the serial `c0e0`. `None` for a negative or
    /// zero INTEGER (not a serial any CA of ours issues) or one over 20 octets.
    #[must_use]
    pub fn from_integer(content: &[u8]) -> Option<Self> {
        match content.first() {
            Some(first) if first & 0x80 == 0 => Serial::from_bytes(content),
            _ => None,
        }
    }

    /// The serial of a certificate; `None` when its serial number is negative or zero.
    #[must_use]
    pub fn of(cert: &crate::Cert) -> Option<Self> {
        Serial::from_integer(cert.cert.tbs_certificate().serial_number().as_bytes())
    }

    /// Parses lowercase or uppercase hex (an optional `0x` and `:` separators allowed).
    #[must_use]
    pub fn from_hex(text: &str) -> Option<Self> {
        let cleaned: String = text
            .trim()
            .trim_start_matches("0x")
            .chars()
            .filter(|c| *c != ':')
            .collect();
        let padded = if cleaned.len() % 2 == 1 {
            format!("0{cleaned}")
        } else {
            cleaned
        };
        Serial::from_bytes(&hex::decode(padded).ok()?)
    }

    /// The magnitude octets: the store's key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex of the magnitude.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// The DER INTEGER content octets: the magnitude, after a zero octet when its top bit
    /// is set (so that the INTEGER stays positive).
    #[must_use]
    pub fn to_integer(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.0.len() + 1);
        if self.0.first().is_some_and(|b| b & 0x80 != 0) {
            bytes.push(0);
        }
        bytes.extend_from_slice(&self.0);
        bytes
    }

    /// Whether `content` is exactly this serial's DER INTEGER content ([`Serial::to_integer`]),
    /// compared in place (the OCSP responder's cache path asks this per request).
    #[must_use]
    pub fn is_integer_content(&self, content: &[u8]) -> bool {
        match (self.0.first(), content.split_first()) {
            (Some(top), Some((0, rest))) if top & 0x80 != 0 => rest == self.0.as_slice(),
            (Some(top), _) if top & 0x80 != 0 => false,
            _ => content == self.0.as_slice(),
        }
    }

    /// The positive INTEGER (as an OCSP CertID carries it).
    ///
    /// # Errors
    /// Only if `der` refuses the value, which [`Serial::from_bytes`] rules out.
    pub fn to_int(&self) -> der::Result<der::asn1::Int> {
        der::asn1::Int::new(&self.to_integer())
    }

    /// The X.509 `SerialNumber` (a positive INTEGER).
    ///
    /// # Errors
    /// Only if `der` refuses the value, which [`Serial::from_bytes`] rules out.
    pub fn to_x509(&self) -> der::Result<x509_cert::serial_number::SerialNumber> {
        x509_cert::serial_number::SerialNumber::new(&self.to_integer())
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;

    #[test]
    fn random_serials_are_positive_distinct_and_short() {
        let a = Serial::random().unwrap();
        let b = Serial::random().unwrap();
        assert_ne!(a, b);
        for s in [a, b] {
            assert!(s.as_bytes().len() <= SERIAL_OCTETS);
            let der = s.to_x509().unwrap().to_der().unwrap();
            // INTEGER tag, length <= 16, first content octet without the sign bit.
            assert_eq!(der[0], 0x02);
            assert!(der[1] as usize <= SERIAL_OCTETS);
            assert_eq!(der[2] & 0x80, 0);
        }
    }

    #[test]
    fn hex_round_trip_and_limits() {
        let s = Serial::from_hex("00:8f:01").unwrap();
        assert_eq!(s.to_hex(), "8f01");
        let der = s.to_x509().unwrap().to_der().unwrap();
        assert_eq!(der, [0x02, 0x03, 0x00, 0x8f, 0x01]);
        assert!(Serial::from_hex("00").is_none());
        assert!(Serial::from_bytes(&[1u8; 21]).is_none());
        assert!(Serial::from_bytes(&[0x7f; 20]).is_some());
        // 21 INTEGER octets with the sign octet: over the RFC 5280 limit.
        assert!(Serial::from_bytes(&[0x80; 20]).is_none());
        assert!(Serial::from_hex("zz").is_none());
    }

    #[test]
    fn integer_content_is_read_as_a_positive_integer() {
        let s = Serial::from_hex("c0e0").unwrap();
        assert_eq!(s.to_integer(), [0x00, 0xc0, 0xe0]);
        assert_eq!(Serial::from_integer(&[0x00, 0xc0, 0xe0]), Some(s.clone()));
        // `c0 e0` as INTEGER content is negative: not this serial, not any serial.
        assert_eq!(Serial::from_integer(&[0xc0, 0xe0]), None);
        assert_eq!(Serial::from_integer(&[0x00]), None);
        assert_eq!(Serial::from_integer(&[]), None);
        let int = s.to_int().unwrap();
        assert_eq!(int.as_bytes(), [0x00, 0xc0, 0xe0]);
        assert_eq!(Serial::from_integer(int.as_bytes()), Some(s));
    }

    proptest::proptest! {
        #[test]
        fn integer_content_round_trips(magnitude in proptest::collection::vec(proptest::num::u8::ANY, 1..=20)) {
            if let Some(serial) = Serial::from_integer(&magnitude) {
                proptest::prop_assert!(serial.is_integer_content(&serial.to_integer()));
                let mut padded = vec![0u8];
                padded.extend_from_slice(&serial.to_integer());
                proptest::prop_assert!(!serial.is_integer_content(&padded));
                let top_bit = serial.as_bytes().first().is_some_and(|b| b & 0x80 != 0);
                proptest::prop_assert_eq!(serial.is_integer_content(serial.as_bytes()), !top_bit);
            }
            if let Some(s) = Serial::from_bytes(&magnitude) {
                let int = s.to_int().unwrap();
                proptest::prop_assert_eq!(int.as_bytes()[0] & 0x80, 0);
                proptest::prop_assert_eq!(Serial::from_integer(int.as_bytes()), Some(s.clone()));
                let der = s.to_x509().unwrap().to_der().unwrap();
                proptest::prop_assert_eq!(Serial::from_integer(&der[2..]), Some(s));
            }
        }
    }
}
