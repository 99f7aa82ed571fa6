//! The article screen: one article read inside the panel, with "did this answer your question?", and
//! the other results to try when it did not.

use kb_core::Lang;
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::NeedMore;
use super::search::HitList;
use crate::bridge;
use crate::config::{absolute_url, help_center_base};
use crate::state::{Shown, Widget};

/// One article, read inside the panel, with "did this answer your question?": the title and summary at
/// once, the body when it has arrived.
#[component]
pub(super) fn ArticleScreen(widget: Widget, id: String, lang: Lang) -> impl IntoView {
    let t = move || widget.panel.strings();
    let Some(card) = widget.search.article.with_untracked(|a| a.card().cloned()) else {
        return view! {
            <p class="status" role="status">{t().load_failed}</p>
            <NeedMore widget/>
        }
        .into_any();
    };
    let base = widget.panel.config.with_value(|c| help_center_base(&c.kb));
    let page_url = absolute_url(&base, &card.url);
    let this_id = id.clone();
    // Other results of the last search: the next thing to try when this one did not help.
    let alternatives = move || {
        let hits = widget.search.results.get_untracked().hits;
        hits.into_iter().filter(|h| h.id != this_id).take(3).collect::<Vec<_>>()
    };
    let link_base = StoredValue::new(base.clone());
    let on_body_click = move |event: ev::MouseEvent| link_base.with_value(|b| follow_link(widget, b, &event));
    let summary = card.summary.clone();
    let body = move || match widget.search.article.get() {
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
        <article class="article" lang=lang.code() aria-busy=move || widget.search.article.with(|a| matches!(a, Shown::Card(_)))>
            <h3 class="article-title" tabindex="-1">{card.title.clone()}</h3>
            {body}
            <p class="open-page">
                <a href=page_url target="_blank" rel="noopener">{move || t().open_in_help_center}</a>
            </p>
        </article>
        <section class="feedback" aria-labelledby="ad-feedback">
            {move || match widget.search.feedback.get() {
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
