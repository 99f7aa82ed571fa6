//! The widget in a real headless Chromium, embedded on a storefront page on another origin exactly as the
//! README tells site owners to, against the help center and index kb-builder built from `content/`.
//!
//! Run with `cargo xtask test` (it builds `dist/` with the release widget first).

use std::time::Duration;

use answerdesk_e2e::{Browser, ROOT, Server, artifacts, dist, help_center, large_dist, storefront};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::key::Key;
use kb_core::{KnowledgeBase, Lang, SearchRequest};
use serde_json::{Value, json};

async fn launcher(browser: &Browser) -> fantoccini::elements::Element {
    let host = browser.client.wait().for_element(Locator::Css("answerdesk-widget")).await.unwrap();
    host.shadow_root().await.unwrap().find(Locator::Css(".launcher")).await.unwrap()
}

async fn result_titles(browser: &Browser) -> Vec<String> {
    let titles = browser
        .js(&format!("return [...{ROOT}.querySelectorAll('.hit-title')].map(e => e.textContent)"), vec![])
        .await
        .unwrap();
    serde_json::from_value(titles).unwrap()
}

/// The class of the element focused inside the widget, or "" when focus is outside it.
async fn focused(browser: &Browser) -> String {
    let script = format!(
        "const r = {ROOT}; return r && document.activeElement === r.host && r.activeElement \
         ? r.activeElement.className || r.activeElement.tagName : ''"
    );
    browser.js(&script, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

/// Clicks the launcher and waits until the search box has focus.
async fn open_panel(browser: &Browser) {
    launcher(browser).await.click().await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.activeElement?.classList.contains('query')"), "the search box")
        .await
        .unwrap();
}

/// The index the widget under test loads, opened natively.
fn native_kb() -> KnowledgeBase {
    kb_core::lazy::open_folder(&dist().join("kb")).unwrap()
}

async fn panel_open(browser: &Browser) -> bool {
    browser.js(&format!("return !!{ROOT}.querySelector('.panel:not([hidden])')"), vec![]).await.unwrap()
        == json!(true)
}

/// `page` of the storefront (on its own origin, the help center at `help`) in a fresh 1280×900 Chromium;
/// the storefront's pages live as long as the second value.
async fn on_storefront(help: &Server, page: &str) -> (Server, tempfile::TempDir, Browser) {
    let (store, pages) = storefront(help, &[]).await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&format!("{}/{page}", store.origin())).await.unwrap();
    (store, pages, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_fetched_or_stored_before_the_visitor_shows_intent() {
    let help = help_center().await.unwrap();
    let (_store, _pages, browser) = on_storefront(&help, "index.html").await;
    let launcher = launcher(&browser).await;
    browser.wait_for("document.readyState === 'complete'", "the page to load").await.unwrap();
    // The visitor reads the page for a while without touching the launcher.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(help.requests(), ["/widget/answerdesk.js"], "only the loader before any interaction");
    let storage = "return [document.cookie, localStorage.length, sessionStorage.length]";
    assert_eq!(browser.js(storage, vec![]).await.unwrap(), json!(["", 0, 0]));

    // Hovering the launcher is intent: the widget and the index start downloading before the click.
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: launcher,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    browser.client.perform_actions(hover).await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.panel')"), "the widget to start").await.unwrap();
    let requested = help.requests();
    for wanted in ["_bg.wasm", "/kb/manifest.json", ".entry"] {
        assert!(
            requested.iter().any(|p| p.ends_with(wanted)),
            "{wanted} not fetched on hover: {requested:?}"
        );
    }
    assert!(!panel_open(&browser).await, "hovering loads, it does not open");
    assert_eq!(browser.js(storage, vec![]).await.unwrap(), json!(["", 0, 0]), "the widget stores nothing");
    browser.quit().await.unwrap();
}

/// `preload: 'idle'` loads the widget without interaction; dark theme, accent colour and suggested articles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_preload_dark_theme_colour_and_suggestions() {
    let help = help_center().await.unwrap();
    let (_store, _pages, browser) = on_storefront(&help, "idle.html").await;
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    browser.js("window.ready = null; Answerdesk('on', 'ready', e => ready = e)", vec![]).await.unwrap();
    browser.wait_for("window.ready", "the widget to load while idle").await.unwrap();
    assert!(help.requests().iter().any(|p| p.ends_with(".entry")), "index fetched without interaction");
    assert!(!panel_open(&browser).await, "preloading does not open the panel");

    browser.js("Answerdesk('open')", vec![]).await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.hit-title')"), "suggested articles").await.unwrap();
    assert_eq!(result_titles(&browser).await, ["How long do refunds take?", "What is the return policy?"]);
    let colours = browser
        .js(
            &format!(
                "const r = {ROOT}; return [getComputedStyle(r.querySelector('.panel')).backgroundColor,
             getComputedStyle(r.querySelector('.bar')).backgroundColor,
             getComputedStyle(r.querySelector('.launcher')).backgroundColor];"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        colours,
        json!(["rgb(22, 25, 29)", "rgb(91, 42, 134)", "rgb(91, 42, 134)"]),
        "dark panel, owner's colour"
    );
    browser.screenshot("widget-dark.png").await.unwrap();

    // A single-page app moves to its checkout: the next time the panel opens, suggestions follow.
    browser
        .js("Answerdesk('close'); history.pushState({}, '', '/checkout/pay'); Answerdesk('open')", vec![])
        .await
        .unwrap();
    browser
        .wait_for(
            &format!("{ROOT}.querySelector('.hit-title')?.textContent.startsWith('Which payment')"),
            "route suggestions",
        )
        .await
        .unwrap();
    assert_eq!(
        result_titles(&browser).await,
        ["Which payment methods do you accept?", "Can I pay cash on delivery (COD)?"]
    );
    browser.quit().await.unwrap();
}

/// Tab from the page to the launcher, open with Enter, type an unaccented Vietnamese question, read the
/// answer, and close with Escape, all without a mouse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_search_read_and_close_in_unaccented_vietnamese() {
    let help = help_center().await.unwrap();
    let (_store, _pages, browser) = on_storefront(&help, "index.html").await;
    launcher(&browser).await;

    let mut tabs = 0;
    while focused(&browser).await != "launcher" {
        browser.keys(&[Key::Tab.into()]).await.unwrap();
        tabs += 1;
        assert!(tabs < 30, "Tab never reached the launcher");
    }
    browser.keys(&[Key::Enter.into()]).await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.activeElement?.classList.contains('query')"), "focus in the search box")
        .await
        .unwrap();
    assert!(panel_open(&browser).await);
    let expanded = format!("return {ROOT}.querySelector('.launcher').getAttribute('aria-expanded')");
    assert_eq!(browser.js(&expanded, vec![]).await.unwrap(), json!("true"));

    browser.type_text("chinh sach doi tra").await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.hit-title')"), "results").await.unwrap();
    let titles = result_titles(&browser).await;
    assert!(titles[0].contains("đổi trả"), "return policy first for an unaccented query: {titles:?}");
    let status = browser.js(&format!("return {ROOT}.querySelector('[aria-live]').textContent"), vec![]).await;
    assert!(status.unwrap().as_str().unwrap().starts_with("Tìm thấy"), "results are announced");

    // Down to the first result, Enter to read it; focus lands on the article's title.
    browser.keys(&[Key::Down.into()]).await.unwrap();
    assert_eq!(focused(&browser).await, "hit");
    browser.keys(&[Key::Enter.into()]).await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.activeElement?.classList.contains('article-title')"), "the article")
        .await
        .unwrap();
    let title =
        browser.js(&format!("return {ROOT}.querySelector('.article-title').textContent"), vec![]).await;
    assert_eq!(title.unwrap().as_str().unwrap(), titles[0]);

    // Tab cycles inside the dialog, forwards and backwards.
    for _ in 0..15 {
        browser.keys(&[Key::Tab.into()]).await.unwrap();
        assert!(!focused(&browser).await.is_empty(), "Tab left the dialog");
    }
    for _ in 0..15 {
        browser.chord(&[Key::Shift.into(), Key::Tab.into()]).await.unwrap();
        assert!(!focused(&browser).await.is_empty(), "Shift+Tab left the dialog");
    }

    browser.keys(&[Key::Escape.into()]).await.unwrap();
    browser
        .wait_for(&format!("!{ROOT}.querySelector('.panel:not([hidden])')"), "the panel to close")
        .await
        .unwrap();
    assert_eq!(focused(&browser).await, "launcher", "focus returns to the launcher");
    browser.quit().await.unwrap();
}

/// Until the widget's code has arrived, the launcher opens the loader's shell: a search box that takes
/// keystrokes at once, with Esc and Tab as in the panel. The widget takes over what was typed, caret and
/// focus included, and answers it without the visitor doing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_typed_before_the_widget_arrives_is_kept_and_answered() {
    let help = help_center().await.unwrap();
    help.hold(".wasm");
    let (_store, _pages, browser) = on_storefront(&help, "index.html").await;
    open_panel(&browser).await;
    let in_shell = format!("return !!{ROOT}.querySelector('.shell .panel:not([hidden])')");
    assert_eq!(browser.js(&in_shell, vec![]).await.unwrap(), json!(true), "the shell is open");
    let status = format!("return {ROOT}.querySelector('.shell [aria-live]').textContent");
    let status = browser.js(&status, vec![]).await.unwrap();
    assert_eq!(status, json!("Đang tải câu trả lời…"), "the wait is announced");

    // Tab keeps to the box and the close button; Esc closes and gives focus back to the launcher.
    browser.keys(&[Key::Tab.into()]).await.unwrap();
    assert_eq!(focused(&browser).await, "icon close");
    browser.chord(&[Key::Shift.into(), Key::Tab.into()]).await.unwrap();
    assert_eq!(focused(&browser).await, "query");
    browser.keys(&[Key::Escape.into()]).await.unwrap();
    assert!(!panel_open(&browser).await, "Esc closes the shell");
    assert_eq!(focused(&browser).await, "launcher");
    let expanded = format!("return {ROOT}.querySelector('.launcher').getAttribute('aria-expanded')");
    assert_eq!(browser.js(&expanded, vec![]).await.unwrap(), json!("false"));

    // Reopened, it types; the caret goes back two characters.
    browser.keys(&[Key::Enter.into()]).await.unwrap();
    assert_eq!(focused(&browser).await, "query");
    browser.type_text("chinh sach doi tra").await.unwrap();
    browser.keys(&[Key::Left.into(), Key::Left.into()]).await.unwrap();
    assert!(help.requests().iter().any(|path| path.ends_with(".wasm")), "the code is on its way, held");

    help.release();
    browser
        .wait_for(
            &format!("!{ROOT}.querySelector('.shell') && {ROOT}.querySelector('.hit-title')"),
            "results",
        )
        .await
        .unwrap();
    let input = browser
        .js(&format!("const q = {ROOT}.querySelector('.query'); return [q.value, q.selectionStart]"), vec![])
        .await
        .unwrap();
    assert_eq!(input, json!(["chinh sach doi tra", 16]), "text and caret kept");
    assert_eq!(focused(&browser).await, "query", "focus kept");
    let titles = result_titles(&browser).await;
    assert!(titles[0].contains("đổi trả"), "answered without another keystroke: {titles:?}");
    // Typing goes on in the panel, where the caret was.
    browser.type_text("x").await.unwrap();
    let value = browser.js(&format!("return {ROOT}.querySelector('.query').value"), vec![]).await.unwrap();
    assert_eq!(value, json!("chinh sach doi txra"));
    browser.quit().await.unwrap();
}

