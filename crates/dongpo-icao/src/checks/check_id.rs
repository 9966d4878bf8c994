//! The ids of the checks a verification reports (`docs/cli.md`, "Check ids").
//!
//! Reports, receipts, metrics and deviation-list waivers name checks by these ids; their
//! text form (`sod.signature`, `dg.2.hash`, ...) is part of the JSON contract and is
//! written only here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A check of Passive or Active Authentication. `{:?}` shows the quoted text, as the
/// string ids did.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    /// `sod.parse`: EF.SOD decodes.
    SodParse,
    /// `sod.content_type`: eContentType and the contentType attribute.
    SodContentType,
    /// `sod.signer_certificate`: a certificate matches the SignerInfo.
    SodSignerCertificate,
    /// `sod.message_digest`: the messageDigest attribute.
    SodMessageDigest,
    /// `sod.signature`: the SignerInfo signature.
    SodSignature,
    /// `dsc.chain`: a trusted CSCA signed the DSC.
    DscChain,
    /// `dsc.profile`: the 9303-12 profiles of DSC and CSCA.
    DscProfile,
    /// `dsc.validity`: the DSC's validity period.
    DscValidity,
    /// `csca.validity`: the CSCA's validity period.
    CscaValidity,
    /// `dsc.revocation`: the CSCA's CRL.
    DscRevocation,
    /// `dg.<N>.hash`: data group N hashes to the SOD's value.
    DgHash(u8),
    /// `dg.<N>.covered`: the SOD hashes data group N.
    DgCovered(u8),
    /// `mrz.check_digits`: DG1's check digits.
    MrzCheckDigits,
    /// `com.consistency`: EF.COM lists the data groups the SOD hashes.
    ComConsistency,
    /// `aa.signature`: Active Authentication.
    AaSignature,
    /// `ca.authentication`: Chip Authentication, with the chip's answers under the
    /// agreed keys checked by the terminal that ran it.
    CaAuthentication,
}

/// The ids without a data-group number, with their text.
const NAMED: [(CheckId, &str); 14] = [
    (CheckId::SodParse, "sod.parse"),
    (CheckId::SodContentType, "sod.content_type"),
    (CheckId::SodSignerCertificate, "sod.signer_certificate"),
    (CheckId::SodMessageDigest, "sod.message_digest"),
    (CheckId::SodSignature, "sod.signature"),
    (CheckId::DscChain, "dsc.chain"),
    (CheckId::DscProfile, "dsc.profile"),
    (CheckId::DscValidity, "dsc.validity"),
    (CheckId::CscaValidity, "csca.validity"),
    (CheckId::DscRevocation, "dsc.revocation"),
    (CheckId::MrzCheckDigits, "mrz.check_digits"),
    (CheckId::ComConsistency, "com.consistency"),
    (CheckId::AaSignature, "aa.signature"),
    (CheckId::CaAuthentication, "ca.authentication"),
];

impl CheckId {
    /// Every id: the named ones and both checks of each data-group number 0..=255.
    pub fn all() -> impl Iterator<Item = CheckId> {
        NAMED
            .into_iter()
            .map(|(id, _)| id)
            .chain((0..=u8::MAX).flat_map(|n| [CheckId::DgHash(n), CheckId::DgCovered(n)]))
    }

    /// The text of an id without a data-group number.
    fn named(self) -> Option<&'static str> {
        NAMED.iter().find(|(id, _)| *id == self).map(|(_, s)| *s)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckId::DgHash(n) => write!(f, "dg.{n}.hash"),
            CheckId::DgCovered(n) => write!(f, "dg.{n}.covered"),
            other => {
                #[allow(
                    clippy::expect_used,
                    reason = "NAMED lists every id but DgHash and DgCovered, matched above \
                              (check_id tests read every id back from its text)"
                )]
                let name = other.named().expect("every other check id is in NAMED");
                f.write_str(name)
            }
        }
    }
}

impl fmt::Debug for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// A text that is no check id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown check id {0:?}")]
pub struct UnknownCheckId(pub String);

impl FromStr for CheckId {
    type Err = UnknownCheckId;

