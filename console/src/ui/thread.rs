//! The open conversation: who it is with and what can be done with it, its messages as a live log, and
//! the reply box (replies, private notes, canned replies through `/`, help-center articles through `#`).

use leptos::ev;
use leptos::prelude::*;
use protocol::chat::{Author, ChatMessage, ConversationStatus};
use wasm_bindgen::JsCast;

use crate::articles::{hash_query, insert_text};
use crate::canned::{matching, slash_query};
use crate::desk::{Desk, Dialog, Mode};
use crate::i18n::strings;
use crate::inbox::visitor_label;
use crate::reveal::reveal;

/// One line of the reply box's picker: a canned reply or an article, and the text it puts in the box.
#[derive(Debug, Clone, PartialEq)]
struct Suggestion {
    title: String,
    detail: String,
    text: String,
}

/// What the picker shows while the reply box starts with `/` or `#`.
#[derive(Debug, Clone, PartialEq)]
struct Picker {
    articles: bool,
    /// Nothing typed after the `#` yet.
    empty_query: bool,
    /// `None` while the help center's answer is on its way.
    items: Option<Vec<Suggestion>>,
}

/// Gaps between the agent's "typing" reports, and how long after the last keystroke it stops.
const TYPING_REPORT_MS: f64 = 2_500.0;
const TYPING_STOP_MS: i32 = 3_000;

#[component]
pub fn Thread(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    // Rebuilt only when another conversation opens or this one closes, so the reply box keeps its focus
    // and caret while messages arrive.
    let shown = Memo::new(move |_| {
        desk.inbox
            .with(|inbox| inbox.current().map(|c| (c.id.clone(), c.status == ConversationStatus::Closed)))
    });
    move || {
        let Some((id, closed)) = shown.get() else {
            return view! {
                <main class="thread idle"><p class="empty">{t().pick_conversation}</p></main>
            }
            .into_any();
        };
        view! {
            <main class="thread" aria-labelledby="thread-title">
                <Head desk/>
                <Messages desk id=id.clone()/>
                {if closed {
                    view! { <p class="closed-notice" role="status">{t().closed_notice}</p> }.into_any()
                } else {
                    view! { <Composer desk id/> }.into_any()
                }}
            </main>
        }
        .into_any()
    }
}

/// Who the conversation is with, its team and assignee, and what can be done with it.
#[component]
fn Head(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let current = Memo::new(move |_| desk.inbox.with(|inbox| inbox.current().cloned()));
    move || {
        let current = current.get()?;
        let closed = current.status == ConversationStatus::Closed;
        let me = desk.session.with(|s| s.as_ref().map(|s| s.agent.username.clone())).unwrap_or_default();
        let mine = current.assignee.as_deref() == Some(me.as_str());
        let assigned = current.assignee.is_some();
        Some(view! {
            <header class="thread-head">
                <h2 id="thread-title">{visitor_label(&current)}</h2>
                <span class="status" class:closed=closed>
                    {current.team.clone().unwrap_or_else(|| t().no_team.to_owned())}
                    {current.assignee.clone().map(|a| format!(" · {a}"))}
                </span>
                <span class="spacer"></span>
                {closed.then(|| {
                    let id = current.id.clone();
                    view! {
                        <button type="button" class="ghost draft-article" on:click=move |_| desk.draft(
                            protocol::reports::ProposeDraft { conversation_id: Some(id.clone()), ..Default::default() },
                        )>{t().draft_article}</button>
                    }
                })}
                {(!closed).then(|| view! {
                    <div class="actions">
                        {(!mine).then(|| view! {
                            <button type="button" class="assign" aria-keyshortcuts="a" on:click=move |_| desk.assign(true)>
                                {t().assign_me}<kbd>"a"</kbd>
                            </button>
                        })}
                        {assigned.then(|| view! {
                            <button type="button" class="unassign" aria-keyshortcuts="u" on:click=move |_| desk.assign(false)>
                                {t().unassign}<kbd>"u"</kbd>
                            </button>
                        })}
                        <button type="button" class="close danger" aria-keyshortcuts="e"
                            on:click=move |_| desk.dialog.set(Some(Dialog::ConfirmClose))>
                            {t().close}<kbd>"e"</kbd>
                        </button>
                    </div>
                })}
            </header>
        })
    }
}

