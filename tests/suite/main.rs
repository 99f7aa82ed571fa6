//! The end-to-end tests, one binary: the widget in headless Chromium on a storefront ([`widget`]), and
//! live chat between that widget and an agent's console on a real chat-server ([`chat`], with the XSS
//! corpus), the help center's own search and images ([`help_center`]), and the help center behind the
//! README's nginx block ([`hosting`]). Run with `cargo xtask test`,
//! which builds what they load first.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

mod chat;
mod help_center;
mod hosting;
mod widget;
