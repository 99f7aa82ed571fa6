//! kb-builder's integration tests, one binary: the CLI on fixtures ([`cli`]), the sample help center in
//! `content/` ([`sample_content`]), real third-party Markdown ([`corpora`]) and the preview server
//! ([`serve`]).
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

mod cli;
mod corpora;
mod sample_content;
mod serve;
mod support;
