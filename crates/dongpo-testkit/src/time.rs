//! The fixed timeline of generated documents: no clock is read, so output is stable.

use der::DateTime;
use der::asn1::{GeneralizedTime, UtcTime};
use x509_cert::time::Time;

/// A point in time as `(year, month, day, hour, minute, second)` UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub u16, pub u8, pub u8, pub u8, pub u8, pub u8);

impl Instant {
    /// As a `der` date-time.
    ///
    /// # Errors
    /// For an impossible date (not produced by this crate).
    pub fn date_time(self) -> der::Result<DateTime> {
        let Instant(y, mo, d, h, mi, s) = self;
        DateTime::new(y, mo, d, h, mi, s)
    }

    /// As an X.509 `Time`: UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
    ///
    /// # Errors
    /// For an impossible date.
    pub fn x509(self) -> der::Result<Time> {
        let dt = self.date_time()?;
        if self.0 < 2050 {
            Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
        } else {
            Ok(Time::GeneralTime(GeneralizedTime::from_date_time(dt)))
        }
    }

    /// As a GeneralizedTime.
    ///
    /// # Errors
    /// For an impossible date.
    pub fn generalized(self) -> der::Result<GeneralizedTime> {
        Ok(GeneralizedTime::from_date_time(self.date_time()?))
    }

    /// RFC 3339, e.g. `2026-06-01T00:00:00Z`.
    #[must_use]
    pub fn rfc3339(self) -> String {
        let Instant(y, mo, d, h, mi, s) = self;
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// When everything about one generated document happens.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    /// CSCA validity start.
    pub csca_not_before: Instant,
    /// CSCA validity end.
    pub csca_not_after: Instant,
    /// DSC validity start.
    pub dsc_not_before: Instant,
    /// DSC validity end (covers the passport's validity, as 9303-12 asks).
    pub dsc_not_after: Instant,
    /// End of the DSC private key usage period.
    pub dsc_key_usage_end: Instant,
    /// SOD signingTime.
    pub signing_time: Instant,
    /// Passport expiry date.
    pub passport_expiry: Instant,
    /// CRL thisUpdate.
    pub crl_this_update: Instant,
    /// CRL nextUpdate. Far in the future so that checked-in fixtures stay usable;
    /// real CSCA CRLs are reissued at least every 90 days.
    pub crl_next_update: Instant,
    /// Revocation date of a revoked DSC.
    pub revocation: Instant,
    /// A time at which every stated outcome holds; tests pass it as `--at`.
    pub verify_at: Instant,
}

impl Timeline {
    /// The ordinary timeline: issued mid-2025, valid for ten years.
    pub const CURRENT: Timeline = Timeline {
        csca_not_before: Instant(2025, 1, 1, 0, 0, 0),
        csca_not_after: Instant(2040, 1, 1, 0, 0, 0),
        dsc_not_before: Instant(2025, 6, 1, 0, 0, 0),
        dsc_not_after: Instant(2036, 6, 1, 0, 0, 0),
        dsc_key_usage_end: Instant(2025, 9, 1, 0, 0, 0),
        signing_time: Instant(2025, 7, 1, 9, 0, 0),
        passport_expiry: Instant(2035, 6, 30, 0, 0, 0),
        crl_this_update: Instant(2026, 1, 1, 0, 0, 0),
        crl_next_update: Instant(2036, 6, 1, 0, 0, 0),
        revocation: Instant(2025, 12, 1, 0, 0, 0),
        verify_at: Instant(2026, 6, 1, 0, 0, 0),
    };

    /// A DSC of 2015 that expired in 2021, and a passport signed then.
    pub const EXPIRED: Timeline = Timeline {
        dsc_not_before: Instant(2015, 1, 1, 0, 0, 0),
        dsc_not_after: Instant(2021, 1, 1, 0, 0, 0),
        dsc_key_usage_end: Instant(2015, 4, 1, 0, 0, 0),
        signing_time: Instant(2015, 3, 1, 9, 0, 0),
        passport_expiry: Instant(2025, 2, 28, 0, 0, 0),
        csca_not_before: Instant(2014, 1, 1, 0, 0, 0),
        ..Timeline::CURRENT
    };
}
