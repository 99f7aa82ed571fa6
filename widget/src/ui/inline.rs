//! The help center's own search box, answered as the visitor types: the results in a list under the box,
//! each a link to its article's page. The box is the page's (`data-answerdesk-search`), so without the
//! widget it still lists all articles; the list lives in a shadow root of its own beside the box.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{HtmlInputElement, ShadowRoot};

use super::search::highlighted;
use crate::state::{KbStatus, SETTLE_AFTER, Widget};

/// The list's styles, in its shadow root (the page's CSS cannot reach it).
const STYLESHEET: &str = "\
.inline{font:16px/1.45 system-ui,sans-serif;color:inherit;margin:8px 0 16px}\
.status{margin:4px 2px;font-size:14px;opacity:.75}\
.hits{list-style:none;margin:0;padding:0}\
.hit{display:block;padding:8px 10px;border-radius:8px;color:inherit;text-decoration:none}\
.hit:hover,.hit:focus{background:#8881;outline:2px solid #0b6bcb;outline-offset:-2px}\
.hit-title{display:block;font-weight:600;color:#0b6bcb}\
.hit-snippet{display:block;font-size:14px;opacity:.85}\
.best-label{display:inline-block;margin-bottom:2px;padding:0 6px;border-radius:6px;font-size:12px;font-weight:600;background:#0b6bcb;color:#fff}\
mark{background:#fff1a8;color:inherit}\
@media (prefers-color-scheme:dark){mark{background:#6b5a00}.hit-title{color:#5aa9ff}}";

/// When the page has a search box of its own (`data-answerdesk-search` on its form), puts the list in a
/// shadow root of its own after the form and answers what is typed into the box (and what it holds).
pub fn mount_beside_search_box(
    widget: Widget,
    document: &web_sys::Document,
) -> Result<(), wasm_bindgen::JsValue> {
    let Some(form) = document.query_selector("[data-answerdesk-search]")? else { return Ok(()) };
    let Some(input) = form.query_selector("input")?.and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
    else {
        return Ok(());
    };
    let host = document.create_element("answerdesk-inline")?;
    let root = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;
    form.after_with_node_1(&host)?;
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(STYLESHEET)?;
    let sheets = js_sys::Array::of1(&sheet);
    js_sys::Reflect::set(&root, &"adoptedStyleSheets".into(), &sheets)?;
    let mount: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    root.append_child(&mount)?;
    leptos::mount::mount_to(mount, move || view! { <InlineResults widget/> }).forget();

    // What the visitor typed before the widget arrived is asked at once, then every change.
    let typed = input.value();
    if !typed.trim().is_empty() {
        widget.search.type_query(typed);
    }
    let pause = StoredValue::new_local(None::<TimeoutHandle>);
    let box_ = input.clone();
    let on_input = Closure::<dyn Fn()>::new(move || {
        widget.search.type_query(box_.value());
        if let Some(handle) = pause.get_value() {
            handle.clear();
        }
        pause.set_value(set_timeout_with_handle(move || widget.settle_search(), SETTLE_AFTER).ok());
    });
    input.add_event_listener_with_callback("input", on_input.as_ref().unchecked_ref())?;
    on_input.forget();
    // Down from the box goes to the first result.
    let results = root.clone();
    let on_keydown = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
        if event.key() == "ArrowDown" && step(&results, 1) {
            event.prevent_default();
        }
    });
    input.add_event_listener_with_callback("keydown", on_keydown.as_ref().unchecked_ref())?;
    on_keydown.forget();
    Ok(())
}

/// Moves focus `by` results from the one focused (from the box: to the first); `false` when there is
/// nowhere to go. Up from the first goes back to the box, which is the page's: the caller handles it.
fn step(root: &ShadowRoot, by: i32) -> bool {
    let Ok(list) = root.query_selector_all(".hit") else { return false };
    let hits: Vec<web_sys::HtmlElement> =
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into().ok()).collect();
    let active = root.active_element();
    let at =
        hits.iter().position(|h| active.as_ref().is_some_and(|a| a == h.unchecked_ref::<web_sys::Element>()));
    let next = match at {
        None => 0,
        Some(i) => i as i32 + by,
    };
    match usize::try_from(next).ok().and_then(|i| hits.get(i)) {
        Some(hit) => hit.focus().is_ok(),
        None => false,
    }
}

/// The results of what the box holds, or nothing while it is empty.
#[component]
fn InlineResults(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let on_keydown = move |event: ev::KeyboardEvent| {
        let Some(root) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .and_then(|n| n.get_root_node().dyn_into::<ShadowRoot>().ok())
        else {
            return;
        };
        let by = match event.key().as_str() {
            "ArrowDown" => 1,
            "ArrowUp" => -1,
            _ => return,
        };
        event.prevent_default();
        if !step(&root, by) && by < 0 {
            // Above the first result: back to the page's box.
            let input = root
                .host()
                .parent_element()
                .and_then(|p| p.query_selector("[data-answerdesk-search] input").ok().flatten());
            if let Some(input) = input.and_then(|i| i.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = input.focus();
            }
        }
    };
    move || {
        let query = widget.search.query.get();
        if query.trim().is_empty() {
            return ().into_any();
        }
        let results = widget.search.results.get();
        let status = match widget.panel.kb.get() {
            KbStatus::Loading => t().loading.to_owned(),
            KbStatus::Failed => t().load_failed.to_owned(),
            KbStatus::Ready if results.failed => t().load_failed.to_owned(),
            KbStatus::Ready if results.hits.is_empty() && results.query != query => t().loading.to_owned(),
            KbStatus::Ready if results.hits.is_empty() => t().no_results.replace("{q}", query.trim()),
            KbStatus::Ready => t().results(results.hits.len()),
        };
        let best = results.confident;
        let items = results
            .hits
            .into_iter()
            .enumerate()
            .map(|(rank, hit)| {
                let marked = best && rank == 0;
                view! {
                    <li>
                        <a class="hit" href=hit.url.clone()>
                            {marked.then(|| view! { <span class="best-label">{t().best_answer}</span> })}
                            <span class="hit-title">{hit.title.clone()}</span>
                            <span class="hit-snippet">{highlighted(&hit.snippet)}</span>
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="inline" on:keydown=on_keydown>
                <p class="status" role="status">{status}</p>
                <ul class="hits">{items}</ul>
            </div>
        }
        .into_any()
    }
}
