//! The article as the index sees it: what kb-builder hands over after validating and rendering.

use serde::{Deserialize, Serialize};

use crate::Lang;

/// One help article, ready to index.
///
/// `(lang, id)` identifies an article: translations share the `id` and differ in `lang`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier, shared by the translations of one article.
    pub id: String,
    /// The language the article is written in.
    pub lang: Lang,
    /// Display title.
    pub title: String,
    /// Category key (the folder name, e.g. `returns`).
    pub category: String,
    /// Keywords editors attach to the article.
    pub tags: Vec<String>,
    /// Other ways visitors ask the question this article answers.
    pub questions: Vec<String>,
    /// One or two sentences shown under the title in results.
    pub summary: String,
    /// The team that answers escalations about this article, if any.
    pub team: Option<String>,
    /// Site-relative URL of the article's help-center page.
    pub url: String,
    /// Sanitized HTML body, shown inside the widget.
    pub body_html: String,
    /// Plain-text body, indexed and used for snippets.
    pub body_text: String,
}

/// Longest title derived from a FAQ's answer.
const FAQ_TITLE_CHARS: usize = 120;

impl Article {
    /// The title `kb-builder import` gives a question-and-answer pair: the question, or for an answer
    /// alone its first sentence (at most 120 characters).
    pub fn faq_title(question: &str, answer: &str) -> String {
        let question = question.trim();
        if question.is_empty() { crate::first_sentence(answer, FAQ_TITLE_CHARS) } else { question.to_owned() }
    }
}
