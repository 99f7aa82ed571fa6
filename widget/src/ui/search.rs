//! The search screen: the search box, the results (or the suggested articles), and a person offered
//! under an answer the engine is not sure of.

use kb_core::{Hit, Snippet};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::{AskUs, NeedMore};
use crate::focus;
use crate::state::{KbStatus, SETTLE_AFTER, Widget};

/// The search box, the results (or suggestions), and the way to a person.
#[component]
pub(super) fn SearchScreen(widget: Widget, input: NodeRef<html::Input>) -> impl IntoView {
    let t = move || widget.panel.strings();
    // The query counts as asked once the visitor pauses.
    let pause = StoredValue::new_local(None::<TimeoutHandle>);
    let on_input = move |event: ev::Event| {
        widget.search.type_query(event_target_value(&event));
        if let Some(handle) = pause.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || widget.settle_search(), SETTLE_AFTER);
        pause.set_value(handle.ok());
    };
    let on_keydown = move |event: ev::KeyboardEvent| match event.key().as_str() {
        "Enter" => {
            event.prevent_default();
            widget.settle_search();
            if let Some(first) = widget.search.results.get_untracked().hits.first() {
                widget.open_article(&first.id, first.lang);
            }
        }
        "ArrowDown" => {
            event.prevent_default();
            focus::next_result(1);
        }
        _ => {}
    };

    let status = move || match widget.panel.kb.get() {
        KbStatus::Loading => t().loading.to_owned(),
        KbStatus::Failed => t().load_failed.to_owned(),
        KbStatus::Ready => {
            let query = widget.search.query.get();
            let (n, answered, failed) =
                widget.search.results.with(|r| (r.hits.len(), r.query == query, r.failed));
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
                prop:value=move || widget.search.query.get()
                on:input=on_input
                on:keydown=on_keydown
            />
        </div>
        <p id="ad-status" class="status" aria-live="polite">
            {status}
        </p>
        <div id="ad-results" on:keydown=focus::results_keydown>
            {move || {
                let query = widget.search.query.get();
                if query.trim().is_empty() {
                    let suggested = widget.search.suggested.get();
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
                    let results = widget.search.results.get();
                    // Not confident once the visitor has finished asking: a person, right under the results.
                    let unsure = !results.confident;
                    view! {
                        <Show when=move || results.other_language>
                            <h3 class="section">{t().other_language}</h3>
                        </Show>
                        <HitList widget hits=results.hits best=results.confident/>
                        <Show when=move || unsure && widget.search.settled.get()>
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

/// A list of results, each a button that opens the article in the panel. `best`: the engine is confident
/// the first one answers the question, so it is marked as the answer.
#[component]
pub(super) fn HitList(widget: Widget, hits: Vec<Hit>, best: bool) -> impl IntoView {
    let t = move || widget.panel.strings();
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
pub(super) fn highlighted(snippet: &Snippet) -> Vec<AnyView> {
    let piece = |(text, marked): (&str, bool)| {
        let text = text.to_owned();
        if marked { view! { <mark>{text}</mark> }.into_any() } else { text.into_any() }
    };
    snippet.pieces().into_iter().map(piece).collect()
}
