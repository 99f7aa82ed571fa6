//! The measuring tools behind `cargo xtask bench` and `cargo xtask eval`, kept apart from the orchestration
//! in xtask (which builds, runs the sections and writes `bench/results/`):
//!
//! - [`load`]: the chat load generator, visitor and agent WebSocket clients against chat-server nodes;
//! - [`postgres`]: a throwaway Postgres cluster (the benches' and chat-server's own tests');
//! - [`bm25`]: the plain BM25 baseline answer quality is compared with.
#![warn(missing_docs)]

pub mod bm25;
pub mod load;
pub mod postgres;
