//! Splitting a Markdown file into its YAML front matter and body, and reading the keys editors write.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diagnostics::{Diagnostic, LineIndex};

/// The keys this builder understands, its own and those of the tools docs come from (Docusaurus, MkDocs,
/// Hugo): `description` is read as `summary`, `keywords` as `tags`, `slug` as `id`, `sidebar_label` as
/// the title when there is no other, and `sidebar_position` or `weight` as the place in the category.
pub const KNOWN_KEYS: [&str; 16] = [
    "id",
    "title",
    "lang",
    "category",
    "tags",
    "questions",
    "summary",
    "description",
    "team",
    "draft",
    "keywords",
    "slug",
    "sidebar_label",
    "sidebar_position",
    "weight",
    "order",
];

/// A value and where it was written (line, column).
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Line and column of the value in the file.
    pub at: (usize, usize),
}

/// What the front matter says, typed. Everything is optional here; the loader applies defaults.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Meta {
    pub id: Option<Located<String>>,
    pub title: Option<Located<String>>,
    pub lang: Option<Located<String>>,
    pub category: Option<Located<String>>,
    pub tags: Vec<String>,
    pub questions: Vec<String>,
    pub summary: Option<String>,
    pub team: Option<String>,
    pub draft: bool,
    /// `sidebar_label`: the title when there is no `title:` and no `# Heading`.
    pub label: Option<String>,
    /// `sidebar_position`, `weight` or `order`: the place in the category (lower first).
    pub position: Option<f64>,
    /// Keys whose values were rejected (so later checks do not report them missing as well).
    pub invalid_keys: Vec<String>,
    /// Keys this builder does not read (summed up once per build; a likely typo is reported at its place).
    pub unused_keys: Vec<String>,
}

/// A file cut in two.
#[derive(Debug)]
pub struct Split<'a> {
    /// The YAML text and its byte offset in the file, if the file has front matter.
    pub yaml: Option<(&'a str, usize)>,
    /// The Markdown body and its byte offset in the file.
    pub body: (&'a str, usize),
}

/// Cuts `text` at the `---` lines. A file without a leading `---` is all body.
pub fn split<'a>(path: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let rest = &text[bom..];
    let Some(after_open) = rest.strip_prefix("---").filter(|r| r.starts_with('\n') || r.starts_with("\r\n"))
    else {
        return Ok(Split { yaml: None, body: (text, 0) });
    };
    let yaml_start = text.len() - after_open.len() + if after_open.starts_with("\r\n") { 2 } else { 1 };
    let mut line_start = yaml_start;
    for line in text[yaml_start..].split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed == "---" || trimmed == "..." {
            let body_start = line_start + line.len();
            return Ok(Split {
                yaml: Some((&text[yaml_start..line_start], yaml_start)),
                body: (&text[body_start..], body_start),
            });
        }
        line_start += line.len();
    }
    Err(Diagnostic::error("unclosed-front-matter", path, (1, 1), "front matter is not closed")
        .hint("add a line with only `---` after the last front matter key, before the article body"))
}

