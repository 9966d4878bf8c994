//! BER-TLV: the one tag-length-value reader of dongpo-icao (LDS files, the EF.SOD
//! wrapper, the CMS structure walk of [`crate::encoding::cms_raw`], DG15's key repair), and the
//! writer that test material and the key repair use.
//!
//! The writer ([`encode`], [`push_length`]) emits DER-style shortest lengths. The reader
//! ([`TlvReader`], [`Tlv`]) reads one- to three-byte tags and any definite length of up
//! to four length bytes. It has two modes:
//!
//! * [`TlvReader::new`] (LDS files) refuses the indefinite length form: every LDS file is
//!   hashed as read, so a parser must see exactly the bytes the SOD covers and nothing that
//!   needs an end-of-contents search.
//! * [`TlvReader::ber`] (the EF.SOD wrapper and CMS, which some states write in BER) also
//!   reads the indefinite form of a constructed object: its children up to the
//!   end-of-contents `00 00`, nested at most [`MAX_INDEFINITE_DEPTH`] deep so hostile
//!   input cannot exhaust the stack.
//!
//! Reading never panics; every error names the offset where it was found.

/// Appends a definite length in the shortest form.
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        // At most `size_of::<usize>()` significant bytes: the count fits the low bits.
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend(bytes.iter().skip(skip));
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
/// Indefinite-length objects nested deeper than this are refused ([`TlvReader::ber`]):
/// real SODs nest about eight deep, and finding an end-of-contents recurses once per level.
pub const MAX_INDEFINITE_DEPTH: usize = 32;

/// Why BER-TLV bytes could not be read. Offsets count from the start of the outermost
/// input handed to [`TlvReader::new`] (or the base given to [`TlvReader::with_offset`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
    /// The indefinite length form `80`, which the LDS does not use (and which BER allows
    /// only for constructed objects).
    #[error("indefinite length at offset {offset}, expected a definite length")]
    IndefiniteLength {
        /// Offset of the length byte.
        offset: usize,
    },
    /// Indefinite-length objects nested deeper than [`MAX_INDEFINITE_DEPTH`].
    #[error(
        "indefinite-length object at offset {offset} nested more than {MAX_INDEFINITE_DEPTH} deep"
    )]
    NestingTooDeep {
        /// Offset of the object's tag.
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
    /// Tag, length and value exactly as read (what a hash must cover), with the
    /// end-of-contents `00 00` of an indefinite length.
    pub raw: &'a [u8],
    /// Read by a [`TlvReader::ber`] reader: [`Tlv::children`] reads BER too.
    ber: bool,
}

impl<'a> Tlv<'a> {
    /// Offset of the first value byte.
    #[must_use]
    pub fn value_offset(&self) -> usize {
        self.offset.saturating_add(self.header_len)
    }

    /// Offset just past the value (before the end-of-contents of an indefinite length).
    #[must_use]
    pub fn value_end(&self) -> usize {
        self.value_offset().saturating_add(self.value.len())
    }

    /// Offset just past the whole object (after the end-of-contents of an indefinite
    /// length).
    #[must_use]
    pub fn end(&self) -> usize {
        self.offset.saturating_add(self.raw.len())
    }

    /// The length was the indefinite form (value ended by `00 00`).
    #[must_use]
    pub fn is_indefinite(&self) -> bool {
        self.raw.len() > self.header_len.saturating_add(self.value.len())
    }

