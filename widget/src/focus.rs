//! Keyboard focus in the panel: where each screen starts, Tab kept inside the dialog, arrow keys
//! through the results.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::bridge;
use crate::state::{Screen, Widget};

/// What can take keyboard focus inside the panel, for the focus trap and arrow keys.
const FOCUSABLE: &str = "button:not([disabled]), a[href], input, [tabindex]:not([tabindex='-1'])";

/// Arrow keys move between results; Up from the first goes back to the search box.
pub fn results_keydown(event: ev::KeyboardEvent) {
    let step = match event.key().as_str() {
        "ArrowDown" => 1,
        "ArrowUp" => -1,
        _ => return,
    };
    event.prevent_default();
    next_result(step);
}

pub fn next_result(step: i32) {
    let Some(root) = bridge::shadow_root() else { return };
    let Ok(list) = root.query_selector_all(".hit") else { return };
    let hits: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect();
    let active = root.active_element();
    let current = hits.iter().position(|h| active.as_ref().is_some_and(|a| a == h.unchecked_ref()));
    let next = match (current, step) {
        (None, 1) => Some(0),
        (Some(i), 1) => Some((i + 1).min(hits.len().saturating_sub(1))),
        (Some(0), _) => None,
        (Some(i), _) => Some(i - 1),
        _ => return,
    };
    match next {
        Some(i) => {
            if let Some(hit) = hits.get(i) {
                let _ = hit.focus();
            }
        }
        None => {
            if let Ok(Some(input)) = root.query_selector(".query")
                && let Ok(input) = input.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = input.focus();
            }
        }
    }
}

/// Focus where the current screen starts: the search box, the article's title, or the contact heading.
pub fn focus_screen(widget: Widget, input: NodeRef<html::Input>) {
    if !widget.panel.open.get_untracked() {
        return;
    }
    let target: Option<web_sys::HtmlElement> = match widget.panel.screen.get_untracked() {
        Screen::Search => input.get_untracked().map(|i| i.unchecked_into()),
        Screen::Article { .. } => query_html(".article-title"),
        Screen::Contact => query_html(".contact-title"),
        Screen::Chat => query_html(".compose").or_else(|| query_html(".chat-title")),
    };
    if let Some(target) = target {
        let _ = target.focus();
    }
}

fn query_html(selector: &str) -> Option<web_sys::HtmlElement> {
    bridge::shadow_root()?.query_selector(selector).ok()??.dyn_into().ok()
}

pub fn is_inside() -> bool {
    bridge::shadow_root().and_then(|root| root.active_element()).is_some()
}

/// Keeps Tab inside the dialog: from the last focusable element to the first, and back with Shift.
pub fn trap_tab(event: &ev::KeyboardEvent) {
    let Some(root) = bridge::shadow_root() else { return };
    let Ok(Some(panel)) = root.query_selector(".panel") else { return };
    let Ok(list) = panel.query_selector_all(FOCUSABLE) else { return };
    let focusable: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else { return };
    let active = root.active_element();
    let is = |el: &web_sys::HtmlElement| {
        active.as_ref().is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    if event.shift_key() && (is(first) || active.is_none()) {
        event.prevent_default();
        let _ = last.focus();
    } else if !event.shift_key() && (is(last) || active.is_none()) {
        event.prevent_default();
        let _ = first.focus();
    }
}
