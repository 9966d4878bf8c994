//! Borrowed twins of the `cms` crate's `EncapsulatedContentInfo` and
//! `DigestAlgorithmIdentifiers` for the EF.SOD fast path ([`super::fast`]): the same
//! fields decoded by the same `der` code (`AnyRef` for `Any`, `AlgorithmIdentifierRef`
//! for `AlgorithmIdentifierOwned`, which `der` 0.8 reads alike), without copying the
//! eContent into an `Any` and again into an `OctetString`, and without allocating one
//! identifier per digest algorithm that nothing reads (see `signed_data.rs`: the
//! SignedData's digestAlgorithms are never consulted).

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{
    Decode, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer,
};
use spki::AlgorithmIdentifierRef;

/// `EncapsulatedContentInfo` (RFC 5652 §5.2) with its eContent borrowed.
#[derive(Sequence)]
pub(super) struct EncapsulatedContentInfoRef<'a> {
    pub(super) econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) econtent: Option<AnyRef<'a>>,
}

/// `DigestAlgorithmIdentifiers ::= SET OF DigestAlgorithmIdentifier`: each element
/// decoded as the owned SET OF would decode it (its DER sort never refuses decoded
/// identifiers), the SET's content kept as received.
pub(super) struct DigestAlgorithmsRef<'a>(&'a [u8]);

impl FixedTag for DigestAlgorithmsRef<'_> {
    const TAG: Tag = Tag::Set;
}

impl<'a> DecodeValue<'a> for DigestAlgorithmsRef<'a> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let content = reader.read_slice(header.length())?;
        let mut inner = der::SliceReader::new(content)?;
        while !inner.is_finished() {
            AlgorithmIdentifierRef::decode(&mut inner)?;
        }
        Ok(DigestAlgorithmsRef(content))
    }
}

/// Written back as received (the derive needs it; the parser never encodes).
impl EncodeValue for DigestAlgorithmsRef<'_> {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}
