//! Cutting a committed index into an entry (layout + hotcache) and chunks (native only: kb-builder).
//!
//! The hotcache is whatever opening the index reads, found by opening it once through a directory that logs
//! every read. The chunk boundaries are found the same way: looking every term up (one dictionary block
//! each), reading every term's postings and positions and every doc-store block once, and cutting between
//! those reads, so a chunk holds whole units and one lookup needs one chunk.

use std::collections::BTreeMap;
use std::ops::{Bound, Range};
use std::path::Path;

use tantivy::directory::CompositeFile;
use tantivy::directory::footer::Footer;
use tantivy::index::SegmentComponent;
use tantivy::{Directory, DocAddress, HasLen, Index, ReloadPolicy, TantivyDocument};

use super::{BODY_PREFIX, HOT_PREFIX, LAYOUT_FILE, Layout, LayoutFile, LazyDirectory};
use crate::bundle::{self, BundleFile};
use crate::schema::{KbSchema, Zone};
use crate::{Lang, Result, Synonyms};

/// How big a chunk may grow from whole units, per index file kind: one dictionary block or doc-store
/// block (a query needs one among many), a few terms' postings or positions.
/// Measured on the 8,714-article corpus, six questions, before dictionary chunks followed the blocks: 16 KB
/// postings and positions chunks and 8 KB dictionary chunks fetched 11.4% of the index; these fetched 8.8%,
/// at about half again as many files (4 KB postings chunks: 8.2%, a third more files again).
fn chunk_target(path: &str) -> usize {
    match Path::new(path).extension().and_then(|e| e.to_str()) {
        Some("term") | Some("store") => 4 * 1024,
        _ => 8 * 1024,
    }
}

/// An index whose files (bodies aside) are under this many times the all-in-entry limit still travels
/// whole in its entry, with only the bodies apart: on a throttled phone network the 456-article
/// sendgrid-docs (a 500 KB index, 3 MB of bodies) answered 2 s later from chunks, fetched in three
/// round trips after the wasm, than its whole index takes to download beside the wasm; and every later
/// question needs no fetch at all.
const INDEX_ALONE_FACTOR: usize = 2;

/// A file this small, or read mostly at opening, travels whole in the entry.
const WHOLE_IN_ENTRY_BELOW: usize = 2 * 1024;

/// The published pieces of one language's index.
pub(crate) struct LangSplit {
    pub entry: Vec<u8>,
    pub chunks: Vec<(String, Vec<u8>)>,
}

