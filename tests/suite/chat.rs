//! Live chat end to end: the widget on a storefront page (headless Chromium) escalates to a real
//! chat-server on 127.0.0.1 (SQLite in a temp dir), and an agent works the inbox in a second, separate
//! Chromium. Run with `cargo xtask test`.

mod xss;

use std::time::Duration;

use answerdesk_e2e::{Browser, ROOT, Server, help_center, storefront_with};
use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use protocol::analytics::Event;
use protocol::rest::{AgentInfo, CannedReply, LeaveMessage};
use protocol::{ArticleSeen, EscalationContext, Identity};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// A chat-server serving the storefront's origin, with agent `lan` (Lan, team `returns`) or the agents
/// given to [`desk_with`].
struct Desk {
    url: String,
    database_url: String,
    store: Server,
    _pages: tempfile::TempDir,
    _data: tempfile::TempDir,
}

async fn desk(help: &Server, tweak: impl FnOnce(&mut chat_server::Config)) -> Desk {
    desk_with(help, &[("lan", None)], tweak).await
}

/// A desk whose agents of team `returns` are `(username, capacity)`.
async fn desk_with(
    help: &Server,
    agents: &[(&str, Option<u32>)],
    tweak: impl FnOnce(&mut chat_server::Config),
) -> Desk {
    // The storefront page needs the chat URL and the server needs the storefront's origin: bind first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (store, pages) = storefront_with(help, &[], &[("CHAT", url.clone())]).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = chat_server::Config {
        database_url: data.path().join("chat.db").display().to_string(),
        allowed_origins: vec![store.origin()],
        console_dir: Some(answerdesk_e2e::console_dist()),
        ..chat_server::Config::default()
    };
    tweak(&mut config);
    let database_url = config.database_url.clone();
    let db = chat_server::db::connect(&config.database_url).await.unwrap();
    let hash = chat_server::auth::hash_password(PASSWORD).unwrap();
    for &(username, capacity) in agents {
        let mut display_name = username.to_owned();
        display_name[..1].make_ascii_uppercase();
        let info = AgentInfo { username: username.into(), display_name, teams: vec!["returns".into()] };
        db.upsert_agent(&info, &hash, capacity).await.unwrap();
    }
    drop(db);
    tokio::spawn(chat_server::serve(config, listener, std::future::pending()));
    Desk { url, database_url, store, _pages: pages, _data: data }
}

async fn shadow(browser: &Browser) -> fantoccini::elements::ShadowRoot {
    let host = browser.client.wait().for_element(Locator::Css("answerdesk-widget")).await.unwrap();
    host.shadow_root().await.unwrap()
}

async fn in_widget(browser: &Browser, selector: &str) -> Element {
    browser.wait_for(&format!("{ROOT}.querySelector(\"{selector}\")"), selector).await.unwrap();
    shadow(browser).await.find(Locator::Css(selector)).await.unwrap()
}

async fn widget_text(browser: &Browser, selector: &str) -> String {
    let script =
        format!("return [...{ROOT}.querySelectorAll(\"{selector}\")].map(e => e.textContent).join('|')");
    browser.js(&script, vec![]).await.unwrap().as_str().unwrap().to_owned()
}

/// Opens the storefront's chat page and the widget, searches `query` and reads the first result.
async fn search_and_read(browser: &Browser, desk: &Desk, query: &str) {
    search_and_read_on(browser, desk, "chat.html", query).await;
}

/// Like [`search_and_read`], on storefront page `page`.
async fn search_and_read_on(browser: &Browser, desk: &Desk, page: &str, query: &str) {
    browser.client.goto(&format!("{}/{page}", desk.store.origin())).await.unwrap();
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    browser
        .js("window.events = []; Answerdesk('on', 'message', p => events.push(p));", vec![])
        .await
        .unwrap();
    in_widget(browser, ".launcher").await.click().await.unwrap();
    browser
        .wait_for(&format!("{ROOT}.activeElement?.classList.contains('query')"), "the search box")
        .await
        .unwrap();
    browser.type_text(query).await.unwrap();
    in_widget(browser, ".hit").await.click().await.unwrap();
    browser.wait_for(&format!("{ROOT}.querySelector('.article-body p')"), "the article").await.unwrap();
}

/// Lan logs in to the console and waits until its socket is up.
async fn agent_login(agent: &Browser, desk: &Desk) {
    login_as(agent, desk, "lan").await;
}

