//! chat-server's integration tests, in one binary (one link, shared helpers in [`support`]): each module
//! runs a real server (in this process or as the built binary) and talks to it over real sockets.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

mod analytics;
mod chat;
mod cli;
mod crash;
mod email;
mod fuzz;
mod hardening;
mod multinode;
mod privacy;
mod support;