/// Splits the committed `index` of `lang`. `bodies` are the articles' body files (name, bytes); a small
/// knowledge base carries them in its entry, and they are returned among the chunks otherwise.
pub(crate) fn split(
    index: &Index,
    lang: Lang,
    articles: u64,
    synonyms: &Synonyms,
    bodies: Vec<(String, Vec<u8>)>,
    all_in_entry_below: usize,
) -> Result<LangSplit> {
    let files = read_files(index)?;
    let index_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let body_bytes: usize = bodies.iter().map(|(_, b)| b.len()).sum();
    let synonyms_json = serde_json::to_vec(synonyms).expect("synonyms serialize");

    let whole_index = index_bytes < all_in_entry_below.saturating_mul(INDEX_ALONE_FACTOR);
    if whole_index {
        let layout = Layout {
            lang,
            articles,
            files: files
                .iter()
                .map(|(path, bytes)| LayoutFile { path: path.clone(), len: bytes.len(), chunks: Vec::new() })
                .collect(),
        };
        let mut parts: Vec<(String, &[u8])> =
            files.iter().map(|(path, bytes)| (format!("{HOT_PREFIX}{path}@0"), bytes.as_slice())).collect();
        let (inside, apart) = if index_bytes + body_bytes < all_in_entry_below {
            (bodies, Vec::new())
        } else {
            (Vec::new(), bodies)
        };
        parts.extend(inside.iter().map(|(name, bytes)| (format!("{BODY_PREFIX}{name}"), bytes.as_slice())));
        return Ok(LangSplit { entry: entry(&layout, &synonyms_json, &parts), chunks: apart });
    }

    let directory = LazyDirectory::recording(files.clone());
    let opened = Index::open(directory.clone())?;
    let reader = opened.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let searcher = reader.searcher();
    let schema = KbSchema::new();
    let indexed = schema.indexed_fields();
    for segment in searcher.segment_readers() {
        for &field in &indexed {
            segment.inverted_index(field)?;
        }
    }
    // Counting a language's articles (the confidence needs it) reads the tiny `lang` field.
    searcher.doc_freq(&tantivy::Term::from_field_text(schema.lang, lang.code()))?;
    // The norms of the language's zones (a byte per article and zone) are hot too: every question scores
    // every zone, so its first answer fetched them as five more files in its second round trip; in the
    // entry they arrive beside the wasm, and a zone no article fills costs nothing compressed.
    for segment in searcher.segment_readers() {
        for zone in Zone::ALL {
            segment.get_fieldnorms_reader(schema.text_field(lang, zone))?;
        }
    }
    let hot = merged(directory.take_reads());

    // Units: every read a query can make, one at a time.
    let mut units: BTreeMap<String, Vec<Range<usize>>> = BTreeMap::new();
    let metas = opened.searchable_segment_metas()?;
    for (ord, (segment, meta)) in searcher.segment_readers().iter().zip(&metas).enumerate() {
        for &field in &indexed {
            let inverted = segment.inverted_index(field)?;
            let mut terms = inverted.terms().stream().map_err(tantivy::TantivyError::from)?;
            // The stream read the dictionary whole, up front; a lookup reads one block, so each term's
            // block is a unit instead (a chunk cut inside a block would cost a lookup two files).
            directory.take_reads();
            let mut infos = Vec::new();
            let mut blocks = std::collections::HashSet::new();
            while terms.advance() {
                infos.push(terms.value().clone());
                let key = terms.key();
                let block =
                    inverted.terms().file_slice_for_range((Bound::Included(key), Bound::Included(key)), None);
                block.read_bytes().map_err(tantivy::TantivyError::from)?;
                // Hundreds of terms share a block: keep the log of reads small on large dictionaries.
                if infos.len() % 1024 == 0 {
                    blocks.extend(directory.take_reads());
                }
            }
            blocks.extend(directory.take_reads());
            for (path, range) in blocks {
                units.entry(path).or_default().push(range);
            }
            // Another language's norms, never read by this index's questions, are units of their own.
            segment.get_fieldnorms_reader(field)?;
            for (component, positions) in
                [(SegmentComponent::Postings, false), (SegmentComponent::Positions, true)]
            {
                let path = meta.relative_path(component).to_string_lossy().into_owned();
                let Some(section) = section_start(&files, &path, field)? else { continue };
                let list = units.entry(path).or_default();
                for info in &infos {
                    let range = if positions { &info.positions_range } else { &info.postings_range };
                    if !range.is_empty() {
                        list.push(section + range.start..section + range.end);
                    }
                }
            }
        }
        for doc in 0..segment.max_doc() {
            searcher.doc::<TantivyDocument>(DocAddress::new(ord as u32, doc))?;
        }
        // Before the next segment's dictionary stream, whose reads are dropped.
        for (path, range) in directory.take_reads() {
            units.entry(path).or_default().push(range);
        }
    }

    let mut layout = Layout { lang, articles, files: Vec::new() };
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut chunks = Vec::new();
    for (path, bytes) in &files {
        let hot_ranges = hot.get(path).cloned().unwrap_or_default();
        let hot_len: usize = hot_ranges.iter().map(|r| r.len()).sum();
        let mut file = LayoutFile { path: path.clone(), len: bytes.len(), chunks: Vec::new() };
        // (A limit of 0 cuts every file, for tests of the chunked path on tiny indexes.)
        let whole = bytes.len() < WHOLE_IN_ENTRY_BELOW || hot_len * 2 >= bytes.len();
        if whole && all_in_entry_below > 0 {
            parts.push((format!("{HOT_PREFIX}{path}@0"), bytes.clone()));
            layout.files.push(file);
            continue;
        }
        for range in &hot_ranges {
            parts.push((format!("{HOT_PREFIX}{path}@{}", range.start), bytes[range.clone()].to_vec()));
        }
        // What opening reads is cut off on both sides: it never rides along in a chunk a query fetches.
        let forced: Vec<usize> = hot_ranges.iter().flat_map(|r| [r.start, r.end]).collect();
        let empty = Vec::new();
        for range in cut(bytes.len(), units.get(path).unwrap_or(&empty), &forced, chunk_target(path)) {
            let piece = &bytes[range];
            let name = format!("{}.chunk", content_name(piece));
            file.chunks.push((name.clone(), piece.len(), crc32fast::hash(piece)));
            chunks.push((name, piece.to_vec()));
        }
        layout.files.push(file);
    }
    chunks.extend(bodies);
    let parts: Vec<(String, &[u8])> = parts.iter().map(|(n, b)| (n.clone(), b.as_slice())).collect();
    Ok(LangSplit { entry: entry(&layout, &synonyms_json, &parts), chunks })
}

