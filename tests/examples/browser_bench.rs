//! What `cargo xtask bench browser` measures in a real headless Chromium. Prints one JSON object.
//!
//! ```text
//! browser_bench first-answer SITE QUERY SECOND RUNS [cps=N] [hover=MS] [link=devtools|server]
//!                                      time to first answer, Answerdesk and Pagefind's UI, on 4G, then to
//!                                      the answer of a second question; with cps, the first question is
//!                                      typed at N characters a second; with hover, the pointer rests on
//!                                      the launcher (the search input) MS ms before the click. The help
//!                                      center's server shapes the network (every request, a worker's
//!                                      too); link=devtools uses DevTools' emulation instead
//! browser_bench query-latency SITE QUERIES           Answerdesk('search', q) timed in the page, per query
//! ```
//!
//! SITE is laid out like a deployed help center: kb-builder's output (`kb/`, the article pages), the
//! release widget (`widget/`) and Pagefind's index and UI over those article pages (`pagefind/`), with
//! `.br`/`.gz` files next to the assets, served by a static server that uses them. QUERIES is a JSON array
//! of strings. Times are taken with the page's own `performance.now()`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use answerdesk_e2e::{Browser, Link, ROOT, Server, storefront};
use anyhow::{Context, bail};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::elements::Element;
use serde_json::{Value, json};

const USAGE: &str = "usage: browser_bench first-answer SITE QUERY SECOND RUNS [cps=N] [hover=MS] [link=devtools|server] | query-latency SITE QUERIES.json";

/// A first-answer run's options: how the visitor gets to the first question (how fast they type, how long
/// the pointer rests on the trigger before the click: the loader starts fetching on hover, so that is a
/// head start), and who slows the network down.
#[derive(Debug, Clone, Copy, Default)]
struct RunOptions {
    /// Characters a second; typed at once without.
    pace: Option<f64>,
    hover: Option<Duration>,
    /// DevTools' emulation shapes the network instead of the help center's server ([`Link`]). It does not
    /// reach a dedicated worker's requests, and Pagefind fetches its wasm and index from one: with it
    /// Pagefind answered the sample in 1.4 s, through the server's link in 4.1 s. Kept to compare.
    devtools_link: bool,
}

impl RunOptions {
    fn parse(options: &[&str]) -> anyhow::Result<Self> {
        let mut run = RunOptions::default();
        for option in options {
            match option.split_once('=') {
                Some(("cps", n)) => run.pace = Some(n.parse().context("cps=N: N is a number")?),
                Some(("hover", ms)) => {
                    run.hover = Some(Duration::from_millis(ms.parse().context("hover=MS: MS is a number")?))
                }
                Some(("link", "server")) => run.devtools_link = false,
                Some(("link", "devtools")) => run.devtools_link = true,
                _ => bail!("unknown option {option:?}\n{USAGE}"),
            }
        }
        Ok(run)
    }
}

/// Lighthouse's mobile throttling preset "Slow 4G" (`mobileSlow4G` in lighthouse
/// core/config/constants.js): 150 ms round trip, 1.6 Mbps down, 750 kbps up.
const RTT_MS: f64 = 150.0;
const DOWN_KBPS: f64 = 1.6 * 1024.0;
const UP_KBPS: f64 = 750.0;
/// DevTools delays each request rather than the connection, so Lighthouse applies the preset through
/// DevTools with these factors (its DEVTOOLS_RTT_ADJUSTMENT_FACTOR and ..._THROUGHPUT_...); so do we.
const LATENCY_FACTOR: f64 = 3.75;
const THROUGHPUT_FACTOR: f64 = 0.9;

/// Long enough for the largest index over the throttled network.
const LIMIT: Duration = Duration::from_secs(600);

/// The plain search page that hosts Pagefind's own UI, written next to `pagefind/`.
const PAGEFIND_PAGE: &str = "pagefind-search.html";
const PAGEFIND_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Search</title>
  <link rel="stylesheet" href="/pagefind/pagefind-ui.css">
  <script src="/pagefind/pagefind-ui.js"></script>
</head>
<body>
  <div id="search"></div>
  <script>new PagefindUI({ element: '#search' });</script>
</body>
</html>
"#;

