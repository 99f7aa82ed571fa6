//! The panel: a WAI-ARIA dialog with the search screen, the article screen and the contact screen.

use kb_core::{Hit, Lang, Snippet};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::bridge;
use crate::chat_view::{ChatScreen, LiveChatOffer};
use crate::config::{Theme, absolute_url, help_center_base};
use crate::i18n::{Strings, strings};
use crate::journey;
use crate::state::{KbStatus, Screen, Shown, Widget};

/// What can take keyboard focus inside the panel, for the focus trap and arrow keys.
const FOCUSABLE: &str = "button:not([disabled]), a[href], input, [tabindex]:not([tabindex='-1'])";

/// The whole panel. Hidden (not removed) while closed, so what the visitor typed survives closing.
#[component]
pub fn Panel(widget: Widget) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    let input: NodeRef<html::Input> = NodeRef::new();
    let theme = widget.config.with_value(|c| c.theme);
    // Searching and looking up suggestions are effects: they live as long as the panel.
    widget.search_on_change();
    widget.look_up_suggestions();

    // Opening moves focus into the dialog; closing returns it to the launcher and tells the page.
    Effect::new(move |was_open: Option<bool>| {
        let open = widget.open.get();
        if was_open.is_some_and(|was| was != open) {
            bridge::emit(if open { "open" } else { "close" }, &serde_json::json!({}));
        }
        if let Some(launcher) = bridge::launcher() {
            let _ = launcher.set_attribute("aria-expanded", if open { "true" } else { "false" });
        }
        if open {
            request_animation_frame(move || focus_screen(widget, input));
        } else if was_open == Some(true)
            && focus_is_inside()
            && let Some(launcher) = bridge::launcher()
        {
            let _ = launcher.focus();
        }
        open
    });
    // Each new screen puts focus where its content starts, so screen readers read it.
    Effect::new(move |previous: Option<Screen>| {
        let screen = widget.screen.get();
        if previous.is_some_and(|p| p != screen) && widget.open.get_untracked() {
            request_animation_frame(move || focus_screen(widget, input));
        }
        screen
    });

    // Agent replies that arrive while the visitor looks elsewhere show as a count on the launcher.
    Effect::new(move |_| {
        let unread = widget.chat.with(|c| c.unread);
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
        "Tab" => trap_tab(&event),
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
            hidden=move || !widget.open.get()
            on:keydown=on_keydown
        >
            <header class="bar">
                {move || match widget.screen.get() {
                    Screen::Search => view! { <span class="spacer"></span> }.into_any(),
                    _ => {
                        view! {
                            <button
                                class="icon back"
                                type="button"
                                aria-label=move || t().back
                                on:click=move |_| widget.screen.set(Screen::Search)
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
                {move || match widget.screen.get() {
                    Screen::Search => view! { <SearchScreen widget input/> }.into_any(),
                    Screen::Article { id, lang } => view! { <ArticleScreen widget id lang/> }.into_any(),
                    Screen::Contact => view! { <ContactScreen widget/> }.into_any(),
                    Screen::Chat => view! { <ChatScreen widget/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The search box, the results (or suggestions), and the way to a person.
#[component]
fn SearchScreen(widget: Widget, input: NodeRef<html::Input>) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    // The query counts as asked once the visitor pauses.
    let pause = StoredValue::new_local(None::<TimeoutHandle>);
    let on_input = move |event: ev::Event| {
        widget.type_query(event_target_value(&event));
        if let Some(handle) = pause.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || widget.settle_search(), crate::state::SETTLE_AFTER);
        pause.set_value(handle.ok());
    };
    let on_keydown = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "Enter" => {
            event.prevent_default();
            widget.settle_search();
            if let Some(first) = widget.results.get_untracked().hits.first() {
                widget.open_article(&first.id, first.lang);
            }
        }
        "ArrowDown" => {
            event.prevent_default();
            move_focus_in_results(1);
        }
        _ => {}
    };

    let status = move || match widget.kb.get() {
        KbStatus::Loading => t().loading.to_owned(),
        KbStatus::Failed(_) => t().load_failed.to_owned(),
        KbStatus::Ready(_) => {
            let query = widget.query.get();
            let (n, answered, failed) = widget.results.with(|r| (r.hits.len(), r.query == query, r.failed));
            if query.trim().is_empty() {
                String::new()
            } else if failed {
                t().load_failed.to_owned()
            } else if n == 0 && !answered {
                // Still fetching what this query needs; the previous results stay meanwhile.
                t().loading.to_owned()
            } else if n == 0 {
                t().no_results.replace("{q}", query.trim())
            } else {
                t().results(n)
            }
        }
    };

    view! {
        <div class="search">
            <input
                node_ref=input
                class="query"
                type="search"
                autocomplete="off"
                spellcheck="false"
                enterkeyhint="search"
                aria-label=move || t().search_label
                aria-controls="ad-results"
                aria-describedby="ad-status"
                placeholder=move || t().search_placeholder
                prop:value=move || widget.query.get()
                on:input=on_input
                on:keydown=on_keydown
            />
        </div>
        <p id="ad-status" class="status" aria-live="polite">
            {status}
        </p>
        <div id="ad-results" on:keydown=results_keydown>
            {move || {
                let query = widget.query.get();
                if query.trim().is_empty() {
                    let suggested = widget.suggested.get();
                    if suggested.is_empty() {
                        view! { <p class="hint">{t().prompt}</p> }.into_any()
                    } else {
                        view! {
                            <h3 class="section">{t().suggested}</h3>
                            <HitList widget hits=suggested best=false/>
                        }
                            .into_any()
                    }
                } else {
                    let results = widget.results.get();
                    // Not confident once the visitor has finished asking: a person, right under the results.
                    let unsure = !results.confident;
                    view! {
                        <Show when=move || results.other_language>
                            <h3 class="section">{t().other_language}</h3>
                        </Show>
                        <HitList widget hits=results.hits best=results.confident/>
                        <Show when=move || unsure && widget.settled.get()>
                            <AskUs widget/>
                        </Show>
                    }
                        .into_any()
                }
            }}
        </div>
        <NeedMore widget/>
    }
}

/// Arrow keys move between results; Up from the first goes back to the search box.
fn results_keydown(event: ev::KeyboardEvent) {
    let step = match event.key().as_str() {
        "ArrowDown" => 1,
        "ArrowUp" => -1,
        _ => return,
    };
    event.prevent_default();
    move_focus_in_results(step);
}

fn move_focus_in_results(step: i32) {
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

/// A list of results, each a button that opens the article in the panel. `best`: the engine is confident
/// the first one answers the question, so it is marked as the answer.
#[component]
fn HitList(widget: Widget, hits: Vec<Hit>, best: bool) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    let items = hits
        .into_iter()
        .enumerate()
        .map(|(rank, hit)| {
            let (id, lang) = (hit.id.clone(), hit.lang);
            let best = best && rank == 0;
            view! {
                <li class:best=best>
                    <button class="hit" type="button" on:click=move |_| widget.open_article(&id, lang)>
                        <Show when=move || best>
                            <span class="best-label">{move || t().best_answer}</span>
                        </Show>
                        <span class="hit-title">{hit.title}</span>
                        <span class="hit-snippet">{highlighted(&hit.snippet)}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="hits">{items}</ul> }
}

/// The snippet as text nodes with `<mark>` around the matched words (never as HTML).
fn highlighted(snippet: &Snippet) -> Vec<AnyView> {
    let text = snippet.text.as_str();
    let mut parts = Vec::new();
    let mut at = 0;
    for range in &snippet.highlights {
        let valid = range.start >= at
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end);
        if !valid {
            continue;
        }
        parts.push(text[at..range.start].to_owned().into_any());
        parts.push(view! { <mark>{text[range.clone()].to_owned()}</mark> }.into_any());
        at = range.end;
    }
    parts.push(text[at..].to_owned().into_any());
    parts
}

/// Under results the engine is not sure of (or none): asking a person is the obvious next step, not a
/// footer link.
#[component]
fn AskUs(widget: Widget) -> impl IntoView {
    let t = move || strings(widget.lang.get());
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
    let t = move || strings(widget.lang.get());
    view! {
        <button class="cta" type="button" on:click=move |_| widget.escalate()>
            {move || if widget.conversation.with(Option::is_some) { t().continue_chat } else { t().talk_to_us }}
        </button>
    }
}

/// "Still need help? Talk to our team": on every screen, so the visitor is never stuck.
#[component]
fn NeedMore(widget: Widget) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    view! {
        <div class="need-more">
            <span>{move || t().need_more}</span>
            <TalkToUs widget/>
        </div>
    }
}

/// One article, read inside the panel, with "did this answer your question?": the title and summary at
/// once, the body when it has arrived.
#[component]
fn ArticleScreen(widget: Widget, id: String, lang: Lang) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    let Some(card) = widget.article.with_untracked(|a| a.card().cloned()) else {
        return view! {
            <p class="status" role="status">{t().load_failed}</p>
            <NeedMore widget/>
        }
        .into_any();
    };
    let base = widget.config.with_value(|c| help_center_base(&c.kb));
    let page_url = absolute_url(&base, &card.url);
    let this_id = id.clone();
    // Other results of the last search: the next thing to try when this one did not help.
    let alternatives = move || {
        widget
            .results
            .get_untracked()
            .hits
            .into_iter()
            .filter(|h| h.id != this_id)
            .take(3)
            .collect::<Vec<_>>()
    };
    let link_base = StoredValue::new(base.clone());
    let on_body_click = move |event: ev::MouseEvent| link_base.with_value(|b| follow_link(widget, b, &event));
    let summary = card.summary.clone();
    let body = move || match widget.article.get() {
        // Sanitized by kb-builder at build time (ammonia); nothing the visitor types goes in here.
        Shown::Full(_, html) => {
            view! { <div class="article-body" inner_html=html on:click=on_body_click></div> }.into_any()
        }
        Shown::Failed(_) => view! { <p class="status" role="status">{t().load_failed}</p> }.into_any(),
        _ => view! {
            <p class="article-summary">{summary.clone()}</p>
            <p class="status" role="status">{t().loading}</p>
        }
        .into_any(),
    };

    view! {
        <article class="article" lang=lang.code() aria-busy=move || widget.article.with(|a| matches!(a, Shown::Card(_)))>
            <h3 class="article-title" tabindex="-1">{card.title.clone()}</h3>
            {body}
            <p class="open-page">
                <a href=page_url target="_blank" rel="noopener">{move || t().open_in_help_center}</a>
            </p>
        </article>
        <section class="feedback" aria-labelledby="ad-feedback">
            {move || match widget.feedback.get() {
                None => {
                    view! {
                        <p id="ad-feedback">{t().helpful_question}</p>
                        <div class="choices">
                            <button type="button" class="choice" on:click=move |_| widget.give_feedback(true)>
                                {t().yes}
                            </button>
                            <button type="button" class="choice" on:click=move |_| widget.give_feedback(false)>
                                {t().no}
                            </button>
                        </div>
                    }
                        .into_any()
                }
                Some(true) => view! { <p id="ad-feedback" role="status">{t().thanks}</p> }.into_any(),
                Some(false) => {
                    view! {
                        <p id="ad-feedback" role="status">{t().sorry}</p>
                        <HitList widget hits=alternatives() best=false/>
                    }
                        .into_any()
                }
            }}
        </section>
        <NeedMore widget/>
    }
    .into_any()
}

/// Links inside an article: another article opens in the panel; anything else opens the help center (or
/// the external page) in a new tab, never replacing the host page.
fn follow_link(widget: Widget, base: &str, event: &ev::MouseEvent) {
    let Some(anchor) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())
    else {
        return;
    };
    let Some(href) = anchor.get_attribute("href") else { return };
    if href.starts_with('#') {
        return;
    }
    event.prevent_default();
    let segments: Vec<&str> = href.trim_matches('/').split('/').collect();
    if href.starts_with('/')
        && let [lang, _category, id] = segments.as_slice()
        && let Ok(lang) = lang.parse::<Lang>()
    {
        // An article's own URL: it opens in the panel (which says so if the article is gone).
        widget.open_article(id, lang);
        return;
    }
    bridge::open_in_new_tab(&absolute_url(base, &href));
}

/// Ways to reach a person, showing exactly what will be handed over.
#[component]
fn ContactScreen(widget: Widget) -> impl IntoView {
    let t = move || strings(widget.lang.get());
    let context = widget
        .journey
        .with_untracked(|j| j.escalation(&bridge::page_url(), widget.lang.get_untracked().code()));
    let (contact, kb_url) =
        widget.config.with_value(|c| (c.contact.clone().unwrap_or_default(), c.kb.clone()));
    let hours = widget.site.with_untracked(|s| s.business_hours.clone());
    let strings_now: &Strings = strings(widget.lang.get_untracked());
    let email_link = contact.email.map(|email| {
        let body =
            journey::summary(&context, strings_now.you_searched, strings_now.you_read, strings_now.page);
        let subject = context
            .searches
            .last()
            .map_or(strings_now.email_subject.to_owned(), |q| format!("{}: {q}", strings_now.email_subject));
        format!(
            "mailto:{email}?subject={}&body={}",
            js_sys::encode_uri_component(&subject),
            js_sys::encode_uri_component(&body)
        )
    });
    let searches = context.searches.join(" · ");
    let read: Vec<String> = context.articles.iter().map(|a| a.title.clone()).collect();
    let read = read.join(" · ");
    let help_center = help_center_base(&kb_url);

    view! {
        <div class="contact">
            <h3 class="contact-title" tabindex="-1">{move || t().talk_to_us}</h3>
            <p>{move || t().contact_intro}</p>
            {hours.map(|h| view! { <p class="hours">{t().hours.replace("{open}", &h.open).replace("{close}", &h.close)}</p> })}
            <dl class="handover">
                <Show when={
                    let empty = searches.is_empty();
                    move || !empty
                }>
                    <dt>{move || t().you_searched}</dt>
                    <dd>{searches.clone()}</dd>
                </Show>
                <Show when={
                    let empty = read.is_empty();
                    move || !empty
                }>
                    <dt>{move || t().you_read}</dt>
                    <dd>{read.clone()}</dd>
                </Show>
            </dl>
            <Show when=move || widget.chat_server().is_some()>
                <LiveChatOffer widget/>
                <h4 class="section">{move || t().other_ways}</h4>
            </Show>
            <div class="ways">
                {email_link.map(|href| view! { <a class="cta" href=href>{t().email_us}</a> })}
                {contact.url.map(|href| view! { <a class="cta secondary" href=href target="_blank" rel="noopener">{t().contact_page}</a> })}
                <a class="cta secondary" href=help_center target="_blank" rel="noopener">{t().browse}</a>
            </div>
        </div>
    }
}

/// Focus where the current screen starts: the search box, the article's title, or the contact heading.
fn focus_screen(widget: Widget, input: NodeRef<html::Input>) {
    if !widget.open.get_untracked() {
        return;
    }
    let target: Option<web_sys::HtmlElement> = match widget.screen.get_untracked() {
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

fn focus_is_inside() -> bool {
    bridge::shadow_root().and_then(|root| root.active_element()).is_some()
}

/// Keeps Tab inside the dialog: from the last focusable element to the first, and back with Shift.
fn trap_tab(event: &ev::KeyboardEvent) {
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
