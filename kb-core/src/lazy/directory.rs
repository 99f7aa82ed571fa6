//! A read-only tantivy [`Directory`] whose files are partly in memory (the hotcache) and partly in chunk
//! files fetched on demand.
//!
//! tantivy reads synchronously while it searches. So reads come in two kinds:
//! - `read_bytes_async` (tantivy's warm-up API, and [`crate::KnowledgeBase`]'s own warm-up): fetches the
//!   chunks a range needs, in parallel with every other read awaiting at the same time, and keeps them;
//! - `read_bytes` (the search itself): served from memory. A range that is not there fails with
//!   [`NotLoaded`] and is remembered, so the caller can fetch what was missing and search again.
//!
//! The same directory with every byte in memory is how a small knowledge base is opened (no chunks at all)
//! and how kb-builder opens a fresh index to record what opening reads (see `super::write`).

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr};
use tantivy::{Directory, HasLen};

use super::source::{ChunkSource, FetchStats};

/// One index file: a length, the pieces of it held from the start, and the chunks that cover all of it.
#[derive(Debug)]
pub(crate) struct FileParts {
    pub path: String,
    pub len: usize,
    /// Disjoint byte ranges held in memory, sorted by start.
    pub hot: Vec<(usize, OwnedBytes)>,
    /// Chunks covering `0..len` back to back (empty when every byte is hot).
    pub chunks: Vec<ChunkSpec>,
}

/// Where a chunk of a file lives and how to check it.
#[derive(Debug, Clone)]
pub(crate) struct ChunkSpec {
    pub name: String,
    pub len: usize,
    pub crc: u32,
}

/// A read hit bytes that are neither hot nor fetched yet.
#[derive(Debug)]
pub(crate) struct NotLoaded;

impl fmt::Display for NotLoaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("index bytes not loaded yet")
    }
}

impl std::error::Error for NotLoaded {}

/// Whether an error (as tantivy wraps it) comes from a read of bytes not loaded yet.
pub(crate) fn is_not_loaded(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(err) = cause {
        if err.is::<NotLoaded>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<io::Error>()
            && io.get_ref().is_some_and(|inner| inner.is::<NotLoaded>())
        {
            return true;
        }
        cause = err.source();
    }
    // tantivy flattens some I/O errors into text on the way up.
    error.to_string().contains("index bytes not loaded yet")
}

/// One logged read: a file and a byte range.
type Read = (String, Range<usize>);

type ChunkFuture = Shared<BoxFuture<'static, Result<OwnedBytes, Arc<str>>>>;

/// A chunk file, fetched once. Chunks are named by their content, so equal pieces of the index (the norms
/// of two zones no article fills, say) are one file: the directory keeps one `Chunk` per name, however many
/// places it covers.
struct Chunk {
    spec: ChunkSpec,
    bytes: Mutex<Option<OwnedBytes>>,
    inflight: Mutex<Option<ChunkFuture>>,
}

/// What every file of one directory shares: the source of chunks, the chunks missed by synchronous reads,
/// what was fetched, and (at build time) the log of reads.
struct Common {
    source: Option<Arc<dyn ChunkSource>>,
    missed: Mutex<Vec<Arc<Chunk>>>,
    stats: Mutex<FetchStats>,
    reads: Option<Mutex<Vec<Read>>>,
}

/// A chunk at its place in a file.
#[derive(Clone)]
struct Placed {
    start: usize,
    chunk: Arc<Chunk>,
}

struct LazyFile {
    path: String,
    len: usize,
    hot: Vec<(usize, OwnedBytes)>,
    chunks: Vec<Placed>,
    shared: Arc<Common>,
}

impl fmt::Debug for LazyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyFile({}, {} bytes, {} chunks)", self.path, self.len, self.chunks.len())
    }
}

impl HasLen for LazyFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl LazyFile {
    fn hot_slice(&self, range: &Range<usize>) -> Option<OwnedBytes> {
        let at = self.hot.partition_point(|(start, _)| *start <= range.start).checked_sub(1)?;
        let (start, bytes) = &self.hot[at];
        (range.end <= start + bytes.len()).then(|| bytes.slice(range.start - start..range.end - start))
    }

    /// The chunks holding `range` (which is not empty).
    fn chunks_for(&self, range: &Range<usize>) -> &[Placed] {
        let first = self.chunks.partition_point(|c| c.start + c.chunk.spec.len <= range.start);
        let last = self.chunks.partition_point(|c| c.start < range.end);
        &self.chunks[first..last.max(first)]
    }

