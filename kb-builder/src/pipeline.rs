//! `build` and `check`: content → validated articles → index bundle + help center, as named stages.

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

/// Where the bundle and its manifest go inside the output folder.
pub const KB_DIR: &str = "kb";
/// The manifest's file name: the one file a client fetches fresh; it names the hashed bundle.
pub const MANIFEST: &str = "manifest.json";

/// `dist/kb/manifest.json`.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Bundle layout version (see `kb_core::bundle`).
    pub format_version: u32,
    /// Bundle file name, relative to the manifest.
    pub bundle: String,
    /// Bundle size in bytes.
    pub bundle_bytes: u64,
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
    /// Bundle path inside the output folder, if written.
    pub bundle: Option<PathBuf>,
    /// Bundle size.
    pub bundle_bytes: u64,
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

    let mut report = BuildReport { loaded, bundle: None, bundle_bytes: 0, site: Default::default(), stages };
    // Nothing is published when there are errors (unless asked to) or nothing to publish.
    if (report.loaded.errors() > 0 && !publish_with_errors) || report.loaded.articles.is_empty() {
        return Ok(report);
    }

    let staging = Staging::new(out_dir)?;
    let started = Instant::now();
    progress.start("indexing", report.loaded.articles.len() as u64);
    let bundle = index(&report.loaded.articles, &report.loaded.synonyms, progress)?;
    progress.finish();
    let bundle_name = format!("{}.bundle", site::short_hash(&bundle));
    let kb_dir = staging.path().join(KB_DIR);
    std::fs::create_dir_all(&kb_dir)?;
    std::fs::write(kb_dir.join(&bundle_name), &bundle)?;
    let manifest = Manifest {
        format_version: kb_core::bundle::FORMAT_VERSION,
        bundle: bundle_name.clone(),
        bundle_bytes: bundle.len() as u64,
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
    report.stages.push(("index and bundle", started.elapsed()));
    report.bundle = Some(Path::new(KB_DIR).join(&bundle_name));
    report.bundle_bytes = bundle.len() as u64;
    progress.stage(&format!("bundle {KB_DIR}/{bundle_name}: {}", human_bytes(report.bundle_bytes)));

    let started = Instant::now();
    report.site = site::render(config, &report.loaded.articles, staging.path())?;
    report.stages.push(("help center pages", started.elapsed()));
    progress.stage(&format!("help center: {} pages, {}", report.site.pages, human_bytes(report.site.bytes)));

    staging.publish()?;
    Ok(report)
}

fn index(articles: &[Article], synonyms: &kb_core::Synonyms, progress: &Progress) -> anyhow::Result<Vec<u8>> {
    let mut indexer = Indexer::new()?;
    indexer.set_synonyms(synonyms.clone());
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