/// When the widget's code cannot load (a host that lost it, a blocked network), the shell says so and
/// offers the way on it can without the widget: the help center's pages and the site's email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_widget_that_cannot_load_leaves_the_shell_with_the_help_center_and_the_email() {
    let help = help_center().await.unwrap();
    help.refuse(".wasm");
    let (_store, _pages, browser) = on_storefront(&help, "index.html").await;
    open_panel(&browser).await;
    browser.type_text("doi tra").await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.shell .status a')"), "the way on").await.unwrap();
    let links = browser
        .js(
            &format!(
                "return [...{ROOT}.querySelectorAll('.shell .status a')].map(a => [a.href, a.textContent])"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        links,
        json!([
            [format!("{}/", help.origin()), "Không tải được. Mở trung tâm trợ giúp"],
            ["mailto:hotro@senmarket.example", " · hotro@senmarket.example"]
        ]),
        "the help center and the email, in the page's language"
    );
    let busy = format!("return {ROOT}.querySelector('.launcher').hasAttribute('aria-busy')");
    assert_eq!(browser.js(&busy, vec![]).await.unwrap(), json!(false), "the launcher is not left busy");
    let typed = browser.js(&format!("return {ROOT}.querySelector('.query').value"), vec![]).await.unwrap();
    assert_eq!(typed, json!("doi tra"), "what was typed stays");
    // The links are reached by keyboard: Tab no longer keeps to the box and the close button.
    browser.keys(&[Key::Tab.into()]).await.unwrap();
    assert_eq!(focused(&browser).await, "A", "Tab from the box reaches the help center's link");
    browser.quit().await.unwrap();
}

