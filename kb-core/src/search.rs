//! Opening a knowledge base from its pieces and searching it. This is the code the widget runs in wasm32.
//!
//! Every search first fetches what it will read, in as few round trips as the reads depend on each other,
//! then runs tantivy's ordinary synchronous search out of memory:
//!
//! 1. the dictionary blocks of every word the query may look up (each word, its accented form, its pairs,
//!    its synonyms, in every zone) and, while typing, of the word being typed as a prefix;
//! 2. for a word no zone knows (a typo), the blocks of its near spellings (an extra round trip, only then);
//! 3. the postings (and, for phrases, positions) of the query's terms (the zones' norms came with the
//!    entry);
//! 4. the doc-store blocks of the hits.
//!
//! Ranking: the plan's BM25 (`query` builds it), then the best `COVERAGE_POOL` hits rescored by
//! how much of the question each holds (`COVERAGE_WEIGHT`), from postings already in memory.
//!
//! A read the warm-up did not foresee is not an error: the search stops, fetches what it missed, and runs
//! again (so a gap costs a round trip, never a wrong answer): a mistyped Vietnamese syllable's pairs with
//! its neighbours, looked up once its near spellings are known, are such a read. Bodies come after the
//! first answer: hits carry the summary as their snippet until [`KnowledgeBase::snippets`] has fetched the
//! bodies.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared, join_all, try_join_all};
use serde::{Deserialize, Serialize};
use tantivy::postings::SegmentPostings;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, TERMINATED, TantivyDocument, Term,
};

use crate::confidence::{self, Confidence, Coverage};
use crate::lazy::{Body, ChunkSource, Entry, FetchStats, LazyDirectory, Split, is_not_loaded};
use crate::plan::{self, Node, TermInfos};
use crate::schema::{KbSchema, Zone};
use crate::snippet::{self, Snippet, Wanted};
use crate::synonyms::{SynonymTable, Synonyms};
use crate::{Error, Lang, Result, analysis, query};

/// A search that still misses bytes after this many fetches of what it missed gives up (a bug, not a
/// network problem: each attempt fetches everything the previous one missed).
const MAX_ATTEMPTS: usize = 6;
/// How much of a hit's score hangs on how much of the query it holds (its [`Coverage`]): the best
/// [`COVERAGE_POOL`] hits are rescored by `1 - w + w × coverage`, so an article with every word of the
/// question outranks one that scored on a single rare word (Lucene's classic coordination factor, softened).
/// At 0.2 every eval set gained a little as written; 0.4 gained more on covidfaq but lost on vicov19qa and
/// oval (see the closing note of issue 17).
const COVERAGE_WEIGHT: f32 = 0.2;
/// How many of the best hits are rescored by coverage.
const COVERAGE_POOL: usize = 20;
/// Bodies kept in memory after they were fetched.
const BODIES_KEPT: usize = 64;

/// What to search for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Natural-language text as typed.
    pub text: String,
    /// Only articles in this language; `None` searches every language.
    pub lang: Option<Lang>,
    /// At most this many hits.
    pub limit: usize,
    /// The visitor is still typing: the last word also matches as a prefix.
    pub typing: bool,
}

impl SearchRequest {
    /// A request for `text` in every language, 10 hits, last word complete.
    pub fn new(text: impl Into<String>) -> Self {
        SearchRequest { text: text.into(), lang: None, limit: 10, typing: false }
    }

    /// Restricts to one language.
    pub fn lang(mut self, lang: Option<Lang>) -> Self {
        self.lang = lang;
        self
    }

    /// Sets the number of hits.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Marks the text as still being typed.
    pub fn typing(mut self, typing: bool) -> Self {
        self.typing = typing;
        self
    }
}

/// One search result: what its card shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Article id.
    pub id: String,
    /// Article language.
    pub lang: Lang,
    /// Display title.
    pub title: String,
    /// Site-relative URL of the help-center page.
    pub url: String,
    /// Category key.
    pub category: String,
    /// Summary as written (or derived by kb-builder).
    pub summary: String,
    /// Team for escalations, if the editor named one.
    pub team: Option<String>,
    /// File name of the article's body ([`KnowledgeBase::body`]).
    pub body: String,
    /// Excerpt around the best match: from the summary until [`KnowledgeBase::snippets`] has read the body.
    pub snippet: Snippet,
    /// Relevance score; comparable only within one result list.
    pub score: f32,
}

