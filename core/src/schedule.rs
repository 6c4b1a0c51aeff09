//! EventBridge schedule expressions: `rate(5 minutes)` and the six-field
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, parsed and
//! checked as EventBridge does, in UTC, with the next firing time after a
//! given instant (what `goblet local --schedules` waits for).
//!
//! The rules are EventBridge's ("Schedule expressions for rules"): the rate
//! unit is singular for 1 and plural otherwise; day-of-month and day-of-week
//! cannot both be given, one of them is `?`; `L`, `W` and `#` only where the
//! documentation allows them; years 1970–2199.

use std::fmt;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `rate(N unit)`, as a period in minutes.
    Rate {
        minutes: u64,
    },
    Cron(Box<Cron>),
}

/// `cron(...)`: each field as the set of values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: Days,
    months: u16,
    /// Bit `y - 1970`, for 1970..=2199.
    years: Vec<bool>,
}

/// Day-of-month or day-of-week: exactly one constrains the day.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    /// Day-of-month given, day-of-week `?`.
    OfMonth(Vec<MonthDay>),
    /// Day-of-week given (1 = Sunday … 7 = Saturday), day-of-month `?`.
    OfWeek(Vec<WeekDay>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthDay {
    Day(u32),
    /// `L`: the month's last day.
    Last,
    /// `15W`: the weekday (Mon–Fri) nearest the 15th, within the month.
    NearestWeekday(u32),
    /// `LW`: the month's last weekday.
    LastWeekday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WeekDay {
    Day(u32),
    /// `6L`: the month's last Friday.
    Last(u32),
    /// `3#2`: the month's second Tuesday.
    Nth(u32, u32),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIRST_YEAR: u32 = 1970;
const LAST_YEAR: u32 = 2199;

/// Why an expression is not one EventBridge accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError(String);

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScheduleError {}

fn err<T>(message: impl Into<String>) -> Result<T, ScheduleError> {
    Err(ScheduleError(message.into()))
}

impl Schedule {
    /// Parses `rate(...)` or `cron(...)`.
    pub fn parse(expression: &str) -> Result<Schedule, ScheduleError> {
        if let Some(inner) = strip_call(expression, "rate") {
            return parse_rate(inner);
        }
        if let Some(inner) = strip_call(expression, "cron") {
            return Cron::parse(inner).map(|c| Schedule::Cron(Box::new(c)));
        }
        err(format!(
            "`{expression}` is not a schedule expression: write `rate(5 minutes)` or \
             `cron(0 12 * * ? *)` (minutes hours day-of-month month day-of-week year, in UTC)"
        ))
    }

    /// The first firing strictly after `after` (seconds since the Unix
    /// epoch, UTC), or `None` when the schedule never fires again. A rate
    /// fires every period counted from `start` (when the rule was created).
    pub fn next_after(&self, start: i64, after: i64) -> Option<i64> {
        match self {
            Schedule::Rate { minutes } => {
                // At most u32::MAX minutes (`parse_rate`): no overflow.
                let period = (*minutes as i64) * 60;
                if after < start {
                    return Some(start);
                }
                ((after - start) / period + 1)
                    .checked_mul(period)
                    .and_then(|offset| start.checked_add(offset))
            }
            Schedule::Cron(cron) => cron.next_after(after),
        }
    }
}

fn strip_call<'a>(expression: &'a str, name: &str) -> Option<&'a str> {
    expression
        .strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

fn parse_rate(inner: &str) -> Result<Schedule, ScheduleError> {
    let usage = "write `rate(VALUE UNIT)`: a positive whole number and minute(s), hour(s) or day(s), \
                 singular for 1 (`rate(1 hour)`), plural otherwise (`rate(5 minutes)`)";
    let mut words = inner.split(' ');
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return err(format!("`rate({inner})`: {usage}"));
    };
    let Ok(value) = value.parse::<u64>() else {
        return err(format!(
            "`rate({inner})`: `{value}` is not a whole number; {usage}"
        ));
    };
    if value == 0 {
        return err(format!("`rate({inner})`: the value must be at least 1"));
    }
    let (singular, per) = match unit {
        "minute" | "minutes" => ("minute", 1),
        "hour" | "hours" => ("hour", 60),
        "day" | "days" => ("day", 1440),
        _ => return err(format!("`rate({inner})`: unknown unit `{unit}`; {usage}")),
    };
    let plural = unit.len() > singular.len();
    if (value == 1) == plural {
        let right = if value == 1 {
            singular.to_owned()
        } else {
            format!("{singular}s")
        };
        return err(format!(
            "`rate({inner})`: EventBridge wants `{value} {right}` (singular for 1, plural otherwise)"
        ));
    }
    // Periods are counted in seconds as i64: keep them far from overflow
    // (u32::MAX minutes is over 8000 years).
    value
        .checked_mul(per)
        .filter(|minutes| *minutes <= u64::from(u32::MAX))
        .map(|minutes| Schedule::Rate { minutes })
        .ok_or_else(|| ScheduleError(format!("`rate({inner})`: the period is too long")))
}

/// One field's range of values.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
};
const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &WEEKDAYS,
};
const YEAR: Field = Field {
    name: "year",
    min: FIRST_YEAR,
    max: LAST_YEAR,
    names: &[],
};

