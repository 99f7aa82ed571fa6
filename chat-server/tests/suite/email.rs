//! An agent's reply to a visitor who has left goes out by SMTP to the address they gave.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use crate::support::*;
use chat_server::test_support::smtp_sink;
use protocol::rest::ConversationStarted;
use protocol::{Identity, agent};

#[tokio::test]
async fn reply_to_a_visitor_who_left_goes_by_email() {
    let (port, mut inbox) = smtp_sink().await.unwrap();
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