    fn in_memory(&self, range: &Range<usize>) -> Result<OwnedBytes, Vec<Arc<Chunk>>> {
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        if let Some(bytes) = self.hot_slice(range) {
            return Ok(bytes);
        }
        let chunks = self.chunks_for(range);
        let mut held = Vec::with_capacity(chunks.len());
        let mut missing = Vec::new();
        for placed in chunks {
            match &*lock(&placed.chunk.bytes) {
                Some(bytes) => held.push((placed.start, bytes.clone())),
                None => missing.push(placed.chunk.clone()),
            }
        }
        if !missing.is_empty() || held.is_empty() {
            return Err(missing);
        }
        if let [(start, bytes)] = held.as_slice() {
            return Ok(bytes.slice(range.start - start..range.end - start));
        }
        let mut joined = Vec::with_capacity(range.len());
        for (start, bytes) in &held {
            let from = range.start.max(*start) - start;
            let to = range.end.min(start + bytes.len()) - start;
            joined.extend_from_slice(&bytes[from..to]);
        }
        Ok(OwnedBytes::new(joined))
    }
}

/// The chunk's bytes, fetched once however many reads wait for them at the same time.
fn load(chunk: &Arc<Chunk>, common: &Arc<Common>) -> ChunkFuture {
    let mut inflight = lock(&chunk.inflight);
    if let Some(future) = &*inflight {
        return future.clone();
    }
    let shared = common.clone();
    let chunk_for_future = chunk.clone();
    let future = async move {
        let chunk = chunk_for_future;
        let Some(source) = &shared.source else {
            return Err(Arc::from(format!("{} is not in memory and there is no source", chunk.spec.name)));
        };
        let fetched = source.fetch(&chunk.spec.name).await;
        // Done either way: a failed fetch (404, network) is tried again by the next read, not cached.
        *lock(&chunk.inflight) = None;
        let bytes = fetched.map_err(|err| {
            Arc::<str>::from(format!("cannot fetch index chunk {}: {err}", chunk.spec.name))
        })?;
        if bytes.len() != chunk.spec.len || crc32fast::hash(&bytes) != chunk.spec.crc {
            return Err(Arc::from(format!(
                "index chunk {} is corrupt ({} bytes, expected {}); rebuild or redeploy the help center",
                chunk.spec.name,
                bytes.len(),
                chunk.spec.len
            )));
        }
        lock(&shared.stats).record(bytes.len());
        let bytes = OwnedBytes::new(bytes);
        *lock(&chunk.bytes) = Some(bytes.clone());
        Ok(bytes)
    }
    .boxed()
    .shared();
    *inflight = Some(future.clone());
    future
}

#[async_trait::async_trait]
impl FileHandle for LazyFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if let Some(reads) = &self.shared.reads {
            lock(reads).push((self.path.clone(), range.clone()));
        }
        self.in_memory(&range).map_err(|missing| {
            lock(&self.shared.missed).extend(missing);
            io::Error::other(NotLoaded)
        })
    }

    async fn read_bytes_async(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        let missing = match self.in_memory(&range) {
            Ok(bytes) => return Ok(bytes),
            Err(missing) => missing,
        };
        let loads: Vec<ChunkFuture> = missing.iter().map(|chunk| load(chunk, &self.shared)).collect();
        for result in futures_util::future::join_all(loads).await {
            result.map_err(|err| io::Error::other(err.to_string()))?;
        }
        self.in_memory(&range).map_err(|_| io::Error::other(NotLoaded))
    }
}

/// The directory: every file of one index.
#[derive(Clone)]
pub(crate) struct LazyDirectory {
    files: Arc<HashMap<PathBuf, Arc<LazyFile>>>,
    shared: Arc<Common>,
}

impl fmt::Debug for LazyDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LazyDirectory({} files)", self.files.len())
    }
}

impl LazyDirectory {
    /// A directory over `files`, fetching missing chunks from `source`.
    pub fn new(files: Vec<FileParts>, source: Option<Arc<dyn ChunkSource>>) -> Self {
        Self::build(files, source, false)
    }

