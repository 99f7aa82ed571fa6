//! Live chat end to end: the widget on a storefront page (headless Chromium) escalates to a real
//! chat-server on 127.0.0.1 (SQLite in a temp dir), and an agent works the inbox in a second, separate
//! Chromium. Run with `cargo xtask test`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use answerdesk_e2e::{Browser, ROOT, Server, help_center, storefront_with};
use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use protocol::rest::AgentInfo;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// A chat-server serving the storefront's origin, with agent `lan` (Lan, team `returns`).
struct Desk {
    url: String,
    store: Server,
    _pages: tempfile::TempDir,
    _data: tempfile::TempDir,
}

async fn desk(help: &Server, tweak: impl FnOnce(&mut chat_server::Config)) -> Desk {
    // The storefront page needs the chat URL and the server needs the storefront's origin: bind first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (store, pages) = storefront_with(help, &[], &[("CHAT", url.clone())]).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = chat_server::Config {
        database_url: data.path().join("chat.db").display().to_string(),
        allowed_origins: vec![store.origin()],
        ..chat_server::Config::default()
    };
    tweak(&mut config);
    let db = chat_server::db::connect(&config.database_url).await.unwrap();
    let lan = AgentInfo { username: "lan".into(), display_name: "Lan".into(), teams: vec!["returns".into()] };
    db.upsert_agent(&lan, &chat_server::auth::hash_password(PASSWORD).unwrap()).await.unwrap();
    drop(db);
    tokio::spawn(chat_server::serve(config, listener, std::future::pending()));
    Desk { url, store, _pages: pages, _data: data }
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
    browser.client.goto(&format!("{}/chat.html", desk.store.origin())).await.unwrap();
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

/// The agent logs in to the inbox and waits until its socket is up.
async fn agent_login(agent: &Browser, desk: &Desk) {
    agent.client.goto(&format!("{}/agent", desk.url)).await.unwrap();
    agent.wait_for("!document.getElementById('login').hidden", "the login form").await.unwrap();
    let form = agent.client.find(Locator::Id("login")).await.unwrap();
    form.find(Locator::Css("[name=username]")).await.unwrap().send_keys("lan").await.unwrap();
    form.find(Locator::Css("[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    form.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    agent
        .wait_for("document.getElementById('connection').textContent === 'online'", "the inbox online")
        .await
        .unwrap();
}

/// The agent opens the conversation whose list entry mentions `text`.
async fn agent_open(agent: &Browser, text: &str) {
    let find = format!(
        "[...document.querySelectorAll('#queues button')].find(b => b.textContent.includes({text:?}))"
    );
    agent.wait_for(&find, "the conversation in the inbox").await.unwrap();
    agent.js(&format!("{find}.click()"), vec![]).await.unwrap();
    agent.wait_for("!document.getElementById('detail').hidden", "the conversation").await.unwrap();
}

async fn agent_reply(agent: &Browser, text: &str) {
    let body = agent.client.find(Locator::Id("body")).await.unwrap();
    body.send_keys(text).await.unwrap();
    body.send_keys(&char::from(Key::Enter).to_string()).await.unwrap();
}

fn text_of(value: Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_visitor_escalates_an_agent_answers_in_the_inbox_and_the_visitor_rates_the_chat() {
    let help = help_center().await.unwrap();
    let desk = desk(&help, |_| {}).await;
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

    // The agent sees it in the returns queue with what the visitor searched and read.
    agent_open(&agent, "chinh sach doi tra").await;
    agent
        .wait_for("document.getElementById('context').textContent.includes('👎')", "the context")
        .await
        .unwrap();
    let context =
        text_of(agent.js("return document.getElementById('context').textContent", vec![]).await.unwrap());
    assert!(context.contains("“chinh sach doi tra”"), "{context}");
    assert!(context.contains("Chính sách đổi trả"), "the article read: {context}");
    assert!(context.contains("/chat.html"), "the page: {context}");
    assert!(context.contains("returns"), "routed to the article's team: {context}");

    // Typing shows on the visitor's side; the reply arrives live, as text, with the agent's name.
    agent.client.find(Locator::Id("body")).await.unwrap().send_keys("Chào bạn").await.unwrap();
    visitor
        .wait_for(&format!("{ROOT}.querySelector('.typing').textContent"), "the typing indicator")
        .await
        .unwrap();
    agent_reply(&agent, ", bạn có thể đổi trong 30 ngày. <b>Cần</b> gì thêm không?").await;
    visitor.wait_for(&format!("{ROOT}.querySelector('.msg.agent')"), "the agent's reply").await.unwrap();
    let reply = widget_text(&visitor, ".msg.agent .text").await;
    assert_eq!(reply, "Chào bạn, bạn có thể đổi trong 30 ngày. <b>Cần</b> gì thêm không?");
    assert_eq!(widget_text(&visitor, ".msg.agent .who").await, "Lan");
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
        .wait_for("[...document.querySelectorAll('#messages li.visitor')].some(li => li.textContent.includes('Cảm ơn bạn'))", "the visitor's answer")
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

    // The agent closes; the visitor is asked to rate; the rating shows in the agent's ratings.
    agent.client.find(Locator::Id("close")).await.unwrap().click().await.unwrap();
    agent.client.accept_alert().await.unwrap();
    in_widget(&visitor, ".rating").await;
    shadow(&visitor).await.find_all(Locator::Css(".star")).await.unwrap().remove(4).click().await.unwrap();
    in_widget(&visitor, ".rating textarea").await.send_keys("Nhanh và rõ ràng").await.unwrap();
    in_widget(&visitor, ".rating .cta").await.click().await.unwrap();
    in_widget(&visitor, ".thanks").await;
    agent.client.find(Locator::Id("show-ratings")).await.unwrap().click().await.unwrap();
    agent
        .wait_for(
            "document.getElementById('ratings-body').textContent.includes('lan: 5.00 / 5 (1)')",
            "the rating",
        )
        .await
        .unwrap();
    let ratings = text_of(
        agent.js("return document.getElementById('ratings-body').textContent", vec![]).await.unwrap(),
    );
    assert!(ratings.contains("Nhanh và rõ ràng"), "{ratings}");
    visitor.screenshot("widget-chat-rated.png").await.unwrap();
    agent.quit().await.unwrap();
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
    agent_open(&agent, "nứt men").await;
    agent
        .wait_for(
            "document.getElementById('context').textContent.includes('hoa@example.com')",
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
