//! kill -9 the real binary while a visitor is sending; after a restart every acknowledged message is there.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use crate::support::{Fetch, Process, Visitor, WAIT, spawn_chat_server};
use futures_util::{SinkExt, StreamExt};
use protocol::chat::ChatMessage;
use protocol::{PROTOCOL_VERSION, visitor};
use tokio_tungstenite::tungstenite::Message;

/// Starts `chat-server` on a free port over `dir`'s settings and SQLite file.
fn spawn(dir: &Path) -> (Process, String) {
    let (config, database) = (dir.join("chat.toml"), dir.join("chat.db"));
    spawn_chat_server(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--database-url".as_ref(),
        database.as_os_str(),
    ])
}

#[tokio::test]
async fn acknowledged_messages_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chat.toml"), "[limits]\nmessages_per_minute = 100000\n").unwrap();
    let (mut server, address) = spawn(dir.path());
    let started = crate::support::start_conversation(&format!("http://{address}")).await;

    let mut client = Visitor::connect(&format!("ws://{address}/ws/visitor"), &[]).await.unwrap();
    let hello = visitor::ClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token: started.visitor_token.clone(),
        after_seq: 0,
    };
    client.send(&hello).await;
    assert!(matches!(client.recv().await, visitor::ServerFrame::Welcome { .. }));
    let (mut sink, mut stream) = client.socket.split();

    // Send without waiting for acks, so writes are in flight when the process dies.
    let sender = tokio::spawn(async move {
        for i in 0..2000 {
            let frame =
                visitor::ClientFrame::Send { client_id: format!("c{i}"), body: format!("message {i}") };
            if sink.send(Message::text(serde_json::to_string(&frame).unwrap())).await.is_err() {
                break;
            }
        }
    });
    let mut acked = HashSet::new();
    let mut killed = false;
    loop {
        let next =
            tokio::time::timeout(WAIT, stream.next()).await.expect("the socket neither answered nor closed");
        let Some(Ok(Message::Text(text))) = next else { break };
        if let Ok(visitor::ServerFrame::Ack(ack)) = serde_json::from_str(text.as_str()) {
            acked.insert(ack.client_id);
        }
        if acked.len() == 50 && !killed {
            server.0.kill().unwrap(); // SIGKILL: no graceful shutdown, no flush.
            server.0.wait().unwrap();
            killed = true;
        }
    }
    assert!(killed, "the server was killed mid-stream");
    sender.abort();

    let (server, address) = spawn(dir.path());
    let stored: Vec<ChatMessage> = reqwest::Client::new()
        .get(format!("http://{address}/api/conversations/{}/messages", started.conversation_id))
        .bearer_auth(&started.visitor_token)
        .timeout(WAIT)
        .answer()
        .await;
    drop(server);

    let stored_ids: HashSet<_> = stored.iter().filter_map(|m| m.client_id.clone()).collect();
    let lost: Vec<_> = acked.difference(&stored_ids).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!(stored_ids.len(), stored.len(), "no message stored twice");
    let seqs: Vec<u64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=stored.len() as u64).collect::<Vec<_>>(), "sequence numbers have no gaps");
    eprintln!("acknowledged {} before kill -9, {} stored after restart", acked.len(), stored.len());
}

#[tokio::test]
async fn sigterm_closes_sockets_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chat.toml"), "").unwrap();
    let (mut server, address) = spawn(dir.path());
    let started = crate::support::start_conversation(&format!("http://{address}")).await;
    let mut client = Visitor::connect(&format!("ws://{address}/ws/visitor"), &[]).await.unwrap();
    let hello =
        visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: started.visitor_token, after_seq: 0 };
    client.send(&hello).await;
    assert!(matches!(client.recv().await, visitor::ServerFrame::Welcome { .. }));

    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // The open socket does not hold shutdown up: the server says goodbye, then exits with 0.
    // Frames already on their way (the visitor's place in line) may come first.
    let close = loop {
        match tokio::time::timeout(WAIT, client.socket.next()).await.unwrap() {
            Some(Ok(Message::Text(_))) => continue,
            other => break other,
        }
    };
    match close {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a close frame, got {other:?}"),
    }
    let exited = tokio::task::spawn_blocking(move || server.0.wait().unwrap());
    let status = tokio::time::timeout(WAIT, exited).await.expect("still running after SIGTERM").unwrap();
    assert!(status.success(), "{status}");
}
