//! The plain BM25 baseline of `cargo xtask eval`: what tantivy gives with no extras. Its default tokenizer
//! (split on non-alphanumerics, lower-case, drop very long tokens), title and body as two fields of equal
//! weight, every query word OR-ed over both. No folding, stemming, stopwords, pairs, synonyms or typos.

use serde_json::Value;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value as _};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

/// An in-memory index of the articles.
#[allow(missing_debug_implementations)] // tantivy's tokenizer has no Debug.
pub struct PlainBm25 {
    id: Field,
    fields: [Field; 2],
    reader: IndexReader,
    tokenizer: std::cell::RefCell<TextAnalyzer>,
}

impl PlainBm25 {
    /// Indexes `docs` (`{"id","title","body"}`).
    pub fn new(docs: &[Value]) -> anyhow::Result<Self> {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let title = builder.add_text_field("title", TEXT);
        let body = builder.add_text_field("body", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index.writer(64 * 1024 * 1024)?;
        for doc in docs {
            let mut d = TantivyDocument::default();
            d.add_text(id, doc["id"].as_str().unwrap_or_default());
            d.add_text(title, doc["title"].as_str().unwrap_or_default());
            d.add_text(body, doc["body"].as_str().unwrap_or_default());
            writer.add_document(d)?;
        }
        writer.commit()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let tokenizer =
            index.tokenizers().get("default").ok_or_else(|| anyhow::anyhow!("no default tokenizer"))?;
        Ok(PlainBm25 { id, fields: [title, body], reader, tokenizer: std::cell::RefCell::new(tokenizer) })
    }

    /// Ids of the 10 best articles for `text`.
    pub fn search(&self, text: &str) -> Vec<String> {
        let mut words = Vec::new();
        {
            let mut tokenizer = self.tokenizer.borrow_mut();
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                words.push(stream.token().text.clone());
            }
        }
        words.sort();
        words.dedup();
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .flat_map(|word| {
                self.fields.iter().map(move |&field| {
                    let term = Term::from_field_text(field, word);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                    )
                })
            })
            .collect();
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&BooleanQuery::new(clauses), &TopDocs::with_limit(10).order_by_score())
            .unwrap_or_default();
        top.into_iter()
            .filter_map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address).ok()?;
                doc.get_first(self.id).and_then(|v| v.as_str()).map(str::to_string)
            })
            .collect()
    }
}
