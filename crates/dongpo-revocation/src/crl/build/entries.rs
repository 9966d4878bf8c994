//! The revokedCertificates list: validated, sorted by serial, encoded once.

use std::time::Duration;

use const_oid::db::rfc5280::{ID_CE_CRL_REASONS, ID_CE_INVALIDITY_DATE};
use der::asn1::{GeneralizedTime, OctetString};
use der::{DateTime, Encode};
use dongpo_pki::UnixTime;
use x509_cert::crl::RevokedCert;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::error::{CrlBuildError, encoding};
use super::{RevokedEntry, Scope};

/// RFC 5280 §4.1.2.2: serial numbers are positive and at most 20 octets.
const MAX_SERIAL_OCTETS: usize = 20;

/// An X.509 `Time`: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §5.1.2.4).
pub(crate) fn x509_time(at: UnixTime, what: &'static str) -> Result<Time, CrlBuildError> {
    let dt = DateTime::from_unix_duration(Duration::from_secs(at.0)).map_err(encoding(what))?;
    Ok(Time::from(dt))
}

/// The DER content of `revokedCertificates` (the SEQUENCE OF without its header), or
/// `None` when nothing is revoked: RFC 5280 §5.1.2.6 omits an empty list.
///
/// Entries are sorted numerically by serial so equal inputs give equal bytes and a
/// reader may binary-search. Each entry is encoded with x509-cert's `RevokedCert`
/// straight into one buffer, so a million entries cost one allocation of their DER
/// size rather than a million decoded structures.
pub(crate) fn encode(
    entries: &[RevokedEntry],
    scope: &Scope<'_>,
    this_update: UnixTime,
    delta: bool,
) -> Result<Option<Vec<u8>>, CrlBuildError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut sorted = entries
        .iter()
        .map(|e| Ok((magnitude(&e.serial)?, e)))
        .collect::<Result<Vec<_>, CrlBuildError>>()?;
    sorted.sort_unstable_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    let reasons = ReasonExtensions::new()?;
    let mut out = Vec::with_capacity(entries.len().saturating_mul(48));
    let mut previous: Option<&[u8]> = None;
    for (serial, entry) in sorted {
        if previous == Some(serial) {
            return Err(CrlBuildError::DuplicateSerial(hex::encode(serial)));
        }
        previous = Some(serial);
        check_partition(serial, scope)?;
        if entry.revoked_at > this_update {
            return Err(CrlBuildError::EntryTime {
                serial: hex::encode(serial),
                problem: format!(
                    "revoked at {} after thisUpdate {}",
                    entry.revoked_at.rfc3339(),
                    this_update.rfc3339()
                ),
            });
        }
        let mut extensions = Vec::new();
        if let Some(reason) = reasons.get(serial, entry.reason, delta)? {
            extensions.push(reason);
        }
        if let Some(at) = entry.invalidity_date {
            extensions.push(invalidity_date(serial, at)?);
        }
        let revoked: RevokedCert = RevokedCert {
            serial_number: SerialNumber::new(serial).map_err(encoding("serial"))?,
            revocation_date: x509_time(entry.revoked_at, "revocationDate")?,
            crl_entry_extensions: (!extensions.is_empty()).then_some(extensions),
        };
        revoked
            .encode_to_vec(&mut out)
            .map_err(encoding("revokedCertificates"))?;
    }
    Ok(Some(out))
}

/// The serial's big-endian magnitude without leading zeros (accepting either the
/// magnitude or the DER content bytes, which may carry a 0x00 sign octet).
fn magnitude(serial: &[u8]) -> Result<&[u8], CrlBuildError> {
    let start = serial.iter().position(|&b| b != 0);
    let magnitude = start.and_then(|s| serial.get(s..)).unwrap_or_default();
    let problem = if magnitude.is_empty() {
        Some("is zero or empty (serials are positive)")
    } else if magnitude.len() + usize::from(magnitude.first() >= Some(&0x80)) > MAX_SERIAL_OCTETS {
        Some("is longer than 20 octets")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(CrlBuildError::Serial {
            serial: hex::encode(serial),
            problem,
        }),
        None => Ok(magnitude),
    }
}

