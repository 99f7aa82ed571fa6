//! The console's views. Everything a visitor or agent wrote is put on the page as text (Leptos text
//! nodes), never as HTML.
//!
//! Layout: a top bar; then queues, the list, the open conversation and its context side by side (at
//! 1280 px), or queues over the list and the context over the conversation (tablets).

mod context;
mod dialogs;
mod draft;
mod list;
mod login;
mod reports;
mod thread;
mod topbar;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::desk::{Desk, Dialog, Mode, Page};
use crate::i18n::strings;
use crate::keys::{Command, command};

/// The whole console: the login form until a session exists, then the desk.
#[component]
pub fn App() -> impl IntoView {
    let desk = Desk::new();
    crate::prefs::set_lang(desk.lang.get_untracked());
    crate::prefs::set_theme(desk.theme.get_untracked());
    let checked = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(session) = crate::api::session().await {
            desk.start(session);
        }
        checked.set(true);
    });
    // The console is the whole page and never unmounts: its listeners live as long as the page.
    let _ = window_event_listener(ev::keydown, move |event| on_key(desk, &event));
    // Reading the open conversation once the agent comes back to the tab.
    let _ = window_event_listener(ev::focus, move |_| desk.mark_read());
    move || {
        if desk.session.with(Option::is_some) {
            view! { <Console desk/> }.into_any()
        } else if checked.get() {
            view! { <login::Login desk/> }.into_any()
        } else {
            view! { <p class="booting">{move || strings(desk.lang.get()).loading}</p> }.into_any()
        }
    }
}

#[component]
fn Console(desk: Desk) -> impl IntoView {
    view! {
        <div class="desk" data-page=move || if desk.page.get() == Page::Inbox { "inbox" } else { "reports" }>
            <topbar::TopBar desk/>
            // The inbox stays mounted under the reports: its list, drafts and scroll are where they were.
            <list::Queues desk/>
            <list::Conversations desk/>
            <thread::Thread desk/>
            <context::Context desk/>
            {move || (desk.page.get() == Page::Reports).then(|| view! { <reports::Reports desk/> })}
            <dialogs::Dialogs desk/>
            {move || desk.inbox.with(|inbox| inbox.problem.clone()).map(|problem| view! {
                <div class="toast" role="alert">
                    <span>{problem}</span>
                    <button type="button" class="ghost" on:click=move |_| desk.inbox.update(|i| i.problem = None)>
                        {move || strings(desk.lang.get()).dismiss}
                    </button>
                </div>
            })}
            <p class="sr-only" aria-live="polite">{move || desk.announcement.get()}</p>
        </div>
    }
}

/// Whether the focus is in something that takes text.
fn typing_in(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || element.get_attribute("contenteditable").is_some()
}

/// Whether the focus is on a button or link.
fn on_control(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    matches!(element.tag_name().as_str(), "BUTTON" | "A")
}

fn on_key(desk: Desk, event: &web_sys::KeyboardEvent) {
    if desk.session.with_untracked(Option::is_none) {
        return;
    }
    if desk.dialog.get_untracked().is_some() {
        if event.key() == "Escape" {
            desk.dialog.set(None);
        }
        return;
    }
    if desk.page.get_untracked() == Page::Reports {
        return;
    }
    // Enter on a focused button or link activates it, as keyboard users expect.
    if event.key() == "Enter" && on_control(event.target()) {
        return;
    }
    let modified = event.ctrl_key() || event.alt_key() || event.meta_key();
    let typing = typing_in(event.target());
    let Some(command) = command(&event.key(), typing, modified) else { return };
    event.prevent_default();
    match command {
        Command::Move(step) => desk.move_cursor(step),
        Command::Open => {
            if let Some(id) = desk.cursor.get_untracked() {
                desk.open(id);
            }
        }
        Command::Reply => desk.focus_composer(Mode::Reply),
        Command::Note => desk.focus_composer(Mode::Note),
        Command::AssignMe => desk.assign(true),
        Command::Unassign => desk.assign(false),
        Command::Close => {
            if desk.inbox.with_untracked(|i| i.current().is_some()) {
                desk.dialog.set(Some(Dialog::ConfirmClose));
            }
        }
        Command::Search => {
            if let Some(search) = desk.search.get_untracked() {
                let _ = search.focus();
            }
        }
        Command::Queue(n) => {
            if let Some(queue) = desk.inbox.with_untracked(|i| i.queues().into_iter().nth(n)) {
                desk.show_queue(queue);
            }
        }
        Command::Help => desk.dialog.set(Some(Dialog::Help)),
        Command::Leave => {
            if let Some(element) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = element.blur();
            }
        }
    }
}
