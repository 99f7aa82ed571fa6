//! The XSS corpus (issue 16): a few hundred vectors (`tests/xss/payloads.txt`, alone and after each
//! break-out of `tests/xss/breakouts.txt`) pushed through every path text takes to a page, with Chromium
//! recording any script execution and any CSP violation (a hook installed before any page script,
//! through DevTools). Every path must record nothing:
//! - article title, summary, tags, questions and body → the help center's pages and the widget's
//!   article view;
//! - a visitor's messages, name, e-mail, page URL, searches and the titles of articles read → the
//!   agent console;
//! - an agent's replies → the widget; and private notes never reach the visitor, asserted on a second
//!   visitor socket of the same conversation.

use std::path::Path;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::*;

/// Records script execution (the dialogs every payload calls) and CSP violations, in every frame,
/// into the top window's `__xss`.
const HOOK: &str = r#"(() => {
  const record = (kind, detail) => {
    let sink;
    try { sink = top; sink.__xss = sink.__xss || []; } catch (_) { sink = window; sink.__xss = sink.__xss || []; }
    sink.__xss.push(kind + ': ' + detail + ' @ ' + location.href);
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = (...args) => record(name, args.join(','));
  }
  document.addEventListener('securitypolicyviolation',
    e => record('csp', e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')), true);
})();"#;

