//! Distinguished names for subscribers and CAs, built attribute by attribute so each value
//! gets the string type RFC 5280 expects (PrintableString for countries, UTF8String for
//! names, which carries Hangul).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;
use der::asn1::{Any, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Decode, Encode};
use dongpo_profiles::{Profile, SubjectSource};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// RFC 5280 upper bounds (Appendix A.1) for the attributes written here, in characters.
pub const UB_COMMON_NAME: usize = 64;
const UB_ORGANIZATION: usize = 64;
const UB_UNIQUE_ID: usize = 256;

/// Whether `c` is a character no name may carry: a control character (C0, DEL, C1),
/// a format character (Unicode Cf: soft hyphen, zero-width characters, the bidirectional
/// embeddings, overrides and isolates, the byte-order mark, tag characters, ...), a line or
/// paragraph separator, a private-use character, a noncharacter, or any other
/// Default_Ignorable_Code_Point of Unicode's DerivedCoreProperties (the Hangul fillers,
/// variation selectors, the combining grapheme joiner, ...). They are invisible or reorder
/// what is shown, so a name holding them does not read as what it is.
#[must_use]
pub fn is_forbidden_in_names(c: char) -> bool {
    let u = u32::from(c);
    c.is_control()
        || matches!(
            u,
            0x00AD
                | 0x0600..=0x0605
                | 0x061C
                | 0x06DD
                | 0x070F
                | 0x0890..=0x0891
                | 0x08E2
                | 0x180E
                | 0x200B..=0x200F
                | 0x2028..=0x202E
                // U+2065 is unassigned but default-ignorable too.
                | 0x2060..=0x206F
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                // Default_Ignorable_Code_Point that are letters or marks, not Cf:
                | 0x034F
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFFA0
                | 0xFFF0..=0xFFF8
                | 0xE0000..=0xE0FFF
                | 0xE000..=0xF8FF
                | 0xF0000..=0x10FFFF
                | 0xFDD0..=0xFDEF
        )
        || (u & 0xFFFE) == 0xFFFE
}

/// What is wrong with `text` as the value of a name attribute of at most `limit`
/// characters, if anything (the reason names no part of the value).
#[must_use]
pub fn name_text_problem(text: &str, limit: usize) -> Option<String> {
    if text.trim().is_empty() {
        return Some("empty".into());
    }
    if text.chars().any(is_forbidden_in_names) {
        return Some(
            "holds a control, format (bidirectional, zero-width), separator or private-use character"
                .into(),
        );
    }
    if text.trim() != text {
        return Some("leading or trailing white space".into());
    }
    // One spelling per name: the decomposed (conjoining jamo) form of a Hangul name shows
    // exactly like the composed one but is another byte string.
    if !unicode_normalization::is_nfc(text) {
        return Some("not in Unicode normalization form C".into());
    }
    if text.chars().count() > limit {
        return Some(format!("longer than {limit} characters"));
    }
    None
}

/// A name could not be built.
#[derive(Debug, thiserror::Error)]
#[error("subject {attribute}: {reason}")]
pub struct NameError {
    /// Which attribute.
    pub attribute: &'static str,
    /// What was wrong (no value).
    pub reason: String,
}

