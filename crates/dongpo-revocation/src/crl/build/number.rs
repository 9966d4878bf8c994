//! CRL numbers that only grow, across restarts and across CA nodes.

use std::cmp::Ordering;

use dongpo_pki::UnixTime;

use super::error::CrlBuildError;

/// RFC 5280 §5.2.3: a CRLNumber is a non-negative INTEGER of at most 20 octets.
const MAX_OCTETS: usize = 20;

/// A CRL number: a non-negative integer whose DER encoding fits 20 octets.
///
/// Held as the minimal big-endian magnitude (`[0]` for zero); ordered numerically.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrlNumber(Vec<u8>);

impl CrlNumber {
    /// From big-endian magnitude bytes (leading zero octets are ignored, so the DER
    /// content bytes of an INTEGER read from a CRL are accepted too).
    ///
    /// # Errors
    /// [`CrlBuildError::Number`] when the value needs more than 20 DER octets.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CrlBuildError> {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        let magnitude = bytes.get(start..).unwrap_or_default();
        let sign_octet = usize::from(magnitude.first().is_some_and(|&b| b >= 0x80));
        if magnitude.len() + sign_octet > MAX_OCTETS {
            return Err(CrlBuildError::Number(format!(
                "{} needs more than {MAX_OCTETS} octets",
                hex::encode(magnitude)
            )));
        }
        if magnitude.is_empty() {
            return Ok(CrlNumber(vec![0]));
        }
        Ok(CrlNumber(magnitude.to_vec()))
    }

    /// The next number to issue: `max(last_issued + 1, this_update in nanoseconds)`.
    ///
    /// Like Boulder, the number is derived from the clock rather than kept only in a
    /// counter: RFC 5280 §5.2.3 wants numbers that increase for each CRL in a scope,
    /// and a nanosecond timestamp keeps increasing even when a node restarts without its
    /// counter or another node signs the next CRL. `last_issued + 1` covers the
    /// remaining cases: two CRLs in the same second, or a clock that went backwards.
    ///
    /// # Errors
    /// [`CrlBuildError::Number`] when `last_issued` is already the largest number.
    pub fn next(
        last_issued: Option<&CrlNumber>,
        this_update: UnixTime,
    ) -> Result<Self, CrlBuildError> {
        let nanos = u128::from(this_update.0) * 1_000_000_000;
        let from_clock = CrlNumber::from_bytes(&nanos.to_be_bytes())?;
        let Some(last) = last_issued else {
            return Ok(from_clock);
        };
        let successor = last.successor()?;
        Ok(if successor > from_clock {
            successor
        } else {
            from_clock
        })
    }

    /// The minimal big-endian magnitude (`[0]` for zero): at most 20 octets.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hex of the magnitude.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }

    fn successor(&self) -> Result<Self, CrlBuildError> {
        let mut bytes = self.0.clone();
        let mut carry = true;
        for byte in bytes.iter_mut().rev() {
            let (sum, overflow) = byte.overflowing_add(1);
            *byte = sum;
            if !overflow {
                carry = false;
                break;
            }
        }
        if carry {
            bytes.insert(0, 1);
        }
        CrlNumber::from_bytes(&bytes)
    }
}

impl From<u64> for CrlNumber {
    fn from(value: u64) -> Self {
        let bytes = value.to_be_bytes();
        let start = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        CrlNumber(bytes.get(start..).unwrap_or(&[0]).to_vec())
    }
}

impl Ord for CrlNumber {
    fn cmp(&self, other: &Self) -> Ordering {
        // Minimal magnitudes: the longer is larger, equal lengths compare bytewise.
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for CrlNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_minimal_and_bounded() {
        assert_eq!(CrlNumber::from_bytes(&[0, 0, 5]).unwrap().as_bytes(), [5]);
        assert_eq!(CrlNumber::from_bytes(&[]).unwrap().as_bytes(), [0]);
        assert_eq!(CrlNumber::from(0).as_bytes(), [0]);
        assert_eq!(CrlNumber::from(0x1234).as_bytes(), [0x12, 0x34]);
        assert!(CrlNumber::from_bytes(&[0x7f; 20]).is_ok());
        // 20 magnitude octets with the top bit set need a 21st (sign) octet in DER.
        assert!(CrlNumber::from_bytes(&[0x80; 20]).is_err());
        assert!(CrlNumber::from_bytes(&[1; 21]).is_err());
    }

    #[test]
    fn next_takes_the_clock_or_the_successor() {
        let t = UnixTime(1_780_272_000);
        let clock = CrlNumber::next(None, t).unwrap();
        assert_eq!(clock, CrlNumber::from(1_780_272_000_000_000_000));
        // Same second again: the successor wins.
        let again = CrlNumber::next(Some(&clock), t).unwrap();
        assert_eq!(again, CrlNumber::from(1_780_272_000_000_000_001));
        // Clock went backwards: still grows.
        let back = CrlNumber::next(Some(&again), UnixTime(t.0 - 3600)).unwrap();
        assert!(back > again);
        // Carry across octets, and from an old small counter to the clock.
        let carry = CrlNumber::from_bytes(&[0xff, 0xff])
            .unwrap()
            .successor()
            .unwrap();
        assert_eq!(carry.as_bytes(), [1, 0, 0]);
        assert_eq!(
            CrlNumber::next(Some(&CrlNumber::from(7)), t).unwrap(),
            clock
        );
        // The largest 20-octet number has no successor.
        let mut max = vec![0xff; 20];
        max[0] = 0x7f;
        let max = CrlNumber::from_bytes(&max).unwrap();
        assert!(CrlNumber::next(Some(&max), t).is_err());
    }
}
