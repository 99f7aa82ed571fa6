//! `kb-builder import`: FAQ pairs (JSONL) → one Markdown article per pair, `DIR/<lang>/<id>.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kb_core::Lang;
use serde::Deserialize;

use crate::diagnostics::Diagnostic;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// JSONL file, one {"id","question","answer","lang"} object per line.
    file: PathBuf,
    /// Folder to write the articles into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Pair {
    id: String,
    #[serde(default)]
    question: String,
    answer: String,
    lang: String,
}

/// Reads every line first and writes nothing if any line is bad.
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_line(&args.file, i + 1, line) {
            Ok(article) => articles.push(article),
            Err(d) => errors.push(d),
        }
    }
    for d in &errors {
        eprintln!("{d}");
    }
    if !errors.is_empty() {
        eprintln!("import failed: {} bad line(s); nothing was written", errors.len());
        return Ok(ExitCode::from(1));
    }
    for (lang, id, markdown) in &articles {
        let dir = args.out.join(lang.code());
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{id}.md"));
        std::fs::write(&path, markdown).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("imported {} articles into {}", articles.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn parse_line(file: &Path, line_no: usize, line: &str) -> Result<(Lang, String, String), Diagnostic> {
    let pair: Pair = serde_json::from_str(line).map_err(|e| {
        Diagnostic::error("invalid-json", file, (line_no, e.column().max(1)), format!("not a FAQ pair: {e}"))
            .hint(r#"each line must be one JSON object like {"id":"a1","question":"…","answer":"…","lang":"en"}"#)
    })?;
    let lang: Lang = pair.lang.parse().map_err(|_| {
        Diagnostic::error("unknown-language", file, (line_no, 1), format!("unknown language `{}`", pair.lang))
            .hint("use \"vi\" or \"en\"")
    })?;
    let id_ok = !pair.id.is_empty()
        && pair.id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !id_ok || pair.id.starts_with('.') {
        return Err(Diagnostic::error(
            "invalid-id",
            file,
            (line_no, 1),
            format!("id `{}` cannot be a file name", pair.id),
        )
        .hint("use letters, digits, `-`, `_` and `.`"));
    }
    if pair.answer.trim().is_empty() {
        return Err(Diagnostic::error(
            "empty-body",
            file,
            (line_no, 1),
            format!("`{}` has an empty answer", pair.id),
        ));
    }
    let title = kb_core::Article::faq_title(&pair.question, &pair.answer);
    let mut markdown = String::from("---\n");
    // JSON strings are valid YAML double-quoted scalars, so any text round-trips.
    markdown.push_str(&format!("id: {}\n", json(&pair.id)));
    markdown.push_str(&format!("title: {}\n", json(&title)));
    markdown.push_str("---\n");
    markdown.push_str(pair.answer.trim());
    markdown.push('\n');
    Ok((lang, pair.id, markdown))
}

fn json(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_the_question_or_the_first_sentence() {
        let (_, _, md) = parse_line(
            Path::new("f"),
            1,
            r#"{"id":"a1","question":"","answer":"Wash hands. Often.","lang":"en"}"#,
        )
        .unwrap();
        assert!(md.contains("title: \"Wash hands.\""), "{md}");
        let (lang, id, md) =
            parse_line(Path::new("f"), 1, r#"{"id":"v-1","question":"Ho: \"x\"?","answer":"A","lang":"vi"}"#)
                .unwrap();
        assert_eq!((lang, id.as_str()), (Lang::Vi, "v-1"));
        assert!(md.contains(r#"title: "Ho: \"x\"?""#), "{md}");
    }

    #[test]
    fn bad_lines_name_the_line() {
        let err = parse_line(Path::new("faqs.jsonl"), 7, "{nope").unwrap_err();
        assert_eq!((err.line, err.code), (7, "invalid-json"));
        let err =
            parse_line(Path::new("faqs.jsonl"), 2, r#"{"id":"../x","answer":"a","lang":"en"}"#).unwrap_err();
        assert_eq!(err.code, "invalid-id");
    }
}
