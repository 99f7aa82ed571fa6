//! The bar across the top: who is logged in, whether the socket is up, language, theme, the way to the
//! reports and back, ratings, shortcuts, log out.

use kb_core::Lang;
use leptos::prelude::*;

use crate::desk::{Desk, Dialog, Page};
use crate::i18n::strings;
use crate::link::LinkState;
use crate::prefs::Theme;

#[component]
pub fn TopBar(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let me = move || {
        desk.session.with(|s| {
            s.as_ref().map(|s| {
                let teams = s.agent.teams.join(", ");
                if teams.is_empty() {
                    s.agent.display_name.clone()
                } else {
                    format!("{} · {teams}", s.agent.display_name)
                }
            })
        })
    };
    let status = move || match desk.link.get() {
        LinkState::Connecting => ("connecting", t().connecting),
        LinkState::Online => ("online", t().online),
        LinkState::Reconnecting | LinkState::LoggedOut => ("offline", t().reconnecting),
    };
    let on_lang = move |event| {
        let code = event_target_value(&event);
        if let Ok(lang) = code.parse::<Lang>() {
            desk.set_lang(lang);
        }
    };
    let on_theme = move |event| {
        let theme = match event_target_value(&event).as_str() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        };
        desk.set_theme(theme);
    };
    view! {
        <header class="topbar">
            <span class="brand">"Answerdesk"</span>
            <span class="me">{me}</span>
            <span class="link" data-state=move || status().0 role="status">
                <span class="dot" aria-hidden="true"></span>
                {move || status().1}
            </span>
            <span class="spacer"></span>
            <label class="compact">
                <span class="sr-only">{move || t().language}</span>
                <select class="lang" on:change=on_lang prop:value=move || desk.lang.get().code()>
                    <option value="vi">"Tiếng Việt"</option>
                    <option value="en">"English"</option>
                </select>
            </label>
            <label class="compact">
                <span class="sr-only">{move || t().theme}</span>
                <select class="theme" on:change=on_theme prop:value=move || desk.theme.get().code()>
                    <option value="system">{move || t().theme_system}</option>
                    <option value="light">{move || t().theme_light}</option>
                    <option value="dark">{move || t().theme_dark}</option>
                </select>
            </label>
            <button class="ghost page-toggle" type="button"
                on:click=move |_| desk.page.update(|p| *p = if *p == Page::Inbox { Page::Reports } else { Page::Inbox })>
                {move || if desk.page.get() == Page::Inbox { t().reports } else { t().inbox }}
            </button>
            <button class="ghost ratings-open" type="button" on:click=move |_| desk.dialog.set(Some(Dialog::Ratings))>
                {move || t().ratings}
            </button>
            <button class="ghost" type="button" aria-keyshortcuts="?" on:click=move |_| desk.dialog.set(Some(Dialog::Help))>
                {move || t().shortcuts}
                <kbd>"?"</kbd>
            </button>
            <button class="ghost logout" type="button" on:click=move |_| desk.log_out()>
                {move || t().log_out}
            </button>
        </header>
    }
}