impl Field {
    fn value(&self, text: &str) -> Result<u32, ScheduleError> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|n| *n == upper) {
            return Ok(self.min + i as u32);
        }
        match text.parse::<u32>() {
            Ok(v) if (self.min..=self.max).contains(&v) => Ok(v),
            _ => {
                let named = if self.names.is_empty() {
                    String::new()
                } else {
                    format!(" or {}-{}", self.names[0], self.names[self.names.len() - 1])
                };
                err(format!(
                    "{} `{text}` is not {}-{}{named}",
                    self.name, self.min, self.max
                ))
            }
        }
    }

    /// `*`, `N`, `N-M`, `*/K`, `N/K`, `N-M/K`, comma-separated: the values allowed.
    fn values(&self, text: &str) -> Result<Vec<u32>, ScheduleError> {
        let mut out = Vec::new();
        for item in text.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => {
                    let step = match step.parse::<u32>() {
                        Ok(s) if s > 0 => s,
                        _ => return err(format!("{} `{item}`: bad increment `{step}`", self.name)),
                    };
                    (range, step)
                }
                None => (item, 1),
            };
            let (from, to) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return err(format!("{} `{item}`: the range runs backwards", self.name));
                }
                (a, b)
            } else {
                let a = self.value(range)?;
                // `5/10`: from 5, every 10.
                (a, if item.contains('/') { self.max } else { a })
            };
            out.extend((from..=to).step_by(step as usize));
        }
        Ok(out)
    }
}

fn bits(values: &[u32]) -> u64 {
    values.iter().fold(0, |acc, v| acc | (1 << v))
}

impl Cron {
    fn parse(inner: &str) -> Result<Cron, ScheduleError> {
        let fields: Vec<&str> = inner.split(' ').collect();
        let [minutes, hours, dom, month, dow, year] = fields[..] else {
            return err(format!(
                "`cron({inner})` has {} fields; EventBridge's cron has six: minutes hours \
                 day-of-month month day-of-week year (`cron(0 12 * * ? *)`)",
                fields.len()
            ));
        };
        let at = |e: ScheduleError| ScheduleError(format!("`cron({inner})`: {}", e.0));
        let days = match (dom, dow) {
            ("?", "?") => {
                return err(format!(
                    "`cron({inner})`: day-of-month and day-of-week are both `?`; give one of them"
                ));
            }
            ("?", dow) => Days::OfWeek(week_days(dow).map_err(at)?),
            (dom, "?") => Days::OfMonth(month_days(dom).map_err(at)?),
            _ => {
                return err(format!(
                    "`cron({inner})`: EventBridge cannot take both day-of-month and day-of-week; \
                 write `?` in one of them (`cron(0 12 * * ? *)`, `cron(0 12 ? * MON-FRI *)`)"
                ));
            }
        };
        let years = YEAR.values(year).map_err(at)?;
        let mut year_bits = vec![false; (LAST_YEAR - FIRST_YEAR + 1) as usize];
        for y in years {
            year_bits[(y - FIRST_YEAR) as usize] = true;
        }
        Ok(Cron {
            minutes: bits(&MINUTE.values(minutes).map_err(at)?),
            hours: bits(&HOUR.values(hours).map_err(at)?) as u32,
            days,
            months: bits(&MONTH.values(month).map_err(at)?) as u16,
            years: year_bits,
        })
    }

    /// The first minute strictly after `after` that the expression allows.
    fn next_after(&self, after: i64) -> Option<i64> {
        let mut t = (after.div_euclid(60) + 1) * 60;
        loop {
            let (year, month, day) = civil(t.div_euclid(86_400));
            if !(FIRST_YEAR as i64..=LAST_YEAR as i64).contains(&year) {
                return None;
            }
            if !self.years[(year - FIRST_YEAR as i64) as usize] {
                t = days_from_civil(year + 1, 1, 1) * 86_400;
                continue;
            }
            if self.months & (1 << month) == 0 {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                t = days_from_civil(y, m, 1) * 86_400;
                continue;
            }
            if !self.day_matches(year, month, day) {
                t = (t.div_euclid(86_400) + 1) * 86_400;
                continue;
            }
            let seconds = t.rem_euclid(86_400);
            let (hour, minute) = ((seconds / 3600) as u32, ((seconds % 3600) / 60) as u32);
            if self.hours & (1 << hour) == 0 {
                t = t - t.rem_euclid(3600) + 3600;
                continue;
            }
            if self.minutes & (1 << minute) == 0 {
                t += 60;
                continue;
            }
            return Some(t);
        }
    }

