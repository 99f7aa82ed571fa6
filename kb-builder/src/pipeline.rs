//! `build` and `check`: content → validated articles → index (per-language entries, chunks, bodies) + help
//! center, as named stages.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use kb_core::{Article, Indexer, Lang};
use serde::Serialize;

use crate::config::SiteConfig;
use crate::content::{self, Loaded};
use crate::output::Staging;
use crate::progress::Progress;
use crate::site;

/// Where the index and its manifest go inside the output folder.
pub const KB_DIR: &str = "kb";
/// The manifest's file name: the one file a client fetches fresh; it names the hashed entries.
pub const MANIFEST: &str = "manifest.json";
/// The files of `kb/` this build wrote, one per line. The next build keeps them beside its own, so a page
/// opened before a rebuild can still fetch the chunks its entry names; the build after that drops them.
pub const BUILD_FILES: &str = "files.txt";

/// `dist/kb/manifest.json`.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Index format version (see `kb_core::bundle`).
    pub format_version: u32,
    /// Per language, the entry's file name (relative to the manifest): what the widget fetches first.
    pub entries: std::collections::BTreeMap<Lang, Entry>,
    /// Every byte of the index (entries, chunks, bodies), for the record.
    pub index_bytes: u64,
    /// Languages with their article counts.
    pub languages: std::collections::BTreeMap<Lang, usize>,
    /// Articles in all languages.
    pub articles: usize,
    /// When the build ran (RFC 3339, UTC).
    pub built_at: String,
    /// The tool that wrote it.
    pub generator: String,
    /// What the widget needs to know about the site.
    pub site: SiteInfo,
}

/// One language's entry in the manifest.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Entry {
    /// File name, relative to the manifest.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Site settings the widget reads from the manifest.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct SiteInfo {
    /// Site name per language.
    pub names: std::collections::BTreeMap<Lang, String>,
    /// Chat server URL, if live chat is set up.
    pub chat_url: Option<String>,
    /// Support hours, if set.
    pub business_hours: Option<crate::config::BusinessHours>,
}

/// What a build did, for the summary line and for benchmarks.
#[derive(Debug)]
pub struct BuildReport {
    /// The content as loaded (articles, diagnostics, counts).
    pub loaded: Loaded,
    /// The manifest's path inside the output folder, if the index was written.
    pub manifest: Option<PathBuf>,
    /// Bytes of the index written (entries, chunks, bodies).
    pub index_bytes: u64,
    /// Help-center pages and their bytes.
    pub site: site::SiteStats,
    /// Time per stage.
    pub stages: Vec<(&'static str, Duration)>,
}

/// Loads and validates the content, with progress, without writing anything.
pub fn load(content_dir: &Path, config: &SiteConfig, progress: &Progress) -> anyhow::Result<Loaded> {
    anyhow::ensure!(content_dir.is_dir(), "content folder {} does not exist", content_dir.display());
    let files =
        content::discover(content_dir).with_context(|| format!("cannot list {}", content_dir.display()))?;
    let done = AtomicUsize::new(0);
    // Each file is reported twice (parsed, rendered); rejected files only once, so the bar may end early.
    progress.start("reading", (files.len() * 2) as u64);
    let loaded = content::load(content_dir, &files, config, &|| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.set(n as u64);
    });
    progress.finish();
    Ok(loaded)
}

