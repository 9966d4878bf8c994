//! The typed outcome of a verification: what [`crate::verify::passive_auth::verify`] found, as
//! values (times, hashes as bytes, the hash algorithm). The display report of
//! `dongpo verify --json` ([`VerificationReport`]) and the registration authority are both
//! built from it; nothing reads the display report back.
//!
//! Its serde form is a storage form (the server keeps an outcome between verification and
//! issuance), not the report: [`Outcome::report`] gives the report.

use std::collections::BTreeMap;

use dongpo_crypto::HashAlgorithm;
use dongpo_pki::UnixTime;
use serde::{Deserialize, Serialize};

use crate::checks::check_id::{CheckId, CheckKey};
use crate::checks::report::{
    CertSummary, Check, ChipOffers, Evidence, MrzSummary, SodSummary, Status, VerificationReport,
};

/// The SOD as the verification read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodFacts {
    /// eContentType (dotted OID).
    pub content_type: String,
    /// LDS version of a v1 LDSSecurityObject.
    pub lds_version: Option<String>,
    /// The algorithm the data groups are hashed with.
    #[serde(with = "stored::hash_algorithm")]
    pub lds_hash: HashAlgorithm,
    /// SignerInfo signature algorithm name.
    pub signature_algorithm: String,
    /// Data-group number -> hash.
    #[serde(with = "stored::hashes")]
    pub dg_hashes: BTreeMap<u8, Vec<u8>>,
}

/// What the verification rested on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFacts {
    /// SHA-256 of the EF.SOD file.
    #[serde(with = "stored::optional_bytes")]
    pub sod_sha256: Option<Vec<u8>>,
    /// Content id of the trust store used.
    pub trust_snapshot: String,
    /// CRL numbers used (hex), by issuer.
    pub crl_numbers: Vec<String>,
    /// Policy name.
    pub policy: String,
    /// The verification time.
    #[serde(with = "stored::unix_time")]
    pub verified_at: UnixTime,
    /// Which time validity was judged at.
    pub time_model: TimeModel,
    /// Data groups covered by the SOD and supplied.
    pub covered_dgs: Vec<u8>,
    /// The chip-presence mechanisms the covered data groups offer (absent in outcomes
    /// stored before it existed: none).
    #[serde(default)]
    pub chip_offers: ChipOffers,
}

/// The outcome of verifying one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Every check that ran passed, and none required was skipped.
    pub valid: bool,
    /// Every check, in a stable order.
    pub checks: Vec<Check>,
    /// The SOD, when it parsed.
    pub sod: Option<SodFacts>,
    /// The DSC, when found.
    pub dsc: Option<CertSummary>,
    /// The CSCA the chain ended at.
    pub csca: Option<CertSummary>,
    /// DG1's MRZ, when DG1 was given and parsed.
    pub mrz: Option<MrzSummary>,
    /// Evidence.
    pub evidence: EvidenceFacts,
}

impl Outcome {
    /// The check with `id` (a [`CheckId`], or its text).
    #[must_use]
    pub fn check(&self, id: impl CheckKey) -> Option<&Check> {
        self.checks.iter().find(|c| id.names(c.id))
    }

    /// Whether the check `id` ran and passed.
    #[must_use]
    pub fn passed(&self, id: CheckId) -> bool {
        self.check(id).is_some_and(|c| c.status == Status::Pass)
    }

    /// Ids of the failed checks.
    #[must_use]
    pub fn failed(&self) -> Vec<CheckId> {
        crate::checks::report::failed(&self.checks)
    }

    /// The hash of data group `number` the SOD holds, when the SOD parsed.
    #[must_use]
    pub fn dg_hash(&self, number: u8) -> Option<(HashAlgorithm, &[u8])> {
        let sod = self.sod.as_ref()?;
        Some((sod.lds_hash, sod.dg_hashes.get(&number)?.as_slice()))
    }

    /// The display report (`dongpo verify --json`).
    #[must_use]
    pub fn report(&self) -> VerificationReport {
        self.clone().into_report()
    }

    /// The display report, consuming the outcome.
    #[must_use]
    pub fn into_report(self) -> VerificationReport {
        let Outcome {
            valid,
            checks,
            sod,
            dsc,
            csca,
            mrz,
            evidence,
        } = self;
        VerificationReport {
            valid,
            checks,
            sod: sod.map(|sod| SodSummary {
                content_type: sod.content_type,
                lds_version: sod.lds_version,
                digest_algorithm: sod.lds_hash.name().to_owned(),
                signature_algorithm: sod.signature_algorithm,
                dg_hashes: sod
                    .dg_hashes
                    .iter()
                    .map(|(n, h)| (n.to_string(), hex_text(h)))
                    .collect(),
            }),
            dsc,
            csca,
            mrz,
            evidence: Evidence {
                sod_sha256: evidence.sod_sha256.as_deref().map(hex_text),
                trust_snapshot: evidence.trust_snapshot,
                crl_numbers: evidence.crl_numbers,
                policy: evidence.policy,
                at: evidence.verified_at.rfc3339(),
                time_model: evidence.time_model.name().to_owned(),
                covered_dgs: evidence.covered_dgs,
                chip_offers: evidence.chip_offers,
            },
        }
    }
}

impl From<&Outcome> for VerificationReport {
    fn from(outcome: &Outcome) -> Self {
        outcome.report()
    }
}

impl From<Outcome> for VerificationReport {
    fn from(outcome: Outcome) -> Self {
        outcome.into_report()
    }
}

/// At which time certificate validity is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeModel {
    /// At the verification time (`at`): the default, and what 9303-11 implies.
    #[default]
    VerificationTime,
    /// At the SOD's signingTime (falling back to `at` when the SOD has none): accepts
    /// documents whose DSC expired after they were signed, as some relying parties do.
    SigningTime,
}

