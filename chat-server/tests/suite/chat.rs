//! End-to-end behaviour of chat-server over real sockets.

use crate::support::*;
use protocol::chat::{Author, ConversationStatus, ErrorCode};
use protocol::rest::AgentRatings;
use protocol::{PROTOCOL_VERSION, agent, visitor};
use tokio_tungstenite::tungstenite::Message;

fn send(client_id: &str, body: &str) -> visitor::ClientFrame {
    visitor::ClientFrame::Send { client_id: client_id.into(), body: body.into() }
}

fn ack_seq(frame: visitor::ServerFrame) -> Option<u64> {
    match frame {
        visitor::ServerFrame::Ack(ack) => Some(ack.seq),
        _ => None,
    }
}

#[tokio::test]
async fn conversation_lifecycle() {
    let server = start(|_| {}).await;
    let (mut lan, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { conversations, agent: me, .. } = inbox else { panic!("{inbox:?}") };
    assert!(conversations.is_empty());
    assert_eq!(me.teams, ["returns"]);

    let availability: protocol::rest::Availability =
        reqwest::get(format!("{}/api/availability", server.http)).await.unwrap().json().await.unwrap();
    assert!(availability.online, "an agent is connected and there are no hours configured");

    let started = start_conversation(&server.http).await;
    assert_eq!(started.team.as_deref(), Some("returns"), "routed by the article's team");
    let summary = lan.until(|f| if let agent::ServerFrame::Updated(s) = f { Some(s) } else { None }).await;
    assert_eq!(summary.id, started.conversation_id);
    assert_eq!(summary.context.searches, ["đổi trả hàng"], "the agent sees what the visitor searched");

    let (mut visitor, welcome) = crate::support::visitor(&server, &started.visitor_token, 0).await;
    assert!(matches!(
        welcome,
        visitor::ServerFrame::Welcome { last_seq: 0, status: ConversationStatus::Open, .. }
    ));

    visitor.send(&visitor::ClientFrame::Typing { typing: true }).await;
    lan.until(|f| matches!(f, agent::ServerFrame::Typing { typing: true, .. }).then_some(())).await;

    visitor.send(&send("v1", "<script>alert(1)</script> hàng bị lỗi")).await;
    assert_eq!(visitor.until(ack_seq).await, 1);
    let summary = lan.until(|f| if let agent::ServerFrame::Updated(s) = f { Some(s) } else { None }).await;
    assert_eq!((summary.unread, summary.last_seq), (1, 1));

    let id = started.conversation_id.clone();
    lan.send(&agent::ClientFrame::Note {
        conversation_id: id.clone(),
        client_id: "n1".into(),
        body: "VIP".into(),
    })
    .await;
    lan.until(|f| matches!(f, agent::ServerFrame::Ack(_)).then_some(())).await;
    lan.send(&agent::ClientFrame::Reply {
        conversation_id: id.clone(),
        client_id: "r1".into(),
        body: "Xin chào".into(),
    })
    .await;
    // The visitor gets its own message echoed, then the reply: never the note (seq 2).
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let visitor::ServerFrame::Message(m) = visitor.recv().await {
            seen.push(m);
        }
    }
    assert_eq!(seen[0].body, "<script>alert(1)</script> hàng bị lỗi");
    assert_eq!((seen[1].seq, &seen[1].author), (3, &Author::Agent { name: "Lan".into() }));
    assert!(seen.iter().all(|m| !m.private));

    lan.send(&agent::ClientFrame::Read { conversation_id: id.clone(), up_to_seq: 3 }).await;
    visitor.until(|f| matches!(f, visitor::ServerFrame::Read { up_to_seq: 3 }).then_some(())).await;
    let summary = lan
        .until(|f| match f {
            agent::ServerFrame::Updated(s) if s.unread == 0 => Some(s),
            _ => None,
        })
        .await;
    assert_eq!(summary.assignee.as_deref(), Some("lan"), "the first agent to reply takes the conversation");

    lan.send(&agent::ClientFrame::Open { conversation_id: id.clone() }).await;
    let history = lan
        .until(|f| if let agent::ServerFrame::History { messages, .. } = f { Some(messages) } else { None })
        .await;
    assert_eq!(history.iter().map(|m| m.private).collect::<Vec<_>>(), [false, true, false]);

    lan.send(&agent::ClientFrame::Close { conversation_id: id.clone() }).await;
    visitor.until(|f| matches!(f, visitor::ServerFrame::Closed).then_some(())).await;
    visitor.send(&send("v2", "one more thing")).await;
    let refused =
        visitor.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!((refused.code, refused.client_id.as_deref()), (ErrorCode::Closed, Some("v2")));

    visitor.send(&visitor::ClientFrame::Rate { score: 9, comment: None }).await;
    let refused =
        visitor.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!(refused.code, ErrorCode::Invalid);
    visitor.send(&visitor::ClientFrame::Rate { score: 5, comment: Some("nhanh".into()) }).await;
    visitor.until(|f| matches!(f, visitor::ServerFrame::Rated).then_some(())).await;
    // Then the loyalty question (on by default): 0 to 10, once.
    visitor.until(|f| matches!(f, visitor::ServerFrame::AskRecommend).then_some(())).await;
    visitor.send(&visitor::ClientFrame::Recommend { score: 11 }).await;
    let refused =
        visitor.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!(refused.code, ErrorCode::Invalid);
    visitor.send(&visitor::ClientFrame::Recommend { score: 9 }).await;
    visitor.until(|f| matches!(f, visitor::ServerFrame::Recommended).then_some(())).await;
    visitor.send(&visitor::ClientFrame::Recommend { score: 2 }).await;
    let again = visitor.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert!(again.message.contains("answered once"), "{}", again.message);

    let (cookie, _) = login(&server, "minh").await;
    let ratings: Vec<AgentRatings> = reqwest::Client::new()
        .get(format!("{}/api/agent/ratings", server.http))
        .header("cookie", cookie)
        .answer()
        .await;
    assert_eq!(ratings.len(), 1);
    assert_eq!((ratings[0].agent.as_str(), ratings[0].average), ("lan", 5.0));
    assert_eq!(ratings[0].ratings[0].comment.as_deref(), Some("nhanh"));
}

