//! The help center's knowledge base, searched with kb-core so agents can insert an article into a reply
//! (the same engine and ranking visitors get in the widget).
//!
//! kb-core's [`KnowledgeBase`] is made for one thread (the browser's), so one worker thread owns it and
//! answers searches in turn; a search over the local files takes milliseconds. A rebuilt help center
//! (a new `manifest.json`) is picked up on the next search, without a restart.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::SystemTime;

use kb_core::{KnowledgeBase, Lang, SearchRequest};
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

struct Job {
    query: String,
    lang: Option<Lang>,
    answer: oneshot::Sender<Result<Vec<ArticleCard>, String>>,
}

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
        self.jobs.send(Job { query, lang, answer }).map_err(|_| "the article search stopped".to_owned())?;
        answered.await.map_err(|_| "the article search stopped".to_owned())?
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
        let request = SearchRequest::new(job.query).lang(job.lang).limit(OFFERED).typing(true);
        let answer = futures_executor::block_on(opened.kb.search(&request))
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
        let _ = job.answer.send(answer);
    }
}
