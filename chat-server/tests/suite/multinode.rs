//! Two chat-server processes on one Postgres: a visitor on node A and an agent on node B talk live.
//!
//! Needs the Debian `postgresql` package (initdb and pg_ctl). Without it the test says so and passes,
//! unless `CHAT_SERVER_REQUIRE_POSTGRES=1`, which CI sets.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::path::Path;
use std::process::Command;

use crate::support::postgres;
use crate::support::{Agent, PASSWORD, Process, Visitor, WAIT, spawn_chat_server};
use chat_server::test_support::smtp_sink;
use protocol::chat::Author;
use protocol::rest::{AgentLogin, AgentSession, ConversationStarted};
use protocol::{Identity, PROTOCOL_VERSION, agent, visitor};

fn node(database_url: &str, config: &Path) -> (Process, String) {
    spawn_chat_server(&[
        "--database-url".as_ref(),
        database_url.as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
    ])
}

#[tokio::test]
async fn visitor_on_one_node_and_agent_on_another_talk_live_and_unseen_replies_go_by_email() {
    let Some(postgres) = postgres::start() else { return };
    let url = postgres.url("postgres");
    let (smtp_port, mut mailbox) = smtp_sink().await.unwrap();
    let config = tempfile::NamedTempFile::new().unwrap();
    let email = format!(
        "[assignment]\nauto = true\n[email]\nsmtp_url = \"smtp://127.0.0.1:{smtp_port}\"\nunseen_after_secs = 1\n"
    );
    std::fs::write(config.path(), email).unwrap();
    let added = Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["agent", "add", "lan", "--name", "Lan", "--teams", "returns", "--capacity", "1"])
        .args(["--database-url", &url])
        .env("CHAT_SERVER_AGENT_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let (_a, node_a) = node(&url, config.path());
    let (_b, node_b) = node(&url, config.path());

    // The agent works on node B.
    let login = reqwest::Client::new()
        .post(format!("http://{node_b}/api/agent/login"))
        .json(&AgentLogin { username: "lan".into(), password: PASSWORD.into() })
        .timeout(WAIT)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let session: AgentSession = login.json().await.unwrap();
    let mut lan = Agent::connect(&format!("ws://{node_b}/ws/agent"), &[("cookie", &cookie)]).await.unwrap();
    lan.send(&agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: session.csrf }).await;
    assert!(matches!(lan.recv().await, agent::ServerFrame::Inbox { .. }));

    // Presence crosses nodes too: node A offers the chat because an agent is on node B. Node B writes
    // its count as soon as the agent connects; poll briefly for that write to land.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let availability: protocol::rest::Availability =
            reqwest::get(format!("http://{node_a}/api/availability")).await.unwrap().json().await.unwrap();
        if availability.online {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "node A never saw node B's agent");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }

    // The visitor starts and writes on node A; node B's agent sees it live.
    let started = crate::support::start_conversation(&format!("http://{node_a}")).await;
    let mut guest = Visitor::connect(&format!("ws://{node_a}/ws/visitor"), &[]).await.unwrap();
    let hello =
        visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: started.visitor_token, after_seq: 0 };
    guest.send(&hello).await;
    assert!(matches!(guest.recv().await, visitor::ServerFrame::Welcome { .. }));
    let summary = lan.until(|f| if let agent::ServerFrame::Updated(s) = f { Some(s) } else { None }).await;
    assert_eq!(summary.id, started.conversation_id);
    // Node A hands it to the agent it only knows from node B's presence report.
    let taken_by_lan = |id: String| {
        move |f: agent::ServerFrame| match f {
            agent::ServerFrame::Updated(s) if s.id == id && s.assignee.as_deref() == Some("lan") => Some(()),
            _ => None,
        }
    };
    lan.until(taken_by_lan(started.conversation_id.clone())).await;
    let first = started.conversation_id.clone();

    // 3000 characters, 9000 bytes: more than a NOTIFY payload may carry.
    let long = "ữ".repeat(3000);
    guest.send(&visitor::ClientFrame::Send { client_id: "v1".into(), body: long.clone() }).await;
    let seen = lan
        .until(|f| if let agent::ServerFrame::Message { message, .. } = f { Some(message) } else { None })
        .await;
    assert_eq!((seen.seq, seen.body.as_str(), seen.author), (1, long.as_str(), Author::Visitor));

    lan.send(&agent::ClientFrame::Reply {
        conversation_id: started.conversation_id.clone(),
        client_id: "r1".into(),
        body: "Chào bạn, mình xem ngay".into(),
    })
    .await;
    let reply = guest
        .until(|f| match f {
            visitor::ServerFrame::Message(m) if m.seq == 2 => Some(m),
            _ => None,
        })
        .await;
    assert_eq!(
        (reply.body.as_str(), reply.author),
        ("Chào bạn, mình xem ngay", Author::Agent { name: "Lan".into() })
    );

    lan.send(&agent::ClientFrame::Typing { conversation_id: started.conversation_id.clone(), typing: true })
        .await;
    guest.until(|f| matches!(f, visitor::ServerFrame::Typing { typing: true }).then_some(())).await;

    // Node B cannot know whether the visitor's socket (on node A) shows a reply, so a reply goes by email
    // only if the shared read pointer has not reached it a second later.
    let mut with_email = crate::support::context(Some("returns"));
    with_email.identity = Some(Identity {
        id: "u1".into(),
        name: None,
        email: Some("hoa@example.com".into()),
        signature: None,
    });
    let started: ConversationStarted =
        crate::support::start_conversation_raw(&format!("http://{node_a}"), with_email)
            .await
            .json()
            .await
            .unwrap();
    let mut hoa = Visitor::connect(&format!("ws://{node_a}/ws/visitor"), &[]).await.unwrap();
    let hello =
        visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: started.visitor_token, after_seq: 0 };
    hoa.send(&hello).await;
    assert!(matches!(hoa.recv().await, visitor::ServerFrame::Welcome { .. }));
    // lan's capacity is one: Hoa waits first in line, on node A, until lan closes the first on node B.
    let place = |f: visitor::ServerFrame| {
        if let visitor::ServerFrame::Queue(q) = f { Some(q.position) } else { None }
    };
    assert_eq!(hoa.until(place).await, 1);
    lan.send(&agent::ClientFrame::Close { conversation_id: first }).await;
    lan.until(taken_by_lan(started.conversation_id.clone())).await;
    assert_eq!(hoa.until(place).await, 0, "the line moved across nodes");
    let reply = |client_id: &str, body: &str| agent::ClientFrame::Reply {
        conversation_id: started.conversation_id.clone(),
        client_id: client_id.into(),
        body: body.into(),
    };
    lan.send(&reply("e1", "Seen at once")).await;
    let seen = hoa.until(|f| if let visitor::ServerFrame::Message(m) = f { Some(m) } else { None }).await;
    hoa.send(&visitor::ClientFrame::Read { up_to_seq: seen.seq }).await;
    drop(hoa);
    lan.send(&reply("e2", "Sent after the visitor left")).await;
    let mail = tokio::time::timeout(WAIT, mailbox.recv()).await.expect("no email within the wait").unwrap();
    assert!(mail.contains("To: hoa@example.com"), "{mail}");
    assert!(mail.contains("Sent after the visitor left"), "{mail}");
    assert!(!mail.contains("Seen at once"), "a reply the visitor read was emailed: {mail}");
    let more = tokio::time::timeout(std::time::Duration::from_secs(2), mailbox.recv()).await;
    assert!(more.is_err(), "a reply the visitor read was emailed: {more:?}");
}

