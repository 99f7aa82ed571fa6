//! The agent's choices that outlive a page load: interface language and theme, in `localStorage`.

use kb_core::Lang;

const LANG_KEY: &str = "answerdesk.console.lang";
const THEME_KEY: &str = "answerdesk.console.theme";

/// Light, dark, or whatever the system prefers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The value stored and put on `<html data-theme>`.
    pub fn code(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn from_code(code: &str) -> Theme {
        match code {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// The browser's preferred language tag (`vi-VN`), if it says.
pub fn browser_locale() -> Option<String> {
    web_sys::window()?.navigator().language()
}

/// The language chosen before, else the browser's if it is Vietnamese, else English.
pub fn lang() -> Lang {
    let chosen = stored(LANG_KEY).and_then(|code| code.parse().ok());
    chosen.unwrap_or_else(|| match browser_locale() {
        Some(tag) if tag.to_ascii_lowercase().starts_with("vi") => Lang::Vi,
        _ => Lang::En,
    })
}

/// Remembers the language and tells the document.
pub fn set_lang(lang: Lang) {
    store(LANG_KEY, lang.code());
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// The theme chosen before.
pub fn theme() -> Theme {
    stored(THEME_KEY).map_or(Theme::System, |code| Theme::from_code(&code))
}

/// Remembers the theme and applies it (the stylesheet keys its colours on `data-theme`).
pub fn set_theme(theme: Theme) {
    store(THEME_KEY, theme.code());
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme.code());
    }
}
