//! The Answerdesk widget: a Leptos app compiled to WebAssembly that answers a visitor's questions in their
//! browser from the knowledge-base bundle, and hands them to a person when the articles do not.
//!
//! The loader (`loader/answerdesk.js`, a few KB) draws the launcher in a shadow root and, once the visitor
//! shows intent, imports this module and calls [`start`] with that shadow root, the launcher, the site
//! owner's options, a function to emit events, and a promise of the index bundle (fetched in parallel with
//! this module). Every later `Answerdesk(method, ...args)` call arrives through [`Handle::call`]. A visitor
//! who clicked before this module arrived has been typing into the loader's shell, which the panel takes
//! over ([`shell`]).

#![warn(missing_docs)]

mod analytics;
mod bridge;
mod chat;
mod chat_link;
mod config;
mod focus;
mod i18n;
mod journey;
mod kb;
mod shell;
mod state;
mod ui;

use js_sys::{Array, Promise, Uint8Array};
use kb_core::Lang;
use leptos::prelude::*;
use protocol::Identity;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::config::{Config, Manifest};
use crate::state::{KbStatus, Screen, Widget};

/// The panel's stylesheet, adopted by the shadow root (constructed stylesheets work under a strict CSP,
/// where `<style>` elements would need `'unsafe-inline'`).
const STYLESHEET: &str = include_str!("widget.css");

/// The running widget, as seen by the loader.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Handle {
    widget: Widget,
}

/// Mounts the panel into `root` and starts opening the index.
///
/// `index` resolves to `[manifest, entryBytes]`: the manifest (an object) and the entry of the language the
/// loader guessed for the visitor (an `ArrayBuffer`, or `null`); every other piece is fetched as needed.
#[wasm_bindgen]
pub fn start(
    root: web_sys::ShadowRoot,
    launcher: web_sys::HtmlElement,
    options: JsValue,
    emit: js_sys::Function,
    index: Promise,
) -> Result<Handle, JsValue> {
    let config: Config = serde_wasm_bindgen::from_value(options)
        .map_err(|err| JsValue::from_str(&format!("Answerdesk: invalid init options: {err}")))?;
    let browser = bridge::browser_langs();
    let lang = i18n::choose_lang(
        config.lang.as_deref(),
        bridge::page_lang().as_deref(),
        browser.iter().map(String::as_str),
        Lang::Vi,
    );
    bridge::set_emitter(emit);
    bridge::set_dom(root.clone(), launcher);
    adopt_stylesheet(&root)?;

    let document = web_sys::window().and_then(|w| w.document()).ok_or("Answerdesk: no document")?;
    let mount: web_sys::HtmlElement = document.create_element("div")?.unchecked_into();
    mount.set_class_name("answerdesk");
    root.append_child(&mount)?;

    let shell = shell::Shell::find(&root);
    let widget = Widget::new(config, lang);
    analytics::start(widget.panel.analytics_target());
    leptos::mount::mount_to(mount, move || view! { <ui::Panel widget/> }).forget();
    if let Some(shell) = shell {
        shell.hand_over(widget, root);
    }
    // A help center's own search box is answered as the visitor types.
    if let Err(err) = ui::inline::mount_beside_search_box(widget, &document) {
        warn(&format!("the page's search box cannot be answered: {err:?}"));
    }
    leptos::task::spawn_local(open_index(widget, index, lang));
    Ok(Handle { widget })
}

async fn open_index(widget: Widget, index: Promise, lang: Lang) {
    let base = widget.panel.config.with_value(|c| c.kb.clone());
    let opened = load(index).await.and_then(|(manifest, first)| {
        let entries: Vec<(Lang, String)> = manifest
            .entries
            .iter()
            .filter_map(|(code, entry)| Some((code.parse().ok()?, entry.file.clone())))
            .collect();
        let articles = kb::open(base, entries, first.as_deref()).map_err(|err| err.to_string())?;
        Ok((manifest, articles))
    });
    match opened {
        Ok((manifest, articles)) => {
            widget.panel.site.set(manifest.site);
            // The manifest may name the chat server the init options did not.
            analytics::retarget(widget.panel.analytics_target());
            widget.panel.kb.set(KbStatus::Ready);
            bridge::emit("ready", &serde_json::json!({ "articles": articles }));
            // The loader guessed the visitor's language from the page; if the widget chose another, open
            // it now rather than at the first question.
            leptos::task::spawn_local(async move { kb::prepare(lang).await });
        }
        Err(err) => {
            web_sys::console::error_1(&format!("Answerdesk: {err}").into());
            widget.panel.kb.set(KbStatus::Failed);
            bridge::emit("ready", &serde_json::json!({ "error": err }));
        }
    }
    // The manifest may name the chat server: pick up a conversation from an earlier page view.
    widget.resume_chat();
}

async fn load(index: Promise) -> Result<(Manifest, Option<Vec<u8>>), String> {
    let pair = JsFuture::from(index).await.map_err(|err| format!("cannot fetch the index: {err:?}"))?;
    let pair: Array = pair.dyn_into().map_err(|_| "the loader passed no [manifest, entry] pair")?;
    let manifest: Manifest = serde_wasm_bindgen::from_value(pair.get(0))
        .map_err(|err| format!("manifest.json is not what kb-builder writes: {err}"))?;
    let entry = pair.get(1);
    let entry = (!entry.is_null() && !entry.is_undefined()).then(|| Uint8Array::new(&entry).to_vec());
    Ok((manifest, entry))
}

fn adopt_stylesheet(root: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    let sheet = web_sys::CssStyleSheet::new()?;
    sheet.replace_sync(STYLESHEET)?;
    let sheets: Array = js_sys::Reflect::get(root, &"adoptedStyleSheets".into())?.dyn_into()?;
    sheets.push(&sheet);
    js_sys::Reflect::set(root, &"adoptedStyleSheets".into(), &sheets)?;
    Ok(())
}

#[wasm_bindgen]
impl Handle {
    /// `Answerdesk(method, ...args)` after start. Unknown methods are reported, not thrown, so a newer
    /// snippet never breaks the host page.
    pub fn call(&self, method: &str, args: Array) {
        let widget = self.widget;
        let text = || args.get(0).as_string().unwrap_or_default();
        match method {
            "open" => widget.set_open(true),
            "close" => widget.set_open(false),
            "toggle" => widget.set_open(!widget.panel.open.get_untracked()),
            "search" => widget.search_now(text()),
            "prefill" => {
                widget.panel.screen.set(Screen::Search);
                widget.search.type_query(text());
            }
            "suggest" => {
                let ids = Array::from(&args.get(0)).iter().filter_map(|id| id.as_string()).collect();
                widget.search.suggestions.set(ids);
            }
            "identify" => match serde_wasm_bindgen::from_value::<Identity>(args.get(0)) {
                Ok(identity) => widget.identify(identity),
                Err(err) => warn(&format!("identify needs {{id, name?, email?, signature?}}: {err}")),
            },
            "setLocale" => match text().parse::<Lang>() {
                Ok(lang) => widget.panel.lang.set(lang),
                Err(err) => warn(&err.to_string()),
            },
            "escalate" => widget.escalate(),
            other => warn(&format!("unknown method `{other}`")),
        }
    }

    /// Whether the panel is open (the loader's launcher click toggles it).
    #[wasm_bindgen(getter)]
    pub fn open(&self) -> bool {
        self.widget.panel.open.get_untracked()
    }
}

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("Answerdesk: {message}").into());
}