async fn login_as(agent: &Browser, desk: &Desk, username: &str) {
    agent.client.goto(&format!("{}/agent", desk.url)).await.unwrap();
    agent.wait_for("document.querySelector('.login [name=username]')", "the login form").await.unwrap();
    let form = agent.client.find(Locator::Css(".login form")).await.unwrap();
    form.find(Locator::Css("[name=username]")).await.unwrap().send_keys(username).await.unwrap();
    form.find(Locator::Css("[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    agent
        .wait_for("document.querySelector('.topbar .link[data-state=online]')", "the console online")
        .await
        .unwrap();
}

/// The agent shows `queue` (`mine`, `unassigned:returns`, `all`, `closed`) and opens the conversation
/// whose row mentions `text`.
async fn agent_open(agent: &Browser, queue: &str, text: &str) {
    let button = format!("document.querySelector('.queue[data-queue=\"{queue}\"]')");
    agent.wait_for(&button, "the queue").await.unwrap();
    agent.js(&format!("{button}.click()"), vec![]).await.unwrap();
    let find =
        format!("[...document.querySelectorAll('.rows .row')].find(r => r.textContent.includes({text:?}))");
    agent.wait_for(&find, "the conversation in the list").await.unwrap();
    agent.js(&format!("{find}.click()"), vec![]).await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.messages .msg') && !document.querySelector('.messages .loading')",
            "the conversation",
        )
        .await
        .unwrap();
}

async fn agent_reply(agent: &Browser, text: &str) {
    let body = agent.client.find(Locator::Css(".composer textarea")).await.unwrap();
    body.send_keys(text).await.unwrap();
    body.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
}

async fn console_text(agent: &Browser, selector: &str) -> String {
    let script = format!("return document.querySelector({selector:?})?.textContent ?? ''");
    text_of(agent.js(&script, vec![]).await.unwrap())
}

/// The widget's events chat-server has stored, once there are at least `count` (it writes them once a
/// second; the browser sends them when the page is hidden or left, or 5 s after the first).
async fn stored_events(desk: &Desk, count: usize) -> Vec<chat_server::analytics::report::StoredEvent> {
    let db = chat_server::db::connect(&desk.database_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events = db.events_between("", "9999").await.unwrap();
        if events.len() >= count || tokio::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn text_of(value: Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_visitor_escalates_an_agent_answers_in_the_inbox_and_the_visitor_rates_the_chat() {
    let help = help_center().await.unwrap();
    // The help center is connected: the draft's duplicate guard searches it.
    let desk = desk(&help, |config| config.help_center.dir = Some(answerdesk_e2e::dist())).await;
    let visitor = Browser::start(1280, 900).await.unwrap();
    let agent = visitor.another(1280, 900).await.unwrap();
    agent_login(&agent, &desk).await;

    // The visitor searches without tone marks, reads the policy, says it did not help, asks for a person.
    search_and_read(&visitor, &desk, "chinh sach doi tra").await;
    let key = format!("answerdesk.chat:{}", desk.url);
    let stored = format!("return localStorage.getItem({key:?})");
    assert_eq!(
        visitor.js(&stored, vec![]).await.unwrap(),
        Value::Null,
        "nothing stored before a chat starts"
    );
    shadow(&visitor).await.find_all(Locator::Css(".choice")).await.unwrap().remove(1).click().await.unwrap();
    in_widget(&visitor, ".need-more .cta").await.click().await.unwrap();
    // An agent is online, so the widget offers a chat, with the last question as the first message.
    let first = in_widget(&visitor, ".chat-start textarea").await;
    assert_eq!(first.prop("value").await.unwrap().as_deref(), Some("chinh sach doi tra"));
    in_widget(&visitor, ".chat-start .cta").await.click().await.unwrap();
    visitor
        .wait_for(
            &format!("{ROOT}.querySelector('.log .msg.visitor:not(.pending)')"),
            "the first message sent",
        )
        .await
        .unwrap();
    let saved = text_of(visitor.js(&stored, vec![]).await.unwrap());
    assert!(saved.contains("\"token\""), "the visitor token is stored once the chat starts: {saved}");
    // Nobody has taken it yet: the visitor is told their place in line (no wait promised on a new desk).
    visitor
        .wait_for(&format!("{ROOT}.querySelector('.queue')?.textContent"), "the place in line")
        .await
        .unwrap();
    assert_eq!(widget_text(&visitor, ".queue").await, "Bạn là người tiếp theo.");

    // The agent sees it in the returns queue with what the visitor searched and read.
    agent_open(&agent, "unassigned:returns", "chinh sach doi tra").await;
    agent.wait_for("document.querySelector('.context .verdict.unhelpful')", "the context").await.unwrap();
    let context = console_text(&agent, ".context").await;
    assert!(context.contains("“chinh sach doi tra”"), "{context}");
    assert!(context.contains("Chính sách đổi trả"), "the article read: {context}");
    assert!(context.contains("/chat.html"), "the page: {context}");
    assert!(context.contains("returns"), "routed to the article's team: {context}");

    // Typing shows on the visitor's side; the reply arrives live, as text, with the agent's name.
    agent.client.find(Locator::Css(".composer textarea")).await.unwrap().send_keys("Chào bạn").await.unwrap();
    visitor
        .wait_for(&format!("{ROOT}.querySelector('.typing').textContent"), "the typing indicator")
        .await
        .unwrap();
    agent_reply(&agent, ", bạn có thể đổi trong 30 ngày. <b>Cần</b> gì thêm không?").await;
    visitor.wait_for(&format!("{ROOT}.querySelector('.msg.agent')"), "the agent's reply").await.unwrap();
    let reply = widget_text(&visitor, ".msg.agent .text").await;
    assert_eq!(reply, "Chào bạn, bạn có thể đổi trong 30 ngày. <b>Cần</b> gì thêm không?");
    assert_eq!(widget_text(&visitor, ".msg.agent .who").await, "Lan");
    assert_eq!(widget_text(&visitor, ".queue").await, "", "an answer ends the wait");
    assert_eq!(
        visitor.js(&format!("return {ROOT}.querySelectorAll('.msg.agent b').length"), vec![]).await.unwrap(),
        json!(0)
    );
    let events = visitor.js("return events", vec![]).await.unwrap();
    assert_eq!(events[0]["author"], "Lan", "{events}");
    assert_eq!(events[0]["body"], json!(reply), "{events}");

    // The visitor answers from the composer with the keyboard.
    in_widget(&visitor, ".compose").await.click().await.unwrap();
    visitor.type_text("Cảm ơn bạn").await.unwrap();
    visitor.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for("[...document.querySelectorAll('.messages .msg.visitor')].some(li => li.textContent.includes('Cảm ơn bạn'))", "the visitor's answer")
        .await
        .unwrap();

    // A reload keeps the conversation: same messages, in order, each once.
    visitor.client.refresh().await.unwrap();
    visitor.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    in_widget(&visitor, ".launcher").await.click().await.unwrap();
    let back = in_widget(&visitor, ".need-more .cta").await;
    visitor
        .wait_for(
            &format!("{ROOT}.querySelector('.need-more .cta').textContent === 'Quay lại cuộc trò chuyện'"),
            "the way back to the chat",
        )
        .await
        .unwrap();
    back.click().await.unwrap();
    visitor
        .wait_for(&format!("{ROOT}.querySelectorAll('.log .msg').length === 3"), "the history")
        .await
        .unwrap();
    let history = widget_text(&visitor, ".log .msg .text").await;
    assert_eq!(history, format!("chinh sach doi tra|{reply}|Cảm ơn bạn"));

    // Leaving the first page view sent what the visitor did there, anonymously, in order.
    let events = stored_events(&desk, 5).await;
    let kinds: Vec<&Event> = events.iter().map(|e| &e.event).collect();
    assert!(
        matches!(kinds[..], [
            Event::Search { query, lang, results, .. },
            Event::View { article, .. },
            Event::Helpful { helpful: false, .. },
            Event::Escalate { .. },
            Event::Chat { .. },
        ] if query == "chinh sach doi tra" && lang == "vi" && *results > 0 && article == "return-policy"),
        "{kinds:?}"
    );
    assert!(events.iter().all(|e| e.page_view == events[0].page_view), "one page view");

    // The agent closes; the visitor is asked to rate; the rating shows in the agent's ratings.
    agent.client.find(Locator::Css(".thread-head .close")).await.unwrap().click().await.unwrap();
    agent.client.wait().for_element(Locator::Css(".confirm-close")).await.unwrap().click().await.unwrap();
    in_widget(&visitor, ".rating").await;
    shadow(&visitor).await.find_all(Locator::Css(".star")).await.unwrap().remove(4).click().await.unwrap();
    in_widget(&visitor, ".rating textarea").await.send_keys("Nhanh và rõ ràng").await.unwrap();
    in_widget(&visitor, ".rating .cta").await.click().await.unwrap();
    // Then the loyalty question, 0 to 10: a 9 (a promoter).
    in_widget(&visitor, ".recommend .scores").await;
    shadow(&visitor).await.find_all(Locator::Css(".score")).await.unwrap().remove(9).click().await.unwrap();
    visitor
        .wait_for(
            &format!("!{ROOT}.querySelector('.recommend') && {ROOT}.querySelector('.thanks')"),
            "the thanks",
        )
        .await
        .unwrap();
    agent.client.find(Locator::Css(".topbar .ratings-open")).await.unwrap().click().await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.dialog')?.textContent.includes('lan: 5.00 / 5 (1)')",
            "the rating",
        )
        .await
        .unwrap();
    let ratings = console_text(&agent, ".dialog").await;
    assert!(ratings.contains("Nhanh và rõ ràng"), "{ratings}");
    visitor.screenshot("widget-chat-rated.png").await.unwrap();

    // The console's report counts that visit: contacted, its search, the article it did not like.
    agent.client.find(Locator::Css(".dialog .buttons .primary")).await.unwrap().click().await.unwrap();
    agent.client.find(Locator::Css(".topbar .page-toggle")).await.unwrap().click().await.unwrap();
    agent
        .wait_for("document.querySelector('.reports .tiles, .reports .problem')", "the report")
        .await
        .unwrap();
    assert_eq!(console_text(&agent, ".reports .problem").await, "", "the report loads");
    // (The page view after the reload may have sent its own visit by now: count, not share.)
    let tiles = "return [...document.querySelectorAll('.reports .tile')]
        .map(t => t.querySelector('.name').textContent + '=' + t.querySelector('.value').textContent).join('|')";
    let tiles = text_of(agent.js(tiles, vec![]).await.unwrap());
    // (The console follows the browser's language: English here.)
    assert!(tiles.split('|').any(|t| t.starts_with("Contacted=") && t.ends_with("(1)")), "{tiles}");
    let searches = console_text(&agent, ".reports .tables").await;
    assert!(searches.contains("chinh sach doi tra"), "{searches}");
    let article = "return [...document.querySelectorAll('.reports tr')].find(r => r.textContent.includes('return-policy'))?.textContent";
    assert_eq!(text_of(agent.js(article, vec![]).await.unwrap()), "return-policy1010%");
    let csv = "const a = document.querySelector('.reports a.csv'); return fetch(a.href).then(r => r.text())";
    let csv = text_of(agent.js(csv, vec![]).await.unwrap());
    assert!(csv.contains("top search,chinh sach doi tra,1,"), "{csv}");
    agent.screenshot("console-reports.png").await.unwrap();
    // The conversations' report: this one, answered, closed and rated 5 with its comment.
    agent.js("document.querySelectorAll('.reports .tab')[1].click()", vec![]).await.unwrap();
    agent
        .wait_for("document.querySelector('.reports .comments')", "the conversations' report")
        .await
        .unwrap();
    let comments = console_text(&agent, ".reports .comments").await;
    assert!(comments.contains("Nhanh và rõ ràng") && comments.contains("lan"), "{comments}");
    let csat = "return [...document.querySelectorAll('.reports .tile')].find(t => t.querySelector('.name').textContent === 'CSAT')?.querySelector('.value').textContent";
    assert_eq!(text_of(agent.js(csat, vec![]).await.unwrap()), "100%");
    let nps = csat.replace("'CSAT'", "'NPS'");
    assert_eq!(text_of(agent.js(&nps, vec![]).await.unwrap()), "100 (1)", "one promoter");
    agent.screenshot("console-reports-conversations.png").await.unwrap();

    // The knowledge loop: the chat shows as a gap (its search, one chat); the agent drafts an article from
    // the conversation, is shown the article that may answer it already, renames the file and saves it;
    // `kb-builder drafts pull` writes it into a content tree that `kb-builder check` accepts.
    agent.js("document.querySelectorAll('.reports .tab')[2].click()", vec![]).await.unwrap();
    agent.wait_for("document.querySelector('.reports .gaps .gap')", "the content gaps").await.unwrap();
    let gaps = console_text(&agent, ".reports .gaps").await;
    assert!(gaps.contains("chinh sach doi tra") && gaps.contains("1 chats"), "{gaps}");
    agent.client.find(Locator::Css(".topbar .page-toggle")).await.unwrap().click().await.unwrap();
    agent.client.find(Locator::Css(".thread-head .draft-article")).await.unwrap().click().await.unwrap();
    agent
        .wait_for("document.querySelector('.dialog .draft textarea')?.value", "the proposed draft")
        .await
        .unwrap();
    agent.wait_for("document.querySelector('.dialog .guard')", "the duplicate guard").await.unwrap();
    let guard = console_text(&agent, ".dialog .guard").await;
    assert!(guard.contains("Chính sách đổi trả là gì?"), "the existing article is offered first: {guard}");
    let proposed = text_of(
        agent.js("return document.querySelector('.dialog .draft textarea').value", vec![]).await.unwrap(),
    );
    assert!(
        proposed.contains("title: \"chinh sach doi tra\"") && proposed.contains("draft: true"),
        "{proposed}"
    );
    assert!(proposed.contains("bạn có thể đổi trong 30 ngày"), "the agent's reply is the body: {proposed}");
    let path = agent.client.find(Locator::Css(".dialog .draft-path input")).await.unwrap();
    path.clear().await.unwrap();
    path.send_keys("vi/returns/hoi-dap-doi-tra.md").await.unwrap();
    agent.client.find(Locator::Css(".dialog .save-draft")).await.unwrap().click().await.unwrap();
    agent.wait_for("document.querySelector('.dialog .saved')", "the draft saved").await.unwrap();
    let content = tempfile::tempdir().unwrap();
    answerdesk_e2e::copy_tree(&answerdesk_e2e::workspace().join("content"), content.path()).unwrap();
    // On a blocking thread: chat-server runs on this test's runtime and must answer meanwhile.
    let mut pull = std::process::Command::new(answerdesk_e2e::kb_builder());
    pull.args(["drafts", "pull", "--from", &desk.url, "--user", "lan", "--out"])
        .arg(content.path())
        .env("ANSWERDESK_AGENT_PASSWORD", PASSWORD);
    let pulled = tokio::task::spawn_blocking(move || pull.output()).await.unwrap().unwrap();
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    let written = std::fs::read_to_string(content.path().join("vi/returns/hoi-dap-doi-tra.md")).unwrap();
    assert_eq!(written, proposed);
    let checked = std::process::Command::new(answerdesk_e2e::kb_builder())
        .args(["check", "--content"])
        .arg(content.path())
        .output()
        .unwrap();
    let summary =
        String::from_utf8_lossy(&checked.stdout).to_string() + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{summary}");
    assert!(summary.contains("1 drafts"), "{summary}");
    agent.quit().await.unwrap();
    visitor.quit().await.unwrap();
}

/// `analytics: false` (issue 15): a visitor who searches, reads and leaves sends no event, checked in
/// the browser's own log of requests and in chat-server's store.
#[tokio::test]
async fn with_analytics_off_the_widget_sends_nothing() {
    let help = help_center().await.unwrap();
    let desk = desk(&help, |_| {}).await;
    let visitor = Browser::start(1280, 900).await.unwrap();
    search_and_read_on(&visitor, &desk, "quiet.html", "chinh sach doi tra").await;
    shadow(&visitor).await.find_all(Locator::Css(".choice")).await.unwrap().remove(0).click().await.unwrap();
    // Past the 5 s a first event would wait for others.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let beacons = "return performance.getEntriesByType('resource')
        .filter(e => e.initiatorType === 'beacon' || e.name.includes('/api/events')).map(e => e.name)";
    assert_eq!(visitor.js(beacons, vec![]).await.unwrap(), json!([]));
    // Leaving the page sends nothing either.
    visitor.client.goto("about:blank").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(stored_events(&desk, 1).await.is_empty());
    visitor.quit().await.unwrap();
}

#[tokio::test]
async fn offline_the_visitor_leaves_a_message_and_the_answer_reaches_their_email() {
    let (smtp_port, mut mailbox) = chat_server::test_support::smtp_sink().await.unwrap();
    let help = help_center().await.unwrap();
    let desk = desk(&help, |config| {
        config.hours.expected_reply = "Chúng tôi thường trả lời trong 1 ngày làm việc.".into();
        config.email.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
        config.email.from = "Sen Market <hotro@senmarket.example>".into();
    })
    .await;
    let visitor = Browser::start(1280, 900).await.unwrap();

    // Nobody is online: the widget says when to expect an answer and asks for an email.
    search_and_read(&visitor, &desk, "bao hanh").await;
    in_widget(&visitor, ".need-more .cta").await.click().await.unwrap();
    in_widget(&visitor, ".leave-message").await;
    let offer = widget_text(&visitor, ".leave-message").await;
    assert!(offer.contains("Chúng tôi thường trả lời trong 1 ngày làm việc."), "{offer}");
    in_widget(&visitor, ".leave-message .cta").await.click().await.unwrap();
    assert_eq!(widget_text(&visitor, ".leave-message .problem").await, "Vui lòng nhập địa chỉ email hợp lệ.");
    in_widget(&visitor, ".leave-message [name=email]").await.send_keys("hoa@example.com").await.unwrap();
    in_widget(&visitor, ".leave-message [name=name]").await.send_keys("Hoa").await.unwrap();
    let message = in_widget(&visitor, ".leave-message textarea").await;
    message.clear().await.unwrap();
    message.send_keys("Ấm bị nứt men sau 2 tuần, có được bảo hành không?").await.unwrap();
    in_widget(&visitor, ".leave-message .cta").await.click().await.unwrap();
    in_widget(&visitor, ".notice").await;
    assert_eq!(
        widget_text(&visitor, ".notice").await,
        "Cảm ơn bạn! Chúng tôi sẽ trả lời qua hoa@example.com."
    );
    visitor
        .wait_for(&format!("{ROOT}.querySelector('.log .msg.visitor')"), "the message in the log")
        .await
        .unwrap();
    // The visitor leaves: their browser is gone (a page left for about:blank may sit in the back-forward
    // cache with its socket open).
    let agent = visitor.another(1280, 900).await.unwrap();
    visitor.quit().await.unwrap();

    // Later an agent finds it in the inbox, with the address, and answers.
    agent_login(&agent, &desk).await;
    agent_open(&agent, "all", "nứt men").await;
    agent
        .wait_for(
            "document.querySelector('.context')?.textContent.includes('hoa@example.com')",
            "the visitor's email",
        )
        .await
        .unwrap();
    agent_reply(&agent, "Hi Hoa, cracked glaze within 12 months is covered: reply with a photo.").await;
    let mail = tokio::time::timeout(Duration::from_secs(20), mailbox.recv())
        .await
        .expect("no email within 20 s")
        .unwrap();
    assert!(mail.contains("To: hoa@example.com"), "{mail}");
    assert!(mail.contains("hotro@senmarket.example"), "{mail}");
    assert!(mail.contains("cracked glaze within 12 months is covered"), "{mail}");
    agent.quit().await.unwrap();
}

/// Leaves a message through the widget's REST endpoint (what its offline form sends).
async fn leave_message(desk: &Desk, name: &str, email: &str, message: &str, context: EscalationContext) {
    let request = LeaveMessage {
        version: protocol::PROTOCOL_VERSION,
        email: email.into(),
        name: Some(name.into()),
        message: message.into(),
        context,
    };
    let response =
        reqwest::Client::new().post(format!("{}/api/tickets", desk.url)).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

fn returns_context(searches: &[&str], title: &str, page_url: &str) -> EscalationContext {
    EscalationContext {
        searches: searches.iter().map(|s| s.to_string()).collect(),
        articles: vec![ArticleSeen {
            id: "return-policy".into(),
            lang: "vi".into(),
            title: title.into(),
            team: Some("returns".into()),
            category: None,
            helpful: Some(false),
        }],
        page_url: page_url.into(),
        lang: "vi".into(),
        identity: None,
    }
}

async fn press(agent: &Browser, keys: &str) {
    agent.type_text(keys).await.unwrap();
}

#[tokio::test]
async fn an_agent_works_the_console_by_keyboard_and_visitor_text_stays_text() {
    let help = help_center().await.unwrap();
    let secret = "host-site-secret";
    let help_origin = help.origin();
    let desk = desk(&help, |config| {
        config.identity_secret = Some(secret.into());
        config.help_center.dir = Some(answerdesk_e2e::dist());
        config.help_center.url = Some(help_origin.clone());
        config.canned = vec![
            CannedReply {
                title: "Chào hỏi".into(), body: "Xin chào! Mình có thể giúp gì cho bạn?".into()
            },
            CannedReply {
                title: "Đổi trả".into(), body: "Bạn được đổi trả miễn phí trong 30 ngày.".into()
            },
        ];
    })
    .await;
    // A hostile visitor puts markup in every field they control.
    let payload = "<img src=x onerror=window.pwned=1>";
    let mut hostile = returns_context(
        &["<svg onload=window.pwned=1>"],
        "<iframe src=javascript:window.pwned=1></iframe>",
        "javascript:window.pwned=1",
    );
    hostile.lang = "<b>vi</b>".into();
    hostile.identity = Some(Identity { id: "<u>u1</u>".into(), name: None, email: None, signature: None });
    leave_message(&desk, payload, "<b>x</b>@evil.example", "<script>window.pwned=1</script>", hostile).await;
    leave_message(
        &desk,
        "Trần Văn Bảo",
        "bao@example.com",
        "Máy giặt kêu to, bảo hành thế nào?",
        returns_context(&["bao hanh may giat"], "Bảo hành", "https://shop.example/bao-hanh"),
    )
    .await;
    // Hoa is signed in on the shop, which vouches for her id: her conversations are linked.
    let hoa = || {
        let signature = chat_server::auth::sign_identity(secret, "hoa-1");
        Some(Identity { id: "hoa-1".into(), name: None, email: None, signature: Some(signature) })
    };
    let mut earlier = returns_context(&["giao hang cham"], "Giao hàng", "https://shop.example/don-hang");
    earlier.identity = hoa();
    leave_message(&desk, "Nguyễn Thị Hoa", "hoa@example.com", "Đơn SM-1100 giao trễ 3 ngày", earlier).await;

    let agent = Browser::start(1280, 800).await.unwrap();
    agent_login(&agent, &desk).await;
    // Nothing is assigned to lan, so the console opens on the returns queue, where the three wait.
    agent
        .wait_for("document.querySelectorAll('.rows .row').length === 3", "the three waiting conversations")
        .await
        .unwrap();
    assert!(console_text(&agent, ".queue[data-queue=\"unassigned:returns\"]").await.contains('3'));

    // A new escalation arrives live, with its unread badge and the tab's count.
    let mut returns =
        returns_context(&["chinh sach doi tra"], "Chính sách đổi trả", "https://shop.example/don-hang");
    returns.identity = hoa();
    leave_message(&desk, "Nguyễn Thị Hoa", "hoa@example.com", "Tôi muốn đổi trả đơn hàng SM-1234", returns)
        .await;
    agent
        .wait_for("document.querySelectorAll('.rows .row.unread').length === 4", "the new conversation, live")
        .await
        .unwrap();
    assert_eq!(text_of(agent.js("return document.title", vec![]).await.unwrap()), "(4) Answerdesk");

    // Keyboard only: search without tone marks, move, open.
    press(&agent, "/").await;
    press(&agent, "doi tra").await;
    agent
        .wait_for(
            "document.querySelectorAll('.rows .row').length === 1",
            "the one conversation about returns",
        )
        .await
        .unwrap();
    assert!(console_text(&agent, ".rows").await.contains("Nguyễn Thị Hoa"));
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&agent, "j").await;
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.thread-head h2')?.textContent === 'Nguyễn Thị Hoa'",
            "the conversation",
        )
        .await
        .unwrap();
    agent.wait_for("document.querySelector('.messages .msg.visitor')", "its first message").await.unwrap();
    let context = console_text(&agent, ".context").await;
    for fact in
        ["hoa@example.com", "“chinh sach doi tra”", "Chính sách đổi trả", "https://shop.example/don-hang"]
    {
        assert!(context.contains(fact), "{fact} in {context}");
    }
    agent
        .wait_for("document.querySelector('.context .identity.verified')", "her identity, verified")
        .await
        .unwrap();
    agent
        .wait_for("document.querySelector('.context .earlier-open')", "her earlier conversation")
        .await
        .unwrap();
    assert!(console_text(&agent, ".context .earlier").await.contains("SM-1100"));

    // r, then a canned reply through "/", sent with Enter.
    press(&agent, "r").await;
    agent.wait_for("document.activeElement?.matches('.composer textarea')", "the reply box").await.unwrap();
    press(&agent, "/doi").await;
    agent.wait_for("document.querySelector('.canned li.picked')", "the canned replies").await.unwrap();
    assert!(console_text(&agent, ".canned").await.contains("Đổi trả"));
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    let area = agent.client.find(Locator::Css(".composer textarea")).await.unwrap();
    assert_eq!(
        area.prop("value").await.unwrap().as_deref(),
        Some("Bạn được đổi trả miễn phí trong 30 ngày.")
    );
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for(
            "[...document.querySelectorAll('.messages .msg.agent:not(.pending)')].some(m => m.textContent.includes('miễn phí trong 30 ngày'))",
            "the reply, acknowledged",
        )
        .await
        .unwrap();
    // "#" searches the help center (kb-core, through chat-server; no tone marks needed): the article goes
    // in as its title, summary and link on the help center, and is sent like any reply.
    press(&agent, "#chinh sach doi").await;
    agent
        .wait_for("document.querySelector('.canned.articles li.picked')", "the help center's articles")
        .await
        .unwrap();
    assert!(console_text(&agent, ".canned.articles li.picked").await.contains("Chính sách đổi trả là gì?"));
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    let inserted = area.prop("value").await.unwrap().unwrap_or_default();
    assert!(
        inserted.starts_with("Chính sách đổi trả là gì?: Sen Market nhận đổi trả miễn phí"),
        "{inserted}"
    );
    assert!(inserted.contains(&format!("\n{help_origin}/vi/")), "{inserted}");
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for(
            &format!("[...document.querySelectorAll('.messages .msg.agent:not(.pending)')].some(m => m.textContent.includes('{help_origin}/vi/'))"),
            "the article, sent",
        )
        .await
        .unwrap();
    // Replying took the conversation: it is lan's now. u gives it back, a takes it again.
    agent
        .wait_for(
            "document.querySelector('.thread-head .status')?.textContent.includes('lan')",
            "assigned to lan",
        )
        .await
        .unwrap();
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&agent, "u").await;
    agent
        .wait_for(
            "!document.querySelector('.thread-head .status')?.textContent.includes('lan')",
            "unassigned",
        )
        .await
        .unwrap();
    press(&agent, "a").await;
    agent
        .wait_for(
            "document.querySelector('.thread-head .status')?.textContent.includes('lan')",
            "assigned again",
        )
        .await
        .unwrap();
    // n writes a private note.
    press(&agent, "n").await;
    press(&agent, "Khách quen, ưu tiên").await;
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.messages .msg.note:not(.pending)')?.textContent.includes('ưu tiên')",
            "the note",
        )
        .await
        .unwrap();
    // The README's picture: the agent's own queue, unfiltered.
    agent
        .js(
            "const s = document.querySelector('.list .search input'); s.value = ''; s.dispatchEvent(new Event('input')); \
             document.querySelector('.queue[data-queue=mine]').click()",
            vec![],
        )
        .await
        .unwrap();
    agent.wait_for("document.querySelectorAll('.rows .row').length === 1", "lan's own queue").await.unwrap();
    agent.screenshot("console-desktop.png").await.unwrap();

    // ? lists the shortcuts; Escape closes the list.
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&agent, "?").await;
    agent.wait_for("document.querySelector('.dialog .keys')", "the shortcuts").await.unwrap();
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    agent.wait_for("!document.querySelector('.dialog')", "the shortcuts closed").await.unwrap();
    // e asks, Enter confirms: closed.
    press(&agent, "e").await;
    agent.wait_for("document.activeElement?.matches('.confirm-close')", "the confirmation").await.unwrap();
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent.wait_for("document.querySelector('.closed-notice')", "the conversation closed").await.unwrap();

    // Her earlier conversation opens from the context panel.
    agent.client.find(Locator::Css(".context .earlier-open")).await.unwrap().click().await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.messages .msg.visitor')?.textContent.includes('SM-1100')",
            "the earlier one",
        )
        .await
        .unwrap();

    // The hostile conversation: every field on the page as the text it was, nothing run, no link.
    agent_open(&agent, "unassigned:returns", payload).await;
    let shown = console_text(&agent, ".desk").await;
    for raw in
        [payload, "<script>window.pwned=1</script>", "<svg onload=window.pwned=1>", "<u>u1</u>", "<b>vi</b>"]
    {
        assert!(shown.contains(raw), "{raw} shown as text");
    }
    assert!(shown.contains("<iframe src=javascript:window.pwned=1></iframe>"));
    assert!(shown.contains("<b>x</b>@evil.example"));
    assert!(
        console_text(&agent, ".context .identity").await.contains("not verified"),
        "a typed id is unverified"
    );
    let injected = agent
        .js(
            "return [document.querySelectorAll('.desk img, .desk script, .desk svg, .desk iframe, .desk b, .desk u').length, \
             window.pwned === undefined, document.querySelector('.context .not-a-link')?.textContent, \
             document.querySelectorAll('.context a[href^=javascript]').length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, json!([0, true, "javascript:window.pwned=1", 0]));

    // Tablet and dark.
    agent.client.set_window_size(1024, 768).await.unwrap();
    agent.screenshot("console-tablet.png").await.unwrap();
    let layout = agent
        .js(
            "const r = s => document.querySelector(s).getBoundingClientRect(); \
             return [r('.list').right <= r('.thread').left + 1, r('.thread').right <= innerWidth + 1, r('.context').bottom <= r('.thread').top + 1]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(layout, json!([true, true, true]), "on a tablet the context sits above the conversation");
    agent.client.set_window_size(1280, 800).await.unwrap();
    agent.client.find(Locator::Css(".topbar .theme")).await.unwrap().select_by_value("dark").await.unwrap();
    let background =
        agent.js("return getComputedStyle(document.body).backgroundColor", vec![]).await.unwrap();
    assert_eq!(background, json!("rgb(17, 21, 28)"), "the dark theme");
    agent.screenshot("console-dark.png").await.unwrap();

    // The search reaches past the shown list and what the console loaded: from lan's own queue (empty
    // now), "keu to" finds Bảo's conversation on the server, under "in other lists"; j and Enter open it.
    agent.js("document.querySelector('.queue[data-queue=mine]').click()", vec![]).await.unwrap();
    agent.wait_for("document.querySelector('.list .empty')", "lan's own queue, empty").await.unwrap();
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&agent, "/").await;
    press(&agent, "keu to").await;
    agent
        .wait_for(
            "document.querySelector('.rows.elsewhere .row')?.textContent.includes('Trần Văn Bảo')",
            "Bảo's conversation, found by the server",
        )
        .await
        .unwrap();
    assert!(!console_text(&agent, "h3.elsewhere").await.is_empty());
    assert_eq!(
        agent.js("return document.querySelectorAll('.rows .row').length", vec![]).await.unwrap(),
        json!(1),
        "only the conversation that says it"
    );
    agent.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&agent, "j").await;
    agent.keys(&[char::from(Key::Enter)]).await.unwrap();
    agent
        .wait_for(
            "document.querySelector('.thread-head h2')?.textContent === 'Trần Văn Bảo'",
            "Bảo's conversation, opened",
        )
        .await
        .unwrap();
    agent.quit().await.unwrap();
}

