//! SigV4 timestamps: ISO-8601 "basic format" (`20170815T120000Z`) in UTC,
//! parsed and printed without a date-time crate.

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
        let b = s.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> {
            let mut v = 0i64;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        Some(AmzTime(
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second,
        ))
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

impl fmt::Display for AmzTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0.div_euclid(86_400));
        let secs = self.0.rem_euclid(86_400);
        write!(
            f,
            "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// Displays an [`AmzTime`] as `YYYYMMDD`.
pub(crate) struct DateStamp(AmzTime);

impl fmt::Display for DateStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0.0.div_euclid(86_400));
        write!(f, "{y:04}{m:02}{d:02}")
    }
}

impl DateStamp {
    /// Whether `s` is this date written as `YYYYMMDD`, without allocating.
    pub(crate) fn matches(&self, s: &str) -> bool {
        let (y, m, d) = civil_from_days(self.0.0.div_euclid(86_400));
        let mut buf = [0u8; 8];
        let mut put = |at: usize, width: usize, mut v: i64| {
            for i in (0..width).rev() {
                buf[at + i] = b'0' + u8::try_from(v.rem_euclid(10)).unwrap_or(0);
                v /= 10;
            }
        };
        put(0, 4, y);
        put(4, 2, m);
        put(6, 2, d);
        s.as_bytes() == buf
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's `days_from_civil` / `civil_from_days` (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
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
