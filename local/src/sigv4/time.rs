//! SigV4 timestamps: ISO-8601 "basic format" (`20170815T120000Z`) in UTC.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A whole second since the Unix epoch, as SigV4 timestamps are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AmzTime(i64);

impl AmzTime {
    pub(crate) fn from_system(time: SystemTime) -> Self {
        match time.duration_since(UNIX_EPOCH) {
            Ok(d) => AmzTime(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
            // Round towards the past, like a clock that reads whole seconds.
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                AmzTime(-secs - i64::from(d.subsec_nanos() > 0))
            }
        }
    }

    pub(crate) fn to_system(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_secs(self.0.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(self.0.unsigned_abs())
        }
    }

    pub(crate) fn plus(self, secs: i64) -> Self {
        AmzTime(self.0.saturating_add(secs))
    }

    pub(crate) fn minus(self, secs: i64) -> Self {
        AmzTime(self.0.saturating_sub(secs))
    }

    /// Parses `YYYYMMDD'T'HHMMSS'Z'` exactly (16 characters, UTC).
    pub(crate) fn parse_basic(s: &str) -> Option<Self> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let t = time::PrimitiveDateTime::parse(s, BASIC).ok()?;
        Some(AmzTime(t.assume_utc().unix_timestamp()))
    }

    fn utc(self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(self.0)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// Parses a `Date` header: an HTTP date (IMF-fixdate, RFC 850 or asctime)
    /// or, as the SigV4 documentation also allows, the basic ISO-8601 form.
    pub(crate) fn parse_date_header(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::parse_basic(s).or_else(|| httpdate::parse_http_date(s).ok().map(Self::from_system))
    }

    /// The `YYYYMMDD` part, as in a credential scope.
    pub(crate) fn date_stamp(self) -> DateStamp {
        DateStamp(self)
    }
}

/// SigV4's ISO-8601 basic format, `20170815T120000Z`.
const BASIC: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

impl fmt::Display for AmzTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.utc().format(BASIC).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

/// Displays an [`AmzTime`] as `YYYYMMDD`.
pub(crate) struct DateStamp(AmzTime);

impl fmt::Display for DateStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.0.utc().date();
        write!(
            f,
            "{:04}{:02}{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    }
}

impl DateStamp {
    /// Whether `s` is this date written as `YYYYMMDD`, without allocating.
    pub(crate) fn matches(&self, s: &str) -> bool {
        let format = time::macros::format_description!("[year][month][day]");
        s.len() == 8
            && s.bytes().all(|b| b.is_ascii_digit())
            && time::Date::parse(s, format).is_ok_and(|d| d == self.0.utc().date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "19700101T000000Z",
            "20170815T120000Z",
            "20000229T235959Z",
            "20261231T000001Z",
            "99991231T235959Z",
        ] {
            let t = AmzTime::parse_basic(s).unwrap();
            assert_eq!(t.to_string(), s);
            assert_eq!(AmzTime::from_system(t.to_system()), t);
        }
        let t = AmzTime::parse_basic("20170815T120000Z").unwrap();
        assert_eq!(t.0, 1_502_798_400);
        assert!(t.date_stamp().matches("20170815"));
        assert!(!t.date_stamp().matches("20170816"));
        assert_eq!(t.date_stamp().to_string(), "20170815");
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "2017-08-15T12:00:00Z",
            "20170815T120000",
            "20170815t120000Z",
            "20171315T120000Z",
            "20170230T120000Z",
            "20170815T240000Z",
            "2017081 T120000Z",
            "+0170815T120000Z",
        ] {
            assert_eq!(AmzTime::parse_basic(s), None, "{s}");
        }
    }

    #[test]
    fn date_header_forms() {
        let t = AmzTime::parse_basic("20260115T120000Z").unwrap();
        assert_eq!(
            AmzTime::parse_date_header("Thu, 15 Jan 2026 12:00:00 GMT"),
            Some(t)
        );
        assert_eq!(AmzTime::parse_date_header("20260115T120000Z"), Some(t));
        assert_eq!(AmzTime::parse_date_header("yesterday"), None);
    }
}
