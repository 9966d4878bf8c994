//! `LDSSecurityObject` (9303-10 §4.6.2): the hashes of the data groups, signed in EF.SOD.

use der::Sequence;
use der::asn1::{OctetString, PrintableString};
use der::oid::ObjectIdentifier;

/// `AlgorithmIdentifier` as the SOD writes it: parameters absent or NULL.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct DigestAlgorithmIdentifier {
    /// The hash OID.
    pub algorithm: ObjectIdentifier,
    /// Parameters (absent or NULL for SHA-1/SHA-2).
    #[asn1(optional = "true")]
    pub parameters: Option<der::Any>,
}

/// `DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (1..16), dataGroupHashValue OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct DataGroupHash {
    /// Data group number, 1 to 16.
    pub data_group_number: u8,
    /// Hash over the complete data group file as read from the chip.
    pub data_group_hash_value: OctetString,
}

/// `LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct LdsVersionInfo {
    /// LDS version, e.g. `0108`.
    pub lds_version: PrintableString,
    /// Unicode version, e.g. `040000`.
    pub unicode_version: PrintableString,
}

/// `LDSSecurityObject`: v0 without, v1 with [`LdsVersionInfo`].
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct LdsSecurityObject {
    /// 0 (v0) or 1 (v1).
    pub version: u8,
    /// The hash used for every data group.
    pub hash_algorithm: DigestAlgorithmIdentifier,
    /// One entry per data group present (2 to 16 of them). A SEQUENCE OF, kept in the
    /// order received; a data-group number listed twice is refused when the hashes are
    /// read ([`crate::lds::sod::data_group_hashes`]), so no "first" or "last" entry is ever
    /// chosen between two.
    pub data_group_hash_values: Vec<DataGroupHash>,
    /// Present exactly when `version` is 1.
    #[asn1(optional = "true")]
    pub lds_version_info: Option<LdsVersionInfo>,
}