/// An English visitor finds the English article; "No" offers other articles and a person, and the
/// hand-over carries what they searched and read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_search_and_no_leads_to_a_person_with_the_context() {
    let help = help_center().await.unwrap();
    let (_store, _pages, browser) = on_storefront(&help, "en.html").await;
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    browser
        .js(
            "window.events = []; ['escalate', 'helpful', 'article_view', 'open'].forEach(n => \
             Answerdesk('on', n, p => events.push([n, p]))); \
             Answerdesk('identify', {id: 'u-42', name: 'Lan', email: 'lan@example.com'});",
            vec![],
        )
        .await
        .unwrap();
    open_panel(&browser).await;
    browser.type_text("how long does a refund take").await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.hit-title')"), "results").await.unwrap();
    let titles = result_titles(&browser).await;
    assert_eq!(titles[0], "How long do refunds take?", "{titles:?}");

    let root =
        browser.client.find(Locator::Css("answerdesk-widget")).await.unwrap().shadow_root().await.unwrap();
    root.find(Locator::Css(".hit")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.article-body p')"), "the article body").await.unwrap();
    let no = root.find(Locator::XPath(".//button[text()='No']")).await;
    let no = match no {
        Ok(no) => no,
        // XPath does not cross into shadow roots in every driver; fall back to the second choice button.
        Err(_) => root.find_all(Locator::Css(".choice")).await.unwrap().remove(1),
    };
    no.click().await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.querySelector('.feedback .hits .hit')"), "other articles")
        .await
        .unwrap();
    let offer =
        browser.js(&format!("return {ROOT}.querySelector('.feedback').textContent"), vec![]).await.unwrap();
    assert!(offer.as_str().unwrap().contains("talk to our team"), "{offer}");

    root.find(Locator::Css(".need-more .cta")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.contact')"), "the contact screen").await.unwrap();
    let mailto =
        browser.js(&format!("return {ROOT}.querySelector('.ways a[href^=\"mailto:\"]').href"), vec![]).await;
    let mailto = mailto.unwrap().as_str().unwrap().to_owned();
    assert!(mailto.starts_with("mailto:support@senmarket.example?subject="), "{mailto}");
    assert!(
        mailto.contains("how%20long%20does%20a%20refund%20take"),
        "the email carries the question: {mailto}"
    );

    let events = browser.js("return events", vec![]).await.unwrap();
    let escalation = events.as_array().unwrap().iter().find(|e| e[0] == "escalate").unwrap()[1].clone();
    assert_eq!(escalation["searches"], json!(["how long does a refund take"]));
    assert_eq!(escalation["articles"][0]["title"], "How long do refunds take?");
    assert_eq!(escalation["articles"][0]["helpful"], json!(false));
    assert_eq!(escalation["lang"], "en");
    assert_eq!(escalation["identity"], json!({"id": "u-42", "name": "Lan", "email": "lan@example.com"}));
    assert!(escalation["page_url"].as_str().unwrap().ends_with("/en.html"));
    assert!(events.as_array().unwrap().iter().any(|e| e[0] == "helpful" && e[1]["helpful"] == json!(false)));
    browser.quit().await.unwrap();
}

/// A first result the engine is confident about is marked as the answer. When it is not sure, a person is
/// offered right under the results once the visitor stops typing, and the page's `search` event says the
/// question went unanswered (what a site owner needs to see which articles are missing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confident_answer_is_marked_and_an_unsure_one_offers_a_person() {
    const ANSWERED: &str = "how do I reset my password";
    const UNSURE: &str = "problem with my order";
    let native = native_kb();
    let verdict = |query: &str| {
        let results =
            futures_executor::block_on(native.search(&SearchRequest::new(query).lang(Some(Lang::En))))
                .unwrap();
        assert!(!results.hits.is_empty(), "{query:?} finds nothing in content/; pick a query that does");
        results.confidence.is_confident()
    };
    assert!(verdict(ANSWERED), "the premise: content/ answers {ANSWERED:?}");
    assert!(!verdict(UNSURE), "the premise: content/ does not clearly answer {UNSURE:?}");

    let help = help_center().await.unwrap();
    let (_store, _pages, browser) = on_storefront(&help, "en.html").await;
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    browser
        .js("window.searches = []; Answerdesk('on', 'search', e => searches.push(e))", vec![])
        .await
        .unwrap();
    open_panel(&browser).await;

    browser.type_text(ANSWERED).await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.querySelector('.best .hit-title')"), "the answer marked")
        .await
        .unwrap();
    let best = browser.js(&format!("return {ROOT}.querySelector('.best').textContent"), vec![]).await;
    assert!(best.unwrap().as_str().unwrap().starts_with("Best answer"));
    browser.wait_for("window.searches.length === 1", "the search to settle").await.unwrap();
    let settled = browser.js("return searches[0]", vec![]).await.unwrap();
    assert_eq!((settled["query"].as_str(), &settled["answered"]), (Some(ANSWERED), &json!(true)));
    let ask_us = format!("return !!{ROOT}.querySelector('.ask-us')");
    assert_eq!(browser.js(&ask_us, vec![]).await.unwrap(), json!(false), "no nudge under a sure answer");

    // A new question, typed over the old one.
    browser.chord(&[Key::Control.into(), 'a']).await.unwrap();
    browser.type_text(UNSURE).await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.ask-us .cta')"), "a person offered").await.unwrap();
    let marked = browser.js(&format!("return !!{ROOT}.querySelector('.best')"), vec![]).await.unwrap();
    assert_eq!(marked, json!(false), "no result is called the answer");
    assert!(!result_titles(&browser).await.is_empty(), "the results stay, as suggestions");
    let last = browser.js("return searches[searches.length - 1]", vec![]).await.unwrap();
    assert_eq!((last["query"].as_str(), &last["answered"]), (Some(UNSURE), &json!(false)));

    let root =
        browser.client.find(Locator::Css("answerdesk-widget")).await.unwrap().shadow_root().await.unwrap();
    root.find(Locator::Css(".ask-us .cta")).await.unwrap().click().await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.contact')"), "the contact screen").await.unwrap();
    browser.quit().await.unwrap();
}

