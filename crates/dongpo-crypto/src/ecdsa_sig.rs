//! ECDSA signature encodings: X9.62 DER and plain `r || s`, normalised to fixed width.

use der::asn1::UintRef;
use der::{Decode, Encode, Sequence};

use crate::error::VerifyError;

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// An ECDSA signature as two unsigned big-endian integers without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdsaSignature {
    r: Vec<u8>,
    s: Vec<u8>,
}

fn strip_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default().to_vec()
}

impl EcdsaSignature {
    /// Parses strict DER (minimal, non-negative integers, nothing trailing).
    ///
    /// A signature whose `r` or `s` happens to be short (leading zero bits) is ordinary
    /// DER and accepted; non-minimal encodings are not.
    ///
    /// # Errors
    /// [`VerifyError::MalformedSignature`] naming the DER problem.
    pub fn from_der(bytes: &[u8]) -> Result<Self, VerifyError> {
        let value = EcdsaSigValue::from_der(bytes)
            .map_err(|e| VerifyError::MalformedSignature(format!("ECDSA-Sig-Value: {e}")))?;
        Ok(EcdsaSignature {
            r: strip_leading_zeros(value.r.as_bytes()),
            s: strip_leading_zeros(value.s.as_bytes()),
        })
    }

    /// Parses plain `r || s` (BSI TR-03111, IEEE P1363): both halves `scalar_len` bytes.
    ///
    /// # Errors
    /// [`VerifyError::MalformedSignature`] when the length is not `2 * scalar_len`.
    pub fn from_plain(bytes: &[u8], scalar_len: usize) -> Result<Self, VerifyError> {
        if bytes.len() != 2 * scalar_len {
            return Err(VerifyError::MalformedSignature(format!(
                "plain ECDSA signature of {} bytes, expected {}",
                bytes.len(),
                2 * scalar_len
            )));
        }
        let (r, s) = bytes.split_at(scalar_len);
        Ok(EcdsaSignature {
            r: strip_leading_zeros(r),
            s: strip_leading_zeros(s),
        })
    }

    /// Builds a signature from two big-endian integers.
    #[must_use]
    pub fn from_scalars(r: &[u8], s: &[u8]) -> Self {
        EcdsaSignature {
            r: strip_leading_zeros(r),
            s: strip_leading_zeros(s),
        }
    }

    /// `r` without leading zeros.
    #[must_use]
    pub fn r(&self) -> &[u8] {
        &self.r
    }

    /// `s` without leading zeros.
    #[must_use]
    pub fn s(&self) -> &[u8] {
        &self.s
    }

    /// `r || s`, each left-padded to `scalar_len`; `None` when either is longer.
    #[must_use]
    pub fn to_fixed(&self, scalar_len: usize) -> Option<Vec<u8>> {
        if self.r.len() > scalar_len || self.s.len() > scalar_len {
            return None;
        }
        let mut out = vec![0u8; 2 * scalar_len];
        let r_start = scalar_len - self.r.len();
        let s_start = 2 * scalar_len - self.s.len();
        out.get_mut(r_start..scalar_len)?.copy_from_slice(&self.r);
        out.get_mut(s_start..)?.copy_from_slice(&self.s);
        Some(out)
    }

    /// Strict DER encoding.
    #[must_use]
    pub fn to_der(&self) -> Vec<u8> {
        let (Ok(r), Ok(s)) = (UintRef::new(&self.r), UintRef::new(&self.s)) else {
            return Vec::new();
        };
        EcdsaSigValue { r, s }.to_der().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_and_plain_agree_including_short_r() {
        let r = [0x00, 0x00, 0x7f, 0x01];
        let s = [0x80, 0x02, 0x03, 0x04];
        let sig = EcdsaSignature::from_scalars(&r, &s);
        let der = sig.to_der();
        // r is two bytes short: DER writes it as a 2-byte INTEGER, s needs a 0x00 pad.
        assert_eq!(
            der,
            [
                0x30, 0x0b, 0x02, 0x02, 0x7f, 0x01, 0x02, 0x05, 0x00, 0x80, 2, 3, 4
            ]
        );
        assert_eq!(EcdsaSignature::from_der(&der), Ok(sig.clone()));
        let fixed = sig.to_fixed(4).unwrap_or_default();
        assert_eq!(fixed, [0, 0, 0x7f, 1, 0x80, 2, 3, 4]);
        assert_eq!(EcdsaSignature::from_plain(&fixed, 4), Ok(sig.clone()));
        assert!(sig.to_fixed(3).is_none());
    }

    #[test]
    fn rejects_non_minimal_negative_and_trailing() {
        // r with a superfluous leading zero
        assert!(EcdsaSignature::from_der(&[0x30, 0x07, 2, 2, 0, 1, 2, 1, 1]).is_err());
        // negative r
        assert!(EcdsaSignature::from_der(&[0x30, 0x06, 2, 1, 0x81, 2, 1, 1]).is_err());
        // trailing byte
        assert!(EcdsaSignature::from_der(&[0x30, 0x06, 2, 1, 1, 2, 1, 1, 0]).is_err());
        assert!(EcdsaSignature::from_plain(&[1, 2, 3], 2).is_err());
    }
}