impl TimeModel {
    /// The name reports use.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            TimeModel::VerificationTime => "verification-time",
            TimeModel::SigningTime => "signing-time",
        }
    }
}

/// The storage form of the typed fields.
mod stored {
    /// A hash algorithm by its name.
    pub mod hash_algorithm {
        use dongpo_crypto::HashAlgorithm;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(h: &HashAlgorithm, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(h.name())
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashAlgorithm, D::Error> {
            let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
            HashAlgorithm::from_name(&name)
                .ok_or_else(|| serde::de::Error::custom("unknown hash algorithm"))
        }
    }

    /// Seconds since the epoch.
    pub mod unix_time {
        use dongpo_pki::UnixTime;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &UnixTime, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(t.0)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UnixTime, D::Error> {
            u64::deserialize(d).map(UnixTime)
        }
    }

    fn unhex<E: serde::de::Error>(text: &str) -> Result<Vec<u8>, E> {
        hex::decode(text).map_err(E::custom)
    }

    /// Optional bytes as hex.
    pub mod optional_bytes {
        use serde::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)]
        pub fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match b {
                Some(b) => s.serialize_some(&hex::encode(b)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            Option::<String>::deserialize(d)?
                .map(|text| super::unhex(&text))
                .transpose()
        }
    }

    /// Data-group number -> hash, the hash as hex.
    pub mod hashes {
        use std::collections::BTreeMap;

        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            m: &BTreeMap<u8, Vec<u8>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.collect_map(m.iter().map(|(n, h)| (n, hex::encode(h))))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<BTreeMap<u8, Vec<u8>>, D::Error> {
            BTreeMap::<u8, String>::deserialize(d)?
                .into_iter()
                .map(|(n, text)| Ok((n, super::unhex(&text)?)))
                .collect()
        }
    }
}

/// Lower-case hex of `bytes`, as `hex::encode` writes it (which collects one `char` at
/// a time: a fifth of the report's cost for the five hashes every report shows).
pub(crate) fn hex_text(bytes: &[u8]) -> String {
    let digit = |nibble: u8| {
        char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        })
    };
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(digit(byte >> 4));
        out.push(digit(byte & 0x0f));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use dongpo_crypto::HashAlgorithm;
    use dongpo_pki::UnixTime;

    use super::{EvidenceFacts, Outcome, SodFacts};
    use crate::checks::check_id::CheckId;
    use crate::checks::report::{Check, ChipOffers, Status};
    use crate::verify::passive_auth::TimeModel;

    fn outcome(lds_hash: HashAlgorithm) -> Outcome {
        Outcome {
            valid: false,
            checks: vec![
                Check {
                    id: CheckId::SodSignature,
                    status: Status::Pass,
                    detail: "ok".into(),
                },
                Check {
                    id: CheckId::DgHash(11),
                    status: Status::Fail,
                    detail: "differs".into(),
                },
            ],
            sod: Some(SodFacts {
                content_type: "2.23.136.1.1.1".into(),
                lds_version: None,
                lds_hash,
                signature_algorithm: "ecdsa-with-SHA256".into(),
                dg_hashes: [(1, vec![0xab; 32]), (2, vec![0x01; 32]), (11, vec![0; 32])].into(),
            }),
            dsc: None,
            csca: None,
            mrz: None,
            evidence: EvidenceFacts {
                sod_sha256: Some(vec![0xcd; 32]),
                trust_snapshot: "snap".into(),
                crl_numbers: vec!["02".into()],
                policy: "default".into(),
                verified_at: UnixTime(1_800_000_000),
                time_model: TimeModel::SigningTime,
                covered_dgs: vec![1, 2],
                chip_offers: ChipOffers {
                    chip_authentication: true,
                    active_authentication: false,
                },
            },
        }
    }

    #[test]
    fn the_storage_form_gives_the_outcome_back() {
        for h in HashAlgorithm::ALL {
            let outcome = outcome(h);
            let stored = serde_json::to_string(&outcome).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&stored).unwrap(), outcome);
        }
    }

    #[test]
    fn the_report_shows_the_values_as_text() {
        let outcome = outcome(HashAlgorithm::Sha256);
        let report = outcome.report();
        assert_eq!(report.evidence.at, "2027-01-15T08:00:00Z");
        assert_eq!(report.evidence.time_model, "signing-time");
        assert_eq!(report.evidence.sod_sha256, Some("cd".repeat(32)));
        let sod = report.sod.as_ref().unwrap();
        assert_eq!(sod.digest_algorithm, "sha256");
        // Keys sort as text, as reports always did.
        let keys: Vec<&str> = sod.dg_hashes.keys().map(String::as_str).collect();
        assert_eq!(keys, ["1", "11", "2"]);
        assert_eq!(sod.dg_hashes["1"], "ab".repeat(32));
        assert_eq!(report.failed(), vec!["dg.11.hash"]);
        assert_eq!(outcome.failed(), vec![CheckId::DgHash(11)]);
        assert!(outcome.passed(CheckId::SodSignature));
        assert!(!outcome.passed(CheckId::DgHash(11)));
        assert_eq!(
            outcome.dg_hash(2),
            Some((HashAlgorithm::Sha256, [1u8; 32].as_slice()))
        );
    }

    #[test]
    fn hex_text_writes_as_hex_encode() {
        let bytes: Vec<u8> = (0..=u8::MAX).collect();
        assert_eq!(super::hex_text(&bytes), hex::encode(&bytes));
        assert_eq!(super::hex_text(&[]), "");
    }
}