/// A file name for `bytes`: 128 bits of their BLAKE3 hash, so different contents never share a name
/// (files are cached forever under it).
pub(crate) fn content_name(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..32].to_string()
}

fn entry(layout: &Layout, synonyms: &[u8], parts: &[(String, &[u8])]) -> Vec<u8> {
    let layout = serde_json::to_vec(layout).expect("layout serializes");
    let mut files = vec![
        BundleFile { name: LAYOUT_FILE, bytes: &layout },
        BundleFile { name: bundle::SYNONYMS_FILE, bytes: synonyms },
    ];
    files.extend(parts.iter().map(|(name, bytes)| BundleFile { name, bytes }));
    bundle::write(&files)
}

/// Every file of the committed index: `meta.json` and the searchable segments' components.
fn read_files(index: &Index) -> Result<Vec<(String, Vec<u8>)>> {
    let directory = index.directory();
    let mut names = vec![std::path::PathBuf::from("meta.json")];
    for segment in index.searchable_segment_metas()? {
        for component in [
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
            SegmentComponent::Terms,
            SegmentComponent::Store,
            SegmentComponent::Delete,
        ] {
            let path = segment.relative_path(component);
            if directory.exists(&path).map_err(tantivy::TantivyError::from)? {
                names.push(path);
            }
        }
    }
    let files: Result<Vec<(String, Vec<u8>)>> = names
        .into_iter()
        .map(|name| {
            // Raw bytes, tantivy's footers included: the reader checks them.
            let bytes = directory.atomic_read(&name).map_err(tantivy::TantivyError::from)?;
            Ok((name.to_string_lossy().into_owned(), bytes))
        })
        .collect();
    Ok(with_stable_segment_ids(files?))
}

/// tantivy names each segment with a random id, and the published pieces are named by their content, so
/// every build would publish every piece under a new name and visitors' caches would start over. Each
/// segment takes an id made from its own files instead: the same articles give the same pieces, build
/// after build. (`meta.json` names segments as hyphenated UUIDs, their files as the bare hex.)
fn with_stable_segment_ids(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let segment_of = |name: &str| {
        let (id, _) = name.split_once('.')?;
        (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned())
    };
    let mut hashers: std::collections::BTreeMap<String, blake3::Hasher> = Default::default();
    for (name, bytes) in &files {
        if let Some(id) = segment_of(name) {
            let hasher = hashers.entry(id).or_default();
            hasher.update(&name.as_bytes()[32..]);
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
    }
    let hyphenated =
        |hex: &str| format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
    let renames: Vec<(String, String)> = hashers
        .into_iter()
        .map(|(old, hasher)| (old, hasher.finalize().to_hex()[..32].to_string()))
        .collect();
    files
        .into_iter()
        .map(|(name, bytes)| {
            if name == "meta.json" {
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                for (old, new) in &renames {
                    text = text.replace(&hyphenated(old), &hyphenated(new)).replace(old.as_str(), new);
                }
                return (name, text.into_bytes());
            }
            match renames.iter().find(|(old, _)| name.starts_with(old.as_str())) {
                Some((old, new)) => (format!("{new}{}", &name[old.len()..]), bytes),
                None => (name, bytes),
            }
        })
        .collect()
}

/// Where `field`'s section starts in the composite file `path` (postings, positions).
fn section_start(
    files: &[(String, Vec<u8>)],
    path: &str,
    field: tantivy::schema::Field,
) -> Result<Option<usize>> {
    let Some((_, bytes)) = files.iter().find(|(p, _)| p == path) else { return Ok(None) };
    // tantivy's file footer follows the composite file's own: strip it first, as the reader does.
    let directory = LazyDirectory::recording(vec![(path.to_string(), bytes.clone())]);
    let slice = directory.open_read(Path::new(path)).map_err(tantivy::TantivyError::from)?;
    let (_, slice) = Footer::extract_footer(slice).map_err(tantivy::TantivyError::from)?;
    let composite = CompositeFile::open(&slice).map_err(tantivy::TantivyError::from)?;
    let Some(section) = composite.open_read(field) else { return Ok(None) };
    directory.take_reads();
    if section.len() == 0 {
        return Ok(None);
    }
    section.read_bytes_slice(0..1).map_err(tantivy::TantivyError::from)?;
    Ok(directory.take_reads().first().map(|(_, range)| range.start))
}

/// Read ranges per file, sorted, with overlapping and touching ranges merged.
fn merged(reads: Vec<(String, Range<usize>)>) -> BTreeMap<String, Vec<Range<usize>>> {
    let mut by_file: BTreeMap<String, Vec<Range<usize>>> = BTreeMap::new();
    for (path, range) in reads {
        if !range.is_empty() {
            by_file.entry(path).or_default().push(range);
        }
    }
    for ranges in by_file.values_mut() {
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for range in ranges.drain(..) {
            match out.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => out.push(range),
            }
        }
        *ranges = out;
    }
    by_file
}

