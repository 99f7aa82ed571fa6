//! The Answerdesk knowledge-base engine, shared by `kb-builder` (native) and the widget (wasm32).
//!
//! - [`Article`]: what the builder hands over after validating and rendering a Markdown file.
//! - [`analysis`]: how text becomes terms, per [`Lang`]; the same code at index and at query time.
//! - [`Indexer`]: builds one tantivy index per language and cuts it into the pieces the widget fetches on
//!   demand ([`Split`], see [`lazy`]; native only).
//! - [`KnowledgeBase`]: opens those pieces from any [`lazy::ChunkSource`] (HTTP in the browser, a folder,
//!   memory) and answers [`SearchRequest`]s with [`Hit`]s (title, URL, highlighted [`Snippet`], score),
//!   fetching only what each question needs, and judges whether the first hit is the answer
//!   ([`confidence`]).
//! - How visitors type is read before searching: Vietnamese chat abbreviations are spelled out
//!   ([`analysis::spell_out_chat`]: "ko dc" → không được), and the language a question is written in can
//!   be told from its words ([`KnowledgeBase::language_for`]).
//!
//! ```
//! use kb_core::{Article, Indexer, KnowledgeBase, Lang, SearchRequest};
//!
//! let mut indexer = Indexer::new()?;
//! indexer.add(&Article {
//!     id: "return-policy".into(),
//!     lang: Lang::Vi,
//!     title: "Chính sách đổi trả là gì?".into(),
//!     category: "returns".into(),
//!     tags: vec!["đổi trả".into()],
//!     questions: vec!["Tôi có thể trả lại hàng không?".into()],
//!     summary: "Đổi trả miễn phí trong 30 ngày.".into(),
//!     team: Some("returns".into()),
//!     url: "/vi/returns/return-policy/".into(),
//!     body_html: "<p>Đổi trả miễn phí trong 30 ngày.</p>".into(),
//!     body_text: "Đổi trả miễn phí trong 30 ngày.".into(),
//! })?;
//! let split = indexer.finish()?;
//!
//! let kb = KnowledgeBase::from_split(&split)?;
//! let request = SearchRequest::new("chinh sach doi tra").lang(Some(Lang::Vi));
//! let results = futures_executor::block_on(kb.search(&request))?;
//! assert_eq!(results.hits[0].id, "return-policy");
//! # Ok::<(), kb_core::Error>(())
//! ```
#![warn(missing_docs)]

pub mod analysis;
mod article;
pub mod bundle;
pub mod confidence;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;
#[cfg(not(target_arch = "wasm32"))]
mod indexer;
mod lang;
pub mod lazy;
mod plan;
mod query;
pub mod schema;
mod search;
mod snippet;
mod synonyms;

pub use article::Article;
pub use bundle::BundleError;
pub use confidence::{Confidence, ConfidenceLevel};
#[cfg(not(target_arch = "wasm32"))]
pub use indexer::Indexer;
pub use lang::{Lang, UnknownLang};
pub use lazy::{Body, Split};
pub use search::{ArticleView, Hit, KnowledgeBase, SearchRequest, SearchResults};
pub use snippet::{Snippet, escape_html, first_sentence};
pub use synonyms::Synonyms;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bundle bytes are not a readable bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The bundle holds an index with a different schema than this code (built by another version).
    #[error(
        "the index bundle was built with a different schema than this version expects; rebuild it with kb-builder"
    )]
    SchemaMismatch,
    /// tantivy failed (an I/O problem in the index, or an index file that does not parse).
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A piece of the knowledge base (a language's entry, an index chunk, a body) could not be fetched or
    /// is not what kb-builder wrote.
    #[error("{0}")]
    Fetch(String),
    /// The knowledge base has no index in this language.
    #[error("the knowledge base has no articles in `{0}`")]
    NoLanguage(Lang),
}

/// Result with the engine's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