fn author_name(message: &ChatMessage, visitor: &str) -> String {
    match &message.author {
        Author::Visitor => visitor.to_owned(),
        Author::Agent { name } => name.clone(),
        Author::System => String::new(),
    }
}

#[component]
fn Messages(desk: Desk, id: String) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let log = NodeRef::<leptos::html::Ol>::new();
    // Redrawn only when what it shows changes (not on every typing report).
    let shown = {
        let id = id.clone();
        Memo::new(move |_| {
            desk.inbox.with(|inbox| {
                let visitor = inbox.conversation(&id).map(visitor_label).unwrap_or_default();
                (inbox.messages(&id), inbox.sending(&id), inbox.visitor_read(&id), visitor, inbox.loaded(&id))
            })
        })
    };
    let items = {
        move || {
            let (messages, sending, read, visitor, loaded) = shown.get();
            if !loaded {
                return view! { <li class="loading">{t().loading}</li> }.into_any();
            }
            let here = desk.locale();
            // "seen" goes under the last reply the visitor has read.
            let seen_at = messages
                .iter()
                .filter(|m| matches!(m.author, Author::Agent { .. }) && !m.private && m.seq <= read)
                .map(|m| m.seq)
                .max();
            let committed = messages.into_iter().map(|m| {
                let kind = if m.private {
                    "note"
                } else {
                    match m.author {
                        Author::Visitor => "visitor",
                        Author::Agent { .. } => "agent",
                        Author::System => "system",
                    }
                };
                let who = author_name(&m, &visitor);
                let when = crate::clock::short(&m.sent_at, &here);
                let title = crate::clock::long(&m.sent_at, &here);
                let seen = seen_at == Some(m.seq);
                view! {
                    <li class=format!("msg {kind}") data-seq=m.seq>
                        <span class="meta">
                            {(!who.is_empty()).then(|| view! { <span class="author">{who}</span> })}
                            {m.private.then(|| view! { <span class="note-tag">{t().private_note}</span> })}
                            <time title=title>{when}</time>
                            {seen.then(|| view! { <span class="seen">{t().seen}</span> })}
                        </span>
                        <span class="body">{reveal(&m.body).into_owned()}</span>
                    </li>
                }
            });
            let pending = sending.into_iter().map(|o| {
                let kind = if o.private { "note" } else { "agent" };
                view! {
                    <li class=format!("msg {kind} pending") aria-busy="true">
                        <span class="meta"><span class="sending">{t().sending}</span></span>
                        <span class="body">{o.body}</span>
                    </li>
                }
            });
            view! { {committed.collect_view()}{pending.collect_view()} }.into_any()
        }
    };
    let typing = {
        let id = id.clone();
        move || desk.inbox.with(|inbox| inbox.visitor_typing(&id))
    };
    // New messages scroll into view.
    Effect::new(move |_| {
        shown.track();
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
        }
    });
    view! {
        <ol class="messages" node_ref=log role="log" aria-live="polite" aria-label=move || t().messages_label>
            {items}
        </ol>
        <p class="typing" aria-live="polite">{move || typing().then(|| t().visitor_typing)}</p>
    }
}

/// The reply box's text, read outside any reactive scope (after an await).
fn now_typed_untracked(draft: &impl Fn() -> String) -> String {
    leptos::prelude::untrack(draft)
}