#[tokio::test]
async fn reconnect_resumes_without_loss_or_duplicates() {
    let server = start(|_| {}).await;
    let started = start_conversation(&server.http).await;
    let id = started.conversation_id.clone();
    let (mut first, _) = visitor(&server, &started.visitor_token, 0).await;
    for i in 1..=3 {
        first.send(&send(&format!("c{i}"), &format!("message {i}"))).await;
        assert_eq!(first.until(ack_seq).await, i);
    }
    drop(first);

    // While the visitor is away an agent answers twice.
    let (mut lan, _, _) = agent(&server, "lan").await;
    for i in 1..=2 {
        lan.send(&agent::ClientFrame::Reply {
            conversation_id: id.clone(),
            client_id: format!("r{i}"),
            body: format!("reply {i}"),
        })
        .await;
        lan.until(|f| matches!(f, agent::ServerFrame::Ack(_)).then_some(())).await;
    }

    // The visitor had seen up to seq 1: it gets 2..=5 exactly once, in order.
    let (mut again, welcome) = visitor(&server, &started.visitor_token, 1).await;
    assert!(matches!(welcome, visitor::ServerFrame::Welcome { last_seq: 5, .. }), "{welcome:?}");
    let mut seqs = Vec::new();
    for _ in 0..4 {
        match again.recv().await {
            visitor::ServerFrame::Message(m) => seqs.push(m.seq),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seqs, [2, 3, 4, 5]);

    // Resending a message whose ack was lost stores nothing new and returns the original seq.
    again.send(&send("c3", "message 3")).await;
    let ack = again.until(|f| if let visitor::ServerFrame::Ack(a) = f { Some(a) } else { None }).await;
    assert_eq!((ack.seq, ack.duplicate), (3, true));
    again.send(&send("c4", "message 4")).await;
    let seq = again.until(ack_seq).await;
    assert_eq!(seq, 6);
    // The only live message after the replay is the new one: no duplicate of the resend.
    let live =
        again.until(|f| if let visitor::ServerFrame::Message(m) = f { Some(m.seq) } else { None }).await;
    assert_eq!(live, 6);

    let all: Vec<protocol::chat::ChatMessage> = reqwest::Client::new()
        .get(format!("{}/api/conversations/{id}/messages", server.http))
        .bearer_auth(&started.visitor_token)
        .answer()
        .await;
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn visitor_cannot_read_another_conversation() {
    let server = start(|_| {}).await;
    let alice = start_conversation(&server.http).await;
    let bob = start_conversation(&server.http).await;
    let (mut bob_socket, _) = visitor(&server, &bob.visitor_token, 0).await;
    bob_socket.send(&send("b1", "my address is secret")).await;
    bob_socket.until(ack_seq).await;

    let client = reqwest::Client::new();
    let url = format!("{}/api/conversations/{}/messages", server.http, bob.conversation_id);
    let with_alice = client.get(&url).bearer_auth(&alice.visitor_token).send().await.unwrap();
    assert_eq!(with_alice.status(), 404);
    assert!(!with_alice.text().await.unwrap().contains("secret"));
    assert_eq!(client.get(&url).bearer_auth("forged").send().await.unwrap().status(), 401);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401);

    // The socket has no way to name a conversation: the token decides, and a forged one is refused.
    let (_, refused) = visitor(&server, "forged", 0).await;
    assert!(matches!(refused, visitor::ServerFrame::Error(ref e) if e.code == ErrorCode::Unauthorized));
    let (_, welcome) = visitor(&server, &alice.visitor_token, 0).await;
    let visitor::ServerFrame::Welcome { conversation_id, last_seq, .. } = welcome else { panic!() };
    assert_eq!((conversation_id, last_seq), (alice.conversation_id, 0));
}

#[tokio::test]
async fn oversized_and_malformed_frames_are_rejected_without_crashing() {
    let server = start(|c| {
        c.limits.max_message_chars = 100;
        c.limits.max_frame_bytes = 4096;
    })
    .await;
    let started = start_conversation(&server.http).await;

    // Before the hello: garbage, or a valid frame that is not a hello, is refused and the socket closed.
    for (first, code) in [
        ("{not json", ErrorCode::Malformed),
        (r#"{"type":"typing","typing":true}"#, ErrorCode::HelloRequired),
    ] {
        let mut early = Visitor::connect(&format!("{}/ws/visitor", server.ws), &[]).await.unwrap();
        early.send_raw(Message::text(first)).await;
        let refused = early.recv().await;
        assert!(matches!(refused, visitor::ServerFrame::Error(ref e) if e.code == code), "{refused:?}");
        assert!(early.recv_or_close().await.is_none());
    }

    let (mut client, _) = visitor(&server, &started.visitor_token, 0).await;
    for junk in [
        Message::text("{not json"),
        Message::text(r#"{"type":"send","body":"no client id"}"#),
        Message::text(r#"{"type":"launch_missiles"}"#),
        Message::binary(vec![0u8, 159, 146, 150]),
    ] {
        client.send_raw(junk).await;
        let error =
            client.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
        assert_eq!(error.code, ErrorCode::Malformed);
    }
    client.send(&send("big", &"x".repeat(101))).await;
    let error = client.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!((error.code, error.client_id.as_deref()), (ErrorCode::TooLarge, Some("big")));
    client.send(&send("blank", "   ")).await;
    let error = client.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!(error.code, ErrorCode::Invalid);
    // Still usable after all that.
    client.send(&send("ok", "still here")).await;
    assert_eq!(client.until(ack_seq).await, 1);

    // A frame over the byte limit closes that socket...
    client
        .send_raw(Message::text(format!(
            r#"{{"type":"send","client_id":"huge","body":"{}"}}"#,
            "y".repeat(8000)
        )))
        .await;
    while client.recv_or_close().await.is_some() {}
    // ...and nothing else: the server answers, the conversation holds exactly what was acknowledged.
    let health = reqwest::get(format!("{}/healthz", server.http)).await.unwrap();
    assert_eq!(health.status(), 200);
    let (_, welcome) = visitor(&server, &started.visitor_token, 0).await;
    assert!(matches!(welcome, visitor::ServerFrame::Welcome { last_seq: 1, .. }), "{welcome:?}");

    // Oversized HTTP bodies are refused too.
    let body = format!(
        r#"{{"version":1,"context":{{"searches":["{}"],"articles":[],"page_url":"","lang":"vi"}}}}"#,
        "z".repeat(8000)
    );
    let response = reqwest::Client::new()
        .post(format!("{}/api/conversations", server.http))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn rate_limits_bite() {
    let server = start(|c| {
        c.limits.conversations_per_hour = 2;
        c.limits.messages_per_minute = 3;
        c.limits.logins_per_15_minutes = 3;
    })
    .await;
    let started = start_conversation(&server.http).await;
    start_conversation(&server.http).await;
    let third = start_conversation_raw(&server.http, context(None)).await;
    assert_eq!(third.status(), 429);
    let body: protocol::chat::ErrorFrame = third.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::RateLimited);

    let (mut client, _) = visitor(&server, &started.visitor_token, 0).await;
    for i in 1..=3 {
        client.send(&send(&format!("m{i}"), "hi")).await;
        assert_eq!(client.until(ack_seq).await, i);
    }
    client.send(&send("m4", "hi")).await;
    let error = client.until(|f| if let visitor::ServerFrame::Error(e) = f { Some(e) } else { None }).await;
    assert_eq!((error.code, error.client_id.as_deref()), (ErrorCode::RateLimited, Some("m4")));

    let attempt = |password: &'static str| {
        let url = format!("{}/api/agent/login", server.http);
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&protocol::rest::AgentLogin { username: "lan".into(), password: password.into() })
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(attempt("wrong").await, 401);
    assert_eq!(attempt("wrong again").await, 401);
    assert_eq!(attempt(PASSWORD).await, 200);
    assert_eq!(attempt(PASSWORD).await, 429, "even the right password waits once the limit is hit");
}

/// Behind HTTPS (issue 16): with its public URL set, the agent socket opens only from exactly that origin,
/// scheme included, and the session cookie is `Secure`.
#[tokio::test]
async fn behind_https_the_agent_socket_wants_the_public_origin_and_the_cookie_is_secure() {
    let server = start(|c| c.public_url = Some("https://chat.shop.example".parse().unwrap())).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/agent/login", server.http))
        .json(&protocol::rest::AgentLogin { username: "lan".into(), password: PASSWORD.into() })
        .send()
        .await
        .unwrap();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let url = format!("{}/ws/agent", server.ws);
    for page in ["http://chat.shop.example", "https://chat.shop.example:8443", "https://evil.example"] {
        let refused = Agent::connect(&url, &[("cookie", &cookie), ("origin", page)]).await;
        assert!(refused.is_err(), "{page} must not open the agent socket");
    }
    let host = server.http.trim_start_matches("http://").to_owned();
    let same_host = Agent::connect(&url, &[("cookie", &cookie), ("origin", &format!("http://{host}"))]).await;
    assert!(same_host.is_err(), "the host name alone no longer passes once the public URL is known");
    let opened = Agent::connect(&url, &[("cookie", &cookie), ("origin", "https://chat.shop.example")]).await;
    assert!(opened.is_ok(), "the public origin opens it");
}

#[tokio::test]
async fn agent_socket_needs_session_csrf_and_same_origin() {
    let server = start(|c| c.allowed_origins = vec!["https://shop.example".into()]).await;
    let url = format!("{}/ws/agent", server.ws);
    let no_session = Agent::connect(&url, &[]).await;
    assert!(no_session.is_err(), "upgrade refused without a session cookie");

    let (cookie, _) = login(&server, "lan").await;
    let host = server.http.trim_start_matches("http://").to_owned();
    let evil = Agent::connect(&url, &[("cookie", &cookie), ("origin", "https://evil.example")]).await;
    assert!(evil.is_err(), "a page on another origin cannot use the agent's cookie");

    let same = format!("http://{host}");
    let mut wrong_csrf = Agent::connect(&url, &[("cookie", &cookie), ("origin", &same)]).await.unwrap();
    wrong_csrf.send(&agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: "guess".into() }).await;
    let refused = wrong_csrf.recv().await;
    assert!(matches!(refused, agent::ServerFrame::Error(ref e) if e.code == ErrorCode::Unauthorized));

    // Logout needs the CSRF header.
    let logout = reqwest::Client::new()
        .post(format!("{}/api/agent/logout", server.http))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 403);

    // The visitor socket only opens from allowed pages.
    let visitor_url = format!("{}/ws/visitor", server.ws);
    assert!(Visitor::connect(&visitor_url, &[("origin", "https://evil.example")]).await.is_err());
    assert!(Visitor::connect(&visitor_url, &[("origin", "https://shop.example")]).await.is_ok());
}

#[tokio::test]
async fn offline_visitors_leave_a_message() {
    let server = start(|c| c.hours.expected_reply = "Trong 1 ngày làm việc".into()).await;
    let availability: protocol::rest::Availability =
        reqwest::get(format!("{}/api/availability", server.http)).await.unwrap().json().await.unwrap();
    assert!(!availability.online, "no agent is connected");
    assert_eq!(availability.expected_reply, "Trong 1 ngày làm việc");

    let leave = |email: &str| {
        let request = protocol::rest::LeaveMessage {
            version: PROTOCOL_VERSION,
            email: email.into(),
            name: Some("Hoa".into()),
            message: "Đơn hàng của tôi chưa tới".into(),
            context: context(Some("shipping")),
        };
        reqwest::Client::new().post(format!("{}/api/tickets", server.http)).json(&request).send()
    };
    assert_eq!(leave("").await.unwrap().status(), 400);
    assert_eq!(leave("not an email").await.unwrap().status(), 400);
    let created = leave("hoa@example.com").await.unwrap();
    assert_eq!(created.status(), 201);
    let ticket: protocol::rest::TicketCreated = created.json().await.unwrap();
    assert_eq!(ticket.expected_reply, "Trong 1 ngày làm việc");

    // The message waits in the inbox as a conversation, with the address to answer to…
    let (_lan, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { conversations, .. } = inbox else {
        panic!("expected the inbox, got {inbox:?}")
    };
    let left = conversations.iter().find(|c| c.id == ticket.conversation_id).expect("listed in the inbox");
    assert_eq!(left.team.as_deref(), Some("shipping"));
    let identity = left.context.identity.as_ref().unwrap();
    assert_eq!((identity.email.as_deref(), identity.name.as_deref()), (Some("hoa@example.com"), Some("Hoa")));
    assert_eq!(left.preview.as_deref(), Some("Đơn hàng của tôi chưa tới"));
    // …and the visitor's token reads it back (the widget shows the answer if they return).
    let history: Vec<protocol::chat::ChatMessage> = reqwest::Client::new()
        .get(format!("{}/api/conversations/{}/messages", server.http, ticket.conversation_id))
        .bearer_auth(&ticket.visitor_token)
        .answer()
        .await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].body, "Đơn hàng của tôi chưa tới");
}

