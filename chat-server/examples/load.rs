//! Measures connections held and message latency on one in-process chat-server with a temp SQLite file.
//!
//! `cargo run -p chat-server --example load -- [visitors] [messages per visitor]`
//!
//! Each visitor starts a conversation and holds a socket; one agent socket watches everything. Then all
//! visitors send at once, each waiting for its ack before the next message. Reported: ack latency
//! (send → committed and acknowledged) and delivery latency (send → the agent's socket has it).
#![allow(clippy::unwrap_used)] // A measurement tool: fail loudly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use protocol::rest::{AgentInfo, AgentLogin, AgentSession, ConversationStarted, StartConversation};
use protocol::{EscalationContext, PROTOCOL_VERSION, agent, visitor};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().unwrap()).collect();
    let visitors = args.first().copied().unwrap_or(500);
    let messages = args.get(1).copied().unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let mut config = chat_server::Config {
        database_url: dir.path().join("load.db").display().to_string(),
        ..chat_server::Config::default()
    };
    config.limits.conversations_per_hour = u32::MAX;
    config.limits.messages_per_minute = u32::MAX;
    let db = chat_server::db::connect(&config.database_url).await.unwrap();
    let info = AgentInfo { username: "lan".into(), display_name: "Lan".into(), teams: vec![] };
    db.upsert_agent(&info, &chat_server::auth::hash_password("load test password").unwrap()).await.unwrap();
    drop(db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(chat_server::serve(config, listener, std::future::pending()));
    let http = reqwest::Client::new();

    // The agent records when each visitor message reaches it.
    let login = http
        .post(format!("http://{address}/api/agent/login"))
        .json(&AgentLogin { username: "lan".into(), password: "load test password".into() })
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let session: AgentSession = login.json().await.unwrap();
    let mut request = format!("ws://{address}/ws/agent").into_client_request().unwrap();
    request.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut agent_socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: session.csrf };
    agent_socket.send(Message::text(serde_json::to_string(&hello).unwrap())).await.unwrap();
    let arrived: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let seen = arrived.clone();
    tokio::spawn(async move {
        while let Some(Ok(Message::Text(text))) = agent_socket.next().await {
            if let Ok(agent::ServerFrame::Message { message, .. }) = serde_json::from_str(text.as_str())
                && let Some(id) = message.client_id
            {
                seen.lock().unwrap().insert(id, Instant::now());
            }
        }
    });

    let connect_started = Instant::now();
    let mut sockets = Vec::with_capacity(visitors);
    for _ in 0..visitors {
        let started: ConversationStarted = http
            .post(format!("http://{address}/api/conversations"))
            .json(&StartConversation { version: PROTOCOL_VERSION, context: EscalationContext::default() })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (mut socket, _) =
            tokio_tungstenite::connect_async(format!("ws://{address}/ws/visitor")).await.unwrap();
        let hello = visitor::ClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: started.visitor_token,
            after_seq: 0,
        };
        socket.send(Message::text(serde_json::to_string(&hello).unwrap())).await.unwrap();
        socket.next().await.unwrap().unwrap(); // welcome
        sockets.push(socket);
    }
    println!("{visitors} visitor sockets + 1 agent socket open in {:?}", connect_started.elapsed());

    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let run_started = Instant::now();
    let mut tasks = Vec::new();
    for (v, mut socket) in sockets.into_iter().enumerate() {
        let sent_at = sent_at.clone();
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::with_capacity(messages);
            for m in 0..messages {
                let client_id = format!("v{v}m{m}");
                let frame =
                    visitor::ClientFrame::Send { client_id: client_id.clone(), body: "Xin chào".into() };
                let start = Instant::now();
                sent_at.lock().unwrap().insert(client_id.clone(), start);
                socket.send(Message::text(serde_json::to_string(&frame).unwrap())).await.unwrap();
                loop {
                    let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("socket closed") };
                    if let Ok(visitor::ServerFrame::Ack(ack)) = serde_json::from_str(text.as_str())
                        && ack.client_id == client_id
                    {
                        acks.push(start.elapsed());
                        break;
                    }
                }
            }
            (socket, acks)
        }));
    }
    let mut acks = Vec::new();
    let mut held = Vec::new();
    for task in tasks {
        let (socket, mut latencies) = task.await.unwrap();
        acks.append(&mut latencies);
        held.push(socket);
    }
    let elapsed = run_started.elapsed();
    // Give the agent's socket a bounded moment to drain the last messages.
    let deadline = Instant::now() + Duration::from_secs(10);
    while arrived.lock().unwrap().len() < acks.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = sent_at.lock().unwrap();
    let mut delivery: Vec<Duration> = arrived.lock().unwrap().iter().map(|(id, at)| *at - sent[id]).collect();
    println!(
        "{} messages committed and acked in {elapsed:?} ({:.0} msg/s); agent received {}",
        acks.len(),
        acks.len() as f64 / elapsed.as_secs_f64(),
        delivery.len()
    );
    report("ack latency (send → committed → ack)", &mut acks);
    report("delivery latency (visitor send → agent socket)", &mut delivery);
    println!("sockets still held: {}", held.len() + 1);
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!("{name}: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}", at(0.5), at(0.9), at(0.99), at(1.0));
}