/// Builds into a staging folder and publishes it to `out_dir` when `publish_with_errors` or there are no
/// errors. Returns the report either way; the caller decides the exit code.
pub fn build(
    content_dir: &Path,
    out_dir: &Path,
    config: &SiteConfig,
    publish_with_errors: bool,
    all_in_entry_below: usize,
    progress: &Progress,
) -> anyhow::Result<BuildReport> {
    let mut stages = Vec::new();
    let started = Instant::now();
    let loaded = load(content_dir, config, progress)?;
    stages.push(("read, check and render articles", started.elapsed()));
    progress.stage(&format!(
        "{} files: {} articles, {} drafts skipped, {} rejected",
        loaded.files,
        loaded.articles.len(),
        loaded.drafts,
        loaded.rejected.values().sum::<usize>()
    ));

    let mut report = BuildReport { loaded, manifest: None, index_bytes: 0, site: Default::default(), stages };
    // Nothing is published when there are errors (unless asked to) or nothing to publish.
    if (report.loaded.errors() > 0 && !publish_with_errors) || report.loaded.articles.is_empty() {
        return Ok(report);
    }

    let staging = Staging::new(out_dir)?;
    let started = Instant::now();
    progress.start("indexing", report.loaded.articles.len() as u64);
    let split = index(&report.loaded.articles, &report.loaded.synonyms, all_in_entry_below, progress)?;
    progress.finish();
    let kb_dir = staging.path().join(KB_DIR);
    std::fs::create_dir_all(&kb_dir)?;
    let mut written = Vec::with_capacity(split.files.len() + split.entries.len());
    for (_, name, bytes) in &split.entries {
        std::fs::write(kb_dir.join(name), bytes)?;
        written.push(name.clone());
    }
    for (name, bytes) in &split.files {
        std::fs::write(kb_dir.join(name), bytes)?;
        written.push(name.clone());
    }
    keep_previous_files(&out_dir.join(KB_DIR), &kb_dir, &written)?;
    std::fs::write(kb_dir.join(BUILD_FILES), written.join("\n") + "\n")?;
    let manifest = Manifest {
        format_version: kb_core::bundle::FORMAT_VERSION,
        entries: split
            .entries
            .iter()
            .map(|(lang, name, bytes)| (*lang, Entry { file: name.clone(), bytes: bytes.len() as u64 }))
            .collect(),
        index_bytes: split.total_bytes(),
        languages: config
            .languages
            .iter()
            .map(|&lang| (lang, report.loaded.articles.iter().filter(|a| a.lang == lang).count()))
            .collect(),
        articles: report.loaded.articles.len(),
        built_at: jiff::Timestamp::now().round(jiff::Unit::Second)?.to_string(),
        generator: format!("kb-builder {}", env!("CARGO_PKG_VERSION")),
        site: SiteInfo {
            names: config.languages.iter().map(|&lang| (lang, config.site_name(lang).to_string())).collect(),
            chat_url: config.chat_url.clone(),
            business_hours: config.business_hours.clone(),
        },
    };
    std::fs::write(kb_dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    report.stages.push(("index", started.elapsed()));
    report.manifest = Some(Path::new(KB_DIR).join(MANIFEST));
    report.index_bytes = split.total_bytes();
    let chunks = split.files.iter().filter(|(name, _)| name.ends_with(".chunk")).count();
    progress.stage(&format!(
        "index {KB_DIR}/: {} in {} language entries, {chunks} chunks, {} bodies",
        human_bytes(report.index_bytes),
        split.entries.len(),
        split.files.len() - chunks
    ));

    let started = Instant::now();
    report.site = site::render(config, &report.loaded.articles, &report.loaded.arrangement, staging.path())?;
    for asset in report.loaded.assets.files() {
        let to = staging.path().join(&asset.public);
        if let Some(folder) = to.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::copy(&asset.source, &to)
            .with_context(|| format!("cannot copy {}", asset.source.display()))?;
    }
    report.stages.push(("help center pages", started.elapsed()));
    progress.stage(&format!(
        "help center: {} pages, {}; {} images and files",
        report.site.pages,
        human_bytes(report.site.bytes),
        report.loaded.assets.len()
    ));

    staging.publish()?;
    Ok(report)
}

/// Carries the files the previous build wrote itself (its `files.txt`) into the new `kb/` when the new build
/// does not write them: a visitor whose page loaded the previous entry can still fetch its chunks and
/// bodies until the next build. Linked, not copied, where the file system allows.
fn keep_previous_files(previous: &Path, staged: &Path, written: &[String]) -> anyhow::Result<()> {
    let Ok(list) = std::fs::read_to_string(previous.join(BUILD_FILES)) else { return Ok(()) };
    for name in list.lines().filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.starts_with('.')) {
        if written.iter().any(|w| w == name) {
            continue;
        }
        let (from, to) = (previous.join(name), staged.join(name));
        if from.is_file() && std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to).with_context(|| format!("cannot keep {}", from.display()))?;
        }
    }
    Ok(())
}

fn index(
    articles: &[Article],
    synonyms: &kb_core::Synonyms,
    all_in_entry_below: usize,
    progress: &Progress,
) -> anyhow::Result<kb_core::Split> {
    let mut indexer = Indexer::new()?;
    indexer.set_synonyms(synonyms.clone());
    indexer.set_all_in_entry_below(all_in_entry_below);
    for (i, article) in articles.iter().enumerate() {
        indexer.add(article)?;
        progress.set(i as u64 + 1);
    }
    Ok(indexer.finish()?)
}

/// "1.2 MB", "830 KB", "512 B".
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.0} KB", b as f64 / 1e3),
        b => format!("{b} B"),
    }
}
