//! Building an index from articles and packing it into a bundle (native only: tantivy's writer uses threads).

use tantivy::index::SegmentComponent;
use tantivy::{Directory, Index, IndexWriter, TantivyDocument};

#[cfg(test)]
use crate::BundleError;
use crate::analysis;
use crate::bundle::{self, BundleFile};
use crate::schema::{KbSchema, Zone};
use crate::{Article, Result, Synonyms};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// Collects articles into an in-memory index; [`Indexer::finish`] returns the bundle bytes.
pub struct Indexer {
    schema: KbSchema,
    index: Index,
    writer: IndexWriter,
    articles: usize,
    synonyms: Synonyms,
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
        Ok(Indexer { schema, index, writer, articles: 0, synonyms: Synonyms::new() })
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
        // An imported FAQ's title copied from its answer's first sentence is not a title (see repeats_opening).
        if !repeats_opening(&article.title, &article.body_text) {
            doc.add_text(s.text_field(lang, Zone::Title), &article.title);
        }
        for question in &article.questions {
            doc.add_text(s.text_field(lang, Zone::Questions), question);
        }
        for tag in &article.tags {
            doc.add_text(s.text_field(lang, Zone::Tags), tag);
        }
        if !copied_from(&article.summary, &article.body_text) {
            doc.add_text(s.text_field(lang, Zone::Summary), &article.summary);
        }
        doc.add_text(s.text_field(lang, Zone::Body), &article.body_text);

        self.writer.add_document(doc)?;
        self.articles += 1;
        Ok(())
    }

    /// Sets the synonyms queries are expanded with; they are packed into the bundle.
    pub fn set_synonyms(&mut self, synonyms: Synonyms) {
        self.synonyms = synonyms;
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
    pub fn finish(self) -> Result<Vec<u8>> {
        let synonyms = self.synonyms.clone();
        pack(&self.commit()?, &synonyms)
    }

    /// Commits and merges into one segment; the index is then complete and read-only.
    fn commit(mut self) -> Result<Index> {
        self.writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()?;
        Ok(self.index)
    }
}

/// Whether `title` is the first sentence of `body`, as the title `kb-builder import` derives for a FAQ
/// without a question (possibly shortened with "…", or the whole answer when it is one short sentence).
/// Such a title is no evidence beyond the body: indexed as a title, the opening's words would count three
/// times as much as the rest of the answer. An editor's title ("Refunds") is never a whole sentence of the
/// body's opening, so it is not affected.
fn repeats_opening(title: &str, body: &str) -> bool {
    let normal = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (title, body) = (normal(title), normal(body));
    if title.is_empty() {
        return false;
    }
    if let Some(shortened) = title.strip_suffix('…') {
        return body.starts_with(shortened.trim_end());
    }
    body == title || (title.ends_with(['.', '?', '!']) && body.starts_with(&title))
}

/// Whether `summary` is a passage of `body`, as the summary kb-builder derives when the editor wrote none
/// (the first sentence, possibly shortened with "…"). Indexed as a summary, it would only count that
/// sentence's words twice; a summary the editor wrote says something in other words, and is indexed.
fn copied_from(summary: &str, body: &str) -> bool {
    let normal = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let summary = normal(summary);
    let summary = summary.strip_suffix('…').unwrap_or(&summary).trim_end();
    !summary.is_empty() && normal(body).contains(summary)
}

