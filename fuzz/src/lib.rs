//! What Answerdesk's fuzz targets share: their seed corpora (`fuzz/seeds/<target>/`), byte and text
//! mutations of those seeds, the number of cases to run, and a check that HTML can run no script.
//!
//! Fuzzing here is property testing with shrinking (proptest), on stable Rust: every case starts from a
//! seed (a real article, a real frame, a real query) or from nothing, and is mutated (bits flipped, bytes
//! set, ranges cut, repeated or spliced with hostile tokens). A failure is shrunk to a small input and
//! written to `proptest-regressions/` beside the test, which then replays it before anything new; a crash
//! found becomes a named regression test too.
//!
//! The targets live beside the code they check:
//! - `kb-builder` `content::fuzz`: front matter and Markdown → sanitized HTML, never script-capable;
//! - `kb-core` `fuzz`: bundle, entry and chunk bytes → a clear error, never a panic or a huge allocation;
//!   any query text → search results, never a panic;
//! - `chat-server` `tests/suite/fuzz.rs`: any frame on the visitor and agent sockets → a clean rejection,
//!   and the server keeps serving everyone else.
//!
//! A reader must also not reserve memory because a length field says so: [`largest_allocation`] tells
//! the largest single allocation a case made.
//!
//! `cargo xtask test` runs [`DEFAULT_CASES`] of each; `cargo xtask fuzz` runs many more
//! (`ANSWERDESK_FUZZ_CASES`).
#![warn(missing_docs)]

mod alloc;

pub use alloc::largest_allocation;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

/// Cases per target in a short run (`cargo xtask test`).
pub const DEFAULT_CASES: u32 = 256;

/// The proptest settings of every target: `ANSWERDESK_FUZZ_CASES` cases (default [`DEFAULT_CASES`]).
pub fn config() -> Config {
    let cases =
        std::env::var("ANSWERDESK_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_CASES);
    Config { cases, max_shrink_iters: 2_000, ..Config::default() }
}

/// `fuzz/seeds/<target>`.
pub fn seed_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(target)
}

/// Every file of `fuzz/seeds/<target>`, sorted by name. Panics when there is none: a target without
/// seeds would fuzz far less than it claims.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = seed_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no seeds in {}", dir.display());
    paths
        .iter()
        .map(|path| std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display())))
        .collect()
}

/// Tokens spliced into inputs: the pieces parsers and sanitizers get wrong.
pub const HOSTILE_TOKENS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "\"><script>alert(1)</script>",
    "'><svg/onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "<!--<script>-->",
    "]]><script>alert(1)</script>",
    "<style>@import 'javascript:alert(1)'</style>",
    "<form action=javascript:alert(1)><button>x",
    "<object data=javascript:alert(1)>",
    "<base href=javascript:/>",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "---\n",
    "\n---\ntitle: x\n---\n",
    ": ",
    "\"",
    "'",
    "\\",
    "{{",
    "\u{0}",
    "\u{202e}",
    "\u{200b}",
    "\u{fe0f}",
    "đ",
    "\r\n",
    "    ",
    "```",
    "|---|",
];

/// One change to an input.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Cut(Index, usize),
    Repeat(Index, usize, Index),
    Insert(Index, Vec<u8>),
    Splice(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip(at, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set(at, byte)),
        // Short cuts and repeats keep most of a seed's structure, so the parser gets past its first check.
        (any::<Index>(), 1usize..32).prop_map(|(at, len)| Mutation::Cut(at, len)),
        (any::<Index>(), 1usize..64, any::<Index>())
            .prop_map(|(from, len, at)| Mutation::Repeat(from, len, at)),
        (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Mutation::Splice(at, token)),
    ]
}

fn apply(bytes: &mut Vec<u8>, change: &Mutation) {
    // `Index::index(n)` needs n > 0; an empty input takes insertions only.
    let len = bytes.len();
    let range = |from: &Index, n: usize| {
        let start = from.index(len);
        start..(start + n).min(len)
    };
    match change {
        Mutation::Flip(at, bit) if len > 0 => bytes[at.index(len)] ^= 1 << bit,
        Mutation::Set(at, byte) if len > 0 => bytes[at.index(len)] = *byte,
        Mutation::Cut(from, n) if len > 0 => {
            bytes.drain(range(from, *n));
        }
        Mutation::Repeat(from, n, at) if len > 0 => {
            let copy = bytes[range(from, *n)].to_vec();
            let at = at.index(len + 1);
            bytes.splice(at..at, copy);
        }
        Mutation::Insert(at, inserted) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Mutation::Splice(at, token) => {
            let at = at.index(len + 1);
            let token = HOSTILE_TOKENS[token.index(HOSTILE_TOKENS.len())].as_bytes();
            bytes.splice(at..at, token.iter().copied());
        }
        _ => {}
    }
}

