//! The panel itself: open or not, which screen, in which language, and what it knows of the site (the
//! owner's options, the help center's manifest, whether the index opened).

use kb_core::Lang;
use leptos::prelude::*;

use super::Widget;
use crate::bridge;
use crate::config::{Analytics, Config, Site};
use crate::i18n::{Strings, strings};

/// Which screen the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The search box with results or suggestions.
    Search,
    /// One article, with "did this help?".
    Article {
        /// The article's id.
        id: String,
        /// Its language.
        lang: Lang,
    },
    /// Ways to reach a person, with the hand-over: live chat when someone is online, a message otherwise.
    Contact,
    /// The live conversation.
    Chat,
}

/// Whether the index is usable yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbStatus {
    /// Bundle still downloading or opening.
    Loading,
    /// Ready to search.
    Ready,
    /// Could not be loaded; the visitor is offered a person instead.
    Failed,
}

/// The panel's state. Signals are handles, so this is `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct PanelState {
    /// The site owner's options.
    pub config: StoredValue<Config>,
    /// What the help center's manifest says of the site.
    pub site: RwSignal<Site>,
    /// Whether the index opened.
    pub kb: RwSignal<KbStatus>,
    /// Whether the panel is open.
    pub open: RwSignal<bool>,
    /// The visitor's language.
    pub lang: RwSignal<Lang>,
    /// The screen shown.
    pub screen: RwSignal<Screen>,
}

impl PanelState {
    pub(super) fn new(config: Config, lang: Lang) -> Self {
        PanelState {
            config: StoredValue::new(config),
            site: RwSignal::new(Site::default()),
            kb: RwSignal::new(KbStatus::Loading),
            open: RwSignal::new(false),
            lang: RwSignal::new(lang),
            screen: RwSignal::new(Screen::Search),
        }
    }

    /// The words of the visitor's language (tracked: a component using them follows `setLocale`).
    pub fn strings(&self) -> &'static Strings {
        strings(self.lang.get())
    }

    /// Whether the index is ready (tracked).
    pub fn kb_ready(&self) -> bool {
        self.kb.get() == KbStatus::Ready
    }

    /// chat-server's URL: the init option, else the help center's manifest.
    pub fn chat_server(&self) -> Option<String> {
        self.config
            .with_value(|c| c.chat.clone())
            .or_else(|| self.site.with_untracked(|s| s.chat_url.clone()))
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
    }

    /// Where the anonymous events go: `None` when analytics are off or there is nowhere to send them.
    pub fn analytics_target(&self) -> Option<String> {
        match self.config.with_value(|c| c.analytics.clone()) {
            Analytics::Enabled(false) => None,
            Analytics::To(url) => Some(url),
            Analytics::Enabled(true) => self.chat_server().map(|server| format!("{server}/api/events")),
        }
    }
}

impl Widget {
    /// Opens or closes the panel. Opening picks the suggestions for the page's current route.
    pub fn set_open(&self, open: bool) {
        if open {
            let path = bridge::page_path();
            let routed = self.panel.config.with_value(|c| {
                crate::config::suggestions_for(&path, &c.suggest_by_path).map(<[String]>::to_vec)
            });
            if let Some(ids) = routed {
                self.search.suggestions.set(ids);
            }
        }
        if self.panel.open.get_untracked() != open {
            self.panel.open.set(open);
        }
    }
}