/// An article as the widget shows it: its card and its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    /// What its search result shows (title, summary, team, URL, …).
    pub card: Hit,
    /// Sanitized HTML body (sanitized at build time).
    pub body_html: String,
}

/// Hits and how sure the engine is that the first one answers the question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The hits, best first.
    pub hits: Vec<Hit>,
    /// Whether to present the first hit as the answer or to offer a person as well.
    pub confidence: Confidence,
}

type Opening = Shared<BoxFuture<'static, std::result::Result<Arc<LangIndex>, Arc<str>>>>;

/// One language's slot: its entry's file name, and the index once opened.
struct Slot {
    lang: Lang,
    entry: Option<String>,
    index: Mutex<Option<Arc<LangIndex>>>,
    opening: Mutex<Option<Opening>>,
}

/// A searchable knowledge base: one index per language, each opened from its entry and fed with chunks
/// on demand.
pub struct KnowledgeBase {
    source: Option<Arc<dyn ChunkSource>>,
    slots: Vec<Slot>,
    bodies: Mutex<Vec<(String, Arc<Body>)>>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase").field("articles", &self.len()).finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// A knowledge base whose languages are the `entries` (language, entry file name) that `source` serves.
    /// A language is opened the first time a search needs it, or at once with [`KnowledgeBase::add_entry`].
    pub fn new(source: Arc<dyn ChunkSource>, entries: Vec<(Lang, String)>) -> Self {
        let slots = entries.into_iter().map(|(lang, entry)| Slot::new(lang, Some(entry))).collect();
        KnowledgeBase { source: Some(source), slots, bodies: Mutex::new(Vec::new()) }
    }

    /// A knowledge base held in memory (tests, tools): every file of `split`.
    pub fn from_split(split: &Split) -> Result<Self> {
        let entries = split.entries.iter().map(|(lang, name, _)| (*lang, name.clone())).collect();
        let mut kb = KnowledgeBase::new(Arc::new(split.to_memory()), entries);
        for (_, _, bytes) in &split.entries {
            kb.add_entry(bytes)?;
        }
        Ok(kb)
    }

    /// A knowledge base of one language's entry, whose chunks and bodies (if it has any: a small
    /// knowledge base carries everything in its entry) come from `source`.
    pub fn from_entry(bytes: &[u8], source: Option<Arc<dyn ChunkSource>>) -> Result<Self> {
        let mut kb = KnowledgeBase { source, slots: Vec::new(), bodies: Mutex::new(Vec::new()) };
        kb.add_entry(bytes)?;
        Ok(kb)
    }

    /// Opens a language from its entry's bytes (fetched already, say in parallel with the widget's code).
    /// Returns the language.
    pub fn add_entry(&mut self, bytes: &[u8]) -> Result<Lang> {
        let index = Arc::new(LangIndex::open(bytes, self.source.clone())?);
        let lang = index.lang;
        match self.slots.iter().find(|s| s.lang == lang) {
            Some(slot) => *lock(&slot.index) = Some(index),
            None => {
                let slot = Slot::new(lang, None);
                *lock(&slot.index) = Some(index);
                self.slots.push(slot);
            }
        }
        Ok(lang)
    }

    /// The languages this knowledge base has.
    pub fn langs(&self) -> Vec<Lang> {
        self.slots.iter().map(|s| s.lang).collect()
    }

    /// The language to search `text` in first, for a visitor reading the `page` language: the language
    /// the text is written in when its words say so clearly and the knowledge base has articles in it
    /// ([`analysis::language_of`]), else `page`. An English question on the Vietnamese page finds the
    /// English article first.
    pub fn language_for(&self, text: &str, page: Lang) -> Lang {
        analysis::language_of(text).filter(|lang| self.langs().contains(lang)).unwrap_or(page)
    }

    /// Opens `lang` if it is not yet (fetching its entry).
    pub async fn open(&self, lang: Lang) -> Result<()> {
        self.index(lang).await.map(|_| ())
    }