#[tokio::test]
async fn the_console_is_served_under_a_strict_policy_with_its_assets_cached_for_good() {
    let build = tempfile::tempdir().unwrap();
    let boot = "import init from '/agent/console-1a2b.js'; await init();";
    std::fs::write(
        build.path().join("index.html"),
        format!("<html><head><script type=\"module\">{boot}</script></head></html>"),
    )
    .unwrap();
    std::fs::write(build.path().join("console-1a2b.js"), "export default () => {};").unwrap();
    std::fs::write(build.path().join("console-1a2b.js.br"), b"brotli bytes").unwrap();
    let dir = build.path().to_path_buf();
    let server = start(move |c| c.console_dir = Some(dir)).await;

    let page = reqwest::get(format!("{}/agent", server.http)).await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("'sha256-") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.text().await.unwrap().contains(boot));

    let asset = reqwest::get(format!("{}/agent/console-1a2b.js", server.http)).await.unwrap();
    assert_eq!(asset.status(), 200);
    assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(asset.text().await.unwrap(), "export default () => {};");
    let compressed = reqwest::Client::new()
        .get(format!("{}/agent/console-1a2b.js", server.http))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br", "the precompressed file beside it");
    for outside in ["/agent/../Cargo.toml", "/agent/%2e%2e/Cargo.toml", "/agent/missing.js"] {
        let response = reqwest::get(format!("{}{outside}", server.http)).await.unwrap();
        assert!(response.status().is_client_error(), "{outside}: {}", response.status());
    }
    let health = reqwest::get(format!("{}/healthz", server.http)).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn without_a_console_build_the_page_says_how_to_make_one() {
    let server = start(|_| {}).await;
    let page = reqwest::get(format!("{}/agent", server.http)).await.unwrap();
    assert_eq!(page.status(), 503);
    let text = page.text().await.unwrap();
    assert!(text.contains("--console-dir") && text.contains("cargo xtask demo"), "{text}");
}

