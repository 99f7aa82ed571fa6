//! Attacks on the server itself (issue 16): guessing passwords from many addresses, hiding behind the
//! proxy's address, holding connections open, opening sockets by the hundred, and sniffable answers.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{PASSWORD, Visitor, WAIT, context, start, start_conversation};
use protocol::chat::{ErrorCode, ErrorFrame};
use protocol::rest::{AgentLogin, StartConversation};

/// Logs in as `username` with `password`, the request forwarded for `client` by the proxy.
async fn login_from(http: &str, client: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{http}/api/agent/login"))
        .header("x-forwarded-for", client)
        .json(&AgentLogin { username: username.into(), password: password.into() })
        .timeout(WAIT)
        .send()
        .await
        .unwrap()
}

async fn start_from(http: &str, client: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{http}/api/conversations"))
        .header("x-forwarded-for", client)
        .json(&StartConversation { version: protocol::PROTOCOL_VERSION, context: context(None) })
        .timeout(WAIT)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn failed_logins_lock_the_account_whatever_address_they_come_from() {
    let server = start(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.limits.login_failures_before_lockout = 3;
    })
    .await;
    // Each guess from another address: a per-address limit would never bite.
    for n in 1..=2 {
        let guess = login_from(&server.http, &format!("203.0.113.{n}"), "lan", "guess").await;
        assert_eq!(guess.status(), 401);
    }
    let third = login_from(&server.http, "203.0.113.3", "lan", "guess").await;
    assert_eq!(third.status(), 429, "the third failure locks the account");
    let refusal: ErrorFrame = third.json().await.unwrap();
    assert_eq!(refusal.code, ErrorCode::RateLimited);
    assert!(refusal.message.contains("30 seconds"), "{}", refusal.message);
    // Locked means locked, even with the right password, from anywhere.
    let right = login_from(&server.http, "198.51.100.7", "lan", PASSWORD).await;
    assert_eq!(right.status(), 429);
    // Another account is not touched.
    assert_eq!(login_from(&server.http, "203.0.113.1", "minh", PASSWORD).await.status(), 200);
    // An unknown username locks the same way, so a lock tells nobody which accounts exist.
    for _ in 0..2 {
        assert_eq!(login_from(&server.http, "203.0.113.9", "nobody", "guess").await.status(), 401);
    }
    assert_eq!(login_from(&server.http, "203.0.113.9", "nobody", "guess").await.status(), 429);
}

#[tokio::test]
async fn a_good_password_starts_the_count_again() {
    let server = start(|c| c.limits.login_failures_before_lockout = 3).await;
    for _ in 0..2 {
        assert_eq!(login_from(&server.http, "x", "lan", "guess").await.status(), 401);
    }
    assert_eq!(login_from(&server.http, "x", "lan", PASSWORD).await.status(), 200);
    for _ in 0..2 {
        assert_eq!(login_from(&server.http, "x", "lan", "guess").await.status(), 401, "counted from zero");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_count_per_visitor_and_forged_hops_are_ignored() {
    let server = start(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.limits.conversations_per_hour = 2;
    })
    .await;
    assert_eq!(start_from(&server.http, "203.0.113.1").await, 200);
    assert_eq!(start_from(&server.http, "203.0.113.1").await, 200);
    assert_eq!(start_from(&server.http, "203.0.113.1").await, 429, "this visitor is over the limit");
    assert_eq!(start_from(&server.http, "203.0.113.2").await, 200, "the next visitor is not");
    // A visitor who writes a hop of their own: the proxy appends the real address after it.
    assert_eq!(start_from(&server.http, "10.9.9.9, 203.0.113.1").await, 429);
}

#[tokio::test]
async fn without_trusted_proxies_forwarded_addresses_are_the_clients_own_claim() {
    let server = start(|c| c.limits.conversations_per_hour = 2).await;
    assert_eq!(start_from(&server.http, "203.0.113.1").await, 200);
    assert_eq!(start_from(&server.http, "203.0.113.2").await, 200);
    assert_eq!(start_from(&server.http, "203.0.113.3").await, 429, "every claim is the same peer");
}

/// Reads until the server closes the connection; false if it is still open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn half_sent_and_idle_connections_are_closed_and_one_address_holds_only_a_few() {
    let server = start(|c| {
        c.limits.header_timeout_secs = 1;
        c.limits.connections_per_ip = 3;
    })
    .await;
    let address = server.http.trim_start_matches("http://").to_owned();
    // Slowloris: headers that never end.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await, "half-sent headers time out");
    // A kept-alive connection that goes quiet after its request.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await, "an idle connection times out");

    // Three open connections from one address; the fourth is closed at once, and the server still
    // answers everyone else once a place frees up.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fourth = TcpStream::connect(&address).await.unwrap();
    let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, fourth.read_to_end(&mut answer)).await.unwrap();
    assert!(answer.is_empty(), "refused without an answer: {}", String::from_utf8_lossy(&answer));
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reqwest::get(format!("{}/healthz", server.http)).await.unwrap().status(), 200);
}

