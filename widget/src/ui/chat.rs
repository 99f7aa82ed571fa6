//! The chat screen: the conversation with the team, what is on its way, the composer, and the rating
//! after an agent closes it. Every message is put on the page as text.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use protocol::chat::{Author, ChatMessage, ConversationStatus};

use crate::chat::{Link, RatingStep};
use crate::i18n::strings;
use crate::state::Widget;

/// Gaps between the visitor's "typing" reports, and how long after the last keystroke it stops.
const TYPING_REPORT_MS: f64 = 2_500.0;
const TYPING_STOP_MS: u64 = 3_000;

/// The conversation: messages, what is on its way, the agent typing, the composer, and the rating.
#[component]
pub(super) fn ChatScreen(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let log: NodeRef<html::Ol> = NodeRef::new();
    // Seen as soon as it is on screen, and whenever something new arrives while it is.
    Effect::new(move |_| {
        widget.live.chat.with(|chat| chat.messages.len());
        if widget.panel.open.get() {
            widget.live.note_seen();
        }
        if let Some(log) = log.get() {
            log.set_scroll_top(log.scroll_height());
        }
    });

    let phase =
        Memo::new(move |_| widget.live.chat.with(|c| (c.link, c.status, c.rating, c.problem.clone())));
    let messages = move || {
        widget.live.chat.with(|chat| {
            let read_up_to = chat.agent_read_up_to;
            let mut items: Vec<AnyView> =
                chat.messages.iter().map(|m| message_view(widget, m, read_up_to)).collect();
            items.extend(chat.outbox.iter().map(|o| {
                let client_id = o.client_id.clone();
                let state = match o.refused {
                    None => view! { <span class="meta">{t().sending}</span> }.into_any(),
                    Some(_) => view! {
                        <span class="meta problem">{t().not_sent}" "
                            <button type="button" class="link" on:click=move |_| widget.live.retry(&client_id)>
                                {t().retry}
                            </button>
                        </span>
                    }
                    .into_any(),
                };
                view! {
                    <li class="msg visitor pending">
                        <span class="who">{t().you}</span>
                        <p class="text">{o.body.clone()}</p>
                        {state}
                    </li>
                }
                .into_any()
            }));
            items
        })
    };

    view! {
        <div class="chat">
            <h3 class="chat-title" tabindex="-1">{move || t().talk_to_us}</h3>
            {move || {
                widget.live.left_email.get().map(|email| view! {
                    <p class="notice" role="status">{t().left_message.replace("{email}", &email)}</p>
                })
            }}
            <ol class="log" node_ref=log aria-live="polite" aria-label=move || t().talk_to_us>
                {messages}
            </ol>
            <p class="typing" aria-live="polite">
                {move || widget.live.chat.with(|c| c.agent_typing).then(|| t().agent_typing)}
            </p>
            <p class="queue" role="status">
                {move || widget.live.chat.with(|c| c.queue.as_ref().map(|q| t().queue(q)))}
            </p>
            {move || {
                // Only a change of phase redraws this part, so the composer keeps what is being typed.
                let (link, status, rating, problem) = phase.get();
                match (link, status) {
                    (Link::Gone, _) => view! {
                        <p class="status">{t().chat_gone}</p>
                        <button class="cta" type="button" on:click=move |_| widget.new_conversation()>{t().new_conversation}</button>
                    }.into_any(),
                    (_, ConversationStatus::Closed) => view! { <Rating widget rating/> }.into_any(),
                    (link, ConversationStatus::Open) => view! {
                        {(link == Link::Connecting).then(|| view! { <p class="status">{t().reconnecting}</p> })}
                        {problem.map(|p| view! { <p class="problem" role="alert">{p}</p> })}
                        <Composer widget/>
                    }.into_any(),
                }
            }}
        </div>
    }
}

fn message_view(widget: Widget, message: &ChatMessage, read_up_to: u64) -> AnyView {
    let t = strings(widget.panel.lang.get_untracked());
    let (class, who) = match &message.author {
        Author::Visitor => ("msg visitor", t.you.to_owned()),
        Author::Agent { name } => {
            ("msg agent", if name.is_empty() { t.our_team.to_owned() } else { name.clone() })
        }
        Author::System => ("msg system", String::new()),
    };
    let seen = matches!(message.author, Author::Visitor) && message.seq <= read_up_to;
    view! {
        <li class=class data-seq=message.seq>
            {(!who.is_empty()).then(|| view! { <span class="who">{who}</span> })}
            <p class="text">{message.body.clone()}</p>
            {seen.then(|| view! { <span class="meta">{t.seen}</span> })}
        </li>
    }
    .into_any()
}

