//! `goblet local --schedules`: fires each `#[schedule]` function on its
//! `rate(...)` or `cron(...)`, in UTC, as an EventBridge rule does — an
//! asynchronous invocation with a scheduled event, logged as Lambda logs it.
//! A rate counts from when `goblet local` started (a rule's from its
//! creation); a new build (`--watch`) keeps each function's next firing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goblet_core::sample::{self, Origin};
use goblet_core::schedule::Schedule;

use crate::gateway::Gateway;
use crate::live::Live;
use crate::pool::Logger;

/// How long the scheduler sleeps at most, so that a new build's schedules
/// are picked up within it.
const MAX_SLEEP_SECS: i64 = 30;

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The functions due at `now` (their next firing has come), each function's
/// next firing afterwards in `next`, and when to look again.
/// A function's schedule and its next firing; a new build's different
/// schedule for the same function starts afresh, as an updated rule does.
type Next = HashMap<String, (Schedule, i64)>;

fn due<'a>(
    schedules: impl Iterator<Item = (&'a str, &'a Schedule)>,
    start: i64,
    now: i64,
    next: &mut Next,
) -> (Vec<String>, i64) {
    let mut fire = Vec::new();
    let mut wake = now + MAX_SLEEP_SECS;
    for (name, schedule) in schedules {
        let upcoming = || schedule.next_after(start, now).unwrap_or(i64::MAX);
        let at = match next.get(name) {
            Some((known, at)) if known == schedule => *at,
            _ => {
                let at = upcoming();
                next.insert(name.to_owned(), (schedule.clone(), at));
                at
            }
        };
        let at = if at <= now {
            fire.push(name.to_owned());
            let following = upcoming();
            next.insert(name.to_owned(), (schedule.clone(), following));
            following
        } else {
            at
        };
        wake = wake.min(at);
    }
    (fire, wake)
}

/// Runs until the process stops.
pub(crate) async fn run(live: Arc<Live<Gateway>>, region: String, logger: Logger) {
    let start = unix_now();
    let mut next = HashMap::new();
    loop {
        let gateway = live.current();
        let now = unix_now();
        let schedules = gateway
            .functions
            .all()
            .iter()
            .filter_map(|f| f.schedule.as_ref().map(|s| (f.handler.as_str(), s)));
        let (fire, wake) = due(schedules, start, now, &mut next);
        for name in fire {
            let Some(function) = gateway.functions.all().iter().find(|f| f.handler == name) else {
                continue;
            };
            let origin = Origin {
                region: &region,
                now_ms: now * 1000,
            };
            let event = sample::schedule(origin, &function.config.name);
            logger.line(format!(
                "goblet local: the schedule of {} fires",
                function.config.name
            ));
            if gateway
                .functions
                .in_background(function, event.to_string().into())
                .is_err()
            {
                logger.line(format!(
                    "goblet local: too many invocations queued; the schedule of {} is skipped",
                    function.config.name
                ));
            }
        }
        drop(gateway);
        let sleep = (wake - unix_now()).clamp(1, MAX_SLEEP_SECS);
        tokio::time::sleep(Duration::from_secs(sleep as u64)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_fire_a_period_after_the_start_and_crons_on_their_minute() {
        let rate = Schedule::parse("rate(1 minute)").unwrap();
        let cron = Schedule::parse("cron(0/5 * * * ? *)").unwrap();
        // 2026-12-07 12:01:30 UTC.
        let start = 1_796_644_890;
        let mut next = HashMap::new();
        let list = || [("tick", &rate), ("five", &cron)].into_iter();
        let (fire, wake) = due(list(), start, start, &mut next);
        assert!(fire.is_empty());
        assert_eq!(wake, start + 30);
        assert_eq!(next["tick"].1, start + 60);
        assert_eq!(next["five"].1, 1_796_645_100); // 12:05:00
        let (fire, _) = due(list(), start, start + 60, &mut next);
        assert_eq!(fire, ["tick"]);
        assert_eq!(next["tick"].1, start + 120);
        // Late (the process was busy): fires once, then keeps the period.
        let (fire, _) = due(list(), start, 1_796_645_230, &mut next);
        assert_eq!(fire, ["tick", "five"]);
        assert_eq!(next["tick"].1, start + 360);
        assert_eq!(next["five"].1, 1_796_645_400);
        // A new build makes `five` hourly: its next firing is the new rule's.
        let hourly = Schedule::parse("cron(0 * * * ? *)").unwrap();
        let now = 1_796_645_230;
        let (fire, _) = due([("five", &hourly)].into_iter(), start, now, &mut next);
        assert!(fire.is_empty());
        assert_eq!(next["five"].1, 1_796_648_400); // 13:00:00
    }
}
