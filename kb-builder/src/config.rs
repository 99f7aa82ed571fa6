//! `answerdesk.toml`: site-wide settings editors keep next to their content.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indexmap::IndexMap;
use kb_core::Lang;
use serde::Deserialize;

/// The config file name, looked up in the content folder, then in its parent.
pub const FILE_NAME: &str = "answerdesk.toml";

/// Site settings. Every key is optional; unknown keys are an error so typos do not pass silently.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Name shown in page titles and headers.
    pub site_name: String,
    /// Per-language site names; falls back to `site_name`.
    pub site_names: BTreeMap<String, String>,
    /// Public URL of the help center, used for canonical links and the sitemap.
    pub base_url: String,
    /// Languages the help center publishes, in menu order.
    pub languages: Vec<Lang>,
    /// Language of files that are not under a language folder and say none in front matter.
    pub default_lang: Lang,
    /// Where the widget finds the chat server.
    pub chat_url: Option<String>,
    /// Opening hours of the support team (used by the widget and chat-server).
    pub business_hours: Option<BusinessHours>,
    /// Display names of categories, per language: `[categories.vi] returns = "Đổi trả"`. Their order in
    /// the file is the order on the home page.
    pub categories: BTreeMap<String, IndexMap<String, String>>,
}

/// When people answer chats.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA time zone, e.g. `Asia/Ho_Chi_Minh`.
    pub timezone: String,
    /// Open days: `mon` … `sun`.
    pub days: Vec<String>,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`.
    pub close: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            site_name: "Help Center".into(),
            site_names: BTreeMap::new(),
            base_url: "http://localhost:8080".into(),
            languages: vec![Lang::Vi, Lang::En],
            default_lang: Lang::En,
            chat_url: None,
            business_hours: None,
            categories: BTreeMap::new(),
        }
    }
}

impl SiteConfig {
    /// Loads `answerdesk.toml` from `content_dir` or its parent; defaults when there is none.
    pub fn load(content_dir: &Path) -> anyhow::Result<(Self, Option<PathBuf>)> {
        let candidates = [Some(content_dir.join(FILE_NAME)), content_dir.parent().map(|p| p.join(FILE_NAME))];
        for path in candidates.into_iter().flatten() {
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let config: SiteConfig = toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
                config.validate().with_context(|| format!("in {}", path.display()))?;
                return Ok((config, Some(path)));
            }
        }
        Ok((SiteConfig::default(), None))
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(!self.languages.is_empty(), "`languages` must list at least one language");
        anyhow::ensure!(
            self.base_url.starts_with("http://") || self.base_url.starts_with("https://"),
            "`base_url` must start with http:// or https:// (found `{}`)",
            self.base_url
        );
        if let Some(hours) = &self.business_hours {
            const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            for day in &hours.days {
                anyhow::ensure!(
                    DAYS.contains(&day.as_str()),
                    "[business_hours] day `{day}` is not one of {}",
                    DAYS.join(", ")
                );
            }
            for (key, time) in [("open", &hours.open), ("close", &hours.close)] {
                anyhow::ensure!(
                    time.parse::<jiff::civil::Time>().is_ok(),
                    "[business_hours] {key} = \"{time}\" is not a time; write it as \"HH:MM\""
                );
            }
            anyhow::ensure!(
                jiff::tz::TimeZone::get(&hours.timezone).is_ok(),
                "[business_hours] timezone `{}` is not an IANA time zone name (e.g. Asia/Ho_Chi_Minh)",
                hours.timezone
            );
        }
        Ok(())
    }

    /// The site name in `lang`.
    pub fn site_name(&self, lang: Lang) -> &str {
        self.site_names.get(lang.code()).unwrap_or(&self.site_name)
    }

    /// The path part of `base_url` without a trailing slash ("" for a site at the host's root).
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, rest)| rest);
        after_scheme.find('/').map_or("", |i| after_scheme[i..].trim_end_matches('/'))
    }

    /// Scheme and host of `base_url` ("https://help.example.com"), to make site-relative URLs absolute.
    pub fn origin(&self) -> &str {
        let base = self.base_url.trim_end_matches('/');
        let path_len = self.base_path().len();
        &base[..base.len() - path_len]
    }

    /// Display name of a category: from the config, else the key made readable.
    pub fn category_name(&self, lang: Lang, key: &str) -> String {
        if let Some(name) = self.categories.get(lang.code()).and_then(|names| names.get(key)) {
            return name.clone();
        }
        let readable = key.replace(['-', '_'], " ");
        let mut chars = readable.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_is_the_url_path() {
        let mut config = SiteConfig { base_url: "https://help.example.com".into(), ..Default::default() };
        assert_eq!(config.base_path(), "");
        config.base_url = "https://example.com/help/".into();
        assert_eq!(config.base_path(), "/help");
        assert_eq!(config.origin(), "https://example.com");
    }

    #[test]
    fn category_order_is_the_file_order() {
        let config: SiteConfig =
            toml::from_str("[categories.en]\nzeta = 'Z'\nalpha = 'A'\nmid = 'M'").unwrap();
        let keys: Vec<&String> = config.categories["en"].keys().collect();
        assert_eq!(keys, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<SiteConfig>("site_nmae = 'x'").is_err());
    }
}
