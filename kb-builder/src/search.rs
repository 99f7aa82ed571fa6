//! `kb-builder search`: query a built knowledge base from the terminal, exactly as the widget would.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use std::sync::Arc;

use kb_core::lazy::FolderSource;
use kb_core::lazy::measure::Rounds;
use kb_core::{KnowledgeBase, Lang, SearchRequest, SearchResults};

use crate::pipeline::{KB_DIR, MANIFEST, Manifest};

/// Arguments of `search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// A built output folder (`dist`), its `kb` folder, or one language's `.entry` file.
    #[arg(long, default_value = "dist")]
    index: PathBuf,
    /// What to search for, as a visitor would type it.
    query: String,
    /// Only articles in this language.
    #[arg(long)]
    lang: Option<Lang>,
    /// Number of results.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Treat the last word as still being typed (prefix match), as the widget does on each keystroke.
    #[arg(long)]
    typing: bool,
    /// Print the hits as JSON.
    #[arg(long)]
    json: bool,
    /// Also say what the search fetched, as the widget would: files, bytes and dependent round trips.
    #[arg(long)]
    fetches: bool,
}

/// Opens the knowledge base behind `path` (an output folder, a kb folder with a manifest, or one language's
/// entry file), reading its pieces through `rounds` so what a search fetches can be counted.
pub fn open(path: &Path) -> anyhow::Result<(KnowledgeBase, Arc<Rounds>)> {
    if path.is_file() {
        let folder = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let rounds = folder_rounds(folder);
        let kb = KnowledgeBase::from_entry(&bytes, Some(Arc::new(rounds.clone())))
            .with_context(|| format!("cannot open {}", path.display()))?;
        return Ok((kb, rounds));
    }
    let kb_dir = if path.join(MANIFEST).is_file() { path.to_path_buf() } else { path.join(KB_DIR) };
    let manifest_path = kb_dir.join(MANIFEST);
    let manifest: Manifest = serde_json::from_slice(&std::fs::read(&manifest_path).with_context(|| {
        format!("cannot read {} (run `kb-builder build` first)", manifest_path.display())
    })?)
    .with_context(|| format!("{} is not a valid manifest", manifest_path.display()))?;
    let entries = manifest.entries.iter().map(|(lang, entry)| (*lang, entry.file.clone())).collect();
    let rounds = folder_rounds(kb_dir.clone());
    let kb = KnowledgeBase::new(Arc::new(rounds.clone()), entries);
    // Open every language now, so a corrupt entry is reported as such and not counted as a search's fetch.
    for lang in kb.langs() {
        rounds
            .run(kb.open(lang))
            .with_context(|| format!("cannot open the {lang} index in {}", kb_dir.display()))?;
    }
    rounds.take();
    Ok((kb, rounds))
}

/// A source reading `folder` that counts round trips (see [`Rounds`]).
fn folder_rounds(folder: PathBuf) -> Arc<Rounds> {
    Rounds::new(move |name| {
        let source = FolderSource::new(folder.clone());
        futures_executor::block_on(kb_core::lazy::ChunkSource::fetch(&source, name))
    })
}

/// Runs the search and prints the hits.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let (kb, rounds) = open(&args.index)?;
    let request = SearchRequest::new(&args.query).lang(args.lang).limit(args.limit).typing(args.typing);
    let SearchResults { mut hits, confidence } = rounds.run(kb.search_cards(&request))?;
    let first_answer = rounds.take();
    let cut = rounds.run(kb.snippets(&request, &hits))?;
    for (hit, snippet) in hits.iter_mut().zip(cut) {
        hit.snippet = snippet;
    }
    let snippets = rounds.take();
    if args.fetches {
        let summary = |rounds: &[kb_core::lazy::measure::Round]| {
            let files: usize = rounds.iter().map(|r| r.files.len()).sum();
            let bytes: u64 = rounds.iter().map(|r| r.bytes).sum();
            format!("{} round trips, {files} files, {}", rounds.len(), crate::pipeline::human_bytes(bytes))
        };
        eprintln!("first answer ({} hits): {}", hits.len(), summary(&first_answer));
        for (i, round) in first_answer.iter().enumerate() {
            eprintln!("  round {}: {}", i + 1, round.files.join(" "));
        }
        eprintln!("snippets from bodies: {}", summary(&snippets));
    }
    let mut out = String::new();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&hits)?)?;
    } else if hits.is_empty() {
        writeln!(out, "no results for {:?}", args.query)?;
    } else {
        for (rank, hit) in hits.iter().enumerate() {
            let mut snippet = String::new();
            let mut at = 0;
            for range in &hit.snippet.highlights {
                snippet.push_str(&hit.snippet.text[at..range.start]);
                snippet.push_str(&format!("«{}»", &hit.snippet.text[range.clone()]));
                at = range.end;
            }
            snippet.push_str(&hit.snippet.text[at..]);
            writeln!(
                out,
                "{:>2}. {} [{} {}] score {:.2}\n    {}\n    {}",
                rank + 1,
                hit.title,
                hit.lang,
                hit.id,
                hit.score,
                hit.url,
                snippet.replace('\n', " ")
            )?;
        }
        let verdict = if confidence.is_confident() {
            "confident: the widget shows the first hit as the answer"
        } else {
            "unsure: the widget offers a person next to these"
        };
        writeln!(out, "{verdict} (coverage {:.2}, margin {:.2})", confidence.coverage, confidence.margin)?;
    }
    // `kb-builder search … | head` closes the pipe once it has read enough: the reader's choice, not an
    // error (printing would panic on it).
    match std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written?,
    }
    Ok(if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
