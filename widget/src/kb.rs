//! The knowledge base held in the visitor's browser: opened once from the bundle bytes, then searched
//! synchronously on every keystroke (a query takes well under a millisecond).

use std::cell::RefCell;

use kb_core::{ArticleView, Hit, KnowledgeBase, Lang, SearchRequest};

/// Results shown at most.
pub const RESULT_LIMIT: usize = 8;

thread_local! {
    // The browser runs the widget on one thread; signals carry only plain data, the index lives here.
    static KB: RefCell<Option<KnowledgeBase>> = const { RefCell::new(None) };
}

/// Opens the bundle; returns the number of articles.
pub fn open(bundle: &[u8]) -> kb_core::Result<u64> {
    let kb = KnowledgeBase::from_bundle(bundle)?;
    let articles = kb.len();
    KB.with(|cell| *cell.borrow_mut() = Some(kb));
    Ok(articles)
}

/// Search results, whether they come from another language than the visitor's, and whether the engine is
/// confident the first one answers the question (else the widget offers a person next to them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub other_language: bool,
    pub confident: bool,
}

/// Searches articles in `lang`; when none match, every language (an English question on a Vietnamese
/// site still finds the English article). `typing`: the last word may be incomplete.
pub fn search(text: &str, lang: Lang, typing: bool) -> Results {
    KB.with(|cell| {
        let cell = cell.borrow();
        let Some(kb) = cell.as_ref() else { return Results::default() };
        let results = run(kb, text, Some(lang), typing, false);
        if !results.hits.is_empty() || text.trim().is_empty() {
            return results;
        }
        run(kb, text, None, typing, true)
    })
}

fn run(kb: &KnowledgeBase, text: &str, lang: Option<Lang>, typing: bool, other_language: bool) -> Results {
    let request = SearchRequest::new(text).lang(lang).limit(RESULT_LIMIT).typing(typing);
    // A failing search is a bug in the index, not the visitor's fault: show no hits (and offer a person).
    let Ok(found) = kb.search_with_confidence(&request) else { return Results::default() };
    Results { confident: found.confidence.is_confident(), hits: found.hits, other_language }
}

/// The article `id` in `lang`, falling back to any language that has it.
pub fn article(lang: Lang, id: &str) -> Option<ArticleView> {
    KB.with(|cell| {
        let cell = cell.borrow();
        let kb = cell.as_ref()?;
        std::iter::once(lang)
            .chain(Lang::ALL.into_iter().filter(|&l| l != lang))
            .find_map(|l| kb.article(l, id).ok().flatten())
    })
}