/// A seed (or, one time in eight, nothing) with one to four mutations.
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let seeds: Vec<Vec<u8>> = std::iter::once(Vec::new()).chain(seeds).collect();
    let start = prop_oneof![1 => Just(0usize), 7 => 1..seeds.len()];
    (start, proptest::collection::vec(mutation(), 1..5)).prop_map(move |(seed, changes)| {
        let mut bytes = seeds[seed].clone();
        for change in &changes {
            apply(&mut bytes, change);
        }
        bytes
    })
}

/// Like [`mutated`], as text (invalid UTF-8 replaced), for targets that take strings.
pub fn mutated_text(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = String> {
    mutated(seeds).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Elements that run script, load a document or restyle the page when they reach a page.
const SCRIPT_CAPABLE_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta", "base",
    "form", "input", "button", "textarea", "select", "svg", "math", "template", "noscript", "portal",
];

/// Attributes whose value is a URL a browser may follow or load.
const URL_ATTRIBUTES: &[&str] =
    &["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "ping"];

/// What in `html` (a fragment, parsed as a browser parses it) could run script, if anything: an element
/// of [`SCRIPT_CAPABLE_ELEMENTS`], an event-handler or `style`/`srcdoc` attribute, or a URL attribute
/// whose scheme is `javascript:`, `vbscript:` or `data:` (after the browser's own clean-up of the URL).
pub fn script_capable(html: &str) -> Option<String> {
    let fragment = scraper::Html::parse_fragment(html);
    for node in fragment.tree.nodes() {
        let Some(element) = node.value().as_element() else { continue };
        let name = element.name().to_ascii_lowercase();
        if SCRIPT_CAPABLE_ELEMENTS.contains(&name.as_str()) {
            return Some(format!("<{name}> element"));
        }
        for (attribute, value) in element.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            if attribute.starts_with("on")
                || attribute == "style"
                || attribute == "srcdoc"
                || attribute == "srcset"
            {
                return Some(format!("<{name} {attribute}=…>"));
            }
            if URL_ATTRIBUTES.contains(&attribute.as_str()) && dangerous_url(value) {
                return Some(format!("<{name} {attribute}={value:?}>"));
            }
        }
    }
    None
}

/// Whether a URL, as the browser reads it (C0 controls and spaces trimmed, tabs and newlines removed),
/// has a scheme that runs script or carries a document.
fn dangerous_url(value: &str) -> bool {
    let cleaned: String = value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"].iter().any(|scheme| cleaned.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;

    #[test]
    fn the_check_sees_what_browsers_would_run() {
        for bad in [
            "<script>alert(1)</script>",
            "<p><img src=x onerror=alert(1)></p>",
            "<a href=' java\tscript:alert(1)'>x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<svg><circle/></svg>",
            "<p style=\"background:url(x)\">x</p>",
            "<iframe srcdoc=x></iframe>",
        ] {
            assert!(script_capable(bad).is_some(), "{bad}");
        }
        for good in [
            "<p>Hi <a href=\"https://x.example/a?b=javascript:\">x</a></p>",
            "<img src=\"/a.png\" alt=\"\">",
            "&lt;script&gt;",
        ] {
            assert_eq!(script_capable(good), None, "{good}");
        }
    }

    #[test]
    fn the_allocation_watch_sees_a_large_reservation() {
        let largest = largest_allocation(|| {
            let reserved: Vec<u8> = Vec::with_capacity(100 << 20);
            drop(std::hint::black_box(reserved));
        });
        assert!(largest >= 100 << 20, "{largest}");
        assert!(largest_allocation(|| ()) < 1 << 20, "nothing watched after");
    }

    #[test]
    fn mutations_stay_in_bounds_on_any_input() {
        let mut runner = proptest::test_runner::TestRunner::default();
        let strategy = mutated(vec![b"abc".to_vec(), Vec::new()]);
        for _ in 0..500 {
            let _ = strategy.new_tree(&mut runner).unwrap().current();
        }
    }
}
