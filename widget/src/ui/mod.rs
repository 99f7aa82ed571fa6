//! The panel: a WAI-ARIA dialog with one screen at a time (one file each: [`search`], [`article`],
//! [`contact`], [`chat`]) and, on every screen, the way to a person.

mod article;
mod chat;
mod contact;
pub mod inline;
mod search;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::bridge;
use crate::config::Theme;
use crate::focus;
use crate::state::{Screen, Widget};

/// The whole panel. Hidden (not removed) while closed, so what the visitor typed survives closing.
#[component]
pub fn Panel(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let input: NodeRef<html::Input> = NodeRef::new();
    let theme = widget.panel.config.with_value(|c| c.theme);
    // Searching and looking up suggestions are effects: they live as long as the panel.
    widget.search_on_change();
    widget.look_up_suggestions();

    // Opening moves focus into the dialog; closing returns it to the launcher and tells the page.
    Effect::new(move |was_open: Option<bool>| {
        let open = widget.panel.open.get();
        if was_open.is_some_and(|was| was != open) {
            bridge::emit(if open { "open" } else { "close" }, &serde_json::json!({}));
        }
        if let Some(launcher) = bridge::launcher() {
            let _ = launcher.set_attribute("aria-expanded", if open { "true" } else { "false" });
        }
        if open {
            request_animation_frame(move || focus::focus_screen(widget, input));
        } else if was_open == Some(true)
            && focus::is_inside()
            && let Some(launcher) = bridge::launcher()
        {
            let _ = launcher.focus();
        }
        open
    });
    // Each new screen puts focus where its content starts, so screen readers read it.
    Effect::new(move |previous: Option<Screen>| {
        let screen = widget.panel.screen.get();
        if previous.is_some_and(|p| p != screen) && widget.panel.open.get_untracked() {
            request_animation_frame(move || focus::focus_screen(widget, input));
        }
        screen
    });

    // Agent replies that arrive while the visitor looks elsewhere show as a count on the launcher.
    Effect::new(move |_| {
        let unread = widget.live.chat.with(|c| c.unread);
        if let Some(launcher) = bridge::launcher() {
            let _ = if unread > 0 {
                launcher.set_attribute("data-unread", &unread.to_string())
            } else {
                launcher.remove_attribute("data-unread")
            };
        }
    });

    let on_keydown = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "Escape" => {
            // Closing the panel is all Esc should do; the host page must not also react to it.
            event.prevent_default();
            event.stop_propagation();
            widget.set_open(false);
        }
        "Tab" => focus::trap_tab(&event),
        _ => {}
    };

    view! {
        <div
            class="panel"
            class:dark=theme == Theme::Dark
            class:light=theme == Theme::Light
            role="dialog"
            aria-modal="true"
            aria-labelledby="ad-title"
            hidden=move || !widget.panel.open.get()
            on:keydown=on_keydown
        >
            <header class="bar">
                {move || match widget.panel.screen.get() {
                    Screen::Search => view! { <span class="spacer"></span> }.into_any(),
                    _ => {
                        view! {
                            <button
                                class="icon back"
                                type="button"
                                aria-label=move || t().back
                                on:click=move |_| widget.panel.screen.set(Screen::Search)
                            >
                                "←"
                            </button>
                        }
                            .into_any()
                    }
                }}
                <h2 id="ad-title">{move || t().title}</h2>
                <button
                    class="icon close"
                    type="button"
                    aria-label=move || t().close
                    on:click=move |_| widget.set_open(false)
                >
                    "×"
                </button>
            </header>
            <div class="body">
                {move || match widget.panel.screen.get() {
                    Screen::Search => view! { <search::SearchScreen widget input/> }.into_any(),
                    Screen::Article { id, lang } => view! { <article::ArticleScreen widget id lang/> }.into_any(),
                    Screen::Contact => view! { <contact::ContactScreen widget/> }.into_any(),
                    Screen::Chat => view! { <chat::ChatScreen widget/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// Under results the engine is not sure of (or none): asking a person is the obvious next step, not a
/// footer link.
#[component]
pub(super) fn AskUs(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    view! {
        <div class="ask-us" role="note">
            <p>{move || t().unsure}</p>
            <TalkToUs widget/>
        </div>
    }
}

/// The way to a person: back to the visitor's conversation if they have one, else the ways to reach us.
#[component]
fn TalkToUs(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    view! {
        <button class="cta" type="button" on:click=move |_| widget.escalate()>
            {move || if widget.live.conversation.with(Option::is_some) { t().continue_chat } else { t().talk_to_us }}
        </button>
    }
}

/// "Still need help? Talk to our team": on every screen, so the visitor is never stuck.
#[component]
pub(super) fn NeedMore(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    view! {
        <div class="need-more">
            <span>{move || t().need_more}</span>
            <TalkToUs widget/>
        </div>
    }
}