/// Parses the YAML and reads the known keys. Problems in values are returned as diagnostics; unknown
/// keys are warnings.
pub fn parse(
    path: &Path,
    file: &str,
    yaml: &str,
    yaml_offset: usize,
) -> Result<(Meta, Vec<Diagnostic>), Diagnostic> {
    let lines = LineIndex::new(file);
    let yaml_line = lines.position(yaml_offset).0;
    let map: Vec<(Value, Value)> = if yaml.trim().is_empty() {
        Vec::new()
    } else {
        match serde_saphyr::from_str::<Value>(yaml) {
            Ok(Value::Map(map)) => map,
            Ok(Value::Null) => Vec::new(),
            Ok(_) => {
                return Err(Diagnostic::error(
                    "invalid-yaml",
                    path,
                    (yaml_line, 1),
                    "front matter is not a set of `key: value` lines",
                )
                .hint("write one `key: value` per line between the `---` lines"));
            }
            Err(err) => {
                let at = err.location().map_or((yaml_line, 1), |loc| {
                    (yaml_line + loc.line().saturating_sub(1) as usize, loc.column().max(1) as usize)
                });
                let message = yaml_message(&err.to_string());
                return Err(Diagnostic::error("invalid-yaml", path, at, format!("invalid YAML in front matter: {message}")).hint(
                    "front matter is YAML: `key: value` per line, lists as `[a, b]` or `- item` lines; quote values that contain `: ` or start with `[`, `{`, `*`, `&` or `#`",
                ));
            }
        }
    };

    let positions = key_positions(yaml, yaml_line);
    let at = |key: &str| positions.get(key).copied().unwrap_or((yaml_line, 1));
    let mut diagnostics = Vec::new();
    let mut meta = Meta::default();
    let mut seen = std::collections::HashSet::new();

    for (key, value) in &map {
        // Odd keys (numbers, `? complex`) cannot be ours: treat them as unknown keys, by their text.
        let key = &key.as_key();
        if !seen.insert(key.clone()) {
            diagnostics.push(
                Diagnostic::error("invalid-yaml", path, at(key), format!("`{key}` is written twice"))
                    .hint("keep one of the two lines"),
            );
            continue;
        }
        let located_text = |diagnostics: &mut Vec<Diagnostic>, invalid: &mut Vec<String>| match text(value) {
            Ok(Some(text)) => Some(Located { value: text, at: at(key) }),
            Ok(None) => None,
            Err(found) => {
                invalid.push(key.clone());
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-value",
                        path,
                        at(key),
                        format!("`{key}` must be text, found {found}"),
                    )
                    .hint(format!("write `{key}: some text`")),
                );
                None
            }
        };
        match key.as_str() {
            "id" => meta.id = located_text(&mut diagnostics, &mut meta.invalid_keys),
            // A slug is a URL path (`/guides/setup`): its last part names the page.
            "slug" => {
                if let Some(slug) = located_text(&mut diagnostics, &mut meta.invalid_keys)
                    && meta.id.is_none()
                {
                    let last = slug.value.trim_matches('/').rsplit('/').next().unwrap_or_default();
                    meta.id = Some(Located { value: super::slugify(last), at: slug.at });
                }
            }
            "sidebar_label" => {
                meta.label = located_text(&mut diagnostics, &mut meta.invalid_keys).map(|l| l.value);
            }
            "sidebar_position" | "weight" | "order" => match value {
                Value::Number(n) if n.parse::<f64>().is_ok_and(f64::is_finite) => {
                    meta.position = n.parse().ok()
                }
                _ => meta.unused_keys.push(key.clone()),
            },
            "title" => meta.title = located_text(&mut diagnostics, &mut meta.invalid_keys),
            "lang" => meta.lang = located_text(&mut diagnostics, &mut meta.invalid_keys),
            "category" => meta.category = located_text(&mut diagnostics, &mut meta.invalid_keys),
            "summary" | "description" => {
                if meta.summary.is_none() {
                    meta.summary = located_text(&mut diagnostics, &mut meta.invalid_keys).map(|l| l.value);
                }
            }
            "team" => meta.team = located_text(&mut diagnostics, &mut meta.invalid_keys).map(|l| l.value),
            "tags" | "keywords" | "questions" => match list(value) {
                Ok(items) if key == "questions" => meta.questions = items,
                Ok(items) => meta.tags.extend(items),
                Err(found) => diagnostics.push(
                    Diagnostic::error(
                        "invalid-value",
                        path,
                        at(key),
                        format!("`{key}` must be a list of text, found {found}"),
                    )
                    .hint(format!("write `{key}: [first, second]` or one `- item` per line")),
                ),
            },
            "draft" => match value {
                Value::Bool(draft) => meta.draft = *draft,
                Value::Null => {}
                _ => diagnostics.push(
                    Diagnostic::error("invalid-value", path, at(key), "`draft` must be true or false")
                        .hint("write `draft: true` to keep the article out of the build, or remove the line"),
                ),
            },
            _ => match likely_meant(key) {
                Some(meant) => diagnostics.push(
                    Diagnostic::warning(
                        "unknown-key",
                        path,
                        at(key),
                        format!("unknown front matter key `{key}` (ignored): did you mean `{meant}`?"),
                    )
                    .hint(format!("known keys: {}", KNOWN_KEYS.join(", "))),
                ),
                None => meta.unused_keys.push(key.clone()),
            },
        }
    }
    Ok((meta, diagnostics))
}

/// The known key an unknown one is most likely a typo of (`titel` → `title`): one or two edits away,
/// for keys long enough that this is not a coincidence.
fn likely_meant(key: &str) -> Option<&'static str> {
    let key = key.to_lowercase();
    if key.chars().count() < 4 {
        return None;
    }
    KNOWN_KEYS.into_iter().find(|known| {
        let allowed = if known.len() < 6 { 1 } else { 2 };
        *known != key && edits(&key, known) <= allowed
    })
}