    fn day_matches(&self, year: i64, month: u32, day: u32) -> bool {
        let last = month_length(year, month);
        let weekday = weekday(days_from_civil(year, month, 1) + day as i64 - 1);
        match &self.days {
            Days::OfMonth(items) => items.iter().any(|item| match *item {
                MonthDay::Day(d) => d == day,
                MonthDay::Last => day == last,
                MonthDay::NearestWeekday(d) => nearest_weekday(year, month, d.min(last)) == day,
                MonthDay::LastWeekday => nearest_weekday(year, month, last) == day,
            }),
            Days::OfWeek(items) => items.iter().any(|item| match *item {
                WeekDay::Day(d) => d == weekday,
                WeekDay::Last(d) => d == weekday && day + 7 > last,
                WeekDay::Nth(d, n) => d == weekday && (day - 1) / 7 + 1 == n,
            }),
        }
    }
}

fn month_days(text: &str) -> Result<Vec<MonthDay>, ScheduleError> {
    let mut out = Vec::new();
    for item in text.split(',') {
        match item {
            "L" => out.push(MonthDay::Last),
            "LW" => out.push(MonthDay::LastWeekday),
            _ if item.ends_with('W') => {
                out.push(MonthDay::NearestWeekday(
                    DAY_OF_MONTH.value(&item[..item.len() - 1])?,
                ));
            }
            _ => out.extend(DAY_OF_MONTH.values(item)?.into_iter().map(MonthDay::Day)),
        }
    }
    Ok(out)
}

fn week_days(text: &str) -> Result<Vec<WeekDay>, ScheduleError> {
    let mut out = Vec::new();
    for item in text.split(',') {
        if let Some((day, n)) = item.split_once('#') {
            let day = DAY_OF_WEEK.value(day)?;
            match n.parse::<u32>() {
                Ok(n @ 1..=5) => out.push(WeekDay::Nth(day, n)),
                _ => return err(format!("day-of-week `{item}`: the week after `#` is 1-5")),
            }
        } else if item == "L" {
            out.push(WeekDay::Day(7));
        } else if let Some(day) = item.strip_suffix('L') {
            out.push(WeekDay::Last(DAY_OF_WEEK.value(day)?));
        } else {
            out.extend(DAY_OF_WEEK.values(item)?.into_iter().map(WeekDay::Day));
        }
    }
    Ok(out)
}

/// (year, month 1-12, day 1-31) of a day counted from 1970-01-01.
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn month_length(year: i64, month: u32) -> u32 {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (days_from_civil(y, m, 1) - days_from_civil(year, month, 1)) as u32
}

/// 1 = Sunday … 7 = Saturday, as cron counts (1970-01-01 was a Thursday).
fn weekday(days: i64) -> u32 {
    ((days + 4).rem_euclid(7) + 1) as u32
}

