//! "Draft an article": from a conversation (the visitor's words, the agent's replies) or a content gap
//! (the ways it was asked). First the articles that may already answer it (the duplicate guard), then the
//! proposed file to edit, saved for `kb-builder drafts pull` or downloaded.

use leptos::html;
use leptos::prelude::*;
use protocol::reports::ArticleDraft;
use protocol::rest::ArticleCard;
use wasm_bindgen::JsCast;

use crate::desk::Desk;
use crate::i18n::strings;

/// The question a draft answers, for the duplicate guard: its `title:` line.
fn title_of(markdown: &str) -> String {
    markdown
        .lines()
        .find_map(|line| line.strip_prefix("title: "))
        .map(|t| t.trim().trim_matches('"').replace("\\\"", "\""))
        .unwrap_or_default()
}

/// The language of a draft's path (`vi/…`).
fn lang_of(path: &str) -> String {
    path.split('/').next().unwrap_or("vi").to_owned()
}

/// Downloads `text` as `name` (a Blob URL: the console's CSP allows no `data:` navigation, and the file
/// never leaves the browser).
fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/markdown;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let link: Option<web_sys::HtmlAnchorElement> = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into().ok());
    if let Some(link) = link {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[component]
pub fn Draft(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let proposed = RwSignal::new(None::<Result<ArticleDraft, String>>);
    let existing = RwSignal::new(None::<Result<Vec<ArticleCard>, String>>);
    let saved = RwSignal::new(None::<Result<String, String>>);
    let path = RwSignal::new(String::new());
    let markdown = RwSignal::new(String::new());
    if let Some(request) = desk.draft_from.get_untracked() {
        let csrf = desk.csrf();
        leptos::task::spawn_local(async move {
            let draft = crate::api::propose_draft(&csrf, &request).await;
            if let Ok(draft) = &draft {
                path.set(draft.path.clone());
                markdown.set(draft.markdown.clone());
                let found = crate::api::articles(&title_of(&draft.markdown), &lang_of(&draft.path)).await;
                existing.set(Some(found));
            }
            proposed.set(Some(draft));
        });
    }
    let save = move |_| {
        let csrf = desk.csrf();
        let request = protocol::reports::SaveDraft {
            path: path.get_untracked(),
            markdown: markdown.get_untracked(),
            conversation_id: desk
                .draft_from
                .with_untracked(|f| f.as_ref().and_then(|f| f.conversation_id.clone())),
        };
        leptos::task::spawn_local(async move {
            saved.set(Some(crate::api::save_draft(&csrf, &request).await.map(|d| d.path)));
        });
    };
    let close = NodeRef::<html::Button>::new();
    let guard = move || {
        existing.get().map(|found| {
            let cards = match found {
                Ok(cards) => cards,
                // No help center connected (or it failed): say so rather than "nothing answers this".
                Err(reason) => {
                    return view! { <p class="guard unknown">{t().draft_guard_unavailable}" ("{reason}")"</p> }.into_any();
                }
            };
            if cards.is_empty() {
                view! { <p class="guard none">{t().draft_no_duplicate}</p> }.into_any()
            } else {
                let items = cards
                    .into_iter()
                    .map(|card| view! { <li><a href=card.url target="_blank" rel="noopener">{card.title}</a></li> })
                    .collect_view();
                view! { <div class="guard"><p>{t().draft_maybe_duplicate}</p><ul>{items}</ul></div> }.into_any()
            }
        })
    };
    let body = move || {
        match proposed.get() {
        None => view! { <p>{t().loading}</p> }.into_any(),
        Some(Err(reason)) => view! { <p class="problem" role="alert">{reason}</p> }.into_any(),
        Some(Ok(_)) => view! {
            {guard}
            <label class="draft-path">
                <span>{t().draft_path}</span>
                <input type="text" prop:value=move || path.get() on:input=move |e| path.set(event_target_value(&e))/>
            </label>
            <label class="draft-markdown">
                <span class="sr-only">{t().draft_title}</span>
                <textarea rows="16" prop:value=move || markdown.get() on:input=move |e| markdown.set(event_target_value(&e))></textarea>
            </label>
            <p class="hint">{t().draft_hint}</p>
            {move || saved.get().map(|result| match result {
                Ok(path) => view! { <p class="saved" role="status">{t().draft_saved.replace("{path}", &path)}</p> }.into_any(),
                Err(reason) => view! { <p class="problem" role="alert">{reason}</p> }.into_any(),
            })}
        }
        .into_any(),
    }
    };
    view! {
        <h2 id="dialog-title">{move || t().draft_title}</h2>
        <div class="scroll draft">{body}</div>
        <div class="buttons">
            <button node_ref=close type="button" class="ghost" on:click=move |_| desk.dialog.set(None)>{move || t().dismiss}</button>
            <button type="button" class="ghost download"
                disabled=move || markdown.with(String::is_empty)
                on:click=move |_| {
                    let name = path.with_untracked(|p| p.rsplit('/').next().unwrap_or("draft.md").to_owned());
                    download(&name, &markdown.get_untracked());
                }>
                {move || t().draft_download}
            </button>
            <button type="button" class="primary save-draft" disabled=move || markdown.with(String::is_empty) on:click=save>
                {move || t().draft_save}
            </button>
        </div>
    }
}
