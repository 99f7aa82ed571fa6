//! Opening a knowledge base from its bundle and searching it. This is the code the widget runs in wasm32.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::RamDirectory;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocSet, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::confidence::{self, Confidence};
use crate::schema::{KbSchema, Zone};
use crate::synonyms::{SynonymTable, Synonyms};
use crate::{Error, Lang, Result, analysis, bundle, query};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 160;
/// How much of a body the snippet generator reads, in bytes: analysing (tokenizing, folding, stemming) every
/// word of ten long hits was most of a query's time. A match further in shows the summary instead, as the
/// highlighters of Lucene and Elasticsearch do past their own such limits.
const SNIPPET_ANALYZED_BYTES: usize = 10_000;

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

/// A piece of text with the byte ranges that matched the query. Render the ranges as highlights and
/// everything as text (never as HTML).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The excerpt.
    pub text: String,
    /// Byte ranges of `text` to highlight, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// HTML with `<mark>` around highlights and everything else escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        let mut at = 0;
        // Search returns sorted, disjoint ranges on character boundaries; a hand-made snippet that does
        // not is rendered without its bad ranges rather than panicking.
        for range in merged(&self.highlights) {
            let (Some(before), Some(marked)) = (self.text.get(at..range.start), self.text.get(range.clone()))
            else {
                continue;
            };
            escape_html(before, &mut html);
            html.push_str("<mark>");
            escape_html(marked, &mut html);
            html.push_str("</mark>");
            at = range.end;
        }
        escape_html(&self.text[at..], &mut html);
        html
    }
}

/// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` escaped, so it is safe in HTML text and attributes.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// One search result.
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
    /// Excerpt around the best match (the summary when the body did not match).
    pub snippet: Snippet,
    /// Relevance score; comparable only within one result list.
    pub score: f32,
}

/// An article as the widget shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    /// Article id.
    pub id: String,
    /// Article language.
    pub lang: Lang,
    /// Display title.
    pub title: String,
    /// Site-relative URL.
    pub url: String,
    /// Category key.
    pub category: String,
    /// Summary.
    pub summary: String,
    /// Team for escalations, if the editor named one.
    pub team: Option<String>,
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

/// A searchable knowledge base, held in memory.
pub struct KnowledgeBase {
    schema: KbSchema,
    searcher: Searcher,
    synonyms: Synonyms,
    synonym_table: SynonymTable,
    // The reader owns the index the searcher reads; dropping it would close the index.
    _reader: IndexReader,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase").field("articles", &self.len()).finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// Opens a knowledge base from bundle bytes (as fetched by the widget or read from disk).
    pub fn from_bundle(bytes: &[u8]) -> Result<Self> {
        let files = bundle::read(bytes)?;
        let directory = RamDirectory::create();
        let mut synonyms = Synonyms::new();
        for file in &files {
            if file.name == bundle::SYNONYMS_FILE {
                synonyms = serde_json::from_slice(file.bytes)
                    .map_err(|_| bundle::BundleError::Malformed("the synonyms are not valid JSON"))?;
                continue;
            }
            tantivy::Directory::atomic_write(&directory, Path::new(file.name), file.bytes)
                .map_err(tantivy::TantivyError::from)?;
        }
        let index = Index::open(directory)?;
        Self::from_index(index, synonyms)
    }

    pub(crate) fn from_index(index: Index, synonyms: Synonyms) -> Result<Self> {
        let schema = KbSchema::new();
        if !schema.matches(&index.schema()) {
            return Err(Error::SchemaMismatch);
        }
        analysis::register(index.tokenizers());
        // No reload thread: the browser has none, and a bundle never changes once opened.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        let synonym_table = SynonymTable::new(&synonyms);
        Ok(KnowledgeBase { schema, searcher, synonyms, synonym_table, _reader: reader })
    }

