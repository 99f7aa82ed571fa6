//! Where the pieces of a knowledge base come from: the widget fetches them over HTTP, kb-builder reads them
//! from `dist/kb/`, tests hold them in memory.

use std::collections::HashMap;
use std::io;

use futures_util::future::BoxFuture;

/// Fetches the files kb-builder wrote next to the manifest (language entries, index chunks, article
/// bodies) by name. Every name is content-hashed, so a fetched file can be cached forever.
///
/// Fetches that are awaited at the same time must run at the same time: the engine starts every read a
/// step of the search needs before it awaits any of them, and that is what keeps a query to a few round
/// trips.
pub trait ChunkSource: Send + Sync + 'static {
    /// The bytes of the file `name` (relative to the folder of the manifest).
    fn fetch(&self, name: &str) -> BoxFuture<'static, io::Result<Vec<u8>>>;
}

/// Index chunks fetched so far by one language's index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Chunk files fetched.
    pub requests: usize,
    /// Their bytes (uncompressed).
    pub bytes: u64,
}

impl FetchStats {
    pub(crate) fn record(&mut self, bytes: usize) {
        self.requests += 1;
        self.bytes += bytes as u64;
    }
}

/// Files held in memory: tests, and the wasm tests that cannot read a folder.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    files: HashMap<String, Vec<u8>>,
}

impl MemorySource {
    /// Adds (or replaces) a file.
    pub fn insert(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(name.to_string(), bytes);
    }

    /// Removes a file, as a host that lost it would.
    pub fn remove(&mut self, name: &str) {
        self.files.remove(name);
    }

    /// The file `name`, if held.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }
}

impl ChunkSource for MemorySource {
    fn fetch(&self, name: &str) -> BoxFuture<'static, io::Result<Vec<u8>>> {
        let found = self
            .files
            .get(name)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{name}: not found")));
        Box::pin(std::future::ready(found))
    }
}

/// Files read from a folder (kb-builder's `dist/kb/`).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone)]
pub struct FolderSource {
    folder: std::path::PathBuf,
}

#[cfg(not(target_arch = "wasm32"))]
impl FolderSource {
    /// Files of `folder`.
    pub fn new(folder: impl Into<std::path::PathBuf>) -> Self {
        FolderSource { folder: folder.into() }
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl ChunkSource for FolderSource {
    fn fetch(&self, name: &str) -> BoxFuture<'static, io::Result<Vec<u8>>> {
        // Names come from our own layout, but a name that leaves the folder is refused all the same.
        let read = if name.contains(['/', '\\']) || name.starts_with('.') {
            Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{name}: not a file name")))
        } else {
            let path = self.folder.join(name);
            std::fs::read(&path)
                .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))
        };
        Box::pin(std::future::ready(read))
    }
}