/// Queries per `execute` call: well inside chromedriver's 30 s script timeout on the largest index.
const BATCH: usize = 100;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = match args.as_slice() {
        ["first-answer", site, query, second, runs, options @ ..] => {
            let runs = runs.parse().context("RUNS is a number")?;
            first_answer(Path::new(site), [query, second], runs, RunOptions::parse(options)?).await?
        }
        ["query-latency", site, queries] => {
            let text = std::fs::read_to_string(queries).with_context(|| format!("cannot read {queries}"))?;
            let queries: Vec<String> = serde_json::from_str(&text)?;
            // A blank query is not searched (the widget shows its suggestions): nothing to time.
            let queries: Vec<String> = queries.into_iter().filter(|q| !q.trim().is_empty()).collect();
            query_latency(Path::new(site), &queries).await?
        }
        _ => bail!("{USAGE}"),
    };
    println!("{report}");
    Ok(())
}

/// A search UI under test.
#[derive(Debug, Clone, Copy)]
enum Engine {
    /// The widget embedded on a storefront page on another origin, as the README tells site owners to.
    Answerdesk,
    /// Pagefind's own UI (`pagefind-ui.js`) on a plain page of the help center's origin.
    Pagefind,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Answerdesk => "answerdesk",
            Engine::Pagefind => "pagefind",
        }
    }

    /// JS expression: the node the engine renders into.
    fn root(self) -> &'static str {
        match self {
            Engine::Answerdesk => ROOT,
            Engine::Pagefind => "document.querySelector('#search')",
        }
    }

    /// CSS selector, inside the root, of what the visitor clicks to start.
    fn trigger(self) -> &'static str {
        match self {
            Engine::Answerdesk => ".launcher",
            Engine::Pagefind => ".pagefind-ui__search-input",
        }
    }

    /// CSS selector of a result's title; it counts once it has text.
    fn result(self) -> &'static str {
        match self {
            Engine::Answerdesk => ".hit-title",
            Engine::Pagefind => ".pagefind-ui__result-link",
        }
    }

    /// CSS selector of the search box.
    fn search_box(self) -> &'static str {
        match self {
            Engine::Answerdesk => ".query",
            Engine::Pagefind => ".pagefind-ui__search-input",
        }
    }

    /// JS condition: the search box has focus, so typing goes there.
    fn typing_ready(self) -> String {
        let focused = match self {
            Engine::Answerdesk => format!("{ROOT}?.activeElement"),
            Engine::Pagefind => "document.activeElement".into(),
        };
        format!("{focused}?.matches('{}')", self.search_box())
    }

    async fn trigger_element(self, browser: &Browser) -> anyhow::Result<Element> {
        let trigger = Locator::Css(self.trigger());
        Ok(match self {
            Engine::Answerdesk => {
                let host = browser.client.find(Locator::Css("answerdesk-widget")).await?;
                host.shadow_root().await?.find(trigger).await?
            }
            Engine::Pagefind => browser.client.find(trigger).await?,
        })
    }
}

/// The throttling applied, as DevTools takes it (bytes per second) and as the report states it.
fn network() -> (Value, Value) {
    let latency_ms = RTT_MS * LATENCY_FACTOR;
    let (down_kbps, up_kbps) = (DOWN_KBPS * THROUGHPUT_FACTOR, UP_KBPS * THROUGHPUT_FACTOR);
    let devtools = json!({
        "offline": false,
        "latency": latency_ms,
        "downloadThroughput": down_kbps * 1024.0 / 8.0,
        "uploadThroughput": up_kbps * 1024.0 / 8.0,
    });
    let stated = json!({
        "name": "Lighthouse mobile \"Slow 4G\"",
        "rtt_ms": RTT_MS, "down_kbps": DOWN_KBPS, "up_kbps": UP_KBPS,
        "applied": { "latency_ms": latency_ms, "down_kbps": down_kbps, "up_kbps": up_kbps },
    });
    (devtools, stated)
}

/// The same throttling as [`network`], made by the server.
fn link() -> Link {
    Link {
        latency: Duration::from_secs_f64(RTT_MS * LATENCY_FACTOR / 1e3),
        bytes_per_second: DOWN_KBPS * THROUGHPUT_FACTOR * 1024.0 / 8.0,
    }
}

