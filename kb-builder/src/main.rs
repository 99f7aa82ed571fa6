//! `kb-builder`: compiles Markdown help articles into a search index the widget fetches piece by piece and a
//! static help center.
//!
//! Exit codes: 0 success, 1 content errors (or eval/search found nothing to run), 2 usage, 3 other failures
//! (I/O, a corrupt index).

mod config;
mod content;
mod diagnostics;
mod drafts;
mod eval;
mod import;
mod output;
mod pipeline;
mod progress;
mod search;
mod serve;
mod site;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use config::SiteConfig;
use diagnostics::Diagnostic;
use progress::Progress;

#[derive(Debug, Parser)]
#[command(
    name = "kb-builder",
    version,
    about = "Build the Answerdesk knowledge base: search index and help center"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the index and the help center into the output folder (atomically).
    Build(BuildArgs),
    /// Validate the content without writing anything.
    Check(CheckArgs),
    /// Build, serve the output on localhost, and rebuild and reload the browser when content changes.
    Serve(ServeArgs),
    /// Turn a JSONL file of {"id","question","answer","lang"} into articles under DIR/<lang>/<id>.md.
    Import(import::ImportArgs),
    /// Measure search quality: MRR@10, recall@1/5/10, nDCG@10, zero-result rate.
    Eval(eval::EvalArgs),
    /// Search a built knowledge base from the command line.
    Search(search::SearchArgs),
    /// Article drafts agents saved in the console: `drafts pull --from <chat-server URL> --out content`.
    Drafts(drafts::DraftsArgs),
}

#[derive(Debug, Args)]
struct ContentArgs {
    /// The content folder (Markdown articles; answerdesk.toml here or in its parent).
    #[arg(long, default_value = "content")]
    content: PathBuf,
    /// Print every warning (by default the first 20, then a count per kind).
    #[arg(long)]
    all_warnings: bool,
    /// Print only errors and the summary line.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Debug, Args)]
struct BuildArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// The output folder, replaced as a whole when the build succeeds.
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Publish what is valid even when some files have errors (they are left out and reported);
    /// exits 0 if at least one article was built.
    #[arg(long)]
    keep_going: bool,
    /// A language whose index and bodies take fewer bytes than this travels whole in its entry (one
    /// fetch answers everything); one whose index alone is under twice this, whole with its bodies
    /// apart; larger ones are cut into chunks fetched on demand. 0 always cuts.
    #[arg(long, value_name = "BYTES", default_value_t = kb_core::lazy::ALL_IN_ENTRY_BELOW)]
    all_in_entry_below: usize,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    content: ContentArgs,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// The output folder.
    #[arg(long, default_value = "dist")]
    out: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
}

/// Warnings printed before the rest are only counted.
const WARNINGS_SHOWN: usize = 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(args),
        Command::Serve(args) => serve::run(args.content.content, args.out, args.listen, args.content.quiet),
        Command::Import(args) => import::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Search(args) => search::run(args),
        Command::Drafts(args) => drafts::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(3)
        }
    }
}

fn load_config(content: &Path) -> anyhow::Result<SiteConfig> {
    let (config, _path) = SiteConfig::load(content)?;
    Ok(config)
}

fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.content.content)?;
    let progress = Progress::new(args.content.quiet);
    let report = pipeline::build(
        &args.content.content,
        &args.out,
        &config,
        args.keep_going,
        args.all_in_entry_below,
        &progress,
    )?;
    print_diagnostics(&report.loaded.diagnostics, &args.content);
    let errors = report.loaded.errors();
    let built = report.loaded.articles.len();
    if report.manifest.is_none() && errors == 0 {
        eprintln!(
            "build failed: no article in {}; {} left unchanged",
            args.content.content.display(),
            args.out.display()
        );
        return Ok(ExitCode::from(1));
    }
    if report.manifest.is_none() {
        eprintln!(
            "build failed: {errors} error(s) in {} file(s); {} left unchanged (use --keep-going to publish the valid articles)",
            report.loaded.rejected.values().sum::<usize>(),
            args.out.display()
        );
        return Ok(ExitCode::from(1));
    }
    eprintln!(
        "built {built} articles ({} rejected{}, {} drafts) into {} in {:.2}s",
        report.loaded.rejected.values().sum::<usize>(),
        rejected_by_reason(&report.loaded.rejected),
        report.loaded.drafts,
        args.out.display(),
        report.stages.iter().map(|(_, d)| d.as_secs_f64()).sum::<f64>()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.content.content)?;
    let loaded = pipeline::load(&args.content.content, &config, &Progress::new(true))?;
    print_diagnostics(&loaded.diagnostics, &args.content);
    let errors = loaded.errors();
    let warnings = loaded.diagnostics.len() - errors;
    eprintln!(
        "checked {} files: {} articles ok, {} drafts, {errors} error(s), {warnings} warning(s)",
        loaded.files,
        loaded.articles.len(),
        loaded.drafts
    );
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// ": duplicate-id 15, missing-title 2" (largest first), or nothing when no file was rejected.
fn rejected_by_reason(rejected: &BTreeMap<&'static str, usize>) -> String {
    let mut reasons: Vec<(&&str, &usize)> = rejected.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = reasons.iter().map(|(code, n)| format!("{code} {n}")).collect();
    if list.is_empty() { String::new() } else { format!(": {}", list.join(", ")) }
}

/// Prints errors, and warnings up to a limit, then a count per kind of what was not shown.
fn print_diagnostics(diagnostics: &[Diagnostic], args: &ContentArgs) {
    let mut hidden: BTreeMap<&str, usize> = BTreeMap::new();
    let mut warnings_shown = 0;
    for d in diagnostics {
        if d.is_error() {
            eprintln!("{d}");
        } else if !args.quiet && (args.all_warnings || warnings_shown < WARNINGS_SHOWN) {
            eprintln!("{d}");
            warnings_shown += 1;
        } else {
            *hidden.entry(d.code).or_default() += 1;
        }
    }
    if !hidden.is_empty() {
        let counts: Vec<String> = hidden.iter().map(|(code, n)| format!("{code}: {n}")).collect();
        eprintln!(
            "… and {} more warnings ({}); --all-warnings shows them",
            hidden.values().sum::<usize>(),
            counts.join(", ")
        );
    }
}
