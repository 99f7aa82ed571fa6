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
}
