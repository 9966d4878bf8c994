//! Time as an input: seconds since 1970 UTC, parsed from RFC 3339 or X.509 times.

use der::DateTime;
use x509_cert::time::Time;

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(pub u64);

/// RFC 3339 UTC text, as [`UnixTime::rfc3339`]: errors carry the time itself and print
/// it this way.
impl std::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl UnixTime {
    /// From an X.509 `Time`.
    #[must_use]
    pub fn from_x509(time: &Time) -> Self {
        UnixTime(time.to_unix_duration().as_secs())
    }

    /// Parses RFC 3339 UTC: `YYYY-MM-DDTHH:MM:SSZ` (fractions are ignored; `z` and a
    /// space separator are accepted; offsets other than `Z`/`+00:00` are refused).
    #[must_use]
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let text = text.trim();
        let (date, rest) = text.split_at_checked(10)?;
        let mut parts = date.split('-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let (clock, zone) = rest.split_at_checked(8)?;
        let mut hms = clock.split(':');
        let hour: u8 = hms.next()?.parse().ok()?;
        let minute: u8 = hms.next()?.parse().ok()?;
        let second: u8 = hms.next()?.parse().ok()?;
        let zone = match zone.find(['Z', 'z', '+', '-']) {
            Some(i) if zone.get(..i)?.starts_with('.') || i == 0 => zone.get(i..)?,
            _ => return None,
        };
        if !matches!(zone, "Z" | "z" | "+00:00" | "-00:00") {
            return None;
        }
        let dt = DateTime::new(year, month, day, hour, minute, second).ok()?;
        Some(UnixTime(dt.unix_duration().as_secs()))
    }

    /// Now, from the system clock: for binaries only; libraries take time as input.
    #[must_use]
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        UnixTime(secs)
    }

    /// RFC 3339 UTC text.
    #[must_use]
    pub fn rfc3339(self) -> String {
        match DateTime::from_unix_duration(std::time::Duration::from_secs(self.0)) {
            // Written digit by digit: reports carry several times each, and the
            // formatting machinery cost more than the rest of a validity check. `DateTime`
            // keeps the year within 1970..=9999, so every field fits its width.
            Ok(dt) => {
                let mut out = String::with_capacity(20);
                push_digits(&mut out, u32::from(dt.year()), 4);
                for (separator, value) in [
                    ('-', dt.month()),
                    ('-', dt.day()),
                    ('T', dt.hour()),
                    (':', dt.minutes()),
                    (':', dt.seconds()),
                ] {
                    out.push(separator);
                    push_digits(&mut out, u32::from(value), 2);
                }
                out.push('Z');
                out
            }
            Err(_) => format!("@{}", self.0),
        }
    }
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rfc3339() {
        let t = UnixTime::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
        assert_eq!(t, UnixTime(1_780_272_000));
        assert_eq!(t.rfc3339(), "2026-06-01T00:00:00Z");
        // Digit by digit, as `format!` with zero padding would write it.
        for secs in [0, 59, 951_782_400, 1_780_272_000 + 86_399, 253_402_300_799] {
            let dt = DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).unwrap();
            let expected = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minutes(),
                dt.seconds()
            );
            assert_eq!(UnixTime(secs).rfc3339(), expected, "{secs}");
            assert_eq!(UnixTime::parse_rfc3339(&expected), Some(UnixTime(secs)));
        }
        assert_eq!(UnixTime(u64::MAX).rfc3339(), format!("@{}", u64::MAX));
        assert_eq!(UnixTime::parse_rfc3339("2026-06-01T00:00:00.250Z"), Some(t));
        assert_eq!(
            UnixTime::parse_rfc3339("2026-06-01T00:00:00+00:00"),
            Some(t)
        );
        for bad in [
            "",
            "2026-06-01",
            "2026-13-01T00:00:00Z",
            "2026-06-01T00:00:00+09:00",
            "yesterday",
        ] {
            assert_eq!(UnixTime::parse_rfc3339(bad), None, "{bad}");
        }
    }
}