#[tokio::test]
async fn widget_rest_calls_pass_cors_for_allowed_origins_only() {
    let server = start(|c| c.allowed_origins = vec!["https://shop.example".into()]).await;
    let preflight = |origin: &'static str, path: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, format!("{}{path}", server.http))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://shop.example", "/api/conversations").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://shop.example");
    let refused = preflight("https://evil.example", "/api/conversations").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    let agent_api = preflight("https://shop.example", "/api/agent/login").await.unwrap();
    assert!(
        agent_api.headers().get("access-control-allow-origin").is_none(),
        "agent routes are same-origin only"
    );
}

#[tokio::test]
async fn a_verified_visitors_earlier_conversations_come_with_its_history_and_closed_ones_with_the_inbox() {
    let secret = "host-site-secret";
    let server = start(|c| c.identity_secret = Some(secret.into())).await;
    let identity = |id: &str, signed: bool| protocol::Identity {
        id: id.into(),
        name: Some("An".into()),
        email: None,
        signature: signed.then(|| chat_server::auth::sign_identity(secret, id)),
    };
    let begin = |identity: protocol::Identity| {
        let mut context = crate::support::context(Some("returns"));
        context.identity = Some(identity);
        let http = server.http.clone();
        async move {
            let response = crate::support::start_conversation_raw(&http, context).await;
            response.json::<protocol::rest::ConversationStarted>().await.unwrap().conversation_id
        }
    };
    let first = begin(identity("u-1", true)).await;
    let second = begin(identity("u-1", true)).await;
    let forged = begin(identity("u-1", false)).await;
    begin(identity("u-2", true)).await;

    let (mut lan, _, _) = agent(&server, "lan").await;
    lan.send(&agent::ClientFrame::Close { conversation_id: first.clone() }).await;
    lan.until(|f| match f {
        agent::ServerFrame::Updated(s) if s.id == first && s.status == ConversationStatus::Closed => Some(()),
        _ => None,
    })
    .await;
    let history = |conversation: String| agent::ClientFrame::Open { conversation_id: conversation };
    let earlier_of = |f: agent::ServerFrame| match f {
        agent::ServerFrame::History { earlier, .. } => {
            Some(earlier.into_iter().map(|c| c.id).collect::<Vec<_>>())
        }
        _ => None,
    };
    lan.send(&history(second.clone())).await;
    assert_eq!(
        lan.until(earlier_of).await,
        [first.as_str()],
        "the same verified visitor, the other conversation"
    );
    lan.send(&history(forged)).await;
    assert!(lan.until(earlier_of).await.is_empty(), "an unverified id opens nobody's history");

    let (_, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { conversations, closed, .. } = inbox else { panic!("{inbox:?}") };
    assert_eq!(closed.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), [first.as_str()]);
    assert_eq!(conversations.len(), 3);
}

