//! Reading the content folder: discovering articles, validating them and rendering their bodies.
//!
//! Per file (in parallel): front matter, defaults from the path, the body's links. Then across files
//! (in order): duplicate ids and links between articles. Then per file (in parallel): rendering.
//! Every problem becomes a [`Diagnostic`]; a file with an error is rejected, the others go on.

pub mod front_matter;
pub mod markdown;
pub mod synonyms;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use kb_core::{Article, Lang};
use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, LineIndex};
use front_matter::Located;

/// Category of articles that sit directly in a language folder.
const DEFAULT_CATEGORY: &str = "general";
/// Longest summary derived from the body when the front matter has none.
const DERIVED_SUMMARY_CHARS: usize = 200;

/// The outcome of loading a content folder.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Articles that passed every check, sorted by language then id.
    pub articles: Vec<Article>,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files found.
    pub files: usize,
    /// Files skipped because they say `draft: true`.
    pub drafts: usize,
    /// Files rejected, counted by the code of their first error.
    pub rejected: BTreeMap<&'static str, usize>,
    /// Query-time synonyms from `_synonyms.yml` (empty without the file).
    pub synonyms: kb_core::Synonyms,
}

impl Loaded {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// A file after its front matter and path were read.
struct Parsed {
    path: PathBuf,
    rel: PathBuf,
    text: String,
    lang: Lang,
    id: Located<String>,
    title: String,
    category: String,
    tags: Vec<String>,
    questions: Vec<String>,
    summary: Option<String>,
    team: Option<String>,
    draft: bool,
    /// Byte range of the Markdown body (after front matter and a leading `# Title`).
    body: std::ops::Range<usize>,
    links: Vec<(String, (usize, usize))>,
}

/// All Markdown files under `root`, sorted. Files and folders starting with `_` or `.` are not articles.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root).follow_links(true).into_iter().filter_entry(|entry| {
        entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with(['_', '.'])
    });
    for entry in walker {
        let entry = entry.map_err(std::io::Error::other)?;
        let is_markdown = entry.path().extension().is_some_and(|ext| ext.eq_ignore_ascii_case("md"));
        if entry.file_type().is_file() && is_markdown {
            files.push(entry.into_path());
        }
    }
    files.sort();
    Ok(files)
}

/// Loads, validates and renders `files` (from [`discover`] on `root`). `on_file` is called after each
/// file is parsed and after each is rendered (for progress display).
pub fn load(root: &Path, files: &[PathBuf], config: &SiteConfig, on_file: &(dyn Fn() + Sync)) -> Loaded {
    let mut loaded = Loaded { files: files.len(), ..Default::default() };

    let results: Vec<(Option<Parsed>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|path| {
            let result = parse_file(root, path, config);
            on_file();
            result
        })
        .collect();

    let mut parsed = Vec::new();
    for (file, mut diagnostics) in results {
        let rejected = diagnostics.iter().find(|d| d.is_error()).map(|d| d.code);
        match (file, rejected) {
            (Some(file), None) if file.draft => loaded.drafts += 1,
            (Some(file), None) => parsed.push((file, Vec::new())),
            (_, Some(code)) => *loaded.rejected.entry(code).or_default() += 1,
            (None, None) => {}
        }
        loaded.diagnostics.append(&mut diagnostics);
    }

    check_duplicate_ids(&mut parsed);
    let urls: HashMap<PathBuf, String> =
        parsed.iter().map(|(file, _)| (link_key(&file.rel), article_url(config, file))).collect();
    check_links(&mut parsed, &urls);

    let mut accepted = Vec::new();
    for (file, diagnostics) in parsed {
        if let Some(first) = diagnostics.iter().find(|d| d.is_error()) {
            *loaded.rejected.entry(first.code).or_default() += 1;
        } else {
            accepted.push(file);
        }
        loaded.diagnostics.extend(diagnostics);
    }

    loaded.articles = accepted
        .into_par_iter()
        .map(|file| {
            let article = render(file, config, &urls);
            on_file();
            article
        })
        .collect();
    loaded.articles.sort_by(|a, b| (a.lang, &a.id).cmp(&(b.lang, &b.id)));
    let (synonyms, mut found) = synonyms::load(root, &config.languages);
    loaded.synonyms = synonyms;
    if found.iter().any(Diagnostic::is_error) {
        *loaded.rejected.entry("invalid-synonyms").or_default() += 1;
    }
    loaded.diagnostics.append(&mut found);
    loaded.diagnostics.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
    loaded
}

fn parse_file(root: &Path, path: &Path, config: &SiteConfig) -> (Option<Parsed>, Vec<Diagnostic>) {
    match std::fs::read(path) {
        Ok(bytes) => parse_bytes(root, path, bytes, config),
        Err(err) => {
            let d = Diagnostic::error("unreadable", path, (1, 1), format!("cannot read the file: {err}"));
            (None, vec![d])
        }
    }
}

