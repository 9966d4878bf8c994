//! Distinguished names: display and semantic comparison.
//!
//! Names are compared as RFC 5280 §7.1 asks (the comparison of
//! [`crate::path::names_match`]): case, insignificant white space and the string type
//! (PrintableString, UTF8String, TeletexString, ...) do not count, the RDN order does.
//! Real SODs sometimes name the DSC's issuer with the RDNs in another order than the
//! certificate does; [`same_name`] tells that apart ([`NameMatch::Reordered`]) so that a
//! verifier can accept it as a named quirk.

use x509_cert::name::Name;

mod normalized;

pub(crate) use normalized::NormalizedName;
pub use normalized::names_match;

/// How two names compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// The same name under RFC 5280 §7.1: byte-identical, or differing only in case,
    /// insignificant white space or string type.
    Exact,
    /// The same attributes (compared as for [`NameMatch::Exact`]) in another RDN order.
    Reordered,
    /// Different names.
    Different,
}

/// Compares two names under RFC 5280 §7.1, then up to RDN order.
#[must_use]
pub fn same_name(a: &Name, b: &Name) -> NameMatch {
    // Identical names normalise identically: skip the normalisation (a SignerInfo
    // names its DSC's issuer as the DSC does, document after document).
    if a == b {
        return NameMatch::Exact;
    }
    let (a, b) = (NormalizedName::new(a), NormalizedName::new(b));
    if a == b {
        NameMatch::Exact
    } else if a.attributes() == b.attributes() {
        NameMatch::Reordered
    } else {
        NameMatch::Different
    }
}

/// The country (C) attribute, upper-cased, if present.
#[must_use]
pub fn country(name: &Name) -> Option<String> {
    let c = const_oid::db::rfc4519::C;
    name.iter()
        .find(|atv| atv.oid == c)
        .and_then(|atv| atv.value.decode_as::<der::asn1::PrintableString>().ok())
        .map(|s| s.to_string().to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::{Any, SetOfVec};
    use der::{Decode, Encode, Tag};
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::name::{RdnSequence, RelativeDistinguishedName};

    /// `C=KR, CN=<value>` with the CN written as `tag`.
    fn name(tag: Tag, value: &[u8]) -> Name {
        let rdn = |oid, tag, value: &[u8]| {
            let mut set = SetOfVec::new();
            set.insert(AttributeTypeAndValue {
                oid,
                value: Any::new(tag, value).unwrap(),
            })
            .unwrap();
            RelativeDistinguishedName::from(set)
        };
        let seq = RdnSequence::from(vec![
            rdn(const_oid::db::rfc4519::C, Tag::PrintableString, b"KR"),
            rdn(const_oid::db::rfc4519::CN, tag, value),
        ]);
        Name::from_der(&seq.to_der().unwrap()).unwrap()
    }

    #[test]
    fn string_type_does_not_count_but_content_does() {
        let teletex = name(Tag::TeletexString, b"Test CSCA");
        assert_eq!(
            same_name(&teletex, &name(Tag::PrintableString, b"Test CSCA")),
            NameMatch::Exact
        );
        assert_eq!(
            same_name(&teletex, &name(Tag::Utf8String, b"test  csca ")),
            NameMatch::Exact
        );
        // The hex text of the TeletexString's octets is another name.
        assert_eq!(
            same_name(
                &teletex,
                &name(Tag::Utf8String, hex::encode("Test CSCA").as_bytes())
            ),
            NameMatch::Different
        );
        assert_eq!(
            same_name(&teletex, &name(Tag::PrintableString, b"Test CSCB")),
            NameMatch::Different
        );
    }

    #[test]
    fn rdn_order_is_a_reordering_not_a_match() {
        use std::str::FromStr;
        let a = Name::from_str("CN=Test CSCA,O=Gov,C=KR").unwrap();
        let b = Name::from_str("C=KR,CN=test csca,O=Gov").unwrap();
        assert_eq!(same_name(&a, &b), NameMatch::Reordered);
        assert_eq!(same_name(&a, &a), NameMatch::Exact);
        let c = Name::from_str("C=KR,CN=Test CSCA,O=Other").unwrap();
        assert_eq!(same_name(&a, &c), NameMatch::Different);
    }
}
