//! The static help center: a home page per language, category pages, article pages with structured data,
//! an all-articles page, a 404 page, `sitemap.xml`, `robots.txt`, and `_headers` for the hosts that read
//! one. Pages work without JavaScript.

mod strings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use kb_core::{Article, Lang};
use minijinja::{Environment, context};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::SiteConfig;
use crate::content::Arrangement;
use strings::strings;

/// Templates and styles, compiled in so the binary works from any folder.
const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("../../../site/templates/base.html")),
    ("search_form.html", include_str!("../../../site/templates/search_form.html")),
    ("home.html", include_str!("../../../site/templates/home.html")),
    ("category.html", include_str!("../../../site/templates/category.html")),
    ("article.html", include_str!("../../../site/templates/article.html")),
    ("search.html", include_str!("../../../site/templates/search.html")),
    ("languages.html", include_str!("../../../site/templates/languages.html")),
    ("not_found.html", include_str!("../../../site/templates/not_found.html")),
];
const STYLESHEET: &str = include_str!("../../../site/assets/help.css");

/// Escapes the five characters that matter in HTML text and attributes, and leaves `/` alone (minijinja's
/// default writes every URL as `https:&#x2f;&#x2f;…`: valid, but unreadable in page source).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() == minijinja::AutoEscape::Html
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        let mut escaped = String::with_capacity(text.len());
        kb_core::escape_html(text, &mut escaped);
        return out.write_str(&escaped).map_err(minijinja::Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// What was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SiteStats {
    /// HTML pages.
    pub pages: usize,
    /// Bytes of HTML, CSS, XML and text written.
    pub bytes: u64,
}

#[derive(Debug, Serialize)]
struct ArticleLink<'a> {
    title: &'a str,
    url: &'a str,
    summary: &'a str,
}

#[derive(Debug, Serialize)]
struct Category<'a> {
    key: &'a str,
    name: String,
    url: String,
    count: usize,
    articles: Vec<ArticleLink<'a>>,
}

#[derive(Debug, Serialize)]
struct LangLink {
    lang: &'static str,
    label: &'static str,
    url: String,
}

/// A page URL and its language alternates.
type SitemapEntry = (String, Vec<Alternate>);

#[derive(Debug, Serialize)]
struct Alternate {
    lang: String,
    url: String,
}

/// Writes the help center for `articles` into `out`.
pub fn render(
    config: &SiteConfig,
    articles: &[Article],
    arrangement: &Arrangement,
    out: &Path,
) -> anyhow::Result<SiteStats> {
    // Only languages that have articles get pages (and a place in the language switcher).
    let languages: Vec<Lang> =
        config.languages.iter().copied().filter(|&l| articles.iter().any(|a| a.lang == l)).collect();
    let config = &SiteConfig { languages, ..config.clone() };
    let mut env = Environment::new();
    env.set_formatter(html_formatter);
    for (name, source) in TEMPLATES {
        env.add_template(name, source).with_context(|| format!("template site/templates/{name}"))?;
    }
    let base_path = config.base_path();
    let writer = Writer { out, base_path };
    let mut stats = SiteStats::default();
    let css_name = format!("assets/help.{}.css", short_hash(STYLESHEET.as_bytes()));
    stats.bytes += writer.write(&css_name, STYLESHEET)?;
    // Translations of one article share its id.
    let mut translations: BTreeMap<&str, Vec<&Article>> = BTreeMap::new();
    for article in articles {
        translations.entry(&article.id).or_default().push(article);
    }
    let css_url = format!("{base_path}/{css_name}");
    let site = Site { env, writer, config, css_url, translations, arrangement };
    let mut built = Built { stats, sitemap: Vec::new() };
    for &lang in &config.languages {
        site.language_pages(lang, articles, &mut built)?;
    }
    site.root_pages(&mut built.stats)?;
    let Built { mut stats, sitemap } = built;
    stats.bytes += site.writer.write("sitemap.xml", &sitemap_xml(&sitemap, &|url| site.absolute(url)))?;
    let robots = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        config.base_url.trim_end_matches('/')
    );
    stats.bytes += site.writer.write("robots.txt", &robots)?;
    stats.bytes += site.writer.write("_headers", &host_headers(base_path))?;
    Ok(stats)
}