#[tokio::test]
async fn a_signature_on_the_id_alone_leaves_the_name_and_email_unverified() {
    let secret = "host-site-secret";
    let server = start(|c| c.identity_secret = Some(secret.into())).await;
    let summary_of = |signature: String| {
        let mut context = crate::support::context(Some("returns"));
        context.identity = Some(protocol::Identity {
            id: "user-17".into(),
            name: Some("Shop CEO".into()),
            email: Some("ceo@shop.example".into()),
            signature: Some(signature),
        });
        let http = server.http.clone();
        async move { crate::support::start_conversation_raw(&http, context).await.status() }
    };
    assert_eq!(summary_of(chat_server::auth::sign_identity(secret, "user-17")).await, 200);
    let full = chat_server::auth::sign_identity(secret, "user-17\nceo@shop.example\nShop CEO");
    assert_eq!(summary_of(full).await, 200);

    let (_, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { mut conversations, .. } = inbox else { panic!("{inbox:?}") };
    conversations.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.last_seq.cmp(&b.last_seq)));
    let vouched: Vec<(bool, bool)> =
        conversations.iter().map(|c| (c.identity_verified, c.identity_details_verified)).collect();
    assert!(vouched.contains(&(true, false)), "the id alone: {vouched:?}");
    assert!(vouched.contains(&(true, true)), "id, email and name: {vouched:?}");
    assert_eq!(vouched.len(), 2);
}

#[tokio::test]
async fn auto_assignment_fills_the_least_busy_agent_up_to_capacity_and_tells_visitors_their_place() {
    // vy works returns but takes one conversation at a time; lan takes the configured two.
    let server = start_with_agents(
        |c| {
            c.assignment.auto = true;
            c.assignment.capacity = 2;
        },
        &[("vy", &["returns"], Some(1))],
    )
    .await;
    let place = |f: visitor::ServerFrame| match f {
        visitor::ServerFrame::Queue(status) => Some(status),
        _ => None,
    };
    let mut visitors = Vec::new();
    for _ in 0..2 {
        let started = start_conversation(&server.http).await;
        let (client, _) = visitor(&server, &started.visitor_token, 0).await;
        visitors.push((started.conversation_id, client));
    }
    // Nobody online: both wait, in order, and no wait is promised from a desk with no answers yet.
    for (n, (_, client)) in visitors.iter_mut().enumerate() {
        let status = client.until(place).await;
        assert_eq!((status.position, status.expected_wait_secs), (n as u32 + 1, None));
    }

    // vy comes online: the oldest goes to her; she is then full, so the second moves up to first.
    let (mut vy, _, _) = agent(&server, "vy").await;
    let assigned_to = |id: String, who: &'static str| {
        move |f: agent::ServerFrame| match f {
            agent::ServerFrame::Updated(s) if s.id == id && s.assignee.as_deref() == Some(who) => Some(()),
            _ => None,
        }
    };
    let (first, second) = (visitors[0].0.clone(), visitors[1].0.clone());
    vy.until(assigned_to(first.clone(), "vy")).await;
    assert_eq!(visitors[0].1.until(place).await.position, 0, "taken");
    assert_eq!(visitors[1].1.until(place).await.position, 1, "moved up");

    // lan comes online and takes the second; a third conversation also goes to lan, who holds more than
    // vy but is below capacity, while vy is at hers.
    let (mut lan, _, _) = agent(&server, "lan").await;
    lan.until(assigned_to(second, "lan")).await;
    let third = start_conversation(&server.http).await;
    lan.until(assigned_to(third.conversation_id.clone(), "lan")).await;

    // Everyone is full: a fourth waits until vy closes hers, then goes to vy.
    let fourth = start_conversation(&server.http).await;
    let (mut waiting, _) = visitor(&server, &fourth.visitor_token, 0).await;
    assert_eq!(waiting.until(place).await.position, 1);
    vy.send(&agent::ClientFrame::Close { conversation_id: first }).await;
    vy.until(assigned_to(fourth.conversation_id.clone(), "vy")).await;
    assert_eq!(waiting.until(place).await.position, 0);

    // minh (shipping) never got a returns conversation, online or not.
    let (_, inbox, _) = agent(&server, "minh").await;
    let agent::ServerFrame::Inbox { conversations, .. } = inbox else { panic!("{inbox:?}") };
    assert!(conversations.iter().all(|c| c.assignee.as_deref() != Some("minh")));
    assert_eq!(conversations.iter().filter(|c| c.assignee.as_deref() == Some("lan")).count(), 2);
}