/// The bytes of every file the committed index needs, in a stable order.
pub(crate) fn pack(index: &Index, synonyms: &Synonyms) -> Result<Vec<u8>> {
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
    contents
        .push((bundle::SYNONYMS_FILE.to_string(), serde_json::to_vec(synonyms).expect("synonyms serialize")));
    let files: Vec<BundleFile<'_>> =
        contents.iter().map(|(name, bytes)| BundleFile { name, bytes }).collect();
    Ok(bundle::write(&files))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, KnowledgeBase, Lang, SearchRequest};

    pub(crate) fn article(lang: Lang, id: &str, title: &str, body: &str) -> Article {
        Article {
            id: id.into(),
            lang,
            title: title.into(),
            category: "general".into(),
            tags: Vec::new(),
            questions: Vec::new(),
            summary: String::new(),
            team: None,
            url: format!("/{lang}/general/{id}/"),
            body_html: format!("<p>{body}</p>"),
            body_text: body.into(),
        }
    }

    #[test]
    fn a_summary_copied_from_the_body_is_not_indexed_twice() {
        let body = "Note\nRefunds reach your card within 7 business days. Bank holidays add a day.";
        assert!(copied_from("Refunds reach your card within 7 business days.", body));
        assert!(copied_from("Refunds reach your  card within…", body), "shortened, spacing aside");
        assert!(!copied_from("How long a refund takes, by payment method.", body), "the editor's own words");
        assert!(!copied_from("", body));
        assert!(!copied_from("…", body));
    }

    fn sample_index() -> Index {
        let mut indexer = Indexer::new().unwrap();
        for (i, (lang, title, body)) in [
            (Lang::Vi, "Chính sách đổi trả", "Đổi trả miễn phí trong 30 ngày."),
            (Lang::Vi, "Thời gian hoàn tiền", "Hoàn tiền về thẻ trong 7 ngày làm việc."),
            (Lang::Vi, "Phí vận chuyển", "Miễn phí giao hàng cho đơn từ 300.000đ."),
            (Lang::En, "Return policy", "Free returns within 30 days."),
            (Lang::En, "Refund time", "Refunds reach your card within 7 business days."),
            (Lang::En, "Shipping fees", "Free delivery on orders over 300,000 VND."),
        ]
        .into_iter()
        .enumerate()
        {
            indexer.add(&article(lang, &format!("a{i}"), title, body)).unwrap();
        }
        indexer.commit().unwrap()
    }

    fn sample_synonyms() -> Synonyms {
        let mut synonyms = Synonyms::new();
        synonyms.add_group(Lang::Vi, ["hoàn tiền", "trả tiền"]);
        synonyms.add_group(Lang::En, ["refund", "money back"]);
        synonyms
    }

    #[test]
    fn bundle_holds_the_index_files_byte_for_byte_and_the_synonyms() {
        let index = sample_index();
        let bytes = pack(&index, &sample_synonyms()).unwrap();
        let files = bundle::read(&bytes).unwrap();
        assert!(files.iter().any(|f| f.name == "meta.json"));
        assert!(files.len() >= 7, "meta.json, one segment's files, synonyms: {files:?}");
        for file in files {
            if file.name == bundle::SYNONYMS_FILE {
                let synonyms: Synonyms = serde_json::from_slice(file.bytes).unwrap();
                assert_eq!(synonyms, sample_synonyms());
                continue;
            }
            let original = index.directory().atomic_read(std::path::Path::new(file.name)).unwrap();
            assert_eq!(file.bytes, original.as_slice(), "{}", file.name);
        }
    }

    #[test]
    fn reopened_bundle_ranks_exactly_like_the_index_it_was_packed_from() {
        let index = sample_index();
        let bytes = pack(&index, &sample_synonyms()).unwrap();
        let original = KnowledgeBase::from_index(index, sample_synonyms()).unwrap();
        let reopened = KnowledgeBase::from_bundle(&bytes).unwrap();
        assert_eq!(reopened.synonyms(), &sample_synonyms());
        for text in [
            "doi tra",
            "hoàn tiền",
            "tra tien",
            "refund",
            "money back",
            "free 30 days",
            "phi van chuyen 300.000",
            "ship",
            "x",
        ] {
            for typing in [false, true] {
                let request = SearchRequest::new(text).typing(typing);
                assert_eq!(original.search(&request).unwrap(), reopened.search(&request).unwrap(), "{text}");
            }
        }
    }

    #[test]
    fn corrupt_or_foreign_bundles_give_clear_errors() {
        let bytes = pack(&sample_index(), &Synonyms::new()).unwrap();

        let mut flipped = bytes.clone();
        let at = flipped.len() / 3;
        flipped[at] ^= 1;
        let err = KnowledgeBase::from_bundle(&flipped).unwrap_err();
        assert!(matches!(err, Error::Bundle(BundleError::ChecksumMismatch { .. })), "{err}");
        assert!(err.to_string().contains("corrupt"), "{err}");

        let mut future = bytes.clone();
        future[8..12].copy_from_slice(&3u32.to_le_bytes());
        let err = KnowledgeBase::from_bundle(&future).unwrap_err();
        assert_eq!(
            err.to_string(),
            "index bundle format version 3 is not supported (this build reads version 2); rebuild the index with the same Answerdesk version as the widget"
        );
        // A bundle from before synonyms travelled in it (version 1) is refused just as clearly.
        let mut old = bytes.clone();
        old[8..12].copy_from_slice(&1u32.to_le_bytes());
        let err = KnowledgeBase::from_bundle(&old).unwrap_err();
        assert!(err.to_string().starts_with("index bundle format version 1 is not supported"), "{err}");

        let mut bad_synonyms = bundle::read(&bytes).unwrap();
        let garbage = BundleFile { name: bundle::SYNONYMS_FILE, bytes: b"{not json" };
        bad_synonyms.retain(|f| f.name != bundle::SYNONYMS_FILE);
        bad_synonyms.push(garbage);
        let err = KnowledgeBase::from_bundle(&bundle::write(&bad_synonyms)).unwrap_err();
        assert_eq!(err.to_string(), "index bundle is corrupt: the synonyms are not valid JSON");

        let err = KnowledgeBase::from_bundle(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(matches!(err, Error::Bundle(BundleError::ChecksumMismatch { .. })), "{err}");
    }
}