    /// Exactly the text [`fmt::Display`] writes: a data-group number in decimal without
    /// sign or leading zeros.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((id, _)) = NAMED.iter().find(|(_, text)| *text == s) {
            return Ok(*id);
        }
        let unknown = || UnknownCheckId(s.to_owned());
        let rest = s.strip_prefix("dg.").ok_or_else(unknown)?;
        let (number, check) = rest.split_once('.').ok_or_else(unknown)?;
        let canonical = number.bytes().all(|b| b.is_ascii_digit())
            && !number.is_empty()
            && (number == "0" || !number.starts_with('0'));
        let n: u8 = canonical
            .then(|| number.parse().ok())
            .flatten()
            .ok_or_else(unknown)?;
        match check {
            "hash" => Ok(CheckId::DgHash(n)),
            "covered" => Ok(CheckId::DgCovered(n)),
            _ => Err(unknown()),
        }
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.named() {
            Some(text) => serializer.serialize_str(text),
            None => serializer.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What names a check in a look-up (`outcome.check(...)`): a [`CheckId`], or its text as
/// tests and tools write it (`report.check("sod.signature")`).
pub trait CheckKey {
    /// Whether this names `id`.
    fn names(&self, id: CheckId) -> bool;
}

impl CheckKey for CheckId {
    fn names(&self, id: CheckId) -> bool {
        *self == id
    }
}

impl CheckKey for str {
    fn names(&self, id: CheckId) -> bool {
        id == *self
    }
}

impl CheckKey for String {
    fn names(&self, id: CheckId) -> bool {
        id == *self.as_str()
    }
}

impl<T: CheckKey + ?Sized> CheckKey for &T {
    fn names(&self, id: CheckId) -> bool {
        (**self).names(id)
    }
}

/// Tests and tools compare ids with their text: `assert_eq!(failed, ["dg.2.hash"])`.
impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        other.parse::<CheckId>().is_ok_and(|id| id == *self)
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<String> for CheckId {
    fn eq(&self, other: &String) -> bool {
        *self == *other.as_str()
    }
}

impl PartialEq<&String> for CheckId {
    fn eq(&self, other: &&String) -> bool {
        *self == *other.as_str()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{CheckId, NAMED};

    #[test]
    fn every_id_round_trips_through_its_text_and_json() {
        let mut count = 0;
        for id in CheckId::all() {
            let text = id.to_string();
            assert_eq!(text.parse::<CheckId>(), Ok(id), "{text}");
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<CheckId>(&json).unwrap(), id);
            assert!(id == text.as_str());
            assert_eq!(format!("{id:?}"), format!("{text:?}"));
            count += 1;
        }
        assert_eq!(count, 14 + 2 * 256);
    }

    #[test]
    fn the_texts_are_the_documented_ones() {
        let texts: Vec<String> = NAMED.iter().map(|(id, _)| id.to_string()).collect();
        assert_eq!(
            texts,
            [
                "sod.parse",
                "sod.content_type",
                "sod.signer_certificate",
                "sod.message_digest",
                "sod.signature",
                "dsc.chain",
                "dsc.profile",
                "dsc.validity",
                "csca.validity",
                "dsc.revocation",
                "mrz.check_digits",
                "com.consistency",
                "aa.signature",
                "ca.authentication",
            ]
        );
        assert_eq!(CheckId::DgHash(1).to_string(), "dg.1.hash");
        assert_eq!(CheckId::DgCovered(15).to_string(), "dg.15.covered");
        assert_eq!(CheckId::DgHash(255).to_string(), "dg.255.hash");
    }

    #[test]
    fn only_the_canonical_text_parses() {
        for bad in [
            "",
            "sod",
            "sod.signature ",
            "SOD.SIGNATURE",
            "dg.1",
            "dg..hash",
            "dg.01.hash",
            "dg.+1.hash",
            "dg.-1.hash",
            "dg.256.hash",
            "dg.1.hashed",
            "dg.1.hash.x",
            "dg. 1.hash",
        ] {
            assert!(bad.parse::<CheckId>().is_err(), "{bad:?}");
            assert!(serde_json::from_str::<CheckId>(&format!("{bad:?}")).is_err());
        }
        assert_eq!("dg.0.covered".parse::<CheckId>(), Ok(CheckId::DgCovered(0)));
        assert!(CheckId::SodSignature != "sod.signatur");
    }
}
