//! Negative and quirk variants of a generated passport, each with its expected outcome.

use dongpo_icao::CheckId;
/// How a generated passport departs from a genuine one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// A genuine document.
    Genuine,
    /// DG2 changed after signing.
    TamperedDg,
    /// One bit of the SOD signature flipped.
    BadSignature,
    /// The signed messageDigest attribute does not match the LDSSecurityObject.
    WrongMessageDigest,
    /// The DSC expired years ago (and signed back then).
    ExpiredDsc,
    /// The CSCA's CRL lists the DSC as revoked (keyCompromise).
    RevokedDsc,
    /// DG15 is supplied but its hash is not in the SOD.
    UncoveredDg,
    /// The DSC was issued by a different key under the same CSCA name.
    UnknownCsca,
    /// A valid ECDSA SOD signature whose `r` is shorter than the curve order.
    ShortR,
    /// The SOD uses BER indefinite lengths in its outer structures.
    BerIndefinite,
    /// The SOD's eContentType is `id-data` instead of ldsSecurityObject.
    IdData,
}

impl Variant {
    /// Every variant, genuine first.
    pub const ALL: [Variant; 11] = [
        Variant::Genuine,
        Variant::TamperedDg,
        Variant::BadSignature,
        Variant::WrongMessageDigest,
        Variant::ExpiredDsc,
        Variant::RevokedDsc,
        Variant::UncoveredDg,
        Variant::UnknownCsca,
        Variant::ShortR,
        Variant::BerIndefinite,
        Variant::IdData,
    ];

    /// The CLI name (`genuine` is the default when `--variant` is absent).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Variant::Genuine => "genuine",
            Variant::TamperedDg => "tampered-dg",
            Variant::BadSignature => "bad-signature",
            Variant::WrongMessageDigest => "wrong-message-digest",
            Variant::ExpiredDsc => "expired-dsc",
            Variant::RevokedDsc => "revoked-dsc",
            Variant::UncoveredDg => "uncovered-dg",
            Variant::UnknownCsca => "unknown-csca",
            Variant::ShortR => "short-r",
            Variant::BerIndefinite => "ber-indefinite",
            Variant::IdData => "id-data",
        }
    }

    /// Parses a CLI name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name)
    }

    /// The checks that fail under the default policy (check ids of `docs/cli.md`).
    #[must_use]
    pub const fn failing_checks(self) -> &'static [CheckId] {
        match self {
            Variant::TamperedDg => &[CheckId::DgHash(2)],
            Variant::BadSignature => &[CheckId::SodSignature],
            Variant::WrongMessageDigest => &[CheckId::SodMessageDigest],
            Variant::ExpiredDsc => &[CheckId::DscValidity],
            Variant::RevokedDsc => &[CheckId::DscRevocation],
            Variant::UncoveredDg => &[CheckId::DgCovered(15)],
            Variant::UnknownCsca => &[CheckId::DscChain],
            _ => &[],
        }
    }

    /// Tolerated deviations the default policy notes and `strict` refuses.
    #[must_use]
    pub const fn quirks(self) -> &'static [&'static str] {
        match self {
            Variant::BerIndefinite => &["ber-encoding"],
            Variant::IdData => &["id-data-content-type"],
            _ => &[],
        }
    }

    /// One sentence for the manifest.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Variant::Genuine => "A genuine document: every check passes.",
            Variant::TamperedDg => {
                "DG2 was altered after signing: its hash no longer matches the SOD."
            }
            Variant::BadSignature => "One bit of the SOD signature is flipped.",
            Variant::WrongMessageDigest => {
                "The signature is valid over signedAttrs, but their messageDigest is not the hash of the LDSSecurityObject."
            }
            Variant::ExpiredDsc => {
                "The DSC was valid 2015-2021; the document was signed then and is verified now."
            }
            Variant::RevokedDsc => {
                "csca.crl revokes the DSC (keyCompromise); without that CRL the check is skipped."
            }
            Variant::UncoveredDg => {
                "DG15.bin is supplied but the SOD hashes only DG1, DG2 and DG14: DG15 must not be trusted."
            }
            Variant::UnknownCsca => {
                "The DSC names the CSCA as issuer but was signed by another key: the chain fails."
            }
            Variant::ShortR => {
                "The ECDSA SOD signature has an r shorter than the order length: valid, and a trap for fixed-width parsers."
            }
            Variant::BerIndefinite => {
                "The SOD's outer CMS structures use BER indefinite lengths; signed bytes are unchanged."
            }
            Variant::IdData => {
                "The SOD's eContentType (and contentType attribute) is id-data, as some states write it."
            }
        }
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