/// Opens the widget with a click, searches, and returns (what it measured, the browser).
async fn open_and_search(url: &str, width: u32, height: u32, query: &str) -> (Value, Browser) {
    let browser = Browser::start(width, height).await.unwrap();
    browser.client.goto(url).await.unwrap();
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    // Times in the page's own clock: click, widget ready, first results painted.
    browser
        .js(
            &format!(
                "window.t = {{}}; Answerdesk('on', 'ready', () => t.ready = performance.now());
             const launcher = {ROOT}.querySelector('.launcher');
             launcher.addEventListener('click', () => t.click = performance.now(), {{ capture: true }});
             new MutationObserver((_, o) => {{
               if ({ROOT}.querySelector('.hit-title')) {{
                 requestAnimationFrame(() => t.results = performance.now()); o.disconnect(); }}
             }}).observe({ROOT}, {{ childList: true, subtree: true }});"
            ),
            vec![],
        )
        .await
        .unwrap();
    open_panel(&browser).await;
    browser.type_text(query).await.unwrap();
    browser.wait_for("window.t.results", "results painted").await.unwrap();
    let timings = browser.js("return t", vec![]).await.unwrap();
    (timings, browser)
}

/// The open widget at desktop and phone sizes, saved as artifacts, with the time from launcher click to
/// first results on a cold cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_and_time_to_first_results() {
    let help = help_center().await.unwrap();
    let (store, _pages) = storefront(&help, &[]).await.unwrap();
    let url = format!("{}/index.html", store.origin());

    let (desktop, browser) = open_and_search(&url, 1280, 900, "phi giao hang").await;
    let rect = browser
        .js(&format!("return {ROOT}.querySelector('.panel').getBoundingClientRect().toJSON()"), vec![])
        .await
        .unwrap();
    assert!(rect["width"].as_f64().unwrap() < 500.0, "a side panel on desktop: {rect}");
    browser.screenshot("widget-desktop.png").await.unwrap();
    browser.quit().await.unwrap();

    let (phone, browser) = open_and_search(&url, 390, 844, "phi giao hang").await;
    let viewport = browser.js("return window.innerWidth", vec![]).await.unwrap();
    let rect = browser
        .js(&format!("return {ROOT}.querySelector('.panel').getBoundingClientRect().toJSON()"), vec![])
        .await
        .unwrap();
    assert_eq!(rect["width"], viewport, "full screen on a phone: {rect}");
    let font = browser
        .js(&format!("return getComputedStyle({ROOT}.querySelector('.query')).fontSize"), vec![])
        .await;
    assert_eq!(font.unwrap(), json!("16px"), "no iOS zoom on focus");
    browser.screenshot("widget-phone.png").await.unwrap();
    browser.quit().await.unwrap();

    let ms = |t: &Value, to: &str| t[to].as_f64().unwrap() - t["click"].as_f64().unwrap();
    let report = json!({
        "note": "headless Chromium, cold cache, 127.0.0.1 (no throttling); ms from launcher click",
        "desktop": { "click_to_ready_ms": ms(&desktop, "ready"), "click_to_first_results_ms": ms(&desktop, "results") },
        "phone": { "click_to_ready_ms": ms(&phone, "ready"), "click_to_first_results_ms": ms(&phone, "results") },
    });
    std::fs::write(artifacts().join("timings.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
    eprintln!("time to first results: {report}");
}

/// `* { all: unset }` and `div { display: none }` on the host page do not reach the widget: neither the
/// loader's shell (the widget's code held back) nor the panel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_host_stylesheet_does_not_break_the_widget() {
    let help = help_center().await.unwrap();
    let (store, _pages) = storefront(&help, &[]).await.unwrap();
    let url = format!("{}/hostile.html", store.origin());

    help.hold(".wasm");
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&url).await.unwrap();
    open_panel(&browser).await;
    keeps_its_shape(&browser, ".shell").await;
    browser.screenshot("widget-hostile-css-shell.png").await.unwrap();
    browser.quit().await.unwrap();
    help.release();

    let (_, browser) = open_and_search(&url, 1280, 900, "refund").await;
    keeps_its_shape(&browser, ".answerdesk:not(.shell)").await;
    assert!(!result_titles(&browser).await.is_empty());
    browser.screenshot("widget-hostile-css.png").await.unwrap();
    browser.quit().await.unwrap();
}

