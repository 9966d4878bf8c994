//! Bytes to structure: the one TLV/BER reader and writer ([`tlv`]), the SignerInfo of a
//! CMS SignedData located in the bytes as received ([`cms_raw`]), CMS SignedData as ICAO
//! uses it ([`signed_data`]) and the object identifiers ([`oid`]). Nothing here knows
//! about trust or about what a verifier decides; everything above reads through it.

pub mod cms_raw;
pub mod oid;
pub mod signed_data;
pub mod tlv;