    /// The synonyms the bundle was built with (applied to every query).
    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// Number of articles (all languages).
    pub fn len(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Whether the knowledge base has no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of articles in one language.
    pub fn count(&self, lang: Lang) -> Result<u64> {
        Ok(self.searcher.doc_freq(&Term::from_field_text(self.schema.lang, lang.code()))?)
    }

    /// Searches. Never fails on what the visitor typed: text with no searchable word gives no hits.
    pub fn search(&self, request: &SearchRequest) -> Result<Vec<Hit>> {
        Ok(self.search_with_confidence(request)?.hits)
    }

    /// Searches, and judges whether the first hit answers the question ([`Confidence`]): the widget shows
    /// a confident hit as the answer and an unsure one next to "talk to us".
    pub fn search_with_confidence(&self, request: &SearchRequest) -> Result<SearchResults> {
        let langs: Vec<Lang> = match request.lang {
            Some(lang) => vec![lang],
            None => Lang::ALL.to_vec(),
        };
        let lexicon = IndexLexicon { searcher: &self.searcher, schema: &self.schema };
        let Some(query) =
            query::build(&self.schema, &langs, &request.text, request.typing, &lexicon, &self.synonym_table)
        else {
            return Ok(SearchResults { hits: Vec::new(), confidence: Confidence::none() });
        };
        // Two hits at least: the gap between the first and the second is part of the confidence.
        let top =
            self.searcher.search(&query, &TopDocs::with_limit(request.limit.max(2)).order_by_score())?;
        let confidence = match top.first() {
            Some(&(first, address)) => {
                let second = top.get(1).map_or(0.0, |&(score, _)| score);
                let lang = match langs.as_slice() {
                    [lang] => *lang,
                    _ => {
                        let doc: TantivyDocument = self.searcher.doc(address)?;
                        text(&doc, self.schema.lang).parse().map_err(|_| Error::SchemaMismatch)?
                    }
                };
                let coverage = self.coverage(lang, &request.text, address)?;
                confidence::judge(coverage, first, second)
            }
            None => Confidence::none(),
        };
        let mut snippets = Snippets::new(&self.searcher, &*query, &self.schema, &langs)?;
        let hits = top
            .into_iter()
            .take(request.limit)
            .map(|(score, address)| self.hit(address, score, &mut snippets))
            .collect::<Result<_>>()?;
        Ok(SearchResults { hits, confidence })
    }

    /// The share of the query's meaning the article at `address` contains: its content words weighted by
    /// how rare they are (IDF), so "covid" in every article counts less than "booster".
    fn coverage(&self, lang: Lang, text: &str, address: DocAddress) -> Result<f32> {
        let words = query::content_words(lang, text);
        let lexicon = IndexLexicon { searcher: &self.searcher, schema: &self.schema };
        let articles = self.count(lang)? as f32;
        let segment = self.searcher.segment_reader(address.segment_ord);
        let (mut total, mut found) = (0.0f32, 0.0f32);
        for word in &words {
            let df = query::Lexicon::doc_freq(&lexicon, lang, word) as f32;
            let idf = (1.0 + (articles - df + 0.5) / (df + 0.5)).ln();
            total += idf;
            for zone in Zone::ALL {
                let field = self.schema.text_field(lang, zone);
                let term = Term::from_field_text(field, word);
                let postings = segment
                    .inverted_index(field)?
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(tantivy::TantivyError::from)?;
                // Postings start on their first document; seeking backwards is not allowed.
                let id = address.doc_id;
                if postings.is_some_and(|mut p| p.doc() == id || (p.doc() < id && p.seek(id) == id)) {
                    found += idf;
                    break;
                }
            }
        }
        Ok(if total > 0.0 { found / total } else { 0.0 })
    }

    /// The article `id` in `lang`, if there is one.
    pub fn article(&self, lang: Lang, id: &str) -> Result<Option<ArticleView>> {
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_text(self.schema.id, id), IndexRecordOption::Basic))
                    as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.schema.lang, lang.code()),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let Some((_, address)) =
            self.searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?.into_iter().next()
        else {
            return Ok(None);
        };
        let doc: TantivyDocument = self.searcher.doc(address)?;
        let s = &self.schema;
        Ok(Some(ArticleView {
            id: text(&doc, s.id),
            lang,
            title: text(&doc, s.title),
            url: text(&doc, s.url),
            category: text(&doc, s.category),
            summary: text(&doc, s.summary),
            team: Some(text(&doc, s.team)).filter(|t| !t.is_empty()),
            body_html: text(&doc, s.body_html),
        }))
    }

    fn hit(&self, address: DocAddress, score: f32, snippets: &mut Snippets) -> Result<Hit> {
        let doc: TantivyDocument = self.searcher.doc(address)?;
        let s = &self.schema;
        let lang: Lang = text(&doc, s.lang).parse().map_err(|_| Error::SchemaMismatch)?;
        let summary = text(&doc, s.summary);
        Ok(Hit {
            id: text(&doc, s.id),
            lang,
            title: text(&doc, s.title),
            url: text(&doc, s.url),
            category: text(&doc, s.category),
            snippet: snippets.for_doc(lang, &doc, &summary),
            score,
        })
    }
}

