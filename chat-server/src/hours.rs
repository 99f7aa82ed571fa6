//! Business hours: is the desk open at a given instant?

use jiff::civil::{Time, Weekday};
use jiff::{Timestamp, tz::TimeZone};

use crate::config::BusinessHours;

/// Whether `at` falls within the configured hours. Unparseable settings count as always open, and
/// `check` reports them at start-up, so a typo never silently hides the chat.
pub fn within_hours(hours: &BusinessHours, at: Timestamp) -> bool {
    if hours.days.is_empty() {
        return true;
    }
    let Ok((zone, open, close)) = parsed(hours) else { return true };
    let local = at.to_zoned(zone).datetime();
    let day = short_name(local.weekday());
    hours.days.iter().any(|d| d.eq_ignore_ascii_case(day)) && local.time() >= open && local.time() < close
}

/// The seconds of `from..to` that fall within the configured hours (the business-hours variant of a
/// response time); `None` when no hours are set (every second counts, so there is no variant) or they
/// do not parse. Ranges longer than a year are counted up to a year.
pub fn business_seconds(hours: &BusinessHours, from: Timestamp, to: Timestamp) -> Option<u64> {
    if hours.days.is_empty() || to <= from {
        return (!hours.days.is_empty()).then_some(0);
    }
    let (zone, open, close) = parsed(hours).ok()?;
    let first = from.to_zoned(zone.clone()).date();
    let last = to.to_zoned(zone.clone()).date();
    let mut total: i64 = 0;
    for day in first.series(jiff::Span::new().days(1)).take_while(|d| *d <= last).take(366) {
        if !hours.days.iter().any(|d| d.eq_ignore_ascii_case(short_name(day.weekday()))) {
            continue;
        }
        let (Ok(opens), Ok(closes)) =
            (day.to_datetime(open).to_zoned(zone.clone()), day.to_datetime(close).to_zoned(zone.clone()))
        else {
            continue;
        };
        let start = opens.timestamp().max(from);
        let end = closes.timestamp().min(to);
        if end > start {
            total += end.as_second() - start.as_second();
        }
    }
    u64::try_from(total).ok()
}

/// Validates the settings, naming what to fix.
pub fn check(hours: &BusinessHours) -> Result<(), String> {
    parsed(hours).map(|_| ())?;
    for day in &hours.days {
        if !DAYS.iter().any(|d| d.eq_ignore_ascii_case(day)) {
            return Err(format!("hours.days: unknown day {day:?}; use mon, tue, wed, thu, fri, sat, sun"));
        }
    }
    Ok(())
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn short_name(day: Weekday) -> &'static str {
    DAYS[usize::from(day.to_monday_zero_offset() as u8)]
}

fn parsed(hours: &BusinessHours) -> Result<(TimeZone, Time, Time), String> {
    let zone = TimeZone::get(&hours.timezone).map_err(|e| {
        format!("hours.timezone {:?}: {e}; use an IANA name like Asia/Ho_Chi_Minh", hours.timezone)
    })?;
    let time = |field: &str, text: &str| {
        text.parse::<Time>().map_err(|e| format!("hours.{field} {text:?}: {e}; write HH:MM"))
    };
    Ok((zone, time("open", &hours.open)?, time("close", &hours.close)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_hours_in_a_time_zone() {
        let hours = BusinessHours {
            timezone: "Asia/Ho_Chi_Minh".into(),
            days: vec!["mon".into(), "tue".into()],
            open: "08:00".into(),
            close: "17:30".into(),
            ..BusinessHours::default()
        };
        check(&hours).unwrap();
        // Monday 2026-11-23 09:00 in Ho Chi Minh City is 02:00 UTC.
        assert!(within_hours(&hours, "2026-11-23T02:00:00Z".parse().unwrap()));
        assert!(!within_hours(&hours, "2026-11-23T00:30:00Z".parse().unwrap()));
        assert!(!within_hours(&hours, "2026-11-23T10:30:00Z".parse().unwrap()));
        // Wednesday.
        assert!(!within_hours(&hours, "2026-11-25T02:00:00Z".parse().unwrap()));
    }

    #[test]
    fn business_seconds_count_only_the_open_hours() {
        let hours = BusinessHours {
            timezone: "Asia/Ho_Chi_Minh".into(),
            days: vec!["mon".into(), "tue".into()],
            open: "08:00".into(),
            close: "17:00".into(),
            ..BusinessHours::default()
        };
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // Monday 16:30 local (09:30 UTC) to Tuesday 08:15 local (01:15 UTC): 30 min + 15 min.
        assert_eq!(
            business_seconds(&hours, at("2026-11-23T09:30:00Z"), at("2026-11-24T01:15:00Z")),
            Some(45 * 60)
        );
        // Friday evening to Monday 08:10 local: only Monday's 10 minutes.
        assert_eq!(
            business_seconds(&hours, at("2026-11-27T12:00:00Z"), at("2026-11-30T01:10:00Z")),
            Some(600)
        );
        // Within one open stretch: all of it.
        assert_eq!(
            business_seconds(&hours, at("2026-11-23T02:00:00Z"), at("2026-11-23T02:05:00Z")),
            Some(300)
        );
        assert_eq!(
            business_seconds(
                &BusinessHours::default(),
                at("2026-11-23T02:00:00Z"),
                at("2026-11-23T03:00:00Z")
            ),
            None
        );
    }
}
