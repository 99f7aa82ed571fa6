//! What the site owner passes to `Answerdesk('init', {...})`, and what the knowledge base's manifest tells
//! the widget about the site.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Options of `Answerdesk('init', {...})`. Unknown keys are ignored so that newer snippets keep working
/// with an older widget.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// URL of the folder holding `manifest.json` and the index bundle, e.g. `https://help.example.com/kb/`.
    pub kb: String,
    /// URL of the chat server, when live chat is set up.
    pub chat: Option<String>,
    /// Interface language (`vi`, `en`); otherwise the page's or the browser's.
    pub lang: Option<String>,
    /// `auto` (follow the visitor's system), `light` or `dark`.
    pub theme: Theme,
    /// Accent colour, any CSS colour.
    pub color: Option<String>,
    /// How to reach a person when live chat is not available.
    pub contact: Option<Contact>,
    /// Article ids to suggest before the visitor types.
    pub suggest: Vec<String>,
    /// Article ids to suggest per page path prefix (`{"/checkout": ["payment-methods"]}`), matched
    /// against the current URL each time the panel opens, so suggestions follow a single-page app's route.
    pub suggest_by_path: BTreeMap<String, Vec<String>>,
    /// Anonymous usage events for the reports: `true` (the default) sends them to the chat server,
    /// `false` sends nothing, a URL sends them there instead.
    pub analytics: Analytics,
}

/// Where the widget's anonymous events go.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Analytics {
    /// On (to the chat server, when there is one) or off.
    Enabled(bool),
    /// To this collector URL.
    To(String),
}

impl Default for Analytics {
    fn default() -> Self {
        Analytics::Enabled(true)
    }
}

/// The suggestions for `path`: those of the longest matching prefix, if any.
pub fn suggestions_for<'a>(path: &str, by_path: &'a BTreeMap<String, Vec<String>>) -> Option<&'a [String]> {
    by_path
        .iter()
        .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, ids)| ids.as_slice())
}

/// Light or dark panel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Ways to reach the support team outside the widget.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// Support email address; the widget opens a pre-filled email.
    pub email: Option<String>,
    /// A contact page.
    pub url: Option<String>,
}

/// The part of `manifest.json` the widget reads (kb-builder writes it next to the index).
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Per language code, its entry (the first file a search in that language needs).
    pub entries: BTreeMap<String, ManifestEntry>,
    /// Site information.
    #[serde(default)]
    pub site: Site,
}

/// One language's entry.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    /// File name, relative to the manifest.
    pub file: String,
}

/// Site information from `answerdesk.toml`, as published in the manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Site {
    /// Help-center name per language code.
    pub names: BTreeMap<String, String>,
    /// Chat server URL.
    pub chat_url: Option<String>,
    /// When the team answers.
    pub business_hours: Option<BusinessHours>,
}

/// Opening hours, e.g. 08:00–21:00 in Asia/Ho_Chi_Minh.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BusinessHours {
    /// IANA time zone.
    pub timezone: String,
    /// `HH:MM`.
    pub open: String,
    /// `HH:MM`.
    pub close: String,
}

/// The help center's root URL: the folder above the `kb/` folder (kb-builder writes both into one `dist/`).
pub fn help_center_base(kb: &str) -> String {
    let trimmed = kb.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(slash) => trimmed[..=slash].to_owned(),
        None => "/".to_owned(),
    }
}

/// Resolves a site-relative article URL (`/vi/returns/return-policy/`) against the help center's root.
pub fn absolute_url(base: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("mailto:") {
        return url.to_owned();
    }
    format!("{}/{}", base.trim_end_matches('/'), url.trim_start_matches('/'))
}

/// The origin (`https://help.example.com`) of the help center's URL; empty when it is a path on the page's
/// own site.
pub fn origin_of(kb: &str) -> &str {
    let Some((scheme, rest)) = kb.split_once("://") else { return "" };
    let host_end = rest.find('/').unwrap_or(rest.len());
    &kb[..scheme.len() + 3 + host_end]
}

/// An article body with its images' site-relative sources (`src="/assets/…"`) on the help center's origin:
/// the widget shows the body on another site, where they would point at that site.
pub fn sources_on(html: &str, origin: &str) -> String {
    if origin.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" src=\"/") {
        let (before, after) = rest.split_at(at + " src=\"".len());
        out.push_str(before);
        // `//host/…` already names a host.
        if !after.starts_with("//") {
            out.push_str(origin);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_center_is_the_folder_above_kb() {
        assert_eq!(help_center_base("https://help.example.com/kb/"), "https://help.example.com/");
        assert_eq!(help_center_base("https://example.com/help/kb"), "https://example.com/help/");
        assert_eq!(help_center_base("/kb/"), "/");
    }

    #[test]
    fn images_of_an_article_come_from_the_help_center() {
        assert_eq!(origin_of("https://help.example.com/kb/"), "https://help.example.com");
        assert_eq!(origin_of("http://127.0.0.1:8080/kb"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("/kb/"), "");
        let html = r#"<img src="/assets/files/a.png"> <img src="//cdn.test/b.png"> <img src="https://x.test/c.png">"#;
        assert_eq!(
            sources_on(html, "https://help.example.com"),
            r#"<img src="https://help.example.com/assets/files/a.png"> <img src="//cdn.test/b.png"> <img src="https://x.test/c.png">"#
        );
        assert_eq!(sources_on(html, ""), html);
    }

    #[test]
    fn article_urls_resolve_against_the_help_center() {
        let base = "https://help.example.com/";
        assert_eq!(absolute_url(base, "/vi/returns/x/"), "https://help.example.com/vi/returns/x/");
        assert_eq!(absolute_url(base, "https://other.example/"), "https://other.example/");
    }

    #[test]
    fn route_suggestions_use_the_longest_matching_prefix() {
        let by_path: BTreeMap<String, Vec<String>> = [
            ("/".to_owned(), vec!["home".to_owned()]),
            ("/checkout".to_owned(), vec!["payment".to_owned()]),
            ("/checkout/shipping".to_owned(), vec!["fees".to_owned()]),
        ]
        .into();
        assert_eq!(suggestions_for("/checkout/shipping/2", &by_path), Some(&["fees".to_owned()][..]));
        assert_eq!(suggestions_for("/checkout", &by_path), Some(&["payment".to_owned()][..]));
        assert_eq!(suggestions_for("/blog", &by_path), Some(&["home".to_owned()][..]));
        assert_eq!(suggestions_for("/blog", &BTreeMap::new()), None);
    }

    #[test]
    fn manifest_from_kb_builder_parses_and_ignores_what_the_widget_does_not_need() {
        let json = r#"{"format_version":3,"entries":{"en":{"file":"en-ab.entry","bytes":3}},"index_bytes":9,
            "site":{"names":{"vi":"Trợ giúp"},"chat_url":null,
            "business_hours":{"timezone":"Asia/Ho_Chi_Minh","days":["mon"],"open":"08:00","close":"21:00"}}}"#;
        let manifest: Manifest = serde_json::from_str(json).unwrap();
        assert_eq!(manifest.entries["en"].file, "en-ab.entry");
        assert_eq!(manifest.site.business_hours.unwrap().close, "21:00");
    }
}