#[component]
fn Composer(desk: Desk, id: String) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let drafts = desk.drafts;
    let draft = {
        let id = id.clone();
        move || drafts.with(|d| d.get(&id).cloned().unwrap_or_default())
    };
    let set_draft = {
        let id = id.clone();
        move |text: String| {
            drafts.update(|d| {
                d.insert(id.clone(), text);
            })
        }
    };
    let picked = RwSignal::new(0_usize);
    // The help center's answer, with the query it answers, so a late answer to an older query is ignored.
    let found = RwSignal::new(None::<(String, Vec<Suggestion>)>);
    {
        let draft = draft.clone();
        let id = id.clone();
        Effect::new(move |_| {
            let text = draft();
            let Some(query) = hash_query(&text).map(str::to_owned) else { return };
            if query.is_empty() || found.with_untracked(|f| f.as_ref().is_some_and(|(q, _)| *q == query)) {
                return;
            }
            let lang =
                desk.inbox.with_untracked(|i| i.context(&id).map(|c| c.lang.clone())).unwrap_or_default();
            let now_typed = draft.clone();
            leptos::task::spawn_local(async move {
                let cards = crate::api::articles(&query, &lang).await.unwrap_or_default();
                // Answers can come back out of order (each request has its own connection): one for a
                // query the agent has typed past must not replace the newer one's.
                if hash_query(&now_typed_untracked(&now_typed)) != Some(query.as_str()) {
                    return;
                }
                let items = cards
                    .iter()
                    .map(|card| Suggestion {
                        title: card.title.clone(),
                        detail: card.url.clone(),
                        text: insert_text(card),
                    })
                    .collect();
                found.set(Some((query, items)));
            });
        });
    }
    let suggestions = {
        let draft = draft.clone();
        move || {
            let text = draft();
            if let Some(query) = hash_query(&text) {
                let items =
                    found.with(|f| f.as_ref().filter(|(q, _)| q == query).map(|(_, items)| items.clone()));
                return Some(Picker { articles: true, empty_query: query.is_empty(), items });
            }
            let query = slash_query(&text)?.to_owned();
            let items = desk.canned.with(|canned| {
                matching(canned, &query)
                    .into_iter()
                    .map(|r| Suggestion {
                        title: r.title.clone(),
                        detail: r.body.clone(),
                        text: r.body.clone(),
                    })
                    .collect()
            });
            Some(Picker { articles: false, empty_query: false, items: Some(items) })
        }
    };
    let last_report = StoredValue::new(0.0_f64);
    let stop_timer = StoredValue::new(None::<i32>);
    let report_typing = move || {
        let now = js_sys::Date::now();
        if now - last_report.get_value() > TYPING_REPORT_MS {
            last_report.set_value(now);
            desk.typing(true);
        }
        let window = web_sys::window();
        if let (Some(window), Some(timer)) = (&window, stop_timer.get_value()) {
            window.clear_timeout_with_handle(timer);
        }
        let stop = wasm_bindgen::closure::Closure::once_into_js(move || {
            last_report.set_value(0.0);
            desk.typing(false);
        });
        let timer = window.and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(stop.unchecked_ref(), TYPING_STOP_MS).ok()
        });
        stop_timer.set_value(timer);
    };
    let send = {
        let set_draft = set_draft.clone();
        let draft = draft.clone();
        move || {
            if desk.write(draft()) {
                set_draft(String::new());
                last_report.set_value(0.0);
            }
        }
    };
    let insert = {
        let set_draft = set_draft.clone();
        move |body: String| {
            set_draft(body);
            picked.set(0);
            if let Some(area) = desk.composer.get_untracked() {
                let _ = area.focus();
            }
        }
    };
    let on_input = {
        let set_draft = set_draft.clone();
        move |event: ev::Event| {
            set_draft(event_target_value(&event));
            picked.set(0);
            report_typing();
        }
    };
    let on_keydown = {
        let suggestions = suggestions.clone();
        let insert = insert.clone();
        let send = send.clone();
        let set_draft = set_draft.clone();
        move |event: ev::KeyboardEvent| {
            let key = event.key();
            if let Some(picker) = suggestions() {
                let list = picker.items.unwrap_or_default();
                let last = list.len().saturating_sub(1);
                match key.as_str() {
                    "ArrowDown" => picked.update(|p| *p = (*p + 1).min(last)),
                    "ArrowUp" => picked.update(|p| *p = p.saturating_sub(1)),
                    "Enter" | "Tab" if !list.is_empty() => {
                        insert(list[picked.get_untracked().min(last)].text.clone());
                    }
                    // Still searching, or nothing found: Enter must not send "#…" to the visitor.
                    "Enter" if picker.articles => {}
                    "Escape" => set_draft(String::new()),
                    _ => return,
                }
                event.prevent_default();
                event.stop_propagation();
                return;
            }
            if key == "Enter" && !event.shift_key() && !event.is_composing() {
                event.prevent_default();
                send();
            }
        }
    };
    let on_submit = {
        let send = send.clone();
        move |event: ev::SubmitEvent| {
            event.prevent_default();
            send();
        }
    };
    let start_with = {
        let set_draft = set_draft.clone();
        move |prefix: &str| {
            set_draft(prefix.into());
            picked.set(0);
            if let Some(area) = desk.composer.get_untracked() {
                let _ = area.focus();
            }
        }
    };
    let open_canned = {
        let start_with = start_with.clone();
        move |_| start_with("/")
    };
    let open_articles = move |_| start_with("#");
    let note = move || desk.mode.get() == Mode::Note;
    let popup = move || {
        let picker = suggestions()?;
        let insert = insert.clone();
        let (label, none) =
            if picker.articles { (t().articles, t().articles_none) } else { (t().canned, t().canned_none) };
        let items = match picker.items {
            _ if picker.empty_query => view! { <li class="none">{t().articles_hint}</li> }.into_any(),
            None => view! { <li class="none">{t().articles_searching}</li> }.into_any(),
            Some(list) if list.is_empty() => view! { <li class="none">{none}</li> }.into_any(),
            Some(list) => list
                .into_iter()
                .enumerate()
                .map(|(n, item)| {
                    let insert = insert.clone();
                    let text = item.text.clone();
                    view! {
                        <li
                            role="option"
                            class:picked=move || picked.get() == n
                            aria-selected=move || if picked.get() == n { "true" } else { "false" }
                            on:mousedown=move |event: ev::MouseEvent| {
                                event.prevent_default();
                                insert(text.clone());
                            }
                        >
                            <strong>{item.title}</strong>
                            <span>{item.detail}</span>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
        };
        Some(
            view! { <ul class="canned" class:articles=picker.articles role="listbox" aria-label=label>{items}</ul> },
        )
    };
    view! {
        <form class="composer" class:note=note on:submit=on_submit>
            <div class="modes" role="group">
                <button type="button" aria-pressed=move || if note() { "false" } else { "true" }
                    aria-keyshortcuts="r" on:click=move |_| desk.focus_composer(Mode::Reply)>
                    {move || t().reply}<kbd>"r"</kbd>
                </button>
                <button type="button" aria-pressed=move || if note() { "true" } else { "false" }
                    aria-keyshortcuts="n" on:click=move |_| desk.focus_composer(Mode::Note)>
                    {move || t().note}<kbd>"n"</kbd>
                </button>
                <span class="spacer"></span>
                <button type="button" class="ghost articles-open" on:click=open_articles>{move || t().articles}</button>
                <button type="button" class="ghost canned-open" on:click=open_canned>{move || t().canned}</button>
            </div>
            {popup}
            <textarea
                node_ref=desk.composer
                rows="3"
                aria-label=move || if note() { t().note } else { t().reply }
                placeholder=move || if note() { t().note_placeholder } else { t().reply_placeholder }
                prop:value=draft
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <button class="primary send" type="submit">{move || if note() { t().add_note } else { t().send }}</button>
        </form>
    }
}
