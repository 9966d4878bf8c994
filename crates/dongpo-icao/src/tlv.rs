//! BER-TLV as the LDS writes it: one- to three-byte tags, definite lengths.
//!
//! The writer ([`encode`], [`push_length`]) emits DER-style shortest lengths. The reader
//! ([`TlvReader`], [`Tlv`]) accepts any definite length of up to four length bytes and
//! refuses the indefinite form: every LDS file is hashed as read, so a parser must see
//! exactly the bytes the SOD covers and nothing that needs an end-of-contents search.
//! Reading never panics; every error names the offset where it was found.

/// Appends a definite length in the shortest form.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// `tag || length || value`.
#[must_use]
pub fn encode(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 6 + value.len());
    out.extend_from_slice(tag);
    push_length(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// Longest tag the LDS uses (`5F1F`, `7F61`) is two bytes; three leaves room for
/// national extensions without letting a hostile tag run on.
const MAX_TAG_BYTES: usize = 3;
/// Four length bytes describe up to 4 GiB, more than any chip file.
const MAX_LENGTH_BYTES: usize = 4;

/// Why BER-TLV bytes could not be read. Offsets count from the start of the outermost
/// input handed to [`TlvReader::new`] (or the base given to [`TlvReader::with_offset`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ended where more bytes were needed.
    #[error("input ends at offset {offset}, expected {expected}")]
    UnexpectedEnd {
        /// Offset of the first missing byte.
        offset: usize,
        /// What was being read.
        expected: &'static str,
    },
    /// A tag longer than three bytes.
    #[error("tag at offset {offset} is longer than {MAX_TAG_BYTES} bytes")]
    TagTooLong {
        /// Offset of the tag's first byte.
        offset: usize,
    },
    /// The indefinite length form `80`, which the LDS does not use.
    #[error("indefinite length at offset {offset}, expected a definite length")]
    IndefiniteLength {
        /// Offset of the length byte.
        offset: usize,
    },
    /// A long-form length with more than four length bytes (or the reserved `FF`).
    #[error(
        "length at offset {offset} has {count} length bytes, expected at most {MAX_LENGTH_BYTES}"
    )]
    LengthTooLong {
        /// Offset of the first length byte.
        offset: usize,
        /// The number of length bytes announced.
        count: usize,
    },
    /// The value would run past the end of the enclosing input.
    #[error("value at offset {offset} is {length} bytes long, but only {available} bytes remain")]
    LengthBeyondInput {
        /// Offset of the value's first byte.
        offset: usize,
        /// The declared length.
        length: usize,
        /// Bytes actually left.
        available: usize,
    },
    /// A tag other than the one required here.
    #[error("tag {found:#X} at offset {offset}, expected {expected:#X}")]
    UnexpectedTag {
        /// Offset of the tag.
        offset: usize,
        /// The tag required.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// Bytes left over after the single data object that should fill the input.
    #[error("{count} trailing bytes at offset {offset} after the data object")]
    TrailingData {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many extra bytes.
        count: usize,
    },
}

/// One data object: its tag, where it sits, and its value (borrowed from the input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a big-endian number: `0x61`, `0x5F1F`, `0x7F61`.
    pub tag: u32,
    /// Bit 6 of the first tag byte: the value is a sequence of data objects.
    pub constructed: bool,
    /// Offset of the first tag byte.
    pub offset: usize,
    /// Tag and length bytes together.
    pub header_len: usize,
    /// The value bytes.
    pub value: &'a [u8],
    /// Tag, length and value exactly as read (what a hash must cover).
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Offset of the first value byte.
    #[must_use]
    pub fn value_offset(&self) -> usize {
        self.offset.saturating_add(self.header_len)
    }

    /// A reader over the data objects inside the value, with offsets continuing those
    /// of this object. Meaningful for constructed objects; a primitive value is read as
    /// if it were constructed.
    #[must_use]
    pub fn children(&self) -> TlvReader<'a> {
        TlvReader::with_offset(self.value, self.value_offset())
    }

    /// Fails with [`TlvError::UnexpectedTag`] unless this object carries `tag`.
    ///
    /// # Errors
    /// [`TlvError::UnexpectedTag`].
    pub fn expect_tag(self, tag: u32) -> Result<Self, TlvError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(TlvError::UnexpectedTag {
                offset: self.offset,
                expected: tag,
                found: self.tag,
            })
        }
    }
}