/// A two-language help center as kb-builder lays it out: entries and chunks beside `manifest.json`.
#[allow(clippy::unwrap_used)] // a test helper: a failure should panic right here
fn write_help_center(dir: &std::path::Path) {
    let article = |id: &str, lang: kb_core::Lang, title: &str, summary: &str| kb_core::Article {
        id: id.into(),
        lang,
        title: title.into(),
        category: "returns".into(),
        tags: Vec::new(),
        questions: Vec::new(),
        summary: summary.into(),
        team: Some("returns".into()),
        url: format!("/{lang}/returns/{id}/"),
        body_html: format!("<p>{summary}</p>"),
        body_text: summary.into(),
    };
    let mut indexer = kb_core::Indexer::new().unwrap();
    for a in [
        article("return-policy", kb_core::Lang::Vi, "Chính sách đổi trả", "Đổi trả miễn phí trong 30 ngày."),
        article("warranty", kb_core::Lang::Vi, "Bảo hành sản phẩm", "Bảo hành 12 tháng tại cửa hàng."),
        article("return-policy", kb_core::Lang::En, "Return policy", "Free returns within 30 days."),
    ] {
        indexer.add(&a).unwrap();
    }
    let split = indexer.finish().unwrap();
    let mut entries = serde_json::Map::new();
    for (lang, name, bytes) in &split.entries {
        std::fs::write(dir.join(name), bytes).unwrap();
        entries.insert(lang.to_string(), serde_json::json!({ "file": name }));
    }
    for (name, bytes) in &split.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let manifest = serde_json::json!({ "entries": entries });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

/// A server over a help center written by [`write_help_center`] (kept while the folder lives).
async fn start_with_help_center(tweak: impl FnOnce(&mut chat_server::Config)) -> (Server, tempfile::TempDir) {
    let help = tempfile::tempdir().expect("a temporary folder");
    write_help_center(help.path());
    let dir = help.path().to_path_buf();
    let server = start(move |c| {
        c.help_center.dir = Some(dir);
        tweak(c);
    })
    .await;
    (server, help)
}

#[tokio::test]
async fn agents_search_the_help_center_to_insert_an_article_accents_or_not() {
    let (server, _help) =
        start_with_help_center(|c| c.help_center.url = Some("https://help.shop.example/".into())).await;
    let (cookie, _) = login(&server, "lan").await;
    let search = |query: &str, lang: Option<&str>, cookie: Option<&str>| {
        let mut request =
            reqwest::Client::new().get(format!("{}/api/agent/articles", server.http)).query(&[("q", query)]);
        if let Some(lang) = lang {
            request = request.query(&[("lang", lang)]);
        }
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.timeout(WAIT).send()
    };
    let cards = |response: reqwest::Response| response.json::<Vec<protocol::rest::ArticleCard>>();
    let found = cards(search("chinh sach doi", None, Some(&cookie)).await.unwrap()).await.unwrap();
    let first = &found[0];
    assert_eq!((first.id.as_str(), first.lang.as_str()), ("return-policy", "vi"), "{found:?}");
    assert_eq!(first.url, "https://help.shop.example/vi/returns/return-policy/");
    assert_eq!(first.summary, "Đổi trả miễn phí trong 30 ngày.");

    // The conversation's language narrows it; a word still being typed matches as a prefix.
    let english = cards(search("retu", Some("en"), Some(&cookie)).await.unwrap()).await.unwrap();
    let english: Vec<_> = english.iter().map(|c| (c.id.as_str(), c.lang.as_str())).collect();
    assert_eq!(english, [("return-policy", "en")]);

    assert_eq!(search("doi tra", None, None).await.unwrap().status(), 401, "agents only");
    let without = start(|_| {}).await;
    let (cookie, _) = login(&without, "lan").await;
    let refused = reqwest::Client::new()
        .get(format!("{}/api/agent/articles?q=doi", without.http))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.text().await.unwrap().contains("--help-center-dir"));
}

/// Regression (issue 16): the team a conversation went to came from the hand-over context, which the
/// visitor's browser sends, so any visitor could pick the queue they land in. With the help center at
/// hand, chat-server routes by what its built articles say.
#[tokio::test]
async fn routing_follows_the_help_center_not_the_team_the_visitor_names() {
    let (server, _help) = start_with_help_center(|c| c.routing.default_team = Some("support".into())).await;
    let team = |context: protocol::EscalationContext| {
        let http = server.http.clone();
        async move {
            let response = start_conversation_raw(&http, context).await;
            assert_eq!(response.status(), 200);
            response.json::<protocol::rest::ConversationStarted>().await.unwrap().team
        }
    };
    // return-policy's front matter says `returns`; the visitor says `vip`.
    assert_eq!(team(crate::support::context(Some("vip"))).await.as_deref(), Some("returns"));
    // An article the help center does not have routes nowhere: the default team.
    let mut unknown = crate::support::context(Some("vip"));
    unknown.articles[0].id = "no-such-article".into();
    unknown.articles[0].category = Some("vip-lounge".into());
    assert_eq!(team(unknown).await.as_deref(), Some("support"));
    // What agents read in the hand-over is the help center's word too.
    let (_, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { conversations, .. } = inbox else { panic!("{inbox:?}") };
    let mut read: Vec<(String, Option<String>, Option<String>)> = conversations
        .iter()
        .flat_map(|c| c.context.articles.iter().map(|a| (a.id.clone(), a.team.clone(), a.category.clone())))
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            ("no-such-article".into(), None, None),
            ("return-policy".into(), Some("returns".into()), Some("returns".into()))
        ]
    );
}