/// `runs` cold-cache runs of each engine, alternating, on the same articles and questions.
async fn first_answer(
    site: &Path,
    queries: [&str; 2],
    runs: usize,
    options: RunOptions,
) -> anyhow::Result<Value> {
    let headers = [("access-control-allow-origin", "*".into()), ("timing-allow-origin", "*".into())];
    let help = if options.devtools_link {
        Server::start_precompressed(site.to_path_buf(), &headers).await?
    } else {
        Server::start_shaped(site.to_path_buf(), &headers, link()).await?
    };
    let (store, _pages) = storefront(&help, &[]).await?;
    std::fs::write(site.join(PAGEFIND_PAGE), PAGEFIND_HTML)?;
    let pages = [
        (Engine::Answerdesk, format!("{}/en.html", store.origin())),
        (Engine::Pagefind, format!("{}/{PAGEFIND_PAGE}", help.origin())),
    ];
    let shaped_by = if options.devtools_link { "DevTools" } else { "the help center's server" };
    let mut report =
        json!({ "network": network().1, "shaped_by": shaped_by, "answerdesk": [], "pagefind": [] });
    for run in 1..=runs {
        for (engine, url) in &pages {
            let measured = first_answer_once(*engine, url, queries, options, &help, site)
                .await
                .with_context(|| format!("{} run {run}", engine.name()))?;
            eprintln!("  {} run {run}/{runs}: {measured}", engine.name());
            report[engine.name()].as_array_mut().context("a list")?.push(measured);
        }
    }
    Ok(report)
}

