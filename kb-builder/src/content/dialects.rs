//! What other tools' Markdown adds, turned into ours before rendering: admonitions (Docusaurus `:::note`,
//! MkDocs `!!! note`) become callouts, and MDX's imports, exports, comments and JSX tags are dropped while
//! the Markdown between them stays. Fenced code is left alone: a code sample may show any of this.

/// The kinds of callout, as Docusaurus and MkDocs name them; anything else is shown as a note.
const KINDS: [&str; 9] =
    ["note", "tip", "info", "warning", "danger", "caution", "important", "success", "example"];

/// Whether a line opens or closes a fenced code block, and which fence.
fn fence(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    ["```", "~~~"].into_iter().find(|mark| trimmed.starts_with(mark))
}

/// `body` with its admonitions as callouts: `<aside class="callout KIND">`, a title, then the Markdown. A body
/// without any (most) is returned as it is, uncopied.
pub fn admonitions(body: &str) -> std::borrow::Cow<'_, str> {
    if !body.contains(":::") && !body.contains("!!!") && !body.contains("???") {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len() + 64);
    let mut fenced: Option<&str> = None;
    // Open Docusaurus admonitions, by the number of colons that closes each.
    let mut open: Vec<usize> = Vec::new();
    // An open MkDocs admonition: its body is the lines indented by four spaces.
    let mut indented = false;
    for line in body.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if let Some(mark) = fenced {
            fenced = (fence(text) != Some(mark)).then_some(mark);
            push_line(&mut out, text, indented);
            continue;
        }
        if indented && !text.trim().is_empty() && !text.starts_with("    ") && !text.starts_with('\t') {
            out.push_str("\n</aside>\n\n");
            indented = false;
        }
        if let Some(mark) = fence(text) {
            fenced = Some(mark);
            push_line(&mut out, text, indented);
            continue;
        }
        let trimmed = text.trim();
        let colons = trimmed.chars().take_while(|c| *c == ':').count();
        if colons >= 3 {
            let rest = trimmed[colons..].trim();
            if rest.is_empty() && open.last() == Some(&colons) {
                open.pop();
                out.push_str("\n</aside>\n\n");
                continue;
            }
            if let Some((kind, title)) = docusaurus_opening(rest) {
                open.push(colons);
                callout(&mut out, kind, title);
                continue;
            }
        }
        if let Some((kind, title)) = mkdocs_opening(trimmed) {
            if indented {
                out.push_str("\n</aside>\n\n");
            }
            indented = true;
            callout(&mut out, kind, title);
            continue;
        }
        push_line(&mut out, text, indented);
    }
    if indented {
        out.push_str("\n</aside>\n");
    }
    for _ in open {
        out.push_str("\n</aside>\n");
    }
    std::borrow::Cow::Owned(out)
}

fn push_line(out: &mut String, text: &str, indented: bool) {
    let text = if indented {
        text.strip_prefix("    ").or_else(|| text.strip_prefix('\t')).unwrap_or(text)
    } else {
        text
    };
    out.push_str(text);
    out.push('\n');
}

/// `note`, `tip Title`, `note[Title]` after the colons.
fn docusaurus_opening(rest: &str) -> Option<(&str, &str)> {
    let end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    let (kind, title) = rest.split_at(end);
    if kind.is_empty() {
        return None;
    }
    let title = title.trim().trim_start_matches('[').trim_end_matches(']').trim();
    Some((kind, title))
}

/// `!!! note "Title"` or `??? tip` (MkDocs, collapsible or not: shown open).
fn mkdocs_opening(line: &str) -> Option<(&str, &str)> {
    let rest = line
        .strip_prefix("!!!")
        .or_else(|| line.strip_prefix("???+"))
        .or_else(|| line.strip_prefix("???"))?;
    let rest = rest.trim_start();
    let end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    let (kind, title) = rest.split_at(end);
    if kind.is_empty() {
        return None;
    }
    Some((kind, title.trim().trim_matches('"')))
}

fn callout(out: &mut String, kind: &str, title: &str) {
    let kind = kind.to_ascii_lowercase();
    let class = if KINDS.contains(&kind.as_str()) { kind.as_str() } else { "note" };
    let title = if title.is_empty() { capitalised(&kind) } else { escape(title) };
    out.push_str(&format!("\n<aside class=\"callout {class}\">\n<p class=\"callout-title\">{title}</p>\n\n"));
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    kb_core::escape_html(text, &mut out);
    out
}

/// The body as Markdown renders it: MDX-only pieces dropped (`.mdx` files), admonitions made callouts;
/// `None` when that changes nothing. With how many MDX pieces were dropped.
pub fn prepare(body: &str, is_mdx: bool) -> (Option<String>, usize) {
    use std::borrow::Cow;
    if !is_mdx {
        return (
            match admonitions(body) {
                Cow::Borrowed(_) => None,
                Cow::Owned(callouts) => Some(callouts),
            },
            0,
        );
    }
    let (stripped, dropped) = strip_mdx(body);
    let prepared = match admonitions(&stripped) {
        Cow::Borrowed(_) => stripped,
        Cow::Owned(callouts) => callouts,
    };
    ((prepared != body).then_some(prepared), dropped)
}

