//! The help center's knowledge base, searched with kb-core so agents can insert an article into a reply
//! (the same engine and ranking visitors get in the widget), and asked which team and category an
//! article the visitor read belongs to, so routing never takes the visitor's word for it.
//!
//! kb-core's [`KnowledgeBase`] is made for one thread (the browser's), so one worker thread owns it and
//! answers searches in turn; a search over the local files takes milliseconds. A rebuilt help center
//! (a new `manifest.json`) is picked up on the next search, without a restart.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::SystemTime;

use kb_core::{KnowledgeBase, Lang, SearchRequest};
use protocol::EscalationContext;
use protocol::rest::ArticleCard;
use tokio::sync::oneshot;

/// Articles offered per search.
const OFFERED: usize = 6;

/// Longest query taken, in characters (a reply box, not a document).
const MAX_QUERY_CHARS: usize = 200;

/// Searches the built help center on a thread of its own.
#[derive(Debug)]
pub struct Articles {
    jobs: mpsc::Sender<Job>,
}

enum Job {
    Search {
        query: String,
        lang: Option<Lang>,
        answer: oneshot::Sender<Result<Vec<ArticleCard>, String>>,
    },
    /// The team and category of each article (by language and id), `None` for one the help center lacks.
    Routes {
        articles: Vec<(String, String)>,
        answer: oneshot::Sender<Vec<Option<Route>>>,
    },
}

/// What the help center says routes an article: its front matter's team and its category.
type Route = (Option<String>, String);

impl Articles {
    /// Opens the knowledge base kb-builder wrote into `dir` (the output folder or its `kb` folder); `url`
    /// is where the help center is published, to make the article links absolute.
    pub fn open(dir: &Path, url: Option<String>) -> Result<Self, String> {
        let kb_dir = if dir.join("manifest.json").is_file() { dir.to_path_buf() } else { dir.join("kb") };
        let opened = Opened::open(&kb_dir)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let base = url.map(|u| u.trim_end_matches('/').to_owned()).unwrap_or_default();
        std::thread::Builder::new()
            .name("articles".into())
            .spawn(move || serve(kb_dir, base, opened, queue))
            .map_err(|e| format!("cannot start the article search: {e}"))?;
        Ok(Articles { jobs })
    }

    /// The articles that best answer `query`, only in `lang` when given; the last word counts as still
    /// being typed, as in the widget.
    pub async fn search(&self, query: &str, lang: Option<Lang>) -> Result<Vec<ArticleCard>, String> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job::Search { query, lang, answer })
            .map_err(|_| "the article search stopped".to_owned())?;
        answered.await.map_err(|_| "the article search stopped".to_owned())?
    }

    /// Replaces the team and category the widget reported for each article read by what the built help
    /// center says; an article it does not have routes nowhere. The visitor's browser sends the context,
    /// so without this a visitor could pick the queue their conversation lands in.
    pub async fn vouch(&self, context: &mut EscalationContext) {
        let articles = context.articles.iter().map(|a| (a.lang.clone(), a.id.clone())).collect();
        let (answer, answered) = oneshot::channel();
        let routes = match self.jobs.send(Job::Routes { articles, answer }) {
            Ok(()) => answered.await.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        for (i, article) in context.articles.iter_mut().enumerate() {
            let (team, category) = match routes.get(i).cloned().flatten() {
                Some((team, category)) => (team, Some(category).filter(|c| !c.is_empty())),
                None => (None, None),
            };
            article.team = team;
            article.category = category;
        }
    }
}

/// The open knowledge base and the manifest it was opened from.
struct Opened {
    kb: KnowledgeBase,
    built: Option<SystemTime>,
}

impl Opened {
    fn open(kb_dir: &Path) -> Result<Self, String> {
        let built = modified(kb_dir);
        let kb = kb_core::lazy::open_folder(kb_dir).map_err(|e| e.to_string())?;
        Ok(Opened { kb, built })
    }
}

fn modified(kb_dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(kb_dir.join("manifest.json")).and_then(|m| m.modified()).ok()
}

fn serve(kb_dir: PathBuf, base: String, mut opened: Opened, queue: mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        if modified(&kb_dir) != opened.built {
            match Opened::open(&kb_dir) {
                Ok(fresh) => opened = fresh,
                // Mid-rebuild, or a broken build: keep answering from the last good one.
                Err(e) => {
                    tracing::warn!(error = %e, "the rebuilt help center did not open; using the last one")
                }
            }
        }
        let (query, lang, answer) = match job {
            Job::Search { query, lang, answer } => (query, lang, answer),
            Job::Routes { articles, answer } => {
                let _ = answer.send(articles.iter().map(|(lang, id)| route(&opened.kb, lang, id)).collect());
                continue;
            }
        };
        let request = SearchRequest::new(query).lang(lang).limit(OFFERED).typing(true);
        let found = futures_executor::block_on(opened.kb.search(&request))
            .map(|results| {
                results
                    .hits
                    .into_iter()
                    .map(|hit| ArticleCard {
                        id: hit.id,
                        lang: hit.lang.to_string(),
                        title: hit.title,
                        summary: hit.summary,
                        url: format!("{base}{}", hit.url),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string());
        let _ = answer.send(found);
    }
}

/// The help center's team and category for article `id` in `lang`, if it has that article.
fn route(kb: &KnowledgeBase, lang: &str, id: &str) -> Option<Route> {
    let lang: Lang = lang.parse().ok()?;
    let card = futures_executor::block_on(kb.card(lang, id)).ok()??;
    Some((card.team, card.category))
}
