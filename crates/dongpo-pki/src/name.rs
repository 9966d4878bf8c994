//! Distinguished names: display and semantic comparison.
//!
//! Real SODs sometimes name the DSC's issuer with the RDNs in another order than the
//! certificate does; [`same_name`] tells exact equality from "same attributes, other
//! order" so that a verifier can accept the latter as a named quirk.

use der::Encode;
use x509_cert::name::Name;

/// How two names compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch {
    /// Byte-identical DER.
    Exact,
    /// The same attribute values, in another RDN order or string type.
    Reordered,
    /// Different names.
    Different,
}

/// Normalised `(type, value)` pairs: case-folded, whitespace-collapsed text.
fn attributes(name: &Name) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = name
        .iter()
        .map(|atv| {
            let value = atv
                .value
                .decode_as::<String>()
                .ok()
                .or_else(|| {
                    atv.value
                        .decode_as::<der::asn1::PrintableString>()
                        .ok()
                        .map(|s| s.to_string())
                })
                .or_else(|| {
                    atv.value
                        .decode_as::<der::asn1::Ia5String>()
                        .ok()
                        .map(|s| s.to_string())
                })
                .unwrap_or_else(|| hex::encode(atv.value.value()));
            let folded = value
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            (atv.oid.to_string(), folded)
        })
        .collect();
    out.sort();
    out
}

/// Compares two names exactly, then semantically.
#[must_use]
pub fn same_name(a: &Name, b: &Name) -> NameMatch {
    if a.to_der().ok() == b.to_der().ok() {
        return NameMatch::Exact;
    }
    if attributes(a) == attributes(b) {
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