    async fn index(&self, lang: Lang) -> Result<Arc<LangIndex>> {
        let slot = self.slots.iter().find(|s| s.lang == lang).ok_or(Error::NoLanguage(lang))?;
        if let Some(index) = &*lock(&slot.index) {
            return Ok(index.clone());
        }
        let opening = {
            let mut opening = lock(&slot.opening);
            match &*opening {
                Some(future) => future.clone(),
                None => {
                    let (Some(source), Some(entry)) = (self.source.clone(), slot.entry.clone()) else {
                        return Err(Error::NoLanguage(lang));
                    };
                    let future = async move {
                        let bytes = source
                            .fetch(&entry)
                            .await
                            .map_err(|err| Arc::<str>::from(format!("cannot fetch {entry}: {err}")))?;
                        LangIndex::open(&bytes, Some(source))
                            .map(Arc::new)
                            .map_err(|err| Arc::<str>::from(err.to_string()))
                    }
                    .boxed()
                    .shared();
                    *opening = Some(future.clone());
                    future
                }
            }
        };
        let opened = opening.await;
        *lock(&slot.opening) = None;
        let index = opened.map_err(|err| Error::Fetch(err.to_string()))?;
        *lock(&slot.index) = Some(index.clone());
        Ok(index)
    }

    fn opened(&self) -> Vec<Arc<LangIndex>> {
        self.slots.iter().filter_map(|s| lock(&s.index).clone()).collect()
    }

    /// The synonyms the knowledge base was built with (applied to every query), from an opened language.
    pub fn synonyms(&self) -> Synonyms {
        self.opened().first().map(|index| index.synonyms.clone()).unwrap_or_default()
    }

    /// Number of articles in the languages opened so far.
    pub fn len(&self) -> u64 {
        self.opened().iter().map(|index| index.articles).sum()
    }

    /// Number of articles in `lang` (0 until the language is opened).
    pub fn count(&self, lang: Lang) -> u64 {
        self.opened().iter().filter(|index| index.lang == lang).map(|index| index.articles).sum()
    }

    /// Whether the opened languages have no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `lang` is open and searches it without fetching anything: its entry held the whole index
    /// (a small knowledge base). Snippets may still fetch bodies.
    pub fn searches_offline(&self, lang: Lang) -> bool {
        self.opened().iter().any(|index| index.lang == lang && index.directory.is_whole())
    }

    /// Index chunks fetched so far, every language together.
    pub fn fetched(&self) -> FetchStats {
        self.opened().iter().fold(FetchStats::default(), |total, index| {
            let stats = index.directory.stats();
            FetchStats { requests: total.requests + stats.requests, bytes: total.bytes + stats.bytes }
        })
    }