    /// A directory holding `files` whole, which logs every read (see [`LazyDirectory::take_reads`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn recording(files: Vec<(String, Vec<u8>)>) -> Self {
        let files = files
            .into_iter()
            .map(|(path, bytes)| FileParts {
                path,
                len: bytes.len(),
                hot: vec![(0, OwnedBytes::new(bytes))],
                chunks: Vec::new(),
            })
            .collect();
        Self::build(files, None, true)
    }

    fn build(files: Vec<FileParts>, source: Option<Arc<dyn ChunkSource>>, record: bool) -> Self {
        let shared = Arc::new(Common {
            source,
            missed: Mutex::new(Vec::new()),
            stats: Mutex::new(FetchStats::default()),
            reads: record.then(|| Mutex::new(Vec::new())),
        });
        // Keyed by length and checksum too, so a layout that reused a name for other bytes stays correct.
        let mut by_name: HashMap<(String, usize, u32), Arc<Chunk>> = HashMap::new();
        let files = files
            .into_iter()
            .map(|parts| {
                let mut start = 0;
                let chunks = parts
                    .chunks
                    .into_iter()
                    .map(|spec| {
                        let len = spec.len;
                        let chunk = by_name
                            .entry((spec.name.clone(), spec.len, spec.crc))
                            .or_insert_with(|| {
                                Arc::new(Chunk { bytes: Mutex::new(None), inflight: Mutex::new(None), spec })
                            })
                            .clone();
                        let placed = Placed { start, chunk };
                        start += len;
                        placed
                    })
                    .collect();
                let file = LazyFile {
                    path: parts.path.clone(),
                    len: parts.len,
                    hot: parts.hot,
                    chunks,
                    shared: shared.clone(),
                };
                (PathBuf::from(parts.path), Arc::new(file))
            })
            .collect();
        LazyDirectory { files: Arc::new(files), shared }
    }

    /// Whether every byte of every file is in memory from the start (the entry held the whole index).
    pub fn is_whole(&self) -> bool {
        self.files.values().all(|file| file.chunks.is_empty())
    }

    /// Fetches every chunk a synchronous read missed since the last call; whether there was any.
    pub async fn fetch_missed(&self) -> io::Result<bool> {
        let missed: Vec<Arc<Chunk>> = std::mem::take(&mut *lock(&self.shared.missed));
        if missed.is_empty() {
            return Ok(false);
        }
        let loads: Vec<ChunkFuture> = missed
            .iter()
            .filter(|chunk| lock(&chunk.bytes).is_none())
            .map(|chunk| load(chunk, &self.shared))
            .collect();
        for result in futures_util::future::join_all(loads).await {
            result.map_err(|err| io::Error::other(err.to_string()))?;
        }
        Ok(true)
    }

    /// What was fetched so far.
    pub fn stats(&self) -> FetchStats {
        *lock(&self.shared.stats)
    }

    /// The reads logged since the last call (only for a [`LazyDirectory::recording`] directory).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn take_reads(&self) -> Vec<(String, Range<usize>)> {
        self.shared.reads.as_ref().map(|reads| std::mem::take(&mut *lock(reads))).unwrap_or_default()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind, still consistent.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the knowledge base index is read-only")
}

