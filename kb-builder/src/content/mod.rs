//! Reading the content folder: discovering articles, validating them and rendering their bodies.
//!
//! Per file (in parallel): front matter, defaults from the path, the body's links. Then across files
//! (in order): duplicate ids and links between articles. Then per file (in parallel): rendering.
//! Every problem becomes a [`Diagnostic`]; a file with an error is rejected, the others go on.

pub mod assets;
pub mod dialects;
pub mod folders;
pub mod front_matter;
pub mod markdown;
pub mod synonyms;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use kb_core::{Article, Lang};
use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, LineIndex};
use front_matter::Located;

/// mdBook's table of contents, whose order places the articles it lists.
const SUMMARY: &str = "SUMMARY.md";

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
    /// Where articles and categories stand, where the content says.
    pub arrangement: Arrangement,
    /// The images and files the articles show or offer, to publish beside the pages.
    pub assets: assets::Assets,
}

/// Where articles and categories stand, where the content says so.
#[derive(Debug, Default)]
pub struct Arrangement {
    /// Places in their category (`sidebar_position`, `weight`, `order`) of the articles that give one.
    pub positions: HashMap<(Lang, String), f64>,
    /// Names and places of categories whose folder says (`_category_.json`, `.pages`).
    pub categories: HashMap<(Lang, String), folders::FolderMeta>,
}

/// What a file's MDX had that only MDX understands, dropped when it was rendered.
#[derive(Debug, Clone, Copy, Default)]
struct MdxDropped {
    files: usize,
    pieces: usize,
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
    /// The path below the language folder: what translations share.
    below_lang: PathBuf,
    text: String,
    lang: Lang,
    id: Located<String>,
    /// The id comes from the file name, not from `id:`.
    id_from_name: bool,
    title: String,
    category: String,
    tags: Vec<String>,
    questions: Vec<String>,
    summary: Option<String>,
    team: Option<String>,
    draft: bool,
    /// The place in its category, if the front matter gives one.
    position: Option<f64>,
    /// Front matter keys this builder does not read.
    unused_keys: Vec<String>,
    /// Byte range of the Markdown body (after front matter and a leading `# Title`).
    body: std::ops::Range<usize>,
    /// The body as it renders, when MDX or admonitions change it ([`dialects::prepare`]).
    prepared: Option<String>,
    /// How many MDX-only pieces the prepared body lost.
    mdx_dropped: usize,
    /// Its links to other articles, each with where it stands (line, column).
    links: Vec<((usize, usize), markdown::ArticleLink)>,
    /// The images and files it shows or offers, each with where it stands.
    assets: Vec<((usize, usize), markdown::AssetRef)>,
}