/// An article file's bytes, read: its front matter, language, category, title, id and links, with what
/// is wrong in them.
fn parse_bytes(
    root: &Path,
    path: &Path,
    bytes: Vec<u8>,
    config: &SiteConfig,
) -> (Option<Parsed>, Vec<Diagnostic>) {
    let text = match decode(path, bytes) {
        Ok(text) => text,
        Err(d) => return (None, vec![d]),
    };
    let split = match front_matter::split(path, &text) {
        Ok(split) => split,
        Err(d) => return (None, vec![d]),
    };
    let mut diagnostics = Vec::new();
    let meta = match split.yaml {
        Some((yaml, offset)) => match front_matter::parse(path, &text, yaml, offset) {
            Ok((meta, mut found)) => {
                diagnostics.append(&mut found);
                meta
            }
            Err(d) => return (None, vec![d]),
        },
        None => front_matter::Meta::default(),
    };
    let lines = LineIndex::new(&text);
    let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let folders = folders(&rel);
    let lang_folder = folders.first().filter(|name| looks_like_lang_code(name));
    let lang = language(path, &meta, lang_folder, config, &mut diagnostics);
    let category_folder = folders.get(usize::from(lang_folder.is_some())).map(|name| slugify(name));
    let category = meta
        .category
        .as_ref()
        .map(|c| slugify(&c.value))
        .or(category_folder)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| DEFAULT_CATEGORY.to_string());

    let (body_text, body_offset) = split.body;
    let (h1, body_rest) = markdown::take_leading_h1(body_text);
    let body_start = body_offset + (body_text.len() - body_rest.len());
    let body = body_start..text.len();
    let title = meta.title.as_ref().map(|t| t.value.clone()).or(h1);
    if title.is_none() && !meta.invalid_keys.iter().any(|k| k == "title") {
        let hint = if split.yaml.is_some() {
            "add `title: …` to the front matter"
        } else {
            "start the file with front matter (a `---` line, `title: …`, a `---` line) or a `# Title` line"
        };
        diagnostics
            .push(Diagnostic::error("missing-title", path, (1, 1), "the article has no title").hint(hint));
    }
    if text[body.clone()].trim().is_empty() {
        let at = lines.position(body.start);
        diagnostics.push(
            Diagnostic::error("empty-body", path, at, "the article body is empty")
                .hint("write the answer below the front matter, or add `draft: true` until it is ready"),
        );
    }
    let id = article_id(path, &meta, &mut diagnostics);
    let links = markdown::article_links(&text[body.clone()])
        .into_iter()
        .map(|link| (link.path, lines.position(body.start + link.offset)))
        .collect();

    let (Some(lang), Some(title)) = (lang, title) else { return (None, diagnostics) };
    let parsed = Parsed {
        path: path.to_path_buf(),
        rel,
        lang,
        id,
        title,
        category,
        tags: meta.tags,
        questions: meta.questions,
        summary: meta.summary,
        team: meta.team,
        draft: meta.draft,
        body,
        links,
        text,
    };
    (Some(parsed), diagnostics)
}

/// The file's text, or where it stops being UTF-8.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
        let at = LineIndex::new(&before).position(offset);
        Diagnostic::error("not-utf8", path, at, "the file is not valid UTF-8")
            .hint("save the file as UTF-8 (most editors: File → Save with encoding → UTF-8)")
    })
}

