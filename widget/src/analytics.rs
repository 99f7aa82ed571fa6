//! Anonymous usage events for the help center's reports (`protocol::analytics` says exactly what they
//! hold). Nothing is stored in the browser: the page view's id and the waiting events live in memory
//! and die with the page. Events go out in batches with `navigator.sendBeacon`, which the browser
//! sends even while the page unloads, at no cost to it: when 20 are waiting, 5 s after the first one,
//! and when the page is hidden or left.

use std::cell::{Cell, RefCell};

use protocol::analytics::{BATCH_EVENTS, Batch, EVENTS_VERSION, Event};
use wasm_bindgen::prelude::*;

/// Events that send a batch at once.
const SEND_AT: usize = 20;
/// How long the first waiting event waits for others.
const SEND_AFTER_MS: i32 = 5000;

thread_local! {
    static PAGE_VIEW: String = page_view_id();
    /// Where batches go (`None`: analytics off, or nowhere to send them), and what waits.
    static TARGET: RefCell<Option<String>> = const { RefCell::new(None) };
    static WAITING: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
    static TIMER: Cell<bool> = const { Cell::new(false) };
}

/// 20 random characters of `[0-9a-z]`: groups one page view's events, and nothing else.
fn page_view_id() -> String {
    (0..20)
        .map(|_| {
            let n = (js_sys::Math::random() * 36.0) as u32;
            char::from_digit(n.min(35), 36).unwrap_or('0')
        })
        .collect()
}

/// Sets where events go; `None` turns them off (and drops what waits). The page's `pagehide` and
/// `visibilitychange` send what waits.
pub fn start(target: Option<String>) {
    TARGET.with(|t| *t.borrow_mut() = target);
    let Some(window) = web_sys::window() else { return };
    let send_now = Closure::<dyn Fn()>::new(|| {
        let hidden = web_sys::window().and_then(|w| w.document()).is_none_or(|d| d.hidden());
        if hidden {
            send();
        }
    });
    let listener = send_now.as_ref().unchecked_ref();
    let _ = window.add_event_listener_with_callback("pagehide", listener);
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", listener);
    }
    // Lives as long as the page.
    send_now.forget();
}

/// Changes where events go (the help center's manifest may name the chat server after start).
pub fn retarget(target: Option<String>) {
    TARGET.with(|t| *t.borrow_mut() = target);
}

/// Records `event`, unless analytics are off.
pub fn record(event: Event) {
    if TARGET.with(|t| t.borrow().is_none()) {
        return;
    }
    let waiting = WAITING.with(|w| {
        let mut w = w.borrow_mut();
        w.push(event);
        w.len()
    });
    if waiting >= SEND_AT {
        send();
    } else if !TIMER.with(|t| t.replace(true)) {
        let later = Closure::once_into_js(|| {
            TIMER.with(|t| t.set(false));
            send();
        });
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(later.unchecked_ref(), SEND_AFTER_MS);
        }
    }
}

/// Sends what waits, in batches of at most [`BATCH_EVENTS`].
fn send() {
    let Some(target) = TARGET.with(|t| t.borrow().clone()) else { return };
    let events = WAITING.with(|w| std::mem::take(&mut *w.borrow_mut()));
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return };
    for chunk in events.chunks(BATCH_EVENTS) {
        let batch =
            Batch { v: EVENTS_VERSION, page_view: PAGE_VIEW.with(Clone::clone), events: chunk.to_vec() };
        if let Ok(body) = serde_json::to_string(&batch) {
            // A string body goes as text/plain: no CORS preflight. A refused beacon (too large, or the
            // browser's quota) is dropped: these events are worth less than the page's own requests.
            let _ = navigator.send_beacon_with_opt_str(&target, Some(&body));
        }
    }
}