    /// Searches, judges whether the first hit answers the question ([`Confidence`]), and cuts snippets
    /// from the hits' bodies: [`KnowledgeBase::search_cards`] then [`KnowledgeBase::snippets`]. Never fails
    /// on what the visitor typed: text with no searchable word gives no hits.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let mut results = self.search_cards(request).await?;
        let snippets = self.snippets(request, &results.hits).await?;
        for (hit, snippet) in results.hits.iter_mut().zip(snippets) {
            hit.snippet = snippet;
        }
        Ok(results)
    }

    /// The first answer: hits with their summaries as snippets, and the confidence. Costs the dictionary
    /// blocks, postings and doc-store blocks it needs (see the module docs), no bodies.
    pub async fn search_cards(&self, request: &SearchRequest) -> Result<SearchResults> {
        let langs = match request.lang {
            Some(lang) => vec![lang],
            None => self.langs(),
        };
        let indexes = try_join_all(langs.iter().map(|&lang| self.index(lang))).await?;
        let limit = request.limit.max(2);
        let read: Vec<Cow<'_, SearchRequest>> = indexes.iter().map(|index| index.read(request)).collect();
        let found =
            try_join_all(indexes.iter().zip(&read).map(|(index, request)| index.top(request, limit))).await?;
        let mut scored: Vec<(usize, Ranked)> = found
            .iter()
            .enumerate()
            .flat_map(|(i, top)| top.iter().map(move |&ranked| (i, ranked)))
            .collect();
        // Best first; ties in a stable order (language, then document), as one index would order them.
        scored.sort_by(|(i, a), (j, b)| {
            b.score.total_cmp(&a.score).then(i.cmp(j)).then(a.address.cmp(&b.address))
        });
        scored.truncate(limit);

        // The lead is judged on BM25 alone, as the thresholds were calibrated: coverage is a signal of its
        // own, and counting it in both would make a first hit look further ahead than it is. A first hit
        // that coverage lifted over a better BM25 score has no lead at all.
        let confidence = match scored.first() {
            Some(&(_, first)) => {
                let second = scored.get(1).map_or(0.0, |(_, second)| second.bm25);
                confidence::judge(first.coverage, first.bm25, second)
            }
            None => Confidence::none(),
        };
        scored.truncate(request.limit);
        let docs = try_join_all(scored.iter().map(|&(i, ranked)| indexes[i].card(ranked.address))).await?;
        let hits = scored
            .iter()
            .zip(docs)
            .map(|(&(i, ranked), doc)| indexes[i].hit(&doc, ranked.score))
            .collect::<Result<_>>()?;
        Ok(SearchResults { hits, confidence })
    }

    /// Snippets cut from the bodies of `hits` (fetched in one round trip), in their order; a hit whose body
    /// does not match keeps the summary, highlighted where it matches.
    pub async fn snippets(&self, request: &SearchRequest, hits: &[Hit]) -> Result<Vec<Snippet>> {
        let bodies = try_join_all(hits.iter().map(|hit| self.body(hit.lang, &hit.body))).await?;
        let mut wanted: HashMap<Lang, Wanted> = HashMap::new();
        let mut snippets = Vec::with_capacity(hits.len());
        for (hit, body) in hits.iter().zip(bodies) {
            if let std::collections::hash_map::Entry::Vacant(slot) = wanted.entry(hit.lang) {
                let index = self.index(hit.lang).await?;
                slot.insert(index.wanted(&index.read(request))?);
            }
            let wanted = &wanted[&hit.lang];
            snippets.push(
                snippet::cut(wanted, &body.text)
                    .unwrap_or_else(|| snippet::highlighted(wanted, &hit.summary)),
            );
        }
        Ok(snippets)
    }

    /// The body named `name` of an article in `lang`: from the entry when it carries bodies, else fetched
    /// (and kept for the next time).
    pub async fn body(&self, lang: Lang, name: &str) -> Result<Arc<Body>> {
        if let Some((_, body)) = lock(&self.bodies).iter().find(|(n, _)| n == name) {
            return Ok(body.clone());
        }
        let index = self.index(lang).await?;
        let bytes = match index.bodies.get(name) {
            Some(bytes) => bytes.clone(),
            None => {
                let source =
                    self.source.as_ref().ok_or_else(|| Error::Fetch(format!("{name}: no source")))?;
                source.fetch(name).await.map_err(|err| Error::Fetch(format!("cannot fetch {name}: {err}")))?
            }
        };
        let body: Body = serde_json::from_slice(&bytes)
            .map_err(|_| Error::Fetch(format!("{name} is not an article body; rebuild the help center")))?;
        let body = Arc::new(body);
        let mut kept = lock(&self.bodies);
        if kept.len() >= BODIES_KEPT {
            kept.remove(0);
        }
        kept.push((name.to_string(), body.clone()));
        Ok(body)
    }

    /// The card of article `id` in `lang` (no body), if there is one: for suggestions and links.
    pub async fn card(&self, lang: Lang, id: &str) -> Result<Option<Hit>> {
        let index = self.index(lang).await?;
        match index.find(id).await? {
            Some(doc) => index.hit(&doc, 0.0).map(Some),
            None => Ok(None),
        }
    }

    /// The article `id` in `lang`, if there is one, with its body.
    pub async fn article(&self, lang: Lang, id: &str) -> Result<Option<ArticleView>> {
        let Some(hit) = self.card(lang, id).await? else { return Ok(None) };
        let body = self.body(lang, &hit.body).await?;
        Ok(Some(ArticleView { body_html: body.html.clone(), card: hit }))
    }
}

impl Slot {
    fn new(lang: Lang, entry: Option<String>) -> Self {
        Slot { lang, entry, index: Mutex::new(None), opening: Mutex::new(None) }
    }
}

/// One language's index, opened.
struct LangIndex {
    lang: Lang,
    articles: u64,
    schema: KbSchema,
    searcher: Searcher,
    directory: LazyDirectory,
    synonyms: Synonyms,
    synonym_table: SynonymTable,
    infos: TermInfos,
    bodies: HashMap<String, Vec<u8>>,
    // The reader owns the index the searcher reads; dropping it would close the index.
    _reader: IndexReader,
}

