//! The boundary with the page's JavaScript: events sent to `Answerdesk('on', name, fn)` listeners through
//! the loader, and the page's facts (URL, language) read from the DOM.

use std::cell::RefCell;

use kb_core::Lang;
use serde::Serialize;
use wasm_bindgen::JsValue;

thread_local! {
    static EMIT: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Sets the loader's `emit(name, payload)` function.
pub fn set_emitter(emit: js_sys::Function) {
    EMIT.with(|cell| *cell.borrow_mut() = Some(emit));
}

/// Sends `event` with `payload` (serialized as a plain JS object) to the page's listeners.
pub fn emit(event: &str, payload: &impl Serialize) {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let payload = payload.serialize(&serializer).unwrap_or(JsValue::NULL);
    EMIT.with(|cell| {
        if let Some(emit) = cell.borrow().as_ref() {
            // A listener that throws is the host page's problem; the loader already isolates each one.
            let _ = emit.call2(&JsValue::NULL, &JsValue::from_str(event), &payload);
        }
    });
}

/// The URL of the page the widget is on, read when needed (single-page apps change it).
pub fn page_url() -> String {
    web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

/// The path of the page's current URL (single-page apps change it without reloading).
pub fn page_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default()
}

/// Whether the page is in view (not a background tab).
pub fn page_visible() -> bool {
    web_sys::window().and_then(|w| w.document()).is_none_or(|d| !d.hidden())
}

/// The page's `<html lang>`.
pub fn page_lang() -> Option<String> {
    let lang = web_sys::window()?.document()?.document_element()?.get_attribute("lang")?;
    Some(lang)
}

/// The browser's preferred languages, most preferred first.
pub fn browser_langs() -> Vec<String> {
    let Some(window) = web_sys::window() else { return Vec::new() };
    window.navigator().languages().iter().filter_map(|l| l.as_string()).collect()
}

/// Opens `url` in a new tab without giving it a handle on this page.
pub fn open_in_new_tab(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.open_with_url_and_target_and_features(url, "_blank", "noopener");
    }
}

thread_local! {
    static DOM: RefCell<Option<(web_sys::ShadowRoot, web_sys::HtmlElement)>> = const { RefCell::new(None) };
}

/// Remembers the widget's shadow root and the loader's launcher button.
pub fn set_dom(root: web_sys::ShadowRoot, launcher: web_sys::HtmlElement) {
    DOM.with(|cell| *cell.borrow_mut() = Some((root, launcher)));
}

/// The widget's shadow root.
pub fn shadow_root() -> Option<web_sys::ShadowRoot> {
    DOM.with(|cell| cell.borrow().as_ref().map(|(root, _)| root.clone()))
}

/// The launcher button the loader drew.
pub fn launcher() -> Option<web_sys::HtmlElement> {
    DOM.with(|cell| cell.borrow().as_ref().map(|(_, launcher)| launcher.clone()))
}

/// Payload of the `message` event: an agent wrote to the visitor.
#[derive(Serialize)]
pub struct MessageEvent<'a> {
    /// The conversation.
    pub conversation_id: &'a str,
    /// The message's number in it.
    pub seq: u64,
    /// The agent's name.
    pub author: &'a str,
    /// The text.
    pub body: &'a str,
}

/// Payload of the `search` event.
#[derive(Serialize)]
pub struct SearchEvent<'a> {
    /// What was asked.
    pub query: &'a str,
    /// In which language it was searched.
    pub lang: Lang,
    /// The results, best first.
    pub results: Vec<HitSummary<'a>>,
    /// Whether the engine is confident the first result answers the query: the questions the knowledge
    /// base does not answer yet are the ones with `answered: false`.
    pub answered: bool,
}

/// One result of a [`SearchEvent`].
#[derive(Serialize)]
pub struct HitSummary<'a> {
    /// The article's id.
    pub id: &'a str,
    /// Its language.
    pub lang: Lang,
    /// Its title.
    pub title: &'a str,
    /// Its score.
    pub score: f32,
}

/// Payload of `article_view` and `helpful`.
#[derive(Serialize)]
pub struct ArticleEvent<'a> {
    /// The article's id.
    pub id: &'a str,
    /// Its language.
    pub lang: Lang,
    /// Its title.
    pub title: &'a str,
    /// Its page in the help center.
    pub url: &'a str,
    /// The answer to "did this help?", for `helpful`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helpful: Option<bool>,
}
