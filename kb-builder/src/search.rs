//! `kb-builder search`: query a built knowledge base from the terminal, exactly as the widget would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kb_core::{KnowledgeBase, Lang, SearchRequest, SearchResults};

use crate::pipeline::{KB_DIR, MANIFEST, Manifest};

/// Arguments of `search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// A built output folder (`dist`), its `kb` folder, or a `.bundle` file.
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
}

/// Opens the bundle behind `path` (an output folder, a kb folder with a manifest, or a bundle file).
pub fn open(path: &Path) -> anyhow::Result<KnowledgeBase> {
    let bundle = if path.is_file() {
        path.to_path_buf()
    } else {
        let kb_dir = if path.join(MANIFEST).is_file() { path.to_path_buf() } else { path.join(KB_DIR) };
        let manifest_path = kb_dir.join(MANIFEST);
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(&manifest_path).with_context(|| {
                format!("cannot read {} (run `kb-builder build` first)", manifest_path.display())
            })?)
            .with_context(|| format!("{} is not a valid manifest", manifest_path.display()))?;
        kb_dir.join(manifest.bundle)
    };
    let bytes = std::fs::read(&bundle).with_context(|| format!("cannot read {}", bundle.display()))?;
    KnowledgeBase::from_bundle(&bytes).with_context(|| format!("cannot open {}", bundle.display()))
}

/// Runs the search and prints the hits.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let kb = open(&args.index)?;
    let request = SearchRequest::new(&args.query).lang(args.lang).limit(args.limit).typing(args.typing);
    let SearchResults { hits, confidence } = kb.search_with_confidence(&request)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
    } else if hits.is_empty() {
        println!("no results for {:?}", args.query);
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
            println!(
                "{:>2}. {} [{} {}] score {:.2}\n    {}\n    {}",
                rank + 1,
                hit.title,
                hit.lang,
                hit.id,
                hit.score,
                hit.url,
                snippet.replace('\n', " ")
            );
        }
        let verdict = if confidence.is_confident() {
            "confident: the widget shows the first hit as the answer"
        } else {
            "unsure: the widget offers a person next to these"
        };
        println!("{verdict} (coverage {:.2}, margin {:.2})", confidence.coverage, confidence.margin);
    }
    Ok(if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