/// One run in a fresh browser (new profile, cache disabled, throttled before the page loads): with a
/// hover, the pointer moved onto the trigger that long before the click; click,
/// type the first question once the search box has focus (at once, or `pace` characters a second), wait
/// for the first result title painted; then select the text, type the second question and wait for its
/// first result.
async fn first_answer_once(
    engine: Engine,
    url: &str,
    [query, second]: [&str; 2],
    options: RunOptions,
    help: &Server,
    site: &Path,
) -> anyhow::Result<Value> {
    let browser = Browser::start(1280, 900).await?;
    browser.cdp("Network.enable", json!({})).await?;
    browser.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true })).await?;
    if options.devtools_link {
        browser.cdp("Network.emulateNetworkConditions", network().0).await?;
    }
    browser.client.goto(url).await?;
    let trigger = format!("{}?.querySelector('{}')", engine.root(), engine.trigger());
    browser.wait_for_within(&trigger, "the page", LIMIT).await?;
    // The clock: the first click on the trigger and the first key pressed, both caught before the
    // engine's own handlers; the first result title with text while the search box holds the question
    // (so not a suggestion shown before typing, nor the previous question's results), at the next
    // animation frame (painted).
    let instrument = format!(
        "const root = {root}, t = window.ttfa = {{}};
         performance.setResourceTimingBufferSize(100000);
         root.querySelector('{trigger}').addEventListener('click', () => t.click ??= performance.now(), {{ capture: true }});
         document.addEventListener('keydown', () => {{ t.key ??= performance.now(); t.lastKey = performance.now(); }}, {{ capture: true }});
         // The search box counts as usable from the first frame it has focus (checked from the click on).
         const untilUsable = () => {{ if ({ready}) t.box ??= performance.now(); else requestAnimationFrame(untilUsable); }};
         root.querySelector('{trigger}').addEventListener('click', untilUsable, {{ capture: true }});
         window.watchAnswer = (query, previous, done) => new MutationObserver((_, observer) => {{
           const hit = root.querySelector('{result}'), text = hit?.textContent.trim();
           if (!text || text === previous || root.querySelector('{search_box}')?.value !== query) return;
           observer.disconnect();
           done.first = text;
           requestAnimationFrame(() => done.painted = performance.now());
         }}).observe(root, {{ childList: true, subtree: true, characterData: true }});
         watchAnswer(arguments[0], null, t);",
        root = engine.root(),
        trigger = engine.trigger(),
        result = engine.result(),
        search_box = engine.search_box(),
        ready = engine.typing_ready(),
    );
    browser.js(&instrument, vec![json!(query)]).await?;
    let before = help.requests().len();
    let trigger = engine.trigger_element(&browser).await?;
    if let Some(hover) = options.hover {
        let onto = PointerAction::MoveToElement { element: trigger.clone(), duration: None, x: 0.0, y: 0.0 };
        browser.client.perform_actions(MouseActions::new("mouse".into()).then(onto)).await?;
        tokio::time::sleep(hover).await;
    }
    trigger.click().await?;
    browser.wait_for_within(&engine.typing_ready(), "the search box", LIMIT).await?;
    match options.pace {
        Some(cps) => {
            for c in query.chars() {
                browser.keys(&[c]).await?;
                tokio::time::sleep(Duration::from_secs_f64(1.0 / cps)).await;
            }
        }
        None => browser.type_text(query).await?,
    }
    let t = browser.wait_for_within("window.ttfa.painted && window.ttfa", "the first result", LIMIT).await?;
    // What the help center sent from the click on (Pagefind fetches from a worker, out of the page's
    // resource timing): brotli files where the server has them, as Chromium accepts brotli.
    let first = help.requests().split_off(before);
    let answered_at = help.requests().len();

    let previous = t["first"].clone();
    browser
        .js(
            "window.ttsa = { start: performance.now() }; watchAnswer(arguments[0], arguments[1], ttsa);",
            vec![json!(second), previous],
        )
        .await?;
    browser.chord(&[fantoccini::key::Key::Control.into(), 'a']).await?;
    browser.type_text(second).await?;
    let t2 =
        browser.wait_for_within("window.ttsa.painted && window.ttsa", "the second result", LIMIT).await?;
    let then = help.requests().split_off(answered_at);
    let timeline = browser.js(RESOURCES, vec![]).await?;
    browser.quit().await?;
    let at = |t: &Value, name: &str| t[name].as_f64().with_context(|| format!("no {name} time: {t}"));
    let index = |paths: &[String]| {
        let index: Vec<&String> = paths.iter().filter(|p| is_index(p)).collect();
        (index.len(), index.iter().map(|path| served_bytes(site, path)).sum::<u64>())
    };
    let (index_requests, index_bytes) = index(&first);
    let (second_requests, second_bytes) = index(&then);
    let resources: Vec<Resource> = timeline
        .as_array()
        .context("a resource list")?
        .iter()
        .map(|r| Resource {
            name: r["name"].as_str().unwrap_or_default().to_owned(),
            start: r["start"].as_f64().unwrap_or_default(),
            end: r["end"].as_f64().unwrap_or_default(),
        })
        .collect();
    let wasm_ready =
        resources.iter().filter(|r| r.name.ends_with(".wasm")).map(|r| r.end).fold(0.0, f64::max);
    let in_kb = |from: f64, to: f64| -> Vec<&Resource> {
        resources.iter().filter(|r| r.name.contains("/kb/") && r.start >= from && r.start < to).collect()
    };
    Ok(json!({
        "click_to_answer_ms": at(&t, "painted")? - at(&t, "click")?,
        "click_to_box_ms": at(&t, "box")? - at(&t, "click")?,
        "last_key_to_answer_ms": at(&t, "painted")? - at(&t, "lastKey")?,
        "keystroke_to_answer_ms": at(&t, "painted")? - at(&t, "key")?,
        "requests": first.len(), "bytes": first.iter().map(|path| served_bytes(site, path)).sum::<u64>(),
        "index_requests": index_requests, "index_bytes": index_bytes,
        "index_waves_after_wasm": waves(&in_kb(wasm_ready, at(&t, "painted")?)),
        "first_result": t["first"],
        "second_ms": at(&t2, "painted")? - at(&t2, "start")?,
        "second_index_requests": second_requests, "second_index_bytes": second_bytes,
        "second_index_waves": waves(&in_kb(at(&t2, "start")?, at(&t2, "painted")?)),
        "second_result": t2["first"],
    }))
}

/// Whether `path` is a piece of a search index, not of the UI: the widget's `kb/` folder (manifest,
/// entries, chunks, bodies), Pagefind's entry, metadata, index chunks and fragments (not its scripts,
/// styles and wasm).
fn is_index(path: &str) -> bool {
    path.starts_with("/kb/")
        || (path.starts_with("/pagefind/")
            && (path.ends_with("pagefind-entry.json")
                || [".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter"]
                    .iter()
                    .any(|ext| path.ends_with(ext))))
}

/// The page's resource timeline (the widget fetches in the page; Pagefind's worker is not in it).
const RESOURCES: &str = "return performance.getEntriesByType('resource')
    .map(e => ({ name: e.name, start: e.startTime, end: e.responseEnd }));";

#[derive(Debug)]
struct Resource {
    name: String,
    start: f64,
    end: f64,
}

