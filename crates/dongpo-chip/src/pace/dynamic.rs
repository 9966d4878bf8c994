//! Dynamic authentication data (ISO/IEC 7816-4, 9303-11 §4.4.4.2): the body
//! `7C { 80..86 }` of PACE's GENERAL AUTHENTICATE commands and answers.

use dongpo_icao::tlv::{TlvError, TlvReader, encode};

/// Why a `7C` body was refused. Messages carry tags and offsets only, never key bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DynamicDataError {
    /// The bytes are not one well-formed BER-TLV object.
    #[error("dynamic authentication data: {0}")]
    Tlv(#[from] TlvError),
    /// The outer object is not `7C`.
    #[error("dynamic authentication data: outer tag {0:#X}, expected 0x7C")]
    NotDynamicData(u32),
    /// An inner object this step does not allow, or one given twice.
    #[error("dynamic authentication data: unexpected or repeated object {0:#X}")]
    UnexpectedObject(u32),
    /// A required object is absent.
    #[error("dynamic authentication data: object {0:#X} missing")]
    Missing(u32),
}

/// The objects inside a `7C` body, each tag at most once, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicData<'a> {
    objects: Vec<(u32, &'a [u8])>,
}

impl<'a> DynamicData<'a> {
    /// Parses `7C { objects }` (nothing after it) whose inner tags are all in `allowed`,
    /// none twice. `7C 00` gives no objects.
    ///
    /// # Errors
    /// [`DynamicDataError`] for broken TLV, another outer tag, trailing bytes, or an inner
    /// object outside `allowed` or repeated.
    pub fn parse(data: &'a [u8], allowed: &[u32]) -> Result<Self, DynamicDataError> {
        let mut reader = TlvReader::new(data);
        let outer = reader.read()?;
        if outer.tag != 0x7C {
            return Err(DynamicDataError::NotDynamicData(outer.tag));
        }
        reader.finish()?;
        let mut inner = TlvReader::new(outer.value);
        let mut objects: Vec<(u32, &[u8])> = Vec::new();
        while !inner.is_empty() {
            let tlv = inner.read()?;
            if !allowed.contains(&tlv.tag) || objects.iter().any(|(t, _)| *t == tlv.tag) {
                return Err(DynamicDataError::UnexpectedObject(tlv.tag));
            }
            objects.push((tlv.tag, tlv.value));
        }
        Ok(DynamicData { objects })
    }

    /// The value of `tag`, if present.
    #[must_use]
    pub fn get(&self, tag: u32) -> Option<&'a [u8]> {
        self.objects
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, v)| *v)
    }

    /// The value of `tag`.
    ///
    /// # Errors
    /// [`DynamicDataError::Missing`] when absent.
    pub fn require(&self, tag: u32) -> Result<&'a [u8], DynamicDataError> {
        self.get(tag).ok_or(DynamicDataError::Missing(tag))
    }

    /// True when the body is `7C 00`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// `7C { tag value }`, or `7C 00` for `None`.
#[must_use]
pub fn encode_dynamic(object: Option<(u8, &[u8])>) -> Vec<u8> {
    let inner = object.map_or_else(Vec::new, |(tag, value)| encode(&[tag], value));
    encode(&[0x7C], &inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let d = DynamicData::parse(&[0x7C, 0x00], &[]).unwrap();
        assert!(d.is_empty());
        let body = encode_dynamic(Some((0x81, &[4, 1, 2])));
        assert_eq!(body, [0x7C, 0x05, 0x81, 0x03, 4, 1, 2]);
        let d = DynamicData::parse(&body, &[0x81]).unwrap();
        assert_eq!(d.require(0x81).unwrap(), [4, 1, 2]);
        assert_eq!(d.require(0x83), Err(DynamicDataError::Missing(0x83)));
        assert_eq!(
            DynamicData::parse(&body, &[0x83]),
            Err(DynamicDataError::UnexpectedObject(0x81))
        );
        // Twice the same object.
        assert_eq!(
            DynamicData::parse(&[0x7C, 0x04, 0x80, 0x00, 0x80, 0x00], &[0x80]),
            Err(DynamicDataError::UnexpectedObject(0x80))
        );
        // Another outer tag, trailing bytes, truncation.
        assert_eq!(
            DynamicData::parse(&[0x7D, 0x00], &[]),
            Err(DynamicDataError::NotDynamicData(0x7D))
        );
        assert!(matches!(
            DynamicData::parse(&[0x7C, 0x00, 0x00], &[]),
            Err(DynamicDataError::Tlv(_))
        ));
        assert!(matches!(
            DynamicData::parse(&[0x7C, 0x05, 0x81, 0x03, 4], &[0x81]),
            Err(DynamicDataError::Tlv(_))
        ));
        assert!(DynamicData::parse(&[], &[]).is_err());
    }
}