impl Directory for LazyDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        match self.files.get(path) {
            Some(file) => Ok(file.clone()),
            None => Err(OpenReadError::FileDoesNotExist(path.to_path_buf())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError { io_error: Arc::new(read_only()), filepath: path.to_path_buf() })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.files.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(read_only(), path.to_path_buf()))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let file = self.files.get(path).ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?;
        file.read_bytes(0..file.len)
            .map(|bytes| bytes.to_vec())
            .map_err(|err| OpenReadError::wrap_io_error(err, path.to_path_buf()))
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }

    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        // Nothing ever writes: a reader needs no lock.
        Ok(DirectoryLock::from(Box::new(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lazy::source::MemorySource;

    fn parts(bytes: &[u8], hot: Range<usize>, chunk: usize) -> (FileParts, MemorySource) {
        let mut source = MemorySource::default();
        let chunks = bytes
            .chunks(chunk)
            .enumerate()
            .map(|(i, piece)| {
                let name = format!("c{i}");
                source.insert(&name, piece.to_vec());
                ChunkSpec { name, len: piece.len(), crc: crc32fast::hash(piece) }
            })
            .collect();
        let hot = vec![(hot.start, OwnedBytes::new(bytes[hot].to_vec()))];
        (FileParts { path: "f".into(), len: bytes.len(), hot, chunks }, source)
    }

    fn handle(dir: &LazyDirectory) -> Arc<dyn FileHandle> {
        dir.get_file_handle(Path::new("f")).unwrap()
    }

    #[test]
    fn hot_bytes_are_served_at_once_and_the_rest_after_a_fetch_across_chunks() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let (file, source) = parts(&bytes, 10..20, 16);
        let dir = LazyDirectory::new(vec![file], Some(Arc::new(source)));
        let file = handle(&dir);
        assert_eq!(file.read_bytes(12..18).unwrap().as_slice(), &bytes[12..18]);
        let err = file.read_bytes(30..40).unwrap_err();
        assert!(is_not_loaded(&err), "{err}");
        // 30..40 is in chunk 1 (16..32) and chunk 2 (32..48): the miss names both.
        assert!(futures_executor::block_on(dir.fetch_missed()).unwrap());
        assert_eq!(file.read_bytes(30..40).unwrap().as_slice(), &bytes[30..40]);
        assert_eq!(dir.stats().requests, 2);

        let read = futures_executor::block_on(file.read_bytes_async(84..90)).unwrap();
        assert_eq!(read.as_slice(), &bytes[84..90]);
        assert_eq!(dir.stats().requests, 3);
        assert!(!futures_executor::block_on(dir.fetch_missed()).unwrap(), "nothing missed since");
    }

    #[test]
    fn a_corrupt_or_missing_chunk_is_an_error_that_names_it() {
        let bytes: Vec<u8> = (0..40u8).collect();
        let (file, mut source) = parts(&bytes, 0..1, 16);
        source.insert("c1", vec![0; 16]);
        source.remove("c2");
        let dir = LazyDirectory::new(vec![file], Some(Arc::new(source)));
        let file = handle(&dir);
        let err = futures_executor::block_on(file.read_bytes_async(16..20)).unwrap_err();
        assert!(err.to_string().contains("index chunk c1 is corrupt"), "{err}");
        let err = futures_executor::block_on(file.read_bytes_async(35..40)).unwrap_err();
        assert!(err.to_string().contains("cannot fetch index chunk c2"), "{err}");
    }

    #[test]
    fn equal_chunks_are_fetched_once_wherever_they_are() {
        // The norms of two zones no article fills are the same bytes, so the same content-named file.
        let zeros = vec![0u8; 16];
        let mut source = MemorySource::default();
        source.insert("zeros", zeros.clone());
        let spec = ChunkSpec { name: "zeros".into(), len: 16, crc: crc32fast::hash(&zeros) };
        let file = FileParts { path: "f".into(), len: 32, hot: Vec::new(), chunks: vec![spec.clone(), spec] };
        let dir = LazyDirectory::new(vec![file], Some(Arc::new(source)));
        let file = handle(&dir);
        let read = futures_executor::block_on(file.read_bytes_async(8..24)).unwrap();
        assert_eq!(read.as_slice(), &[0u8; 16]);
        assert_eq!(dir.stats().requests, 1, "one file, one fetch");
        assert_eq!(file.read_bytes(0..32).unwrap().len(), 32);
    }

    /// A host that fails the first fetches (a dropped connection), then serves.
    struct Flaky {
        files: MemorySource,
        failures: std::sync::atomic::AtomicUsize,
    }

    impl ChunkSource for Flaky {
        fn fetch(&self, name: &str) -> futures_util::future::BoxFuture<'static, io::Result<Vec<u8>>> {
            use std::sync::atomic::Ordering;
            if self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                return Box::pin(std::future::ready(Err(io::Error::other("connection reset"))));
            }
            self.files.fetch(name)
        }
    }

    #[test]
    fn a_chunk_that_failed_to_load_is_fetched_again_by_the_next_read() {
        let bytes: Vec<u8> = (0..40u8).collect();
        let (file, files) = parts(&bytes, 0..1, 16);
        let source = Flaky { files, failures: 1.into() };
        let dir = LazyDirectory::new(vec![file], Some(Arc::new(source)));
        let file = handle(&dir);
        let err = futures_executor::block_on(file.read_bytes_async(16..20)).unwrap_err();
        assert!(err.to_string().contains("connection reset"), "{err}");
        let read = futures_executor::block_on(file.read_bytes_async(16..20)).unwrap();
        assert_eq!(read.as_slice(), &bytes[16..20]);
    }
}
