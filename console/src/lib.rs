//! The Answerdesk agent console: a Leptos app in WebAssembly that chat-server serves at `/agent`. Agents
//! log in, work their queues live over the agent socket, and read what the widget handed over.
//!
//! The rooms: [`inbox`] what the desk knows (plain data, tested natively), [`keys`] and [`canned`] the pure
//! rules of shortcuts and canned replies, [`i18n`] the strings, [`desk`] the running state and its actions,
//! [`link`] the socket, [`api`] the REST calls, [`reveal`] direction controls in visitor text, [`clock`],
//! [`prefs`] and [`notify`] the browser's clock, storage and sound, and [`ui`] the views.

pub mod api;
pub mod articles;
pub mod canned;
pub mod clock;
pub mod desk;
pub mod i18n;
pub mod inbox;
pub mod keys;
pub mod link;
pub mod notify;
pub mod prefs;
pub mod reveal;
pub mod ui;