impl LangIndex {
    fn open(entry: &[u8], source: Option<Arc<dyn ChunkSource>>) -> Result<Self> {
        let (directory, layout, synonyms, bodies) = Entry::read(entry)?.directory(source);
        let index = Index::open(directory.clone())?;
        let schema = KbSchema::new();
        if !schema.matches(&index.schema()) {
            return Err(Error::SchemaMismatch);
        }
        analysis::register(index.tokenizers());
        // No reload thread: the browser has none, and an index never changes once opened.
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        let synonym_table = SynonymTable::new(&synonyms);
        Ok(LangIndex {
            lang: layout.lang,
            articles: layout.articles,
            schema,
            searcher,
            directory,
            synonyms,
            synonym_table,
            infos: TermInfos::default(),
            bodies: bodies.into_iter().collect(),
            _reader: reader,
        })
    }

    fn lexicon(&self) -> IndexLexicon<'_> {
        IndexLexicon {
            searcher: &self.searcher,
            schema: &self.schema,
            infos: &self.infos,
            missed: Mutex::new(false),
        }
    }

    /// Runs `attempt` until it no longer misses bytes, fetching what each try missed.
    async fn retrying<T>(&self, mut attempt: impl FnMut() -> Result<Attempt<T>>) -> Result<T> {
        for _ in 0..MAX_ATTEMPTS {
            match attempt() {
                Ok(Attempt::Done(value)) => return Ok(value),
                Ok(Attempt::Missed) => {}
                Err(err) if err.is_not_loaded() => {}
                Err(err) => return Err(err),
            }
            self.directory.fetch_missed().await.map_err(|err| Error::Fetch(err.to_string()))?;
        }
        Err(Error::Fetch("the index kept asking for bytes it had just fetched".into()))
    }

    /// `request` as this language reads it: Vietnamese chat abbreviations spelled out ("ko dc" → khong
    /// duoc), see [`analysis::spell_out_chat`].
    fn read<'r>(&self, request: &'r SearchRequest) -> Cow<'r, SearchRequest> {
        match analysis::spell_out_chat(self.lang, &request.text) {
            Cow::Borrowed(_) => Cow::Borrowed(request),
            Cow::Owned(text) => Cow::Owned(SearchRequest { text, ..request.clone() }),
        }
    }

    /// The plan for `request`'s text in this language, its lexicon lookups served from memory (warm first).
    fn build_plan(&self, request: &SearchRequest) -> Result<Attempt<Option<Node>>> {
        let lexicon = self.lexicon();
        let plan = query::build(
            &self.schema,
            self.lang,
            &request.text,
            request.typing,
            &lexicon,
            &self.synonym_table,
        );
        Ok(if lexicon.missed() { Attempt::Missed } else { Attempt::Done(plan) })
    }

    /// The best `limit` documents for `request`, ranked.
    async fn top(&self, request: &SearchRequest, limit: usize) -> Result<Vec<Ranked>> {
        self.warm_dictionary(request).await?;
        self.warm_near_spellings(request).await?;
        let Some(plan) = self.retrying(|| self.build_plan(request)).await? else { return Ok(Vec::new()) };
        self.warm_postings(&plan).await?;
        let pool = limit.max(COVERAGE_POOL);
        let top =
            self.retrying(|| Ok(Attempt::Done(plan::top(&self.searcher, &self.infos, &plan, pool)?))).await?;
        let addresses: Vec<DocAddress> = top.iter().map(|&(_, address)| address).collect();
        let coverages = self.coverages(&request.text, &addresses)?;
        let mut ranked: Vec<Ranked> = top
            .into_iter()
            .zip(coverages)
            .map(|((bm25, address), coverage)| Ranked {
                score: bm25 * (1.0 - COVERAGE_WEIGHT + COVERAGE_WEIGHT * coverage.all),
                bm25,
                address,
                coverage,
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        ranked.truncate(limit);
        Ok(ranked)
    }

    /// Round trip 1: the dictionary blocks of every term the query may look up, in every zone.
    async fn warm_dictionary(&self, request: &SearchRequest) -> Result<()> {
        let tokens = analysis::tokens(self.lang, &request.text);
        let typed: Vec<&str> =
            tokens.iter().filter(|t| t.kind == analysis::TermKind::Word).map(|t| t.text.as_str()).collect();
        let mut terms: Vec<String> = tokens.iter().map(|token| token.text.clone()).collect();
        for alternatives in self.synonym_table.alternatives(self.lang, &typed) {
            for phrase in alternatives {
                terms.extend(phrase.iter().map(|(_, word)| word.clone()));
                if let [(_, a), (_, b)] = phrase.as_slice() {
                    terms.push(format!("{a} {b}"));
                }
            }
        }
        terms.sort();
        terms.dedup();
        let prefix =
            request.typing.then(|| query::typed_prefix(self.lang, &request.text)).flatten().map(|prefix| {
                let end = query::prefix_end(&prefix);
                (prefix, end)
            });
        let mut reads: Vec<BoxFuture<'_, std::io::Result<()>>> = Vec::new();
        for zone in Zone::ALL {
            let field = self.schema.text_field(self.lang, zone);
            for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
                let (segment, inverted) = (segment as u32, reader.inverted_index(field)?);
                for term in &terms {
                    let key = Term::from_field_text(field, term);
                    if self.infos.cached(segment, &key).is_some() {
                        continue;
                    }
                    let inverted = inverted.clone();
                    reads.push(
                        async move {
                            let info = inverted.terms().get_async(key.serialized_value_bytes()).await?;
                            self.infos.keep(segment, &key, info);
                            Ok(())
                        }
                        .boxed(),
                    );
                }
                if let Some((prefix, end)) = &prefix {
                    let slice = inverted.terms().file_slice_for_range(
                        (Bound::Included(prefix.as_bytes()), Bound::Excluded(end.as_slice())),
                        Some(query::PREFIX_TERMS as u64 + 1),
                    );
                    reads.push(async move { slice.read_bytes_async().await.map(|_| ()) }.boxed());
                }
            }
        }
        settle(join_all(reads).await)
    }

    /// Round trip 2 (only for a word no zone knows): the dictionary blocks of its near spellings.
    async fn warm_near_spellings(&self, request: &SearchRequest) -> Result<()> {
        let lexicon = self.lexicon();
        let mut reads: Vec<BoxFuture<'_, std::io::Result<()>>> = Vec::new();
        for (word, distance) in query::unknown_words(self.lang, &request.text, request.typing, &lexicon) {
            for zone in Zone::ALL {
                let field = self.schema.text_field(self.lang, zone);
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, &word), distance, true);
                let Some((low, high)) = query::near_range(&word) else { continue };
                for segment in self.searcher.segment_readers() {
                    let inverted = segment.inverted_index(field)?;
                    // tantivy's automaton is not `Clone`: one per zone and segment.
                    let automaton = fuzzy.automaton()?;
                    let (low, high) = (low.clone(), high.clone());
                    reads.push(
                        async move {
                            let near = inverted.terms().search(automaton).ge(&low).lt(&high);
                            near.into_stream_async().await.map(|_| ())
                        }
                        .boxed(),
                    );
                }
            }
        }
        settle(join_all(reads).await)
    }

    /// Round trip 3: postings (positions for phrases) of the plan's terms, and the norms of their zones if
    /// the entry did not bring them (one built before they travelled in it).
    async fn warm_postings(&self, plan: &Node) -> Result<()> {
        let cold = plan::cold_terms(&self.searcher, &self.infos, plan)?;
        let mut reads: Vec<BoxFuture<'_, std::io::Result<()>>> = Vec::new();
        for (segment, term, positions) in cold {
            let inverted = self.searcher.segment_reader(segment).inverted_index(term.field())?;
            reads.push(async move { inverted.warm_postings(&term, positions).await.map(|_| ()) }.boxed());
        }
        // The norms the plan found missing.
        reads.push(async { self.directory.fetch_missed().await.map(|_| ()) }.boxed());
        settle(join_all(reads).await)
    }

    /// Round trip 4: a hit's stored card.
    async fn card(&self, address: DocAddress) -> Result<TantivyDocument> {
        Ok(self.searcher.doc_async::<TantivyDocument>(address).await?)
    }

    /// The stored card of the article `id`, if this language has it.
    async fn find(&self, id: &str) -> Result<Option<TantivyDocument>> {
        let term = Term::from_field_text(self.schema.id, id);
        for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
            let inverted = reader.inverted_index(self.schema.id)?;
            let info = inverted
                .terms()
                .get_async(term.serialized_value_bytes())
                .await
                .map_err(|err| Error::Fetch(err.to_string()))?;
            self.infos.keep(segment as u32, &term, info);
            inverted.warm_postings(&term, false).await.map_err(|err| Error::Fetch(err.to_string()))?;
        }
        let found = self
            .retrying(|| {
                for segment in 0..self.searcher.segment_readers().len() as u32 {
                    let postings =
                        self.infos.postings(&self.searcher, segment, &term, IndexRecordOption::Basic)?;
                    if let Some(doc) = postings.map(|p| p.doc()).filter(|&doc| doc != TERMINATED) {
                        return Ok(Attempt::Done(Some(DocAddress::new(segment, doc))));
                    }
                }
                Ok(Attempt::Done(None))
            })
            .await?;
        match found {
            Some(address) => self.card(address).await.map(Some),
            None => Ok(None),
        }
    }

    fn hit(&self, doc: &TantivyDocument, score: f32) -> Result<Hit> {
        let s = &self.schema;
        let lang: Lang = text(doc, s.lang).parse().map_err(|_| Error::SchemaMismatch)?;
        let summary = text(doc, s.summary);
        Ok(Hit {
            id: text(doc, s.id),
            lang,
            title: text(doc, s.title),
            url: text(doc, s.url),
            category: text(doc, s.category),
            snippet: Snippet { text: summary.clone(), highlights: Vec::new() },
            summary,
            team: Some(text(doc, s.team)).filter(|t| !t.is_empty()),
            body: text(doc, s.body),
            score,
        })
    }

    /// What snippets of this language look for in bodies for `request`: the body terms of its plan (words,
    /// accents, pairs, synonyms, near spellings), the rarer weighing more.
    fn wanted(&self, request: &SearchRequest) -> Result<Wanted> {
        let Some(plan) = (match self.build_plan(request)? {
            Attempt::Done(plan) => plan,
            // Everything the plan reads was read by its search.
            Attempt::Missed => return Err(Error::Fetch("snippets before the search".into())),
        }) else {
            return Ok(Wanted::default());
        };
        let body = self.schema.text_field(self.lang, Zone::Body);
        let mut words: Vec<Term> = Vec::new();
        plan.terms(&mut |term, _| {
            if term.field() == body {
                words.push(term.clone());
            }
        });
        let mut weights = Vec::new();
        for term in words {
            let doc_freq = self.infos.doc_freq(&self.searcher, &term)?;
            if let (Some(word), true) = (term.value().as_str(), doc_freq > 0) {
                weights.push((word.to_string(), 1.0 / (1.0 + doc_freq as f32)));
            }
        }
        Ok(Wanted::new(self.lang, weights))
    }

    /// How much of the query's meaning each article of `addresses` contains: its content words weighted
    /// by how rare they are (IDF), so "covid" in every article counts less than "booster". Reads only
    /// postings the search read, each once for all the articles (walked in document order).
    fn coverages(&self, text: &str, addresses: &[DocAddress]) -> Result<Vec<Coverage>> {
        let lang = self.lang;
        let words = query::content_words(lang, text);
        let lexicon = self.lexicon();
        let articles = self.articles as f32;
        let mut order: Vec<usize> = (0..addresses.len()).collect();
        order.sort_by_key(|&i| addresses[i]);
        let (mut total, mut found) = (0.0f32, vec![0.0f32; addresses.len()]);
        for word in &words {
            let df = query::Lexicon::doc_freq(&lexicon, lang, word) as f32;
            let idf = (1.0 + (articles - df + 0.5) / (df + 0.5)).ln();
            total += idf;
            let mut has = vec![false; addresses.len()];
            for zone in Zone::ALL {
                if has.iter().all(|&has| has) {
                    break;
                }
                let term = Term::from_field_text(self.schema.text_field(lang, zone), word);
                let mut postings: Option<(u32, Option<SegmentPostings>)> = None;
                for &i in &order {
                    let DocAddress { segment_ord, doc_id } = addresses[i];
                    if postings.as_ref().is_none_or(|(segment, _)| *segment != segment_ord) {
                        let opened = self.infos.postings(
                            &self.searcher,
                            segment_ord,
                            &term,
                            IndexRecordOption::Basic,
                        )?;
                        postings = Some((segment_ord, opened));
                    }
                    // Postings only go forward, and the addresses come in document order.
                    if let Some((_, Some(p))) = postings.as_mut()
                        && (p.doc() == doc_id || (p.doc() < doc_id && p.seek(doc_id) == doc_id))
                    {
                        has[i] = true;
                    }
                }
            }
            for (sum, has) in found.iter_mut().zip(has) {
                *sum += if has { idf } else { 0.0 };
            }
        }
        if lexicon.missed() {
            return Err(Error::Fetch("coverage read bytes the search did not".into()));
        }
        let share = |found: f32| if total > 0.0 { found / total } else { 0.0 };
        Ok(found.into_iter().map(|found| Coverage { all: share(found), words: words.len() }).collect())
    }
}