/// The index's words, as the query builder asks about them.
struct IndexLexicon<'a> {
    searcher: &'a Searcher,
    schema: &'a KbSchema,
}

impl query::Lexicon for IndexLexicon<'_> {
    fn doc_freq(&self, lang: Lang, term: &str) -> u64 {
        Zone::ALL
            .iter()
            .map(|&zone| {
                let term = Term::from_field_text(self.schema.text_field(lang, zone), term);
                self.searcher.doc_freq(&term).unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }

    fn near(&self, lang: Lang, term: &str, distance: u8, limit: usize) -> Vec<String> {
        let mut found: Vec<(u64, String)> = Vec::new();
        let mut folded = String::new();
        for zone in Zone::ALL {
            let field = self.schema.text_field(lang, zone);
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
            for segment in self.searcher.segment_readers() {
                let (Ok(automaton), Ok(inverted)) = (fuzzy.automaton(), segment.inverted_index(field)) else {
                    continue;
                };
                let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else { continue };
                while stream.advance() {
                    let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                    // Only plain words: not syllable pairs, not the accented forms kept beside them.
                    analysis::fold_word(word, &mut folded);
                    if word == term || word.contains(' ') || folded != word {
                        continue;
                    }
                    let df = u64::from(stream.value().doc_freq);
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
}

fn text(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string()
}

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
fn prefix_within(text: &str, max_bytes: usize) -> &str {
    &text[..text.floor_char_boundary(max_bytes)]
}

/// Highlight ranges sorted and without overlaps: one word can match several terms (its folded form, its
/// accented form, a syllable pair), and each reports the same range.
fn merged(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

/// Snippet generators, one per language searched (each knows its language's query terms and analyzer).
struct Snippets {
    generators: Vec<(Lang, Field, SnippetGenerator)>,
}

impl Snippets {
    fn new(searcher: &Searcher, query: &dyn Query, schema: &KbSchema, langs: &[Lang]) -> Result<Self> {
        let generators = langs
            .iter()
            .map(|&lang| {
                let body = schema.text_field(lang, Zone::Body);
                let mut generator = SnippetGenerator::create(searcher, query, body)?;
                generator.set_max_num_chars(SNIPPET_CHARS);
                Ok((lang, body, generator))
            })
            .collect::<Result<_>>()?;
        Ok(Snippets { generators })
    }

    /// The best body excerpt; the summary (highlighted where it matches) when the body has no match.
    fn for_doc(&mut self, lang: Lang, doc: &TantivyDocument, summary: &str) -> Snippet {
        let Some((_, body, generator)) = self.generators.iter().find(|(l, _, _)| *l == lang) else {
            return Snippet { text: summary.to_string(), highlights: Vec::new() };
        };
        let body = doc.get_first(*body).and_then(|v| v.as_str()).unwrap_or_default();
        let from_body = generator.snippet(prefix_within(body, SNIPPET_ANALYZED_BYTES));
        if !from_body.highlighted().is_empty() {
            return Snippet {
                text: from_body.fragment().to_string(),
                highlights: merged(from_body.highlighted()),
            };
        }
        let from_summary = generator.snippet(summary);
        if from_summary.highlighted().is_empty() {
            Snippet { text: summary.to_string(), highlights: Vec::new() }
        } else {
            Snippet {
                text: from_summary.fragment().to_string(),
                highlights: merged(from_summary.highlighted()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysed_prefix_never_splits_a_character() {
        assert_eq!(prefix_within("đổi trả", 100), "đổi trả");
        // "đ" is 2 bytes and "ổ" 3: a cut at byte 3 or 4 falls back to the end of "đ".
        assert_eq!(prefix_within("đổi trả", 3), "đ");
        assert_eq!(prefix_within("đổi trả", 4), "đ");
        assert_eq!(prefix_within("đổi trả", 5), "đổ");
        assert_eq!(prefix_within("abc", 0), "");
    }
}
