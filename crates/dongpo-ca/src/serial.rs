//! Certificate serial numbers: 127 bits from the OS CSPRNG, positive, 16 octets at most.
//!
//! RFC 5280 §4.1.2.2 caps serials at 20 octets and CA/B rules ask for 64 random bits.
//! Clearing the top bit keeps the DER INTEGER positive without a leading zero octet (the
//! 21-octet trap of golang/go#52444), and 127 bits make collisions a non-event; the store's
//! unique constraint catches one anyway.

use getrandom::SysRng;
use rand_core::TryRng;

/// Random octets drawn per serial.
pub const SERIAL_OCTETS: usize = 16;

/// A certificate serial number: the magnitude, big-endian, without leading zero octets.
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

    /// A serial from big-endian octets (leading zeros dropped); `None` for zero, or for
    /// more than 20 octets.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let start = bytes.iter().position(|&b| b != 0)?;
        let magnitude = bytes.get(start..)?;
        (magnitude.len() <= 20).then(|| Serial(magnitude.to_vec()))
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

    /// The magnitude octets.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex of the magnitude.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    /// The X.509 `SerialNumber` (a positive INTEGER).
    ///
    /// # Errors
    /// Only if `der` refuses the value, which [`Serial::from_bytes`] rules out.
    pub fn to_x509(&self) -> der::Result<x509_cert::serial_number::SerialNumber> {
        // A magnitude with its top bit set needs a zero octet to stay positive.
        let mut bytes = Vec::with_capacity(self.0.len() + 1);
        if self.0.first().is_some_and(|b| b & 0x80 != 0) {
            bytes.push(0);
        }
        bytes.extend_from_slice(&self.0);
        x509_cert::serial_number::SerialNumber::new(&bytes)
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
        assert!(Serial::from_hex("zz").is_none());
    }
}
