//! The revoked entries of a CRL, checked once and indexed by serial number.
//!
//! Each entry is decoded through borrowed mirrors (no allocation) and leaves 16 bytes
//! behind: where its serial lies in the DER and its revocation time. Lookups are binary
//! searches; CRLs that do not list serials in order are sorted once at parse time.

use std::cmp::Ordering;
use std::ops::Range;

use der::asn1::{GeneralizedTime, IntRef, ObjectIdentifier, OctetStringRef, SequenceRef};
use der::oid::db::rfc5280::{
    ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_REASONS, ID_CE_HOLD_INSTRUCTION_CODE, ID_CE_INVALIDITY_DATE,
};
use der::{Decode, DecodeValue, Reader, Sequence, SliceReader};
use dongpo_pki::UnixTime;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::time::Time;

/// RFC 5280 §5.1 `revokedCertificates` entry, borrowed.
#[derive(DecodeValue)]
struct RevokedCertRef<'a> {
    serial_number: IntRef<'a>,
    revocation_date: Time,
    crl_entry_extensions: Option<&'a SequenceRef>,
}

impl<'a> Sequence<'a> for RevokedCertRef<'a> {}

/// RFC 5280 §4.1 `Extension`, borrowed.
#[derive(DecodeValue)]
struct ExtensionRef<'a> {
    extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    extn_value: &'a OctetStringRef,
}

impl<'a> Sequence<'a> for ExtensionRef<'a> {}

/// x509-cert accepts serials of up to 21 octets (20 plus a sign octet); so do we.
const MAX_SERIAL_OCTETS: usize = 21;

/// One entry: its serial's place in the DER and its revocationDate.
#[derive(Clone, Copy, Debug)]
struct Slot {
    serial_at: u32,
    serial_len: u8,
    revoked_at: u64,
}

/// Serial numbers in the order lookups search: shorter first, then bytewise. For the
/// minimal DER of positive integers this is numeric order, which is how issuers sort.
fn order(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The revoked entries of one CRL, by serial.
#[derive(Clone, Default)]
pub(crate) struct RevokedIndex {
    slots: Vec<Slot>,
    /// The first critical entry extension found that this crate cannot process.
    pub(crate) unsupported_critical: Option<ObjectIdentifier>,
    /// Whether an entry names its certificate issuer (certificateIssuer): allowed only
    /// on indirect CRLs, where each such entry changes whose serials follow.
    pub(crate) certificate_issuer_entries: bool,
}

impl std::fmt::Debug for RevokedIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokedIndex")
            .field("entries", &self.slots.len())
            .field("unsupported_critical", &self.unsupported_critical)
            .finish()
    }
}

impl RevokedIndex {
    /// Checks and indexes the entries in `der[revoked]` (the content of
    /// `revokedCertificates`).
    pub(crate) fn build(der: &[u8], revoked: Range<usize>) -> der::Result<Self> {
        let base = revoked.start;
        let body = der.get(revoked).ok_or(der::ErrorKind::Failed)?;
        let mut reader = SliceReader::new(body)?;
        let mut index = RevokedIndex::default();
        let mut sorted = true;
        while !reader.is_finished() {
            let start = usize::try_from(reader.position())?;
            let entry = RevokedCertRef::decode(&mut reader)?;
            let serial = entry.serial_number.as_bytes();
            if serial.len() > MAX_SERIAL_OCTETS {
                return Err(der::Tag::Integer.value_error().into());
            }
            // The serial's content follows the entry's and the INTEGER's headers.
            let serial_at = entry_offset(body, start, serial)?;
            if let Some(extensions) = entry.crl_entry_extensions {
                index.check_extensions(extensions.as_bytes())?;
            }
            let slot = Slot {
                serial_at: u32::try_from(base + serial_at)?,
                serial_len: u8::try_from(serial.len())?,
                revoked_at: entry.revocation_date.to_unix_duration().as_secs(),
            };
            if sorted
                && let Some(last) = index.slots.last()
                && order(serial_of(der, last), serial) == Ordering::Greater
            {
                sorted = false;
            }
            index.slots.push(slot);
        }
        if !sorted {
            index
                .slots
                .sort_unstable_by(|a, b| order(serial_of(der, a), serial_of(der, b)));
        }
        Ok(index)
    }

    /// Checks reasonCode and invalidityDate values, notes certificateIssuer entries, and
    /// notes critical entry extensions other than RFC 5280 §5.3's: they forbid using the
    /// CRL.
    fn check_extensions(&mut self, extensions: &[u8]) -> der::Result<()> {
        let mut reader = SliceReader::new(extensions)?;
        while !reader.is_finished() {
            let extension = ExtensionRef::decode(&mut reader)?;
            let known = [
                ID_CE_CRL_REASONS,
                ID_CE_INVALIDITY_DATE,
                ID_CE_HOLD_INSTRUCTION_CODE,
                ID_CE_CERTIFICATE_ISSUER,
            ]
            .contains(&extension.extn_id);
            if extension.extn_id == ID_CE_CERTIFICATE_ISSUER {
                self.certificate_issuer_entries = true;
            }
            // Values this crate reports must decode; others are carried unread.
            let value = extension.extn_value.as_bytes();
            if extension.extn_id == ID_CE_CRL_REASONS {
                CrlReason::from_der(value)?;
            } else if extension.extn_id == ID_CE_INVALIDITY_DATE {
                GeneralizedTime::from_der(value)?;
            }
            if extension.critical && !known && self.unsupported_critical.is_none() {
                self.unsupported_critical = Some(extension.extn_id);
            }
        }
        Ok(())
    }

    /// The revocation time of `serial` (DER content bytes), if listed.
    pub(crate) fn find(&self, der: &[u8], serial: &[u8]) -> Option<UnixTime> {
        self.slots
            .binary_search_by(|slot| order(serial_of(der, slot), serial))
            .ok()
            .and_then(|i| self.slots.get(i))
            .map(|slot| UnixTime(slot.revoked_at))
    }

    /// How many entries the CRL lists.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

fn serial_of<'d>(der: &'d [u8], slot: &Slot) -> &'d [u8] {
    let start = slot.serial_at as usize;
    der.get(start..start + usize::from(slot.serial_len))
        .unwrap_or_default()
}

/// Where `serial` (borrowed from `body`) starts, relative to `body`; it must lie
/// after `entry_start`.
fn entry_offset(body: &[u8], entry_start: usize, serial: &[u8]) -> der::Result<usize> {
    let at = (serial.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    match body.get(at..at.saturating_add(serial.len())) {
        Some(found) if at > entry_start && found.as_ptr() == serial.as_ptr() => Ok(at),
        _ => Err(der::ErrorKind::Failed.into()),
    }
}

/// Decodes the entries of `der[revoked]` one at a time into x509-cert's `RevokedCert`.
pub(crate) fn entries(
    der: &[u8],
    revoked: Option<Range<usize>>,
) -> impl Iterator<Item = x509_cert::crl::RevokedCert> + '_ {
    let body = revoked.and_then(|r| der.get(r)).unwrap_or_default();
    let mut reader = SliceReader::new(body).ok();
    std::iter::from_fn(move || {
        let r = reader.as_mut()?;
        if r.is_finished() {
            return None;
        }
        x509_cert::crl::RevokedCert::decode(r).ok()
    })
}