/// The launcher, and the open panel inside `scope`, have their own size, fonts and colours.
async fn keeps_its_shape(browser: &Browser, scope: &str) {
    let geometry = browser
        .js(&format!(
            "const r = {ROOT}; const l = r.querySelector('.launcher').getBoundingClientRect();
             const p = r.querySelector('{scope} .panel').getBoundingClientRect();
             const q = getComputedStyle(r.querySelector('{scope} .query'));
             return [l.width, l.height, p.width > 300 && p.height > 100, p.right <= innerWidth, q.fontSize, q.backgroundColor];"
        ), vec![])
        .await
        .unwrap();
    assert_eq!(geometry[0], json!(56), "launcher keeps its size: {geometry}");
    assert_eq!(geometry[1], json!(56));
    assert_eq!(geometry[2], json!(true), "{scope} panel keeps its size: {geometry}");
    assert_eq!(geometry[3], json!(true), "{scope} panel stays on screen: {geometry}");
    assert_eq!(geometry[4], json!("16px"), "host font rules do not leak in: {geometry}");
    assert_ne!(geometry[5], json!("rgb(255, 0, 0)"), "host colours do not leak in: {geometry}");
}

/// The Content-Security-Policy the README documents is enough, and nothing is blocked under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_works_under_a_strict_content_security_policy() {
    let help = help_center().await.unwrap();
    let policy = format!(
        "default-src 'none'; script-src 'self' {help} 'wasm-unsafe-eval'; connect-src {help}; \
         style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        help = help.origin()
    );
    let (store, _pages) = storefront(&help, &[("content-security-policy", policy)]).await.unwrap();
    let url = format!("{}/csp.html", store.origin());
    // The loader's shell (the widget's code held back) needs nothing the policy forbids either.
    help.hold(".wasm");
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&url).await.unwrap();
    open_panel(&browser).await;
    browser.type_text("payment").await.unwrap();
    let violations = browser.js("return window.violations", vec![]).await.unwrap();
    assert_eq!(violations, json!([]), "CSP violations in the shell");
    browser.quit().await.unwrap();
    help.release();

    let (_, browser) = open_and_search(&url, 1280, 900, "payment failed").await;
    assert!(!result_titles(&browser).await.is_empty());
    let violations = browser.js("return window.violations", vec![]).await.unwrap();
    assert_eq!(violations, json!([]), "CSP violations");
    // The probe itself proves the policy is enforced: an inline script does not run.
    let inline = browser
        .js(
            "const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; \
             document.head.appendChild(s); return !!window.inlineRan",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(inline, json!(false), "the policy is really enforced");
    browser.quit().await.unwrap();
}