/// The weekday nearest `day` without leaving the month (cron's `W`).
fn nearest_weekday(year: i64, month: u32, day: u32) -> u32 {
    let last = month_length(year, month);
    match weekday(days_from_civil(year, month, day)) {
        7 if day == 1 => 3,
        7 => day - 1,
        1 if day == last => day - 2,
        1 => day + 1,
        _ => day,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> i64 {
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60
    }

    #[test]
    fn accepts_what_eventbridge_documents() {
        for expression in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(12 hours)",
            "rate(1 day)",
            "rate(7 days)",
            "cron(0 10 * * ? *)",
            "cron(15 12 * * ? *)",
            "cron(0 18 ? * MON-FRI *)",
            "cron(0 8 1 * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(0/10 * ? * MON-FRI *)",
            "cron(0/5 8-17 ? * MON-FRI *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(0 0 L * ? *)",
            "cron(0 0 LW * ? *)",
            "cron(0 0 15W * ? *)",
            "cron(0 0 ? * 6L *)",
            "cron(0 12 * jan,feb ? 2027-2030)",
        ] {
            assert!(Schedule::parse(expression).is_ok(), "{expression}");
        }
    }

    #[test]
    fn refuses_what_eventbridge_refuses() {
        for (expression, says) in [
            ("rate(5 minute)", "`5 minutes`"),
            ("rate(1 minutes)", "`1 minute`"),
            ("rate(0 minutes)", "at least 1"),
            ("rate(5 seconds)", "unknown unit"),
            ("rate(five minutes)", "not a whole number"),
            ("rate(5  minutes)", "write `rate(VALUE UNIT)`"),
            ("rate(4611686018427387904 minutes)", "too long"),
            ("rate(99999999999 days)", "too long"),
            ("every 5 minutes", "not a schedule expression"),
            ("cron(0 12 * * *)", "has 5 fields"),
            ("cron(0 12 * * * *)", "both day-of-month and day-of-week"),
            ("cron(0 12 ? * ? *)", "both `?`"),
            ("cron(60 12 * * ? *)", "minutes `60` is not 0-59"),
            ("cron(0 24 * * ? *)", "hours `24`"),
            ("cron(0 12 32 * ? *)", "day-of-month `32`"),
            ("cron(0 12 * 13 ? *)", "month `13` is not 1-12 or JAN-DEC"),
            ("cron(0 12 ? * 8 *)", "day-of-week `8`"),
            ("cron(0 12 * * ? 2200)", "year `2200`"),
            ("cron(0 12 ? * 2#6 *)", "1-5"),
            ("cron(0/0 12 * * ? *)", "bad increment"),
            ("cron(0 17-9 * * ? *)", "backwards"),
        ] {
            let error = Schedule::parse(expression).unwrap_err().to_string();
            assert!(error.contains(says), "{expression}: {error}");
        }
    }

    #[test]
    fn rates_count_from_the_start() {
        let s = Schedule::parse("rate(5 minutes)").unwrap();
        assert_eq!(s, Schedule::Rate { minutes: 5 });
        assert_eq!(s.next_after(1000, 1000), Some(1300));
        assert_eq!(s.next_after(1000, 1299), Some(1300));
        assert_eq!(s.next_after(1000, 1300), Some(1600));
        assert_eq!(
            Schedule::parse("rate(2 days)").unwrap(),
            Schedule::Rate { minutes: 2880 }
        );
    }

    #[test]
    fn cron_fires_on_the_next_allowed_minute_in_utc() {
        let next = |expression: &str, after: i64| {
            Schedule::parse(expression).unwrap().next_after(0, after)
        };
        let noon = at(2026, 12, 7, 12, 0);
        // Every day at 12:15.
        assert_eq!(
            next("cron(15 12 * * ? *)", noon),
            Some(at(2026, 12, 7, 12, 15))
        );
        assert_eq!(
            next("cron(15 12 * * ? *)", at(2026, 12, 7, 12, 15)),
            Some(at(2026, 12, 8, 12, 15))
        );
        // Every 15 minutes.
        assert_eq!(next("cron(0/15 * * * ? *)", noon + 1), Some(noon + 15 * 60));
        // 2026-12-07 is a Monday; Friday 18:00 is the 11th.
        assert_eq!(
            next("cron(0 18 ? * FRI *)", noon),
            Some(at(2026, 12, 11, 18, 0))
        );
        // The first Monday of January 2027 is the 4th.
        assert_eq!(
            next("cron(0 9 ? * 2#1 *)", at(2026, 12, 8, 0, 0)),
            Some(at(2027, 1, 4, 9, 0))
        );
        // The last day of February 2028 (a leap year).
        assert_eq!(
            next("cron(0 0 L 2 ? 2028)", noon),
            Some(at(2028, 2, 29, 0, 0))
        );
        // The last Friday of December 2026 is the 25th.
        assert_eq!(
            next("cron(0 0 ? * 6L *)", noon),
            Some(at(2026, 12, 25, 0, 0))
        );
        // 2027-05-15 is a Saturday: 15W is Friday the 14th.
        assert_eq!(
            next("cron(0 0 15W 5 ? 2027)", noon),
            Some(at(2027, 5, 14, 0, 0))
        );
        // The last weekday of January 2027: Sunday the 31st, so Friday the 29th.
        assert_eq!(
            next("cron(0 0 LW 1 ? 2027)", noon),
            Some(at(2027, 1, 29, 0, 0))
        );
        // Years that have passed never fire.
        assert_eq!(next("cron(0 0 * * ? 2020)", noon), None);
    }

    #[test]
    fn calendar_arithmetic_round_trips() {
        for days in [-1, 0, 59, 365, 10_957, 20_794, 47_482, 84_000] {
            let (y, m, d) = civil(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(weekday(0), 5); // Thursday
        assert_eq!(month_length(2028, 2), 29);
        assert_eq!(month_length(2100, 2), 28);
    }
}