    /// The tag bytes as read.
    #[must_use]
    pub fn tag_bytes(&self) -> &'a [u8] {
        let len = match self.tag {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            _ => 3,
        };
        // A tag of `len` bytes was read at the start of `raw`; `min` only for the type.
        self.raw.split_at(len.min(self.raw.len())).0
    }

    /// The header is DER (X.690 §10.1): a definite length in its shortest form.
    #[must_use]
    pub fn has_der_length(&self) -> bool {
        let minimal_length_bytes = match self.value.len() {
            0..=0x7F => 1,
            len => 1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize,
        };
        !self.is_indefinite()
            && self.header_len == self.tag_bytes().len().saturating_add(minimal_length_bytes)
    }

    /// A reader over the data objects inside the value, with offsets continuing those
    /// of this object, in the mode this object was read in. Meaningful for constructed
    /// objects; a primitive value is read as if it were constructed.
    #[must_use]
    pub fn children(&self) -> TlvReader<'a> {
        TlvReader {
            ber: self.ber,
            ..TlvReader::with_offset(self.value, self.value_offset())
        }
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
    /// Indefinite lengths of constructed objects are read.
    ber: bool,
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
        Self {
            data,
            pos: 0,
            base,
            ber: false,
        }
    }

    /// A BER reader at the start of `data`: as [`TlvReader::new`], and a constructed
    /// object may also have the indefinite length form (its value is its children up to
    /// the end-of-contents `00 00`, which [`Tlv::raw`] includes and [`Tlv::value`] does
    /// not). For the EF.SOD wrapper and the CMS structure, never for LDS files.
    #[must_use]
    pub fn ber(data: &'a [u8]) -> Self {
        Self {
            ber: true,
            ..Self::new(data)
        }
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
        // `pos` never passes the end; `min` only for the type.
        self.data.split_at(self.pos.min(self.data.len())).1
    }

    /// Reads the next data object.
    ///
    /// # Errors
    /// A [`TlvError`] naming the offset; the reader is then exhausted.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        match self.read_inner(0) {
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

    /// Reads a tag alone (as in a tag list, `5C`, where tags follow each other without
    /// lengths): its value as a big-endian number and whether it is constructed.
    ///
    /// # Errors
    /// [`TlvError::UnexpectedEnd`] or [`TlvError::TagTooLong`]; the reader is then
    /// exhausted.
    pub fn read_tag(&mut self) -> Result<(u32, bool), TlvError> {
        self.tag().inspect_err(|_| self.pos = self.data.len())
    }

    fn tag(&mut self) -> Result<(u32, bool), TlvError> {
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
        Ok((tag, constructed))
    }

    /// Reads the children of an indefinite-length object up to its end-of-contents and
    /// returns where the value ends (the `00 00` is consumed).
    fn indefinite_value(&mut self, depth: usize) -> Result<usize, TlvError> {
        loop {
            if self.data.get(self.pos..self.pos.saturating_add(2)) == Some(&[0, 0][..]) {
                let value_end = self.pos;
                self.pos += 2;
                return Ok(value_end);
            }
            if self.is_empty() {
                return Err(TlvError::UnexpectedEnd {
                    offset: self.offset(),
                    expected: "an end-of-contents",
                });
            }
            self.read_inner(depth + 1)?;
        }
    }

    /// The common case of [`TlvReader::read_inner`], read in one step: a one-byte tag
    /// and a definite length of at most two bytes whose value lies in the input. The
    /// same object that the general path reads; `None` for anything else (then that
    /// path reads it, or gives the error). An EF.SOD and DG1 are read element by
    /// element for every document of a batch.
    fn read_common(&mut self) -> Option<Tlv<'a>> {
        let rest = self.data.get(self.pos..)?;
        let (&first, after_tag) = rest.split_first()?;
        if first & 0x1F == 0x1F {
            return None;
        }
        let (header_len, length): (usize, usize) = match *after_tag {
            [short @ 0..=0x7F, ..] => (2, usize::from(short)),
            [0x81, length, ..] => (3, usize::from(length)),
            [0x82, high, low, ..] => (4, usize::from(u16::from_be_bytes([high, low]))),
            _ => return None,
        };
        let raw = rest.get(..header_len.checked_add(length)?)?;
        let value = raw.get(header_len..)?;
        let tlv = Tlv {
            tag: u32::from(first),
            constructed: first & 0x20 != 0,
            offset: self.offset(),
            header_len,
            value,
            raw,
            ber: self.ber,
        };
        self.pos += raw.len();
        Some(tlv)
    }

    fn read_inner(&mut self, depth: usize) -> Result<Tlv<'a>, TlvError> {
        if depth <= MAX_INDEFINITE_DEPTH
            && let Some(tlv) = self.read_common()
        {
            return Ok(tlv);
        }
        self.read_general(depth)
    }

    /// Reads any data object (or gives the error), byte by byte.
    fn read_general(&mut self, depth: usize) -> Result<Tlv<'a>, TlvError> {
        let start = self.pos;
        let offset = self.offset();
        if depth > MAX_INDEFINITE_DEPTH {
            return Err(TlvError::NestingTooDeep { offset });
        }
        let (tag, constructed) = self.tag()?;

        let length_offset = self.offset();
        let first_len = self.byte("a length")?;
        let length = match first_len {
            0..=0x7F => usize::from(first_len),
            0x80 if self.ber && constructed => {
                let value_start = self.pos;
                let value_end = self.indefinite_value(depth)?;
                let (Some(value), Some(raw)) = (
                    self.data.get(value_start..value_end),
                    self.data.get(start..self.pos),
                ) else {
                    // Unreachable: both ranges were just read; an error, not a panic.
                    return Err(TlvError::UnexpectedEnd {
                        offset: self.offset(),
                        expected: "an end-of-contents",
                    });
                };
                return Ok(Tlv {
                    tag,
                    constructed,
                    offset,
                    header_len: value_start - start,
                    value,
                    raw,
                    ber: self.ber,
                });
            }
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
            ber: self.ber,
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
    fn common_objects_read_as_the_general_path_reads_them() {
        // Every first tag byte, every length form up to four bytes, values that fit,
        // end exactly or overrun the input, in both modes and at an offset.
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        let lengths: [&[u8]; 12] = [
            &[0x00],
            &[0x05],
            &[0x7F],
            &[0x80],
            &[0x81, 0x03],
            &[0x81, 0x7F],
            &[0x81, 0x90],
            &[0x82, 0x00, 0x04],
            &[0x82, 0x01, 0x00],
            &[0x83, 0x00, 0x00, 0x02],
            &[0x81],
            &[0x82, 0x00],
        ];
        for first in 0..=u8::MAX {
            for length in lengths {
                for value_len in [0usize, 2, 3, 4, 5, 127, 256, 300] {
                    let mut input = vec![first];
                    input.extend_from_slice(length);
                    input.extend(std::iter::repeat_n(0x30, value_len));
                    inputs.push(input);
                }
            }
        }
        let mut common = 0;
        for input in &inputs {
            for ber in [false, true] {
                let reader = || {
                    let mut r = TlvReader::with_offset(input, 7);
                    r.ber = ber;
                    r
                };
                let (mut fast, mut general) = (reader(), reader());
                if let Some(tlv) = fast.read_common() {
                    assert_eq!(Ok(tlv), general.read_general(0), "{input:02X?}");
                    assert_eq!(fast.pos, general.pos, "{input:02X?}");
                    common += 1;
                }
                let (mut a, mut b) = (reader(), reader());
                assert_eq!(a.read(), b.read_general(0), "{input:02X?}");
            }
        }
        assert!(common > 10_000, "{common}");
    }

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

    #[test]
    fn ber_reads_definite_and_indefinite_lengths() {
        let definite = [0x77, 0x03, 0x30, 0x01, 0x05, 0xff];
        let tlv = TlvReader::ber(&definite).read().unwrap();
        assert_eq!((tlv.value_offset(), tlv.value_end(), tlv.end()), (2, 5, 5));
        assert!(tlv.has_der_length() && !tlv.is_indefinite());
        let indefinite = [0x77, 0x80, 0x30, 0x01, 0x05, 0x00, 0x00, 0xee];
        let tlv = TlvReader::ber(&indefinite).read().unwrap();
        assert_eq!((tlv.value_offset(), tlv.value_end(), tlv.end()), (2, 5, 7));
        assert_eq!(tlv.raw, &indefinite[..7]);
        assert!(tlv.is_indefinite() && !tlv.has_der_length());
        assert_eq!(tlv.children().count(), 1);
        assert!(
            TlvReader::ber(&[0x77, 0x80, 0x30, 0x01, 0x05])
                .read()
                .is_err()
        );
        // Nested indefinite lengths, and children of a BER object read BER too.
        let nested = [0x30, 0x80, 0x31, 0x80, 0x04, 0x00, 0, 0, 0, 0];
        let tlv = TlvReader::ber(&nested).read().unwrap();
        let child = tlv.children().read().unwrap();
        assert_eq!((child.tag, child.value), (0x31, &[0x04, 0x00][..]));
        // A non-minimal long form is read, but is not DER.
        let long = TlvReader::ber(&[0x77, 0x81, 0x01, 0x05]).read().unwrap();
        assert!(!long.has_der_length());
        // The LDS reader refuses the indefinite form; BER only allows it when constructed.
        assert_eq!(
            TlvReader::new(&indefinite).read(),
            Err(TlvError::IndefiniteLength { offset: 1 })
        );
        assert_eq!(
            TlvReader::ber(&[0x04, 0x80, 0x00, 0x00]).read(),
            Err(TlvError::IndefiniteLength { offset: 1 })
        );
    }

    #[test]
    fn ber_nesting_is_bounded() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 100_000)
            .flatten()
            .collect();
        assert!(matches!(
            TlvReader::ber(&deep).read(),
            Err(TlvError::NestingTooDeep { .. })
        ));
    }

    #[test]
    fn tags_alone() {
        let mut reader = TlvReader::new(&[0x5F, 0x0E, 0xA0]);
        assert_eq!(reader.read_tag(), Ok((0x5F0E, false)));
        assert_eq!(reader.read_tag(), Ok((0xA0, true)));
        assert!(reader.is_empty());
    }
}
