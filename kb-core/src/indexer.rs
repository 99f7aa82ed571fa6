//! Building an index from articles and packing it into a bundle (native only: tantivy's writer uses threads).

use tantivy::index::SegmentComponent;
use tantivy::{Directory, Index, IndexWriter, TantivyDocument};

use crate::analysis;
use crate::bundle::{self, BundleFile};
use crate::schema::{KbSchema, Zone};
use crate::{Article, Result};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// Collects articles into an in-memory index; [`Indexer::finish`] returns the bundle bytes.
pub struct Indexer {
    schema: KbSchema,
    index: Index,
    writer: IndexWriter,
    articles: usize,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").field("articles", &self.articles).finish_non_exhaustive()
    }
}

impl Indexer {
    /// Starts an empty index.
    pub fn new() -> Result<Self> {
        let schema = KbSchema::new();
        let index = Index::create_in_ram(schema.schema.clone());
        analysis::register(index.tokenizers());
        let writer = index.writer(WRITER_MEMORY_BYTES)?;
        Ok(Indexer { schema, index, writer, articles: 0 })
    }

    /// Adds one article.
    pub fn add(&mut self, article: &Article) -> Result<()> {
        let s = &self.schema;
        let mut doc = TantivyDocument::default();
        doc.add_text(s.id, &article.id);
        doc.add_text(s.lang, article.lang.code());
        doc.add_text(s.title, &article.title);
        doc.add_text(s.url, &article.url);
        doc.add_text(s.category, &article.category);
        doc.add_text(s.summary, &article.summary);
        if let Some(team) = &article.team {
            doc.add_text(s.team, team);
        }
        doc.add_text(s.body_html, &article.body_html);

        let lang = article.lang;
        doc.add_text(s.text_field(lang, Zone::Title), &article.title);
        for question in &article.questions {
            doc.add_text(s.text_field(lang, Zone::Questions), question);
        }
        for tag in &article.tags {
            doc.add_text(s.text_field(lang, Zone::Tags), tag);
        }
        doc.add_text(s.text_field(lang, Zone::Summary), &article.summary);
        doc.add_text(s.text_field(lang, Zone::Body), &article.body_text);

        self.writer.add_document(doc)?;
        self.articles += 1;
        Ok(())
    }

    /// Number of articles added so far.
    pub fn len(&self) -> usize {
        self.articles
    }

    /// Whether no article was added.
    pub fn is_empty(&self) -> bool {
        self.articles == 0
    }

    /// Commits, merges everything into one segment (one set of files, fastest to search) and packs the
    /// index files into bundle bytes.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        self.writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        pack(&self.index)
    }
}

/// The bytes of every file the committed index needs, in a stable order.
pub(crate) fn pack(index: &Index) -> Result<Vec<u8>> {
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
    let mut contents = Vec::with_capacity(names.len());
    for name in &names {
        // Raw bytes, tantivy's footers included: the reader writes them back verbatim.
        let bytes = directory.atomic_read(name).map_err(tantivy::TantivyError::from)?;
        contents.push((name.to_string_lossy().into_owned(), bytes));
    }
    let files: Vec<BundleFile<'_>> =
        contents.iter().map(|(name, bytes)| BundleFile { name, bytes }).collect();
    Ok(bundle::write(&files))
}