/// Dependent round trips seen in a timeline: a request starts a new wave when it starts after a response
/// of the current wave has ended (it may have waited for it). Requests issued together are one wave.
fn waves(requests: &[&Resource]) -> usize {
    let mut sorted: Vec<&&Resource> = requests.iter().collect();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
    let (mut waves, mut first_end) = (0, f64::NEG_INFINITY);
    for request in sorted {
        if waves == 0 || request.start >= first_end {
            waves += 1;
            first_end = request.end;
        } else {
            first_end = first_end.min(request.end);
        }
    }
    waves
}

/// Size of the file the precompressing server sends for `path` (URL path, no query string).
fn served_bytes(site: &Path, path: &str) -> u64 {
    let file = site.join(path.trim_start_matches('/'));
    let brotli = PathBuf::from(format!("{}.br", file.display()));
    std::fs::metadata(&brotli).or_else(|_| std::fs::metadata(&file)).map_or(0, |m| m.len())
}

/// Every query through `Answerdesk('search', q)` once to warm up, then once timed. The storefront is
/// cross-origin isolated (COOP + COEP; the help center sends CORP), which gives `performance.now()` its
/// finer resolution.
async fn query_latency(site: &Path, queries: &[String]) -> anyhow::Result<Value> {
    let help = Server::start_precompressed(
        PathBuf::from(site),
        &[
            ("access-control-allow-origin", "*".into()),
            ("cross-origin-resource-policy", "cross-origin".into()),
        ],
    )
    .await?;
    let isolation = [
        ("cross-origin-opener-policy", "same-origin".to_owned()),
        ("cross-origin-embedder-policy", "require-corp".to_owned()),
    ];
    let (store, _pages) = storefront(&help, &isolation).await?;
    let browser = Browser::start(1280, 900).await?;
    browser.client.goto(&format!("{}/en.html", store.origin())).await?;
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await?;
    browser
        .js("window.ready = null; Answerdesk('on', 'ready', e => ready = e); Answerdesk('open');", vec![])
        .await?;
    browser.wait_for_within("window.ready", "the widget and its index", LIMIT).await?;
    let clock = browser
        .js(
            "let step = Infinity, last = performance.now();
             for (let i = 0; i < 1e6; i++) {
               const now = performance.now();
               if (now > last) { step = Math.min(step, now - last); last = now; }
             }
             return { isolated: self.crossOriginIsolated, resolution_ms: step };",
            vec![],
        )
        .await?;
    // The search is async (a query may fetch pieces of the index): each call is timed until its `search`
    // event, which the widget sends once the results are in its state. Blank queries send none.
    let time_all = async || -> anyhow::Result<(Vec<f64>, usize)> {
        let (mut samples, mut no_hits) = (Vec::with_capacity(queries.len()), 0);
        for batch in queries.chunks(BATCH) {
            let timed = browser
                .js(
                    "return (async () => {
                       const out = [];
                       for (const q of arguments[0]) {
                         const start = performance.now();
                         const hits = await new Promise(resolve => {
                           const timer = setTimeout(() => done(null), 10000);
                           const f = e => { if (e.query === q) done(e.results.length); };
                           const done = n => { clearTimeout(timer); Answerdesk('off', 'search', f); resolve(n); };
                           Answerdesk('on', 'search', f);
                           Answerdesk('search', q);
                         });
                         out.push([performance.now() - start, hits]);
                       }
                       return out;
                     })();",
                    vec![json!(batch)],
                )
                .await?;
            let timed: Vec<(f64, Option<usize>)> = serde_json::from_value(timed)?;
            if let Some(lost) = timed.iter().zip(batch).find(|((_, hits), _)| hits.is_none()) {
                bail!("no search event within 10 s for {:?}", lost.1);
            }
            no_hits += timed.iter().filter(|(_, hits)| *hits == Some(0)).count();
            samples.extend(timed.into_iter().map(|(ms, _)| ms));
        }
        Ok((samples, no_hits))
    };
    time_all().await.context("warm-up pass")?;
    let (samples, no_hits) = time_all().await.context("timed pass")?;
    browser.quit().await?;
    Ok(json!({
        "queries": queries.len(),
        "isolated": clock["isolated"],
        "resolution_ms": clock["resolution_ms"],
        "no_hits": no_hits,
        "samples_ms": samples,
    }))
}
