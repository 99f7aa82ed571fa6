//! Markdown → sanitized HTML and plain text, with links between articles checked and rewritten.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// Removes everything a help article never needs and an attacker would use: scripts, event-handler
/// attributes, `javascript:` URLs, iframes, forms, styles.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder.add_tag_attributes("code", ["class"]);
    // Callouts made from admonitions (see `dialects`): only these classes.
    builder.add_allowed_classes("aside", ["callout", "note", "tip", "info", "warning", "danger", "caution"]);
    builder.add_allowed_classes("aside", ["important", "success", "example"]);
    builder.add_allowed_classes("p", ["callout-title"]);
    builder.add_tag_attributes("th", ["align"]).add_tag_attributes("td", ["align"]);
    builder.add_tag_attributes("img", ["loading", "decoding"]);
    builder.link_rel(Some("noopener"));
    builder
});

/// An article's body, ready to publish and index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML.
    pub html: String,
    /// Plain text: what is indexed and what snippets are cut from.
    pub text: String,
}

/// A link to another article (`[text](../returns/return-policy.md#fees)`) and its byte offset in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleLink {
    /// The path as written, without the `#fragment`.
    pub path: String,
    /// Byte offset of the link in the body.
    pub offset: usize,
    /// Whether it names a Markdown file (`.md`, `.mdx`), not a page path written without one.
    pub names_file: bool,
}

/// A file an article shows or offers (`![map](images/map.png)`, `[form](files/return.pdf)`), by a path
/// relative to the article, and its byte offset in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRef {
    /// The path as written, without `?query` or `#fragment`.
    pub path: String,
    /// Byte offset of the image or link in the body.
    pub offset: usize,
}

/// A published file: its URL, and for an image its width and height when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Site-relative URL (`/assets/files/map.1a2b3c4d5e.png`).
    pub url: String,
    /// Pixel size, read from the image's header.
    pub size: Option<(u32, u32)>,
}

/// Whether a destination is a file of the content folder: relative, not a page, not a placeholder.
fn asset_path(dest: &str) -> Option<&str> {
    let foreign = dest.contains("://") || dest.contains("{{") || dest.contains("{%") || dest.contains(':');
    if foreign || dest.starts_with(['/', '#']) {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let last = path.rsplit('/').next().unwrap_or(path);
    let (_, ext) = last.rsplit_once('.')?;
    (!ext.is_empty() && !names_markdown(ext) && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(path)
}

/// If the body starts with a `# Heading`, its text and the body after it.
pub fn take_leading_h1(body: &str) -> (Option<String>, &str) {
    let trimmed = body.trim_start_matches(['\n', '\r', ' ', '\t']);
    let Some(rest) = trimmed.strip_prefix("# ") else { return (None, body) };
    let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let title = line.trim().trim_end_matches('#').trim();
    if title.is_empty() { (None, body) } else { (Some(title.to_string()), after) }
}

/// Whether a link destination may point at another article, the ways Docusaurus, MkDocs and mdBook
/// write one: a relative path to its Markdown file (`../shipping/fees.md`, `intro.mdx`), or to its page
/// without the extension (`../shipping/fees`, `guide/` for the folder's `index.md` or `README.md`).
/// Absolute paths, other sites, anchors, template placeholders and files of other kinds are not.
fn article_path(dest: &str) -> Option<&str> {
    let foreign = dest.contains("://") || dest.contains("{{") || dest.contains("{%");
    if foreign || dest.starts_with(['/', '#']) || dest.contains(':') {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let last = path.rsplit('/').next().unwrap_or(path);
    let page = match last.rsplit_once('.') {
        None => !path.is_empty(),
        Some((_, ext)) => names_markdown(ext) || ext.is_empty(),
    };
    page.then_some(path)
}

/// Whether a file extension is Markdown's.
fn names_markdown(ext: &str) -> bool {
    ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("mdx")
}

/// What a body points at: other articles, and files it shows (images) or offers (anything but Markdown).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct References {
    /// Links to other articles, in order.
    pub links: Vec<ArticleLink>,
    /// Images and files, in order.
    pub assets: Vec<AssetRef>,
}

/// The references of `body`, in one reading of it.
pub fn references(body: &str) -> References {
    let mut found = References::default();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let (Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. })) = &event
        else {
            continue;
        };
        if let Some(path) = asset_path(dest_url) {
            found.assets.push(AssetRef { path: path.to_string(), offset: range.start });
        } else if let (Event::Start(Tag::Link { .. }), Some(path)) = (&event, article_path(dest_url)) {
            let names_file = path.rsplit_once('.').is_some_and(|(_, ext)| names_markdown(ext));
            found.links.push(ArticleLink { path: path.to_string(), offset: range.start, names_file });
        }
    }
    found
}