/// Edits between two short strings: insertions, deletions, substitutions and swaps of neighbours
/// (`titel` is one edit from `title`).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The parser's message without its own "error: line X column Y:" prefix (the diagnostic has the position).
fn yaml_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let without_label = first.strip_prefix("error: ").unwrap_or(first);
    match without_label.strip_prefix("line ").and_then(|rest| rest.split_once(": ")) {
        Some((position, text)) if position.contains("column") => text.to_string(),
        _ => without_label.to_string(),
    }
}

/// Any YAML value. Front matter is read into this, not into a typed struct, so that whatever an editor
/// writes under a key we do not know (non-string keys, nested lists) is never an error.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    /// Numbers keep the text they print as.
    Number(String),
    String(String),
    List(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl Value {
    fn as_key(&self) -> String {
        match self {
            Value::String(s) | Value::Number(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "~".into(),
            Value::List(_) | Value::Map(_) => "(complex key)".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Value::Map(entries))
    }
}

/// Scalars become text; `None` for null or empty text; `Err` names what was found instead.
fn text(value: &Value) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) | Value::Number(s) => Ok(Some(s.trim().to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::List(_) => Err("a list"),
        Value::Map(_) => Err("a mapping"),
    }
}

/// A list of scalars; a single text is split at commas (`tags: a, b`).
fn list(value: &Value) -> Result<Vec<String>, &'static str> {
    match value {
        Value::List(items) => {
            let mut out = Vec::new();
            for item in items {
                if let Some(text) = text(item)? {
                    out.push(text);
                }
            }
            Ok(out)
        }
        Value::String(s) => {
            Ok(s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        }
        other => Ok(text(other)?.into_iter().collect()),
    }
}

/// Where each top-level key's value starts (line, column), found by reading the lines: YAML top-level keys
/// start in column 1.
fn key_positions(yaml: &str, first_line: usize) -> BTreeMap<String, (usize, usize)> {
    let mut out = BTreeMap::new();
    for (i, line) in yaml.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else { continue };
        let key = key.trim().trim_matches(['"', '\'']);
        let value_col = key.chars().count() + 2 + rest.chars().take_while(|c| *c == ' ').count();
        out.entry(key.to_string()).or_insert((first_line + i, value_col.min(line.chars().count()).max(1)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str =
        "---\nid: return-policy\ntitle: Đổi trả\ntags: [a, b]\nlayout: page\ntitel: x\n---\nBody\n";

    #[test]
    fn splits_and_reads_keys_with_positions() {
        let path = Path::new("x.md");
        let split = split(path, FILE).unwrap();
        assert_eq!(split.body.0, "Body\n");
        let (yaml, offset) = split.yaml.unwrap();
        let (meta, diagnostics) = parse(path, FILE, yaml, offset).unwrap();
        assert_eq!(meta.id, Some(Located { value: "return-policy".into(), at: (2, 5) }));
        assert_eq!(meta.title.unwrap().at, (3, 8));
        assert_eq!(meta.tags, ["a", "b"]);
        // `layout` is another tool's key, summed up once per build; `titel` is a typo, reported where it is.
        assert_eq!(meta.unused_keys, ["layout"]);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!((diagnostics[0].line, diagnostics[0].col), (6, 8));
        assert!(diagnostics[0].message.contains("did you mean `title`?"), "{}", diagnostics[0].message);
    }

    #[test]
    fn keys_of_docusaurus_mkdocs_and_hugo_are_read() {
        let file = "---\nslug: /guides/Getting-Started\nsidebar_label: Start\nsidebar_position: 2\nkeywords: [setup]\ntags: [intro]\ndescription: How to begin.\n---\n";
        let split = split(Path::new("x.md"), file).unwrap();
        let (yaml, offset) = split.yaml.unwrap();
        let (meta, diagnostics) = parse(Path::new("x.md"), file, yaml, offset).unwrap();
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(meta.id.map(|id| id.value), Some("getting-started".to_owned()));
        assert_eq!(meta.label.as_deref(), Some("Start"));
        assert_eq!(meta.position, Some(2.0));
        assert_eq!(meta.tags, ["setup", "intro"]);
        assert_eq!(meta.summary.as_deref(), Some("How to begin."));
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let split = split(Path::new("x.md"), "# Title\ntext").unwrap();
        assert!(split.yaml.is_none());
        assert_eq!(split.body, ("# Title\ntext", 0));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split(Path::new("x.md"), "---\ntitle: x\nbody").is_err());
    }
}
