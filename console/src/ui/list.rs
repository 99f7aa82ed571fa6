//! The queues, and the list of the shown queue's conversations with its search box.

use leptos::prelude::*;
use protocol::chat::ConversationSummary;

use crate::desk::Desk;
use crate::i18n::{Strings, strings};
use crate::inbox::{Queue, visitor_label};

/// A stable name for a queue, on its button (`mine`, `unassigned:returns`, `all`, `closed`).
fn queue_key(queue: &Queue) -> String {
    match queue {
        Queue::Mine => "mine".into(),
        Queue::Unassigned(team) => format!("unassigned:{team}"),
        Queue::All => "all".into(),
        Queue::Closed => "closed".into(),
    }
}

fn queue_name(t: &Strings, queue: &Queue) -> String {
    match queue {
        Queue::Mine => t.mine.to_owned(),
        Queue::Unassigned(team) => t.unassigned.replace("{team}", team),
        Queue::All => t.all_open.to_owned(),
        Queue::Closed => t.closed.to_owned(),
    }
}

#[component]
pub fn Queues(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let queues = Memo::new(move |_| desk.inbox.with(|inbox| inbox.queues()));
    let rows = move || {
        queues
            .get()
            .into_iter()
            .enumerate()
            .map(|(n, queue)| {
                let shown = {
                    let queue = queue.clone();
                    move || desk.inbox.with(|inbox| inbox.queue.as_ref() == Some(&queue))
                };
                let count = {
                    let queue = queue.clone();
                    move || desk.inbox.with(|inbox| inbox.count(&queue))
                };
                let name = {
                    let queue = queue.clone();
                    move || queue_name(t(), &queue)
                };
                let key = queue_key(&queue);
                let title = name.clone();
                let on_click = move |_| desk.show_queue(queue.clone());
                view! {
                    <li>
                        <button
                            type="button"
                            class="queue"
                            data-queue=key
                            title=title
                            class:shown=shown.clone()
                            aria-current=move || shown().then_some("true")
                            aria-keyshortcuts=(n + 1).to_string()
                            on:click=on_click
                        >
                            <span class="name">{name}</span>
                            {move || {
                                let (all, unread) = count();
                                view! {
                                    <span class="count">{all}</span>
                                    {(unread > 0).then(|| view! {
                                        <span class="badge" title=move || t().unread>{unread}</span>
                                    })}
                                }
                            }}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="queues" aria-label=move || t().queues>
            <ul>{rows}</ul>
        </nav>
    }
}

#[component]
pub fn Conversations(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let on_input = move |event| {
        let text = event_target_value(&event);
        desk.inbox.update(|inbox| inbox.set_filter(&text));
        desk.search_everywhere(text);
    };
    // Redrawn only when the listed conversations change, not on every frame.
    let listed =
        Memo::new(move |_| desk.inbox.with(|inbox| (inbox.listed(), inbox.elsewhere(), inbox.filtering())));
    let rows = move || {
        let (listed, elsewhere, filtering) = listed.get();
        let here = if listed.is_empty() {
            let text = if filtering { t().no_match } else { t().empty_queue };
            view! { <p class="empty">{text}</p> }.into_any()
        } else {
            let items = listed.into_iter().map(|c| view! { <Row desk conversation=c/> }).collect_view();
            view! { <ul class="rows" role="listbox" aria-label=move || t().queues>{items}</ul> }.into_any()
        };
        // What the server's search found in other lists (closed long ago, another team's…).
        let elsewhere = (!elsewhere.is_empty()).then(|| {
            let items = elsewhere.into_iter().map(|c| view! { <Row desk conversation=c/> }).collect_view();
            view! {
                <h3 class="elsewhere">{move || t().elsewhere}</h3>
                <ul class="rows elsewhere" role="listbox" aria-label=move || t().elsewhere>{items}</ul>
            }
        });
        view! { {here} {elsewhere} }.into_any()
    };
    view! {
        <section class="list">
            <label class="search">
                <span class="sr-only">{move || t().filter}</span>
                <input
                    node_ref=desk.search
                    type="search"
                    placeholder=move || t().filter
                    aria-keyshortcuts="/"
                    on:input=on_input
                />
            </label>
            <div class="scroll">{rows}</div>
        </section>
    }
}

#[component]
fn Row(desk: Desk, conversation: ConversationSummary) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let id = conversation.id.clone();
    let highlighted = {
        let id = id.clone();
        move || desk.cursor.with(|c| c.as_deref() == Some(id.as_str()))
    };
    let open = {
        let id = id.clone();
        move || desk.inbox.with(|inbox| inbox.selected.as_deref() == Some(id.as_str()))
    };
    let me =
        desk.session.with_untracked(|s| s.as_ref().map(|s| s.agent.username.clone())).unwrap_or_default();
    let assignee = conversation.assignee.clone().filter(|a| *a != me);
    let preview = conversation.preview.clone().or_else(|| conversation.context.searches.last().cloned());
    let started = conversation.started_at.clone();
    let time = move || crate::clock::short(&started, &desk.locale());
    let verified = crate::inbox::label_vouched(&conversation);
    let unread = conversation.unread;
    let on_click = {
        let id = id.clone();
        move |_| desk.open(id.clone())
    };
    // The highlight follows j/k: keep it in view.
    let row = NodeRef::<leptos::html::Li>::new();
    Effect::new({
        let highlighted = highlighted.clone();
        move |_| {
            if highlighted()
                && let Some(element) = row.get()
            {
                element.scroll_into_view_with_bool(false);
            }
        }
    });
    view! {
        <li
            node_ref=row
            role="option"
            class="row"
            class:highlighted=highlighted.clone()
            class:open=open
            class:unread={unread > 0}
            aria-selected=move || if highlighted() { "true" } else { "false" }
            data-id=id
            on:click=on_click
        >
            <span class="who">
                <strong>{visitor_label(&conversation)}</strong>
                {verified.map(|v| view! {
                    <span class="identity" class:verified=v title=move || if v { t().verified } else { t().unverified }>
                        {move || if v { "✓" } else { "?" }}
                    </span>
                })}
            </span>
            <time class="when">{time}</time>
            <span class="preview">
                {preview.map_or_else(|| t().no_message_yet.to_owned(), |p| crate::reveal::reveal(&p).into_owned())}
            </span>
            <span class="tags">
                {conversation.team.clone().map(|team| view! { <span class="tag">{team}</span> })}
                {assignee.map(|a| view! { <span class="tag assignee">{move || t().assigned_to.replace("{agent}", &a)}</span> })}
                {(unread > 0).then(|| view! { <span class="badge" title=move || t().unread>{unread}</span> })}
            </span>
        </li>
    }
}