/// All Markdown files (`.md`, `.mdx`) under `root`, sorted. Files and folders starting with `_` or `.` are not
/// articles, and neither is mdBook's table of contents (`SUMMARY.md` beside the articles).
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(root).follow_links(true).into_iter().filter_entry(|entry| {
        entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with(['_', '.'])
    });
    for entry in walker {
        let entry = entry.map_err(std::io::Error::other)?;
        let is_markdown = entry
            .path()
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("mdx"));
        let contents = entry.depth() == 1 && entry.file_name().eq_ignore_ascii_case(SUMMARY);
        if entry.file_type().is_file() && is_markdown && !contents {
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

    derive_path_ids(&mut parsed);
    check_duplicate_ids(&mut parsed);
    let wanted = check_assets(root, &mut parsed);
    let assets = match assets::Assets::publish(wanted) {
        Ok(assets) => assets,
        Err(err) => {
            let d =
                Diagnostic::error("unreadable", root, (1, 1), format!("cannot read an image or file: {err}"));
            loaded.diagnostics.push(d);
            assets::Assets::default()
        }
    };
    let targets = Targets {
        urls: parsed.iter().map(|(file, _)| (link_key(&file.rel), article_url(config, file))).collect(),
        files: files.iter().map(|path| link_key(path.strip_prefix(root).unwrap_or(path))).collect(),
        assets,
        base_path: config.base_path().to_owned(),
    };
    check_links(&mut parsed, &targets);

    if let Some(summary) = unused_keys_summary(root, &parsed) {
        loaded.diagnostics.push(summary);
    }
    let mut accepted = Vec::new();
    for (file, diagnostics) in parsed {
        if let Some(first) = diagnostics.iter().find(|d| d.is_error()) {
            *loaded.rejected.entry(first.code).or_default() += 1;
        } else {
            accepted.push(file);
        }
        loaded.diagnostics.extend(diagnostics);
    }

    // mdBook's SUMMARY.md places what it lists in its order, where the front matter gives no place.
    let listed = summary_order(root);
    loaded.arrangement.positions = accepted
        .iter()
        .filter_map(|file| {
            let place = file.position.or_else(|| listed.get(&link_key(&file.rel)).map(|&n| n as f64));
            Some(((file.lang, file.id.value.clone()), place?))
        })
        .collect();
    loaded.arrangement.categories = category_folders(root, &accepted, &mut loaded.diagnostics);
    let rendered: Vec<(Article, usize)> = accepted
        .into_par_iter()
        .map(|file| {
            let article = render(file, config, &targets);
            on_file();
            article
        })
        .collect();
    loaded.assets = targets.assets;
    let mut mdx = MdxDropped::default();
    for (article, dropped) in rendered {
        if dropped > 0 {
            mdx.files += 1;
            mdx.pieces += dropped;
        }
        loaded.articles.push(article);
    }
    if mdx.pieces > 0 {
        let files = if mdx.files == 1 { "1 file".to_owned() } else { format!("{} files", mdx.files) };
        let message = format!(
            "{} pieces only MDX understands (imports, exports, comments, JSX tags) were left out of {files}; \
             their Markdown is built",
            mdx.pieces
        );
        let hint =
            "components render nothing in the help center: write what they show as Markdown if it matters";
        loaded.diagnostics.push(Diagnostic::warning("mdx-dropped", root, (1, 1), message).hint(hint));
    }
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
    let title = meta.title.as_ref().map(|t| t.value.clone()).or(h1).or_else(|| meta.label.clone());
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
    let (id, id_from_name) = article_id(path, &meta, &mut diagnostics);
    let is_mdx = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("mdx"));
    let (prepared, mdx_dropped) = dialects::prepare(&text[body.clone()], is_mdx);
    // What renders is what links: an indented admonition is a code block until it is prepared.
    let references = markdown::references(prepared.as_deref().unwrap_or(&text[body.clone()]));
    let mut from = 0;
    let mut at = |offset: usize, path: &str| match &prepared {
        None => lines.position(body.start + offset),
        Some(_) => lines.position(body.start + written_at(&text[body.clone()], path, &mut from)),
    };
    let links = references.links.into_iter().map(|link| (at(link.offset, &link.path), link)).collect();
    let assets = references.assets.into_iter().map(|asset| (at(asset.offset, &asset.path), asset)).collect();
    let below_lang = rel.components().skip(usize::from(lang_folder.is_some())).collect();

    let (Some(lang), Some(title)) = (lang, title) else { return (None, diagnostics) };
    let parsed = Parsed {
        path: path.to_path_buf(),
        rel,
        below_lang,
        lang,
        id,
        id_from_name,
        title,
        category,
        tags: meta.tags,
        questions: meta.questions,
        summary: meta.summary,
        team: meta.team,
        draft: meta.draft,
        position: meta.position,
        unused_keys: meta.unused_keys,
        body,
        prepared,
        mdx_dropped,
        links,
        assets,
        text,
    };
    (Some(parsed), diagnostics)
}

