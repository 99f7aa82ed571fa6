//! The index in pieces, so the widget fetches only what a question needs.
//!
//! kb-builder writes, per language:
//! - an **entry** (`<lang>-<hash>.entry`, a [`crate::bundle`] container): the layout of the index files,
//!   the synonyms, and the **hotcache** — every byte tantivy reads to open the index (file footers, the
//!   block index of each term dictionary, the doc store's skip index), recorded at build time by opening
//!   the index once — and the norms of the language's zones, which every question reads;
//! - **chunks** (`<hash>.chunk`): the index files cut into pieces, each content-hashed, immutable and
//!   precompressable, cut on the boundaries of what one read needs (a dictionary block, one term's
//!   postings or positions, a doc-store block), so a read needs one chunk; equal chunks are one file;
//! - **bodies** (`<hash>.body`): each article's HTML and text, fetched when the article opens or its
//!   snippet is drawn. The doc store holds only what a result card shows.
//!
//! A knowledge base below [`ALL_IN_ENTRY_BELOW`] bytes has no chunks: its entry holds every byte and every
//! body, so it answers after one fetch. One whose index alone is under twice that has no chunks either,
//! only its bodies apart: every question is answered from the entry, the snippets follow. Nothing depends
//! on HTTP Range requests.
//!
//! A search then costs: the dictionary blocks of its words (one round trip, all in parallel), their
//! postings and positions (a second), the doc-store blocks of the hits shown (a third).
//! A word the index does not know adds its near spellings' blocks and postings; see
//! [`crate::KnowledgeBase`] for the bounds on typo and prefix expansion.

mod directory;
pub mod measure;
mod source;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod write;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::directory::OwnedBytes;

pub(crate) use directory::{ChunkSpec, FileParts, LazyDirectory, is_not_loaded};
#[cfg(not(target_arch = "wasm32"))]
pub use source::FolderSource;
pub use source::{ChunkSource, FetchStats, MemorySource};

use crate::bundle::{self, BundleError};
use crate::{Lang, Synonyms};

/// Below this many bytes (index files and bodies), everything travels in the entry.
pub const ALL_IN_ENTRY_BELOW: usize = 320 * 1024;

/// The entry's file naming the index files and their chunks.
const LAYOUT_FILE: &str = "answerdesk-layout.json";
/// Prefix of the entry's hot pieces: `hot/<index file>@<offset>`.
const HOT_PREFIX: &str = "hot/";
/// Prefix of the bodies carried in the entry: `body/<body file name>`.
const BODY_PREFIX: &str = "body/";

/// What the entry says about the index (serialized as JSON inside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Layout {
    pub lang: Lang,
    pub articles: u64,
    pub files: Vec<LayoutFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LayoutFile {
    pub path: String,
    pub len: usize,
    /// `[name, len, crc32]` of each chunk, covering the file from its first byte; empty when the entry
    /// holds the whole file.
    pub chunks: Vec<(String, usize, u32)>,
}

/// A language's entry, parsed.
#[derive(Debug)]
pub(crate) struct Entry {
    pub layout: Layout,
    pub synonyms: Synonyms,
    pub files: Vec<FileParts>,
    pub bodies: Vec<(String, Vec<u8>)>,
}

