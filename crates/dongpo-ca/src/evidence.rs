//! The passport-evidence extension: what an issued certificate rests on.
//!
//! ```text
//! id-dongpo-passportEvidence OBJECT IDENTIFIER ::= { 1 3 6 1 4 1 32473 2 1 }
//! PassportEvidence ::= SEQUENCE {
//!     version       INTEGER { v1(1) },
//!     reportHash    OCTET STRING,           -- SHA-256 of the verification report (JSON)
//!     assurance     ENUMERATED { passiveAuthentication(1),
//!                                passiveAndActiveAuthentication(2) },
//!     issuingState  PrintableString (SIZE (1..3)),  -- 9303 code of the passport's issuing
//!                                                    -- state, fillers removed (`D`, `KOR`)
//!     verifiedAt    GeneralizedTime,
//!     receipt       [0] IMPLICIT UTF8String OPTIONAL }  -- id of the server's signed
//!                                                        -- verification receipt
//! ```
//! The arc 1.3.6.1.4.1.32473 is the IANA documentation arc (RFC 5612), like the profiles'
//! policy OIDs: a deployment replaces it with its own. Non-critical, so relying parties
//! that do not know it ignore it.

use const_oid::ObjectIdentifier;
use der::asn1::{GeneralizedTime, OctetString, PrintableString};
use der::{Decode, Encode, Enumerated, Sequence};
use dongpo_pki::time::UnixTime;

/// `id-dongpo-passportEvidence`.
pub const ID_PASSPORT_EVIDENCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.2.1");

/// How strongly the passport was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated, serde::Serialize)]
#[repr(u8)]
#[serde(rename_all = "kebab-case")]
pub enum Assurance {
    /// Passive Authentication: the chip data is genuine (it could be a copy).
    PassiveAuthentication = 1,
    /// Passive and Active Authentication: genuine data read from the genuine chip.
    PassiveAndActiveAuthentication = 2,
}

impl Assurance {
    /// `PA` or `PA+AA`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Assurance::PassiveAuthentication => "PA",
            Assurance::PassiveAndActiveAuthentication => "PA+AA",
        }
    }
}

/// The extension's value.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PassportEvidence {
    /// Always 1.
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
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
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
            version: 1,
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

    /// The extension value (DER).
    ///
    /// # Errors
    /// [`EvidenceError`] when encoding fails.
    pub fn to_der(&self) -> Result<Vec<u8>, EvidenceError> {
        Encode::to_der(self).map_err(field("PassportEvidence"))
    }

    /// Parses an extension value, for relying parties.
    ///
    /// # Errors
    /// [`EvidenceError`] naming the malformed part; version other than 1 is refused.
    pub fn from_der(der: &[u8]) -> Result<Self, EvidenceError> {
        let evidence: PassportEvidence =
            Decode::from_der(der).map_err(field("PassportEvidence"))?;
        if evidence.version != 1 {
            return Err(EvidenceError::Field {
                field: "version",
                reason: format!("version {} is not 1", evidence.version),
            });
        }
        if evidence.report_hash.as_bytes().len() != 32 {
            return Err(EvidenceError::Field {
                field: "reportHash",
                reason: "not 32 octets".into(),
            });
        }
        Ok(evidence)
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
        let e = PassportEvidence::new(
            &[7u8; 32],
            Assurance::PassiveAndActiveAuthentication,
            "KOR",
            UnixTime(1_795_000_000),
        )
        .unwrap();
        let der = e.to_der().unwrap();
        // SEQUENCE { INTEGER 1, OCTET STRING (32), ENUMERATED 2, PrintableString "KOR", GeneralizedTime }
        assert_eq!(&der[2..5], &[0x02, 0x01, 0x01]);
        assert_eq!(&der[5..7], &[0x04, 0x20]);
        assert_eq!(&der[39..42], &[0x0a, 0x01, 0x02]);
        assert_eq!(&der[42..47], &[0x13, 0x03, b'K', b'O', b'R']);
        assert_eq!(der[47], 0x18);
        assert_eq!(PassportEvidence::from_der(&der).unwrap(), e);
        // Germany's code is `D` (`D<<` in the MRZ).
        for german in ["D", "D<<"] {
            let e = PassportEvidence::new(
                &[7u8; 32],
                Assurance::PassiveAuthentication,
                german,
                UnixTime(0),
            )
            .unwrap();
            assert_eq!(e.issuing_state.as_str(), "D");
        }
        for bad in ["", "<<<", "kor", "KORE", "K0R"] {
            assert!(
                PassportEvidence::new(
                    &[7u8; 32],
                    Assurance::PassiveAuthentication,
                    bad,
                    UnixTime(0)
                )
                .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_values_are_named() {
        let err = PassportEvidence::new(
            &[0; 32],
            Assurance::PassiveAuthentication,
            "kr",
            UnixTime(0),
        )
        .unwrap_err();
        assert!(err.to_string().contains("issuingState"));
        assert!(PassportEvidence::from_der(&[0x30, 0x00]).is_err());
        assert!(PassportEvidence::from_der(b"garbage").is_err());
    }
}