/// Where a reference of the prepared body stands in the written `body`: the next place its `path` is
/// written from `from` on, moved back to the `[` or `![` that opens it on its line (its start, when the
/// path cannot be found).
fn written_at(body: &str, path: &str, from: &mut usize) -> usize {
    let Some(found) = body[*from..].find(path).map(|i| *from + i) else { return 0 };
    *from = found + path.len();
    let line_start = body[..found].rfind('\n').map_or(0, |i| i + 1);
    match body[line_start..found].rfind('[').map(|open| line_start + open) {
        Some(open) if open > line_start && body.as_bytes()[open - 1] == b'!' => open - 1,
        Some(open) => open,
        None => found,
    }
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

/// The article's id: the front matter's (reported when a URL cannot carry it), else the file name's slug
/// (`true`: from the name; [`derive_path_ids`] may replace it).
fn article_id(
    path: &Path,
    meta: &front_matter::Meta,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Located<String>, bool) {
    match &meta.id {
        Some(id) if !is_valid_id(&id.value) => {
            let message = format!("id `{}` cannot be used in a URL", id.value);
            let hint = format!("use lowercase letters, digits and `-`, e.g. `id: {}`", slugify(&id.value));
            diagnostics.push(Diagnostic::error("invalid-id", path, id.at, message).hint(hint));
            (id.clone(), false)
        }
        Some(id) => (id.clone(), false),
        None => {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            (Located { value: slugify(&stem), at: (1, 1) }, true)
        }
    }
}

/// File names are ids only where one name stands for one article. Where it stands for several (the same
/// `intro.md` under two version folders), and for folder pages (`index.md`, `README.md`), the id comes
/// from the path below the language folder instead: translations still share it, and a rebuild gives the
/// same ids. An id written in `id:` is never changed, and a name it claims is not a file name's to keep.
fn derive_path_ids(parsed: &mut [(Parsed, Vec<Diagnostic>)]) {
    let written: HashSet<&str> =
        parsed.iter().filter(|(f, _)| !f.id_from_name).map(|(f, _)| f.id.value.as_str()).collect();
    let mut places: HashMap<&str, HashSet<PathBuf>> = HashMap::new();
    for (file, _) in parsed.iter().filter(|(f, _)| f.id_from_name) {
        places.entry(&file.id.value).or_default().insert(link_key(&file.below_lang));
    }
    let shared: HashSet<String> = places
        .into_iter()
        .filter(|(id, paths)| paths.len() > 1 || written.contains(id))
        .map(|(id, _)| id.to_owned())
        .collect();
    for (file, _) in parsed.iter_mut().filter(|(f, _)| f.id_from_name) {
        if shared.contains(&file.id.value) || is_folder_page(&file.below_lang) {
            file.id.value = path_id(&file.below_lang);
        }
    }
}

/// Whether a file is its folder's page (`index.md`, `README.md`, any case, `.mdx` too).
fn is_folder_page(path: &Path) -> bool {
    path.file_stem().is_some_and(|stem| {
        let stem = stem.to_string_lossy();
        stem.eq_ignore_ascii_case("index") || stem.eq_ignore_ascii_case("readme")
    })
}

/// An id from a path below the language folder: its folders and name, folded and joined by `-`
/// (`reference/5.1/Microsoft.PowerShell.Core/ForEach-Object.md` → `reference-5-1-microsoft-powershell-core-foreach-object`);
/// a folder page is named after its folder.
fn path_id(below_lang: &Path) -> String {
    let without_name = if is_folder_page(below_lang) { below_lang.parent() } else { None };
    let named = without_name.unwrap_or(below_lang).with_extension("");
    let words: Vec<String> =
        named.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let id = slugify(&words.join(" "));
    if id.is_empty() { "index".to_owned() } else { id }
}

/// The files mdBook's `SUMMARY.md` lists, by [`link_key`], with their place in it (none without the file).
fn summary_order(root: &Path) -> HashMap<PathBuf, usize> {
    let Ok(text) = std::fs::read_to_string(root.join(SUMMARY)) else { return HashMap::new() };
    let mut order = HashMap::new();
    for link in markdown::references(&text).links {
        if let Some(rel) = resolve_link(Path::new(SUMMARY), &link.path) {
            let next = order.len();
            order.entry(link_key(&rel)).or_insert(next);
        }
    }
    order
}

/// What the folders of categories say of themselves, by language and category, for categories that
/// come from a folder (not from `category:`).
fn category_folders(
    root: &Path,
    files: &[Parsed],
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<(Lang, String), folders::FolderMeta> {
    let mut seen: BTreeMap<(Lang, String), PathBuf> = BTreeMap::new();
    for file in files {
        let lang_folders = file.rel.components().count() - file.below_lang.components().count();
        let Some(first) = file.below_lang.components().next() else { continue };
        let is_folder = file.below_lang.components().count() > 1;
        if is_folder && slugify(&first.as_os_str().to_string_lossy()) == file.category {
            let folder: PathBuf =
                file.rel.components().take(lang_folders).chain(std::iter::once(first)).collect();
            seen.entry((file.lang, file.category.clone())).or_insert(folder);
        }
    }
    let mut read_folders: HashMap<PathBuf, folders::FolderMeta> = HashMap::new();
    let mut out = HashMap::new();
    for (key, folder) in seen {
        let meta = read_folders
            .entry(folder.clone())
            .or_insert_with(|| {
                let (meta, problem) = folders::read(&root.join(&folder));
                diagnostics.extend(problem);
                meta
            })
            .clone();
        if meta != folders::FolderMeta::default() {
            out.insert(key, meta);
        }
    }
    out
}

/// One warning for the whole build naming the front matter keys nobody reads, with how many files have
/// each: docs brought from other tools carry dozens (`ms.date`, `layout`, …) and a warning per file and
/// key would bury the ones that matter.
fn unused_keys_summary(root: &Path, parsed: &[(Parsed, Vec<Diagnostic>)]) -> Option<Diagnostic> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, _) in parsed {
        for key in &file.unused_keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    if counts.is_empty() {
        return None;
    }
    let files = parsed.iter().filter(|(file, _)| !file.unused_keys.is_empty()).count();
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = by_count.iter().take(8).map(|(key, n)| format!("`{key}` ({n})")).collect();
    let more = by_count.len().saturating_sub(8);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let files = if files == 1 { "1 file has".to_owned() } else { format!("{files} files have") };
    let message =
        format!("{files} front matter keys this builder does not read (ignored): {}{more}", shown.join(", "));
    let hint = format!("known keys: {}", front_matter::KNOWN_KEYS.join(", "));
    Some(Diagnostic::warning("unused-keys", root, (1, 1), message).hint(hint))
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
                .hint(if file.id_from_name {
                    "the id comes from the file's name or path: add a unique `id:` to the front matter, or rename the file"
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

/// The images and files the articles name, as (link key, file) to publish; one that is not in the content
/// folder is an error at the place that names it.
fn check_assets(root: &Path, parsed: &mut [(Parsed, Vec<Diagnostic>)]) -> Vec<(PathBuf, PathBuf)> {
    let mut wanted: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for (file, diagnostics) in parsed.iter_mut() {
        for (at, asset) in &file.assets {
            let found = resolve_link(&file.rel, &asset.path).filter(|rel| root.join(rel).is_file());
            match found {
                Some(rel) => {
                    wanted.insert(link_key(&rel), root.join(&rel));
                }
                None => {
                    let message = format!("`{}` is not a file in the content folder", asset.path);
                    let hint =
                        "put the file there, or write its path relative to this article (`images/map.png`)";
                    diagnostics.push(Diagnostic::error("missing-asset", &file.path, *at, message).hint(hint));
                }
            }
        }
    }
    wanted.into_iter().collect()
}

/// A link to a Markdown file that is no article is an error; a page path written without an extension
/// that matches no article is only a warning (it may be a page of the site that is not in the content).
fn check_links(parsed: &mut [(Parsed, Vec<Diagnostic>)], targets: &Targets) {
    for (file, diagnostics) in parsed.iter_mut() {
        for (at, link) in &file.links {
            if targets.find(&file.rel, &link.path).is_some() {
                continue;
            }
            let at = *at;
            let target = &link.path;
            diagnostics.push(if targets.names_a_file(&file.rel, target) {
                // Its own errors are reported where they are; this article need not fail with it.
                Diagnostic::warning("unbuilt-link", &file.path, at, format!("link to `{target}`, which is not built"))
                    .hint("fix the errors reported for that file (or its `draft: true`); until then the link leads nowhere")
            } else if link.names_file {
                Diagnostic::error("broken-link", &file.path, at, format!("link to `{target}`, which is not an article"))
                    .hint("link to another article's .md file with a path relative to this file, e.g. `../shipping/fees.md`")
            } else {
                Diagnostic::warning("unresolved-link", &file.path, at, format!("link to `{target}`, which is no article here"))
                    .hint("to link an article, write its file's path relative to this one (`../shipping/fees.md`, `guide/` for a folder's index.md); the link is published as written")
            });
        }
    }
}

/// Where links lead: the articles' URLs by file, the Markdown files that exist, the published images
/// and files, and how links find them.
struct Targets {
    urls: HashMap<PathBuf, String>,
    files: HashSet<PathBuf>,
    assets: assets::Assets,
    base_path: String,
}

impl Targets {
    /// The URL of the article a link from `from` points at, trying what Docusaurus, MkDocs and mdBook
    /// accept: the file as named, the path with `.md` or `.mdx` added, and a folder's `index` or `README`.
    fn find(&self, from: &Path, target: &str) -> Option<&String> {
        candidates(from, target).iter().find_map(|candidate| self.urls.get(candidate))
    }

    /// Where the image or file a path from `from` names is published.
    fn published(&self, from: &Path, target: &str) -> Option<markdown::Published> {
        self.assets.get(&link_key(&resolve_link(from, target)?), &self.base_path)
    }

    /// Whether a link names a Markdown file of the content, built or not.
    fn names_a_file(&self, from: &Path, target: &str) -> bool {
        candidates(from, target).iter().any(|candidate| self.files.contains(candidate))
    }
}

/// The files a link may mean, as [`link_key`]s, in order.
fn candidates(from: &Path, target: &str) -> Vec<PathBuf> {
    let Some(rel) = resolve_link(from, target) else { return Vec::new() };
    let rel = rel.to_string_lossy();
    let folder = rel.trim_end_matches('/');
    [
        rel.to_string(),
        format!("{rel}.md"),
        format!("{rel}.mdx"),
        format!("{folder}/index.md"),
        format!("{folder}/index.mdx"),
        format!("{folder}/readme.md"),
        format!("{folder}/readme.mdx"),
    ]
    .iter()
    .map(|candidate| link_key(Path::new(candidate)))
    .collect()
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

/// The article and how many MDX-only pieces its body lost.
fn render(file: Parsed, config: &SiteConfig, targets: &Targets) -> (Article, usize) {
    let body = file.prepared.as_deref().unwrap_or(&file.text[file.body.clone()]);
    let rendered = markdown::render(
        body,
        |target| targets.find(&file.rel, target).cloned(),
        |target| targets.published(&file.rel, target),
    );
    let url = article_url(config, &file);
    let summary = file.summary.unwrap_or_else(|| derive_summary(&rendered.text));
    let article = Article {
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
    };
    (article, file.mdx_dropped)
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