/// A partition CRL lists only its own certificates: one listed elsewhere would never
/// be seen by relying parties, who fetch the partition named in the certificate's CDP.
fn check_partition(serial: &[u8], scope: &Scope<'_>) -> Result<(), CrlBuildError> {
    if let Scope::Partition {
        index, partitions, ..
    } = *scope
    {
        let actual = partition_of(serial, partitions);
        if actual != index {
            return Err(CrlBuildError::WrongPartition {
                serial: hex::encode(serial),
                expected: index,
                actual,
            });
        }
    }
    Ok(())
}

/// The partition of a serial: its last octet modulo the partition count (the rule the
/// CA applies when it writes the certificate's cRLDistributionPoints).
#[must_use]
pub fn partition_of(serial: &[u8], partitions: u32) -> u32 {
    u32::from(serial.last().copied().unwrap_or(0)) % partitions.max(1)
}

/// The reasonCode extension for each code, encoded once rather than per entry.
struct ReasonExtensions([Option<Extension>; 11]);

impl ReasonExtensions {
    fn new() -> Result<Self, CrlBuildError> {
        let mut table: [Option<Extension>; 11] = Default::default();
        for (slot, code) in table.iter_mut().zip(0u8..) {
            if let Some(reason) = reason(code) {
                *slot = Some(Extension {
                    extn_id: ID_CE_CRL_REASONS,
                    critical: false,
                    extn_value: OctetString::new(reason.to_der().map_err(encoding("reasonCode"))?)
                        .map_err(encoding("reasonCode"))?,
                });
            }
        }
        Ok(ReasonExtensions(table))
    }

    /// The extension for `code`; none for unspecified, which RFC 5280 §5.3.1 says
    /// SHOULD be omitted rather than written.
    fn get(
        &self,
        serial: &[u8],
        code: Option<u8>,
        delta: bool,
    ) -> Result<Option<Extension>, CrlBuildError> {
        let Some(code) = code else { return Ok(None) };
        let problem = |problem| CrlBuildError::Reason {
            serial: hex::encode(serial),
            code,
            problem,
        };
        if code == 0 {
            return Ok(None);
        }
        // removeFromCRL only means something in a delta CRL (RFC 5280 §5.3.1).
        if code == 8 && !delta {
            return Err(problem("(removeFromCRL) is only allowed in delta CRLs"));
        }
        self.0
            .get(usize::from(code))
            .cloned()
            .flatten()
            .map(Some)
            .ok_or_else(|| problem("is not defined by RFC 5280"))
    }
}

fn reason(code: u8) -> Option<CrlReason> {
    Some(match code {
        0 => CrlReason::Unspecified,
        1 => CrlReason::KeyCompromise,
        2 => CrlReason::CaCompromise,
        3 => CrlReason::AffiliationChanged,
        4 => CrlReason::Superseded,
        5 => CrlReason::CessationOfOperation,
        6 => CrlReason::CertificateHold,
        8 => CrlReason::RemoveFromCRL,
        9 => CrlReason::PrivilegeWithdrawn,
        10 => CrlReason::AaCompromise,
        _ => return None,
    })
}

/// invalidityDate is always a GeneralizedTime (RFC 5280 §5.3.2).
fn invalidity_date(serial: &[u8], at: UnixTime) -> Result<Extension, CrlBuildError> {
    let time = GeneralizedTime::from_unix_duration(Duration::from_secs(at.0)).map_err(|e| {
        CrlBuildError::EntryTime {
            serial: hex::encode(serial),
            problem: format!("invalidityDate: {e}"),
        }
    })?;
    Ok(Extension {
        extn_id: ID_CE_INVALIDITY_DATE,
        critical: false,
        extn_value: OctetString::new(time.to_der().map_err(encoding("invalidityDate"))?)
            .map_err(encoding("invalidityDate"))?,
    })
}