/// Reads consecutive data objects from a byte slice; as an iterator it yields each
/// object, or one error and then nothing.
#[derive(Clone, Debug)]
pub struct TlvReader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> TlvReader<'a> {
    /// A reader at the start of `data`, offsets counted from its first byte.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Self::with_offset(data, 0)
    }

    /// A reader over `data` whose first byte sits at offset `base` of a larger input.
    #[must_use]
    pub fn with_offset(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// True when every byte has been read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Offset (in the outermost input) of the next byte to read.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    /// The bytes not read yet.
    #[must_use]
    pub fn remaining(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// Reads the next data object.
    ///
    /// # Errors
    /// A [`TlvError`] naming the offset; the reader is then exhausted.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        match self.read_inner() {
            Ok(tlv) => Ok(tlv),
            Err(e) => {
                self.pos = self.data.len();
                Err(e)
            }
        }
    }

    /// Reads the next data object and requires it to carry `tag`.
    ///
    /// # Errors
    /// As [`TlvReader::read`], or [`TlvError::UnexpectedTag`].
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        self.read()?.expect_tag(tag)
    }

    /// The first remaining data object with `tag`, reading (and skipping) the others.
    ///
    /// # Errors
    /// Any read error met on the way.
    pub fn find(&mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        for tlv in self.by_ref() {
            let tlv = tlv?;
            if tlv.tag == tag {
                return Ok(Some(tlv));
            }
        }
        Ok(None)
    }

    /// Fails unless every byte has been read.
    ///
    /// # Errors
    /// [`TlvError::TrailingData`].
    pub fn finish(&self) -> Result<(), TlvError> {
        let count = self.data.len().saturating_sub(self.pos);
        if count == 0 {
            Ok(())
        } else {
            Err(TlvError::TrailingData {
                offset: self.offset(),
                count,
            })
        }
    }

    fn byte(&mut self, expected: &'static str) -> Result<u8, TlvError> {
        let b = self
            .data
            .get(self.pos)
            .copied()
            .ok_or(TlvError::UnexpectedEnd {
                offset: self.offset(),
                expected,
            })?;
        self.pos += 1;
        Ok(b)
    }

    fn read_inner(&mut self) -> Result<Tlv<'a>, TlvError> {
        let start = self.pos;
        let offset = self.offset();

        let first = self.byte("a tag")?;
        let constructed = first & 0x20 != 0;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            // Subsequent tag bytes: bit 8 set means another one follows.
            let mut count = 1;
            loop {
                let b = self.byte("a subsequent tag byte")?;
                count += 1;
                if count > MAX_TAG_BYTES {
                    return Err(TlvError::TagTooLong { offset });
                }
                tag = (tag << 8) | u32::from(b);
                if b & 0x80 == 0 {
                    break;
                }
            }
        }

        let length_offset = self.offset();
        let first_len = self.byte("a length")?;
        let length = match first_len {
            0..=0x7F => usize::from(first_len),
            0x80 => {
                return Err(TlvError::IndefiniteLength {
                    offset: length_offset,
                });
            }
            _ => {
                let count = usize::from(first_len & 0x7F);
                if count > MAX_LENGTH_BYTES {
                    return Err(TlvError::LengthTooLong {
                        offset: length_offset,
                        count,
                    });
                }
                let mut length: u64 = 0;
                for _ in 0..count {
                    length = (length << 8) | u64::from(self.byte("a length byte")?);
                }
                usize::try_from(length).map_err(|_| TlvError::LengthTooLong {
                    offset: length_offset,
                    count,
                })?
            }
        };

        let value_start = self.pos;
        let available = self.data.len().saturating_sub(value_start);
        if length > available {
            return Err(TlvError::LengthBeyondInput {
                offset: self.offset(),
                length,
                available,
            });
        }
        let end = value_start + length;
        let (Some(value), Some(raw)) = (self.data.get(value_start..end), self.data.get(start..end))
        else {
            // Unreachable after the bounds check above; kept as an error, not a panic.
            return Err(TlvError::LengthBeyondInput {
                offset: self.offset(),
                length,
                available,
            });
        };
        self.pos = end;
        Ok(Tlv {
            tag,
            constructed,
            offset,
            header_len: value_start - start,
            value,
            raw,
        })
    }
}

impl<'a> Iterator for TlvReader<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.is_empty() {
            None
        } else {
            Some(self.read())
        }
    }
}