/// What the console's search box asks chat-server: the ids found, newest first.
async fn search_conversations(server: &Server, cookie: Option<&str>, query: &str) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().get(format!("{}/api/agent/conversations", server.http)).query(&[("q", query)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.timeout(WAIT).send().await.expect("the search answers")
}

async fn found_ids(server: &Server, cookie: &str, query: &str) -> Vec<String> {
    let response = search_conversations(server, Some(cookie), query).await;
    assert_eq!(response.status(), 200, "{query:?}");
    let found: Vec<protocol::chat::ConversationSummary> = response.json().await.expect("summaries");
    found.into_iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn agents_search_every_conversation_and_message_without_tone_marks() {
    let server = start(|_| {}).await;
    let mut context = crate::support::context(Some("returns"));
    context.identity = Some(protocol::Identity {
        id: "u-7".into(),
        name: Some("Nguyễn Thị Hoa".into()),
        email: Some("hoa@shop.vn".into()),
        signature: None,
    });
    let washer = crate::support::start_conversation_raw(&server.http, context).await;
    let washer: protocol::rest::ConversationStarted = washer.json().await.unwrap();
    let (mut hoa, _) = visitor(&server, &washer.visitor_token, 0).await;
    hoa.send(&send("w1", "Máy giặt của tôi bị hỏng, ko đc bảo hành?")).await;
    hoa.until(ack_seq).await;
    let shirt = start_conversation(&server.http).await;
    let (mut other, _) = visitor(&server, &shirt.visitor_token, 0).await;
    other.send(&send("s1", "Tôi muốn đổi size áo")).await;
    other.until(ack_seq).await;

    let (mut lan, _, cookie) = agent(&server, "lan").await;
    let shirt_id = shirt.conversation_id.clone();
    lan.send(&agent::ClientFrame::Note {
        conversation_id: shirt_id.clone(),
        client_id: "n1".into(),
        body: "Khách VIP, đổi miễn phí".into(),
    })
    .await;
    lan.send(&agent::ClientFrame::Close { conversation_id: shirt_id.clone() }).await;
    lan.until(|f| match f {
        agent::ServerFrame::Updated(s) if s.id == shirt_id && s.status == ConversationStatus::Closed => {
            Some(())
        }
        _ => None,
    })
    .await;

    let washer_id = washer.conversation_id.as_str();
    for query in ["may giat", "MÁY", "bao hanh ko", "hoa", "nguyen", "hoa@shop.vn", "u-7"] {
        assert_eq!(found_ids(&server, &cookie, query).await, [washer_id], "{query:?}");
    }
    // A closed conversation is found by its messages, private notes included.
    for query in ["doi size", "vip", "mien phi"] {
        assert_eq!(found_ids(&server, &cookie, query).await, [shirt_id.as_str()], "{query:?}");
    }
    // Both searched "đổi trả hàng" before asking; newest first.
    assert_eq!(found_ids(&server, &cookie, "doi tra").await, [shirt_id.as_str(), washer_id]);
    // Every word must be in the same conversation, and start a word there.
    for query in ["giat size", "iat", "", "%", "_", "   "] {
        assert!(found_ids(&server, &cookie, query).await.is_empty(), "{query:?}");
    }
    assert_eq!(search_conversations(&server, None, "may giat").await.status(), 401, "agents only");
}

#[tokio::test]
async fn conversations_stored_before_the_search_existed_are_found_after_a_restart() {
    use chat_server::db::{NewConversation, NewMessage};
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::database_url(&dir.path().join("chat.db")).await;
    let db = chat_server::db::connect(&url).await.unwrap();
    let new = NewConversation {
        id: "c-old".into(),
        token_hash: "hash".into(),
        team: None,
        context: crate::support::context(None),
        identity_verified: false,
        identity_details_verified: false,
    };
    db.create_conversation(new).await.unwrap();
    // More messages than one backfill batch, the word to find in the last.
    let bodies = (1..=600).map(|n| format!("tin nhắn {n}")).chain(["Bảo hành tủ lạnh".to_owned()]);
    for body in bodies {
        let message = NewMessage { author: Author::Visitor, client_id: None, body, private: false };
        db.append_message("c-old", message).await.unwrap();
    }
    drop(db);
    // As the previous release left them: no folded text.
    let clear = ["UPDATE conversations SET search_text = NULL", "UPDATE messages SET search_text = NULL"];
    if url.starts_with("postgres") {
        let raw = sqlx::PgPool::connect(&url).await.unwrap();
        for sql in clear {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
    } else {
        let raw = sqlx::SqlitePool::connect(&format!("sqlite://{url}")).await.unwrap();
        for sql in clear {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
    }

    let db = chat_server::db::connect(&url).await.unwrap();
    let ids =
        |found: Vec<protocol::chat::ConversationSummary>| found.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(ids(db.search("tu lanh", 10).await.unwrap()), ["c-old"], "messages folded at start");
    assert_eq!(ids(db.search("chinh sach", 10).await.unwrap()), ["c-old"], "and the article read");
}

#[tokio::test]
async fn a_flood_of_typing_and_read_hints_reaches_agents_as_a_few_and_keeps_them_connected() {
    let server = start(|_| {}).await;
    let (mut lan, _, _) = agent(&server, "lan").await;
    let started = start_conversation(&server.http).await;
    let (mut visitor, _) = visitor(&server, &started.visitor_token, 0).await;
    visitor.send(&send("m1", "Xin chào")).await;
    visitor.until(ack_seq).await;
    // 2,000 typing toggles and 1,000 read marks, many past the end of the conversation, as fast as the
    // socket takes them; the flood ends on "stopped typing".
    for n in 0..2000_u64 {
        visitor.send(&visitor::ClientFrame::Typing { typing: n % 2 == 0 }).await;
        if n % 2 == 0 {
            visitor.send(&visitor::ClientFrame::Read { up_to_seq: n * 1000 }).await;
        }
    }
    // The stop waits out the gap, then goes through.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    visitor.send(&send("m2", "Còn đó không?")).await;
    let (mut typing, mut reads) = (Vec::new(), Vec::new());
    lan.until(|frame| match frame {
        agent::ServerFrame::Typing { typing: t, .. } => {
            typing.push(t);
            None
        }
        agent::ServerFrame::Read { up_to_seq, .. } => {
            reads.push(up_to_seq);
            None
        }
        agent::ServerFrame::Message { message, .. } => (message.body == "Còn đó không?").then_some(()),
        _ => None,
    })
    .await;
    // One change per half second of flood at most (a slow runner takes longer over the 3,000 frames).
    assert!((2..=20).contains(&typing.len()), "typing coalesced: {typing:?}");
    assert_eq!(typing.last(), Some(&false), "the agent is not left seeing \"typing…\"");
    assert_eq!(reads, [1], "only the mark that moved, never past what the visitor was sent");
}

/// The close code the server ends `socket` with (skipping frames before it).
async fn close_code(agent: &mut Agent) -> Option<u16> {
    use futures_util::StreamExt;
    loop {
        let next = tokio::time::timeout(WAIT, agent.socket.next()).await.expect("no close within the wait");
        match next {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return None,
        }
    }
}

#[tokio::test]
async fn logging_out_or_a_new_password_closes_the_agents_open_sockets() {
    let server = start(|_| {}).await;
    let (cookie, session) = login(&server, "lan").await;
    let mut tab = Agent::connect(&format!("{}/ws/agent", server.ws), &[("cookie", &cookie)]).await.unwrap();
    tab.send(&agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: session.csrf.clone() }).await;
    assert!(matches!(tab.recv().await, agent::ServerFrame::Inbox { .. }));
    // lan is logged in on another device too.
    let (mut phone, _, _) = agent(&server, "lan").await;

    let logout = reqwest::Client::new()
        .post(format!("{}/api/agent/logout", server.http))
        .header("cookie", &cookie)
        .header("x-csrf-token", &session.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(close_code(&mut tab).await, Some(agent::CLOSE_LOGGED_OUT), "the open tab is cut off at once");
    let again = Agent::connect(&format!("{}/ws/agent", server.ws), &[("cookie", &cookie)]).await;
    assert!(again.is_err(), "the old cookie opens no socket");

    // The other device's session is its own: it still works…
    phone.send(&agent::ClientFrame::Open { conversation_id: "nope".into() }).await;
    assert!(matches!(phone.recv().await, agent::ServerFrame::Error(_)));
    // …until lan's password changes (`chat-server agent add` again): its next action is refused.
    let db = chat_server::db::connect(&server.database_url).await.unwrap();
    let lan = protocol::rest::AgentInfo {
        username: "lan".into(),
        display_name: "Lan".into(),
        teams: vec!["returns".into()],
    };
    db.upsert_agent(&lan, &chat_server::auth::hash_password("a new password!").unwrap(), None).await.unwrap();
    phone.send(&agent::ClientFrame::Open { conversation_id: "nope".into() }).await;
    assert_eq!(close_code(&mut phone).await, Some(agent::CLOSE_LOGGED_OUT));
}

#[tokio::test]
async fn an_oversized_hand_over_is_cut_before_it_reaches_the_agents() {
    let server = start(|_| {}).await;
    let mut context = crate::support::context(Some("returns"));
    // About 60 KB of context: what the visitor's client chooses, resent with every summary.
    context.searches = (0..300).map(|n| format!("tìm {n} {}", "đ".repeat(60))).collect();
    context.page_url = format!("https://shop.example/?q={}", "x".repeat(8000));
    let response = crate::support::start_conversation_raw(&server.http, context).await;
    assert_eq!(response.status(), 200);
    let started: protocol::rest::ConversationStarted = response.json().await.unwrap();
    let (_, inbox, _) = agent(&server, "lan").await;
    let agent::ServerFrame::Inbox { conversations, .. } = inbox else { panic!("{inbox:?}") };
    let summary = conversations.iter().find(|c| c.id == started.conversation_id).unwrap();
    let searches = &summary.context.searches;
    assert_eq!(searches.len(), protocol::CONTEXT_ITEMS);
    assert!(searches[0].starts_with("tìm 280 "), "the latest are kept: {}", searches[0]);
    assert_eq!(summary.context.page_url.chars().count(), protocol::CONTEXT_URL_CHARS);
    assert!(serde_json::to_string(summary).unwrap().len() < 8_000, "small enough for every summary");
}

#[tokio::test]
async fn a_message_of_invisible_characters_alone_is_refused() {
    let server = start(|_| {}).await;
    let started = start_conversation(&server.http).await;
    let (mut visitor, _) = visitor(&server, &started.visitor_token, 0).await;
    // Zero-width space, joiner and no-break space, a right-to-left override, a line break.
    visitor.send(&send("blank", "\u{200B}\u{200D}\u{FEFF}\u{202E}\n")).await;
    let refused = visitor
        .until(|f| match f {
            visitor::ServerFrame::Error(e) => Some(e),
            visitor::ServerFrame::Ack(ack) => panic!("stored: {ack:?}"),
            _ => None,
        })
        .await;
    assert_eq!((refused.code, refused.client_id.as_deref()), (ErrorCode::Invalid, Some("blank")));
    // Visible text with a direction control in it is a message like any other (the console shows the
    // control as a tag).
    visitor.send(&send("shown", "hóa đơn\u{202E}fdp.exe")).await;
    assert!(visitor.until(ack_seq).await > 0);
    let left = protocol::rest::LeaveMessage {
        version: PROTOCOL_VERSION,
        email: "hoa@shop.vn".into(),
        name: None,
        message: "\u{200B}\u{2060}".into(),
        context: crate::support::context(None),
    };
    let response =
        reqwest::Client::new().post(format!("{}/api/tickets", server.http)).json(&left).send().await.unwrap();
    assert_eq!(response.status(), 400, "nor left as a message");
}

#[tokio::test]
async fn a_conversation_given_back_puts_its_visitor_in_line_again() {
    let server = start(|_| {}).await;
    let started = start_conversation(&server.http).await;
    let (mut visitor, _) = visitor(&server, &started.visitor_token, 0).await;
    let place = |frame| match frame {
        visitor::ServerFrame::Queue(status) => Some(status.position),
        _ => None,
    };
    assert_eq!(visitor.until(place).await, 1, "waiting, first in line");
    let (mut lan, _, _) = agent(&server, "lan").await;
    let id = started.conversation_id.clone();
    let assign = |assignee: Option<&str>| agent::ClientFrame::Assign {
        conversation_id: id.clone(),
        assignee: assignee.map(str::to_owned),
        team: None,
    };
    lan.send(&assign(Some("lan"))).await;
    assert_eq!(visitor.until(place).await, 0, "taken");
    lan.send(&assign(None)).await;
    assert_eq!(visitor.until(place).await, 1, "given back: in line again, without reconnecting");
    // And the socket watches the line again: taken once more, it hears so.
    lan.send(&assign(Some("lan"))).await;
    assert_eq!(visitor.until(place).await, 0);
}