#[tokio::test]
async fn one_address_opens_only_so_many_sockets() {
    let server = start(|c| c.limits.sockets_per_ip = 2).await;
    let started = start_conversation(&server.http).await;
    let url = format!("{}/ws/visitor", server.ws);
    let first = Visitor::connect(&url, &[]).await.unwrap();
    let _second = Visitor::connect(&url, &[]).await.unwrap();
    let third = Visitor::connect(&url, &[]).await;
    assert!(format!("{:?}", third.err().unwrap()).contains("429"), "the third socket is refused");
    drop(first);
    // The place comes back once the socket has gone.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if Visitor::connect(&url, &[]).await.is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the place never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(started);
}

#[tokio::test]
async fn every_answer_says_nosniff_and_leaks_no_referrer() {
    let server = start(|_| {}).await;
    for path in ["/healthz", "/api/agent/session", "/api/availability", "/agent"] {
        let response = reqwest::get(format!("{}{path}", server.http)).await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
}

#[tokio::test]
async fn a_socket_that_stops_answering_pings_is_dropped_and_one_that_answers_stays() {
    use futures_util::StreamExt;
    use protocol::visitor;
    use tokio_tungstenite::tungstenite::Message;

    let server = start(|config| config.limits.ping_secs = 1).await;
    let first = start_conversation(&server.http).await;
    let second = start_conversation(&server.http).await;
    let (mut silent, _) = crate::support::visitor(&server, &first.visitor_token, 0).await;
    let (mut answering, _) = crate::support::visitor(&server, &second.visitor_token, 0).await;
    // The answering client reads for 3.5 s, and tungstenite answers each ping as it reads; the silent one
    // reads nothing, so its pings go unanswered.
    let until = tokio::time::Instant::now() + Duration::from_millis(3500);
    while let Ok(next) = tokio::time::timeout_at(until, answering.socket.next()).await {
        assert!(
            matches!(next, Some(Ok(Message::Ping(_) | Message::Text(_)))),
            "the answering socket ended: {next:?}"
        );
    }
    // The silent one was dropped: what was sent before comes first, then the end.
    let ended = tokio::time::timeout(WAIT, async {
        while let Some(Ok(message)) = silent.socket.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the silent socket is still open after three unanswered pings");
    answering.send(&visitor::ClientFrame::Send { client_id: "a1".into(), body: "still here".into() }).await;
    answering.until(|f| matches!(f, visitor::ServerFrame::Ack(_)).then_some(())).await;
}

#[tokio::test]
async fn past_its_memory_budget_the_server_refuses_new_conversations_and_sockets_cleanly() {
    use protocol::visitor;

    // A budget below what any server holds: everything new is refused, cleanly.
    let tight = start(|config| config.limits.max_memory_mb = Some(1)).await;
    let refused = crate::support::start_conversation_raw(&tight.http, context(Some("returns"))).await;
    assert_eq!(refused.status(), 503);
    let error: ErrorFrame = refused.json().await.unwrap();
    assert!(error.message.contains("short of memory"), "{}", error.message);
    let socket = Visitor::connect(&format!("{}/ws/visitor", tight.ws), &[]).await;
    assert!(socket.is_err(), "a socket opened past the budget");
    assert_eq!(reqwest::get(format!("{}/healthz", tight.http)).await.unwrap().status(), 200, "still serving");

    // A budget the server fits in: nothing changes.
    let roomy = start(|config| config.limits.max_memory_mb = Some(64 * 1024)).await;
    let started = start_conversation(&roomy.http).await;
    let (mut guest, _) = crate::support::visitor(&roomy, &started.visitor_token, 0).await;
    guest.send(&visitor::ClientFrame::Send { client_id: "m1".into(), body: "xin chào".into() }).await;
    guest.until(|f| matches!(f, visitor::ServerFrame::Ack(_)).then_some(())).await;
}