/// A hit of one language's index, before its card is read.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    /// What it is ranked by: BM25 weighed by coverage ([`COVERAGE_WEIGHT`]).
    score: f32,
    /// The plan's BM25 score alone, which the confidence's margin is judged on.
    bm25: f32,
    address: DocAddress,
    /// How much of the query it holds.
    coverage: Coverage,
}

/// What one synchronous try gave: a value, or reads of bytes not loaded yet.
enum Attempt<T> {
    Done(T),
    Missed,
}

/// Fails on the first error that is not a read of bytes that are not there (which the search will fetch
/// when it reads them).
fn settle(results: Vec<std::io::Result<()>>) -> Result<()> {
    for result in results {
        if let Err(err) = result
            && !is_not_loaded(&err)
        {
            return Err(Error::Fetch(err.to_string()));
        }
    }
    Ok(())
}

impl Error {
    fn is_not_loaded(&self) -> bool {
        matches!(self, Error::Index(err) if is_not_loaded(err))
    }
}

/// The index's words, as the query builder asks about them. A lookup of bytes not loaded yet answers as
/// if the word were absent and marks the lexicon `missed`, so the caller fetches and asks again.
struct IndexLexicon<'a> {
    searcher: &'a Searcher,
    schema: &'a KbSchema,
    infos: &'a TermInfos,
    missed: Mutex<bool>,
}