/// The widget (kb-core compiled to wasm, in Chromium) ranks exactly like native kb-core on the same bundle,
/// and is exactly as confident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_ranks_exactly_like_native_kb_core() {
    let native = native_kb();

    let help = help_center().await.unwrap();
    let (store, _pages) = storefront(&help, &[]).await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    open_until_ready(&browser, &format!("{}/index.html", store.origin())).await;

    let queries = [
        (Lang::Vi, "chinh sach doi tra"),
        (Lang::Vi, "chính sách đổi trả"),
        (Lang::Vi, "hoàn tiền mất bao lâu"),
        (Lang::Vi, "phi giao hang"),
        (Lang::Vi, "thanh toan that bai"),
        (Lang::Vi, "bao hanh"),
        (Lang::Vi, "doi mat khau"),
        (Lang::Vi, "huy don hang"),
        (Lang::En, "refund"),
        (Lang::En, "how do I return an item"),
        (Lang::En, "cash on delivery"),
        (Lang::En, "reset password"),
        (Lang::En, "warranty claim"),
        (Lang::En, "same day delivery"),
        (Lang::En, "payment faild"),
        (Lang::En, "VAT invoice"),
    ];
    let mut compared = 0;
    for (lang, query) in queries {
        let event = search_event(&browser, lang, query).await;
        let in_browser: Vec<(String, f64)> = event["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no search event for {query:?}: {event}"))
            .iter()
            .map(|h| (h["id"].as_str().unwrap().to_owned(), h["score"].as_f64().unwrap()))
            .collect();
        let request = SearchRequest::new(query).lang(Some(lang)).limit(8);
        let native_results = futures_executor::block_on(native.search(&request)).unwrap();
        assert_eq!(
            event["answered"],
            json!(native_results.confidence.is_confident()),
            "confidence differs for {query:?}"
        );
        let natively: Vec<(String, f64)> =
            native_results.hits.into_iter().map(|h| (h.id, f64::from(h.score))).collect();
        assert!(!natively.is_empty(), "{query:?} finds nothing natively; pick a query that does");
        let ids = |hits: &[(String, f64)]| hits.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&in_browser), ids(&natively), "ranking differs for {query:?}");
        for ((_, a), (_, b)) in in_browser.iter().zip(&natively) {
            assert!((a - b).abs() <= 1e-4 * b.abs().max(1.0), "score differs for {query:?}: {a} vs {b}");
        }
        compared += 1;
    }
    assert_eq!(compared, queries.len());
    browser.quit().await.unwrap();
}

