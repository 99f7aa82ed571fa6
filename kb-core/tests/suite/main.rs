//! kb-core's integration tests, one binary: search behaviour on hand-written articles ([`search`]) and
//! ranking quality on the eval sets ([`quality`]). `wasm_reader.rs` beside this folder is its own binary
//! because it runs on another target (wasm32 under Node, started by `cargo xtask test`).
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

mod quality;
mod search;