#[tokio::test]
async fn limits_and_lockouts_hold_across_nodes() {
    let Some(postgres) = postgres::start() else { return };
    let url = postgres.url("postgres");
    let config = tempfile::NamedTempFile::new().unwrap();
    let limits = "[limits]\nconversations_per_hour = 3\nlogin_failures_before_lockout = 2\n";
    std::fs::write(config.path(), limits).unwrap();
    let (_a, node_a) = node(&url, config.path());
    let (_b, node_b) = node(&url, config.path());
    let start = |node: &str| {
        let url = format!("http://{node}/api/conversations");
        async move {
            let request = protocol::rest::StartConversation {
                version: PROTOCOL_VERSION,
                context: crate::support::context(None),
            };
            reqwest::Client::new().post(url).json(&request).timeout(WAIT).send().await.unwrap().status()
        }
    };
    // Three conversations between the two nodes use up the one limit; each node alone allowed three.
    for node in [&node_a, &node_b, &node_a] {
        assert_eq!(start(node).await, 200);
    }
    assert_eq!(start(&node_b).await, 429, "node B knows what node A counted");
    assert_eq!(start(&node_a).await, 429);

    let login = |node: &str| {
        let url = format!("http://{node}/api/agent/login");
        async move {
            let request = AgentLogin { username: "lan".into(), password: "guess".into() };
            reqwest::Client::new().post(url).json(&request).timeout(WAIT).send().await.unwrap().status()
        }
    };
    assert_eq!(login(&node_a).await, 401);
    assert_eq!(login(&node_b).await, 429, "the second failure, on the other node, locks the account");
    assert_eq!(login(&node_a).await, 429);
}