#[tokio::test]
async fn auto_assignment_skips_an_agent_at_capacity_in_both_consoles() {
    let help = help_center().await.unwrap();
    // lan takes one conversation at a time, vy three.
    let desk = desk_with(&help, &[("lan", Some(1)), ("vy", Some(3))], |config| {
        config.assignment.auto = true;
    })
    .await;
    let lan = Browser::start(1280, 800).await.unwrap();
    login_as(&lan, &desk, "lan").await;
    let vy = lan.another(1280, 800).await.unwrap();
    login_as(&vy, &desk, "vy").await;
    // vy works in Vietnamese.
    vy.client.find(Locator::Css(".topbar .lang")).await.unwrap().select_by_value("vi").await.unwrap();
    vy.wait_for("document.documentElement.lang === 'vi'", "the Vietnamese console").await.unwrap();
    let mine = |n: usize| {
        format!(
            "document.querySelectorAll('.rows .row').length === {n} && document.querySelector('.queue[data-queue=mine]')?.classList.contains('shown')"
        )
    };
    let show_mine = "document.querySelector('.queue[data-queue=mine]').click()";
    for console in [&lan, &vy] {
        console.js(show_mine, vec![]).await.unwrap();
    }
    for (n, who) in ["Đào An", "Lê Bình", "Phạm Chi"].into_iter().enumerate() {
        let context = returns_context(&["doi tra"], "Đổi trả", "https://shop.example/");
        leave_message(&desk, who, &format!("khach{n}@example.com"), "Cho tôi đổi size", context).await;
    }
    // Tied at none, lan (first by name) gets the first; full at one, she is skipped for the next two.
    lan.wait_for(&mine(1), "lan's one conversation").await.unwrap();
    vy.wait_for(&mine(2), "vy's two").await.unwrap();
    assert!(console_text(&lan, ".rows").await.contains("Đào An"));
    let vy_rows = console_text(&vy, ".rows").await;
    assert!(vy_rows.contains("Lê Bình") && vy_rows.contains("Phạm Chi"), "{vy_rows}");
    assert!(console_text(&lan, ".queue[data-queue=\"unassigned:returns\"] .count").await.contains('0'));
    // lan closes hers: the next one is hers again (none open beats vy's two).
    agent_open(&lan, "mine", "Đào An").await;
    lan.keys(&[char::from(Key::Escape)]).await.unwrap();
    press(&lan, "e").await;
    lan.wait_for("document.activeElement?.matches('.confirm-close')", "the confirmation").await.unwrap();
    lan.keys(&[char::from(Key::Enter)]).await.unwrap();
    lan.wait_for("document.querySelector('.closed-notice')", "closed").await.unwrap();
    let context = returns_context(&["bao hanh"], "Bảo hành", "https://shop.example/");
    leave_message(&desk, "Võ Dung", "dung@example.com", "Bảo hành bao lâu?", context).await;
    lan.js(show_mine, vec![]).await.unwrap();
    lan.wait_for(
        "[...document.querySelectorAll('.rows .row')].some(r => r.textContent.includes('Võ Dung'))",
        "the fourth, to lan",
    )
    .await
    .unwrap();
    vy.wait_for(&mine(2), "vy still at two").await.unwrap();
    assert_eq!(console_text(&vy, ".queue[data-queue=mine] .name").await, "Của tôi");
    let vy_desk = console_text(&vy, ".desk").await;
    assert!(vy_desk.contains("Chờ") && !vy_desk.contains("Mine"), "{vy_desk}");
    assert!(!vy_desk.contains('{'), "no placeholder left unfilled: {vy_desk}");
    lan.quit().await.unwrap();
    vy.quit().await.unwrap();
}