/// The response headers a static host that reads `_headers` (Netlify, Cloudflare Pages) should add: CORS
/// for what the widget fetches from other sites' pages, and lasting caching for the files named after their
/// content. Both hosts merge every rule that matches a path, so no two rules here set the same header on
/// one path: `kb/` and `widget/` keep the hosts' default revalidation, because their one file that must
/// stay fresh (`manifest.json`, `answerdesk.js`) cannot be told apart from the rest with their patterns.
fn host_headers(base_path: &str) -> String {
    format!(
        "# Written by kb-builder for Netlify and Cloudflare Pages; other hosts: the README's nginx and Caddy snippets.\n\
         {base_path}/kb/*\n  Access-Control-Allow-Origin: *\n\
         {base_path}/widget/*\n  Access-Control-Allow-Origin: *\n\
         {base_path}/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n\
         {base_path}/*\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: strict-origin-when-cross-origin\n"
    )
}

/// What every page of one build shares: the templates, where pages go, the site, its stylesheet and
/// which articles are translations of which.
struct Site<'a> {
    env: Environment<'a>,
    writer: Writer<'a>,
    config: &'a SiteConfig,
    css_url: String,
    translations: BTreeMap<&'a str, Vec<&'a Article>>,
    arrangement: &'a Arrangement,
}

/// What the pages written so far add up to.
struct Built {
    stats: SiteStats,
    sitemap: Vec<SitemapEntry>,
}

