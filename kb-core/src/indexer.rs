//! Building one index per language from articles and cutting them into their published pieces (native
//! only: tantivy's writer uses threads).

use tantivy::indexer::NoMergePolicy;
use tantivy::store::Compressor;
use tantivy::{Index, IndexSettings, IndexWriter, TantivyDocument};

use crate::lazy::{Body, Split, write};
use crate::schema::{KbSchema, Zone};
use crate::{Article, Lang, Result, Synonyms, analysis};

/// Memory each language's index writer may use before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Doc-store block size: a block holds about ten result cards, so the hits of a query touch a few small
/// blocks rather than a few 16 KB ones (tantivy's default).
const DOCSTORE_BLOCK_BYTES: usize = 4 * 1024;

/// Collects articles into one in-memory index per language; [`Indexer::finish`] returns the published
/// pieces ([`Split`]).
pub struct Indexer {
    schema: KbSchema,
    langs: Vec<LangWriter>,
    synonyms: Synonyms,
    all_in_entry_below: usize,
}

struct LangWriter {
    lang: Lang,
    index: Index,
    writer: IndexWriter,
    articles: u64,
    bodies: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").field("articles", &self.len()).finish_non_exhaustive()
    }
}

impl Indexer {
    /// Starts empty.
    pub fn new() -> Result<Self> {
        Ok(Indexer {
            schema: KbSchema::new(),
            langs: Vec::new(),
            synonyms: Synonyms::new(),
            all_in_entry_below: crate::lazy::ALL_IN_ENTRY_BELOW,
        })
    }

    fn writer(&mut self, lang: Lang) -> Result<&mut LangWriter> {
        if let Some(at) = self.langs.iter().position(|l| l.lang == lang) {
            return Ok(&mut self.langs[at]);
        }
        let settings = IndexSettings {
            // Chunks travel brotli-compressed; compressing the blocks first would only hide their
            // redundancy from brotli (and cost the widget a decompressor).
            docstore_compression: Compressor::None,
            docstore_blocksize: DOCSTORE_BLOCK_BYTES,
            ..IndexSettings::default()
        };
        let index = Index::builder().schema(self.schema.schema.clone()).settings(settings).create_in_ram()?;
        analysis::register(index.tokenizers());
        // One indexing thread: documents get ids in the order they were added, so equal scores rank the
        // same way in every build (with two threads, which segment a document lands in varies per run).
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        // One merge at the end (in `commit`), none in between.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        self.langs.push(LangWriter { lang, index, writer, articles: 0, bodies: Vec::new() });
        Ok(self.langs.last_mut().expect("just pushed"))
    }

    /// Adds one article.
    pub fn add(&mut self, article: &Article) -> Result<()> {
        let s = self.schema.clone();
        let body = Body { html: article.body_html.clone(), text: article.body_text.clone() };
        let body = serde_json::to_vec(&body).expect("a body serializes");
        let body_name = format!("{}.body", write::content_name(&body));

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
        doc.add_text(s.body, &body_name);

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

        let writer = self.writer(lang)?;
        writer.writer.add_document(doc)?;
        writer.articles += 1;
        // Two articles with the same body share its file.
        if !writer.bodies.iter().any(|(name, _)| *name == body_name) {
            writer.bodies.push((body_name, body));
        }
        Ok(())
    }

    /// Sets the synonyms queries are expanded with; they travel in every language's entry.
    pub fn set_synonyms(&mut self, synonyms: Synonyms) {
        self.synonyms = synonyms;
    }

    /// A language whose index and bodies take fewer bytes than this travels whole in its entry
    /// (default [`crate::lazy::ALL_IN_ENTRY_BELOW`]); one whose index alone is under twice this, whole
    /// in its entry with its bodies apart; 0 always cuts it into chunks.
    pub fn set_all_in_entry_below(&mut self, bytes: usize) {
        self.all_in_entry_below = bytes;
    }

    /// Number of articles added so far.
    pub fn len(&self) -> usize {
        self.langs.iter().map(|l| l.articles as usize).sum()
    }

