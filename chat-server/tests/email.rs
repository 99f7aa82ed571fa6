//! An agent's reply to a visitor who has left goes out by SMTP to the address they gave.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

mod support;

use protocol::rest::ConversationStarted;
use protocol::{Identity, agent};
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// A tiny SMTP server that accepts every message and hands over its raw text.
async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(text) = data.as_mut() {
                        if line == "." {
                            let _ = sender.send(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            text.push_str(&line);
                            text.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

#[tokio::test]
async fn reply_to_a_visitor_who_left_goes_by_email() {
    let (port, mut inbox) = smtp_sink().await;
    let server = start(|c| {
        c.email.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.email.from = "Sen Market <support@shop.example>".into();
    })
    .await;
    let mut with_email = context(Some("returns"));
    with_email.identity = Some(Identity {
        id: "u1".into(),
        name: Some("Hoa".into()),
        email: Some("hoa@example.com".into()),
        signature: None,
    });
    let started: ConversationStarted =
        start_conversation_raw(&server.http, with_email).await.json().await.unwrap();

    // The visitor never keeps a socket open; the agent answers anyway.
    let (mut lan, _, _) = agent(&server, "lan").await;
    lan.send(&agent::ClientFrame::Reply {
        conversation_id: started.conversation_id.clone(),
        client_id: "r1".into(),
        body: "Your parcel ships tomorrow".into(),
    })
    .await;
    lan.until(|f| matches!(f, agent::ServerFrame::Ack(_)).then_some(())).await;

    let mail = tokio::time::timeout(WAIT, inbox.recv()).await.expect("no email within the wait").unwrap();
    assert!(mail.contains("To: hoa@example.com"), "{mail}");
    assert!(mail.contains("support@shop.example"), "{mail}");
    assert!(mail.contains("Your parcel ships tomorrow"), "{mail}");
}