impl Site<'_> {
    /// A language's home page.
    fn home(&self, lang: Lang) -> String {
        format!("{}/{lang}/", self.config.base_path())
    }

    /// A language's all-articles page (the search form's target without JavaScript).
    fn search(&self, lang: Lang) -> String {
        format!("{}/{lang}/search/", self.config.base_path())
    }

    /// A site-relative URL with the site's origin.
    fn absolute(&self, url: &str) -> String {
        format!("{}{url}", self.config.origin())
    }

    /// The language switcher, each language going to `urls(lang)`.
    fn switcher(&self, urls: &dyn Fn(Lang) -> String) -> Vec<LangLink> {
        let link = |&l: &Lang| LangLink { lang: l.code(), label: strings(l).language_name, url: urls(l) };
        self.config.languages.iter().map(link).collect()
    }

    /// The page's `hreflang` alternates: the languages in which `urls` has a page.
    fn alternates(&self, urls: &dyn Fn(Lang) -> Option<String>) -> Vec<Alternate> {
        let alternate =
            |&l: &Lang| urls(l).map(|url| Alternate { lang: l.code().into(), url: self.absolute(&url) });
        self.config.languages.iter().filter_map(alternate).collect()
    }

    /// What every page needs to load the widget (`widget/` beside the pages): its loader, the index, the
    /// chat server, and the sources the page's CSP lets it connect to besides its own origin.
    fn widget_context(&self) -> minijinja::Value {
        let base = self.config.base_path();
        let chat = self.config.chat_url.as_deref().map(|url| url.trim_end_matches('/'));
        let chat_origin = chat.map(|url| {
            let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
            let host = rest.split('/').next().unwrap_or_default();
            let socket = if scheme == "http" { "ws" } else { "wss" };
            format!(" {scheme}://{host} {socket}://{host}")
        });
        context! {
            widget_url => format!("{base}/widget/answerdesk.js"), kb_url => format!("{base}/kb/"),
            chat_url => chat, chat_sources => chat_origin.unwrap_or_default(),
        }
    }

    /// Renders `template` with `context`.
    fn page(&self, template: &str, context: minijinja::Value) -> anyhow::Result<String> {
        Ok(self.env.get_template(template)?.render(context)?)
    }

    /// A language's home, all-articles, category and article pages.
    fn language_pages(&self, lang: Lang, articles: &[Article], built: &mut Built) -> anyhow::Result<()> {
        let t = strings(lang);
        let site_name = self.config.site_name(lang);
        let categories = categories(self.config, lang, articles, self.arrangement);
        let common = context! {
            lang => lang.code(), t, site_name, css_url => self.css_url, search_url => self.search(lang),
            home_url => self.home(lang), ..self.widget_context()
        };
        let every_home = |l: Lang| Some(self.home(l));
        let home = self.page("home.html", context! {
            page_title => site_name, description => t.home_heading, canonical => self.absolute(&self.home(lang)),
            alternates => self.alternates(&every_home), switcher => self.switcher(&|l| self.home(l)),
            categories, jsonld => Vec::<Value>::new(), ..common.clone()
        })?;
        built.stats.add(self.writer.write_page(&self.home(lang), &home)?);
        built.sitemap.push((self.home(lang), self.alternates(&every_home)));

        let search = self.page("search.html", context! {
            page_title => t.all_articles, description => t.all_articles,
            canonical => self.absolute(&self.search(lang)),
            alternates => self.alternates(&|l| Some(self.search(l))), switcher => self.switcher(&|l| self.search(l)),
            categories, jsonld => Vec::<Value>::new(), ..common.clone()
        })?;
        built.stats.add(self.writer.write_page(&self.search(lang), &search)?);

        for category in &categories {
            let page = self.page("category.html", context! {
                page_title => category.name, description => category.name,
                canonical => self.absolute(&category.url),
                alternates => vec![Alternate { lang: lang.code().into(), url: self.absolute(&category.url) }],
                switcher => self.switcher(&|l| self.home(l)), category, jsonld => Vec::<Value>::new(),
                ..common.clone()
            })?;
            built.stats.add(self.writer.write_page(&category.url, &page)?);
            built.sitemap.push((category.url.clone(), Vec::new()));
        }
        let lang_articles: Vec<&Article> = articles.iter().filter(|a| a.lang == lang).collect();
        self.article_pages(&lang_articles, &categories, &common, built)
    }

    /// A language's article pages (the bulk of the work, in parallel).
    fn article_pages(
        &self,
        articles: &[&Article],
        categories: &[Category<'_>],
        common: &minijinja::Value,
        built: &mut Built,
    ) -> anyhow::Result<()> {
        let written: Vec<anyhow::Result<(u64, SitemapEntry)>> = articles
            .par_iter()
            .map(|article| {
                let siblings = &self.translations[article.id.as_str()];
                let translation_url = |l: Lang| siblings.iter().find(|a| a.lang == l).map(|a| a.url.clone());
                let category = categories.iter().find(|c| c.key == article.category).expect("own category");
                let related: Vec<&ArticleLink<'_>> =
                    category.articles.iter().filter(|a| a.url != article.url).take(5).collect();
                let page = self.page("article.html", context! {
                    page_title => article.title, description => article.summary,
                    canonical => self.absolute(&article.url), alternates => self.alternates(&translation_url),
                    switcher => self.switcher(&|l| translation_url(l).unwrap_or_else(|| self.home(l))),
                    article, related,
                    // Only what the page shows: serializing the whole category per page is quadratic.
                    category => context! { name => category.name, url => category.url },
                    jsonld => structured_data(self.config, article, category, &|url| self.absolute(url)),
                    ..common.clone()
                })?;
                let alternates = self.alternates(&translation_url);
                Ok((self.writer.write_page(&article.url, &page)?, (article.url.clone(), alternates)))
            })
            .collect();
        for result in written {
            let (bytes, entry) = result?;
            built.stats.add(bytes);
            built.sitemap.push(entry);
        }
        Ok(())
    }

    /// The site root: a language chooser (static hosts cannot negotiate languages), and the 404 page.
    fn root_pages(&self, stats: &mut SiteStats) -> anyhow::Result<()> {
        let config = self.config;
        let lang = if config.languages.contains(&config.default_lang) {
            config.default_lang
        } else {
            config.languages[0]
        };
        let t = strings(lang);
        let root = format!("{}/", config.base_path());
        let root_context = context! {
            lang => lang.code(), t, site_name => config.site_name(lang), css_url => self.css_url,
            search_url => self.search(lang), home_url => self.home(lang),
            description => config.site_name(lang), switcher => self.switcher(&|l| self.home(l)),
            jsonld => Vec::<Value>::new(), ..self.widget_context()
        };
        let mut root_alternates = self.alternates(&|l| Some(self.home(l)));
        root_alternates.push(Alternate { lang: "x-default".into(), url: self.absolute(&root) });
        let page = self.page("languages.html", context! {
            page_title => config.site_name(lang), canonical => self.absolute(&root), alternates => root_alternates,
            ..root_context.clone()
        })?;
        stats.add(self.writer.write_page(&root, &page)?);
        let page = self.page("not_found.html", context! {
            page_title => t.not_found, canonical => self.absolute(&root), alternates => Vec::<Alternate>::new(),
            ..root_context
        })?;
        stats.bytes += self.writer.write("404.html", &page)?;
        stats.pages += 1;
        Ok(())
    }
}

impl SiteStats {
    fn add(&mut self, bytes: u64) {
        self.pages += 1;
        self.bytes += bytes;
    }
}

