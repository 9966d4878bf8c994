//! The passport-evidence extension: what an issued certificate rests on.
//!
//! ```text
//! id-dongpo-passportEvidence OBJECT IDENTIFIER ::= { 1 3 6 1 4 1 32473 2 1 }
//! PassportEvidence ::= SEQUENCE {
//!     version       INTEGER { v1(1), v2(2) },
//!     reportHash    OCTET STRING,           -- SHA-256 of the verification report (JSON)
//!     assurance     Assurance,              -- as the version defines it
//!     issuingState  PrintableString (SIZE (1..3)),  -- 9303 code of the passport's issuing
//!                                                    -- state, fillers removed (`D`, `KOR`)
//!     verifiedAt    GeneralizedTime,
//!     receipt       [0] IMPLICIT UTF8String OPTIONAL }  -- id of the server's signed
//!                                                        -- verification receipt
//! -- version 2 (issued now):
//! Assurance ::= ENUMERATED { pa(0), pa-aa(1), pa-ca(2), pa-aa-ca(3) }
//! -- version 1 (issued before Chip Authentication counted; still decoded):
//! AssuranceV1 ::= ENUMERATED { passiveAuthentication(1),
//!                              passiveAndActiveAuthentication(2) }
//! ```
//! The arc 1.3.6.1.4.1.32473 is the IANA documentation arc (RFC 5612), like the profiles'
//! policy OIDs: a deployment replaces it with its own. Non-critical, so relying parties
//! that do not know it ignore it. The same ENUMERATED value means different levels in the
//! two versions (2 is `PA+AA` in v1, `PA+CA` in v2), so the value is read by the version.

use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, OctetString, PrintableString};
use der::{Decode, Encode, Enumerated, Sequence};
use dongpo_pki::time::UnixTime;

pub use dongpo_profiles::Assurance;

/// `id-dongpo-passportEvidence`.
pub const ID_PASSPORT_EVIDENCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.2.1");

/// The version issued.
pub const EVIDENCE_VERSION: u8 = 2;

/// The ENUMERATED values either version uses, read by the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
enum WireAssurance {
    Zero = 0,
    One = 1,
    Two = 2,
    Three = 3,
}

impl WireAssurance {
    fn of(assurance: Assurance) -> Self {
        match assurance {
            Assurance::Pa => WireAssurance::Zero,
            Assurance::PaAa => WireAssurance::One,
            Assurance::PaCa => WireAssurance::Two,
            Assurance::PaAaCa => WireAssurance::Three,
        }
    }

    fn read(self, version: u8) -> Option<Assurance> {
        match (version, self) {
            (1, WireAssurance::One) | (2, WireAssurance::Zero) => Some(Assurance::Pa),
            (1, WireAssurance::Two) | (2, WireAssurance::One) => Some(Assurance::PaAa),
            (2, WireAssurance::Two) => Some(Assurance::PaCa),
            (2, WireAssurance::Three) => Some(Assurance::PaAaCa),
            _ => None,
        }
    }
}

/// The extension as encoded.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct WireEvidence {
    version: u8,
    report_hash: OctetString,
    assurance: WireAssurance,
    issuing_state: PrintableString,
    verified_at: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    receipt: Option<String>,
}

/// The extension's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassportEvidence {
    /// [`EVIDENCE_VERSION`] when issued now; 1 for a certificate issued before.
    pub version: u8,
    /// SHA-256 of the verification report.
    pub report_hash: OctetString,
    /// The assurance reached.
    pub assurance: Assurance,
    /// Issuing state of the passport (ICAO 9303 three-letter code).
    pub issuing_state: PrintableString,
    /// When the passport was verified.
    pub verified_at: GeneralizedTime,
    /// The verification receipt the issuing server stored and signed (its id), when
    /// issuance went through a server that keeps receipts.
    pub receipt: Option<String>,
}

/// Bad evidence values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// A field cannot be encoded or decoded.
    #[error("passport evidence: {field}: {reason}")]
    Field {
        /// Which field.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
}