/// Renders `body`. `resolve` maps a link's article path (as written) to the URL of the article, `publish` an
/// image's or file's path to where it is published; what they cannot resolve is left as written (the loader
/// reports it). Images get their size, when known, and load lazily.
pub fn render(
    body: &str,
    resolve: impl Fn(&str) -> Option<String>,
    publish: impl Fn(&str) -> Option<Published>,
) -> Rendered {
    let mut events: Vec<Event<'_>> = Parser::new_ext(body, options()).collect();
    let mut text = String::with_capacity(body.len());

    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Image { dest_url, title, .. }) => {
                if let Some(file) = asset_path(dest_url).and_then(&publish) {
                    let end = events[i..]
                        .iter()
                        .position(|e| matches!(e, Event::End(TagEnd::Image)))
                        .map_or(i, |n| i + n);
                    let alt = plain_text(&events[i + 1..end]);
                    let html = image_html(&file, &alt, title);
                    events.splice(i..=end, [Event::Html(CowStr::from(html))]);
                }
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                if let Some(file) = asset_path(dest_url).and_then(&publish) {
                    events[i] = Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url: CowStr::from(file.url),
                        title: title.clone(),
                        id: id.clone(),
                    });
                } else if let Some(path) = article_path(dest_url)
                    && let Some(url) = resolve(path)
                {
                    let fragment = dest_url.find('#').map_or("", |at| &dest_url[at..]);
                    events[i] = Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url: CowStr::from(format!("{url}{fragment}")),
                        title: title.clone(),
                        id: id.clone(),
                    });
                }
            }
            Event::Start(Tag::Heading { level, id: None, classes, attrs }) => {
                let heading_text = text_until_end(&events[i + 1..]);
                let (level, classes, attrs) = (*level, classes.clone(), attrs.clone());
                events[i] = Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(slug(&heading_text))),
                    classes,
                    attrs,
                });
            }
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            // A table row is one line with its cells kept apart, so a snippet starts at a row and never
            // runs one cell's number into the next.
            Event::End(TagEnd::TableCell) => text.push_str(CELL_SEPARATOR),
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                text.truncate(text.trim_end_matches(CELL_SEPARATOR).len());
                text.push('\n');
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => text.push('\n'),
            _ => {}
        }
        i += 1;
    }

    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Rendered { html: SANITIZER.clean(&html).to_string(), text: text.trim().to_string() }
}

/// Between the cells of a table row in the text: not a word, so no syllable pair forms across it.
const CELL_SEPARATOR: &str = " · ";

/// An image's text alternative: the text of its events.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut out = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            out.push_str(t);
        }
    }
    out
}

