//! The widget's state and the actions on it, shared by the panel's components and the JavaScript API
//! (`Answerdesk('open')`, `Answerdesk('search', text)`, …), so both behave identically.
//!
//! Three narrow states, one room each: the panel ([`panel`]: open, screen, language, site), searching and
//! reading ([`search`]) and reaching a person ([`live_chat`]). [`Widget`] holds them with the visitor's
//! journey, which all three add to; each room also holds the actions that start in it, as `impl Widget`
//! blocks where an action touches another room (opening an article switches the screen).

mod live_chat;
mod panel;
mod search;

use leptos::prelude::*;
use protocol::{EscalationContext, Identity};

pub use live_chat::{LiveChatState, Reach};
pub use panel::{KbStatus, PanelState, Screen};
pub use search::{SETTLE_AFTER, SearchState, Shown};

use crate::bridge;
use crate::config::Config;
use crate::journey::Journey;

/// All reactive state. Signals are handles, so this is `Copy` and can be captured by every closure.
#[derive(Debug, Clone, Copy)]
pub struct Widget {
    /// The panel itself.
    pub panel: PanelState,
    /// Searching and reading.
    pub search: SearchState,
    /// Reaching a person.
    pub live: LiveChatState,
    /// What the visitor asked and read, handed over when they ask for a person.
    pub journey: RwSignal<Journey>,
}

impl Widget {
    /// Creates the state for `config`, in `lang`.
    pub fn new(config: Config, lang: kb_core::Lang) -> Self {
        let suggestions = config.suggest.clone();
        Widget {
            panel: PanelState::new(config, lang),
            search: SearchState::new(suggestions),
            live: LiveChatState::new(),
            journey: RwSignal::new(Journey::default()),
        }
    }

    /// What is handed over, with `email` added to the identity when the visitor gave one in a form.
    pub fn context(&self, email: Option<&str>) -> EscalationContext {
        let lang = self.panel.lang.get_untracked();
        let mut context = self.journey.with_untracked(|j| j.escalation(&bridge::page_url(), lang.code()));
        if let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) {
            let identity = context.identity.get_or_insert_with(|| Identity {
                id: email.to_owned(),
                name: None,
                email: None,
                signature: None,
            });
            identity.email.get_or_insert_with(|| email.to_owned());
        }
        context
    }

    /// Sets who the visitor is.
    pub fn identify(&self, identity: Identity) {
        self.journey.update(|j| j.identify(identity));
    }
}
