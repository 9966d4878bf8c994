//! Distinguished-name comparison (RFC 5280 §7.1), the one comparison every issuer,
//! subject and CRL-issuer match in dongpo uses.
//!
//! Name chaining keeps the RDN order (PKITS 4.3.2) while ignoring case, insignificant
//! white space and the choice of string type (PrintableString rolled over to
//! UTF8String, PKITS 4.3.10; TeletexString as Latin-1). Values of other types are
//! compared as tag and content octets, never as their hex text.
//! [`crate::name::same_name`] builds on it and also tells "same attributes in another
//! RDN order", which ePassport code reports as a quirk.

use der::Tag;
use der::Tagged;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// An attribute value reduced to what comparison looks at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Value {
    /// A directory string after case folding and white-space collapsing.
    Text(String),
    /// Any other value: its tag and content octets, compared exactly.
    Raw(Tag, Vec<u8>),
}

/// One attribute: type and normalised value.
pub(crate) type Attribute = (String, Value);

/// A name reduced for comparison: RDNs in order, each RDN an ordered set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct NormalizedName(Vec<Vec<Attribute>>);

impl NormalizedName {
    /// Normalises `name`.
    pub(crate) fn new(name: &Name) -> Self {
        NormalizedName(
            name.iter_rdn()
                .map(|rdn| {
                    let mut set: Vec<Attribute> = rdn.iter().map(attribute).collect();
                    set.sort();
                    set
                })
                .collect(),
        )
    }

    /// Whether the name has no RDN.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every attribute of every RDN, sorted: equal for names that differ only in RDN
    /// order (or in how attributes are grouped into RDNs).
    pub(crate) fn attributes(&self) -> Vec<&Attribute> {
        let mut all: Vec<&Attribute> = self.0.iter().flatten().collect();
        all.sort();
        all
    }

    /// Whether `self` lies within the subtree rooted at `base`: `base`'s RDNs are a
    /// prefix of `self`'s (RFC 5280 §4.2.1.10, directoryName).
    pub(crate) fn within(&self, base: &NormalizedName) -> bool {
        self.0.starts_with(&base.0)
    }
}

/// Whether two names are equal under RFC 5280 §7.1.
#[must_use]
pub fn names_match(a: &Name, b: &Name) -> bool {
    // Identical names normalise identically.
    a == b || NormalizedName::new(a) == NormalizedName::new(b)
}

fn attribute(atv: &AttributeTypeAndValue) -> Attribute {
    let value = match text(atv) {
        Some(s) => Value::Text(prepare(&s)),
        None => Value::Raw(atv.value.tag(), atv.value.value().to_vec()),
    };
    (atv.oid.to_string(), value)
}

/// The value as text when it is one of the string types that X.520 attributes use.
fn text(atv: &AttributeTypeAndValue) -> Option<String> {
    let bytes = atv.value.value();
    match atv.value.tag() {
        Tag::Utf8String => String::from_utf8(bytes.to_vec()).ok(),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => bytes
            .is_ascii()
            .then(|| bytes.iter().map(|b| char::from(*b)).collect()),
        // T.61 as found in practice is Latin-1.
        Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| match c {
                    [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 4518 in the form RFC 5280 asks for: case folding and insignificant space
/// handling (leading, trailing and repeated inner spaces do not count).
///
/// Case is folded for ASCII letters only. Full Unicode folding would make look-alikes
/// equal (KELVIN SIGN U+212A folds to `k`, so `\u{212A}R` would be the country `KR`):
/// names decide which State's CSCA vouches, so two names are equal only when no
/// character outside ASCII had to change. Spaces are ASCII spaces for the same reason.
fn prepare(s: &str) -> String {
    s.split(' ')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn name(s: &str) -> Name {
        Name::from_str(s).unwrap()
    }

    #[test]
    fn case_and_white_space_do_not_count_but_order_does() {
        assert!(names_match(
            &name("CN=Good  CA,O=Test Certificates,C=US"),
            &name("CN=good ca,O= test certificates ,C=us")
        ));
        assert!(!names_match(
            &name("CN=Good CA,O=Test Certificates,C=US"),
            &name("O=Test Certificates,CN=Good CA,C=US")
        ));
        assert!(!names_match(
            &name("CN=Good CA,C=US"),
            &name("CN=Good CB,C=US")
        ));
    }

    #[test]
    fn subtree_is_an_rdn_prefix() {
        let base = NormalizedName::new(&name("O=Test,C=US"));
        assert!(NormalizedName::new(&name("CN=x,O=test,C=US")).within(&base));
        assert!(NormalizedName::new(&name("O=Test,C=US")).within(&base));
        assert!(!NormalizedName::new(&name("CN=x,O=Other,C=US")).within(&base));
        assert!(!NormalizedName::new(&name("C=US")).within(&base));
    }
}