/// One attribute of a name under construction.
#[derive(Clone, Debug)]
pub enum Attribute<'a> {
    /// countryName (PrintableString, two letters).
    Country(&'a str),
    /// organizationName.
    Organization(&'a str),
    /// organizationalUnitName.
    OrganizationalUnit(&'a str),
    /// commonName.
    CommonName(&'a str),
    /// uid (RFC 4519 §2.39).
    UniqueId(&'a str),
}

impl Attribute<'_> {
    fn encode(&self) -> Result<AttributeTypeAndValue, NameError> {
        let (oid, label, text, limit, printable): (
            ObjectIdentifier,
            &'static str,
            &str,
            usize,
            bool,
        ) = match *self {
            Attribute::Country(v) => (rfc4519::C, "countryName", v, 2, true),
            Attribute::Organization(v) => {
                (rfc4519::O, "organizationName", v, UB_ORGANIZATION, false)
            }
            Attribute::OrganizationalUnit(v) => (
                rfc4519::OU,
                "organizationalUnitName",
                v,
                UB_ORGANIZATION,
                false,
            ),
            Attribute::CommonName(v) => (rfc4519::CN, "commonName", v, UB_COMMON_NAME, false),
            Attribute::UniqueId(v) => (rfc4519::UID, "uid", v, UB_UNIQUE_ID, false),
        };
        let bad = |reason: &str| NameError {
            attribute: label,
            reason: reason.into(),
        };
        if let Some(problem) = name_text_problem(text, limit) {
            return Err(bad(&problem));
        }
        let value = if printable {
            if !(text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase())) {
                return Err(bad("not a two-letter country code"));
            }
            Any::encode_from(&PrintableStringRef::new(text).map_err(|e| bad(&e.to_string()))?)
        } else {
            Any::encode_from(&Utf8StringRef::new(text).map_err(|e| bad(&e.to_string()))?)
        }
        .map_err(|e| bad(&e.to_string()))?;
        Ok(AttributeTypeAndValue { oid, value })
    }
}

/// A name from attributes, most significant first (one attribute per RDN).
///
/// # Errors
/// [`NameError`] for an empty, over-long or badly typed value.
pub fn name(attributes: &[Attribute<'_>]) -> Result<Name, NameError> {
    let mut rdns: Vec<SetOfVec<AttributeTypeAndValue>> = Vec::with_capacity(attributes.len());
    for attribute in attributes {
        let mut set = SetOfVec::new();
        set.insert(attribute.encode()?).map_err(|e| NameError {
            attribute: "name",
            reason: e.to_string(),
        })?;
        rdns.push(set);
    }
    // `Name` has no public constructor from parts; its DER is exactly a SEQUENCE OF SET OF.
    let der = rdns.to_der().map_err(|e| NameError {
        attribute: "name",
        reason: e.to_string(),
    })?;
    Name::from_der(&der).map_err(|e| NameError {
        attribute: "name",
        reason: e.to_string(),
    })
}

/// The subject values of the certificate, as the RA approved them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectValues {
    /// The real name (Hangul when registered, else the MRZ name).
    pub real_name: String,
    /// The stable subject identifier, of this profile's institution or, when the profile's
    /// `UID` is `shared_subject_id`, shared by institutions (see
    /// [`crate::registry::RegistryKey::subject_id_for`]).
    pub subject_id: String,
    /// Country of residence, ISO 3166-1 alpha-2.
    pub country_of_residence: String,
}

fn value(source: SubjectSource, values: &SubjectValues) -> &str {
    match source {
        SubjectSource::RealName => &values.real_name,
        SubjectSource::SubjectId | SubjectSource::SharedSubjectId => &values.subject_id,
        SubjectSource::CountryOfResidence => &values.country_of_residence,
    }
}

/// The subscriber's subject under `profile`: C, O (the institution), OU (if the profile
/// fixes one), CN, UID — in that order, as Korean certificates print them reversed
/// (`cn=...,ou=...,o=...,c=...`).
///
/// # Errors
/// [`NameError`] naming the attribute.
pub fn subscriber_name(profile: &Profile, values: &SubjectValues) -> Result<Name, NameError> {
    let mut attributes = vec![
        Attribute::Country(value(profile.country, values)),
        Attribute::Organization(&profile.institution),
    ];
    if let Some(ou) = &profile.organizational_unit {
        attributes.push(Attribute::OrganizationalUnit(ou));
    }
    attributes.push(Attribute::CommonName(value(profile.common_name, values)));
    attributes.push(Attribute::UniqueId(value(profile.unique_id, values)));
    name(&attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_names_are_utf8_and_countries_printable() {
        let n = name(&[Attribute::Country("KR"), Attribute::CommonName("김민준")]).unwrap();
        let der = n.to_der().unwrap();
        // C as PrintableString (0x13), CN as UTF8String (0x0c).
        assert!(der.windows(4).any(|w| w == [0x13, 0x02, b'K', b'R']));
        assert!(der.windows(2).any(|w| w == [0x0c, "김민준".len() as u8]));
        assert_eq!(n.to_string(), "CN=김민준,C=KR");
    }

    #[test]
    fn bad_values_are_refused_by_attribute() {
        let e = name(&[Attribute::Country("kor")]).unwrap_err();
        assert_eq!(e.attribute, "countryName");
        let long = "x".repeat(65);
        let e = name(&[Attribute::CommonName(&long)]).unwrap_err();
        assert!(e.to_string().contains("64"));
        assert!(name(&[Attribute::Organization(" ")]).is_err());
        for bad in [
            "김\r\n민준",
            "김\u{202E}민준",
            "김\u{200B}민준",
            "\u{FEFF}김민준",
            "김\u{0085}",
        ] {
            let e = name(&[Attribute::CommonName(bad)]).unwrap_err();
            assert_eq!(e.attribute, "commonName");
            assert!(e.reason.contains("control, format"), "{e}");
        }
        assert!(name(&[Attribute::CommonName(&"김".repeat(64))]).is_ok());
    }
}