impl IndexLexicon<'_> {
    fn missed(&self) -> bool {
        *lock(&self.missed)
    }

    fn note<T: Default, E: std::error::Error + 'static>(&self, result: std::result::Result<T, E>) -> T {
        result.unwrap_or_else(|err| {
            if is_not_loaded(&err) {
                *lock(&self.missed) = true;
            }
            T::default()
        })
    }
}

impl query::Lexicon for IndexLexicon<'_> {
    fn doc_freq(&self, lang: Lang, term: &str) -> u64 {
        Zone::ALL
            .iter()
            .map(|&zone| {
                let term = Term::from_field_text(self.schema.text_field(lang, zone), term);
                self.note(self.infos.doc_freq(self.searcher, &term))
            })
            .max()
            .unwrap_or(0)
    }

    fn near(&self, lang: Lang, term: &str, distance: u8, limit: usize) -> Vec<String> {
        let mut found: Vec<(u64, String)> = Vec::new();
        let mut folded = String::new();
        let Some((low, high)) = query::near_range(term) else { return Vec::new() };
        for zone in Zone::ALL {
            let field = self.schema.text_field(lang, zone);
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
            for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
                let (Ok(automaton), Ok(inverted)) = (fuzzy.automaton(), reader.inverted_index(field)) else {
                    continue;
                };
                let near = inverted.terms().search(automaton).ge(&low).lt(&high);
                let Some(mut stream) = self.note(near.into_stream().map(Some)) else {
                    continue;
                };
                while stream.advance() {
                    let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                    // Only plain words: not syllable pairs, not the accented forms kept beside them.
                    analysis::fold_word(word, &mut folded);
                    if word == term || word.contains(' ') || folded != word {
                        continue;
                    }
                    let info = stream.value();
                    self.infos.keep(segment as u32, &Term::from_field_text(field, word), Some(info.clone()));
                    let df = u64::from(info.doc_freq);
                    match found.iter_mut().find(|(_, w)| w == word) {
                        Some(entry) => entry.0 = entry.0.max(df),
                        None => found.push((df, word.to_string())),
                    }
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.into_iter().take(limit).map(|(_, word)| word).collect()
    }

    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<String> {
        let mut words = Vec::new();
        let end = query::prefix_end(prefix);
        for (segment, reader) in self.searcher.segment_readers().iter().enumerate() {
            let Some(inverted) = self.note(reader.inverted_index(field).map(Some)) else { continue };
            let range = inverted.terms().range().ge(prefix.as_bytes()).lt(&end).limit(limit as u64 + 1);
            let Some(mut stream) = self.note(range.into_stream().map(Some)) else { continue };
            while words.len() < limit && stream.advance() {
                match std::str::from_utf8(stream.key()) {
                    Ok(word) if word.starts_with(prefix) => {
                        let term = Term::from_field_text(field, word);
                        self.infos.keep(segment as u32, &term, Some(stream.value().clone()));
                        words.push(word.to_string());
                    }
                    Ok(_) => break,
                    Err(_) => {}
                }
            }
        }
        words.sort();
        words.dedup();
        words.truncate(limit);
        words
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}