/// Chunk boundaries for a file of `len` bytes: whole units packed up to `target` bytes, a unit larger than
/// that on its own and whole (it is read whole: cut in pieces it cost one request per piece, in the same
/// round trip), gaps between units in the chunk before them, and never a chunk across a `forced`
/// boundary. A file without units is cut every `target` bytes.
fn cut(len: usize, units: &[Range<usize>], forced: &[usize], target: usize) -> Vec<Range<usize>> {
    // Where a unit begins, a chunk may end; where a forced boundary is, it does.
    let mut starts: Vec<usize> =
        units.iter().map(|u| u.start).chain(forced.iter().copied()).filter(|&s| s > 0 && s < len).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut chunks = Vec::new();
    let mut begin = 0;
    let mut i = 0;
    while begin < len {
        // The furthest unit boundary within the target, else the next one.
        while i < starts.len() && starts[i] <= begin {
            i += 1;
        }
        let mut end = None;
        let mut j = i;
        while j < starts.len() && starts[j] - begin <= target {
            end = Some(starts[j]);
            if forced.contains(&starts[j]) {
                break;
            }
            j += 1;
        }
        let end = match end {
            Some(end) => end,
            None if units.is_empty() => starts.get(i).copied().unwrap_or(len).min(begin + target),
            None => starts.get(i).copied().unwrap_or(len),
        };
        chunks.push(begin..end);
        begin = end;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // One range meant: a single chunk of all ten bytes.
    fn chunks_hold_whole_units_up_to_the_target() {
        let units = [0..3, 3..5, 5..12, 12..13, 13..40, 40..41];
        let chunks = cut(41, &units, &[], 6);
        // The 27-byte unit stays whole: it is read whole.
        assert_eq!(chunks, vec![0..5, 5..12, 12..13, 13..40, 40..41]);
        assert_eq!(cut(10, &[], &[], 4), vec![0..4, 4..8, 8..10]);
        assert_eq!(cut(10, &[0..10], &[], 4), vec![0..10], "one unit from byte 0 is whole too");
        // What opening reads (5..8) shares a chunk with neither neighbour.
        assert_eq!(cut(12, &[0..2, 2..5, 8..10, 10..12], &[5, 8], 6), vec![0..5, 5..8, 8..10, 10..12]);
    }

    #[test]
    fn reads_are_merged_per_file() {
        let reads = vec![
            ("a".to_string(), 5..8),
            ("a".to_string(), 0..2),
            ("a".to_string(), 2..3),
            ("b".to_string(), 1..1),
        ];
        let merged = merged(reads);
        assert_eq!(merged["a"], vec![0..3, 5..8]);
        assert!(!merged.contains_key("b"));
    }
}
