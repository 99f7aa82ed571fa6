//! The tantivy schema: stored fields a result card displays, and per-language indexed fields.
//!
//! Each language has its own set of indexed fields, each analyzed by that language's analyzer, and its own
//! index (see [`crate::lazy`]): an article fills only its own language's fields. The doc store holds only
//! what a result card needs; the body lives in a file of its own, named by the `body` field.

use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

use crate::Lang;
use crate::analysis::tokenizer_name;

/// The parts of an article that are searched, from most to least telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// The title.
    Title,
    /// The `questions:` list: how visitors ask.
    Questions,
    /// Editor-chosen keywords.
    Tags,
    /// The one-paragraph summary.
    Summary,
    /// The body text.
    Body,
}

impl Zone {
    /// Every zone, in schema order.
    pub const ALL: [Zone; 5] = [Zone::Title, Zone::Questions, Zone::Tags, Zone::Summary, Zone::Body];

    fn name(self) -> &'static str {
        match self {
            Zone::Title => "title",
            Zone::Questions => "questions",
            Zone::Tags => "tags",
            Zone::Summary => "summary",
            Zone::Body => "body",
        }
    }
}

/// Handles to every field of the knowledge-base schema.
#[derive(Debug, Clone)]
pub struct KbSchema {
    /// The tantivy schema itself.
    pub schema: Schema,
    /// Article id (indexed raw, for look-up by id).
    pub id: Field,
    /// Language code (indexed raw).
    pub lang: Field,
    /// Display title.
    pub title: Field,
    /// Site-relative URL.
    pub url: Field,
    /// Category key.
    pub category: Field,
    /// Summary as written.
    pub summary: Field,
    /// Team for escalations.
    pub team: Field,
    /// File name of the article's body (HTML and text, see [`crate::Body`]), fetched when it is shown.
    pub body: Field,
    text: Vec<(Lang, Zone, Field)>,
}

impl KbSchema {
    /// Builds the schema. Field order is fixed, so the same code always yields the same schema.
    pub fn new() -> Self {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let lang = builder.add_text_field("lang", STRING | STORED);
        let title = builder.add_text_field("title", STORED);
        let url = builder.add_text_field("url", STORED);
        let category = builder.add_text_field("category", STRING | STORED);
        let summary = builder.add_text_field("summary", STORED);
        let team = builder.add_text_field("team", STORED);
        let body = builder.add_text_field("body", STORED);

        let mut text = Vec::new();
        for lang in Lang::ALL {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(tokenizer_name(lang))
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            for zone in Zone::ALL {
                let options = TextOptions::default().set_indexing_options(indexing.clone());
                let field = builder.add_text_field(&format!("{}_{}", lang.code(), zone.name()), options);
                text.push((lang, zone, field));
            }
        }

        KbSchema { schema: builder.build(), id, lang, title, url, category, summary, team, body, text }
    }

    /// The indexed field for a zone of a language.
    pub fn text_field(&self, lang: Lang, zone: Zone) -> Field {
        self.text
            .iter()
            .find(|(l, z, _)| *l == lang && *z == zone)
            .map(|(_, _, field)| *field)
            .expect("every language has every zone")
    }

    /// Every indexed field: the raw `id`, `lang` and `category`, then every language's zones.
    pub fn indexed_fields(&self) -> Vec<Field> {
        let mut fields = vec![self.id, self.lang, self.category];
        fields.extend(self.text.iter().map(|(_, _, field)| *field));
        fields
    }

    /// Whether an opened index has exactly the schema this code writes (same fields, same options).
    pub fn matches(&self, schema: &Schema) -> bool {
        &self.schema == schema
    }
}

impl Default for KbSchema {
    fn default() -> Self {
        Self::new()
    }
}
