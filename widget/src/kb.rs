//! The knowledge base in the visitor's browser: the visitor's language opened from its entry (fetched by the
//! loader in parallel with this module), every other piece fetched over HTTP as questions need it
//! ([`kb_core::lazy`]). Searches are async: a query whose pieces are all in memory already (a small
//! knowledge base, or words asked before) resolves in the same task, without a fetch.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use kb_core::lazy::ChunkSource;
use kb_core::{ArticleView, Hit, KnowledgeBase, Lang, SearchRequest};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Results shown at most.
pub const RESULT_LIMIT: usize = 8;

thread_local! {
    // The browser runs the widget on one thread; signals carry only plain data, the index lives here.
    static KB: RefCell<Option<Rc<KnowledgeBase>>> = const { RefCell::new(None) };
    // Cards seen in results and look-ups, so an article opens with its title at once.
    static CARDS: RefCell<HashMap<(Lang, String), Hit>> = RefCell::new(HashMap::new());
}

/// Fetches the files next to `manifest.json` with `fetch()`, as immutable content-hashed URLs (the HTTP
/// cache keeps them).
#[derive(Debug)]
pub struct HttpSource {
    base: String,
}

impl HttpSource {
    /// Files under `base` (the `kb/` folder's URL, ending in `/`).
    pub fn new(base: String) -> Self {
        HttpSource { base }
    }
}

impl ChunkSource for HttpSource {
    fn fetch(&self, name: &str) -> BoxFuture<'static, std::io::Result<Vec<u8>>> {
        // Browser futures are not `Send`; the engine's are. The fetch runs as its own local task and hands
        // its bytes over through a channel, whose receiving end is `Send`.
        let (done, result) = futures_channel::oneshot::channel();
        let url = format!("{}{name}", self.base);
        wasm_bindgen_futures::spawn_local(async move {
            let _ = done.send(fetch_bytes(&url).await.map_err(std::io::Error::other));
        });
        Box::pin(async move {
            result.await.unwrap_or_else(|_| Err(std::io::Error::other("the fetch was dropped")))
        })
    }
}