/// Every vector: each payload alone, and the first 30 after each break-out.
fn vectors() -> Vec<String> {
    let lines = |name: &str| -> Vec<String> {
        let path = answerdesk_e2e::workspace().join("tests/xss").join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let payloads = lines("payloads.txt");
    let mut vectors = payloads.clone();
    for breakout in lines("breakouts.txt").iter().filter(|b| *b != "(none)") {
        vectors.extend(payloads.iter().take(30).map(|payload| format!("{breakout}{payload}")));
    }
    assert!(vectors.len() >= 300, "{} vectors", vectors.len());
    vectors
}

/// Installs [`HOOK`] for every page this tab loads from now on.
async fn watch(browser: &Browser) {
    browser.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": HOOK })).await.unwrap();
}

/// What the hook recorded on the current page.
async fn recorded(browser: &Browser) -> Vec<String> {
    let found = browser.js("return window.__xss || []", vec![]).await.unwrap();
    serde_json::from_value(found).unwrap()
}

/// Puts a handler that would run into the current page and waits for the hook to record `expected` (an
/// alert where the page allows inline handlers, a CSP violation where it does not): the hook works here.
async fn canary(browser: &Browser, expected: &str) {
    let html = r#"<img src="x" onerror="alert('canary')">"#;
    browser
        .js("document.body.insertAdjacentHTML('beforeend', arguments[0])", vec![json!(html)])
        .await
        .unwrap();
    let seen = format!("(window.__xss || []).some(r => r.startsWith({expected:?}))");
    browser.wait_for(&seen, "the canary").await.unwrap();
}

/// A YAML scalar holding `text` exactly (JSON strings are YAML's double-quoted scalars).
fn yaml(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// A content folder with the sample's settings and articles made of vectors, 14 to an article,
/// alternating languages; article `k` has the word `xss{k}word` in its title to be found by.
fn hostile_content(dir: &Path, vectors: &[String]) -> Vec<(String, String, String)> {
    let sample = answerdesk_e2e::workspace().join("content");
    for file in ["answerdesk.toml", "_synonyms.yml"] {
        std::fs::copy(sample.join(file), dir.join(file)).unwrap();
    }
    let mut articles = Vec::new();
    for (k, chunk) in vectors.chunks(14).enumerate() {
        let lang = if k % 2 == 0 { "vi" } else { "en" };
        let folder = dir.join(lang).join("xss");
        std::fs::create_dir_all(&folder).unwrap();
        let title = format!("{} xss{k}word", chunk[0]);
        let list = |items: &[String]| items.iter().map(|item| yaml(item)).collect::<Vec<_>>().join(", ");
        let at = |n: usize| chunk.get(n).cloned().unwrap_or_default();
        let body_vectors = chunk.get(6..).unwrap_or_default();
        let mut body = String::new();
        for vector in body_vectors {
            body.push_str(&format!("{vector}\n\n- {vector}\n\n[{vector}]({vector})\n\n"));
        }
        body.push_str("| a | b |\n|---|---|\n");
        for vector in body_vectors {
            body.push_str(&format!("| {} | x |\n", vector.replace('|', "\\|")));
        }
        let text = format!(
            "---\ntitle: {}\nsummary: {}\ntags: [{}]\nquestions: [{}]\n---\n\n{body}",
            yaml(&title),
            yaml(&format!("{} tóm tắt", at(1))),
            list(chunk.get(2..4).unwrap_or_default()),
            list(chunk.get(4..6).unwrap_or_default()),
        );
        std::fs::write(folder.join(format!("xss-{k}.md")), text).unwrap();
        articles.push((lang.to_owned(), format!("xss-{k}"), title));
    }
    articles
}

#[tokio::test]
async fn the_xss_corpus_runs_nowhere_in_the_help_center_or_the_widgets_article_view() {
    let vectors = vectors();
    let content = tempfile::tempdir().unwrap();
    let articles = hostile_content(content.path(), &vectors);
    let out = tempfile::tempdir().unwrap();
    let built = std::process::Command::new(answerdesk_e2e::kb_builder())
        .args(["build", "--quiet", "--content"])
        .arg(content.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    answerdesk_e2e::copy_tree(&answerdesk_e2e::dist().join("widget"), &out.path().join("widget")).unwrap();
    std::fs::write(
        out.path().join("canary.html"),
        "<!doctype html><meta http-equiv=\"Content-Security-Policy\" content=\"img-src 'self'\">\
         <img src=\"https://blocked.invalid/x.png\"><img src=x onerror=\"alert('canary')\">",
    )
    .unwrap();
    let help = Server::start(out.path().to_path_buf(), &[("access-control-allow-origin", "*".into())])
        .await
        .unwrap();

    let browser = Browser::start(1280, 900).await.unwrap();
    watch(&browser).await;
    // The hook sees a script that runs, and a policy that blocks one: otherwise nothing below means anything.
    browser.client.goto(&format!("{}/canary.html", help.origin())).await.unwrap();
    browser.wait_for("(window.__xss || []).length >= 2", "the canary").await.unwrap();
    let canary = recorded(&browser).await;
    assert!(canary.iter().any(|r| r.starts_with("alert: canary")), "{canary:?}");
    assert!(canary.iter().any(|r| r.starts_with("csp: ")), "{canary:?}");
    let mut pages: Vec<String> = ["/", "/vi/", "/en/", "/vi/xss/", "/en/xss/"].map(str::to_owned).to_vec();
    pages.extend(articles.iter().map(|(lang, id, _)| format!("/{lang}/xss/{id}/")));
    for page in &pages {
        browser.client.goto(&format!("{}{page}", help.origin())).await.unwrap();
        browser.wait_for("document.readyState === 'complete'", page).await.unwrap();
        assert_eq!(recorded(&browser).await, Vec::<String>::new(), "on {page}");
    }
    // The title is on the page as the text it was.
    let (lang, id, title) = &articles[1];
    browser.client.goto(&format!("{}/{lang}/xss/{id}/", help.origin())).await.unwrap();
    let h1 = browser.js("return document.querySelector('h1').textContent", vec![]).await.unwrap();
    assert_eq!(h1.as_str(), Some(title.as_str()));

    // The widget on a storefront page, over the same help center: every article opened.
    let (store, _pages) = answerdesk_e2e::storefront(&help, &[]).await.unwrap();
    browser.client.goto(&format!("{}/index.html", store.origin())).await.unwrap();
    browser.wait_for("window.Answerdesk && Answerdesk.loaded", "the loader").await.unwrap();
    for (k, (lang, _, title)) in articles.iter().enumerate() {
        let search = "Answerdesk('setLocale', arguments[0]); Answerdesk('search', arguments[1]);";
        browser.js(search, vec![json!(lang), json!(format!("xss{k}word"))]).await.unwrap();
        let hit = format!("{ROOT}.querySelector('.hit')");
        browser
            .wait_for(&format!("{hit} && {hit}.textContent.includes('xss{k}word')"), "the hit")
            .await
            .unwrap();
        browser.js(&format!("{hit}.click()"), vec![]).await.unwrap();
        let shown = format!("{ROOT}.querySelector('.article-title')?.textContent");
        let text = browser.wait_for(&shown, "the article").await.unwrap();
        assert_eq!(text.as_str(), Some(title.as_str()), "the title as text");
        browser.wait_for(&format!("{ROOT}.querySelector('.article-body')"), "the body").await.unwrap();
    }
    assert_eq!(recorded(&browser).await, Vec::<String>::new(), "in the widget");
}

/// A visitor's socket on `desk` with the conversation's token, said hello.
async fn visitor_socket(
    desk: &Desk,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/ws/visitor", desk.url.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let hello =
        json!({ "type": "hello", "version": protocol::PROTOCOL_VERSION, "token": token, "after_seq": 0 });
    socket.send(Message::text(hello.to_string())).await.unwrap();
    socket
}

/// Reads frames until `done` says so, returning every text frame seen.
async fn read_until(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    mut done: impl FnMut(&Value) -> bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let Ok(next) = tokio::time::timeout(Duration::from_secs(20), socket.next()).await else {
            panic!("no frame for 20 s after {} frames, the last {:?}", seen.len(), seen.last());
        };
        let text = match next {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(close))) => panic!("the server closed the socket: {close:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("the socket failed: {e}"),
            None => panic!("the socket ended"),
        };
        let frame: Value = serde_json::from_str(text.as_str()).unwrap();
        seen.push(text.to_string());
        if done(&frame) {
            return seen;
        }
    }
}

#[tokio::test]
async fn the_xss_corpus_runs_nowhere_in_the_console_and_agent_text_runs_nowhere_in_the_widget() {
    let vectors = vectors();
    let help = help_center().await.unwrap();
    let desk = desk(&help, |config| {
        config.limits.messages_per_minute = 10_000;
        config.limits.conversations_per_hour = 10_000;
    })
    .await;

    // Visitors put a vector in every field they control, and send the rest as messages.
    let http = reqwest::Client::new();
    let mut conversations = Vec::new();
    for chunk in vectors.chunks(40) {
        let at = |n: usize| chunk.get(n).cloned().unwrap_or_default();
        let context = EscalationContext {
            searches: chunk.iter().take(20).cloned().collect(),
            articles: chunk
                .iter()
                .skip(20)
                .map(|title| ArticleSeen {
                    id: "return-policy".into(),
                    lang: "vi".into(),
                    title: title.clone(),
                    team: Some("returns".into()),
                    category: None,
                    helpful: Some(false),
                })
                .collect(),
            page_url: at(0),
            lang: "vi".into(),
            identity: Some(Identity { id: at(1), name: Some(at(2)), email: Some(at(3)), signature: None }),
        };
        let request = protocol::rest::StartConversation { version: protocol::PROTOCOL_VERSION, context };
        let started: protocol::rest::ConversationStarted = http
            .post(format!("{}/api/conversations", desk.url))
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut socket = visitor_socket(&desk, &started.visitor_token).await;
        for (n, vector) in chunk.iter().enumerate() {
            let frame = json!({ "type": "send", "client_id": format!("v{n}"), "body": vector });
            socket.send(Message::text(frame.to_string())).await.unwrap();
        }
        let last = format!("v{}", chunk.len() - 1);
        read_until(&mut socket, |frame| frame["type"] == "ack" && frame["client_id"] == json!(last)).await;
        conversations.push((started.conversation_id, chunk.len()));
    }

    let agent = Browser::start(1280, 900).await.unwrap();
    watch(&agent).await;
    agent_login(&agent, &desk).await;
    let all = "document.querySelector('.queue[data-queue=\"all\"]')";
    agent.wait_for(all, "the queue of all").await.unwrap();
    agent.js(&format!("{all}.click()"), vec![]).await.unwrap();
    for (id, messages) in &conversations {
        let row = format!("document.querySelector('.rows .row[data-id=\"{id}\"]')");
        agent.wait_for(&row, "the conversation in the list").await.unwrap();
        agent.js(&format!("{row}.click()"), vec![]).await.unwrap();
        let shown = format!("document.querySelectorAll('.messages .msg.visitor').length >= {messages}");
        agent.wait_for(&shown, "every message").await.unwrap();
        agent.wait_for("document.querySelector('.context .who')", "the context").await.unwrap();
    }
    assert_eq!(recorded(&agent).await, Vec::<String>::new(), "in the console");
    canary(&agent, "csp: ").await;

    // An agent answers a visitor in the widget with every vector, and writes notes beside them.
    let visitor = agent.another(1280, 900).await.unwrap();
    watch(&visitor).await;
    search_and_read(&visitor, &desk, "chinh sach doi tra").await;
    shadow(&visitor).await.find_all(Locator::Css(".choice")).await.unwrap().remove(1).click().await.unwrap();
    in_widget(&visitor, ".need-more .cta").await.click().await.unwrap();
    in_widget(&visitor, ".chat-start .cta").await.click().await.unwrap();
    visitor
        .wait_for(&format!("{ROOT}.querySelector('.log .msg.visitor:not(.pending)')"), "the chat started")
        .await
        .unwrap();
    let key = format!("answerdesk.chat:{}", desk.url);
    let stored = text_of(visitor.js(&format!("return localStorage.getItem({key:?})"), vec![]).await.unwrap());
    let token = serde_json::from_str::<Value>(&stored).unwrap()["token"].as_str().unwrap().to_owned();
    // A second socket of the same visitor: what is on the visitor's wire.
    let mut wire = visitor_socket(&desk, &token).await;
    let welcome = read_until(&mut wire, |frame| frame["type"] == "welcome").await;
    let conversation: Value = serde_json::from_str(welcome.last().unwrap()).unwrap();
    let conversation = conversation["conversation_id"].as_str().unwrap().to_owned();
    // Read while the agent writes, as a browser would (a socket nobody reads is closed as lagging).
    let replies = vectors.len();
    let on_the_wire = tokio::spawn(async move {
        let mut seen = 0;
        read_until(&mut wire, |frame| {
            seen += usize::from(frame["type"] == "message" && frame["author"]["kind"] == "agent");
            seen == replies
        })
        .await
    });

    let login = http
        .post(format!("{}/api/agent/login", desk.url))
        .json(&protocol::rest::AgentLogin { username: "lan".into(), password: PASSWORD.into() })
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let session: protocol::rest::AgentSession = login.json().await.unwrap();
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("{}/ws/agent", desk.url.replace("http://", "ws://")),
    )
    .unwrap();
    request.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut lan, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = json!({ "type": "hello", "version": protocol::PROTOCOL_VERSION, "csrf": session.csrf });
    lan.send(Message::text(hello.to_string())).await.unwrap();
    for (batch, replies) in vectors.chunks(25).enumerate() {
        let first = batch * 25;
        let note = format!("NOTE-ONLY-FOR-AGENTS {first} {}", replies[0]);
        let note = json!({ "type": "note", "conversation_id": conversation, "client_id": format!("n{first}"), "body": note });
        lan.send(Message::text(note.to_string())).await.unwrap();
        for (n, vector) in replies.iter().enumerate() {
            let reply = json!({ "type": "reply", "conversation_id": conversation, "client_id": format!("r{}", first + n), "body": vector });
            lan.send(Message::text(reply.to_string())).await.unwrap();
        }
        let batch_last = json!(format!("r{}", first + replies.len() - 1));
        read_until(&mut lan, |frame| frame["type"] == "ack" && frame["client_id"] == batch_last).await;
    }
    let on_the_wire = on_the_wire.await.unwrap();
    assert!(
        on_the_wire.iter().all(|frame| !frame.contains("NOTE-ONLY-FOR-AGENTS")),
        "a note on the visitor's wire"
    );

    let replies = format!("{ROOT}.querySelectorAll('.msg.agent').length >= {}", vectors.len());
    visitor.wait_for(&replies, "every reply in the widget").await.unwrap();
    let shown = widget_text(&visitor, ".msg.agent .text").await;
    assert!(shown.contains(vectors[0].as_str()), "replies shown as text");
    assert!(!shown.contains("NOTE-ONLY-FOR-AGENTS"));
    assert_eq!(recorded(&visitor).await, Vec::<String>::new(), "in the widget");
    canary(&visitor, "alert: canary").await;
}