fn field(field: &'static str) -> impl Fn(der::Error) -> EvidenceError {
    move |e| EvidenceError::Field {
        field,
        reason: e.to_string(),
    }
}

impl PassportEvidence {
    /// Evidence for a report with this hash.
    ///
    /// # Errors
    /// [`EvidenceError`] when the issuing state is not three printable characters or the
    /// time cannot be written.
    pub fn new(
        report_sha256: &[u8; 32],
        assurance: Assurance,
        issuing_state: &str,
        verified_at: UnixTime,
    ) -> Result<Self, EvidenceError> {
        // 9303 pads short codes with fillers (Germany: `D<<`); `<` is not a
        // PrintableString character, and the code is the letters anyway.
        let issuing_state = issuing_state.trim_end_matches('<');
        if !(1..=3).contains(&issuing_state.len())
            || !issuing_state.bytes().all(|b| b.is_ascii_uppercase())
        {
            return Err(EvidenceError::Field {
                field: "issuingState",
                reason: "not a 9303 code of one to three letters".into(),
            });
        }
        Ok(PassportEvidence {
            version: EVIDENCE_VERSION,
            report_hash: OctetString::new(report_sha256.as_slice()).map_err(field("reportHash"))?,
            assurance,
            issuing_state: PrintableString::new(issuing_state).map_err(field("issuingState"))?,
            verified_at: GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
                verified_at.0,
            ))
            .map_err(field("verifiedAt"))?,
            receipt: None,
        })
    }

    /// The extension value (DER), always as [`EVIDENCE_VERSION`] (a decoded v1 value is
    /// written as v2 with the same level).
    ///
    /// # Errors
    /// [`EvidenceError`] when encoding fails.
    pub fn to_der(&self) -> Result<Vec<u8>, EvidenceError> {
        let wire = WireEvidence {
            version: EVIDENCE_VERSION,
            report_hash: self.report_hash.clone(),
            assurance: WireAssurance::of(self.assurance),
            issuing_state: self.issuing_state.clone(),
            verified_at: self.verified_at,
            receipt: self.receipt.clone(),
        };
        Encode::to_der(&wire).map_err(field("PassportEvidence"))
    }

    /// Parses an extension value of version 1 or 2, for relying parties.
    ///
    /// # Errors
    /// [`EvidenceError`] naming the malformed part; another version, or an assurance value
    /// the version does not define, is refused.
    pub fn from_der(der: &[u8]) -> Result<Self, EvidenceError> {
        let wire: WireEvidence = Decode::from_der(der).map_err(field("PassportEvidence"))?;
        if !(1..=EVIDENCE_VERSION).contains(&wire.version) {
            return Err(EvidenceError::Field {
                field: "version",
                reason: format!("version {} is not 1 or 2", wire.version),
            });
        }
        let assurance = wire
            .assurance
            .read(wire.version)
            .ok_or_else(|| EvidenceError::Field {
                field: "assurance",
                reason: format!(
                    "value {} is not defined in version {}",
                    wire.assurance as u8, wire.version
                ),
            })?;
        if wire.report_hash.as_bytes().len() != 32 {
            return Err(EvidenceError::Field {
                field: "reportHash",
                reason: "not 32 octets".into(),
            });
        }
        Ok(PassportEvidence {
            version: wire.version,
            report_hash: wire.report_hash,
            assurance,
            issuing_state: wire.issuing_state,
            verified_at: wire.verified_at,
            receipt: wire.receipt,
        })
    }

    /// The evidence a certificate (DER) carries, `None` when it has no such extension.
    ///
    /// # Errors
    /// [`EvidenceError`] when the certificate or the extension does not decode.
    pub fn of_certificate(cert_der: &[u8]) -> Result<Option<Self>, EvidenceError> {
        let cert = x509_cert::Certificate::from_der(cert_der).map_err(field("Certificate"))?;
        cert.tbs_certificate()
            .extensions()
            .into_iter()
            .flatten()
            .find(|e| e.extn_id == ID_PASSPORT_EVIDENCE)
            .map(|e| Self::from_der(e.extn_value.as_bytes()))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let e = PassportEvidence::new(&[7u8; 32], Assurance::PaCa, "KOR", UnixTime(1_795_000_000))
            .unwrap();
        let der = e.to_der().unwrap();
        // SEQUENCE { INTEGER 2, OCTET STRING (32), ENUMERATED 2, PrintableString "KOR", GeneralizedTime }
        assert_eq!(&der[2..5], &[0x02, 0x01, 0x02]);
        assert_eq!(&der[5..7], &[0x04, 0x20]);
        assert_eq!(&der[39..42], &[0x0a, 0x01, 0x02]);
        assert_eq!(&der[42..47], &[0x13, 0x03, b'K', b'O', b'R']);
        assert_eq!(der[47], 0x18);
        assert_eq!(PassportEvidence::from_der(&der).unwrap(), e);
        // Germany's code is `D` (`D<<` in the MRZ).
        for german in ["D", "D<<"] {
            let e = PassportEvidence::new(&[7u8; 32], Assurance::Pa, german, UnixTime(0)).unwrap();
            assert_eq!(e.issuing_state.as_str(), "D");
        }
        for bad in ["", "<<<", "kor", "KORE", "K0R"] {
            assert!(
                PassportEvidence::new(&[7u8; 32], Assurance::Pa, bad, UnixTime(0)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_values_are_named() {
        let err = PassportEvidence::new(&[0; 32], Assurance::Pa, "kr", UnixTime(0)).unwrap_err();
        assert!(err.to_string().contains("issuingState"));
        assert!(PassportEvidence::from_der(&[0x30, 0x00]).is_err());
        assert!(PassportEvidence::from_der(b"garbage").is_err());
    }

    /// The DER of `e` with its version and assurance octets replaced (as a v1 issuer
    /// wrote them, or as no version defines).
    fn with_version_and_value(e: &PassportEvidence, version: u8, value: u8) -> Vec<u8> {
        let mut der = e.to_der().unwrap();
        assert_eq!(der[2..4], [0x02, 0x01]);
        der[4] = version;
        assert_eq!(der[39..41], [0x0a, 0x01]);
        der[41] = value;
        der
    }

    #[test]
    fn version_2_writes_every_level_and_version_1_still_reads() {
        let at = UnixTime(1_795_000_000);
        for (level, value) in [
            (Assurance::Pa, 0),
            (Assurance::PaAa, 1),
            (Assurance::PaCa, 2),
            (Assurance::PaAaCa, 3),
        ] {
            let e = PassportEvidence::new(&[9u8; 32], level, "KOR", at).unwrap();
            assert_eq!(e.version, 2);
            let der = e.to_der().unwrap();
            assert_eq!(der[41], value, "{level}");
            assert_eq!(PassportEvidence::from_der(&der).unwrap(), e);
        }
        // Certificates issued with version 1: 1 = PA, 2 = PA+AA.
        let e = PassportEvidence::new(&[9u8; 32], Assurance::Pa, "KOR", at).unwrap();
        for (value, level) in [(1, Assurance::Pa), (2, Assurance::PaAa)] {
            let old = PassportEvidence::from_der(&with_version_and_value(&e, 1, value)).unwrap();
            assert_eq!((old.version, old.assurance), (1, level));
        }
        // Values a version does not define, and versions that do not exist.
        for (version, value, named) in [
            (1, 0, "assurance"),
            (1, 3, "assurance"),
            (3, 1, "version"),
            (0, 1, "version"),
        ] {
            let err = PassportEvidence::from_der(&with_version_and_value(&e, version, value))
                .unwrap_err();
            assert!(err.to_string().contains(named), "{version}/{value}: {err}");
        }
        assert!(PassportEvidence::from_der(&with_version_and_value(&e, 2, 4)).is_err());
    }
}