/// The folders between the content folder and the file.
fn folders(rel: &Path) -> Vec<String> {
    rel.parent()
        .into_iter()
        .flat_map(Path::components)
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// The article's language: the front matter's, else its language folder's, else the site's default;
/// `None` (with the reason in `diagnostics`) when the site does not publish it.
fn language(
    path: &Path,
    meta: &front_matter::Meta,
    lang_folder: Option<&String>,
    config: &SiteConfig,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Lang> {
    let (code, at) = match (&meta.lang, lang_folder) {
        (Some(lang), _) => (lang.value.clone(), lang.at),
        (None, Some(folder)) => (folder.clone(), (1, 1)),
        (None, None) => return Some(config.default_lang),
    };
    let published = codes(&config.languages);
    let refused = match code.parse::<Lang>() {
        Ok(lang) if config.languages.contains(&lang) => return Some(lang),
        Ok(lang) => Diagnostic::error(
            "unknown-language",
            path,
            at,
            format!("language `{lang}` is not published by this site"),
        )
        .hint(format!(
            "add \"{lang}\" to `languages` in answerdesk.toml, or move the file to one of: {published}"
        )),
        Err(_) => Diagnostic::error("unknown-language", path, at, format!("unknown language `{code}`")).hint(
            format!("use one of: {published} (in `lang:` or as the first folder under the content folder)"),
        ),
    };
    diagnostics.push(refused);
    None
}

/// The article's id: the front matter's (reported when a URL cannot carry it), else the file name's slug.
fn article_id(path: &Path, meta: &front_matter::Meta, diagnostics: &mut Vec<Diagnostic>) -> Located<String> {
    match &meta.id {
        Some(id) if !is_valid_id(&id.value) => {
            let message = format!("id `{}` cannot be used in a URL", id.value);
            let hint = format!("use lowercase letters, digits and `-`, e.g. `id: {}`", slugify(&id.value));
            diagnostics.push(Diagnostic::error("invalid-id", path, id.at, message).hint(hint));
            id.clone()
        }
        Some(id) => id.clone(),
        None => {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            Located { value: slugify(&stem), at: (1, 1) }
        }
    }
}

/// Two articles in one language with one id: the first (by path) keeps it.
fn check_duplicate_ids(parsed: &mut [(Parsed, Vec<Diagnostic>)]) {
    let mut first: HashMap<(Lang, String), PathBuf> = HashMap::new();
    for (file, diagnostics) in parsed.iter_mut() {
        match first.get(&(file.lang, file.id.value.clone())) {
            Some(owner) => diagnostics.push(
                Diagnostic::error(
                    "duplicate-id",
                    &file.path,
                    file.id.at,
                    format!("id `{}` is already used by {} ({})", file.id.value, owner.display(), file.lang),
                )
                .hint(if file.id.at == (1, 1) {
                    "the id comes from the file name: add a unique `id:` to the front matter, or rename the file"
                } else {
                    "give this article its own `id:`; translations share an id only across languages"
                }),
            ),
            None => {
                first.insert((file.lang, file.id.value.clone()), file.path.clone());
            }
        }
    }
}

fn check_links(parsed: &mut [(Parsed, Vec<Diagnostic>)], urls: &HashMap<PathBuf, String>) {
    for (file, diagnostics) in parsed.iter_mut() {
        for (target, at) in &file.links {
            if resolve_link(&file.rel, target).is_none_or(|rel| !urls.contains_key(&link_key(&rel))) {
                diagnostics.push(
                    Diagnostic::error("broken-link", &file.path, *at, format!("link to `{target}`, which is not an article"))
                        .hint("link to another article's .md file with a path relative to this file, e.g. `../shipping/fees.md`"),
                );
            }
        }
    }
}

/// Links match files case-insensitively: editors on macOS and Windows never see case mismatches, and the
/// published link goes to the article's URL, not to the file.
fn link_key(rel: &Path) -> PathBuf {
    PathBuf::from(rel.to_string_lossy().to_lowercase())
}

/// The content-relative path a link points at, or `None` if it climbs out of the content folder.
fn resolve_link(from: &Path, target: &str) -> Option<PathBuf> {
    let decoded = target.replace("%20", " ");
    let mut out: Vec<&std::ffi::OsStr> = Vec::new();
    let base = if decoded.starts_with('/') { Path::new("") } else { from.parent().unwrap_or(Path::new("")) };
    for component in base.components().chain(Path::new(&decoded).components()) {
        match component {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                out.pop()?;
            }
            _ => {}
        }
    }
    Some(out.iter().collect())
}

fn render(file: Parsed, config: &SiteConfig, urls: &HashMap<PathBuf, String>) -> Article {
    let body = &file.text[file.body.clone()];
    let rendered = markdown::render(body, |target| {
        resolve_link(&file.rel, target).and_then(|rel| urls.get(&rel).cloned())
    });
    let url = article_url(config, &file);
    let summary = file.summary.unwrap_or_else(|| derive_summary(&rendered.text));
    Article {
        url,
        id: file.id.value,
        lang: file.lang,
        title: file.title,
        category: file.category,
        tags: file.tags,
        questions: file.questions,
        summary,
        team: file.team,
        body_html: rendered.html,
        body_text: rendered.text,
    }
}

/// Site-relative URL of an article page.
fn article_url(config: &SiteConfig, file: &Parsed) -> String {
    format!("{}/{}/{}/{}/", config.base_path(), file.lang, file.category, file.id.value)
}

/// The first sentence of the body's first paragraph of some length (a heading is shorter).
fn derive_summary(text: &str) -> String {
    let first_paragraph = text.lines().map(str::trim).find(|l| l.len() > 20).unwrap_or("");
    kb_core::first_sentence(first_paragraph, DERIVED_SUMMARY_CHARS)
}

fn looks_like_lang_code(name: &str) -> bool {
    let (primary, region) = name.split_once(['-', '_']).unwrap_or((name, ""));
    primary.len() == 2
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && (region.is_empty() || (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic())))
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Lowercase ASCII words joined by `-`, as used in ids, categories and URLs.
pub fn slugify(text: &str) -> String {
    markdown::slug(text)
}

fn codes(langs: &[Lang]) -> String {
    langs.iter().map(|l| l.code()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_links() {
        let from = Path::new("vi/returns/policy.md");
        assert_eq!(resolve_link(from, "refunds.md"), Some(PathBuf::from("vi/returns/refunds.md")));
        assert_eq!(resolve_link(from, "../shipping/fees.md"), Some(PathBuf::from("vi/shipping/fees.md")));
        assert_eq!(resolve_link(from, "../../../outside.md"), None);
    }

    #[test]
    fn derived_summary_is_the_first_sentence() {
        assert_eq!(
            derive_summary("Short\nThis is the first sentence. Then more."),
            "This is the first sentence."
        );
    }

    #[test]
    fn language_folders() {
        assert!(looks_like_lang_code("vi"));
        assert!(looks_like_lang_code("en-US"));
        assert!(!looks_like_lang_code("docs"));
        assert!(!looks_like_lang_code("azps-16.2.0"));
    }
}