/// Categories of one language: those named in the config first (in its order), then those whose folder
/// gives a place (`_category_.json`), then the rest by name. Names: the config's, else the folder's
/// label, else the key made readable. In each, the articles that give a place (`sidebar_position`,
/// `weight`, `order`) come first, in that order, then the others by title.
fn categories<'a>(
    config: &SiteConfig,
    lang: Lang,
    articles: &'a [Article],
    arrangement: &Arrangement,
) -> Vec<Category<'a>> {
    let positions = &arrangement.positions;
    let folder = |key: &str| arrangement.categories.get(&(lang, key.to_owned()));
    let mut by_key: BTreeMap<&str, Vec<&'a Article>> = BTreeMap::new();
    for article in articles.iter().filter(|a| a.lang == lang) {
        by_key.entry(&article.category).or_default().push(article);
    }
    let configured: Vec<&String> =
        config.categories.get(lang.code()).map(|c| c.keys().collect()).unwrap_or_default();
    let mut categories: Vec<Category<'a>> = by_key
        .into_iter()
        .map(|(key, mut list)| {
            let place = |a: &Article| positions.get(&(lang, a.id.clone())).copied().unwrap_or(f64::INFINITY);
            list.sort_by(|a, b| place(a).total_cmp(&place(b)).then_with(|| a.title.cmp(&b.title)));
            Category {
                key,
                name: match (config.categories.get(lang.code()).and_then(|n| n.get(key)), folder(key)) {
                    (None, Some(meta)) if meta.label.is_some() => meta.label.clone().unwrap_or_default(),
                    _ => config.category_name(lang, key),
                },
                url: format!("{}/{lang}/{key}/", config.base_path()),
                count: list.len(),
                articles: list
                    .into_iter()
                    .map(|a| ArticleLink { title: &a.title, url: &a.url, summary: &a.summary })
                    .collect(),
            }
        })
        .collect();
    let rank = |c: &Category<'_>| configured.iter().position(|k| k.as_str() == c.key).unwrap_or(usize::MAX);
    let place = |c: &Category<'_>| folder(c.key).and_then(|meta| meta.position).unwrap_or(f64::INFINITY);
    categories.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then(place(a).total_cmp(&place(b))).then_with(|| a.name.cmp(&b.name))
    });
    categories
}

/// schema.org data for an article page: the Article, its breadcrumbs and, when the title is a question,
/// the FAQPage that lets search engines show the answer.
fn structured_data(
    config: &SiteConfig,
    article: &Article,
    category: &Category<'_>,
    absolute: &dyn Fn(&str) -> String,
) -> Vec<Value> {
    let url = absolute(&article.url);
    let mut data = vec![
        json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": article.title,
            "description": article.summary,
            "inLanguage": article.lang.code(),
            "articleSection": category.name,
            "url": url,
            "mainEntityOfPage": url,
            "publisher": { "@type": "Organization", "name": config.site_name(article.lang) },
        }),
        json!({
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                { "@type": "ListItem", "position": 1, "name": strings(article.lang).home, "item": absolute(&format!("{}/{}/", config.base_path(), article.lang)) },
                { "@type": "ListItem", "position": 2, "name": category.name, "item": absolute(&category.url) },
                { "@type": "ListItem", "position": 3, "name": article.title, "item": url },
            ],
        }),
    ];
    if article.title.trim_end().ends_with('?') {
        data.push(json!({
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "mainEntity": [{
                "@type": "Question",
                "name": article.title,
                "acceptedAnswer": { "@type": "Answer", "text": article.body_html },
            }],
        }));
    }
    data
}

fn sitemap_xml(entries: &[SitemapEntry], absolute: &dyn Fn(&str) -> String) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (url, alternates) in entries {
        xml.push_str(&format!("  <url><loc>{}</loc>", xml_escape(&absolute(url))));
        for alt in alternates.iter().filter(|_| alternates.len() > 1) {
            xml.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                alt.lang,
                xml_escape(&alt.url)
            ));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// First 10 hex digits of the BLAKE3 hash: enough to never collide across deploys of one site.
pub fn short_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..10].to_string()
}

struct Writer<'a> {
    out: &'a Path,
    base_path: &'a str,
}

impl Writer<'_> {
    /// Writes `contents` at `relative` (inside the output folder); returns the bytes written.
    fn write(&self, relative: &str, contents: &str) -> anyhow::Result<u64> {
        let path = self.out.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(contents.len() as u64)
    }

    /// Writes a page whose site URL ends in `/` as `…/index.html`.
    fn write_page(&self, url: &str, html: &str) -> anyhow::Result<u64> {
        let relative = url.strip_prefix(self.base_path).unwrap_or(url).trim_start_matches('/');
        let file: PathBuf = Path::new(relative).join("index.html");
        self.write(&file.to_string_lossy(), html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_escape_text_but_keep_urls_readable() {
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        env.add_template(
            "t.html",
            "<a href=\"{{ url }}\" title=\"{{ title }}\">{{ title }}</a>{{ html|safe }}",
        )
        .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(context! { url => "/vi/a/", title => "<b>\"x\" & 'y'</b>", html => "<i>ok</i>" })
            .unwrap();
        assert_eq!(
            out,
            "<a href=\"/vi/a/\" title=\"&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;\">&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;</a><i>ok</i>"
        );
    }
}
