//! What docs tools say about a category's folder: its name and its place among the categories, from
//! Docusaurus's `_category_.json` (`label`, `position`) or MkDocs's `.pages` (`title`, awesome-pages). A
//! file that does not parse is a warning, and the folder keeps its own name.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::Diagnostic;

/// A category's name and place, when its folder says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FolderMeta {
    /// The name to show.
    pub label: Option<String>,
    /// The place among categories (lower first).
    pub position: Option<f64>,
}

#[derive(Deserialize)]
struct DocusaurusCategory {
    label: Option<String>,
    position: Option<f64>,
}

#[derive(Deserialize)]
struct MkdocsPages {
    title: Option<String>,
}

/// What `folder` says of itself, if anything, and what is wrong with what it says.
pub fn read(folder: &Path) -> (FolderMeta, Option<Diagnostic>) {
    let docusaurus = folder.join("_category_.json");
    if let Ok(text) = std::fs::read_to_string(&docusaurus) {
        return match serde_json::from_str::<DocusaurusCategory>(&text) {
            Ok(category) => (FolderMeta { label: category.label, position: category.position }, None),
            Err(err) => {
                (FolderMeta::default(), Some(unreadable(&docusaurus, err.line(), err.column(), &err)))
            }
        };
    }
    let mkdocs = folder.join(".pages");
    if let Ok(text) = std::fs::read_to_string(&mkdocs) {
        return match serde_saphyr::from_str::<MkdocsPages>(&text) {
            Ok(pages) => (FolderMeta { label: pages.title, position: None }, None),
            Err(err) => (FolderMeta::default(), Some(unreadable(&mkdocs, 1, 1, &err))),
        };
    }
    (FolderMeta::default(), None)
}

fn unreadable(path: &Path, line: usize, col: usize, err: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::warning(
        "invalid-category-file",
        path,
        (line.max(1), col.max(1)),
        format!("cannot read it: {err}"),
    )
    .hint("the folder keeps its own name; `_category_.json` is `{\"label\": \"Name\", \"position\": 2}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docusaurus_and_mkdocs_name_their_folders() {
        let dir = tempfile::tempdir().unwrap();
        let (docs, pages, broken) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
        for folder in [&docs, &pages, &broken] {
            std::fs::create_dir(folder).unwrap();
        }
        std::fs::write(docs.join("_category_.json"), r#"{"label": "Hướng dẫn", "position": 2, "link": {}}"#)
            .unwrap();
        std::fs::write(pages.join(".pages"), "title: Reference\nnav:\n  - a.md\n").unwrap();
        std::fs::write(broken.join("_category_.json"), "{label: nope}").unwrap();
        assert_eq!(read(&docs).0, FolderMeta { label: Some("Hướng dẫn".into()), position: Some(2.0) });
        assert_eq!(read(&pages).0.label.as_deref(), Some("Reference"));
        let (meta, warning) = read(&broken);
        assert_eq!(meta, FolderMeta::default());
        assert_eq!(warning.map(|w| w.code), Some("invalid-category-file"));
        assert_eq!(read(dir.path()), (FolderMeta::default(), None));
    }
}