/// `body` of an `.mdx` file without what only MDX understands (import and export lines, `{/* comments */}`,
/// JSX component tags such as `<Tabs>`), and how many such pieces were dropped. The Markdown inside
/// components (a tab's text) stays.
pub fn strip_mdx(body: &str) -> (String, usize) {
    let mut out = String::with_capacity(body.len());
    let mut dropped = 0;
    let mut fenced: Option<&str> = None;
    let mut in_statement = false;
    for line in body.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if let Some(mark) = fenced {
            fenced = (fence(text) != Some(mark)).then_some(mark);
            out.push_str(line);
            continue;
        }
        if fence(text).is_some() {
            fenced = fence(text);
            out.push_str(line);
            continue;
        }
        if in_statement || text.starts_with("import ") || text.starts_with("export ") {
            if !in_statement {
                dropped += 1;
            }
            // A statement spread over lines (`import {\n a,\n} from 'x';`) ends at its `from` or `;`.
            in_statement =
                !(text.contains(" from ") || text.trim_end().ends_with(';') || text.starts_with('}'));
            out.push('\n');
            continue;
        }
        let (kept, n) = without_jsx(text);
        dropped += n;
        out.push_str(&kept);
        out.push('\n');
    }
    (out, dropped)
}

/// A line without its `{/* comments */}` and JSX component tags (`<Tabs>`, `</TabItem>`, `<Card … />`).
fn without_jsx(line: &str) -> (String, usize) {
    let mut out = String::with_capacity(line.len());
    let mut dropped = 0;
    let mut rest = line;
    loop {
        let comment = rest.find("{/*");
        let tag = rest.char_indices().find(|&(i, c)| {
            c == '<' && {
                let after = rest[i + 1..].trim_start_matches('/');
                after.starts_with(|c: char| c.is_ascii_uppercase())
            }
        });
        let next = match (comment, tag.map(|(i, _)| i)) {
            (Some(c), Some(t)) => c.min(t),
            (Some(c), None) => c,
            (None, Some(t)) => t,
            (None, None) => break,
        };
        out.push_str(&rest[..next]);
        let tail = &rest[next..];
        let end = if tail.starts_with("{/*") { tail.find("*/}").map(|e| e + 3) } else { tag_end(tail) };
        match end {
            Some(end) => {
                dropped += 1;
                rest = &tail[end..];
            }
            // Not closed on this line: leave it to the sanitizer, which keeps the text and drops tags.
            None => {
                out.push_str(tail);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    (out, dropped)
}

/// Where a JSX tag that starts `text` ends (after its `>`), skipping quoted strings and `{…}` values.
fn tag_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth = depth.saturating_sub(1),
            (None, '>') if depth == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docusaurus_and_mkdocs_admonitions_become_callouts_with_their_markdown() {
        let body = ":::tip Quick way\nUse **bold**.\n:::\n\nAfter.\n\n!!! warning \"Careful\"\n    Indented *text*.\n\nOut.\n";
        let html = admonitions(body);
        assert!(
            html.contains("<aside class=\"callout tip\">\n<p class=\"callout-title\">Quick way</p>"),
            "{html}"
        );
        assert!(html.contains("Use **bold**.\n\n</aside>"), "{html}");
        assert!(
            html.contains("<aside class=\"callout warning\">\n<p class=\"callout-title\">Careful</p>"),
            "{html}"
        );
        assert!(html.contains("Indented *text*.\n\n\n</aside>"), "{html}");
        assert!(html.contains("Out."), "{html}");
        // An unknown kind is a note; a title is text, never HTML.
        let odd = admonitions(":::secret <b>x</b>\nbody\n:::\n");
        assert!(
            odd.contains("callout note\">\n<p class=\"callout-title\">&lt;b&gt;x&lt;/b&gt;</p>"),
            "{odd}"
        );
        // Inside a code fence nothing changes.
        assert_eq!(admonitions("```\n:::note\n```\n"), "```\n:::note\n```\n");
        assert!(matches!(admonitions("No callout here.\n"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn mdx_keeps_the_markdown_and_drops_imports_comments_and_components() {
        let body = "import Tabs from '@theme/Tabs';\nimport {\n  A,\n} from 'x';\n\n<Tabs>\n<TabItem value=\"a\" label={\"A\"}>\n\nRun **this**. {/* todo */}\n\n</TabItem>\n</Tabs>\n\n```jsx\n<Tabs />\n```\n";
        let (kept, dropped) = strip_mdx(body);
        assert_eq!(dropped, 7, "two imports, four tags, one comment: {kept}");
        assert!(kept.contains("Run **this**. \n"), "{kept}");
        assert!(!kept.contains("import") && !kept.contains("TabItem value"), "{kept}");
        assert!(kept.contains("```jsx\n<Tabs />\n```"), "code stays: {kept}");
    }
}