/// A published image: its size when known (the page does not jump as it loads) and lazy loading.
fn image_html(file: &Published, alt: &str, title: &str) -> String {
    let attribute = |value: &str| {
        let mut out = String::new();
        kb_core::escape_html(value, &mut out);
        out
    };
    let mut html = format!(r#"<img src="{}" alt="{}""#, attribute(&file.url), attribute(alt));
    if !title.is_empty() {
        html.push_str(&format!(r#" title="{}""#, attribute(title)));
    }
    if let Some((width, height)) = file.size {
        html.push_str(&format!(r#" width="{width}" height="{height}""#));
    }
    html.push_str(r#" loading="lazy" decoding="async">"#);
    html
}

fn text_until_end(events: &[Event<'_>]) -> String {
    let mut out = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            _ => {}
        }
    }
    out
}

/// A URL fragment for a heading: folded to ASCII, words joined by `-` ("Điều kiện" → "dieu-kien").
pub fn slug(text: &str) -> String {
    let mut folded = String::new();
    kb_core::analysis::fold_word(text, &mut folded);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scripts_handlers_and_javascript_urls() {
        let body = "Hi <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1)) <a href=\"javascript:evil()\">y</a>";
        let html = render(body, |_| None, |_| None).html;
        assert!(!html.contains("script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn callouts_pass_the_sanitizer_with_their_classes_and_only_those() {
        let body = super::super::dialects::admonitions(":::tip Quick\nUse **it**.\n:::\n");
        let html = render(&body, |_| None, |_| None).html;
        assert!(html.contains(r#"<aside class="callout tip">"#), "{html}");
        assert!(html.contains(r#"<p class="callout-title">Quick</p>"#), "{html}");
        assert!(html.contains("<strong>it</strong>"), "the Markdown inside is rendered: {html}");
        let forged =
            render(r#"<aside class="callout evil" onclick="x()">a</aside>"#, |_| None, |_| None).html;
        assert_eq!(forged, r#"<aside class="callout">a</aside>"#);
    }

    #[test]
    fn images_and_files_are_published_with_their_size_and_lazily() {
        let body = "![Bản đồ \"kho\" & cửa](images/map.png \"Kho\") [form](files/return.pdf) ![x](https://cdn.test/a.png)";
        let refs: Vec<String> = references(body).assets.into_iter().map(|r| r.path).collect();
        assert_eq!(refs, ["images/map.png", "files/return.pdf"]);
        let publish = |path: &str| {
            let size = path.ends_with(".png").then_some((640, 480));
            Some(Published { url: format!("/assets/files/{path}"), size })
        };
        let html = render(body, |_| None, publish).html;
        assert!(
            html.contains(r#"<img src="/assets/files/images/map.png" alt="Bản đồ &quot;kho&quot; &amp; cửa" title="Kho" width="640" height="480" loading="lazy" decoding="async">"#),
            "{html}"
        );
        assert!(html.contains(r#"href="/assets/files/files/return.pdf""#), "{html}");
        assert!(html.contains(r#"src="https://cdn.test/a.png""#), "other sites' images stay: {html}");
    }

    #[test]
    fn rewrites_article_links_and_keeps_fragments() {
        let body = "See [fees](../shipping/fees.md#table) and [site](https://example.com/a.md).";
        let links = references(body).links;
        assert_eq!(links, [ArticleLink { path: "../shipping/fees.md".into(), offset: 4, names_file: true }]);
        let html = render(
            body,
            |p| (p == "../shipping/fees.md").then(|| "/vi/shipping/fees/".to_string()),
            |_| None,
        )
        .html;
        assert!(html.contains(r#"href="/vi/shipping/fees/#table""#), "{html}");
        assert!(html.contains(r#"href="https://example.com/a.md""#), "{html}");
    }

    #[test]
    fn headings_get_ascii_ids_and_text_is_plain() {
        let rendered = render("## Điều kiện đổi trả\n\nMột **hai** `ba`.", |_| None, |_| None);
        assert!(rendered.html.contains(r#"<h2 id="dieu-kien-doi-tra">"#), "{}", rendered.html);
        assert_eq!(rendered.text, "Điều kiện đổi trả\nMột hai ba.");
    }

    #[test]
    fn a_table_row_is_one_line_with_its_cells_apart() {
        let rendered = render(
            "| Đơn | Phí |\n|---|---|\n| Dưới 499.000đ | 30.000đ |\n| Từ 499.000đ | Miễn phí |",
            |_| None,
            |_| None,
        );
        assert_eq!(rendered.text, "Đơn · Phí\nDưới 499.000đ · 30.000đ\nTừ 499.000đ · Miễn phí");
    }

    #[test]
    fn leading_h1_becomes_the_title() {
        assert_eq!(take_leading_h1("\n# Get-AzVM\n\nBody"), (Some("Get-AzVM".into()), "\nBody"));
        assert_eq!(take_leading_h1("Body\n# Later"), (None, "Body\n# Later"));
    }
}
