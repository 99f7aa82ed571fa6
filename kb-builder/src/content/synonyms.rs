//! `content/_synonyms.yml`: groups of words visitors use interchangeably, per language.
//!
//! ```yaml
//! vi:
//!   - [hoàn tiền, hoàn trả, refund]
//! en:
//!   - [refund, money back]
//! ```
//!
//! They are packed into the bundle and applied to queries (kb-core), so the widget expands a query exactly
//! as `eval` measured it.

use std::collections::BTreeMap;
use std::path::Path;

use kb_core::{Lang, Synonyms};

use crate::diagnostics::Diagnostic;

/// The file's name inside the content folder.
pub const FILE: &str = "_synonyms.yml";

const SHAPE_HINT: &str = "write a language code (`vi:`, `en:`) and under it one `- [word, other word]` line per group of equivalent words";

/// Reads `root/_synonyms.yml`; no file means no synonyms. Problems are diagnostics pointing into the file.
pub fn load(root: &Path, languages: &[Lang]) -> (Synonyms, Vec<Diagnostic>) {
    let path = root.join(FILE);
    let mut synonyms = Synonyms::new();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (synonyms, Vec::new()),
        Err(err) => {
            let d = Diagnostic::error("unreadable", &path, (1, 1), format!("cannot read the file: {err}"))
                .hint("save it as UTF-8 text");
            return (synonyms, vec![d]);
        }
    };
    if text.trim().is_empty() {
        return (synonyms, Vec::new());
    }
    let groups: BTreeMap<String, Vec<Vec<String>>> = match serde_saphyr::from_str(&text) {
        Ok(groups) => groups,
        Err(err) => {
            let at = err
                .location()
                .map_or((1, 1), |loc| (loc.line().max(1) as usize, loc.column().max(1) as usize));
            let message = err.to_string();
            let message = message.lines().next().unwrap_or_default();
            let d = Diagnostic::error(
                "invalid-synonyms",
                &path,
                at,
                format!("cannot read the synonyms: {message}"),
            )
            .hint(SHAPE_HINT);
            return (synonyms, vec![d]);
        }
    };
    let line_of =
        |needle: &str| text.lines().position(|line| line.contains(needle)).map_or((1, 1), |i| (i + 1, 1));
    let mut diagnostics = Vec::new();
    for (code, lang_groups) in groups {
        let lang = match code.parse::<Lang>() {
            Ok(lang) if languages.contains(&lang) => lang,
            _ => {
                diagnostics.push(
                    Diagnostic::error(
                        "unknown-language",
                        &path,
                        line_of(&format!("{code}:")),
                        format!("`{code}` is not a published language of this site"),
                    )
                    .hint("use one of the codes in `languages` of answerdesk.toml (e.g. `vi`, `en`)"),
                );
                continue;
            }
        };
        for group in lang_groups {
            let words: Vec<&String> = group.iter().filter(|w| !w.trim().is_empty()).collect();
            if words.len() < 2 {
                let first = words.first().map_or(String::new(), |w| w.to_string());
                diagnostics.push(
                    Diagnostic::warning(
                        "lonely-synonym",
                        &path,
                        line_of(&first),
                        format!("a group needs two or more equivalent words, found {:?}", group),
                    )
                    .hint("add the words visitors use for the same thing, or remove the line"),
                );
                continue;
            }
            synonyms.add_group(lang, words);
        }
    }
    (synonyms, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> (Synonyms, Vec<Diagnostic>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), text).unwrap();
        load(dir.path(), &[Lang::Vi, Lang::En])
    }

    #[test]
    fn reads_groups_per_language() {
        let (synonyms, diagnostics) =
            load_text("vi:\n  - [hoàn tiền, hoàn trả, refund]\nen:\n  - [refund, money back]\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(synonyms.groups(Lang::Vi), [vec!["hoàn tiền", "hoàn trả", "refund"]]);
        assert_eq!(synonyms.groups(Lang::En).len(), 1);
    }

    #[test]
    fn the_sample_content_has_valid_synonyms() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        let (synonyms, diagnostics) = load(&root, &[Lang::Vi, Lang::En]);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(synonyms.groups(Lang::Vi).len() >= 10 && synonyms.groups(Lang::En).len() >= 10);
    }

    #[test]
    fn problems_point_into_the_file() {
        let (_, d) = load_text("vi:\n  - [a, b]\nfr:\n  - [c, d]\n");
        assert_eq!((d[0].code, d[0].line), ("unknown-language", 3));
        assert!(d[0].to_string().contains("`fr` is not a published language"), "{}", d[0]);

        let (synonyms, d) = load_text("en:\n  - [alone]\n");
        assert_eq!((d[0].code, d[0].line, d[0].is_error()), ("lonely-synonym", 2, false));
        assert!(synonyms.is_empty());

        let (_, d) = load_text("en: [refund, money back\n");
        assert_eq!(d[0].code, "invalid-synonyms");
        assert!(d[0].hint.as_deref().unwrap_or_default().contains("- [word, other word]"));
        assert!(load_text("").1.is_empty());
    }
}
