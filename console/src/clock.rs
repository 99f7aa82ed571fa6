//! Dates and times in the agent's language and timezone (the browser's `Intl`), from the RFC 3339 UTC
//! stamps the server sends.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    object.into()
}

fn parse(stamp: &str) -> Option<Date> {
    let date = Date::new(&JsValue::from_str(stamp));
    (!date.get_time().is_nan()).then_some(date)
}

/// "14:05" today, "1 thg 12, 14:05" / "1 Dec, 14:05" on another day; the stamp itself if unreadable.
pub fn short(stamp: &str, locale: &str) -> String {
    let Some(date) = parse(stamp) else { return stamp.to_owned() };
    let today = Date::new_0();
    let same_day = date.get_full_year() == today.get_full_year()
        && date.get_month() == today.get_month()
        && date.get_date() == today.get_date();
    let time = [("hour", "2-digit"), ("minute", "2-digit")];
    let format = if same_day {
        options(&time)
    } else {
        options(&[("day", "numeric"), ("month", "short"), time[0], time[1]])
    };
    String::from(date.to_locale_string(locale, &format))
}

/// The full date and time, for tooltips and the context panel.
pub fn long(stamp: &str, locale: &str) -> String {
    let Some(date) = parse(stamp) else { return stamp.to_owned() };
    let format = options(&[("dateStyle", "medium"), ("timeStyle", "short")]);
    String::from(date.to_locale_string(locale, &format))
}