/// `fetch(url)` → bytes, failing on HTTP errors.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response =
        JsFuture::from(window.fetch_with_str(url)).await.map_err(|err| format!("{url}: {err:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| format!("{url}: not a response"))?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|err| format!("{url}: {err:?}"))?)
        .await
        .map_err(|err| format!("{url}: {err:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Installs the knowledge base: `entries` (language, entry file) from the manifest, served under `base`,
/// with the first language's entry already fetched. Returns the number of articles opened.
pub fn open(base: String, entries: Vec<(Lang, String)>, first: Option<&[u8]>) -> kb_core::Result<u64> {
    let mut kb = KnowledgeBase::new(Arc::new(HttpSource::new(base)), entries);
    if let Some(bytes) = first {
        kb.add_entry(bytes)?;
    }
    let articles = kb.len();
    KB.with(|cell| *cell.borrow_mut() = Some(Rc::new(kb)));
    Ok(articles)
}

/// Opens `lang` (fetching its entry) if the knowledge base has it and it is not open yet.
pub async fn prepare(lang: Lang) {
    let Some(kb) = kb() else { return };
    if kb.langs().contains(&lang)
        && let Err(err) = kb.open(lang).await
    {
        web_sys::console::warn_1(&format!("Answerdesk: {err}").into());
    }
}

/// Whether a search in `lang` needs no fetch (the whole index came in its entry).
pub fn searches_offline(lang: Lang) -> bool {
    kb().is_some_and(|kb| kb.searches_offline(lang))
}

fn kb() -> Option<Rc<KnowledgeBase>> {
    KB.with(|cell| cell.borrow().clone())
}

/// Search results for one query, whether they come from another language than the visitor's, and whether
/// the engine is confident the first one answers the question (else the widget offers a person).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// The text these results answer.
    pub query: String,
    /// The language and typing mode searched (`None` until a search ran).
    pub asked: Option<(Lang, bool)>,
    pub hits: Vec<Hit>,
    pub other_language: bool,
    pub confident: bool,
    /// The index could not be read (a piece failed to load): the visitor is offered a person.
    pub failed: bool,
}

/// Searches articles in the language the text is written in (an English question on the Vietnamese page
/// finds the English article first, see [`KnowledgeBase::language_for`]), else in the page's `lang`; when
/// none match, every language. `typing`: the last word may be incomplete. Cards only: the snippets come
/// from [`with_snippets`].
pub async fn search(text: &str, lang: Lang, typing: bool) -> Results {
    let Some(kb) = kb() else { return Results::default() };
    let written_in = kb.language_for(text, lang);
    let mut results = run(&kb, text, Some(written_in), typing, written_in != lang).await;
    if written_in != lang && results.hits.is_empty() && !results.failed {
        results = run(&kb, text, Some(lang), typing, false).await;
    }
    if results.hits.is_empty() && !results.failed && !text.trim().is_empty() {
        results = run(&kb, text, None, typing, true).await;
    }
    results.asked = Some((lang, typing));
    results
}

impl Results {
    /// Whether these are the results of `query` in `lang` (typed or complete).
    pub fn answer(&self, query: &str, lang: Lang, typing: bool) -> bool {
        self.query == query && self.asked == Some((lang, typing))
    }
}

fn request(text: &str, lang: Option<Lang>, typing: bool) -> SearchRequest {
    SearchRequest::new(text).lang(lang).limit(RESULT_LIMIT).typing(typing)
}

async fn run(kb: &KnowledgeBase, text: &str, lang: Option<Lang>, typing: bool, other: bool) -> Results {
    let query = text.to_string();
    match kb.search_cards(&request(text, lang, typing)).await {
        Ok(found) => {
            remember(&found.hits);
            Results {
                query,
                asked: None,
                confident: found.confidence.is_confident(),
                hits: found.hits,
                other_language: other,
                failed: false,
            }
        }
        Err(err) => {
            // A piece that did not load, or a bug: show no hits, offer a person, say why in the console.
            web_sys::console::warn_1(&format!("Answerdesk: search failed: {err}").into());
            Results { query, failed: true, ..Results::default() }
        }
    }
}

/// `results` with snippets cut from the hits' bodies (fetched now); as they were if a body fails to load.
pub async fn with_snippets(lang: Lang, typing: bool, mut results: Results) -> Results {
    let Some(kb) = kb() else { return results };
    let lang = (!results.other_language).then_some(lang);
    let request = request(&results.query, lang, typing);
    if let Ok(snippets) = kb.snippets(&request, &results.hits).await {
        for (hit, snippet) in results.hits.iter_mut().zip(snippets) {
            hit.snippet = snippet;
        }
    }
    results
}

fn remember(hits: &[Hit]) {
    CARDS.with(|cards| {
        let mut cards = cards.borrow_mut();
        for hit in hits {
            cards.insert((hit.lang, hit.id.clone()), hit.clone());
        }
    });
}

/// The card of `id` in `lang`, if a search or look-up has shown it.
pub fn card(lang: Lang, id: &str) -> Option<Hit> {
    CARDS.with(|cards| cards.borrow().get(&(lang, id.to_string())).cloned())
}

/// The card of `id`, looked up in `lang` and then the other languages.
pub async fn find_card(lang: Lang, id: &str) -> Option<Hit> {
    if let Some(hit) = card(lang, id) {
        return Some(hit);
    }
    let kb = kb()?;
    for l in std::iter::once(lang).chain(Lang::ALL.into_iter().filter(|&l| l != lang)) {
        if !kb.langs().contains(&l) {
            continue;
        }
        if let Ok(Some(hit)) = kb.card(l, id).await {
            remember(std::slice::from_ref(&hit));
            return Some(hit);
        }
    }
    None
}

/// The article `id` in `lang` with its body.
pub async fn article(lang: Lang, id: &str) -> Result<Option<ArticleView>, String> {
    let kb = kb().ok_or("the knowledge base is not open")?;
    kb.article(lang, id).await.map_err(|err| err.to_string())
}