/// Reads the single data object that must fill `data` exactly.
///
/// # Errors
/// A read error, or [`TlvError::TrailingData`] when bytes follow the object.
pub fn parse_single(data: &[u8]) -> Result<Tlv<'_>, TlvError> {
    let mut reader = TlvReader::new(data);
    let tlv = reader.read()?;
    reader.finish()?;
    Ok(tlv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        assert_eq!(encode(&[0x5f, 0x1f], b"AB"), [0x5f, 0x1f, 2, b'A', b'B']);
        let long = encode(&[0x75], &[0u8; 300]);
        assert_eq!(long.get(..4), Some(&[0x75, 0x82, 0x01, 0x2c][..]));
        assert_eq!(long.len(), 304);
    }

    #[test]
    fn reads_what_encode_writes() {
        for len in [0usize, 1, 0x7f, 0x80, 0xff, 0x100, 0x1_0000] {
            let value = vec![0xA5; len];
            let bytes = encode(&[0x7f, 0x61], &value);
            let tlv = parse_single(&bytes).unwrap();
            assert_eq!(tlv.tag, 0x7F61);
            assert!(tlv.constructed);
            assert_eq!(tlv.value, &value[..]);
            assert_eq!(tlv.raw, &bytes[..]);
            assert_eq!(tlv.value_offset(), bytes.len() - len);
        }
    }

    #[test]
    fn one_two_and_three_byte_tags() {
        let one = parse_single(&[0x61, 0x00]).unwrap();
        assert_eq!((one.tag, one.constructed, one.header_len), (0x61, true, 2));
        let two = parse_single(&[0x5F, 0x1F, 0x01, b'X']).unwrap();
        assert_eq!((two.tag, two.constructed), (0x5F1F, false));
        let three = parse_single(&[0x5F, 0x81, 0x01, 0x00]).unwrap();
        assert_eq!(three.tag, 0x5F8101);
        assert_eq!(
            parse_single(&[0x5F, 0x81, 0x81, 0x01, 0x00]),
            Err(TlvError::TagTooLong { offset: 0 })
        );
    }

    #[test]
    fn non_minimal_long_lengths_are_accepted() {
        // BER allows them and some chips write `81 05` for short values.
        let tlv = parse_single(&[0x04, 0x81, 0x02, 1, 2]).unwrap();
        assert_eq!(tlv.value, &[1, 2]);
        let tlv = parse_single(&[0x04, 0x84, 0, 0, 0, 1, 9]).unwrap();
        assert_eq!(tlv.value, &[9]);
    }

    #[test]
    fn children_carry_absolute_offsets() {
        let inner = [encode(&[0x02], &[3]), encode(&[0x5F, 0x2E], b"xyz")].concat();
        let outer = [vec![0xAA], encode(&[0x7F, 0x60], &inner)].concat();
        let mut reader = TlvReader::with_offset(outer.get(1..).unwrap(), 1);
        let tlv = reader.read().unwrap();
        assert!(reader.is_empty());
        let kids: Vec<_> = tlv.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!((kids[0].tag, kids[0].offset), (0x02, 4));
        assert_eq!(
            (kids[1].tag, kids[1].offset, kids[1].value),
            (0x5F2E, 7, &b"xyz"[..])
        );
        let mut again = tlv.children();
        assert_eq!(again.find(0x5F2E).unwrap().map(|t| t.offset), Some(7));
        assert_eq!(tlv.children().find(0x99), Ok(None));
        assert_eq!(
            tlv.children().expect(0x5F2E),
            Err(TlvError::UnexpectedTag {
                offset: 4,
                expected: 0x5F2E,
                found: 0x02
            })
        );
    }

    #[test]
    fn malformed_input_gives_errors_with_offsets() {
        let cases: [(&[u8], TlvError); 9] = [
            (
                &[],
                TlvError::UnexpectedEnd {
                    offset: 0,
                    expected: "a tag",
                },
            ),
            (
                &[0x5F],
                TlvError::UnexpectedEnd {
                    offset: 1,
                    expected: "a subsequent tag byte",
                },
            ),
            (
                &[0x61],
                TlvError::UnexpectedEnd {
                    offset: 1,
                    expected: "a length",
                },
            ),
            (
                &[0x61, 0x80, 0x00, 0x00],
                TlvError::IndefiniteLength { offset: 1 },
            ),
            (
                &[0x61, 0x85, 1, 1, 1, 1, 1],
                TlvError::LengthTooLong {
                    offset: 1,
                    count: 5,
                },
            ),
            (
                &[0x61, 0xFF],
                TlvError::LengthTooLong {
                    offset: 1,
                    count: 127,
                },
            ),
            (
                &[0x61, 0x82, 0x01],
                TlvError::UnexpectedEnd {
                    offset: 3,
                    expected: "a length byte",
                },
            ),
            (
                &[0x61, 0x03, 0x01],
                TlvError::LengthBeyondInput {
                    offset: 2,
                    length: 3,
                    available: 1,
                },
            ),
            (
                &[0x61, 0x00, 0x00],
                TlvError::TrailingData {
                    offset: 2,
                    count: 1,
                },
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(parse_single(bytes), Err(expected.clone()), "{bytes:02X?}");
            assert!(!expected.to_string().is_empty());
        }
        // Four length bytes that exceed the input: an error, not an allocation.
        assert!(matches!(
            parse_single(&[0x61, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(TlvError::LengthBeyondInput { .. })
        ));
    }

    #[test]
    fn iteration_stops_after_an_error() {
        let mut reader = TlvReader::new(&[0x02, 0x01, 0x05, 0x61, 0x80, 0x02, 0x01, 0x05]);
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().is_err());
        assert!(reader.next().is_none());
    }
}