/// The message box: Enter sends, Shift+Enter makes a new line; typing is reported, throttled.
#[component]
fn Composer(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let text = RwSignal::new(String::new());
    let last_report = StoredValue::new(0.0_f64);
    let stop = StoredValue::new_local(None::<TimeoutHandle>);
    let send = move || {
        widget.live.send(text.get_untracked());
        text.set(String::new());
        last_report.set_value(0.0);
    };
    let on_input = move |event: ev::Event| {
        text.set(event_target_value(&event));
        let now = js_sys::Date::now();
        if now - last_report.get_value() > TYPING_REPORT_MS {
            last_report.set_value(now);
            widget.live.typing(true);
        }
        if let Some(handle) = stop.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                last_report.set_value(0.0);
                widget.live.typing(false);
            },
            std::time::Duration::from_millis(TYPING_STOP_MS),
        );
        stop.set_value(handle.ok());
    };
    let on_keydown = move |event: ev::KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            send();
        }
    };
    view! {
        <form class="composer" on:submit=move |event: ev::SubmitEvent| {
            event.prevent_default();
            send();
        }>
            <textarea
                class="compose"
                rows="2"
                aria-label=move || t().composer_label
                placeholder=move || t().composer_label
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <button class="cta send" type="submit" disabled=move || text.with(|t| t.trim().is_empty())>
                {move || t().send}
            </button>
        </form>
    }
}

/// After an agent closes the conversation: 1–5 and an optional comment, then (when the desk asks it)
/// "how likely are you to recommend us?" 0–10 or skip, then thanks.
#[component]
fn Rating(widget: Widget, rating: RatingStep) -> impl IntoView {
    let t = move || widget.panel.strings();
    let score = RwSignal::new(None::<u8>);
    let comment: NodeRef<html::Textarea> = NodeRef::new();
    let body = match rating {
        RatingStep::Thanked => view! { <p class="thanks" role="status">{t().rate_thanks}</p> }.into_any(),
        RatingStep::Recommend | RatingStep::Recommending => {
            let buttons = (0..=10u8)
                .map(|n| {
                    view! {
                        <button type="button" class="score" disabled=rating == RatingStep::Recommending
                            on:click=move |_| widget.live.recommend(Some(n))>
                            {n}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <div class="recommend">
                    <p class="thanks" role="status">{t().rate_thanks}</p>
                    <p id="ad-recommend">{move || t().recommend_question}</p>
                    <div class="scores" role="group" aria-labelledby="ad-recommend">{buttons}</div>
                    <p class="ends" aria-hidden="true">
                        <span>{move || t().recommend_low}</span>
                        <span>{move || t().recommend_high}</span>
                    </p>
                    <button class="link skip" type="button" on:click=move |_| widget.live.recommend(None)>
                        {move || t().recommend_skip}
                    </button>
                </div>
            }
            .into_any()
        }
        RatingStep::NotAsked | RatingStep::Asked | RatingStep::Sending => {
            let buttons = (1..=5u8)
                .map(|n| {
                    let label = move || format!("{n} – {}", t().rate_labels[usize::from(n - 1)]);
                    view! {
                        <button
                            type="button"
                            class="star"
                            aria-label=label
                            title=label
                            aria-pressed=move || (score.get() == Some(n)).to_string()
                            on:click=move |_| score.set(Some(n))
                        >
                            {n}
                        </button>
                    }
                })
                .collect_view();
            let on_submit = move |event: ev::SubmitEvent| {
                event.prevent_default();
                if let Some(n) = score.get_untracked() {
                    let text = comment.get_untracked().map(|c| c.value()).unwrap_or_default();
                    widget.live.rate(n, text);
                }
            };
            view! {
                <form class="rating" on:submit=on_submit>
                    <p id="ad-rate">{move || t().rate_question}</p>
                    <div class="stars" role="group" aria-labelledby="ad-rate">{buttons}</div>
                    <label>
                        <span>{move || t().rate_comment}</span>
                        <textarea node_ref=comment name="comment" rows="2"></textarea>
                    </label>
                    <button
                        class="cta"
                        type="submit"
                        disabled=move || score.get().is_none() || rating == RatingStep::Sending
                    >
                        {move || t().rate_send}
                    </button>
                </form>
            }
            .into_any()
        }
    };
    view! {
        <p class="status">{move || t().closed_notice}</p>
        {body}
        <button class="cta secondary" type="button" on:click=move |_| widget.new_conversation()>
            {move || t().new_conversation}
        </button>
    }
}