    /// Whether no article was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Commits, merges each language into one segment (one set of files, fastest to search) and cuts it
    /// into its entry and chunks.
    pub fn finish(self) -> Result<Split> {
        let mut split = Split::default();
        let mut langs = self.langs;
        langs.sort_by_key(|l| l.lang);
        for mut lang in langs {
            let (code, articles, bodies) = (lang.lang, lang.articles, std::mem::take(&mut lang.bodies));
            let index = commit(lang)?;
            let pieces =
                write::split(&index, code, articles, &self.synonyms, bodies, self.all_in_entry_below)?;
            let name = format!("{code}-{}.entry", &write::content_name(&pieces.entry)[..16]);
            split.entries.push((code, name, pieces.entry));
            split.files.extend(pieces.chunks);
        }
        // Content-named: equal pieces (the norms of two empty zones, say) are one file to publish.
        let mut seen = std::collections::HashSet::new();
        split.files.retain(|(name, _)| seen.insert(name.clone()));
        Ok(split)
    }
}

/// Commits and merges into one segment; the index is then complete and read-only.
fn commit(mut lang: LangWriter) -> Result<Index> {
    lang.writer.commit()?;
    let segments = lang.index.searchable_segment_ids()?;
    if segments.len() > 1 {
        lang.writer.merge(&segments).wait()?;
    }
    lang.writer.wait_merging_threads()?;
    Ok(lang.index)
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

#[cfg(test)]
mod tests {
    use futures_executor::block_on;

    use super::*;
    use crate::{BundleError, Error, KnowledgeBase, SearchRequest};

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

    fn sample(all_in_entry_below: usize) -> Split {
        let mut indexer = Indexer::new().unwrap();
        indexer.set_synonyms(sample_synonyms());
        indexer.set_all_in_entry_below(all_in_entry_below);
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
        indexer.finish().unwrap()
    }

    #[test]
    fn an_index_small_enough_travels_whole_in_its_entry_with_only_its_bodies_apart() {
        // Each language's index with its bodies, measured by putting everything in the entries.
        let whole = sample(usize::MAX / 4);
        let largest = whole.entries.iter().map(|(_, _, bytes)| bytes.len()).max().unwrap();
        let limit = largest * 3 / 5;
        let split = sample(limit);
        assert!(!split.files.is_empty(), "the bodies are apart");
        assert!(split.files.iter().all(|(name, _)| name.ends_with(".body")), "and nothing else");

        let (kb, rounds) = counting_round_trips(&split);
        for lang in kb.langs() {
            rounds.run(kb.open(lang)).unwrap();
            assert!(kb.searches_offline(lang), "{lang}");
        }
        rounds.take();
        let request = SearchRequest::new("refund").lang(Some(Lang::En));
        let cards = rounds.run(kb.search_cards(&request)).unwrap();
        assert!(!cards.hits.is_empty());
        assert_eq!(rounds.take(), Vec::new(), "the cards need no fetch");
        rounds.run(kb.snippets(&request, &cards.hits)).unwrap();
        let fetched: Vec<String> = rounds.take().into_iter().flat_map(|round| round.files).collect();
        assert!(!fetched.is_empty() && fetched.iter().all(|name| name.ends_with(".body")), "{fetched:?}");
    }

    #[test]
    fn a_question_costs_the_dictionary_then_postings_and_positions_then_cards() {
        // Everything in chunks: each round trip is one dependent step of the search.
        let split = sample(0);
        let (kb, rounds) = counting_round_trips(&split);
        rounds.run(kb.open(Lang::En)).unwrap();
        rounds.take();
        // Two English words: their postings, and their positions for the phrase of the pair, in one trip.
        let request = SearchRequest::new("free returns within days").lang(Some(Lang::En));
        let cards = rounds.run(kb.search_cards(&request)).unwrap();
        assert_eq!(cards.hits[0].id, "a3");
        let trips = rounds.take();
        assert_eq!(trips.len(), 3, "dictionary, postings with positions, cards: {trips:?}");
    }

    /// Words made of letters only (the analyzer keeps them as they are), 30 to an article: a body
    /// dictionary of several blocks.
    fn many_words(n: usize) -> String {
        let letters: String =
            [n / 676, n / 26 % 26, n % 26].iter().map(|&d| (b'a' + d as u8) as char).collect();
        format!("zq{letters}k")
    }

    fn many_words_split() -> Split {
        let mut indexer = Indexer::new().unwrap();
        indexer.set_all_in_entry_below(0);
        for i in 0..200 {
            let body: Vec<String> = (0..30).map(|j| many_words(i * 30 + j)).collect();
            indexer.add(&article(Lang::En, &format!("a{i}"), "Guide", &body.join(" "))).unwrap();
        }
        indexer.finish().unwrap()
    }

    /// Regression: the term dictionary was cut every 4 KB regardless of its blocks, so most lookups read
    /// a block lying across two chunks (two requests); the norms came as one more file per zone.
    #[test]
    fn a_dictionary_lookup_costs_one_chunk_and_the_norms_come_with_the_entry() {
        let word = many_words;
        let split = many_words_split();
        let entry = crate::lazy::Entry::read(&split.entries[0].2).unwrap();
        let terms = entry.files.iter().find(|f| f.path.ends_with(".term")).unwrap();
        assert!(terms.chunks.len() > 4, "a dictionary of several blocks: {}", terms.chunks.len());

        let source = std::sync::Arc::new(split.to_memory());
        let schema = KbSchema::new();
        // Each word on a fresh directory, so a chunk the previous lookup fetched cannot hide a second one.
        for n in (0..6000).step_by(7) {
            let entry = crate::lazy::Entry::read(&split.entries[0].2).unwrap();
            let (directory, ..) = entry.directory(Some(source.clone()));
            let index = Index::open(directory.clone()).unwrap();
            let reader: tantivy::IndexReader =
                index.reader_builder().reload_policy(tantivy::ReloadPolicy::Manual).try_into().unwrap();
            let segment = reader.searcher().segment_reader(0).clone();
            for zone in Zone::ALL {
                let norms = segment.get_fieldnorms_reader(schema.text_field(Lang::En, zone));
                assert!(norms.is_ok(), "the {zone:?} norms are in the entry");
            }
            assert_eq!(directory.stats().requests, 0);
            let inverted = segment.inverted_index(schema.text_field(Lang::En, Zone::Body)).unwrap();
            let info = block_on(inverted.terms().get_async(word(n).as_bytes())).unwrap();
            assert!(info.is_some(), "{} is in the dictionary", word(n));
            let cost = directory.stats().requests;
            assert_eq!(cost, 1, "looking up {} fetched {cost} chunks", word(n));
        }
    }

    /// Regression: the word being typed read its zone's dictionary from its block on for 50 words, often
    /// several blocks past the last word it could be the start of.
    #[test]
    fn a_typed_prefix_reads_no_more_of_the_dictionary_than_the_whole_word() {
        let split = many_words_split();
        let first_trip = |text: &str, typing: bool| {
            let (kb, rounds) = counting_round_trips(&split);
            rounds.run(kb.open(Lang::En)).unwrap();
            rounds.take();
            let request = SearchRequest::new(text).lang(Some(Lang::En)).typing(typing);
            let cards = rounds.run(kb.search_cards(&request)).unwrap();
            assert!(!cards.hits.is_empty(), "{text}");
            rounds.take()
        };
        // `zqbc` starts 26 words (zqbcak … zqbczk), all in the block of the first.
        let typed = first_trip("zqbc", true);
        let whole = first_trip("zqbcak", false);
        assert_eq!(typed[0].files.len(), whole[0].files.len(), "typed {typed:?}, whole word {whole:?}");
        // The synchronous read asks for no more than the warm-up fetched: no retry, no extra round trip.
        assert_eq!(typed.len(), whole.len(), "typed {typed:?}, whole word {whole:?}");
    }

    /// A knowledge base over `split`'s files in memory, opening nothing yet, whose fetches are counted in
    /// round trips.
    fn counting_round_trips(split: &Split) -> (KnowledgeBase, std::sync::Arc<crate::lazy::measure::Rounds>) {
        let entries: Vec<(Lang, String)> =
            split.entries.iter().map(|(lang, name, _)| (*lang, name.clone())).collect();
        let memory = split.to_memory();
        let rounds = crate::lazy::measure::Rounds::new(move |name| {
            memory.get(name).map(<[u8]>::to_vec).ok_or_else(|| std::io::Error::other("lost"))
        });
        (KnowledgeBase::new(std::sync::Arc::new(rounds.clone()), entries), rounds)
    }

    fn sample_synonyms() -> Synonyms {
        let mut synonyms = Synonyms::new();
        synonyms.add_group(Lang::Vi, ["hoàn tiền", "hoàn trả"]);
        synonyms.add_group(Lang::En, ["refund", "money back"]);
        synonyms
    }

    const QUERIES: [&str; 9] = [
        "doi tra",
        "hoàn tiền",
        "hoan tra",
        "refund",
        "money back",
        "free 30 days",
        "phi van chuyen 300.000",
        "ship",
        "x",
    ];

    #[test]
    fn a_small_knowledge_base_travels_whole_in_one_entry_per_language() {
        let split = sample(crate::lazy::ALL_IN_ENTRY_BELOW);
        let langs: Vec<Lang> = split.entries.iter().map(|(lang, _, _)| *lang).collect();
        assert_eq!(langs, [Lang::Vi, Lang::En]);
        assert!(split.files.is_empty(), "no chunks, no separate bodies: {:?}", split.files.len());
        // The Vietnamese entry alone answers Vietnamese questions, without any source.
        let vi = KnowledgeBase::from_entry(&split.entries[0].2, None).unwrap();
        let hits = block_on(vi.search(&SearchRequest::new("doi tra"))).unwrap().hits;
        assert_eq!(hits[0].id, "a0");
        assert_eq!(vi.synonyms(), sample_synonyms());
    }

    #[test]
    fn chunked_and_whole_knowledge_bases_rank_and_snippet_alike() {
        let whole = KnowledgeBase::from_split(&sample(usize::MAX)).unwrap();
        let chunked_split = sample(0);
        assert!(chunked_split.files.iter().any(|(name, _)| name.ends_with(".chunk")));
        assert!(chunked_split.files.iter().any(|(name, _)| name.ends_with(".body")));
        let chunked = KnowledgeBase::from_split(&chunked_split).unwrap();
        for text in QUERIES {
            for typing in [false, true] {
                let request = SearchRequest::new(text).typing(typing);
                let a = block_on(whole.search(&request)).unwrap();
                let b = block_on(chunked.search(&request)).unwrap();
                assert_eq!(a, b, "{text}");
            }
        }
        assert!(chunked.fetched().requests > 0);
        assert_eq!(whole.fetched().requests, 0);
        let article = block_on(chunked.article(Lang::En, "a4")).unwrap().unwrap();
        assert_eq!(article.body_html, "<p>Refunds reach your card within 7 business days.</p>");
        assert!(block_on(chunked.article(Lang::En, "a0")).unwrap().is_none(), "a0 is Vietnamese");
    }

    /// Pieces are named by their content and cached forever: the same articles must give the same pieces,
    /// build after build (tantivy's random segment ids would rename them all).
    #[test]
    fn the_same_articles_give_the_same_pieces_every_build() {
        for limit in [0, usize::MAX] {
            let (first, second) = (sample(limit), sample(limit));
            assert_eq!(first.entries, second.entries, "entries, limit {limit}");
            assert_eq!(first.files, second.files, "chunks and bodies, limit {limit}");
        }
    }

    #[test]
    fn corrupt_old_or_missing_pieces_give_clear_errors() {
        let split = sample(0);
        let (_, _, entry) = &split.entries[1];

        let mut flipped = entry.clone();
        let at = flipped.len() / 3;
        flipped[at] ^= 1;
        let err = KnowledgeBase::from_entry(&flipped, None).unwrap_err();
        assert!(matches!(err, Error::Bundle(BundleError::ChecksumMismatch { .. })), "{err}");
        assert!(err.to_string().contains("corrupt"), "{err}");

        for old in [1u32, 2] {
            let mut old_entry = entry.clone();
            old_entry[8..12].copy_from_slice(&old.to_le_bytes());
            let err = KnowledgeBase::from_entry(&old_entry, None).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "index bundle format version {old} is not supported (this build reads version 3); rebuild the index with the same Answerdesk version as the widget"
                )
            );
        }

        // A host that serves something else for a chunk a query needs: the search says which chunk.
        let (kb, rounds) = counting_round_trips(&split);
        let entries: Vec<(Lang, String)> =
            split.entries.iter().map(|(lang, name, _)| (*lang, name.clone())).collect();
        let request = SearchRequest::new("refund").lang(Some(Lang::En));
        rounds.run(kb.search(&request)).unwrap();
        let fetched: Vec<String> = rounds.take().into_iter().flat_map(|round| round.files).collect();
        let lost = fetched.iter().find(|name| name.ends_with(".chunk")).unwrap();
        let mut source = split.to_memory();
        source.insert(lost, b"<!doctype html>".to_vec());
        let kb = KnowledgeBase::new(std::sync::Arc::new(source), entries);
        let err = block_on(kb.search(&request)).unwrap_err().to_string();
        assert!(err.contains(lost.as_str()) && err.contains("corrupt"), "{err}");
    }
}