/// Opens the storefront page `url`, opens the widget from the page and waits until its index is ready.
async fn open_until_ready(browser: &Browser, url: &str) {
    browser.client.goto(url).await.unwrap();
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    browser
        .js(
            "window.readyEvent = null; Answerdesk('on', 'ready', e => readyEvent = e); Answerdesk('open')",
            vec![],
        )
        .await
        .unwrap();
    browser.wait_for_within("window.readyEvent", "the index", Duration::from_secs(60)).await.unwrap();
}

/// Asks the widget `query` through `Answerdesk('search', …)` and waits for its `search` event (the search
/// is async: the event arrives once the results do, pieces of the index fetched or not).
async fn search_event(browser: &Browser, lang: Lang, query: &str) -> Value {
    let script = "window.searched = null;
                  const f = e => { if (e.query === arguments[1]) { searched = e; Answerdesk('off', 'search', f); } };
                  Answerdesk('on', 'search', f);
                  Answerdesk('setLocale', arguments[0]); Answerdesk('search', arguments[1]);";
    browser.js(script, vec![json!(lang.code()), json!(query)]).await.unwrap();
    browser.wait_for("window.searched", "the search event").await.unwrap()
}

/// On a help center of 8,714 articles the widget fetches a small part of the index, not all of it, and
/// still ranks exactly like native kb-core.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_large_help_center_the_widget_fetches_a_small_part_of_the_index() {
    let large = large_dist();
    let native = kb_core::lazy::open_folder(&large.join("kb")).unwrap();
    let help = Server::start(large.clone(), &[("access-control-allow-origin", "*".into())]).await.unwrap();
    let (store, _pages) = storefront(&help, &[]).await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    open_until_ready(&browser, &format!("{}/en.html", store.origin())).await;

    let queries = [
        "Get-AzStorageAccount",
        "create a virtual machine",
        "set storage account network rules",
        "key vault secret",
        "Get-AzStorageAcount", // a typo
        "remove resource group",
    ];
    for query in queries {
        let event = search_event(&browser, Lang::En, query).await;
        let in_browser: Vec<String> = event["results"]
            .as_array()
            .unwrap_or_else(|| panic!("no search event for {query:?}: {event}"))
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect();
        let request = SearchRequest::new(query).lang(Some(Lang::En)).limit(8);
        let natively = futures_executor::block_on(native.search(&request)).unwrap();
        let natively: Vec<String> = natively.hits.into_iter().map(|h| h.id).collect();
        assert!(!natively.is_empty(), "{query:?} finds nothing natively; pick a query that does");
        assert_eq!(in_browser, natively, "ranking differs for {query:?}");
    }
    // The snippets' bodies are fetched after each search's event: let the last ones land.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = help.requests();

    // A host that lost the index's chunks (a half-finished deploy): the question gets no answer, the
    // panel says so and offers a person; it does not break.
    help.refuse(".chunk");
    let event = search_event(&browser, Lang::En, "Invoke-AzVMRunCommand linux script").await;
    assert_eq!(event["results"], json!([]), "{event}");
    assert_eq!(event["answered"], json!(false), "{event}");
    let status =
        browser.js(&format!("return {ROOT}.querySelector('#ad-status').textContent"), vec![]).await.unwrap();
    assert!(status.as_str().unwrap().contains("couldn't load"), "{status}");
    browser
        .wait_for(&format!("{ROOT}.querySelector('.ask-us .cta')"), "the offer of a person")
        .await
        .unwrap();
    browser.quit().await.unwrap();

    let size = |name: &str| std::fs::metadata(large.join("kb").join(name)).unwrap().len();
    // The index this build wrote (kb/ also keeps the previous build's files, for pages opened before it).
    let built = std::fs::read_to_string(large.join("kb/files.txt")).unwrap();
    let index_bytes: u64 =
        built.lines().filter(|name| name.ends_with(".entry") || name.ends_with(".chunk")).map(size).sum();
    let mut fetched: Vec<String> =
        requests.into_iter().filter_map(|path| path.strip_prefix("/kb/").map(str::to_owned)).collect();
    fetched.sort();
    fetched.dedup();
    let of = |ext: &str| fetched.iter().filter(|f| f.ends_with(ext)).map(|f| size(f)).sum::<u64>();
    let (searched, bodies) =
        (of(".entry") + of(".chunk"), fetched.iter().filter(|f| f.ends_with(".body")).count());
    let share = searched as f64 / index_bytes as f64;
    eprintln!(
        "{} questions fetched {searched} of {index_bytes} index bytes ({:.2}%) in {} files, and {bodies} bodies",
        queries.len(),
        share * 100.0,
        fetched.len()
    );
    assert!(
        share < 0.10,
        "the widget fetched {:.1}% of the index for {} questions",
        share * 100.0,
        queries.len()
    );
    // Bodies only for the results shown (8 per question at most), never the whole help center's.
    assert!(bodies <= 8 * queries.len(), "{bodies} article bodies fetched");
}