impl Entry {
    /// Reads entry bytes (checking magic, version and checksum).
    pub fn read(bytes: &[u8]) -> Result<Self, BundleError> {
        let parts = bundle::read(bytes)?;
        let mut layout: Option<Layout> = None;
        let mut synonyms = Synonyms::new();
        let mut hot: Vec<(String, usize, OwnedBytes)> = Vec::new();
        let mut bodies = Vec::new();
        for part in parts {
            if part.name == LAYOUT_FILE {
                layout = Some(
                    serde_json::from_slice(part.bytes)
                        .map_err(|_| BundleError::Malformed("the index layout is not valid JSON"))?,
                );
            } else if part.name == bundle::SYNONYMS_FILE {
                synonyms = serde_json::from_slice(part.bytes)
                    .map_err(|_| BundleError::Malformed("the synonyms are not valid JSON"))?;
            } else if let Some(name) = part.name.strip_prefix(BODY_PREFIX) {
                bodies.push((name.to_string(), part.bytes.to_vec()));
            } else if let Some(piece) = part.name.strip_prefix(HOT_PREFIX) {
                let (path, offset) =
                    piece.rsplit_once('@').ok_or(BundleError::Malformed("a hot piece has no offset"))?;
                let offset = offset.parse().map_err(|_| BundleError::Malformed("a hot piece's offset"))?;
                hot.push((path.to_string(), offset, OwnedBytes::new(part.bytes.to_vec())));
            }
        }
        let layout = layout.ok_or(BundleError::Malformed("the entry has no index layout"))?;
        let mut files = Vec::with_capacity(layout.files.len());
        for file in &layout.files {
            let mut pieces: Vec<(usize, OwnedBytes)> = hot
                .iter()
                .filter(|(path, _, _)| *path == file.path)
                .map(|(_, offset, bytes)| (*offset, bytes.clone()))
                .collect();
            pieces.sort_by_key(|(offset, _)| *offset);
            let chunks: Vec<ChunkSpec> = file
                .chunks
                .iter()
                .map(|(name, len, crc)| ChunkSpec { name: name.clone(), len: *len, crc: *crc })
                .collect();
            let covered = if chunks.is_empty() {
                pieces.iter().map(|(_, b)| b.len()).sum::<usize>()
            } else {
                chunks.iter().map(|c| c.len).sum()
            };
            let in_bounds = pieces.iter().all(|(offset, b)| offset + b.len() <= file.len);
            if covered != file.len || !in_bounds {
                return Err(BundleError::Malformed("the index layout does not cover its files"));
            }
            files.push(FileParts { path: file.path.clone(), len: file.len, hot: pieces, chunks });
        }
        Ok(Entry { layout, synonyms, files, bodies })
    }

    /// Opens the directory these parts describe.
    pub fn directory(
        self,
        source: Option<Arc<dyn ChunkSource>>,
    ) -> (LazyDirectory, Layout, Synonyms, Vec<(String, Vec<u8>)>) {
        (LazyDirectory::new(self.files, source), self.layout, self.synonyms, self.bodies)
    }
}

/// Everything kb-builder publishes for a knowledge base: one entry per language, the chunks and the
/// bodies. Write every file into one folder under its name.
#[derive(Debug, Default)]
pub struct Split {
    /// Per language: the entry's file name and its bytes (fetched first).
    pub entries: Vec<(Lang, String, Vec<u8>)>,
    /// Index chunks and article bodies: file name and bytes (fetched on demand).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Split {
    /// Every byte published, entries included.
    pub fn total_bytes(&self) -> u64 {
        let entries: usize = self.entries.iter().map(|(_, _, b)| b.len()).sum();
        let files: usize = self.files.iter().map(|(_, b)| b.len()).sum();
        (entries + files) as u64
    }

    /// All files (entries, chunks, bodies) in memory, as a source.
    pub fn to_memory(&self) -> MemorySource {
        let mut source = MemorySource::default();
        for (_, name, bytes) in &self.entries {
            source.insert(name, bytes.clone());
        }
        for (name, bytes) in &self.files {
            source.insert(name, bytes.clone());
        }
        source
    }
}

/// The knowledge base kb-builder wrote into `kb_dir` (the folder of `manifest.json`), read from disk:
/// languages open on first use, chunks and bodies are read as searches need them.
#[cfg(not(target_arch = "wasm32"))]
pub fn open_folder(kb_dir: &std::path::Path) -> crate::Result<crate::KnowledgeBase> {
    let path = kb_dir.join("manifest.json");
    let unreadable =
        |why: String| crate::Error::Fetch(format!("{}: {why} (run `kb-builder build`)", path.display()));
    let bytes = std::fs::read(&path).map_err(|err| unreadable(err.to_string()))?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|err| unreadable(err.to_string()))?;
    let entries = manifest["entries"]
        .as_object()
        .ok_or_else(|| unreadable("no `entries`: built by an older kb-builder".into()))?
        .iter()
        .filter_map(|(lang, entry)| Some((lang.parse().ok()?, entry["file"].as_str()?.to_string())))
        .collect();
    Ok(crate::KnowledgeBase::new(Arc::new(FolderSource::new(kb_dir)), entries))
}

/// An article's body, as its own file (JSON): the HTML shown in the article view and the text snippets are
/// cut from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// Sanitized HTML (sanitized at build time).
    pub html: String,
    /// Plain text.
    pub text: String,
}
